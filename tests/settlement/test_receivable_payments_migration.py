"""The migration that brings part payments of receivables: a receivable collected before it counts as one payment of
all it owed (its reference, its date, who recorded it and when, from its history), so its page, the API and the
outstanding amount (nothing) read as for one collected since; a receivable still owed has no payment and owes it all.
Run on a copy of the SQLite test database, or in the test's transaction on PostgreSQL (see
tests/test_unique_key_migrations.py)."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from tests.test_unique_key_migrations import COPY, copied_database, pristine_copy  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("copied_database"), pytest.mark.xdist_group("receivable_payments_migration")]
BEFORE, MIGRATION = ("settlement", "0030_reconciliation_summaries_gross"), ("settlement", "0031_receivable_part_payments")
START = [BEFORE]
CLOSED = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RECORDED = datetime(2026, 11, 20, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def migrated(target):
    """The apps as migrated to `target`, every other app at its latest migration."""
    executor = MigrationExecutor(connections[COPY])
    targets = [target] + [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != target[0]]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def receivables_before(apps) -> dict[str, int]:
    """A receivable of 30.00 collected (its collection in its history) and one of 45.00 still owed, in the schema as it
    was before the migration: their ids by name."""
    model = lambda label: apps.get_model(*label.split(".")).objects.using(COPY)  # noqa: E731
    finance = model("core.User").create(username="finance_m", role="finance")
    supplier = model("suppliers.Supplier").create(name="甲礼品有限公司", credit_code="91350100M000100Y43", contact_name="王",
                                                   contact_phone="13911112222", applied_at=CLOSED, state="terminated")
    collected = model("settlement.Statement").create(
        supplier=supplier, month=date(2026, 10, 1), payable=Decimal("-30.00"), generated_at=CLOSED, closed_at=CLOSED, receivable=True,
        state="collected", collection_reference="CMB-IN-1", collection_date=date(2026, 11, 19), collected_by=finance)
    owed = model("settlement.Statement").create(supplier=supplier, month=date(2026, 9, 1), payable=Decimal("-45.00"), generated_at=CLOSED,
                                                closed_at=CLOSED, receivable=True, state="closed")
    kind = model("contenttypes.ContentType").get(app_label="settlement", model="statement")
    model("core.TransitionLog").create(content_type=kind, object_id=collected.pk, transition="record_collection", source_state="closed",
                                       target_state="collected", actor=finance, at=RECORDED, reason="CMB-IN-1")
    return {"collected": collected.pk, "owed": owed.pk, "finance": finance.pk}


def test_a_receivable_collected_before_is_one_payment_of_all_it_owed_and_one_still_owed_has_none():
    made = receivables_before(migrated(BEFORE))

    apps = migrated(MIGRATION)

    statements = dict(apps.get_model("settlement", "Statement").objects.using(COPY).values_list("pk", "collected_amount"))
    assert (statements[made["collected"]], statements[made["owed"]]) == (Decimal("30.00"), Decimal("0.00"))
    payments = apps.get_model("settlement", "ReceivablePayment").objects.using(COPY).values_list(
        "statement_id", "amount", "reference", "received_on", "recorded_by_id", "recorded_at")
    assert list(payments) == [(made["collected"], Decimal("30.00"), "CMB-IN-1", date(2026, 11, 19), made["finance"], RECORDED)]


def test_a_receivable_collected_without_a_date_is_received_on_the_day_in_shanghai_it_was_recorded():
    apps = migrated(BEFORE)
    made = receivables_before(apps)
    after_midnight = datetime(2026, 11, 20, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # still 19 November in UTC
    apps.get_model("settlement", "Statement").objects.using(COPY).filter(pk=made["collected"]).update(collection_date=None)
    apps.get_model("core", "TransitionLog").objects.using(COPY).filter(object_id=made["collected"]).update(at=after_midnight)

    apps = migrated(MIGRATION)

    payment = apps.get_model("settlement", "ReceivablePayment").objects.using(COPY).get()
    assert payment.received_on == date(2026, 11, 20)
