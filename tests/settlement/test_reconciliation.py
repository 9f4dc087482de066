"""Reconciliation (SPEC §4.11): a supplier's file matched against our statement version, and finance resolving it."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.tabular import TableRejected
from settlement.models import (
    Adjustment, Category, Reconciliation, ReconciliationLine, Resolution, Section, SourceKind, Statement, StatementLine,
    StatementVersion,
)
from settlement.services.statements import dispute_statement
from settlement.services.reconciliation import list_reconciliations, reconciliation_lines, resolve_line, upload_reconciliation

HEADER = ["订单号", "SKU", "类型", "数量", "金额"]
#: every category, in file order: RO-3's second row is a duplicate that would also mismatch its amount, and
#: RO-0 is booked in August at 180.00, so it is other_period rather than missing_in_ours or amount_mismatch
SUPPLIER_ROWS = [
    ["RO-1", "SKU-A", "配送", "2", "360.00"],  # row 2 matched
    ["RO-2", "SKU-A", "delivery", "2", "360.00"],  # row 3 quantity_mismatch (the amount differs too)
    ["RO-3", "SKU-B", "配送", "1", "98.00"],  # row 4 amount_mismatch
    ["RO-3", "SKU-B", "配送", "1", "98.00"],  # row 5 duplicate
    ["RO-4", "SKU-A", "退货", "-1", "-180.00"],  # row 6 matched
    ["RO-0", "SKU-A", "配送", "1", "170.00"],  # row 7 other_period
    ["RO-9", "SKU-Z", "换货", "1", "10.00"],  # row 8 missing_in_ours
]
EXPECTED_SUMMARY = {  # each side signed, and gross: the matched delivery of 360.00 and return of -180.00 are 540.00 of lines
    "duplicate": {"count": 1, "ours": "0.00", "theirs": "98.00", "ours_gross": "0.00", "theirs_gross": "98.00"},
    "other_period": {"count": 1, "ours": "180.00", "theirs": "170.00", "ours_gross": "180.00", "theirs_gross": "170.00"},
    "missing_in_ours": {"count": 1, "ours": "0.00", "theirs": "10.00", "ours_gross": "0.00", "theirs_gross": "10.00"},
    "quantity_mismatch": {"count": 1, "ours": "180.00", "theirs": "360.00", "ours_gross": "180.00", "theirs_gross": "360.00"},
    "amount_mismatch": {"count": 1, "ours": "99.00", "theirs": "98.00", "ours_gross": "99.00", "theirs_gross": "98.00"},
    "matched": {"count": 2, "ours": "180.00", "theirs": "180.00", "ours_gross": "540.00", "theirs_gross": "540.00"},
    "missing_in_supplier": {"count": 1, "ours": "50.00", "theirs": "0.00", "ours_gross": "50.00", "theirs_gross": "0.00"},
}


def statement_of(supplier, month: date, now: datetime, state=Statement.State.ISSUED) -> Statement:
    statement = Statement.objects.create(supplier=supplier, month=month, generated_at=now, issued_at=now, state=state)
    StatementVersion.objects.create(statement=statement, number=1, created_at=now, issued_at=now)
    return statement


def book(statement, lines, now) -> None:
    """(order number, sku, source kind, quantity, amount) as claimed lines of `statement`, version 1."""
    sections = {SourceKind.ORDER: Section.DELIVERY, SourceKind.REPLACEMENT: Section.DELIVERY,
                SourceKind.RETURN: Section.RETURN, SourceKind.EXTRA_COST: Section.EXTRA_COST}
    first = (StatementLine.objects.order_by("-source_id").values_list("source_id", flat=True).first() or 0) + 1
    StatementLine.objects.bulk_create([
        StatementLine(statement=statement, section=sections[kind], source_kind=kind, source_id=first + n, order_number=order_number,
                      sku=sku, quantity=quantity, amount=Decimal(amount), recorded_at=now)
        for n, (order_number, sku, kind, quantity, amount) in enumerate(lines)
    ])


@pytest.fixture
def statement(supplier, now):
    """September's statement: RO-1..RO-5, an extra cost the file never names; August's booked RO-0."""
    september = statement_of(supplier, date(2026, 9, 1), now)
    book(september, [
        ("RO-1", "SKU-A", SourceKind.ORDER, 2, "360.00"),
        ("RO-2", "SKU-A", SourceKind.ORDER, 1, "180.00"),
        ("RO-3", "SKU-B", SourceKind.ORDER, 1, "99.00"),
        ("RO-4", "SKU-A", SourceKind.RETURN, -1, "-180.00"),
        ("RO-5", "SKU-C", SourceKind.REPLACEMENT, 1, "50.00"),
        ("RO-1", "", SourceKind.EXTRA_COST, 1, "-12.00"),
    ], now)
    book(statement_of(supplier, date(2026, 8, 1), now), [("RO-0", "SKU-A", SourceKind.ORDER, 1, "180.00")], now)
    return september


def csv_bytes(rows, encoding="utf-8", header=HEADER) -> bytes:
    return "\r\n".join(",".join(row) for row in [header, *rows]).encode(encoding)


def xlsx_bytes(rows) -> bytes:
    import io

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for order_number, sku, kind, quantity, amount in rows:
        sheet.append([order_number, sku, kind, int(quantity), float(amount)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(statement, actor, now, content: bytes, file_name="supplier.csv") -> Reconciliation:
    return upload_reconciliation(statement=statement, file_name=file_name, content=content, actor=actor, now=now)


def dispute(statement, supplier_admin, now) -> Statement:
    """The supplier disputes the issued statement (after uploading its file, as it would)."""
    return dispute_statement(statement=statement, actor=supplier_admin, now=now, reason="金额与我方记录不符")


def line_in(reconciliation, category) -> ReconciliationLine:
    return reconciliation.lines.get(category=category) if category != Category.MATCHED else reconciliation.lines.filter(category=category).first()


def nothing_stored() -> bool:
    return not Reconciliation.objects.exists() and not ReconciliationLine.objects.exists()


# --- matching -----------------------------------------------------------------------------------------------


def test_each_supplier_line_takes_the_first_category_that_fits_with_counts_and_totals(statement, supplier_admin, now):
    reconciliation = upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))

    categories = {line.row: line.category for line in reconciliation.lines.all()}
    assert reconciliation.summary == EXPECTED_SUMMARY
    assert reconciliation.row_count == 7
    assert reconciliation.version.number == 1 and reconciliation.supplier_id == statement.supplier_id
    assert categories == {
        2: "matched", 3: "quantity_mismatch", 4: "amount_mismatch", 5: "duplicate", 6: "matched", 7: "other_period",
        8: "missing_in_ours", None: "missing_in_supplier",
    }


def test_a_line_booked_in_another_period_named_twice_is_a_duplicate_the_second_time(statement, supplier_admin, now):
    twice = [["RO-0", "SKU-A", "配送", "1", "180.00"], ["RO-0", "SKU-A", "配送", "1", "180.00"]]

    reconciliation = upload(statement, supplier_admin, now, csv_bytes(twice))

    assert {line.row: line.category for line in reconciliation.lines.exclude(row=None)} == {2: "other_period", 3: "duplicate"}
    assert (reconciliation.summary["other_period"]["count"], reconciliation.summary["duplicate"]["count"]) == (1, 1)


def test_an_amount_a_cent_off_ours_is_an_amount_mismatch(statement, supplier_admin, now):
    a_cent_short = [["RO-3", "SKU-B", "配送", "1", "98.99"]]  # we booked 99.00

    reconciliation = upload(statement, supplier_admin, now, csv_bytes(a_cent_short))

    assert reconciliation.lines.get(row=2).category == "amount_mismatch"
    assert reconciliation.summary["amount_mismatch"] == {"count": 1, "ours": "99.00", "theirs": "98.99", "ours_gross": "99.00",
                                                         "theirs_gross": "98.99"}


def test_our_line_absent_from_the_file_is_stored_with_our_figures_only(statement, supplier_admin, now):
    reconciliation = upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))

    missing = reconciliation.lines.get(category=Category.MISSING_IN_SUPPLIER)
    assert (missing.row, missing.quantity, missing.amount) == (None, None, None)
    assert (missing.order_number, missing.sku, missing.kind, missing.our_quantity, missing.our_amount) == (
        "RO-5", "SKU-C", "replacement", 1, Decimal("50.00"))
    assert missing.our_line.statement_id == statement.pk


def test_the_same_file_as_utf8_bom_gbk_and_xlsx_gives_the_same_result(statement, supplier_admin, now):
    files = {
        "utf8.csv": csv_bytes(SUPPLIER_ROWS), "bom.csv": csv_bytes(SUPPLIER_ROWS, "utf-8-sig"),
        "gbk.csv": csv_bytes(SUPPLIER_ROWS, "gbk"), "supplier.xlsx": xlsx_bytes(SUPPLIER_ROWS),
    }

    results = {
        name: (r.summary, list(r.lines.values_list("row", "order_number", "sku", "kind", "quantity", "amount", "category")))
        for name, r in ((name, upload(statement, supplier_admin, now, content, name)) for name, content in files.items())
    }

    assert all(result == results["utf8.csv"] for result in results.values())
    assert results["gbk.csv"][0] == EXPECTED_SUMMARY


def test_english_headers_and_kinds_are_accepted(statement, supplier_admin, now):
    header = ["order_number", "sku", "kind", "quantity", "amount"]
    rows = [["RO-1", "SKU-A", "delivery", "2", "360"], ["RO-4", "SKU-A", "return", "-1", "-180.0"]]

    reconciliation = upload(statement, supplier_admin, now, csv_bytes(rows, header=header))

    assert reconciliation.summary["matched"]["count"] == 2


def test_matching_takes_the_same_number_of_queries_for_10_or_200_lines(supplier, supplier_admin, now):
    def queries_for(count: int) -> int:
        statement = statement_of(supplier, date(2026, 9 - count // 100, 1), now)
        book(statement, [(f"Q{count}-{n}", "SKU-A", SourceKind.ORDER, 1, "10.00") for n in range(count)], now)
        rows = [[f"Q{count}-{n}", "SKU-A", "配送", "1", "10.00" if n % 3 else "11.00"] for n in range(count)]
        rows += [[f"X{count}-{n}", "SKU-A", "配送", "1", "10.00"] for n in range(count // 2)]
        with CaptureQueriesContext(connection) as context:
            upload(statement, supplier_admin, now, csv_bytes(rows))
        table = ReconciliationLine._meta.db_table
        return len([q for q in context.captured_queries if not q["sql"].startswith(f'INSERT INTO "{table}"')])

    assert queries_for(10) == queries_for(200)


def test_an_order_returned_partly_in_two_months_is_matched_against_this_statement_s_return(supplier, supplier_admin, finance, now):
    october, november = statement_of(supplier, date(2026, 10, 1), now), statement_of(supplier, date(2026, 11, 1), now)
    book(october, [("RO-7", "SKU-A", SourceKind.RETURN, -1, "-180.00")], now)
    book(november, [("RO-7", "SKU-A", SourceKind.RETURN, -2, "-360.00"), ("RO-8", "SKU-A", SourceKind.RETURN, -1, "-180.00")], now)

    reconciliation = upload(november, supplier_admin, now, csv_bytes([
        ["RO-7", "SKU-A", "退货", "-2", "-350.00"],  # row 2: November's part of RO-7, 10.00 less refunded
        ["RO-8", "SKU-A", "退货", "-1", "-180.00"],  # row 3
    ]))
    returned = reconciliation.lines.get(row=2)
    accepted = resolve_line(line=returned, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    assert {line.row: line.category for line in reconciliation.lines.all()} == {2: "amount_mismatch", 3: "matched"}
    assert (returned.our_line.statement_id, returned.our_quantity, returned.our_amount) == (november.pk, -2, Decimal("-360.00"))
    assert accepted.adjustment.amount == Decimal("10.00")


def test_two_returns_of_one_order_in_the_same_month_are_matched_against_the_file_s_row_of_their_sum(supplier, supplier_admin, now):
    november = statement_of(supplier, date(2026, 11, 1), now)
    book(november, [("RO-7", "SKU-A", SourceKind.RETURN, -1, "-180.00"), ("RO-7", "SKU-A", SourceKind.RETURN, -1, "-180.00")], now)

    reconciliation = upload(november, supplier_admin, now, csv_bytes([["RO-7", "SKU-A", "退货", "-2", "-360.00"]]))

    line = reconciliation.lines.get()
    assert (line.category, line.our_quantity, line.our_amount) == ("matched", -2, Decimal("-360.00"))


def test_a_reissued_version_is_matched_against_the_lines_every_version_up_to_it_booked(statement, supplier_admin, now):
    StatementVersion.objects.create(statement=statement, number=2, created_at=now, issued_at=now)
    Statement.objects.filter(pk=statement.pk).update(version=2)  # version 2 adds only its dispute adjustments
    statement.refresh_from_db()

    reconciliation = upload(statement, supplier_admin, now, csv_bytes([SUPPLIER_ROWS[0]]))

    first = reconciliation.lines.get(row=2)
    assert reconciliation.version.number == 2
    assert (first.category, first.our_quantity, first.our_amount) == ("matched", 2, Decimal("360.00"))


def test_our_partial_return_absent_from_the_file_is_missing_in_supplier_though_another_month_booked_the_order_s_other_part(
        supplier, supplier_admin, now):
    october, november = statement_of(supplier, date(2026, 10, 1), now), statement_of(supplier, date(2026, 11, 1), now)
    book(october, [("RO-7", "SKU-A", SourceKind.RETURN, -1, "-180.00")], now)
    book(november, [("RO-7", "SKU-A", SourceKind.RETURN, -2, "-360.00"), ("RO-8", "SKU-A", SourceKind.RETURN, -1, "-180.00")], now)

    reconciliation = upload(november, supplier_admin, now, csv_bytes([["RO-8", "SKU-A", "退货", "-1", "-180.00"]]))

    missing = reconciliation.lines.get(category=Category.MISSING_IN_SUPPLIER)
    assert (missing.order_number, missing.our_quantity, missing.our_amount) == ("RO-7", -2, Decimal("-360.00"))
    assert missing.our_line.statement_id == november.pk
    assert reconciliation.summary["other_period"]["count"] == 0


# --- refusals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "attr", "code"), [
    pytest.param(csv_bytes(SUPPLIER_ROWS, header=["order", "product", "qty", "price", "note"]), "file", "unknown_column", id="wrong columns"),
    pytest.param(csv_bytes(SUPPLIER_ROWS)[:40] + b"\xff\xff\xfe", "file", "unreadable", id="undecodable"),
    pytest.param(bytes(range(256)) * 8, "file", "unreadable", id="binary junk"),
    pytest.param(csv_bytes([SUPPLIER_ROWS[0], ["RO-2", "SKU-A", "配送", "1", "十元"]]), "rows.3.amount", "invalid", id="non-numeric amount"),
    pytest.param(csv_bytes([["RO-1", "SKU-A", "赠品", "2", "360.00"]]), "rows.2.kind", "invalid", id="unknown kind"),
    pytest.param(csv_bytes([["RO-1", "SKU-A", "配送", "两", "360.00"]]), "rows.2.quantity", "invalid", id="non-numeric quantity"),
    pytest.param(csv_bytes([SUPPLIER_ROWS[0], [" ", "SKU-A", "配送", "1", "1.00"]]), "rows.3.order_number", "required", id="blank order"),
])
def test_a_bad_file_is_rejected_naming_row_and_column_and_nothing_is_stored(statement, supplier_admin, now, content, attr, code):
    with pytest.raises(TableRejected) as rejected:
        upload(statement, supplier_admin, now, content)

    assert (attr, code) in [(problem.attr, problem.code) for problem in rejected.value.problems]
    assert nothing_stored()


@pytest.mark.parametrize(("quantity", "amount", "attr", "message"), [
    ("1", "1e3", "rows.2.amount", "金额格式不正确"),
    ("1", "1_000", "rows.2.amount", "金额格式不正确"),
    ("1", "NaN", "rows.2.amount", "金额格式不正确"),
    ("1", "Infinity", "rows.2.amount", "金额格式不正确"),
    ("1", "9" * 15, "rows.2.amount", "金额过大"),
    ("-１", "10.00", "rows.2.quantity", "数量须为整数"),
])
def test_numbers_are_plain_ascii_decimals_and_a_non_number_is_called_one(statement, supplier_admin, now, quantity, amount, attr, message):
    with pytest.raises(TableRejected) as rejected:
        upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", quantity, amount]]))

    (problem,) = rejected.value.problems
    assert problem.attr == attr and message in problem.detail
    assert nothing_stored()


def test_thousands_commas_and_plain_decimals_are_read(statement, supplier_admin, now):
    reconciliation = upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", "2", '"1,360.00"']]))

    assert reconciliation.lines.get(order_number="RO-1", category=Category.AMOUNT_MISMATCH).amount == Decimal("1360.00")


def test_an_amount_in_full_width_digits_is_read_as_the_plain_one(statement, supplier_admin, now):
    reconciliation = upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", "2", "１，３６０．００"]]))

    assert reconciliation.lines.get(order_number="RO-1", category=Category.AMOUNT_MISMATCH).amount == Decimal("1360.00")


def test_every_bad_row_is_named_before_anything_is_stored(statement, supplier_admin, now):
    rows = [SUPPLIER_ROWS[0], ["RO-2", "SKU-A", "配送", "1", "1.005"], ["RO-3", "SKU-B", "swap", "x", "1"]]

    with pytest.raises(TableRejected) as rejected:
        upload(statement, supplier_admin, now, csv_bytes(rows))

    assert [p.attr for p in rejected.value.problems] == ["rows.3.amount", "rows.4.kind", "rows.4.quantity"]
    assert nothing_stored()


@pytest.mark.parametrize("uploader", ["other_supplier_admin", "supplier_staff", "finance"])
def test_only_the_statements_own_supplier_admin_may_upload(statement, now, request, uploader):
    with pytest.raises(PermissionDenied):
        upload(statement, request.getfixturevalue(uploader), now, csv_bytes(SUPPLIER_ROWS))

    assert nothing_stored()


def test_a_draft_statement_cannot_be_reconciled(supplier, supplier_admin, now):
    draft = statement_of(supplier, date(2026, 9, 1), now, state=Statement.State.DRAFT)

    with pytest.raises(Conflict):
        upload(draft, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))

    assert nothing_stored()


# --- resolving -----------------------------------------------------------------------------------------------


@pytest.fixture
def reconciliation(statement, supplier_admin, now):
    return upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))


@pytest.mark.parametrize(("category", "resolution"), [
    (Category.QUANTITY_MISMATCH, Resolution.ACCEPT_OURS), (Category.DUPLICATE, Resolution.WRITE_OFF),
])
def test_accepting_ours_or_writing_off_records_the_resolution_without_money(reconciliation, finance, now, category, resolution):
    line = resolve_line(line=line_in(reconciliation, category), resolution=resolution, actor=finance, now=now, note="核对无误")

    assert (line.resolution, line.resolved_by, line.resolved_at, line.note, line.adjustment) == (resolution, finance, now, "核对无误", None)
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize(("category", "amount"), [
    (Category.AMOUNT_MISMATCH, "-1.00"), (Category.QUANTITY_MISMATCH, "180.00"),
    (Category.MISSING_IN_OURS, "10.00"), (Category.MISSING_IN_SUPPLIER, "-50.00"),
])
def test_accepting_theirs_proposes_an_adjustment_of_theirs_minus_ours_for_a_later_statement(reconciliation, finance, now, category, amount):
    line = resolve_line(line=line_in(reconciliation, category), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    adjustment = line.adjustment
    assert (adjustment.kind, adjustment.amount, adjustment.state) == ("reconciliation", Decimal(amount), Adjustment.State.PROPOSED)
    assert (adjustment.source_kind, adjustment.source_id, adjustment.statement) == ("reconciliation", str(reconciliation.pk), None)
    assert (adjustment.supplier_id, adjustment.created_by) == (reconciliation.supplier_id, finance)


def test_accepting_theirs_on_a_disputed_statement_resolves_the_dispute(reconciliation, statement, supplier_admin, finance, now):
    dispute(statement, supplier_admin, now)

    line = resolve_line(line=line_in(reconciliation, Category.AMOUNT_MISMATCH), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now,
                        note="以对方为准")

    assert (line.adjustment.amount, line.adjustment.statement) == (Decimal("-1.00"), statement)
    with translation.override("zh-hans"):  # in Chinese, as its statement line copies it
        chinese = f"第{line.row}行 {line.order_number} {line.sku} 配送：{Category.AMOUNT_MISMATCH.label}（{Resolution.ACCEPT_THEIRS.label}）— 以对方为准"
        assert chinese in line.adjustment.reason
    with translation.override("en"):
        english = line.adjustment.reason_label
        assert f"row {line.row} {line.order_number} {line.sku} Delivery: {Category.AMOUNT_MISMATCH.label} ({Resolution.ACCEPT_THEIRS.label})" in english
    assert english.endswith("— 以对方为准") and "对账" not in english  # the note as typed


def test_an_adjustment_from_a_reconciliation_names_the_parties_whose_figures_it_weighed(reconciliation, finance, now):
    line = resolve_line(line=line_in(reconciliation, Category.MISSING_IN_OURS), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    with translation.override("zh-hans"):
        assert "平台无此记录（以礼品商为准（调账））" in line.adjustment.reason
    with translation.override("en"):
        assert "Not in the platform's records (Supplier's figure stands (adjustment))" in line.adjustment.reason_label
    assert "我方" not in line.adjustment.reason and "对方" not in line.adjustment.reason


def test_carrying_forward_proposes_an_adjustment_for_the_next_statement_even_in_dispute(reconciliation, statement, supplier_admin, finance, now):
    dispute(statement, supplier_admin, now)

    line = resolve_line(line=line_in(reconciliation, Category.OTHER_PERIOD), resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)

    assert (line.resolution, line.adjustment.amount, line.adjustment.statement) == (Resolution.CARRY_FORWARD, Decimal("-10.00"), None)


def test_a_matched_line_cannot_be_resolved(reconciliation, finance, now):
    matched = line_in(reconciliation, Category.MATCHED)

    with pytest.raises(ValidationFailed):
        resolve_line(line=matched, resolution=Resolution.ACCEPT_OURS, actor=finance, now=now, note="核对无误")

    matched.refresh_from_db()
    assert matched.resolution == "" and matched.resolved_at is None


def test_a_note_longer_than_its_column_is_refused_naming_it_and_the_line_stays_open(reconciliation, finance, now):
    line = line_in(reconciliation, Category.MISSING_IN_OURS)
    limit = ReconciliationLine._meta.get_field("note").max_length

    with pytest.raises(ValidationFailed) as refused:
        resolve_line(line=line, resolution=Resolution.ACCEPT_OURS, actor=finance, now=now, note="注" * (limit + 1))

    line.refresh_from_db()
    assert (refused.value.field, line.resolution) == ("note", "")


def test_a_line_resolves_only_once(reconciliation, finance, now):
    line = line_in(reconciliation, Category.MISSING_IN_OURS)
    resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    with pytest.raises(Conflict):
        resolve_line(line=line, resolution=Resolution.WRITE_OFF, actor=finance, now=now)

    line.refresh_from_db()
    assert line.resolution == Resolution.ACCEPT_THEIRS
    assert Adjustment.objects.count() == 1


@pytest.mark.parametrize("resolution", [Resolution.ACCEPT_THEIRS, Resolution.CARRY_FORWARD])
def test_a_duplicate_line_is_never_adjusted_which_would_pay_it_twice(reconciliation, finance, now, resolution):
    line = line_in(reconciliation, Category.DUPLICATE)

    with pytest.raises(ValidationFailed) as refused:
        resolve_line(line=line, resolution=resolution, actor=finance, now=now, note="核对无误")
    written_off = resolve_line(line=line, resolution=Resolution.WRITE_OFF, actor=finance, now=now, note="核对无误")

    assert refused.value.field == "resolution" and [value for value, _ in line.resolutions] == ["accept_ours", "write_off"]
    assert written_off.resolution == Resolution.WRITE_OFF and not Adjustment.objects.exists()


def test_a_line_whose_adjustment_the_checker_rejected_is_open_again(reconciliation, finance, finance_checker, now):
    from settlement.services.adjustments import reject_adjustment

    line = resolve_line(line=line_in(reconciliation, Category.MISSING_IN_OURS), resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)
    reject_adjustment(adjustment=line.adjustment, actor=finance_checker, now=now, note="对方未提供签收单")

    still_open = [row.pk for row in reconciliation_lines(reconciliation=reconciliation, unresolved=True)]
    line = resolve_line(line=line, resolution=Resolution.ACCEPT_OURS, actor=finance, now=now, note="以签收记录为准")

    assert line.pk in still_open and (line.resolution, line.adjustment, line.open) == (Resolution.ACCEPT_OURS, None, False)
    assert Adjustment.objects.get().state == Adjustment.State.REJECTED
    with pytest.raises(Conflict):
        resolve_line(line=line, resolution=Resolution.WRITE_OFF, actor=finance, now=now)


def test_a_reconciliation_of_a_superseded_version_is_no_longer_resolved(reconciliation, statement, finance, now):
    Statement.objects.filter(pk=statement.pk).update(version=F("version") + 1)  # reissued since the file was matched
    line = line_in(reconciliation, Category.MISSING_IN_OURS)

    with pytest.raises(Conflict) as refused:
        resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    line.refresh_from_db()
    assert refused.value.field == "line" and "请对最新版本重新对账" in refused.value.detail
    assert line.resolution == "" and not Adjustment.objects.exists()


def test_only_finance_resolves(reconciliation, operator, supplier_admin, now):
    line = line_in(reconciliation, Category.MISSING_IN_OURS)

    for actor in (operator, supplier_admin):
        with pytest.raises(PermissionDenied):
            resolve_line(line=line, resolution=Resolution.ACCEPT_OURS, actor=actor, now=now, note="核对无误")

    line.refresh_from_db()
    assert line.resolution == ""


# --- reading -------------------------------------------------------------------------------------------------


def test_reconciliations_are_listed_to_their_supplier_and_finance_only(reconciliation, supplier_admin, other_supplier_admin, finance):
    assert list(list_reconciliations(actor=supplier_admin)) == [reconciliation]
    assert list(list_reconciliations(actor=finance)) == [reconciliation]
    assert not list_reconciliations(actor=other_supplier_admin).exists()


def test_lines_can_be_read_by_category_or_only_those_still_to_resolve(reconciliation, finance, now):
    resolve_line(line=line_in(reconciliation, Category.DUPLICATE), resolution=Resolution.WRITE_OFF, actor=finance, now=now, note="核对无误")

    unresolved = reconciliation_lines(reconciliation=reconciliation, unresolved=True)
    all_lines = reconciliation_lines(reconciliation=reconciliation)

    assert [line.row for line in all_lines] == [2, 3, 4, 5, 6, 7, 8, None]
    assert [line.row for line in unresolved] == [3, 4, 7, 8, None]
    assert reconciliation_lines(reconciliation=reconciliation, category="matched").count() == 2
    with pytest.raises(ValidationFailed):
        reconciliation_lines(reconciliation=reconciliation, category="nonsense")


# --- a difference is paid once ---------------------------------------------------------------------------------------

def test_a_second_file_for_the_same_version_supersedes_the_first_whose_lines_are_no_longer_resolved(
    reconciliation, statement, supplier_admin, finance, now
):
    again = upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))
    reconciliation.refresh_from_db()
    old_line = line_in(reconciliation, Category.MISSING_IN_OURS)

    with pytest.raises(Conflict) as refused:
        resolve_line(line=old_line, resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)

    assert (reconciliation.superseded_by, reconciliation.superseded) == (again, True) and not old_line.open
    assert "重新上传" in refused.value.detail and not Adjustment.objects.exists()
    assert list(list_reconciliations(actor=finance, open_only=True)) == [again]
    assert list(list_reconciliations(actor=finance, open_only=False)) == [reconciliation]
    assert not reconciliation_lines(reconciliation=reconciliation, unresolved=True).exists()
    assert reconciliation_lines(reconciliation=reconciliation, unresolved=False).count() == reconciliation.lines.count() > 0
    assert reconciliation_lines(reconciliation=again, unresolved=True).count() == 6
    assert resolve_line(line=line_in(again, Category.MISSING_IN_OURS), resolution=Resolution.CARRY_FORWARD, actor=finance, now=now).adjustment


def test_an_order_sku_and_kind_already_answered_by_an_adjustment_is_not_adjusted_again(reconciliation, statement, supplier_admin,
                                                                                       finance, finance_checker, now):
    from settlement.services.adjustments import approve_adjustment

    first = resolve_line(line=line_in(reconciliation, Category.MISSING_IN_OURS), resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)
    again = upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS))
    twin = line_in(again, Category.MISSING_IN_OURS)

    with pytest.raises(Conflict) as proposed:
        resolve_line(line=twin, resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)
    approve_adjustment(adjustment=first.adjustment, actor=finance_checker, now=now)
    with pytest.raises(Conflict) as approved:
        resolve_line(line=twin, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)

    assert first.adjustment.number in proposed.value.detail and "不能重复调账" in approved.value.detail
    assert Adjustment.objects.count() == 1
    twin.refresh_from_db()
    assert twin.open  # accepting ours or writing it off stays possible
    assert resolve_line(line=twin, resolution=Resolution.ACCEPT_OURS, actor=finance, now=now, note="核对无误").adjustment is None


@pytest.fixture
def disputed(supplier, supplier_admin, now):
    """A statement in dispute with a reconciliation: RO-1 matched, RO-1-X (180.00) not booked by us."""
    statement = statement_of(supplier, date(2026, 10, 1), now)
    book(statement, [("RO-1", "SKU-A", SourceKind.ORDER, 1, "360.00")], now)
    upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", "1", "360.00"], ["RO-1-X", "SKU-A", "配送", "1", "180.00"]]))
    return dispute(statement, supplier_admin, now)


def test_a_dispute_adjustment_resolves_the_reconciliation_lines_it_answers_so_they_are_not_paid_twice(
    disputed, supplier, finance, finance_checker, now
):
    from settlement.services.adjustments import approve_adjustment, propose_adjustment

    claim = ReconciliationLine.objects.get(category=Category.MISSING_IN_OURS)
    dispute = propose_adjustment(supplier=supplier, kind="dispute", amount="180.00", reason="补计 1 盒", statement=disputed,
                                 actor=finance, now=now, reconciliation_lines=[claim.pk])
    approve_adjustment(adjustment=dispute, actor=finance_checker, now=now)
    claim.refresh_from_db()

    assert (claim.resolution, claim.adjustment, claim.open) == (Resolution.ACCEPT_THEIRS, dispute, False)
    assert claim.note_text == f"由异议调整 {dispute.number} 处理"
    with translation.override("en"):
        assert claim.note_label == f"Answered by dispute adjustment {dispute.number}"
    with pytest.raises(Conflict):
        resolve_line(line=claim, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)
    assert list(Adjustment.objects.all()) == [dispute]


def test_a_dispute_adjustment_pays_exactly_the_differences_of_the_lines_it_answers(disputed, supplier, finance, now):
    """The lines are resolved by accepting the supplier's figures: an amount other than their differences is refused,
    naming the total it must be, and resolves nothing."""
    from settlement.services.adjustments import propose_adjustment

    claim = ReconciliationLine.objects.get(category=Category.MISSING_IN_OURS)
    for amount in ("100.00", "-180.00", "360.00"):
        with pytest.raises(ValidationFailed) as refused:
            propose_adjustment(supplier=supplier, kind="dispute", amount=amount, reason="补计 1 盒", statement=disputed,
                               actor=finance, now=now, reconciliation_lines=[claim.pk])
        assert refused.value.field == "amount" and "¥180.00" in str(refused.value)
    claim.refresh_from_db()
    assert claim.open and not Adjustment.objects.exists()

    settled = propose_adjustment(supplier=supplier, kind="dispute", amount="¥180", reason="补计 1 盒", statement=disputed,
                                 actor=finance, now=now, reconciliation_lines=[claim.pk])

    assert settled.amount == Decimal("180.00") and ReconciliationLine.objects.get(pk=claim.pk).adjustment == settled


def test_a_dispute_adjustment_names_only_open_adjustable_lines_of_its_own_statement(disputed, reconciliation, supplier, finance, now):
    from settlement.services.adjustments import propose_adjustment

    claim = ReconciliationLine.objects.get(reconciliation__statement=disputed, category=Category.MISSING_IN_OURS)
    matched = ReconciliationLine.objects.get(reconciliation__statement=disputed, category=Category.MATCHED)
    elsewhere = line_in(reconciliation, Category.MISSING_IN_OURS)  # September's
    for lines, statement, field in (([claim.pk], None, "reconciliation_lines"), ([matched.pk], disputed, "reconciliation_lines"),
                                    ([elsewhere.pk], disputed, "reconciliation_lines")):
        with pytest.raises(ValidationFailed) as refused:
            propose_adjustment(supplier=supplier, kind="other", amount="180.00", reason="补计", statement=statement, actor=finance,
                               now=now, reconciliation_lines=lines)
        assert refused.value.field == field
    assert not Adjustment.objects.exists()
    claim.refresh_from_db()
    assert claim.open


def test_the_maker_withdraws_a_pending_proposal_with_a_reason_and_its_line_is_open_again(reconciliation, finance, finance_checker, now):
    from core.errors import InvalidTransition
    from core.fsm import history_of
    from settlement.services.adjustments import approve_adjustment, withdraw_adjustment

    line = resolve_line(line=line_in(reconciliation, Category.MISSING_IN_OURS), resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)
    with pytest.raises(PermissionDenied):
        withdraw_adjustment(adjustment=line.adjustment, actor=finance_checker, now=now, reason="不是我的")
    with pytest.raises(ValidationFailed):
        withdraw_adjustment(adjustment=line.adjustment, actor=finance, now=now, reason=" ")
    withdrawn = withdraw_adjustment(adjustment=line.adjustment, actor=finance, now=now, reason="金额算错，重新提交")
    line.refresh_from_db()

    assert withdrawn.state == Adjustment.State.WITHDRAWN and line.open
    assert [(log.transition, log.actor, log.reason) for log in history_of(withdrawn)] == [
        ("create", finance, ""), ("withdraw", finance, "金额算错，重新提交")]
    assert line.pk in [row.pk for row in reconciliation_lines(reconciliation=reconciliation, unresolved=True)]
    again = resolve_line(line=line, resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)  # no longer answered
    approve_adjustment(adjustment=again.adjustment, actor=finance_checker, now=now)
    with pytest.raises(InvalidTransition):
        withdraw_adjustment(adjustment=again.adjustment, actor=finance, now=now, reason="晚了")


def test_finance_s_badge_counts_open_lines_of_reconciliations_not_superseded(reconciliation, statement, supplier_admin, finance, now):
    from settlement.services.reconciliation import lines_to_resolve

    before = lines_to_resolve(finance)
    resolve_line(line=line_in(reconciliation, Category.DUPLICATE), resolution=Resolution.WRITE_OFF, actor=finance, now=now, note="核对无误")
    resolved = lines_to_resolve(finance)
    upload(statement, supplier_admin, now, csv_bytes(SUPPLIER_ROWS[:1]))  # supersedes: only the new file's lines count

    assert (before, resolved, lines_to_resolve(finance), lines_to_resolve(supplier_admin)) == (6, 5, 4, 0)
    Statement.objects.filter(pk=statement.pk).update(version=F("version") + 1)  # reissued: nothing left to resolve here
    assert lines_to_resolve(finance) == 0


def test_the_adjustment_reason_names_the_line_kind_by_its_label(reconciliation, finance, now):
    line = resolve_line(line=line_in(reconciliation, Category.QUANTITY_MISMATCH), resolution=Resolution.CARRY_FORWARD, actor=finance, now=now)

    assert "RO-2 SKU-A 配送" in line.adjustment.reason and "delivery" not in line.adjustment.reason


def test_amounts_with_a_currency_mark_are_read_and_a_bad_amount_says_the_format_and_its_row(statement, supplier_admin, now):
    found = upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", "2", "￥360.00"], ["RO-2", "SKU-A", "配送", "1", "¥180.00"],
                                                              ["RO-3", "SKU-B", "配送", "1", "99.00元"]]))
    with pytest.raises(TableRejected) as rejected:
        upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "配送", "2", "三百六十元"]]))

    assert found.summary["matched"]["count"] == 3
    assert [(p.row, p.column, p.detail) for p in rejected.value.problems] == [(2, "amount", "第2行：金额格式不正确，应为数字，最多两位小数，如 -180.00")]


def test_a_missing_column_is_named_by_its_heading(statement, supplier_admin, now):
    with pytest.raises(TableRejected) as rejected:
        upload(statement, supplier_admin, now, csv_bytes([["RO-1", "SKU-A", "2", "360.00"]], header=["订单号", "SKU", "数量", "金额"]))

    assert [p.detail for p in rejected.value.problems] == ["缺少列「类型」"]


# --- who may be adjusted ---------------------------------------------------------------------------------------------

def test_an_applicant_without_a_contract_or_statement_is_not_adjusted_nor_a_dispute_without_a_statement(supplier, finance, now):
    from settlement.services.adjustments import propose_adjustment
    from tests.factories import ApplicantFactory

    with pytest.raises(ValidationFailed) as applicant:
        propose_adjustment(supplier=ApplicantFactory(), kind="compensation", amount="10.00", reason="补偿", actor=finance, now=now)
    with pytest.raises(ValidationFailed) as dispute:
        propose_adjustment(supplier=supplier, kind="dispute", amount="10.00", reason="异议", actor=finance, now=now)

    assert (applicant.value.field, dispute.value.field) == ("supplier", "kind") and not Adjustment.objects.exists()
    with_statement = ApplicantFactory()
    statement_of(with_statement, date(2026, 9, 1), now)
    assert propose_adjustment(supplier=with_statement, kind="other", amount="1", reason="x", actor=finance, now=now).amount == Decimal("1.00")


def test_the_reissue_warning_and_finance_s_badge_count_the_same_open_lines_through_a_line_s_life(
    reconciliation, statement, finance, finance_checker, now,
):
    from settlement.services.adjustments import reject_adjustment
    from settlement.services.reconciliation import left_open, lines_to_resolve

    def counts() -> tuple[int, int, int]:
        """(the reissue warning's open lines, the badge, the lines saying they are open)"""
        warned = sum(shown.open_lines for shown in left_open(statement))
        return warned, lines_to_resolve(finance), sum(line.open for line in ReconciliationLine.objects.filter(reconciliation=reconciliation))

    line = line_in(reconciliation, Category.MISSING_IN_OURS)
    seen = [counts()]
    line = resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=now)  # proposed: answered
    seen.append(counts())
    reject_adjustment(adjustment=line.adjustment, actor=finance_checker, now=now, note="对方未提供签收单")  # open again
    seen.append(counts())
    resolve_line(line=line, resolution=Resolution.WRITE_OFF, actor=finance, now=now, note="核对无误")
    seen.append(counts())

    assert all(warned == badge == said for warned, badge, said in seen)
    assert [said for _warned, _badge, said in seen] == [seen[0][2], seen[0][2] - 1, seen[0][2], seen[0][2] - 1]
