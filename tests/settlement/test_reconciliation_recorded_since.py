"""A reconciliation line whose order, SKU and kind has an event of ours recorded since the file was uploaded (SPEC §4.11):
the figures it was matched against no longer hold, and the statement of the month the event is recorded in books it.
Adjusting the line, by resolving it or by a dispute adjustment answering it, would pay that event a second time, whether
or not a statement has claimed it yet."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from logistics.models import ReturnRequest
from points.models import RedemptionOrder
from settlement.models import Adjustment, Category, Resolution, SourceKind, Statement, StatementLine
from settlement.services import generation, statements
from settlement.services.adjustments import propose_adjustment
from settlement.services.reconciliation import answerable_lines, reconciliation_lines, resolve_line
from tests.factories import SHANGHAI
from tests.portal import reconciliation_rows
from tests.settlement import test_reconciliation_partial_later as partial
from tests.settlement import test_reconciliation_pending_events as pending
from tests.settlement.test_reconciliation_partial_later import returned_twice  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
ADJUSTING = [Resolution.ACCEPT_THEIRS, Resolution.CARRY_FORWARD]
DECEMBER_8 = datetime(2026, 12, 8, 15, 0, tzinfo=SHANGHAI)
JANUARY_2 = datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
RECONCILE_AGAIN = "对账文件上传后，该订单同类的一笔已登记.*请对照最新数据重新对账"


def generate_november_and_december(finance) -> Statement:
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 12, 1), actor=finance, now=datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI))
    return Statement.objects.get(month=date(2026, 12, 1))


def lines_booking(source_kind: str, source_id: int) -> list[int]:
    return list(StatementLine.objects.filter(source_kind=source_kind, source_id=source_id).values_list("statement_id", flat=True))


def read_again(line):
    return reconciliation_lines(reconciliation=line.reconciliation).get(pk=line.pk)


@pytest.mark.parametrize("resolution", ADJUSTING)
def test_a_mismatch_whose_later_return_a_later_statement_has_booked_is_not_adjusted_and_the_return_is_netted_off_once(
    returned_twice, supplier_admin, finance, resolution,  # noqa: F811
):
    statement, order = returned_twice
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")
    later = partial.closed_return(order, "RR000000000002", DECEMBER_8)
    december = generate_november_and_december(finance)

    with pytest.raises(ValidationFailed, match=RECONCILE_AGAIN) as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=JANUARY_2)

    line.refresh_from_db()
    assert (line.category, line.booked_later) == (Category.QUANTITY_MISMATCH, False)
    assert refused.value.field == "resolution"
    assert (line.resolution, line.adjustment) == ("", None)
    assert not Adjustment.objects.exists()
    assert lines_booking(SourceKind.RETURN, later.pk) == [december.pk]
    assert december.payable == Decimal("-100.00")
    assert [value for value, _label in read_again(line).resolutions] == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]


def test_a_mismatch_whose_later_return_no_statement_has_claimed_yet_is_not_adjusted(returned_twice, supplier_admin, finance):  # noqa: F811
    statement, order = returned_twice
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")
    partial.closed_return(order, "RR000000000002", DECEMBER_8)

    with pytest.raises(ValidationFailed, match=RECONCILE_AGAIN):
        resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=DECEMBER_8.replace(day=9))

    assert not Adjustment.objects.exists()


def test_a_mismatch_with_nothing_recorded_since_is_still_adjusted(returned_twice, supplier_admin, finance):  # noqa: F811
    statement, order = returned_twice
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")

    resolved = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=JANUARY_2)

    assert resolved.adjustment.amount == Decimal("-100.00")


def test_a_still_open_return_line_whose_return_closes_and_is_booked_is_not_adjusted(issued, supplier_admin, finance):
    open_return = pending.open_return(issued, ReturnRequest.State.REQUESTED)
    line = pending.line_of(issued, supplier_admin, open_return.order, "退货", -1, "-100.00")
    ReturnRequest.objects.filter(pk=open_return.pk).update(
        state=ReturnRequest.State.REFUNDED, outcome=ReturnRequest.Outcome.DEFECTIVE, closed_at=DECEMBER_8,
        settlement_amount=Decimal("-100.00"))
    december = generate_november_and_december(finance)

    again = read_again(line)
    with pytest.raises(ValidationFailed, match=RECONCILE_AGAIN):
        resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=JANUARY_2)

    assert (line.awaiting, again.awaiting, again.recorded_since, again.adjustable) == (True, False, True, False)
    assert not Adjustment.objects.exists()
    assert lines_booking(SourceKind.RETURN, open_return.pk) == [december.pk]


def test_a_dispute_adjustment_cannot_answer_a_line_whose_delivery_was_recorded_since_the_upload(issued, supplier_admin, finance):
    order = pending.open_order(issued.supplier)
    line = pending.line_of(issued, supplier_admin, order)
    disputed = statements.dispute_statement(statement=issued, actor=supplier_admin, now=pending.UPLOADED_AT, reason="漏计一单")
    RedemptionOrder.objects.filter(pk=order.pk).update(
        state=RedemptionOrder.State.DELIVERED, delivered_at=pending.DECEMBER_4, delivery_recorded_at=pending.DECEMBER_4)

    answerable = set(answerable_lines(disputed).values_list("pk", flat=True))
    with pytest.raises(ValidationFailed, match=RECONCILE_AGAIN) as refused:
        propose_adjustment(supplier=issued.supplier, kind=Adjustment.Kind.DISPUTE, amount=Decimal("540.00"), statement=disputed,
                           actor=finance, now=pending.DECEMBER_4, reason="补计", reconciliation_lines=[line.pk])
    december = generate_november_and_december(finance)

    line.refresh_from_db()
    assert line.pk not in answerable
    assert refused.value.field == "reconciliation_lines"
    assert not Adjustment.objects.exists()
    assert (line.resolution, line.adjustment) == ("", None)
    assert lines_booking(SourceKind.ORDER, order.pk) == [december.pk]


def test_the_page_says_an_event_was_recorded_since_and_offers_no_adjusting_resolution(returned_twice, supplier_admin, finance):  # noqa: F811
    statement, order = returned_twice
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")
    partial.closed_return(order, "RR000000000002", DECEMBER_8)

    row, english = reconciliation_rows(finance, line)

    assert re.search(r'data-testid="recorded-since">上传后新记录', row)
    assert re.findall(r'<option value="(\w+)"', row) == ["accept_ours", "write_off"]
    assert "Recorded since the upload" in english


@pytest.mark.parametrize("resolution", ADJUSTING)
def test_a_mismatch_whose_other_return_another_months_statement_booked_before_the_upload_is_not_adjusted(
    returned_twice, supplier_admin, finance, resolution,  # noqa: F811
):
    statement, order = returned_twice
    november_return = partial.closed_return(order, "RR000000000002", datetime(2026, 11, 4, 15, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))
    november = Statement.objects.get(month=date(2026, 11, 1))
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")  # October's file, counting November's return too

    with pytest.raises(ValidationFailed, match="已由其他月份的结算单记账") as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=JANUARY_2)

    assert (refused.value.field, line.category) == ("resolution", Category.QUANTITY_MISMATCH)
    assert lines_booking(SourceKind.RETURN, november_return.pk) == [november.pk]
    assert not Adjustment.objects.exists()
    assert line not in answerable_lines(statement)
    assert [value for value, _label in read_again(line).resolutions] == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]


def test_a_mismatch_whose_order_no_other_months_statement_books_may_still_be_adjusted(
    returned_twice, supplier_admin, finance,  # noqa: F811
):
    statement, order = returned_twice
    line = partial.upload(statement, supplier_admin, order, -2, "-200.00")

    assert read_again(line).adjustable
    assert line in answerable_lines(statement)
