"""A route that serves a file answers an Accept naming its file's type (or */*) with the file, and any other Accept,
JSON included, with 406 in the API's error shape; its errors stay JSON whatever file type the client asked for."""
import pytest

from suppliers.models import Gift
from tests.factories import GiftFactory
from tests.portal import logged_in
from tests.suppliers.builders import new_gift, picture
from tests.suppliers.test_api_profile import NEW_CONTRACT, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]


def code_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["code"]


@pytest.fixture
def contract_file(api, supplier_admin) -> str:
    created = api(supplier_admin).post("/api/v1/contracts/", NEW_CONTRACT | {"file": pdf("contract.pdf")}, format="multipart")
    return f"/api/v1/contracts/{created.json()['id']}/file/"


def test_a_pdf_is_served_to_who_asks_for_a_pdf_and_refused_to_who_asks_for_json(api, supplier_admin, contract_file):
    client = api(supplier_admin)

    for accept in ("application/pdf", "*/*", "application/json;q=0.5, application/pdf"):
        served = client.get(contract_file, HTTP_ACCEPT=accept)
        assert (served.status_code, served["Content-Type"]) == (200, "application/pdf"), accept
    assert code_of(client.get(contract_file, HTTP_ACCEPT="application/json")) == (406, "not_acceptable")
    assert code_of(client.get(contract_file, HTTP_ACCEPT="text/html")) == (406, "not_acceptable")


def test_a_file_route_answers_its_errors_in_json_to_who_asks_for_the_file(api, supplier_admin):
    missing = api(supplier_admin).get("/api/v1/contracts/999999/file/", HTTP_ACCEPT="application/pdf")

    assert code_of(missing) == (404, "not_found")
    assert missing["Content-Type"] == "application/json"


@pytest.mark.parametrize(("user", "path", "query"), [
    ("supplier_admin", "/api/v1/gift-export/", {"file_format": "csv"}),
    ("logistics", "/api/v1/shipment-upload-template/", {"file_format": "csv"}),
])
def test_a_csv_download_is_served_to_who_asks_for_csv(request, api, supplier, user, path, query):
    GiftFactory(supplier=supplier)
    client = api(request.getfixturevalue(user))

    served = client.get(path, query, HTTP_ACCEPT="text/csv")

    assert served.status_code == 200 and served["Content-Type"].startswith("text/csv")
    assert code_of(client.get(path, query, HTTP_ACCEPT="application/json")) == (406, "not_acceptable")


def test_a_gift_picture_is_served_to_who_asks_for_a_picture(api, supplier_admin):
    logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture("a.png")]))
    path = f"/api/v1/gifts/{Gift.objects.get(sku='TEA-PIC').pk}/images/0/"
    client = api(supplier_admin)

    for accept in ("image/png", "image/*"):
        served = client.get(path, HTTP_ACCEPT=accept)
        assert (served.status_code, served["Content-Type"]) == (200, "image/png"), accept
    assert code_of(client.get(path, HTTP_ACCEPT="application/json")) == (406, "not_acceptable")
