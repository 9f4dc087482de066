"""A catalog row refused because its gift has a revision waiting for review names that revision and says that
withdrawing it (撤回修改) lets the row be imported; the rejected import's page links the revision on its gift's page."""
from django.core.files.uploadedfile import SimpleUploadedFile
import pytest

from suppliers.models import GiftRevision
from suppliers.services import catalog_imports, catalog_io, revisions
from suppliers.services.catalog_io import ImportRejected
from tests.factories import CategoryFactory, GiftFactory
from tests.helpers import published
from tests.portal import logged_in
from tests.suppliers.builders import ROW, csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]
PAGE = "/supplier/catalog/import/"
ANOTHER_PRICE = ROW | {"sku": "TEA-009", "settlement_price": "210.00"}


@pytest.fixture(autouse=True)
def tea():
    return CategoryFactory(code="tea")


@pytest.fixture
def waiting(supplier, supplier_staff, operator, now) -> GiftRevision:
    """The revision of an online gift (TEA-009) asking for a settlement price of 200.00, waiting for review."""
    gift = published(GiftFactory(supplier=supplier, sku="TEA-009"), actor=operator, at=now)
    catalog_io.import_catalog(supplier=supplier, actor=supplier_staff, now=now, file_name="改价.csv",
                              content=csv_bytes(ROW | {"sku": gift.sku, "settlement_price": "200.00"}))
    return GiftRevision.objects.get(gift=gift, state=GiftRevision.State.PENDING)


@pytest.fixture
def refused_upload(supplier, supplier_staff, now, waiting, queued_tasks):
    """A file changing TEA-009 again on its row 2, imported and refused for the revision waiting."""
    upload = catalog_imports.upload_catalog_file(supplier=supplier, actor=supplier_staff, now=now, file_name="再改.csv",
                                                 content=csv_bytes(ANOTHER_PRICE))
    return catalog_imports.import_upload(upload_id=upload.pk, now=now)


def test_the_refusal_names_the_revision_waiting_and_that_withdrawing_it_lets_the_row_in(supplier, supplier_staff, now, waiting):
    with pytest.raises(ImportRejected) as raised:
        catalog_io.import_catalog(supplier=supplier, actor=supplier_staff, now=now, file_name="再改.csv", content=csv_bytes(ANOTHER_PRICE))

    [problem] = raised.value.problems
    assert (problem.row, problem.column, problem.code) == (2, "sku", "revision_pending")
    assert f"修改编号 {waiting.pk}" in problem.detail and "撤回修改" in problem.detail and "本行即可导入" in problem.detail
    assert GiftRevision.objects.get(pk=waiting.pk).changes["settlement_price"] == "200.00"


def test_once_the_revision_is_withdrawn_the_same_row_is_imported_as_a_new_revision(supplier, supplier_staff, now, waiting):
    revisions.withdraw_revision(revision=waiting, actor=supplier_staff, now=now)

    summary = catalog_io.import_catalog(supplier=supplier, actor=supplier_staff, now=now, file_name="再改.csv",
                                        content=csv_bytes(ANOTHER_PRICE))

    assert summary.revisions == 1
    assert GiftRevision.objects.get(state=GiftRevision.State.PENDING).changes["settlement_price"] == "210.00"


def test_the_api_answers_the_refusal_with_the_revision_named_on_the_row(api, supplier_staff, waiting):
    response = api(supplier_staff).post("/api/v1/gift-imports/", {"file": SimpleUploadedFile("再改.csv", csv_bytes(ANOTHER_PRICE))},
                                        format="multipart")

    [error] = response.json()["errors"]
    assert response.status_code == 400 and (error["attr"], error["code"]) == ("rows.2.sku", "revision_pending")
    assert f"修改编号 {waiting.pk}" in error["detail"]


def test_the_refused_imports_page_links_the_revision_on_its_gifts_page_where_it_is_withdrawn(supplier_staff, refused_upload, waiting):
    client = logged_in(supplier_staff)

    page = client.get(f"{PAGE}{refused_upload.pk}/").content.decode()
    gift_page = client.get(f"/supplier/gifts/{waiting.gift_id}/").content.decode()

    assert f'href="/supplier/gifts/{waiting.gift_id}/#revision-{waiting.pk}" data-testid="problem-link"' in page
    assert f"修改编号 {waiting.pk}" in page
    assert f'id="revision-{waiting.pk}"' in gift_page and 'data-testid="withdraw-revision"' in gift_page


def test_a_revision_withdrawn_since_is_no_longer_linked(supplier_staff, refused_upload, waiting, now):
    revisions.withdraw_revision(revision=waiting, actor=supplier_staff, now=now)

    page = logged_in(supplier_staff).get(f"{PAGE}{refused_upload.pk}/").content.decode()

    assert 'data-row="2"' in page and 'data-testid="problem-link"' not in page


def test_another_suppliers_users_open_neither_the_import_nor_the_gift(other_supplier_admin, refused_upload, waiting):
    client = logged_in(other_supplier_admin)

    assert client.get(f"{PAGE}{refused_upload.pk}/").status_code == 404
    assert client.get(f"/supplier/gifts/{waiting.gift_id}/").status_code == 404
