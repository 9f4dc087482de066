"""Replenishment requests that no longer make sense are cancelled, each with its reason in its history (SPEC §4.3,
§4.10): the gift left sale, turned dropship, or its safety stock was lowered to what is available. A cancelled request
is no longer asked of the supplier nor counted against it."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from core.fsm import history_of
from suppliers.models import Gift, ReplenishmentRequest
from suppliers.services import catalog, inventory, onboarding, qualifications, revisions
from tests.factories import GiftFactory, WarehouseFactory, licensed
from tests.helpers import published

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="WH-HZ", name="杭州仓")


@pytest.fixture
def listed(operator, warehouse, now) -> Gift:
    """Online with 3 units in Hangzhou against a safety stock of 5: its replenishment request is open."""
    gift = published(GiftFactory(), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=warehouse, quantity=3, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)
    return gift


def the_request(gift: Gift) -> ReplenishmentRequest:
    return ReplenishmentRequest.objects.get(gift=gift)


def test_delisting_a_gift_cancels_its_open_replenishment_request_saying_why(listed, operator, now):
    catalog.delist_gift(gift=listed, actor=operator, now=now, reason_code=Gift.DelistReason.LOW_SALES, reason="运营下线")

    request = the_request(listed)
    cancelled = history_of(request).last()
    assert (request.state, cancelled.transition, cancelled.actor, cancelled.at) == ("cancelled", "cancel", operator, now)
    assert cancelled.reason_text == "礼品已转为「已下线」，无需补货"
    with translation.override("en"):
        assert cancelled.reason_label == "The gift is now “Offline”: no replenishment needed"


def test_suspending_the_supplier_cancels_the_requests_of_the_gifts_it_delists(listed, operator, now):
    onboarding.suspend_supplier(supplier=listed.supplier, actor=operator, now=now, reason="整改")

    assert the_request(listed).state == "cancelled"


def test_an_expired_licence_cancels_the_requests_of_the_gifts_it_delists(listed, now):
    listed.supplier.qualifications.update(expires_on=now.date() - timedelta(days=1))

    qualifications.sweep_qualifications(now=now)

    assert Gift.objects.get(pk=listed.pk).state == "offline" and the_request(listed).state == "cancelled"


def test_terminating_the_supplier_cancels_the_requests_of_every_gift_it_retires(listed, operator, warehouse, now):
    draft = GiftFactory(supplier=listed.supplier)
    inventory.set_safety_stock(gift=draft, location=warehouse, safety_stock=2, at=now)

    onboarding.terminate_supplier(supplier=listed.supplier, actor=operator, now=now, reason="合作终止")

    assert set(ReplenishmentRequest.objects.values_list("gift_id", "state")) == {(listed.pk, "cancelled"), (draft.pk, "cancelled")}


@pytest.mark.parametrize("leave", [
    lambda gift, operator, now: catalog.start_clearance(gift=gift, actor=operator, now=now, points_price=800, settlement_price=Decimal("90")),
    lambda gift, operator, now: catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产"),
], ids=["clearance", "retired"])
def test_a_request_left_open_on_an_offline_gift_is_cancelled_when_it_goes_to_clearance_or_retires(listed, operator, warehouse, now, leave):
    catalog.delist_gift(gift=listed, actor=operator, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST, reason="运营下线")
    left_open = ReplenishmentRequest.objects.create(  # raised before offline gifts stopped raising them
        gift=listed, location=warehouse, quantity=7, raised_at=now, due_date=now.date() + timedelta(days=7)
    )

    leave(listed, operator, now)

    left_open.refresh_from_db()
    assert left_open.state == "cancelled"


def test_an_offline_gift_raises_no_new_request(listed, operator, warehouse, now):
    catalog.delist_gift(gift=listed, actor=operator, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST, reason="运营下线")

    inventory.write_off_stock(gift=listed, location=warehouse, quantity=1, at=now)
    inventory.set_safety_stock(gift=listed, location=warehouse, safety_stock=8, at=now)

    assert list(ReplenishmentRequest.objects.values_list("state", flat=True)) == ["cancelled"]


def test_a_gift_turned_dropship_has_its_warehouse_requests_cancelled_and_raises_no_more(operator, supplier_staff, warehouse, now):
    gift = published(GiftFactory(supplier=licensed(supplier_staff.supplier_membership.supplier)), actor=operator, at=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=5, at=now)  # nothing on hand: a request
    revision = revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"fulfilment": "dropship"})

    revisions.approve_revision(revision=revision, actor=operator, now=now)
    inventory.set_safety_stock(gift=gift, location=warehouse, safety_stock=6, at=now)

    request = the_request(gift)
    assert (request.state, history_of(request).last().reason_text) == ("cancelled", "礼品改为礼品商直发，无需补货")


def test_lowering_the_safety_stock_to_what_is_available_cancels_the_request(listed, logistics, warehouse, now):
    inventory.set_safety_stock(gift=listed, location=warehouse, safety_stock=4, at=now)
    assert the_request(listed).state == "open"  # 3 available are still below 4

    inventory.set_safety_stock(gift=listed, location=warehouse, safety_stock=3, at=now, actor=logistics)

    request = the_request(listed)
    cancelled = history_of(request).last()
    assert (request.state, cancelled.actor) == ("cancelled", logistics)
    assert cancelled.reason_text == "安全库存调整为 3，可用库存 3 已不低于安全库存"
    with translation.override("en"):
        assert cancelled.reason_label == "Safety stock set to 3: the 3 units available are no longer below it"


def test_lowering_the_safety_stock_at_one_warehouse_leaves_the_request_at_another_open(listed, warehouse, now):
    elsewhere = WarehouseFactory(code="WH-GZ")
    inventory.set_safety_stock(gift=listed, location=elsewhere, safety_stock=2, at=now)

    inventory.set_safety_stock(gift=listed, location=elsewhere, safety_stock=0, at=now)

    assert dict(ReplenishmentRequest.objects.values_list("location__code", "state")) == {"WH-HZ": "open", "WH-GZ": "cancelled"}


def test_stock_received_still_meets_the_request_rather_than_cancelling_it(listed, warehouse, now):
    inventory.receive_stock(gift=listed, location=warehouse, quantity=2, at=now)

    inventory.meet_replenishment(gift=listed, location=warehouse, at=now)

    assert the_request(listed).state == "met"
