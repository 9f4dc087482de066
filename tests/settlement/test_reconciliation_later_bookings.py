"""A supplier's file naming an event we recorded after the statement's month (SPEC §4.11): no statement has claimed it
yet, the booking rule gives it to a later one, so reconciliation calls it `other_period` and never adjusts it: an
adjustment would pay it a second time beside that statement's line."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from logistics.models import ReturnRequest, Shipment
from points.models import RedemptionOrder
from settlement.models import Adjustment, Category, Resolution, Section, SourceKind, Statement, StatementLine
from settlement.services import generation
from settlement.services.reconciliation import resolve_line, upload_reconciliation
from tests.factories import SHANGHAI
from tests.portal import page_in, reconciliation_rows
from suppliers.models import Gift
from tests.settlement.conftest import booked_order

pytestmark = pytest.mark.django_db
DECEMBER_4 = datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
UPLOADED_AT = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)
DECEMBER = date(2026, 12, 1)
ADJUSTING = [Resolution.CARRY_FORWARD, Resolution.ACCEPT_THEIRS]


def file_of(statement, *extra_rows) -> bytes:
    """The supplier's file of the statement's deliveries as we booked them, with `extra_rows` after them."""
    rows = ["订单号,SKU,类型,数量,金额"]
    rows += [f"{line.order_number},{line.sku},配送,{line.quantity},{line.amount}" for line in statement.lines.order_by("pk")]
    rows += [",".join(str(cell) for cell in row) for row in extra_rows]
    return "\r\n".join(rows).encode()


def upload(statement, supplier_admin, *extra_rows):
    return upload_reconciliation(statement=statement, file_name="10月对账v2.csv", content=file_of(statement, *extra_rows),
                                 actor=supplier_admin, now=UPLOADED_AT)


@pytest.fixture
def delivered_in_december(issued):
    """An order of the October statement's supplier delivered on 4 December: recorded, claimed by no statement yet."""
    return booked_order(issued.supplier, "540.00", quantity=3, recorded_at=DECEMBER_4)


@pytest.fixture
def returned_in_december(issued):
    """A return of one of October's deliveries closed on 4 December, netting 100.00 off, with its replacement delivered
    the same day: both recorded, neither claimed."""
    line = issued.lines.get(amount=Decimal("100.00"))
    order = issued.supplier.orders.get(number=line.order_number)
    return_request = ReturnRequest.objects.create(
        number="RR000000000001", order=order, supplier=order.supplier, quantity=1, reason=ReturnRequest.Reason.DEFECTIVE,
        remedy=ReturnRequest.Remedy.EXCHANGE, requested_at=DECEMBER_4.replace(hour=9), closed_at=DECEMBER_4,
        outcome=ReturnRequest.Outcome.DEFECTIVE, settlement_amount=Decimal("-100.00"), state=ReturnRequest.State.EXCHANGED,
    )
    Shipment.objects.create(order=order, supplier=order.supplier, kind=Shipment.Kind.WAREHOUSE, replacement_for=return_request,
                            quantity=1, settlement_amount=Decimal("100.00"), created_at=DECEMBER_4.replace(hour=10),
                            delivered_at=DECEMBER_4, delivery_recorded_at=DECEMBER_4, state=Shipment.State.DELIVERED)
    return order


def test_a_delivery_recorded_after_the_month_is_booked_later_with_our_figures_and_not_missing(issued, delivered_in_december,
                                                                                              supplier_admin):
    order = delivered_in_december

    reconciliation = upload(issued, supplier_admin, [order.number, order.gift.sku, "配送", 3, "540.00"])

    line = reconciliation.lines.get(order_number=order.number)
    assert (line.category, line.booked_later, line.our_line) == (Category.OTHER_PERIOD, True, None)
    assert (line.our_quantity, line.our_amount, line.difference) == (3, Decimal("540.00"), Decimal("0.00"))
    assert [value for value, _label in line.resolutions] == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]
    assert reconciliation.summary["other_period"] == {"count": 1, "ours": "540.00", "theirs": "540.00", "ours_gross": "540.00",
                                                      "theirs_gross": "540.00"}
    assert reconciliation.summary["missing_in_ours"]["count"] == 0


@pytest.mark.parametrize("resolution", ADJUSTING)
def test_adjusting_a_delivery_a_later_statement_books_is_refused_and_december_counts_it_once(
    issued, delivered_in_december, supplier_admin, finance, resolution,
):
    order = delivered_in_december
    line = upload(issued, supplier_admin, [order.number, order.gift.sku, "配送", 3, "540.00"]).lines.get(order_number=order.number)

    with pytest.raises(ValidationFailed, match="由之后的结算单记账") as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=UPLOADED_AT)
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=DECEMBER, actor=finance, now=datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI))

    line.refresh_from_db()
    december = Statement.objects.get(supplier=issued.supplier, month=DECEMBER)
    assert refused.value.field == "resolution"
    assert (line.resolution, line.adjustment, line.open) == ("", None, True)
    assert not Adjustment.objects.exists()
    assert list(StatementLine.objects.filter(source_kind=SourceKind.ORDER, source_id=order.pk).values_list("statement_id", "amount")) == [
        (december.pk, Decimal("540.00"))]
    assert not december.lines.filter(section=Section.ADJUSTMENT).exists()
    assert december.payable == Decimal("540.00")


def test_a_delivery_a_later_statement_books_is_resolved_by_accepting_ours_without_money(issued, delivered_in_december,
                                                                                       supplier_admin, finance):
    order = delivered_in_december
    line = upload(issued, supplier_admin, [order.number, order.gift.sku, "配送", 3, "540.00"]).lines.get(order_number=order.number)

    resolved = resolve_line(line=line, resolution=Resolution.ACCEPT_OURS, actor=finance, now=UPLOADED_AT, note="12月结算")

    assert (resolved.resolution, resolved.adjustment, resolved.open) == (Resolution.ACCEPT_OURS, None, False)


def test_a_return_and_its_replacement_recorded_after_the_month_are_booked_later_and_never_adjusted(
    issued, returned_in_december, supplier_admin, finance,
):
    order = returned_in_december
    sku = order.gift.sku

    reconciliation = upload(issued, supplier_admin, [order.number, sku, "退货", -1, "-100.00"], [order.number, sku, "换货", 1, "110.00"])

    return_line, replacement = reconciliation.lines.get(kind="return"), reconciliation.lines.get(kind="replacement")
    assert (return_line.category, return_line.booked_later, return_line.our_quantity, return_line.our_amount) == (
        Category.OTHER_PERIOD, True, -1, Decimal("-100.00"))
    assert (replacement.category, replacement.booked_later, replacement.our_quantity, replacement.our_amount) == (
        Category.OTHER_PERIOD, True, 1, Decimal("100.00"))
    with pytest.raises(ValidationFailed):
        resolve_line(line=replacement, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)
    assert not Adjustment.objects.exists()


def test_a_return_received_short_after_the_month_is_booked_later_with_the_units_received_back(issued, supplier_admin):
    order = booked_order(issued.supplier, "300.00", quantity=3, recorded_at=datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
    ReturnRequest.objects.create(
        number="RR000000000002", order=order, supplier=order.supplier, quantity=2, received_quantity=1,
        reason=ReturnRequest.Reason.DEFECTIVE, remedy=ReturnRequest.Remedy.REFUND, requested_at=DECEMBER_4.replace(hour=9),
        closed_at=DECEMBER_4, outcome=ReturnRequest.Outcome.DEFECTIVE, settlement_amount=Decimal("-100.00"),
        state=ReturnRequest.State.REFUNDED,
    )

    reconciliation = upload(issued, supplier_admin, [order.number, order.gift.sku, "退货", -1, "-100.00"])

    line = reconciliation.lines.get(kind="return")
    assert (line.category, line.booked_later, line.our_quantity, line.our_amount) == (
        Category.OTHER_PERIOD, True, -1, Decimal("-100.00"))
    assert line.quantity == line.our_quantity


def test_an_order_not_yet_delivered_or_of_another_supplier_is_still_missing_in_ours(issued, supplier_admin, other_supplier):
    others = booked_order(other_supplier, "80.00", recorded_at=DECEMBER_4)

    reconciliation = upload(issued, supplier_admin, [others.number, others.gift.sku, "配送", 1, "80.00"],
                            ["RO-NEVER", "SKU-X", "配送", 1, "10.00"])

    lines = reconciliation.lines.exclude(row=None).filter(row__gt=3)
    assert {(line.order_number, line.category, line.booked_later) for line in lines} == {
        (others.number, Category.MISSING_IN_OURS, False), ("RO-NEVER", Category.MISSING_IN_OURS, False)}


def test_a_line_claimed_by_another_statement_is_other_period_and_may_still_be_adjusted(issued, supplier_admin, finance):
    booked = booked_order(issued.supplier, "80.00", recorded_at=datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=date(2026, 11, 1), actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))

    line = upload(issued, supplier_admin, [booked.number, booked.gift.sku, "配送", 1, "90.00"]).lines.get(order_number=booked.number)
    adjusted = resolve_line(line=line, resolution=Resolution.CARRY_FORWARD, actor=finance, now=UPLOADED_AT)

    assert (line.category, line.booked_later, line.our_amount) == (Category.OTHER_PERIOD, False, Decimal("80.00"))
    assert adjusted.adjustment.amount == Decimal("10.00")


def test_the_page_says_a_line_is_booked_later_and_offers_no_adjusting_resolution(issued, delivered_in_december, supplier_admin,
                                                                               finance):
    order = delivered_in_december
    reconciliation = upload(issued, supplier_admin, [order.number, order.gift.sku, "配送", 3, "540.00"])
    line = reconciliation.lines.get(order_number=order.number)

    page = page_in(finance, f"/settlement/reconciliations/{reconciliation.pk}/", "zh-hans")
    english = page_in(finance, f"/settlement/reconciliations/{reconciliation.pk}/", "en")

    row = re.search(rf'<tr data-line="{line.pk}".*?</tr>', page, re.S).group(0)
    assert 'data-category="other_period"' in row and "属于其他账期" in row
    assert re.search(r'data-testid="booked-later">本期之后记账', row)
    assert 'data-action="resolve"' in row
    assert re.findall(r'<option value="(\w+)"', row) == ["accept_ours", "write_off"]
    english_row = re.search(rf'<tr data-line="{line.pk}".*?</tr>', english, re.S).group(0)
    assert "Booked in a later period" in english_row


def test_once_the_later_statement_is_generated_the_line_still_says_truly_who_books_it(issued, delivered_in_december, supplier_admin,
                                                                                      finance):
    order = delivered_in_december
    line = upload(issued, supplier_admin, [order.number, order.gift.sku, "配送", 3, "540.00"]).lines.get(order_number=order.number)
    generation.generate_now(month=DECEMBER, actor=finance, now=datetime(2027, 1, 1, 2, 0, tzinfo=SHANGHAI))

    with pytest.raises(ValidationFailed) as refused:
        resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI))
    row, english = reconciliation_rows(finance, line)

    assert re.search(r'data-testid="booked-later">本期之后记账：平台已记录，由之后的结算单记账', row) and "尚未" not in row
    assert "a later statement books it" in english and "not yet generated" not in english
    assert "由之后的结算单记账" in refused.value.detail and "尚未计入" not in refused.value.detail


@pytest.mark.parametrize("resolution", ADJUSTING)
def test_a_line_missing_in_ours_at_upload_whose_delivery_is_recorded_since_is_no_longer_adjusted(
    issued, supplier_admin, finance, resolution,
):
    line = upload(issued, supplier_admin, ["RO000000009999", "SKU-LATE", "配送", 1, "80.00"]).lines.get(order_number="RO000000009999")
    reported_since = booked_order(issued.supplier, "80.00", recorded_at=DECEMBER_4)
    RedemptionOrder.objects.filter(pk=reported_since.pk).update(number="RO000000009999")
    Gift.objects.filter(pk=reported_since.gift_id).update(sku="SKU-LATE")

    with pytest.raises(ValidationFailed, match="平台现已记录该笔") as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=UPLOADED_AT)

    line.refresh_from_db()
    assert line.category == Category.MISSING_IN_OURS and refused.value.field == "resolution"
    assert (line.resolution, line.adjustment, line.open) == ("", None, True)
    assert not Adjustment.objects.exists()


def test_a_line_missing_in_ours_with_nothing_recorded_since_is_still_adjusted(issued, supplier_admin, finance):
    line = upload(issued, supplier_admin, ["RO000000009999", "SKU-LATE", "配送", 1, "80.00"]).lines.get(order_number="RO000000009999")

    resolved = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=UPLOADED_AT)

    assert resolved.adjustment.amount == Decimal("80.00")
