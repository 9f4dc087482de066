"""Splitting a received return whose units differ (SPEC §4.7): the inspector splits units off into a new return of the
same order, already received, and each part is inspected on its own; refunds, stock, statement lines, claims, freight
and defect counts then follow each part's outcome.

The delivered orders (two units, 1500 points and ¥180.00 each) are fixtures of tests/logistics/conftest.py.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ConcurrentUpdate, InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import history_of
from core.models import Notification
from logistics.models import ExtraCost, LogisticsClaim, ReturnRequest, Shipment
from logistics.services import costs, return_split, returns
from points.models import PointsAccount, RedemptionOrder
from settlement.models import StatementLine
from settlement.services import generation, kpis
from suppliers.models import StockMovement
from tests.logistics.builders import received
from tests.logistics.builders import request as ask_return

pytestmark = pytest.mark.django_db
UNIT_POINTS = 1500
UNIT_PRICE = Decimal("180.00")


def split(return_request, *, actor, now, quantity=1, reason="一件外箱压坏，另一件完好") -> ReturnRequest:
    """Split `quantity` units off and give back the part split off."""
    return_split.split_return(return_request=return_request, actor=actor, now=now, quantity=quantity, reason=reason)
    return ReturnRequest.objects.get(split_from=return_request)


def balance(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def movements(return_request) -> list[tuple[str, int, int]]:
    rows = StockMovement.objects.filter(source_type="return", source_id=return_request.number).order_by("id")
    return list(rows.values_list("kind", "on_hand_delta", "reserved_delta"))


def figures(return_request) -> tuple:
    return_request.refresh_from_db()
    return return_request.state, return_request.quantity, return_request.received_quantity


# --- the split -------------------------------------------------------------------------------------------------------

def test_splitting_moves_units_into_a_new_received_return_of_the_same_order(two_received, logistics, now):
    later = now + timedelta(hours=2)

    part = split(two_received, actor=logistics, now=later)

    assert figures(two_received) == ("received", 1, 1)
    assert figures(part) == ("received", 1, 1)
    assert (part.order_id, part.split_from, part.received_at) == (two_received.order_id, two_received, two_received.received_at)
    assert (part.reason, part.remedy, part.requested_at) == (two_received.reason, two_received.remedy, two_received.requested_at)
    assert part.number != two_received.number


def test_both_histories_keep_who_when_and_why_naming_each_other(two_received, logistics, now):
    part = split(two_received, actor=logistics, now=now)

    step = list(history_of(two_received))[-1]
    made = list(history_of(part))
    assert (step.transition, step.actor, step.at, step.source_state, step.target_state) == ("split", logistics, now, "received", "received")
    assert part.number in step.reason_text and "一件外箱压坏" in step.reason_text
    assert [(log.transition, log.source_state, log.target_state, log.actor) for log in made] == [("split_off", "", "received", logistics)]
    assert two_received.number in made[0].reason_text and "一件外箱压坏" in made[0].reason_text


def test_the_part_carries_the_evidence_of_the_return(delivered_order, operator, logistics, now):
    waybill = SimpleUploadedFile("waybill.pdf", b"%PDF-1.4 signed waybill", content_type="application/pdf")
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now, quantity=2, evidence=(waybill,))

    part = split(return_request, actor=logistics, now=now)

    ours, theirs = list(return_request.evidence.all()), list(part.evidence.all())
    assert [(e.file.name, e.stage, e.content_type) for e in theirs] == [(e.file.name, e.stage, e.content_type) for e in ours]
    assert len(theirs) == 1


def test_the_member_is_told_which_units_became_the_new_return(two_received, logistics, now):
    part = split(two_received, actor=logistics, now=now)

    text = Notification.objects.get(kind="return_split").body
    assert two_received.number in text and part.number in text


def test_a_split_return_still_holds_the_order_s_units_and_its_completion(two_received, logistics, now):
    split(two_received, actor=logistics, now=now)

    assert returns.returnable_quantity(two_received.order) == 0
    assert not returns.hold_orders_with_open_returns(RedemptionOrder.objects.filter(pk=two_received.order_id)).exists()


# --- each part inspected on its own ------------------------------------------------------------------------------------

def test_a_resellable_part_is_refunded_and_restocked_while_a_used_part_is_sent_back(two_received, logistics, finance, now):
    member = two_received.order.member
    points_before = balance(member)
    used = split(two_received, actor=logistics, now=now)

    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="resellable")
    returns.inspect_return(return_request=used, actor=logistics, now=now, outcome="used")

    assert balance(member) == points_before + UNIT_POINTS
    assert movements(two_received) == [("return_to_stock", 1, 0)]
    assert movements(used) == []
    assert Shipment.objects.get(send_back_for=used).quantity == 1
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))
    assert list(StatementLine.objects.filter(source_kind="return").values_list("source_id", "quantity", "amount")) == [
        (two_received.pk, -1, -UNIT_PRICE)]
    order = RedemptionOrder.objects.get()
    assert (order.state, order.returned_quantity) == ("delivered", 1)


def test_a_part_damaged_in_transit_is_claimed_while_the_other_nets_off(two_received, logistics, now):
    damaged = split(two_received, actor=logistics, now=now)

    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="resellable")
    returns.inspect_return(return_request=damaged, actor=logistics, now=now, outcome="transit_damage")

    claim = LogisticsClaim.objects.get()
    assert (claim.return_request, claim.quantity, claim.amount) == (damaged, 1, UNIT_PRICE)
    assert movements(damaged) == [("return_to_stock", 1, 0), ("write_off", -1, 0)]
    assert (figures(two_received)[0], two_received.settlement_amount) == ("refunded", -UNIT_PRICE)
    assert (figures(damaged)[0], damaged.settlement_amount) == ("refunded", Decimal("0.00"))
    order = RedemptionOrder.objects.get()
    assert (order.state, order.returned_quantity) == ("returned", 2)


def test_the_defect_rate_counts_the_defective_part_only(two_received, logistics, now):
    defective = split(two_received, actor=logistics, now=now)

    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="resellable")
    returns.inspect_return(return_request=defective, actor=logistics, now=now, outcome="defective")

    assert kpis.count_defect_rate(kpis.Window.of(date(2026, 10, 1)))[two_received.order.supplier_id] == (1, 2)


def test_the_parcel_the_parts_came_in_is_charged_its_return_freight_once(two_received, logistics, now):
    defective = split(two_received, actor=logistics, now=now)

    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="defective")
    returns.inspect_return(return_request=defective, actor=logistics, now=now, outcome="defective")

    assert ExtraCost.objects.filter(kind="return_freight").count() == 1


def freights() -> list[tuple[str, str, str]]:
    """Each return freight recorded: its payer, its state, the number of the return it is recorded on."""
    rows = ExtraCost.objects.filter(kind="return_freight").order_by("pk")
    return [(cost.payer, cost.state, cost.return_request.number) for cost in rows]


def recorded_freights() -> list[str]:
    return [payer for payer, state, _number in freights() if state == "recorded"]


@pytest.mark.parametrize("first, then", [("used", "defective"), ("defective", "used")])
def test_the_supplier_bears_the_parcel_s_freight_once_when_a_part_is_defective_in_either_order(
        two_received, logistics, now, first, then):
    other = split(two_received, actor=logistics, now=now)

    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome=first)
    returns.inspect_return(return_request=other, actor=logistics, now=now + timedelta(hours=1), outcome=then)

    assert recorded_freights() == ["supplier"]


def test_a_defective_part_inspected_after_a_used_one_voids_the_operator_s_freight_saying_why(two_received, logistics, now):
    defective = split(two_received, actor=logistics, now=now)
    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="used")
    later = now + timedelta(hours=1)

    returns.inspect_return(return_request=defective, actor=logistics, now=later, outcome="defective")

    assert freights() == [("operator", "voided", two_received.number), ("supplier", "recorded", defective.number)]
    voided = ExtraCost.objects.get(payer="operator")
    step = list(history_of(voided))[-1]
    assert (step.transition, step.actor, step.at) == ("void", logistics, later)
    assert defective.number in step.reason_text and defective.number in voided.void_reason


def test_a_part_s_outcome_that_bears_no_freight_leaves_the_other_part_s_freight_as_it_is(two_received, logistics, now):
    damaged = split(two_received, actor=logistics, now=now)
    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="used")

    returns.inspect_return(return_request=damaged, actor=logistics, now=now, outcome="transit_damage")

    assert freights() == [("operator", "recorded", two_received.number)]


@pytest.mark.parametrize("void_first", [True, False])
def test_a_freight_voided_by_hand_stays_voided_whether_the_other_part_is_inspected_before_or_after(
        two_received, logistics, now, void_first):
    other = split(two_received, actor=logistics, now=now)
    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="defective")

    def void():
        cost = ExtraCost.objects.get(kind="return_freight")
        costs.void_extra_cost(cost=cost, actor=logistics, now=now + timedelta(hours=1), reason="会员自付运费，录错")

    def inspect_other():
        returns.inspect_return(return_request=other, actor=logistics, now=now + timedelta(hours=2), outcome="defective")

    for step in (void, inspect_other) if void_first else (inspect_other, void):
        step()

    assert freights() == [("supplier", "voided", two_received.number)]


def test_an_inspection_of_the_units_read_before_a_split_is_refused_and_changes_nothing(two_received, logistics, now):
    read_by_inspector = ReturnRequest.objects.get(pk=two_received.pk)
    points_before = balance(two_received.order.member)
    part = split(two_received, actor=logistics, now=now)

    with pytest.raises(ConcurrentUpdate) as refused:
        returns.inspect_return(return_request=read_by_inspector, actor=logistics, now=now, outcome="resellable")

    assert two_received.number in refused.value.detail
    assert (figures(read_by_inspector), figures(part)) == (("received", 1, 1), ("received", 1, 1))
    assert balance(two_received.order.member) == points_before and movements(two_received) == []


def test_a_dropship_return_is_split_by_the_operator_who_inspects_it(dropship_order, operator, supplier_staff, now):
    return_request = received(dropship_order, operator=operator, handler=supplier_staff, now=now, quantity=2, reason="defective")

    with pytest.raises(PermissionDenied):
        split(return_request, actor=supplier_staff, now=now)
    part = split(return_request, actor=operator, now=now)

    assert figures(part) == ("received", 1, 1)


# --- refusals ---------------------------------------------------------------------------------------------------------

def assert_unsplit(return_request) -> None:
    assert figures(return_request) == ("received", 2, 2)
    assert ReturnRequest.objects.count() == 1
    assert [log.transition for log in history_of(return_request)] == ["request", "approve", "receive"]


@pytest.mark.parametrize("quantity", [0, 2, 3, -1, "1", True, None])
def test_a_quantity_outside_one_to_one_fewer_than_received_is_refused_naming_it(two_received, logistics, now, quantity):
    with pytest.raises(ValidationFailed) as refused:
        return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=quantity, reason="不同")

    assert refused.value.field == "quantity"
    assert_unsplit(two_received)


def test_a_split_without_a_reason_is_refused_naming_it(two_received, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=1, reason="  ")

    assert refused.value.field == "reason"
    assert_unsplit(two_received)


def test_a_bad_quantity_and_a_blank_reason_are_refused_together_naming_both(two_received, logistics, now):
    with pytest.raises(ValidationFailed) as refused:
        return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=2, reason=" ")

    assert [(field, code) for field, code, _detail in refused.value.errors] == [("quantity", "invalid"), ("reason", "required")]
    assert_unsplit(two_received)


def test_an_inspected_return_is_refused_as_a_conflict_whatever_the_input(two_received, logistics, now):
    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="resellable")

    with pytest.raises(InvalidTransition):
        return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=5, reason="")

    assert figures(two_received) == ("refunded", 2, 2)
    assert ReturnRequest.objects.count() == 1


@pytest.mark.parametrize("received_quantity, most", [(1, 0), (2, 1)])
def test_the_split_is_offered_exactly_when_a_unit_may_be_split_off(delivered_order, operator, logistics, now, received_quantity, most):
    return_request = ask_return(delivered_order, now=now, quantity=2)
    returns.approve_return(return_request=return_request, actor=operator, now=now)
    returns.receive_return(return_request=return_request, actor=logistics, now=now, received_quantity=received_quantity,
                           reason="会员只寄回了部分")

    offered = returns.may_take(user=logistics, return_request=return_request, step="split")

    assert returns.most_split_off(return_request) == most
    assert offered is (most > 0)
    with pytest.raises(ValidationFailed) as refused:
        return_split.split_return(return_request=return_request, actor=logistics, now=now, quantity=most + 1, reason="不同")
    assert refused.value.field == "quantity"


@pytest.mark.parametrize("who", ["operator", "supplier_staff", "finance"])
def test_only_the_inspector_of_a_warehouse_return_may_split_it(two_received, now, who, request):
    with pytest.raises(PermissionDenied):
        split(two_received, actor=request.getfixturevalue(who), now=now)

    assert_unsplit(two_received)


def test_a_return_not_yet_received_may_not_be_split(delivered_order, operator, logistics, now):
    approved = ask_return(delivered_order, now=now, quantity=2)
    returns.approve_return(return_request=approved, actor=operator, now=now)

    with pytest.raises(InvalidTransition):
        split(approved, actor=logistics, now=now)

    assert figures(approved) == ("approved", 2, None)
    assert ReturnRequest.objects.count() == 1


def test_an_inspected_return_may_not_be_split(two_received, logistics, now):
    returns.inspect_return(return_request=two_received, actor=logistics, now=now, outcome="resellable")

    with pytest.raises(InvalidTransition):
        split(two_received, actor=logistics, now=now)

    assert figures(two_received) == ("refunded", 2, 2)
    assert ReturnRequest.objects.count() == 1
