"""Editing gifts: drafts in place, listed gifts through a reviewed revision; scheduled publishing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import Conflict, InvalidTransition, ValidationFailed
from core.models import Program
from suppliers.models import Gift, GiftRevision
from suppliers.selectors import list_catalog
from suppliers.services import catalog, inventory, onboarding, revisions
from tests.factories import GiftFactory, WarehouseFactory
from tests.helpers import gift_in_state, published

pytestmark = pytest.mark.django_db


def online(gift, operator, now):
    return published(gift, actor=operator, at=now)


@pytest.mark.parametrize("language, expected", [
    ("zh-hans", "至少为一个积分计划（全球通积分计划、动感地带M计划）设置 1–2147483647 的整数积分价"),
    ("en", "Set a whole points price from 1 to 2147483647 for at least one program (GoTone Points Program, M-Zone Points Program)."),
])
def test_a_bad_points_price_names_the_programs_by_their_names_in_the_readers_language(language, expected):
    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        revisions.clean_changes({"points_prices": {"unicom": 1200}})

    assert (refused.value.field, refused.value.detail) == ("points_prices", expected)


def test_a_draft_is_edited_in_place(supplier_staff, now):
    gift = GiftFactory()

    revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "新包装龙井", "points_prices": {"gotone": 1800}})

    gift.refresh_from_db()
    assert gift.name == "新包装龙井"
    assert list(gift.prices.values_list("program__code", "points_price")) == [("gotone", 1800)]


def test_an_online_gift_keeps_selling_its_listed_version_until_the_revision_is_approved(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)
    gotone = Program.objects.get(code="gotone")

    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"points_prices": {"gotone": 2000, "mzone": 1200}, "settlement_price": "200.00"})
    listed_while_pending = list_catalog(program=gotone, tier="gold").get(pk=gift.pk)
    revisions.approve_revision(revision=revision, actor=operator, now=now)
    listed_after = list_catalog(program=gotone, tier="gold").get(pk=gift.pk)

    assert isinstance(revision, GiftRevision)
    assert (listed_while_pending.points_base, listed_while_pending.settlement_price) == (1500, Decimal("180.00"))
    assert (listed_after.points_base, listed_after.settlement_price, listed_after.state) == (2000, Decimal("200.00"), "online")


def test_a_rejected_revision_leaves_the_gift_unchanged(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)
    listed_name = gift.name
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "改名"})

    with pytest.raises(ValidationFailed):
        revisions.reject_revision(revision=revision, actor=operator, now=now, reason="")
    revisions.reject_revision(revision=revision, actor=operator, now=now, reason="名称不符")

    gift.refresh_from_db()
    assert (revision.state, gift.name) == ("rejected", listed_name)


def test_only_one_revision_may_wait_for_review(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)
    revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "A"})

    with pytest.raises(Conflict):
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "B"})

    assert GiftRevision.objects.count() == 1


def test_a_gift_in_review_or_retired_cannot_be_edited(supplier_staff, operator, now):
    gift = gift_in_state("submitted", actor=supplier_staff, at=now)

    with pytest.raises(Conflict):
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "X"})


def test_a_draft_a_colleague_submitted_meanwhile_is_refused_as_in_review_not_saved_from_the_copy_loaded_before(
    supplier_staff, supplier_admin, now,
):
    loaded = GiftFactory()  # the edit request read the draft…
    catalog.submit_gift(gift=Gift.objects.get(pk=loaded.pk), actor=supplier_admin, now=now)  # …a colleague submits it

    with pytest.raises(InvalidTransition) as refused:
        revisions.edit_gift(gift=loaded, actor=supplier_staff, now=now, changes={"name": "并发改名"})

    gift = Gift.objects.get(pk=loaded.pk)
    assert refused.value.field == "state" and "「待审核」" in refused.value.detail and "您打开后" in refused.value.detail
    assert (gift.state, gift.name) == ("submitted", loaded.name)


def test_a_draft_edit_writes_only_the_fields_it_changes_keeping_a_colleagues_edit_made_meanwhile(supplier_staff, supplier_admin,
                                                                                                  now):
    loaded = GiftFactory()
    revisions.edit_gift(gift=Gift.objects.get(pk=loaded.pk), actor=supplier_admin, now=now, changes={"description": "同事补充的说明"})

    revisions.edit_gift(gift=loaded, actor=supplier_staff, now=now, changes={"name": "新名称"})

    gift = Gift.objects.get(pk=loaded.pk)
    assert (gift.name, gift.description, gift.state) == ("新名称", "同事补充的说明", "draft")


def test_a_revision_approved_on_a_gift_delisted_since_it_was_read_applies_to_the_gift_as_it_is_now(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"name": "新名称"})
    loaded = GiftRevision.objects.select_related("gift").get(pk=revision.pk)  # the review page read it, the gift online…
    catalog.delist_gift(gift=Gift.objects.get(pk=gift.pk), actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES,
                        reason="运营下线")  # …and the gift went offline meanwhile

    revisions.approve_revision(revision=loaded, actor=operator, now=now)

    gift.refresh_from_db()
    assert (loaded.state, gift.state, gift.name) == ("approved", "offline", "新名称")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"settlement_price": "-1"}, "settlement_price"),
        ({"market_price": "12.345"}, "market_price"),
        ({"points_prices": {"gotone": 0}}, "points_prices"),
        ({"points_prices": {"unicom": 100}}, "points_prices"),
        ({"tier_discounts": {"platinum": 5}}, "tier_discounts"),
        ({"tier_discounts": {"gold": 7.5}}, "tier_discounts"),
        ({"min_tier": "vip"}, "min_tier"),
        ({"category": "cars"}, "category"),
        ({"state": "online"}, "state"),
        ({"supplier": 2}, "supplier"),
    ],
)
def test_bad_or_forbidden_changes_are_refused_naming_the_field(supplier_staff, now, changes, field):
    gift = GiftFactory()

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes=changes)

    assert field in {f for f, _, _ in refused.value.errors}
    assert Gift.objects.get(pk=gift.pk).settlement_price == Decimal("180.00")


def test_a_tier_discount_goes_up_to_99_percent_and_never_makes_the_gift_free(supplier_staff, now):
    gift = GiftFactory()

    revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"tier_discounts": {"silver": 0, "diamond": 99}})
    refused = {}
    for percent in (100, -1):
        with pytest.raises(ValidationFailed) as refusal:
            revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"tier_discounts": {"diamond": percent}})
        refused[percent] = [field for field, _, _ in refusal.value.errors]

    assert Gift.objects.get(pk=gift.pk).tier_discounts == {"silver": 0, "diamond": 99}
    assert refused == {100: ["tier_discounts"], -1: ["tier_discounts"]}


def test_a_scheduled_gift_is_published_at_its_time_once(operator, supplier, now):
    gift = gift_in_state("approved", supplier=supplier, actor=operator, at=now)
    revisions.schedule_publication(gift=gift, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    early = revisions.publish_scheduled_gifts(now=now + timedelta(hours=1))
    due = revisions.publish_scheduled_gifts(now=now + timedelta(hours=2))
    again = revisions.publish_scheduled_gifts(now=now + timedelta(hours=3))

    gift.refresh_from_db()
    assert (early, due, again) == ([], [gift.pk], [])
    assert (gift.state, gift.publish_at) == ("online", None)


def test_a_publication_is_scheduled_only_for_a_moment_still_to_come(operator, supplier, now):
    gift = gift_in_state("approved", supplier=supplier, actor=operator, at=now)

    with pytest.raises(ValidationFailed) as refused:
        revisions.schedule_publication(gift=gift, actor=operator, now=now, publish_at=now)
    unscheduled = Gift.objects.get(pk=gift.pk).publish_at
    revisions.schedule_publication(gift=gift, actor=operator, now=now, publish_at=now + timedelta(seconds=1))

    assert (refused.value.field, unscheduled) == ("publish_at", None)
    assert Gift.objects.get(pk=gift.pk).publish_at == now + timedelta(seconds=1)


def test_suspension_stops_scheduled_publishing(operator, supplier, now):
    gift = gift_in_state("approved", supplier=supplier, actor=operator, at=now)
    revisions.schedule_publication(gift=gift, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="整改")
    published = revisions.publish_scheduled_gifts(now=now + timedelta(hours=3))

    gift.refresh_from_db()
    assert (published, gift.state, gift.publish_at) == ([], "approved", None)


def test_an_approved_revision_cannot_be_approved_again(supplier_staff, operator, now):
    revision = revisions.edit_gift(gift=online(GiftFactory(), operator, now), actor=supplier_staff, now=now, changes={"name": "A"})
    revisions.approve_revision(revision=revision, actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        revisions.approve_revision(revision=revision, actor=operator, now=now)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e20", "10000000000.00"])
def test_non_finite_or_oversized_money_is_a_field_error_not_a_crash(supplier_staff, now, amount):
    gift = GiftFactory()

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"settlement_price": amount})

    assert refused.value.field == "settlement_price"


def test_a_gift_with_stock_held_keeps_its_fulfilment_until_the_stock_is_gone(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)
    warehouse = WarehouseFactory()
    inventory.receive_stock(gift=gift, location=warehouse, quantity=4, at=now)

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship"})
    assert refused.value.field == "fulfilment" and "4" in refused.value.detail
    assert not GiftRevision.objects.exists()

    inventory.write_off_stock(gift=gift, location=warehouse, quantity=4, at=now, kind="collection", note="礼品商取回")
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship"})
    assert revision.changes == {"fulfilment": "dropship"}


def test_a_revision_asked_before_stock_arrived_is_not_approved_while_the_stock_is_held(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)
    listed_name = gift.name
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship", "name": "直发款"})
    inventory.receive_stock(gift=gift, location=WarehouseFactory(), quantity=2, at=now)

    with pytest.raises(ValidationFailed) as refused:
        revisions.approve_revision(revision=revision, actor=operator, now=now)

    gift.refresh_from_db()
    revision.refresh_from_db()
    assert refused.value.field == "fulfilment"
    assert (revision.state, gift.fulfilment, gift.name) == ("pending", "warehouse", listed_name)


def test_a_gift_without_stock_changes_its_fulfilment(supplier_staff, operator, now):
    gift = online(GiftFactory(), operator, now)

    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship"})
    revisions.approve_revision(revision=revision, actor=operator, now=now)

    gift.refresh_from_db()
    assert gift.fulfilment == "dropship"


def test_a_gift_with_stock_announced_keeps_its_fulfilment_until_it_is_received(supplier_staff, operator, logistics, now):
    from logistics.services import inbound

    gift = online(GiftFactory(), operator, now)
    warehouse = WarehouseFactory()
    announced = inbound.announce_inbound(supplier=gift.supplier, gift_id=gift.pk, location_id=warehouse.pk, quantity=10,
                                         expected_on=now.date(), actor=supplier_staff, now=now)

    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship"})
    inbound.receive_inbound(inbound=announced, actor=logistics, now=now, counted_quantity=10, damaged_quantity=0)
    with pytest.raises(ValidationFailed) as still:  # received: now it is stock on hand that holds the gift
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship"})

    assert refused.value.field == "fulfilment" and "10" in refused.value.detail and "已预报" in refused.value.detail
    assert "该礼品仍有库存 10 件" in still.value.detail
