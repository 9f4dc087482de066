"""A key the reconciled statement books that also has an event recorded since, which no statement has claimed yet
(SPEC §4.11): a second partial return closed after the month. The supplier's figure for the key may include it; an
adjustment of theirs − ours would then pay it beside the later statement that books it."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from logistics.models import ReturnRequest
from settlement.models import Adjustment, Category, Resolution, Statement
from settlement.services import generation, statements
from settlement.services.reconciliation import resolve_line, upload_reconciliation
from tests.factories import SHANGHAI
from tests.portal import reconciliation_rows
from tests.settlement.conftest import booked_order, paying_account

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)
DECEMBER_4 = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
UPLOADED_AT = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)


def closed_return(order, number: str, closed_at: datetime) -> ReturnRequest:
    """One unit of `order` returned for a refund, netting 100.00 off, closed at `closed_at`."""
    return ReturnRequest.objects.create(
        number=number, order=order, supplier=order.supplier, quantity=1, reason=ReturnRequest.Reason.DEFECTIVE,
        requested_at=closed_at, closed_at=closed_at, outcome=ReturnRequest.Outcome.DEFECTIVE,
        settlement_amount=Decimal("-100.00"), state=ReturnRequest.State.REFUNDED,
    )


@pytest.fixture
def returned_twice(supplier, finance):
    """October's statement, issued: three units delivered (300.00) and one returned (−100.00); a second unit's return of
    the same order closed on 4 December, claimed by no statement yet."""
    paying_account(supplier)
    order = booked_order(supplier, "300.00", quantity=3, recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    closed_return(order, "RR000000000001", datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI))
    statement = statements.issue_statement(statement=Statement.objects.get(supplier=supplier, month=OCTOBER), actor=finance,
                                           now=datetime(2026, 11, 1, 10, 0, tzinfo=SHANGHAI))
    return statement, order


def upload(statement, supplier_admin, order, quantity: int, amount: str):
    rows = ["订单号,SKU,类型,数量,金额", f"{order.number},{order.gift.sku},配送,3,300.00", f"{order.number},{order.gift.sku},退货,{quantity},{amount}"]
    reconciliation = upload_reconciliation(statement=statement, file_name="10月对账.csv", content="\r\n".join(rows).encode(),
                                           actor=supplier_admin, now=UPLOADED_AT)
    return reconciliation.lines.get(row=3)


def test_a_return_figure_including_a_later_return_is_booked_later_not_a_mismatch(returned_twice, supplier_admin):
    statement, order = returned_twice
    closed_return(order, "RR000000000002", DECEMBER_4)

    line = upload(statement, supplier_admin, order, -2, "-200.00")

    assert (line.category, line.booked_later, line.our_quantity, line.our_amount) == (
        Category.OTHER_PERIOD, True, -2, Decimal("-200.00"))
    assert line.our_line.statement_id == statement.pk
    assert [value for value, _label in line.resolutions] == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]


@pytest.mark.parametrize("resolution", [Resolution.ACCEPT_THEIRS, Resolution.CARRY_FORWARD])
def test_a_mismatch_of_a_key_with_a_later_return_is_not_adjusted_and_the_return_is_netted_off_once(
    returned_twice, supplier_admin, finance, resolution,
):
    statement, order = returned_twice
    later = closed_return(order, "RR000000000002", DECEMBER_4)

    line = upload(statement, supplier_admin, order, -2, "-190.00")
    with pytest.raises(ValidationFailed, match="平台另记录了该订单同类的一笔") as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=UPLOADED_AT)
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 12, 1), actor=finance, now=datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI))

    december = Statement.objects.get(supplier=statement.supplier, month=date(2026, 12, 1))
    assert (line.category, line.booked_later, line.our_quantity, line.our_amount) == (
        Category.QUANTITY_MISMATCH, True, -1, Decimal("-100.00"))
    assert refused.value.field == "resolution"
    assert not Adjustment.objects.exists()
    assert list(december.lines.values_list("source_id", "amount")) == [(later.pk, Decimal("-100.00"))]


def test_a_return_closed_after_the_upload_stops_the_mismatch_being_adjusted(returned_twice, supplier_admin, finance):
    statement, order = returned_twice
    line = upload(statement, supplier_admin, order, -2, "-200.00")
    closed_return(order, "RR000000000002", DECEMBER_4)

    with pytest.raises(ValidationFailed, match="平台现已记录该笔"):
        resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)

    assert (line.category, line.booked_later) == (Category.QUANTITY_MISMATCH, False)
    assert not Adjustment.objects.exists()


def test_a_mismatch_with_nothing_recorded_since_is_still_adjusted(returned_twice, supplier_admin, finance):
    statement, order = returned_twice

    line = upload(statement, supplier_admin, order, -1, "-90.00")
    resolved = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)

    assert (line.category, line.booked_later) == (Category.AMOUNT_MISMATCH, False)
    assert resolved.adjustment.amount == Decimal("10.00")


def test_the_page_says_the_difference_includes_a_later_booking(returned_twice, supplier_admin, finance):
    statement, order = returned_twice
    closed_return(order, "RR000000000002", DECEMBER_4)
    line = upload(statement, supplier_admin, order, -2, "-190.00")

    row, english = reconciliation_rows(finance, line)

    assert re.search(r'data-testid="booked-later">另有一笔本期之后记账', row)
    assert re.findall(r'<option value="(\w+)"', row) == ["accept_ours", "write_off"]
    assert "Another event booked in a later period" in english
