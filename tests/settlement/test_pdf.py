"""The statement PDF (SPEC §4.11): bilingual, paginated with repeated headers, page x of y, masked phones, deterministic."""
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pdfplumber
import pytest
import reportlab
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from django.test import override_settings

from settlement.models import Section, SourceKind, Statement, StatementLine, StatementVersion
from reportlab.pdfbase import pdfmetrics

from core.numbers import new_number
from settlement.services import statements
from settlement.pdf import CID_FONT, COLUMNS, FONT_SIZE, PADDING, money, render_statement
from tests.factories import FIXED_NOW, SHANGHAI, SupplierFactory
from tests.helpers import rolled_back_after
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db

SUPPLIER_NAME = "华茂礼品有限公司"
DELIVERIES = 130  # about 45 lines a page: the deliveries alone take three pages
FIRST_LINE_AT = datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI)


def add_line(statement: Statement, section: str, *, source_kind: str, source_id: int, amount: str, recorded_at: datetime,
             version: int = 1, **fields) -> StatementLine:
    return StatementLine.objects.create(statement=statement, version=version, section=section, source_kind=source_kind,
                                        source_id=source_id, amount=Decimal(amount), recorded_at=recorded_at, **fields)


def a_statement(now) -> Statement:
    """October's statement of SUPPLIER_NAME: DELIVERIES deliveries, a return, an extra cost and an adjustment."""
    supplier = SupplierFactory(name=SUPPLIER_NAME, contact_phone="13955556666")
    statement = Statement.objects.create(supplier=supplier, month=date(2026, 10, 1), generated_at=now)
    for n in range(DELIVERIES):
        add_line(statement, Section.DELIVERY, source_kind=SourceKind.ORDER, source_id=1000 + n, amount="180.00",
                 recorded_at=FIRST_LINE_AT + timedelta(minutes=10 * n), order_number=f"RO20261002{n:08d}", sku="TEA-LJ-250",
                 quantity=1, contact=f"138****{n:04d}")
    add_line(statement, Section.RETURN, source_kind=SourceKind.RETURN, source_id=1, amount="-180.00",
             recorded_at=datetime(2026, 10, 20, 15, 30, tzinfo=SHANGHAI), order_number="RO2026100200000007", sku="TEA-LJ-250",
             quantity=-1, contact="138****0007", description="defective")
    add_line(statement, Section.EXTRA_COST, source_kind=SourceKind.EXTRA_COST, source_id=1, amount="-12.50",
             recorded_at=datetime(2026, 10, 21, 23, 0, tzinfo=SHANGHAI), quantity=1, description="storage 2026-10-21")
    add_line(statement, Section.ADJUSTMENT, source_kind=SourceKind.ADJUSTMENT, source_id=1, amount="-500.00",
             recorded_at=datetime(2026, 10, 28, 11, 0, tzinfo=SHANGHAI), description="ADJ2026100001")
    return statement


def version_1_of(statement: Statement, now) -> StatementVersion:
    return StatementVersion.objects.create(
        statement=statement, number=1, created_at=now, issued_at=datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI),
        deliveries=Decimal("23400.00"), returns=Decimal("-180.00"), extra_costs=Decimal("-12.50"), adjustments=Decimal("-500.00"),
        payable=Decimal("22707.50"), line_count=DELIVERIES + 3, bank_name="中国工商银行杭州西湖支行", account_name=SUPPLIER_NAME,
        account_number="1202020109900012345",
    )


@pytest.fixture
def statement(now):
    return a_statement(now)


@pytest.fixture
def first_version(statement, now):
    return version_1_of(statement, now)


@pytest.fixture(scope="module")
def printed(django_db_setup, django_db_blocker):
    """The pages of version 1's PDF of `a_statement`, for the cases that only read them: rendered and read once (reading a
    PDF's text back is what costs), in a transaction rolled back, with the statement's supplier id."""
    with rolled_back_after(django_db_blocker):
        statement = a_statement(FIXED_NOW)
        pages = pages_of(render_statement(version_1_of(statement, FIXED_NOW)))
    return SimpleNamespace(pages=pages, text="\n".join(pages), supplier_id=statement.supplier_id)


@pytest.fixture
def second_version(statement, first_version, now):
    """After a dispute: a reconciliation correction of +1,234.56 booked in version 2."""
    add_line(statement, Section.ADJUSTMENT, source_kind=SourceKind.ADJUSTMENT, source_id=2, amount="1234.56", version=2,
             recorded_at=datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI), description="ADJ2026110042")
    return StatementVersion.objects.create(
        statement=statement, number=2, created_at=now, issued_at=datetime(2026, 11, 6, 9, 0, tzinfo=SHANGHAI),
        deliveries=first_version.deliveries, returns=first_version.returns, extra_costs=first_version.extra_costs,
        adjustments=Decimal("734.56"), payable=Decimal("23942.06"), line_count=DELIVERIES + 4,
        bank_name=first_version.bank_name, account_name=first_version.account_name, account_number=first_version.account_number,
    )


def pages_of(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_text() for page in document.pages]


def test_rendering_the_same_version_twice_gives_the_same_bytes(first_version):
    first = render_statement(first_version)

    second = render_statement(StatementVersion.objects.get(pk=first_version.pk))

    assert first.startswith(b"%PDF-")
    assert first == second


def test_the_statement_names_the_supplier_period_version_issue_date_and_the_bank_account_it_pays(printed):
    text = printed.text

    assert "结算单 Settlement statement" in text
    assert f"{SUPPLIER_NAME} (ID {printed.supplier_id})" in text
    assert "2026-10" in text
    assert "版本 Version 1" in text
    assert "下发日期 Issued 2026-11-01" in text
    assert "中国工商银行杭州西湖支行" in text
    assert "1202020109900012345" in text


def test_each_section_ends_with_its_total_and_the_summary_shows_every_total_and_the_payable(printed):
    text = printed.text

    assert "配送结算合计 Total 23,400.00" in text
    assert "退货冲减合计 Total -180.00" in text
    assert "额外费用合计 Total -12.50" in text
    assert "调账合计 Total -500.00" in text
    assert "上期结转合计 Total 0.00" in text
    summary = text[text.index("汇总 Summary"):]
    assert "配送结算 Deliveries 23,400.00" in summary
    assert "上期结转 Carried forward 0.00" in summary
    assert "应付金额 Payable 22,707.50" in summary


def test_sections_come_in_order_with_bilingual_headings(printed):
    text = printed.text

    headings = ["1. 配送结算 Deliveries", "2. 退货冲减 Returns netted off", "3. 额外费用 Extra costs", "4. 调账 Adjustments",
                "5. 上期结转 Carried forward"]
    assert [text.index(heading) for heading in headings] == sorted(text.index(heading) for heading in headings)


def test_phones_are_printed_masked_and_never_in_full(statement, first_version):
    add_line(statement, Section.DELIVERY, source_kind=SourceKind.ORDER, source_id=9999, amount="0.00", contact="13812341234",
             recorded_at=datetime(2026, 10, 30, 9, 0, tzinfo=SHANGHAI), order_number="RO2026103000009999")

    text = "\n".join(pages_of(render_statement(first_version)))

    assert "138****0001" in text
    assert "138****1234" in text
    assert "13812341234" not in text
    assert "13955556666" not in text


def test_extra_cost_kinds_and_return_outcomes_are_printed_by_their_labels(printed):
    text = printed.text

    assert "仓储费 2026-10-21" in text
    assert "质量问题" in text
    assert "storage" not in text
    assert "defective" not in text


def test_every_page_is_footed_with_its_number_and_the_page_count(printed):
    pages = printed.pages

    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        # whole, separators included: the default font (no file) has no glyph for "·", which printed as a blank box
        assert f"{SUPPLIER_NAME} | 2026-10 | v1" in text
        assert f"第 {number} 页 / 共 {total} 页 | Page {number} of {total}" in text


def test_the_table_header_is_repeated_at_the_top_of_the_next_page(printed):
    second_page = printed.pages[1].splitlines()

    assert second_page[0].startswith("记录时间 订单号 商品编码 数量 电话 说明 金额")
    assert second_page[1].startswith("Recorded Order SKU Qty Phone Description Amount")
    assert second_page[2].startswith("2026-10-")


def test_lines_are_listed_in_the_order_they_were_recorded(statement, first_version):
    add_line(statement, Section.DELIVERY, source_kind=SourceKind.ORDER, source_id=5000, amount="99.00",
             recorded_at=FIRST_LINE_AT - timedelta(hours=1), order_number="RO2026100299999999", quantity=1)

    text = "\n".join(pages_of(render_statement(first_version)))

    assert text.index("2026-10-02 08:00 RO2026100299999999") < text.index("2026-10-02 09:00 RO2026100200000000")


def test_a_line_booked_in_version_2_is_only_in_the_version_2_pdf(first_version, second_version):
    first = "\n".join(pages_of(render_statement(first_version)))

    second = "\n".join(pages_of(render_statement(second_version)))

    assert "ADJ2026110042" not in first
    assert "应付金额 Payable 22,707.50" in first
    assert "ADJ2026110042" in second and "1,234.56" in second
    assert "版本 Version 2" in second
    assert "应付金额 Payable 23,942.06" in second


def test_the_current_state_of_the_statement_is_not_printed(issued, supplier_admin, finance, finance_checker):
    confirmed = statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    first_version = confirmed.versions.get(number=1)
    before = render_statement(first_version)
    statements.invoice_statement(statement=confirmed, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=confirmed, actor=finance_checker, now=LATER)
    paid = statements.pay_statement(statement=confirmed, actor=finance, now=LATER, reference="HX1")

    after = render_statement(StatementVersion.objects.get(pk=first_version.pk))

    assert paid.state == Statement.State.PAID
    assert before == after
    text = "\n".join(pages_of(after))
    assert not any(str(label) in text for label in Statement.State.labels)


def test_a_configured_truetype_font_is_embedded_and_the_output_stays_deterministic(first_version):
    font = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"

    with override_settings(STATEMENT_PDF_FONT=str(font)):
        first, second = render_statement(first_version), render_statement(first_version)

    assert b"/FontFile2" in first
    assert first == second
    assert b"/FontFile2" not in render_statement(first_version)


def test_the_widest_order_number_the_system_makes_fits_the_order_column_on_one_line(now):
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    digits = len(new_number("RO", now)) - len("RO")
    widest_digit = max("0123456789", key=lambda digit: pdfmetrics.stringWidth(digit, CID_FONT, FONT_SIZE))
    widest = "RO" + widest_digit * digits
    (order_column,) = [width for header, width, _ in COLUMNS if header.startswith("订单号")]

    assert len(widest) == 22
    assert pdfmetrics.stringWidth(widest, CID_FONT, FONT_SIZE) <= order_column - 2 * PADDING


def test_a_22_character_order_number_is_printed_on_one_line(statement, first_version):
    add_line(statement, Section.DELIVERY, source_kind=SourceKind.ORDER, source_id=7777, amount="10.00",
             recorded_at=datetime(2026, 10, 30, 9, 0, tzinfo=SHANGHAI), order_number="RO20261128706830799480", sku="TEA-LJ-250")

    text = "\n".join(pages_of(render_statement(first_version)))

    assert "2026-10-30 09:00 RO20261128706830799480 TEA-LJ-250" in text


def test_money_is_two_decimals_with_thousands_separators_and_only_decimal():
    assert money(Decimal("1234567.5")) == "1,234,567.50"
    assert money(Decimal("-0.01")) == "-0.01"
    with pytest.raises(TypeError):
        money(1234.5)


def test_an_adjustment_line_prints_no_quantity_and_a_counted_line_does(printed):
    text = printed.text

    adjustment, = [row for row in text.splitlines() if row.startswith("2026-10-28 11:00")]
    storage, = [row for row in text.splitlines() if row.startswith("2026-10-21 23:00")]
    assert adjustment.split()[2] != "0" and " 0 " not in adjustment
    assert storage.split()[2] == "1"
