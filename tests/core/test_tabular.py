"""Reading uploaded tables: a workbook's own row and column numbers cannot make the reader fill millions of empty cells."""
import io
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from core import tabular
from core.tabular import MAX_COLUMNS, TableRejected, TableSpec, read_table
from core.validators import whole_number
from tests.workbooks import cell, entity_bomb, row, workbook

SPEC = TableSpec(keys=("phone", "points"), max_rows=10)
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c><c r="B1" t="inlineStr"><is><t>points</t></is></c></row>'


def refusal(content: bytes) -> list[tuple[str, str, str]]:
    with pytest.raises(TableRejected) as rejected:
        read_table(file_name="upload.xlsx", content=content, spec=SPEC)
    return rejected.value.errors


FIRST_ROW = row(2, cell("A2", "13800000000"), cell("B2", "5"))


@pytest.fixture
def reads(monkeypatch):
    """How much of a workbook was read: the sheet rows the scan parsed, and the rows and cells openpyxl filled in.

    "Refused at once" means refused after a few of these, whatever the row and column numbers in the file say."""
    count = {"scanned_rows": 0, "filled_rows": 0, "filled_cells": 0}
    row_values, cells_by_row = tabular._row_values, ReadOnlyWorksheet._cells_by_row

    def counted_row_values(*args, **kwargs):
        count["scanned_rows"] += 1
        return row_values(*args, **kwargs)

    def counted_cells_by_row(self, *args, **kwargs):
        for values in cells_by_row(self, *args, **kwargs):
            count["filled_rows"] += 1
            count["filled_cells"] += len(values)
            yield values

    monkeypatch.setattr(tabular, "_row_values", counted_row_values)
    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted_cells_by_row)
    return count


@pytest.mark.parametrize(
    "content",
    [
        workbook(HEADER, FIRST_ROW, row(2_000_000, cell("A2000000", "13800000001"))),
        workbook(HEADER, row(2, cell("A2", "13800000000"), cell("B2", "45000", ' s="1"')), row(2_000_000, cell("A2000000", "x")),
                 dates=True),
        workbook(HEADER, FIRST_ROW, row(2_000_000, cell("A2000000", "x")), sheets=2),
    ],
    ids=["plain", "with-a-date-cell", "two-sheets"],
)
def test_a_tiny_workbook_with_a_value_far_below_the_row_limit_is_refused_at_once(content, reads):
    errors = refusal(content)

    assert len(content) < 2000
    assert reads == {"scanned_rows": 3, "filled_rows": 0, "filled_cells": 0}  # the header, row 2 and the far row
    assert [(attr, code) for attr, code, _ in errors] == [("file", "too_many_rows")]
    assert "2000000" in errors[0][2]


@pytest.mark.parametrize("dates", [False, True], ids=["plain", "with-a-date-cell"])
@pytest.mark.parametrize("header", [HEADER, row(1, cell("A1", "手机"), cell("B1", "备注"))], ids=["header", "wrong-header"])
def test_a_workbook_with_many_more_rows_than_the_limit_is_refused_at_the_first_row_beyond_it(dates, header, reads):
    content = workbook(header, *(row(n, cell(f"A{n}", str(13800000000 + n)), cell(f"B{n}", "5", ' s="1"' * dates))
                                 for n in range(2, 100_002)), dates=dates)

    errors = refusal(content)

    assert reads == {"scanned_rows": SPEC.max_rows + 2, "filled_rows": 0, "filled_cells": 0}  # not the 100 001 rows
    assert [(attr, code) for attr, code, _ in errors] == [("file", "too_many_rows")]
    assert f"第 {SPEC.max_rows + 2} 行" in errors[0][2]


@pytest.mark.parametrize("reference", ["BM2", "XFD2", "ZZZZZZ2", "A" * 1000 + "2"], ids=["BM", "XFD", "ZZZZZZ", "1000-letters"])
def test_a_value_beyond_the_column_limit_is_refused_at_once(reference, reads):
    errors = refusal(workbook(HEADER, row(2, cell("A2", "13800000000"), cell(reference, "5")), row(3, cell("A3", "x"))))

    assert [(attr, code) for attr, code, _ in errors] == [("file", "too_many_columns")]
    assert str(MAX_COLUMNS) in errors[0][2]
    assert reads == {"scanned_rows": 2, "filled_rows": 0, "filled_cells": 0}


def test_a_csv_value_beyond_the_column_limit_is_refused_naming_its_row_and_empty_columns_beyond_it_are_not():
    wide = ",".join(["phone", "points", *[""] * (MAX_COLUMNS - 2), "note"])
    padded = ",".join(["phone", "points", *[""] * (MAX_COLUMNS * 2)])

    with pytest.raises(TableRejected) as rejected:
        read_table(file_name="upload.csv", content=f"{wide}\n13800000000,5\n".encode(), spec=SPEC)

    assert [(attr, code) for attr, code, _ in rejected.value.errors] == [("file", "too_many_columns")]
    assert "第 1 行" in rejected.value.errors[0][2] and str(MAX_COLUMNS) in rejected.value.errors[0][2]
    assert read_table(file_name="upload.csv", content=f"{padded}\n13800000000,5\n".encode(), spec=SPEC) == \
        [(2, {"phone": "13800000000", "points": "5"})]


@pytest.mark.parametrize("text", ["明前龙井礼盒", "前礼盒", "𠀀礼盒", "新版本", "扣款建"])  # 前 in GBK (C7 B0) is "ǰ" in UTF-8;
# 新版本 and 扣款建 in GBK are two UTF-8 characters and a stray byte
def test_a_gbk_csv_whose_bytes_happen_to_hold_utf8_characters_is_still_read_as_gbk(text):
    content = f"phone,points\n13800000000,{text}\n".encode("gb18030")

    rows = read_table(file_name="upload.csv", content=content, spec=SPEC)

    assert rows == [(2, {"phone": "13800000000", "points": text})]


def test_values_up_to_the_last_row_and_column_are_read_and_empty_formatted_rows_below_are_not_in_the_way():
    last = SPEC.max_rows + 1
    content = workbook(
        HEADER, FIRST_ROW, row(last, cell(f"A{last}", "13800000001"), cell(f"B{last}", "7"), cell(f"BL{last}", "note")),
        row(90_000_000, '<c r="XFD90000000" s="1"/>', attributes=' s="1" customFormat="1"'),
    )

    rows = read_table(file_name="upload.xlsx", content=content, spec=SPEC)

    assert rows == [(2, {"phone": "13800000000", "points": "5"}), (last, {"phone": "13800000001", "points": "7"})]


@pytest.mark.parametrize("sheets", [1, 2], ids=["plain", "two-sheets"])
def test_a_sheet_declaring_an_entity_is_refused_as_unreadable_before_the_entity_is_expanded(sheets, reads):
    doctype, references = entity_bomb(400_000)  # 100 MB once expanded
    content = workbook(HEADER, row(2, cell("A2", references), cell("B2", "5")), doctype=doctype, sheets=sheets)

    errors = refusal(content)

    assert len(content) < 10_000
    assert [(attr, code) for attr, code, _ in errors] == [("file", "unreadable")]
    assert reads == {"scanned_rows": 0, "filled_rows": 0, "filled_cells": 0}  # refused at the declaration, before row 1


def test_an_entity_in_a_part_only_openpyxl_reads_is_refused_as_unreadable():
    doctype, references = entity_bomb(3)
    properties = f'{doctype}<coreProperties xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">' \
                 f"<title>{references}</title></coreProperties>"
    content = workbook(HEADER, FIRST_ROW, sheets=2, extra_parts={"docProps/core.xml": properties})

    errors = refusal(content)

    assert openpyxl.DEFUSEDXML
    assert [(attr, code) for attr, code, _ in errors] == [("file", "unreadable")]
    assert read_table(file_name="upload.xlsx", content=workbook(HEADER, FIRST_ROW, sheets=2), spec=SPEC) == \
        [(2, {"phone": "13800000000", "points": "5"})]


def test_a_workbook_with_a_date_cell_still_reads_its_rows_through_openpyxl():
    content = workbook(HEADER, row(3, cell("A3", "13800000000"), cell("B3", "45000", ' s="1"')), dates=True)

    rows = read_table(file_name="upload.xlsx", content=content, spec=SPEC)

    assert rows == [(3, {"phone": "13800000000", "points": "2023-03-15 00:00:00"})]


@pytest.mark.parametrize(
    ("text", "number"),
    [("42", 42), (" 042 ", 42), ("0", 0), ("100", 100), ("101", None), ("1000", None), ("²", None), ("٣", None),
     ("３", None), ("1_0", None), ("+5", None), ("4.0", None), ("", None), ("1" * 5000, None)],
)
def test_a_whole_number_cell_is_ascii_digits_up_to_its_limit(text, number):
    assert whole_number(text, limit=100) == number


def test_a_workbook_that_would_unpack_beyond_the_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 4096)
    padded = workbook(HEADER, FIRST_ROW, " " * 8192)  # compresses to a few bytes, unpacks to twice the limit

    errors = refusal(padded)

    assert [(field, code) for field, code, _detail in errors] == [("file", "too_large")]
    assert read_table(file_name="upload.xlsx", content=workbook(HEADER, FIRST_ROW), spec=SPEC) == [(2, {"phone": "13800000000", "points": "5"})]


def test_a_missing_or_repeated_column_is_named_by_its_heading_not_its_internal_key():
    spec = TableSpec(keys=("phone", "points", "sku"), aliases={"phone": "phone", "手机号": "phone", "积分": "points", "SKU": "sku"},
                     headings={"sku": "SKU"})

    with pytest.raises(TableRejected) as missing:
        read_table(file_name="x.csv", content="手机号\n13800138000\n".encode(), spec=spec)
    with pytest.raises(TableRejected) as repeated:
        read_table(file_name="x.csv", content="phone,手机号,积分,SKU\n1,1,1,1\n".encode(), spec=spec)

    assert [p.detail for p in missing.value.problems] == ["缺少列「积分」", "缺少列「SKU」"]
    assert [p.detail for p in repeated.value.problems] == ["列「手机号」重复"]


@pytest.mark.parametrize(("file_name", "refused"), [
    ("points.pdf", True), ("points.xls", True), ("points.txt", True), ("points.CSV", False), ("points", False),
])
def test_a_file_named_as_another_type_is_refused_and_one_named_without_a_type_is_read_by_its_content(file_name, refused):
    content = b"phone,points\r\n13800000000,5\r\n"

    if refused:
        with pytest.raises(TableRejected) as rejected:
            read_table(file_name=file_name, content=content, spec=SPEC)
        assert [(attr, code) for attr, code, _ in rejected.value.errors] == [("file", "wrong_type")]
    else:
        assert read_table(file_name=file_name, content=content, spec=SPEC) == [(2, {"phone": "13800000000", "points": "5"})]


def test_an_xlsx_amount_is_a_number_shown_with_two_places_and_text_stays_text():
    content = tabular.write_table(headers=["单号", "金额"], rows=[["=1+1", Decimal("500.00")], ["RO-2", Decimal("-12.50")]],
                                  file_format="xlsx", title="对账")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active

    assert sheet.title == "对账"
    assert [[c.value for c in r] for r in sheet.iter_rows()] == [["单号", "金额"], ["'=1+1", 500], ["RO-2", -12.5]]
    assert [sheet.cell(row=n, column=2).number_format for n in (2, 3)] == ["0.00", "0.00"]


def test_a_control_character_in_a_stored_text_does_not_stop_an_xlsx_download_and_the_csv_keeps_it():
    rows = [["茶具\x07礼盒", Decimal("1.00")]]

    sheet = openpyxl.load_workbook(io.BytesIO(tabular.write_table(headers=["礼品", "金额"], rows=rows, file_format="xlsx"))).active
    csv_text = tabular.write_table(headers=["礼品", "金额"], rows=rows, file_format="csv").decode("utf-8-sig")

    assert sheet.cell(row=2, column=1).value == "茶具\ufffd礼盒"
    assert "茶具\x07礼盒" in csv_text


@pytest.mark.parametrize("plain", [False, True], ids=["openpyxl", "plain"])
def test_a_stored_text_with_a_character_xml_cannot_carry_downloads_as_an_xlsx_that_reads_back(plain):
    headers, rows = ["礼品", "说明"], [["茶\uffff礼盒\ufffe", "一\x01二"], ["TEA-2", "好"]]

    content = tabular.table_file(headers=headers, rows=rows, file_format="xlsx", name="gifts", plain=plain).content

    assert read_table(file_name="gifts.xlsx", content=content, spec=TableSpec(keys=tuple(headers))) == [
        (2, {"礼品": "茶\ufffd礼盒\ufffd", "说明": "一\ufffd二"}), (3, {"礼品": "TEA-2", "说明": "好"}),
    ]
    assert openpyxl.load_workbook(io.BytesIO(content)).active.cell(row=2, column=1).value == "茶\ufffd礼盒\ufffd"


def test_a_plain_xlsx_titled_with_a_double_quote_keeps_its_title_and_cells():
    content = tabular.table_file(headers=["说明"], rows=[['他说"好"']], file_format="xlsx", name="notes", title='费用 "杂项"',
                                 plain=True).content

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active

    assert sheet.title == '费用 "杂项"'
    assert sheet.cell(row=2, column=1).value == '他说"好"'


def test_a_list_downloads_plain_xlsx_reads_as_the_xlsx_openpyxl_writes_cell_for_cell():
    headers = ["单号", "金额", "数量", "说明"]
    rows = [["=1+1", Decimal("500.00"), 3, "A & B <仓储>\x07  "], ["RO-2", Decimal("-12.50"), None, "一行\n两行\t"],
            ["@cmd", Decimal("0.00"), True, ""], ["RO-3", None, 2.5, "'=quoted"]]

    def cells(content: bytes):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return sheet.title, [[(c.value, c.number_format, c.data_type) for c in r] for r in sheet.iter_rows()]

    plain = tabular.table_file(headers=headers, rows=iter(rows), file_format="xlsx", name="costs", title="费用 & 杂项", plain=True)
    written = tabular.write_table(headers=headers, rows=rows, file_format="xlsx", title="费用 & 杂项")

    assert plain.filename == "costs.xlsx" and cells(plain.content) == cells(written)
    assert cells(plain.content)[1][1][:2] == [("'=1+1", "General", "s"), (500, "0.00", "n")]
    assert read_table(file_name="x.xlsx", content=plain.content, spec=TableSpec(keys=tuple(headers))) == \
        read_table(file_name="x.xlsx", content=written, spec=TableSpec(keys=tuple(headers)))


def _formulas_never_calculated(*, dates: bool) -> bytes:
    """A workbook written by a script (openpyxl), its formulas stored without a result as no spreadsheet calculated
    them (`<v/>`): =1+1 in the points column, a formula of text in the phone column. `dates`: one cell formatted as a
    date, which has the workbook read by openpyxl rather than the plain reader."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["phone", "points"])
    sheet.append(["13800000000", "=1+1"])
    sheet.append(['="138"&"00000001"', 7])
    if dates:
        sheet["C4"] = 45000
        sheet["C4"].number_format = "yyyy-mm-dd"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize("dates", [False, True], ids=["plain", "with-a-date-cell"])
def test_a_formula_with_no_stored_result_is_read_as_an_empty_cell_of_its_row(dates):
    rows = read_table(file_name="upload.xlsx", content=_formulas_never_calculated(dates=dates), spec=SPEC)

    assert [(number, values["phone"], values["points"]) for number, values in rows[:2]] == [(2, "13800000000", ""), (3, "", "7")]



def test_a_csv_row_longer_than_the_header_is_refused_naming_its_row_and_both_counts():
    content = "phone,points\n13800000000,5\n\n13800000001,6,note\n13800000002,7,8,9\n".encode()

    with pytest.raises(TableRejected) as rejected:
        read_table(file_name="upload.csv", content=content, spec=SPEC)

    # the first such row, numbered as the rows read are (the blank line left out, as the row read after it is numbered)
    assert rejected.value.errors == [("file", "unreadable", "第 3 行有 3 列，比表头的 2 列多")]
    assert read_table(file_name="upload.csv", content=b"phone,points\n13800000000,5\n\n13800000001,6\n", spec=SPEC)[-1][0] == 3
