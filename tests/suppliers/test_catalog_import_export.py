"""Catalog import and export: columns, encodings, per-row errors with nothing written, neutralised formulas, round trips."""
import csv
import io
from dataclasses import replace

import openpyxl
import pytest
import tablib

from core.fsm import apply_transition
from suppliers.models import Gift, GiftPrice, GiftRevision
from suppliers.services import catalog_io
from suppliers.services.catalog_io import KEYS, ImportRejected, export_catalog, import_catalog
from tests.factories import CategoryFactory, GiftFactory, SupplierFactory
from tests.suppliers.builders import ROW, csv_bytes
from tests.helpers import published

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]

def xlsx_bytes(*rows: list) -> bytes:
    return tablib.Dataset(*rows, headers=KEYS).export("xlsx")


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory(code="tea")


@pytest.fixture
def run(supplier, supplier_staff, now):
    """run(content, name=...) → the import summary for the supplier, as its staff user."""

    def run_import(content: bytes, name: str = "gifts.csv", into=supplier):
        return import_catalog(supplier=into, actor=supplier_staff, now=now, file_name=name, content=content)

    return run_import


def rejected(run, content: bytes, name: str = "gifts.csv") -> list[tuple[str, str]]:
    with pytest.raises(ImportRejected) as raised:
        run(content, name)
    return [(attr, code) for attr, code, _ in raised.value.errors]


def catalog_state() -> list:
    gifts = Gift.objects.order_by("pk").values_list(
        "supplier", "sku", "name", "description", "category", "images", "specification", "warranty_text", "market_price",
        "settlement_price", "fulfilment", "min_tier", "tier_discounts", "state",
    )
    prices = GiftPrice.objects.order_by("pk").values_list("gift", "program__code", "points_price")
    return [list(gifts), list(prices), GiftRevision.objects.count()]


def test_a_new_sku_becomes_a_draft_with_its_prices_discounts_fulfilment_and_images(run, supplier):
    summary = run(csv_bytes(ROW))

    gift = Gift.objects.get(supplier=supplier, sku="TEA-001")
    assert (summary.created, summary.updated, summary.revisions, summary.unchanged) == (1, 0, 0, 0)
    assert (gift.state, gift.name, gift.category.code, str(gift.settlement_price)) == ("draft", "明前龙井礼盒", "tea", "180.00")
    assert (gift.fulfilment, gift.min_tier, gift.tier_discounts) == ("dropship", "silver", {"gold": 5, "diamond": 10})
    assert gift.images == ["gifts/tea.jpg", "gifts/tea-box.jpg"]
    assert dict(gift.prices.values_list("program__code", "points_price")) == {"gotone": 1500, "mzone": 1200}


def test_an_existing_draft_is_changed_in_place(run, supplier):
    gift = GiftFactory(supplier=supplier, sku="TEA-001")

    summary = run(csv_bytes(ROW | {"settlement_price": "175.50", "points_mzone": ""}))

    gift.refresh_from_db()
    assert (summary.updated, summary.created, GiftRevision.objects.count()) == (1, 0, 0)
    assert str(gift.settlement_price) == "175.50"
    assert list(gift.prices.values_list("program__code", flat=True)) == ["gotone"]


def test_the_optional_columns_may_be_left_out_new_gifts_take_defaults_existing_ones_keep_theirs(run, supplier):
    kept = GiftFactory(supplier=supplier, sku="TEA-002", description="旧描述", min_tier="gold")
    required = [k for k in KEYS if k not in catalog_io.OPTIONAL]

    summary = run(csv_bytes(ROW, ROW | {"sku": "TEA-002", "name": "新名称"}, columns=required))

    new = Gift.objects.get(sku="TEA-001")
    kept.refresh_from_db()
    assert (summary.created, summary.updated) == (1, 1)
    assert (new.description, new.fulfilment, new.min_tier, new.tier_discounts) == ("", "warehouse", "standard", {})
    assert (kept.name, kept.description, kept.min_tier) == ("新名称", "旧描述", "gold")


def test_a_change_to_a_listed_gift_becomes_a_revision_holding_only_the_changed_fields(run, supplier, operator, now):
    gift = published(GiftFactory(supplier=supplier, sku="TEA-001"), actor=operator, at=now)
    row = catalog_row(gift) | {"settlement_price": "200.00"}

    summary = run(csv_bytes(row))

    gift.refresh_from_db()
    assert (summary.revisions, summary.updated) == (1, 0)
    assert GiftRevision.objects.get(gift=gift).changes == {"settlement_price": "200.00"}
    assert (gift.state, str(gift.settlement_price)) == ("online", "180.00")


def test_uploading_the_same_change_again_while_its_revision_waits_changes_nothing(run, supplier, operator, now):
    gift = published(GiftFactory(supplier=supplier, sku="TEA-001"), actor=operator, at=now)
    content = csv_bytes(catalog_row(gift) | {"settlement_price": "200.00"})
    run(content)

    summary = run(content)

    assert (summary.unchanged, summary.revisions) == (1, 0)
    assert GiftRevision.objects.filter(gift=gift).count() == 1


def test_another_change_while_a_revision_waits_is_refused_on_its_row(run, supplier, operator, now):
    gift = published(GiftFactory(supplier=supplier, sku="TEA-001"), actor=operator, at=now)
    run(csv_bytes(catalog_row(gift) | {"settlement_price": "200.00"}))

    errors = rejected(run, csv_bytes(catalog_row(gift) | {"settlement_price": "210.00"}))

    assert errors == [("rows.2.sku", "revision_pending")]
    assert GiftRevision.objects.get(gift=gift).changes == {"settlement_price": "200.00"}


def catalog_row(gift) -> dict:
    """The gift as the export writes it."""
    content = export_catalog(supplier=gift.supplier, file_format="csv", now=gift.created_at).content.decode("utf-8-sig")
    return next(row for row in csv.DictReader(io.StringIO(content)) if row["sku"] == gift.sku)


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("settlement_price", "一百", "invalid"),
        ("settlement_price", "-1.00", "invalid"),
        ("market_price", "12.345", "invalid"),
        ("market_price", "123456789012", "invalid"),
        ("settlement_price", "NaN", "invalid"),
        ("settlement_price", "１８０", "invalid"),
        ("market_price", "٣٠٠", "invalid"),
        ("market_price", "1e999999999999999999", "invalid"),
        ("points_gotone", "15.5", "invalid"),
        ("points_mzone", "0", "invalid"),
        ("points_gotone", "1٥00", "invalid"),
        pytest.param("points_gotone", "1" * 5000, "invalid", id="points_gotone-5000-digits"),
        ("points_mzone", str(2**31), "invalid"),
        ("category", "no-such-category", "invalid"),
        ("min_tier", "platinum", "invalid"),
        ("tier_discounts", "platinum:5", "invalid"),
        ("tier_discounts", "gold5", "invalid"),
        ("tier_discounts", "gold:٥", "invalid"),
        ("tier_discounts", "gold:1_0", "invalid"),
        pytest.param("tier_discounts", "gold:7.5", "invalid", id="tier_discounts-not-whole"),
        pytest.param("tier_discounts", "gold:" + "1" * 5000, "invalid", id="tier_discounts-5000-digits"),
        ("fulfilment", "pigeon", "invalid"),
        pytest.param("images", "|".join(f"https://cdn.example.com/{n}.jpg" for n in range(11)), "invalid", id="images-11"),
        ("name", "", "required"),
        ("sku", "X" * 61, "invalid"),
    ],
)
def test_a_bad_cell_is_reported_by_row_and_column_and_nothing_is_written(run, supplier, column, value, code):
    GiftFactory(supplier=supplier, sku="TEA-000")
    before = catalog_state()

    errors = rejected(run, csv_bytes(ROW | {"sku": "TEA-000", "name": "改名"}, ROW | {column: value}))

    assert errors == [(f"rows.3.{column}", code)]
    assert catalog_state() == before


def test_a_row_without_any_points_price_is_refused(run):
    errors = rejected(run, csv_bytes(ROW | {"points_gotone": "", "points_mzone": ""}))

    assert errors == [("rows.2.points_gotone", "invalid")]
    assert Gift.objects.count() == 0


def test_a_sku_twice_in_the_file_is_reported_on_its_second_row_and_nothing_is_written(run):
    errors = rejected(run, csv_bytes(ROW, ROW | {"sku": "TEA-002"}, ROW | {"name": "重复"}))

    assert errors == [("rows.4.sku", "duplicate")]
    assert Gift.objects.count() == 0


def test_every_problem_is_reported_at_once_including_the_services_refusals(run, supplier, operator, now):
    in_review = GiftFactory(supplier=supplier, sku="TEA-009")
    apply_transition(in_review, "submit", actor=operator, at=now)
    before = catalog_state()

    errors = rejected(run, csv_bytes(ROW | {"market_price": "abc", "points_gotone": "x"}, ROW | {"sku": "TEA-009"}))

    assert errors == [("rows.2.market_price", "invalid"), ("rows.2.points_gotone", "invalid"), ("rows.3.sku", "invalid_transition")]
    assert catalog_state() == before


@pytest.mark.parametrize(
    ("content", "name", "codes"),
    [
        (b"", "gifts.csv", ["empty_file"]),
        (b"\xef\xbb\xbf\r\n", "gifts.csv", ["empty_file"]),
        (",".join(KEYS).encode() + b"\r\n", "gifts.csv", ["no_rows"]),
        (csv_bytes(ROW, header=[("settlment_price" if k == "settlement_price" else k) for k in KEYS]), "gifts.csv",
         ["unknown_column", "missing_column"]),
        (csv_bytes(ROW, columns=[k for k in KEYS if k != "points_mzone"]), "gifts.csv", ["missing_column"]),
        (csv_bytes(ROW, columns=[*KEYS, "points_mzone"]), "gifts.csv", ["duplicate_column"]),
        (csv_bytes(ROW) + b"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o\r\n", "gifts.csv", ["unreadable"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "gifts.csv", ["unreadable"]),
        (b"\xff\xfe\xfd\x80\x80", "gifts.csv", ["unreadable"]),
        (b"PK\x03\x04 not really a workbook", "gifts.xlsx", ["unreadable"]),
        (csv_bytes(ROW), "gifts.xlsx", ["unreadable"]),
    ],
    ids=["empty", "bom-only", "header-only", "misspelt-header", "missing-column", "repeated-column", "long-row", "png",
         "undecodable", "bad-zip", "csv-named-xlsx"],
)
def test_a_file_that_cannot_be_read_as_a_catalog_is_refused_as_a_whole(run, supplier, content, name, codes):
    GiftFactory(supplier=supplier, sku="TEA-001")
    before = catalog_state()

    errors = rejected(run, content, name)

    assert sorted({code for _, code in errors}) == sorted(codes)
    assert {attr for attr, _ in errors} == {"file"}
    assert catalog_state() == before


def test_a_missing_column_is_named_as_a_file_headed_in_english_or_in_chinese_names_it(run, supplier):
    english = csv_bytes(ROW, columns=[k for k in KEYS if k != "points_mzone"])
    chinese = csv_bytes(ROW, columns=[k for k in KEYS if k != "points_mzone"],
                        header=[label for key, label, _ in catalog_io.COLUMNS if key != "points_mzone"])

    with pytest.raises(ImportRejected) as in_english:
        run(english)
    with pytest.raises(ImportRejected) as in_chinese:
        run(chinese)

    assert [p.detail for p in in_english.value.problems] == ["缺少列「points_mzone」"]
    assert [p.detail for p in in_chinese.value.problems] == ["缺少列「动感地带积分」"]
    assert not Gift.objects.filter(supplier=supplier).exists()


def test_a_file_over_the_size_limit_is_refused(run, monkeypatch):
    monkeypatch.setattr(catalog_io, "SPEC", replace(catalog_io.SPEC, max_bytes=100))

    errors = rejected(run, csv_bytes(ROW))

    assert errors == [("file", "too_large")]


def test_a_file_with_more_rows_than_one_import_takes_is_refused(run, monkeypatch):
    monkeypatch.setattr(catalog_io, "SPEC", replace(catalog_io.SPEC, max_rows=1))

    errors = rejected(run, csv_bytes(ROW, ROW | {"sku": "TEA-002"}))

    assert errors == [("file", "too_many_rows")]
    assert Gift.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_utf8_with_bom_or_gbk_keeps_its_chinese_text(run, encoding):
    run(csv_bytes(ROW, encoding=encoding))

    gift = Gift.objects.get()
    assert (gift.name, gift.warranty_text) == ("明前龙井礼盒", "质量问题15天包换")


def test_a_character_only_gb18030_can_encode_survives_the_import(run):
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")

    run(csv_bytes(ROW | {"name": "𠀀礼盒"}, encoding="gb18030"))

    assert Gift.objects.get().name == "𠀀礼盒"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["utf-8", "utf-8-with-bom"])
def test_a_utf8_file_with_a_byte_of_another_encoding_is_refused_naming_its_row_not_read_as_gbk(run, bom):
    latin1_row = ROW | {"sku": "TEA-002", "description": "Crème brûlée"}
    content = bom + csv_bytes(ROW, ROW | {"sku": "TEA-003"}, latin1_row).replace("è".encode(), b"\xe8").replace("û".encode(), b"\xfb")

    with pytest.raises(ImportRejected) as raised:
        run(content)

    assert [(attr, code) for attr, code, _ in raised.value.errors] == [("file", "unreadable")]
    assert "第 4 行" in raised.value.errors[0][2]
    assert Gift.objects.count() == 0


def test_an_xlsx_with_numeric_cells_is_imported_and_blank_rows_keep_the_row_numbers(run):
    good = [ROW[key] for key in KEYS[:7]] + [298, 180.5, "warehouse", "standard", "", 1500, None]
    bad = ["TEA-002", *good[1:8], -3, *good[9:]]

    errors = rejected(run, xlsx_bytes(good, [None] * len(KEYS), bad), "gifts.xlsx")
    summary = run(xlsx_bytes(good), "gifts.xlsx")

    gift = Gift.objects.get()
    assert errors == [("rows.4.settlement_price", "invalid")]
    assert summary.created == 1
    assert (str(gift.market_price), str(gift.settlement_price)) == ("298.00", "180.50")
    assert dict(gift.prices.values_list("program__code", "points_price")) == {"gotone": 1500}


def test_an_xlsx_whose_name_is_a_formula_never_calculated_is_refused_naming_the_row_and_the_name_column(run):
    book = openpyxl.Workbook()
    book.active.append(KEYS)
    book.active.append([ROW[key] for key in KEYS])
    book.active.append([(ROW | {"sku": "TEA-002", "name": "=1+1"})[key] for key in KEYS])  # as a script writes it: no result stored
    content = io.BytesIO()
    book.save(content)

    with pytest.raises(ImportRejected) as raised:
        run(content.getvalue(), "gifts.xlsx")

    assert [(attr, code) for attr, code, _ in raised.value.errors] == [("rows.3.name", "required")]  # not the file as a whole
    assert [(p.row, p.heading) for p in raised.value.problems] == [(3, "name")]  # the column as the file's header names it
    assert Gift.objects.count() == 0


def test_headers_may_be_the_chinese_labels(run):
    labels = [label for _, label, _ in catalog_io.COLUMNS]

    run(csv_bytes(ROW, header=labels, encoding="gbk"))

    assert Gift.objects.get().sku == "TEA-001"


@pytest.mark.parametrize("category", ["tea", "茶叶", "tea leaves", "Tea Leaves"])
def test_a_category_is_named_by_its_code_or_by_its_name_as_the_pages_show_it(run, tea, category):
    tea.name_en = "Tea leaves"
    tea.save()

    run(csv_bytes(ROW | {"category": category}))

    assert Gift.objects.get().category_id == tea.pk


def test_an_unknown_category_is_refused_on_its_cell_listing_the_codes_there_are(run):
    CategoryFactory(code="electronics", name="数码电子")

    with pytest.raises(ImportRejected) as raised:
        run(csv_bytes(ROW | {"category": "数码"}))

    [(attr, code, message)] = raised.value.errors
    assert (attr, code) == ("rows.2.category", "invalid")
    assert "「数码」" in message and "electronics（数码电子）、tea（茶叶）" in message
    assert not Gift.objects.exists()


def test_the_same_sku_of_another_supplier_is_neither_touched_nor_in_the_way(run, supplier):
    theirs = GiftFactory(supplier=SupplierFactory(), sku="TEA-001", name="他家的茶")

    summary = run(csv_bytes(ROW))

    theirs.refresh_from_db()
    assert summary.created == 1
    assert Gift.objects.get(supplier=supplier).sku == "TEA-001"
    assert (theirs.name, str(theirs.settlement_price)) == ("他家的茶", "180.00")


def test_the_export_holds_only_the_suppliers_own_gifts_with_a_bom_and_the_import_columns(supplier, now):
    GiftFactory(supplier=supplier, sku="TEA-001")
    GiftFactory(supplier=SupplierFactory(), sku="THEIRS")

    export = export_catalog(supplier=supplier, file_format="csv", now=now)

    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8"))))
    assert export.content.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ["\ufeff" + KEYS[0], *KEYS[1:]]
    assert [row[0] for row in rows[1:]] == ["TEA-001"]
    assert rows[1][7:9] == ["298.00", "180.00"] and rows[1][12:] == ["1500", "1200"]


FORMULAS = {"name": '=HYPERLINK("http://evil")', "description": "+1+1", "specification": "-2cm", "warranty_text": "@SUM(A1)",
            "sku": "\tSKU"}


def exported_rows(supplier, file_format: str, now) -> list[dict]:
    """The exported rows as a spreadsheet program reads them (and no XLSX cell is a formula)."""
    content = export_catalog(supplier=supplier, file_format=file_format, now=now).content
    if file_format == "csv":
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised_but_numbers_are_not(supplier, now, file_format):
    GiftFactory(supplier=supplier, images=["\tgifts/a.jpg"], **FORMULAS)
    GiftFactory(supplier=supplier, sku="'=already-quoted", name="'plain quote")

    first, second = exported_rows(supplier, file_format, now)

    assert {column: first[column] for column in FORMULAS} == {column: f"'{value}" for column, value in FORMULAS.items()}
    assert first["images"] == "'\tgifts/a.jpg"
    assert (second["sku"], second["name"]) == ("''=already-quoted", "'plain quote")
    assert str(first["settlement_price"]) in {"180.00", "180"} and str(first["points_gotone"]) == "1500"


def test_a_cell_beginning_with_a_carriage_return_is_neutralised(supplier, now):
    GiftFactory(supplier=supplier, warranty_text="\r保修一年")

    (row,) = exported_rows(supplier, "csv", now)

    assert row["warranty_text"] == "'\r保修一年"


@pytest.fixture
def varied_catalog(supplier, operator, now):
    """Gifts in several states with every column in use, formula-like text included."""
    GiftFactory(supplier=supplier, sku="A-DRAFT", fulfilment="dropship", min_tier="gold", images=["gifts/a.jpg", "gifts/b.jpg"],
                tier_discounts={"gold": 5, "diamond": 12}, description="第一行\r\n第二行, \"引号\"")
    GiftFactory(supplier=supplier, sku="B-MZONE", points={"mzone": 900}, name="=1+1", description="-",
                warranty_text="\r保修一年")
    published(GiftFactory(supplier=supplier, sku="C-ONLINE", points={"gotone": 2000}, name="𠀀 @礼"), actor=operator, at=now)
    GiftFactory(supplier=SupplierFactory(), sku="A-DRAFT", name="别家")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_importing_the_export_unchanged_changes_nothing(varied_catalog, supplier, run, now, file_format):
    before = catalog_state()
    export = export_catalog(supplier=supplier, file_format=file_format, now=now)

    summary = run(export.content, export.filename)

    assert (summary.unchanged, summary.created, summary.updated, summary.revisions) == (3, 0, 0, 0)
    assert catalog_state() == before


def test_an_edited_export_changes_only_the_edited_rows(varied_catalog, supplier, run, now):
    content = export_catalog(supplier=supplier, file_format="csv", now=now).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    rows[0]["points_mzone"] = "1300"
    rows[2]["tier_discounts"] = "diamond:3"

    summary = run(csv_bytes(*rows, encoding="utf-8-sig"))

    draft = Gift.objects.get(supplier=supplier, sku="A-DRAFT")
    assert (summary.updated, summary.revisions, summary.unchanged) == (1, 1, 1)
    assert draft.prices.get(program__code="mzone").points_price == 1300
    assert GiftRevision.objects.get().changes == {"tier_discounts": {"diamond": 3}}


def test_a_problem_names_its_column_as_the_files_header_does(run):
    labels = [label for _key, label, _ in catalog_io.COLUMNS]

    with pytest.raises(ImportRejected) as refused:
        run(csv_bytes(ROW | {"fulfilment": "pigeon"}, header=labels))

    (problem,) = refused.value.problems
    assert (problem.column, problem.heading) == ("fulfilment", labels[KEYS.index("fulfilment")])
