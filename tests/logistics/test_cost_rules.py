"""Which extra cost fits what (SPEC §4.6, §4.8): a re-delivery fee only after a failed delivery and once per attempt,
a storage fee only on a leftover lot for a day after its collection deadline, a disposal fee only on a disposed lot; a
cost counted in its kind's unit, dated neither after today nor before what it belongs to existed, and none on a lot that
has ended; and voiding a cost recorded in error, which keeps it listed with who, when and why but counts it in no total
and no statement."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import history_of
from logistics.errors import FeeAlreadyRecorded
from logistics.models import ExtraCost, InboundShipment, LeftoverLot, Shipment
from logistics.services import claims, costs, leftovers, shipments
from points.services import orders
from settlement.models import Section, Statement
from settlement.services import generation
from tests.helpers import picked_and_shipped
from tests.logistics.leftover_world import DEADLINE, at_0010


pytestmark = pytest.mark.django_db


def fee(owner, *, kind: str, actor, now, **fields) -> ExtraCost:
    field = {"LeftoverLot": "lot", "InboundShipment": "inbound"}.get(type(owner).__name__, "order")
    return costs.record_extra_cost(kind=kind, payer="supplier", supplier=owner.supplier, description="", actor=actor, now=now,
                                   **{field: owner}, **fields)


def test_a_cost_wrong_in_several_ways_names_every_field_at_once(delivered_order, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        costs.record_extra_cost(kind="parking", payer="nobody", supplier=delivered_order.supplier, quantity=0,
                                fee_date=date(1999, 1, 1), description="", actor=logistics, now=now)

    assert [field for field, _code, _detail in refused.value.errors] == ["kind", "payer", "quantity", "fee_date", "order"]
    assert not ExtraCost.objects.exists()


@pytest.fixture
def failed_once(shipped, logistics, now):
    """The warehouse order whose first delivery failed."""
    shipments.fail_shipment(shipment=shipped, actor=logistics, now=now, reason="收件人不在")
    shipped.order.refresh_from_db()
    return shipped.order


@pytest.fixture
def redelivered(failed_once, operator, now):
    """The warehouse order whose first delivery failed and which the operator had delivered again."""
    orders.redeliver_order(order=failed_once, actor=operator, now=now)
    failed_once.refresh_from_db()
    return failed_once


@pytest.fixture
def inbound(delivered_order, now):
    return InboundShipment.objects.create(
        number="IB-COST-1", supplier=delivered_order.supplier, gift=delivered_order.gift, location=delivered_order.location,
        announced_quantity=5, expected_on=now.date(), announced_at=now,
    )


@pytest.fixture
def open_lot(delivered_order, now):
    return LeftoverLot.objects.create(supplier=delivered_order.supplier, gift=delivered_order.gift, location=delivered_order.location,
                                      quantity=1, created_at=now, collect_by=DEADLINE)


# --- re-delivery fees ------------------------------------------------------------------------------------------------
def test_a_redelivery_fee_is_recorded_for_an_order_whose_delivery_failed(redelivered, logistics, now):
    cost = fee(redelivered, kind="redelivery", actor=logistics, now=now)

    assert (cost.order_id, cost.amount, cost.state) == (redelivered.pk, Decimal("15.00"), "recorded")


@pytest.mark.parametrize("order_fixture", ["confirmed_order", "shipped", "delivered_order"])
def test_no_redelivery_fee_for_an_order_never_failed_and_nothing_is_written(request, logistics, now, order_fixture):
    order = request.getfixturevalue(order_fixture)
    order = getattr(order, "order", order)

    with pytest.raises(ValidationFailed) as refused:
        fee(order, kind="redelivery", actor=logistics, now=now)

    assert refused.value.field == "order" and order.number in refused.value.detail
    assert not ExtraCost.objects.exists()


def test_a_second_redelivery_fee_for_the_same_failed_attempt_is_refused_naming_the_first(redelivered, logistics, now):
    first = fee(redelivered, kind="redelivery", actor=logistics, now=now)

    with pytest.raises(FeeAlreadyRecorded) as refused:
        fee(redelivered, kind="redelivery", actor=logistics, now=now + timedelta(hours=1))

    assert refused.value.field == "order" and first.reference in refused.value.detail
    assert ExtraCost.objects.count() == 1


def test_each_failed_attempt_re_delivered_may_carry_its_own_redelivery_fee(redelivered, logistics, operator, now):
    fee(redelivered, kind="redelivery", actor=logistics, now=now)
    second = Shipment.objects.filter(order=redelivered, state="created").get()
    picked_and_shipped(shipment=second, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-AGAIN")
    shipments.fail_shipment(shipment=second, actor=logistics, now=now, reason="再次无人签收")
    redelivered.refresh_from_db()
    orders.redeliver_order(order=redelivered, actor=operator, now=now)

    fee(redelivered, kind="redelivery", actor=logistics, now=now)

    assert ExtraCost.objects.filter(order=redelivered, kind="redelivery").count() == 2


def test_no_redelivery_fee_for_a_failed_delivery_not_re_delivered_yet_naming_the_order(failed_once, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        fee(failed_once, kind="redelivery", actor=logistics, now=now)

    assert refused.value.field == "order"
    assert refused.value.detail == f"订单 {failed_once.number} 配送失败后尚未重新配送，不能记二次配送费：运营安排重新配送后再记"
    assert not ExtraCost.objects.exists()


def test_no_redelivery_fee_for_a_parcel_reported_lost_which_is_never_re_delivered(shipped, logistics, now):
    claims.report_lost_parcel(shipment=shipped, actor=logistics, now=now)

    with pytest.raises(ValidationFailed) as refused:
        fee(shipped.order, kind="redelivery", actor=logistics, now=now)

    assert refused.value.field == "order" and "丢失" in refused.value.detail and shipped.order.number in refused.value.detail
    assert not ExtraCost.objects.exists()


def test_an_earlier_failed_attempt_keeps_its_redelivery_fee_but_the_lost_parcel_after_it_adds_none(failed_once, logistics,
                                                                                                     operator, now):
    orders.redeliver_order(order=failed_once, actor=operator, now=now)
    second = Shipment.objects.filter(order=failed_once, state="created").get()
    picked_and_shipped(shipment=second, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-LOST-AGAIN")
    claims.report_lost_parcel(shipment=second, actor=logistics, now=now)

    first_fee = fee(failed_once, kind="redelivery", actor=logistics, now=now)
    with pytest.raises(FeeAlreadyRecorded) as refused:
        fee(failed_once, kind="redelivery", actor=logistics, now=now)

    assert refused.value.field == "order" and first_fee.reference in refused.value.detail
    assert ExtraCost.objects.filter(order=failed_once, kind="redelivery").count() == 1


@pytest.mark.parametrize("owner", ["open_lot", "inbound"])
def test_a_redelivery_fee_on_a_lot_or_an_inbound_shipment_is_refused_naming_it(request, logistics, now, owner):
    with pytest.raises(ValidationFailed) as refused:
        fee(request.getfixturevalue(owner), kind="redelivery", actor=logistics, now=now)

    assert refused.value.field == {"open_lot": "lot", "inbound": "inbound"}[owner] and not ExtraCost.objects.exists()


# --- storage and disposal fees --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("owner", "field"), [("delivered_order", "order"), ("redelivered", "order"), ("inbound", "inbound")])
def test_a_storage_fee_fits_only_a_leftover_lot_and_is_refused_naming_what_it_was_put_on(request, logistics, now, owner, field):
    with pytest.raises(ValidationFailed) as refused:
        fee(request.getfixturevalue(owner), kind="storage", actor=logistics, now=now, fee_date=now.date())

    assert (refused.value.field, refused.value.detail) == (field, f"仓储费不能记在{ {'order': '订单', 'inbound': '入库单'}[field]}上，只能记在遗留礼品批次上")
    assert not ExtraCost.objects.exists()


@pytest.mark.parametrize(("owner", "field"), [("open_lot", "lot"), ("inbound", "inbound"), ("delivered_order", "order")])
def test_a_disposal_fee_fits_only_a_disposed_lot(request, logistics, now, owner, field):
    with pytest.raises(ValidationFailed) as refused:
        fee(request.getfixturevalue(owner), kind="disposal", actor=logistics, now=now)

    assert refused.value.field == field and not ExtraCost.objects.exists()


def test_a_disposed_lot_carries_one_disposal_fee(lot, logistics):
    disposed = leftovers.dispose_lot(lot=lot, actor=logistics, now=at_0010(DEADLINE + timedelta(days=1)), reason="逾期未取回")

    with pytest.raises(FeeAlreadyRecorded) as refused:
        fee(disposed, kind="disposal", actor=logistics, now=at_0010(DEADLINE + timedelta(days=2)))

    assert refused.value.field == "lot" and ExtraCost.objects.filter(kind="disposal").count() == 1


def test_the_database_refuses_a_second_disposal_fee_of_a_lot_as_already_recorded(lot, logistics, monkeypatch):
    disposed = leftovers.dispose_lot(lot=lot, actor=logistics, now=at_0010(DEADLINE + timedelta(days=1)), reason="逾期未取回")
    first = ExtraCost.objects.get(lot=disposed, kind="disposal")
    monkeypatch.setattr(costs, "_check_not_charged_twice", lambda **kwargs: None)  # a check passed before the first was written

    with pytest.raises(FeeAlreadyRecorded) as refused:
        fee(disposed, kind="disposal", actor=logistics, now=at_0010(DEADLINE + timedelta(days=2)))

    assert (refused.value.field, refused.value.status) == ("lot", 409) and first.reference in str(refused.value.detail)
    assert list(ExtraCost.objects.filter(kind="disposal")) == [first]


# --- units, dates and ended lots ---------------------------------------------------------------------------------------
def test_a_fee_charged_once_per_order_counts_one(redelivered, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        fee(redelivered, kind="redelivery", actor=logistics, now=now, quantity=2)

    assert (refused.value.field, refused.value.detail) == ("quantity", "二次配送费按次计费，数量须为 1")
    assert not ExtraCost.objects.exists()


def test_a_handling_fee_counts_no_more_units_than_there_are(delivered_order, inbound, logistics, now):
    with pytest.raises(ValidationFailed) as more_than_ordered:
        fee(delivered_order, kind="handling", actor=logistics, now=now, quantity=delivered_order.quantity + 1)
    with pytest.raises(ValidationFailed) as more_than_announced:
        fee(inbound, kind="handling", actor=logistics, now=now, quantity=6)

    assert (more_than_ordered.value.field, more_than_ordered.value.detail) == ("quantity", "装卸处理费按件计费，数量不能超过该订单的 2 件")
    assert (more_than_announced.value.field, more_than_announced.value.detail) == ("quantity", "装卸处理费按件计费，数量不能超过该入库单的 5 件")
    assert fee(inbound, kind="handling", actor=logistics, now=now, quantity=5).amount == Decimal("7.50")
    assert list(ExtraCost.objects.values_list("quantity", flat=True)) == [5]


@pytest.mark.parametrize(("fee_date", "message"), [
    (date(2026, 10, 16), "计费日期不能晚于今天"),
    (date(2026, 10, 14), "计费日期不能早于该订单的创建日期 2026-10-15"),
])
def test_a_fee_date_after_today_or_before_the_order_existed_is_refused_naming_it(failed_once, logistics, now, fee_date, message):
    with pytest.raises(ValidationFailed) as refused:
        fee(failed_once, kind="handling", actor=logistics, now=now, fee_date=fee_date)

    assert (refused.value.field, refused.value.detail) == ("fee_date", message) and not ExtraCost.objects.exists()


@pytest.mark.parametrize(("fee_date", "message"), [
    (None, "仓储费按天计费，请填写计费日期"),
    (DEADLINE, f"仓储费从取回期限 {DEADLINE:%Y-%m-%d} 的次日起计"),
])
def test_a_storage_fee_is_for_a_day_after_the_collection_deadline(open_lot, logistics, fee_date, message):
    with pytest.raises(ValidationFailed) as refused:
        fee(open_lot, kind="storage", actor=logistics, now=at_0010(DEADLINE + timedelta(days=3)), fee_date=fee_date)

    assert (refused.value.field, refused.value.detail) == ("fee_date", message) and not ExtraCost.objects.exists()


def test_a_lot_that_has_ended_takes_no_more_costs_naming_the_lot_and_every_other_field_in_error(lot, logistics):
    collected = leftovers.collect_lot(lot=lot, actor=logistics, now=at_0010(DEADLINE - timedelta(days=1)))
    later = at_0010(DEADLINE + timedelta(days=2))

    with pytest.raises(ValidationFailed) as refused:
        fee(collected, kind="handling", actor=logistics, now=later, quantity=collected.quantity + 1, fee_date=later.date() + timedelta(days=1))

    assert [field for field, _code, _detail in refused.value.errors] == ["lot", "quantity", "fee_date"]
    assert refused.value.field == "lot" and "已结束（礼品商已取回）" in refused.value.detail
    assert not ExtraCost.objects.filter(lot=collected).exists()


# --- voiding ---------------------------------------------------------------------------------------------------------
def test_a_voided_cost_stays_listed_with_who_when_and_why_and_counts_in_no_total(redelivered, logistics, now):
    kept = fee(redelivered, kind="handling", actor=logistics, now=now)
    wrong = fee(redelivered, kind="redelivery", actor=logistics, now=now)

    costs.void_extra_cost(cost=wrong, actor=logistics, now=now + timedelta(hours=1), reason="重复录入")

    wrong.refresh_from_db()
    assert (wrong.state, wrong.voided_by, wrong.voided_at, wrong.void_reason) == ("voided", logistics, now + timedelta(hours=1), "重复录入")
    assert [(log.transition, log.actor_id, log.reason) for log in history_of(wrong)] == [
        ("record", logistics.pk, ""), ("void", logistics.pk, "重复录入")]
    assert costs.total_amount(costs.list_extra_costs(user=logistics)) == kept.amount
    assert set(costs.list_extra_costs(user=logistics)) == {kept, wrong}


def test_a_voided_redelivery_fee_leaves_room_for_the_right_one(redelivered, logistics, now):
    wrong = fee(redelivered, kind="redelivery", actor=logistics, now=now)
    costs.void_extra_cost(cost=wrong, actor=logistics, now=now, reason="订单录错")

    right = fee(redelivered, kind="redelivery", actor=logistics, now=now)

    assert right.amount == Decimal("15.00")


def test_a_voided_lot_fee_leaves_the_lots_fees_so_far(lot, logistics):
    storage = leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=2)))
    costs.void_extra_cost(cost=next(c for c in storage if c.lot_id == lot.pk), actor=logistics, now=at_0010(DEADLINE + timedelta(days=2)),
                          reason="礼品商已按时预约取回")

    listed = leftovers.list_leftover_lots(actor=logistics).get(pk=lot.pk)

    assert (listed.storage_days, listed.fee_amount) == (1, Decimal("2.00"))


@pytest.mark.parametrize("reason", ["", "  ", "长" * 301])
def test_voiding_needs_a_reason_that_fits_and_changes_nothing_without_one(redelivered, logistics, now, reason):
    cost = fee(redelivered, kind="redelivery", actor=logistics, now=now)

    with pytest.raises(ValidationFailed) as refused:
        costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason=reason)

    cost.refresh_from_db()
    assert refused.value.field == "reason" and cost.state == "recorded"


def test_a_cost_is_voided_once(redelivered, logistics, now):
    cost = fee(redelivered, kind="redelivery", actor=logistics, now=now)
    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="录错")

    with pytest.raises(InvalidTransition):
        costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="再次作废")


def test_only_who_records_a_cost_of_that_kind_of_object_voids_it(redelivered, logistics, operator, now):
    cost = fee(redelivered, kind="redelivery", actor=logistics, now=now)

    with pytest.raises(PermissionDenied):
        costs.void_extra_cost(cost=cost, actor=operator, now=now, reason="录错")

    cost.refresh_from_db()
    assert cost.state == "recorded"


def test_a_voided_cost_is_claimed_by_no_statement(redelivered, logistics, finance, now):
    kept = fee(redelivered, kind="handling", actor=logistics, now=now)
    wrong = fee(redelivered, kind="redelivery", actor=logistics, now=now)
    costs.void_extra_cost(cost=wrong, actor=logistics, now=now, reason="录错")

    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))

    statement = Statement.objects.get(supplier=redelivered.supplier)
    assert list(statement.lines.filter(section=Section.EXTRA_COST).values_list("source_id", "amount")) == [(kept.pk, -kept.amount)]


def test_a_cost_a_statement_carries_is_not_voided_but_adjusted(redelivered, logistics, finance, now):
    cost = fee(redelivered, kind="redelivery", actor=logistics, now=now)
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))

    with pytest.raises(Conflict) as refused:
        costs.void_extra_cost(cost=cost, actor=logistics, now=now + timedelta(days=21), reason="录错")

    cost.refresh_from_db()
    assert "2026-10" in refused.value.detail and cost.state == "recorded"
