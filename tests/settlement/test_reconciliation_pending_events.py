"""A supplier's file naming an event of ours still to come (SPEC §4.11): an order shipped but not delivered yet, a return
not closed, a replacement on its way. The booking rule books it in the month it is recorded, so while it may still be
recorded the line is a timing difference, never adjusted; once the order ends without it the line is adjusted as before."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from logistics.models import ReturnRequest, Shipment
from points.models import RedemptionOrder
from settlement.models import Adjustment, Category, Resolution, SourceKind, Statement, StatementLine
from settlement.services import generation, statements
from settlement.services.adjustments import propose_adjustment
from settlement.services.reconciliation import answerable_lines, reconciliation_lines, resolve_line, upload_reconciliation
from tests.factories import SHANGHAI
from tests.portal import reconciliation_rows
from tests.settlement.conftest import booked_order

pytestmark = pytest.mark.django_db
DECEMBER_4 = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
UPLOADED_AT = datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)
ADJUSTING = [Resolution.CARRY_FORWARD, Resolution.ACCEPT_THEIRS]
State = RedemptionOrder.State


def upload(statement, supplier_admin, *rows):
    lines = ["订单号,SKU,类型,数量,金额"] + [",".join(str(cell) for cell in row) for row in rows]
    return upload_reconciliation(statement=statement, file_name="10月对账.csv", content="\r\n".join(lines).encode(),
                                 actor=supplier_admin, now=UPLOADED_AT)


def open_order(supplier, state=State.SHIPPED) -> RedemptionOrder:
    """An order of `supplier` worth 540.00 to it, in `state`, with no delivery recorded."""
    order = booked_order(supplier, "540.00", quantity=3, recorded_at=UPLOADED_AT.replace(day=3))
    RedemptionOrder.objects.filter(pk=order.pk).update(state=state, delivered_at=None, delivery_recorded_at=None)
    return order


def line_of(statement, supplier_admin, order, kind="配送", quantity=3, amount="540.00"):
    reconciliation = upload(statement, supplier_admin, [order.number, order.gift.sku, kind, quantity, amount])
    return reconciliation_lines(reconciliation=reconciliation).get(row=2)


def states_reaching_delivery() -> set[str]:
    """The order states from which the state machine reaches `deliver`, read from its transitions."""
    edges = [(t.source, t.target, t.name) for t in RedemptionOrder._meta.get_field("state").get_all_transitions(RedemptionOrder)]
    reaching = {source for source, _target, name in edges if name == "deliver"}
    while grown := {source for source, target, _name in edges if target in reaching and source not in reaching}:
        reaching |= grown
    return reaching


def test_the_states_awaiting_delivery_are_those_the_state_machine_can_still_deliver_from():
    assert RedemptionOrder.AWAITING_DELIVERY == states_reaching_delivery()


@pytest.mark.parametrize("state", sorted(RedemptionOrder.AWAITING_DELIVERY))
def test_a_delivery_line_of_an_order_still_open_is_missing_in_ours_but_offers_no_adjustment(issued, supplier_admin, state):
    line = line_of(issued, supplier_admin, open_order(issued.supplier, state))

    assert (line.category, line.awaiting, line.adjustable) == (Category.MISSING_IN_OURS, True, False)
    assert [value for value, _label in line.resolutions] == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]


@pytest.mark.parametrize("resolution", ADJUSTING)
def test_adjusting_a_shipped_order_s_line_is_refused_and_its_delivery_is_paid_once_when_recorded(
    issued, supplier_admin, finance, resolution,
):
    order = open_order(issued.supplier)
    line = line_of(issued, supplier_admin, order)

    with pytest.raises(ValidationFailed, match="该订单尚未完结") as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=UPLOADED_AT)
    RedemptionOrder.objects.filter(pk=order.pk).update(state=State.DELIVERED, delivered_at=DECEMBER_4, delivery_recorded_at=DECEMBER_4)
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 12, 1), actor=finance, now=datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI))

    line.refresh_from_db()
    december = Statement.objects.get(supplier=issued.supplier, month=date(2026, 12, 1))
    assert refused.value.field == "resolution"
    assert (line.resolution, line.adjustment) == ("", None)
    assert not Adjustment.objects.exists()
    assert list(StatementLine.objects.filter(source_kind=SourceKind.ORDER, source_id=order.pk).values_list("statement_id", flat=True)) == [
        december.pk]
    assert december.payable == Decimal("540.00")


@pytest.mark.parametrize("state", [State.CANCELLED, State.EXPIRED])
def test_once_the_order_ends_without_delivery_the_line_is_adjusted_as_before(issued, supplier_admin, finance, state):
    order = open_order(issued.supplier)
    line = line_of(issued, supplier_admin, order)
    RedemptionOrder.objects.filter(pk=order.pk).update(state=state)

    again = reconciliation_lines(reconciliation=line.reconciliation).get(pk=line.pk)
    resolved = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)

    assert (again.awaiting, again.adjustable) == (False, True)
    assert resolved.adjustment.amount == Decimal("540.00")


def test_another_supplier_s_open_order_does_not_hold_the_line(issued, supplier_admin, finance, other_supplier):
    others = open_order(other_supplier)

    line = line_of(issued, supplier_admin, others)

    assert (line.category, line.awaiting) == (Category.MISSING_IN_OURS, False)
    assert resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT).adjustment is not None


def open_return(statement, state, *, remedy=ReturnRequest.Remedy.REFUND) -> ReturnRequest:
    """A return of October's 100.00 delivery, in `state`, nothing netted off yet."""
    order = statement.supplier.orders.get(number=statement.lines.get(amount=Decimal("100.00")).order_number)
    return ReturnRequest.objects.create(
        number="RR000000000001", order=order, supplier=order.supplier, quantity=1, reason=ReturnRequest.Reason.DEFECTIVE,
        remedy=remedy, requested_at=UPLOADED_AT.replace(day=4), state=state,
    )


@pytest.mark.parametrize("state", sorted(ReturnRequest.OPEN))
def test_a_return_line_of_a_return_still_open_is_not_adjusted(issued, supplier_admin, finance, state):
    order = open_return(issued, state).order

    line = line_of(issued, supplier_admin, order, "退货", -1, "-100.00")

    assert (line.category, line.awaiting) == (Category.MISSING_IN_OURS, True)
    with pytest.raises(ValidationFailed, match="未完结的退货"):
        resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)


def test_a_return_line_whose_return_was_turned_down_is_adjusted(issued, supplier_admin, finance):
    order = open_return(issued, ReturnRequest.State.REJECTED).order

    line = line_of(issued, supplier_admin, order, "退货", -1, "-100.00")

    assert line.awaiting is False
    assert resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT).adjustment.amount == Decimal("-100.00")


def test_a_replacement_line_of_an_exchange_whose_parcel_is_on_its_way_is_not_adjusted_until_it_is_delivered(
    issued, supplier_admin, finance,
):
    exchange = open_return(issued, ReturnRequest.State.EXCHANGED, remedy=ReturnRequest.Remedy.EXCHANGE)
    parcel = Shipment.objects.create(order=exchange.order, supplier=exchange.supplier, kind=Shipment.Kind.WAREHOUSE,
                                     replacement_for=exchange, quantity=1, settlement_amount=Decimal("100.00"),
                                     created_at=UPLOADED_AT.replace(day=4), state=Shipment.State.SHIPPED)

    line = line_of(issued, supplier_admin, exchange.order, "换货", 1, "100.00")
    Shipment.objects.filter(pk=parcel.pk).update(state=Shipment.State.DELIVERED)
    delivered_unrecorded = reconciliation_lines(reconciliation=line.reconciliation).get(pk=line.pk)

    assert (line.category, line.awaiting) == (Category.MISSING_IN_OURS, True)
    assert delivered_unrecorded.awaiting is False


def test_a_dispute_adjustment_cannot_answer_an_open_order_s_line(issued, supplier_admin, finance):
    order = open_order(issued.supplier)
    line = line_of(issued, supplier_admin, order)
    disputed = statements.dispute_statement(statement=issued, actor=supplier_admin, now=UPLOADED_AT, reason="漏计一单")

    assert line.pk not in set(answerable_lines(disputed).values_list("pk", flat=True))
    with pytest.raises(ValidationFailed):
        propose_adjustment(supplier=issued.supplier, kind=Adjustment.Kind.DISPUTE, amount=Decimal("540.00"), statement=disputed,
                           actor=finance, now=UPLOADED_AT, reason="补计", reconciliation_lines=[line.pk])


def test_the_page_says_the_order_is_still_open_and_offers_no_adjusting_resolution(issued, supplier_admin, finance):
    line = line_of(issued, supplier_admin, open_order(issued.supplier))

    row, english = reconciliation_rows(finance, line)

    assert 'data-category="missing_in_ours"' in row and re.search(r'data-testid="awaiting">尚未完结', row)
    assert re.findall(r'<option value="(\w+)"', row) == ["accept_ours", "write_off"]
    assert "Still open" in english
