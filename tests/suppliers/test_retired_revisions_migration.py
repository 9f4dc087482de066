"""The migration withdrawing the changes left pending on gifts retired before retirement withdrew them: each goes to
withdrawn with the reason retirement gives, as the system; a change pending on a gift still taking changes stays
pending, and one already decided stays as it was. Run on a copy of the SQLite test database, or in the test's
transaction on PostgreSQL (see tests/test_unique_key_migrations.py)."""
import importlib
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from suppliers.services.revisions import WITHDRAWN_ON_RETIREMENT
from tests.logistics.test_supplier_notified_migration import migrated
from tests.test_unique_key_migrations import COPY, copied_database, pristine_copy, suppliers_named  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("copied_database")]
BEFORE, MIGRATION = ("suppliers", "0023_records_keep_what_they_belong_to"), ("suppliers", "0024_withdraw_revisions_of_retired_gifts")
ASKED = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def revisions_before(apps) -> dict[str, int]:
    """A change pending on a retired gift, one pending on an online gift, and one rejected on another retired gift,
    written in the schema as it was before the migration: their ids by name."""
    [supplier] = suppliers_named(apps, "甲礼品有限公司")
    category = apps.get_model("suppliers", "Category").objects.using(COPY).create(code="misc", name="杂项")
    gifts, revisions = (apps.get_model("suppliers", name).objects.using(COPY) for name in ("Gift", "GiftRevision"))
    made = {}
    for name, gift_state, state in (("retired", "retired", "pending"), ("online", "online", "pending"), ("rejected", "retired", "rejected")):
        gift = gifts.create(supplier=supplier, sku=name, name=name, category=category, state=gift_state, market_price=Decimal("10.00"),
                            settlement_price=Decimal("8.00"), created_at=ASKED)
        made[name] = revisions.create(gift=gift, changes={"name": "新包装"}, requested_at=ASKED, state=state).pk
    return made


def after(apps, made: dict[str, int]) -> dict[str, tuple]:
    """Each revision's state and whether it has a decision time, with its history: (transition, source, target, actor, reason)."""
    revisions = apps.get_model("suppliers", "GiftRevision").objects.using(COPY)
    logs = apps.get_model("core", "TransitionLog").objects.using(COPY).filter(content_type__model="giftrevision")
    return {
        name: (revision.state, revision.decided_at is not None,
               list(logs.filter(object_id=pk).values_list("transition", "source_state", "target_state", "actor_id", "reason")))
        for name, pk in made.items() for revision in [revisions.get(pk=pk)]
    }


def test_the_changes_pending_on_retired_gifts_are_withdrawn_saying_why_and_no_other():
    made = revisions_before(migrated(BEFORE))

    withdrawn = after(migrated(MIGRATION), made)

    assert withdrawn == {
        "retired": ("withdrawn", True, [("withdraw", "pending", "withdrawn", None, "礼品已退市，待审核的修改随之撤回")]),
        "online": ("pending", False, []),
        "rejected": ("rejected", False, []),
    }


def test_the_migration_gives_the_reason_retirement_gives_which_pages_translate():
    migration = importlib.import_module("suppliers.migrations.0024_withdraw_revisions_of_retired_gifts")

    with translation.override("en"):
        english = translation.gettext(migration.WITHDRAWN_ON_RETIREMENT)

    assert migration.WITHDRAWN_ON_RETIREMENT == WITHDRAWN_ON_RETIREMENT and english != WITHDRAWN_ON_RETIREMENT
