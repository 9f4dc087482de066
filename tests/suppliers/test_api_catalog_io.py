"""Catalog import and export over HTTP: the API routes, their roles and error shape, and the supplier portal page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suppliers.models import Gift
from tests.api_schema import served_schema
from tests.workbooks import cell, entity_bomb, row, workbook
from tests.factories import CategoryFactory, GiftFactory, SupplierFactory
from tests.suppliers.builders import ROW, csv_bytes
from tests.portal import logged_in

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/gift-imports/"
EXPORT_URL = "/api/v1/gift-export/"
PAGE_URL = "/supplier/catalog/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory(code="tea")


def upload(content: bytes, name: str = "gifts.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content)}


def post_file(client, content: bytes, name: str = "gifts.csv"):
    return client.post(IMPORT_URL, upload(content, name), format="multipart")


def test_a_supplier_user_imports_a_file_and_gets_the_counts(api, supplier_staff, supplier):
    GiftFactory(supplier=supplier, sku="TEA-000")

    response = post_file(api(supplier_staff), csv_bytes(ROW, ROW | {"sku": "TEA-000", "name": "新名字"}))

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 1, "revisions": 0, "unchanged": 0}
    assert sorted(Gift.objects.filter(supplier=supplier).values_list("sku", flat=True)) == ["TEA-000", "TEA-001"]


def test_a_bad_row_is_a_validation_error_naming_row_and_column_and_nothing_is_written(api, supplier_admin):
    response = post_file(api(supplier_admin), csv_bytes(ROW, ROW | {"sku": "TEA-002", "settlement_price": "-5"}))

    body = response.json()
    assert response.status_code == 400
    assert body["type"] == "validation_error"
    assert [(e["attr"], e["code"]) for e in body["errors"]] == [("rows.3.settlement_price", "invalid")]
    assert body["errors"][0]["detail"]
    assert Gift.objects.count() == 0


@pytest.mark.parametrize(("column", "value"), [("points_gotone", "1" * 5000), ("settlement_price", "9e999999999999999999")], ids=["points", "price"])
def test_a_huge_number_in_a_cell_is_a_validation_error_naming_row_and_column(api, supplier_admin, column, value):
    response = post_file(api(supplier_admin), csv_bytes(ROW | {column: value}))

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(f"rows.2.{column}", "invalid")]
    assert Gift.objects.count() == 0


def test_a_tiny_workbook_naming_a_row_far_below_the_limit_is_refused_as_a_whole(api, supplier_admin):
    far = row(2_000_000, cell("A2000000", "TEA-001"))

    response = post_file(api(supplier_admin), workbook(row(1, cell("A1", "sku")), far), "gifts.xlsx")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("file", "too_many_rows")]


def test_a_small_workbook_declaring_an_entity_is_refused_as_unreadable_at_once(api, supplier_admin):
    doctype, references = entity_bomb(400_000)  # a few KB that would expand to 100 MB
    content = workbook(row(1, cell("A1", "sku")), row(2, cell("A2", references)), doctype=doctype)

    response = post_file(api(supplier_admin), content, "gifts.xlsx")

    assert response.status_code == 400
    assert [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]] == [("file", "unreadable", "无法读取 XLSX 文件")]
    assert Gift.objects.count() == 0


def test_a_problem_with_the_whole_file_has_the_attr_file(api, supplier_admin):
    response = post_file(api(supplier_admin), b"sku,name\r\n", "gifts.csv")

    assert response.status_code == 400
    assert {(e["attr"], e["code"]) for e in response.json()["errors"]} == {("file", "missing_column")}


def test_an_import_without_a_file_is_a_validation_error(api, supplier_admin):
    response = api(supplier_admin).post(IMPORT_URL, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "file"


def test_the_import_goes_into_the_callers_own_supplier_only(api, supplier_admin, other_supplier_admin, supplier, other_supplier):
    post_file(api(other_supplier_admin), csv_bytes(ROW))

    assert list(Gift.objects.values_list("supplier", flat=True)) == [other_supplier.pk]


@pytest.mark.parametrize("role", ["operator", "logistics", "finance", "member"])
def test_only_supplier_users_may_import(api, request, role):
    user = request.getfixturevalue(role)

    response = post_file(api(getattr(user, "user", user)), csv_bytes(ROW))

    assert response.status_code == 403
    assert Gift.objects.count() == 0


def test_an_anonymous_import_is_unauthenticated(api):
    assert post_file(api(None), csv_bytes(ROW)).status_code == 401


def test_a_supplier_user_exports_its_own_catalog_as_csv_with_a_bom(api, supplier_staff, supplier):
    GiftFactory(supplier=supplier, sku="TEA-001")
    GiftFactory(supplier=SupplierFactory(), sku="THEIRS")

    response = api(supplier_staff).get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=") and ".csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbfsku,name,")
    assert b"TEA-001" in response.content and b"THEIRS" not in response.content


def test_an_operator_exports_the_catalog_of_the_supplier_it_names_as_xlsx(api, operator, supplier):
    GiftFactory(supplier=supplier)

    response = api(operator).get(EXPORT_URL, {"file_format": "xlsx", "supplier": supplier.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response.content.startswith(b"PK\x03\x04")


def test_an_operator_must_name_the_supplier(api, operator):
    response = api(operator).get(EXPORT_URL)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "supplier"


def test_a_supplier_user_cannot_export_another_suppliers_catalog(api, supplier_admin, other_supplier):
    response = api(supplier_admin).get(EXPORT_URL, {"supplier": other_supplier.pk})

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["logistics", "finance", "member"])
def test_logistics_finance_and_members_may_not_export(api, request, role, supplier):
    user = request.getfixturevalue(role)

    response = api(getattr(user, "user", user)).get(EXPORT_URL, {"supplier": supplier.pk})

    assert response.status_code == 403


def test_both_routes_are_documented_in_the_openapi_schema():
    paths = served_schema()["paths"]

    upload_body = paths[IMPORT_URL]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    export_types = set(paths[EXPORT_URL]["get"]["responses"]["200"]["content"])
    assert upload_body["properties"]["file"]["format"] == "binary"
    assert {p["name"] for p in paths[EXPORT_URL]["get"]["parameters"]} == {"file_format", "supplier"}
    supplier = next(p for p in paths[EXPORT_URL]["get"]["parameters"] if p["name"] == "supplier")
    assert "required for an operator" in supplier["description"]
    assert export_types == {"text/csv", XLSX}


def test_the_portal_page_offers_the_upload_form_the_export_links_and_the_columns(supplier_staff):
    CategoryFactory(code="electronics", name="数码电子")
    page = logged_in(supplier_staff).get(PAGE_URL).content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert "/supplier/catalog/export/csv/" in page and "/supplier/catalog/export/xlsx/" in page
    assert "<code>tier_discounts</code>" in page and "等级积分折扣" in page
    marked = {row.split('"', 1)[0] for row in page.split('data-column="')[1:] if 'data-testid="optional"' in row.split("</tr>", 1)[0]}
    assert marked == {"description", "images", "specification", "warranty_text", "fulfilment", "min_tier", "tier_discounts"}
    categories = page.split('data-testid="categories"', 1)[1].split("</table>", 1)[0]
    assert "<td><code>electronics</code></td><td>数码电子</td>" in categories  # the codes a category cell takes


def test_a_rejected_upload_shows_each_problem_in_a_table_and_writes_nothing(supplier_staff):
    content = csv_bytes(ROW, ROW | {"sku": "TEA-002", "points_gotone": "1.5", "category": "nope"})

    response = logged_in(supplier_staff).post(PAGE_URL, upload(content))

    table = response.content.decode().split('data-testid="import-problems"', 1)[1].split("</table>", 1)[0]
    assert response.status_code == 200
    assert table.count("<tr") == 3  # header and two problems
    assert "points_gotone" in table and "category" in table and ">3<" in table
    assert Gift.objects.count() == 0


def test_a_successful_upload_shows_the_count_summary_on_its_page(supplier_staff, django_capture_on_commit_callbacks):
    client = logged_in(supplier_staff)
    with django_capture_on_commit_callbacks(execute=True):  # imported by its task once the upload commits
        response = client.post(PAGE_URL, upload(csv_bytes(ROW)))

    assert response["Location"].startswith(PAGE_URL)
    assert "新增 1，草稿修改 0，提交审核的修改 0，未变 0" in client.get(response["Location"]).content.decode()


def test_the_portal_export_link_downloads_the_suppliers_catalog(supplier_staff, supplier):
    GiftFactory(supplier=supplier, sku="TEA-001")

    response = logged_in(supplier_staff).get("/supplier/catalog/export/xlsx/")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


@pytest.mark.parametrize("role", ["operator", "finance", "logistics"])
def test_staff_cannot_open_the_supplier_import_page(request, role):
    response = logged_in(request.getfixturevalue(role)).get(PAGE_URL)

    assert response.status_code == 403
