"""Extra costs priced from the tariff with who may record them, and logistics claims with their workflow (SPEC §3, §4.6)."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from logistics.errors import ParcelAlreadyClaimed
from logistics.models import ExtraCost, LeftoverLot, LogisticsClaim, Shipment, Tariff
from logistics.services import claims, costs, shipments
from points.models import PointsAccount, RedemptionOrder
from points.services import orders
from suppliers.models import StockRecord
from tests.logistics.builders import request
from tests.helpers import picked_and_shipped


pytestmark = pytest.mark.django_db
A_MONTH = timedelta(days=31)  # from `now` (2026-10-15) to the day after the lot's collection deadline (2026-11-14)


def record(*, actor, now, **fields) -> ExtraCost:
    values = {"kind": "handling", "payer": "supplier", "quantity": 1, "description": "装卸"} | fields
    return costs.record_extra_cost(actor=actor, now=now, **values)


@pytest.fixture
def lot(delivered_order, now):
    return LeftoverLot.objects.create(
        supplier=delivered_order.supplier, gift=delivered_order.gift, location=delivered_order.location, quantity=3,
        created_at=now, collect_by=date(2026, 11, 14),
    )


# --- extra costs ---------------------------------------------------------------------------------------------------

def test_an_extra_cost_is_the_tariff_price_times_the_quantity_stored_when_recorded(delivered_order, logistics, operator, now):
    cost = record(actor=logistics, now=now, supplier=delivered_order.supplier, order=delivered_order, quantity=2)
    costs.update_tariff(reason="按合同调整", tariff=Tariff.objects.get(kind="handling"), amount=Decimal("9.99"), actor=operator, now=now)

    cost.refresh_from_db()
    assert (cost.amount, cost.quantity, cost.recorded_by, cost.recorded_at) == (Decimal("3.00"), 2, logistics, now)


def test_the_price_rounds_half_up_to_the_fen():
    assert costs.price(tariff=Tariff(amount=Decimal("0.05")), quantity=3) == Decimal("0.15")
    assert costs.price(tariff=Tariff(amount=Decimal("0.125")), quantity=1) == Decimal("0.13")  # half-even would give 0.12


def test_logistics_records_costs_of_warehouse_orders_and_lots(delivered_order, lot, logistics, now):
    on_order = record(actor=logistics, now=now, supplier=delivered_order.supplier, order=delivered_order, kind="return_freight")
    on_lot = record(actor=logistics, now=now + A_MONTH, supplier=lot.supplier, lot=lot, kind="storage", fee_date=date(2026, 11, 15))

    assert (on_order.amount, on_lot.amount) == (Decimal("12.00"), Decimal("2.00"))


def test_an_operator_may_not_record_a_cost_of_a_warehouse_order(delivered_order, operator, now):
    with pytest.raises(PermissionDenied):
        record(actor=operator, now=now, supplier=delivered_order.supplier, order=delivered_order)

    assert not ExtraCost.objects.exists()


def test_an_operator_records_costs_of_dropship_orders_and_logistics_may_not(dropship_order, operator, logistics, now):
    cost = record(actor=operator, now=now, supplier=dropship_order.supplier, order=dropship_order, kind="return_freight")

    with pytest.raises(PermissionDenied):
        record(actor=logistics, now=now, supplier=dropship_order.supplier, order=dropship_order)

    assert list(ExtraCost.objects.all()) == [cost]


def test_logistics_recording_a_dropship_orders_cost_through_the_api_is_403_before_its_body_is_checked(api, dropship_order, logistics):
    incomplete = {"kind": "handling", "order": dropship_order.pk}  # no payer

    refused = api(logistics).post("/api/v1/extra-costs/", incomplete, format="json", HTTP_IDEMPOTENCY_KEY="cost-1")

    assert refused.status_code == 403 and refused.json()["errors"][0]["attr"] is None
    assert not ExtraCost.objects.exists()


def test_a_lot_is_charged_for_a_day_once(lot, now):
    first = record(actor=None, now=now + A_MONTH, supplier=lot.supplier, lot=lot, kind="storage", fee_date=date(2026, 11, 15))
    again = record(actor=None, now=now + A_MONTH, supplier=lot.supplier, lot=lot, kind="storage", fee_date=date(2026, 11, 15))

    assert again.pk == first.pk and ExtraCost.objects.count() == 1 and first.amount == Decimal("2.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "parking"}, "kind"),
        ({"payer": "member"}, "payer"),
        ({"quantity": 0}, "quantity"),
        ({"order": None}, "order"),
        ({"fee_date": date(1, 1, 1)}, "fee_date"),
        ({"fee_date": date(9999, 12, 31)}, "fee_date"),
        ({"description": "装" * 301}, "description"),
    ],
)
def test_a_bad_extra_cost_names_its_field_and_writes_nothing(delivered_order, logistics, now, changes, field):
    values = {"supplier": delivered_order.supplier, "order": delivered_order} | changes

    with pytest.raises(ValidationFailed) as refused:
        record(actor=logistics, now=now, **values)

    assert refused.value.field == field
    assert not ExtraCost.objects.exists()


def test_a_cost_must_be_borne_by_the_supplier_of_what_it_belongs_to(delivered_order, other_supplier, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        record(actor=logistics, now=now, supplier=other_supplier, order=delivered_order)

    assert refused.value.field == "supplier"


def test_a_cost_recorded_without_naming_a_supplier_is_borne_by_the_supplier_of_what_it_belongs_to(delivered_order, logistics, now):
    cost = record(actor=logistics, now=now, order=delivered_order)

    assert cost.supplier == delivered_order.supplier


def test_a_cost_of_a_return_belongs_to_the_returns_order(delivered_order, dropship_order, logistics, now):
    other_return = request(dropship_order, now=now)

    with pytest.raises(ValidationFailed) as refused:
        record(actor=logistics, now=now, supplier=delivered_order.supplier, order=delivered_order, return_request=other_return)

    assert refused.value.field == "return_request"
    assert not ExtraCost.objects.exists()


def test_a_cost_belongs_to_one_thing_only(delivered_order, lot, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        record(actor=logistics, now=now, supplier=delivered_order.supplier, order=delivered_order, lot=lot, kind="storage")

    assert refused.value.field == "order" and not ExtraCost.objects.exists()


def test_a_kind_without_a_tariff_cannot_be_recorded(delivered_order, logistics, now):
    Tariff.objects.filter(kind="handling").delete()

    with pytest.raises(ValidationFailed) as refused:
        record(actor=logistics, now=now, supplier=delivered_order.supplier, order=delivered_order)

    assert refused.value.field == "kind"


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("1.234")])
def test_a_tariff_price_is_a_non_negative_amount_in_fen(operator, now, amount):
    tariff = Tariff.objects.get(kind="handling")

    with pytest.raises(ValidationFailed) as refused:
        costs.update_tariff(reason="按合同调整", tariff=tariff, amount=amount, actor=operator, now=now)

    assert refused.value.field == "amount"
    assert Tariff.objects.get(kind="handling").amount == Decimal("1.50")


# --- claims --------------------------------------------------------------------------------------------------------

@pytest.fixture
def open_claim(delivered_order, now):
    return claims.open_claim(order=delivered_order, cause="transit_damage", quantity=2, now=now)


def test_a_claim_is_for_the_settlement_price_times_the_quantity(open_claim):
    assert (open_claim.state, open_claim.amount) == ("open", Decimal("360.00"))


def test_finance_accepts_then_settles_a_claim_with_a_payment_reference(open_claim, finance, now):
    claims.accept_claim(claim=open_claim, actor=finance, now=now)
    claims.settle_claim(claim=open_claim, actor=finance, now=now + timedelta(days=3), settlement_reference="PAY-2026-001")

    open_claim.refresh_from_db()
    assert (open_claim.state, open_claim.settlement_reference) == ("settled", "PAY-2026-001")
    assert open_claim.settled_at == now + timedelta(days=3)


def test_settling_an_open_claim_is_refused_and_changes_nothing(open_claim, finance, now):
    with pytest.raises(InvalidTransition):
        claims.settle_claim(claim=open_claim, actor=finance, now=now, settlement_reference="PAY-1")

    open_claim.refresh_from_db()
    assert (open_claim.state, open_claim.settlement_reference) == ("open", "")


def test_accepting_a_settled_claim_is_refused(open_claim, finance, now):
    claims.accept_claim(claim=open_claim, actor=finance, now=now)
    claims.settle_claim(claim=open_claim, actor=finance, now=now, settlement_reference="PAY-1")

    with pytest.raises(InvalidTransition):
        claims.accept_claim(claim=open_claim, actor=finance, now=now)

    assert LogisticsClaim.objects.get().state == "settled"


def test_settling_needs_a_payment_reference(open_claim, finance, now):
    claims.accept_claim(claim=open_claim, actor=finance, now=now)

    with pytest.raises(ValidationFailed) as refused:
        claims.settle_claim(claim=open_claim, actor=finance, now=now, settlement_reference="  ")

    assert refused.value.field == "settlement_reference"
    assert LogisticsClaim.objects.get().state == "accepted"


@pytest.mark.parametrize("who", ["logistics", "operator"])
def test_only_finance_accepts_or_settles_a_claim_whichever_page_or_client_asks(open_claim, finance, logistics, operator, now, who):
    someone = {"logistics": logistics, "operator": operator}[who]

    with pytest.raises(PermissionDenied):
        claims.accept_claim(claim=open_claim, actor=someone, now=now)
    claims.accept_claim(claim=open_claim, actor=finance, now=now)
    with pytest.raises(PermissionDenied):
        claims.settle_claim(claim=open_claim, actor=someone, now=now, settlement_reference="PAY-1")

    assert LogisticsClaim.objects.get().state == "accepted"


@pytest.fixture
def shipped(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    shipment = Shipment.objects.get(order=confirmed_order)
    return picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-LOST")


def test_a_lost_parcel_opens_a_claim_for_its_units_and_fails_the_delivery(shipped, logistics, now):
    claim = claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)

    assert (claim.cause, claim.quantity, claim.amount, claim.order_id, claim.return_request, claim.reported_by) == (
        "lost_parcel", 2, Decimal("360.00"), shipped.order_id, None, logistics
    )
    assert Shipment.objects.get().state == "failed" and RedemptionOrder.objects.get().state == "delivery_failed"


def test_a_lost_parcel_is_never_delivered_automatically_and_giving_it_up_refunds_without_phantom_stock(
    shipped, logistics, operator, rich_member, now
):
    order = RedemptionOrder.objects.get()
    stock_before = StockRecord.objects.get(gift=order.gift, location=order.location).on_hand
    balance_before = PointsAccount.objects.get(member=rich_member).balance
    claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)
    order.refresh_from_db()

    assert shipments.auto_deliver_shipments(now=now + timedelta(days=30)) == []
    with pytest.raises(Conflict) as refused:
        orders.redeliver_order(order=order, actor=operator, now=now)
    orders.give_up_order(order=order, actor=operator, now=now, reason="包裹丢失")

    order.refresh_from_db()
    assert refused.value.field == "order" and order.state == "cancelled"
    assert PointsAccount.objects.get(member=rich_member).balance == balance_before + order.points_cost
    assert StockRecord.objects.get(gift=order.gift, location=order.location).on_hand == stock_before


def test_a_parcel_is_reported_lost_once_and_the_second_report_is_told_it_is_already_claimed(shipped, logistics, operator, now):
    claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)

    with pytest.raises(ParcelAlreadyClaimed) as refused:
        claims.report_lost_parcel(shipment=shipped, actor=operator, now=now)

    assert refused.value.field == "shipment"
    assert LogisticsClaim.objects.count() == 1


def test_refusing_a_lost_parcel_report_names_the_shipments_state_by_its_label(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="NOT-SHIPPED", actor=logistics, now=now)

    with pytest.raises(InvalidTransition) as refused:
        claims.report_lost_parcel(shipment=Shipment.objects.get(), actor=logistics, now=now)

    assert refused.value.detail == "只有在途（已发货）的运单可以报告丢失，该运单当前为「待拣货」"


def test_only_a_parcel_in_transit_can_be_reported_lost(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="NOT-SHIPPED", actor=logistics, now=now)

    with pytest.raises(InvalidTransition):
        claims.report_lost_parcel(shipment=Shipment.objects.get(), actor=logistics, now=now)

    assert not LogisticsClaim.objects.exists()


def test_a_claim_the_system_opens_names_no_reporter(delivered_order, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    assert claim.reported_by is None


@pytest.mark.parametrize("reporter", ["logistics", "operator"])
def test_a_dropship_parcel_is_never_claimed_from_the_logistics_provider_and_nothing_changes(
    dropship_shipped, logistics, operator, reporter, now
):
    actor = {"logistics": logistics, "operator": operator}[reporter]

    with pytest.raises(ValidationFailed) as refused:
        claims.report_lost_parcel(shipment=dropship_shipped, actor=actor, now=now)

    assert refused.value.field == "shipment" and "礼品商" in refused.value.detail
    dropship_shipped.refresh_from_db()
    assert dropship_shipped.state == "shipped" and dropship_shipped.order.state == "shipped"
    assert not LogisticsClaim.objects.exists()


@pytest.mark.parametrize("state", ["delivered", "failed"])
def test_a_parcel_delivered_or_already_failed_cannot_be_reported_lost(shipped, logistics, now, state):
    if state == "delivered":
        shipments.deliver_shipment(shipment=shipped, actor=logistics, now=now, signer="刘洋")
    else:
        shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="地址不详")

    with pytest.raises(InvalidTransition) as refused:
        claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)

    assert refused.value.field == "shipment" and not LogisticsClaim.objects.exists()
