"""The qualification review over the API: a supplier user uploads (pending), an operator approves or rejects it with a
reason, the supplier reads the outcome; other roles are refused (403) and other tenants told it does not exist (404)."""
import pytest

from suppliers.models import Qualification
from tests.factories import QualificationFactory, SupplierUserFactory
from tests.suppliers.test_api_profile import coded, errors_of, licence_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploaded(api, supplier_staff) -> int:
    """The id of a licence the supplier's staff uploaded through the API."""
    response = api(supplier_staff).post("/api/v1/qualifications/", licence_upload(supplier_staff), format="multipart")
    assert response.status_code == 201
    return response.json()["id"]


def test_an_upload_waits_for_review(api, supplier_staff, uploaded):
    detail = api(supplier_staff).get(f"/api/v1/qualifications/{uploaded}/").json()

    assert (detail["state"], detail["rejection_reason"]) == ("pending", None)


def test_an_operator_approves_an_upload_and_its_history_shows_who_did_what(api, operator, uploaded):
    approved = api(operator).post(f"/api/v1/qualifications/{uploaded}/approve/", {"reason": "核对无误"})
    history = api(operator).get(f"/api/v1/qualifications/{uploaded}/history/").json()

    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert [(h["transition"], h["actor"]) for h in history] == [("upload", "supplier_staff"), ("approve", "operator")]


def test_the_supplier_reads_the_reason_an_upload_was_rejected(api, operator, supplier_admin, uploaded):
    rejected = api(operator).post(f"/api/v1/qualifications/{uploaded}/reject/", {"reason": "证书已过期"})

    detail = api(supplier_admin).get(f"/api/v1/qualifications/{uploaded}/").json()
    assert rejected.status_code == 200
    assert (detail["state"], detail["rejection_reason"], detail["rejection_reason_label"]) == ("rejected", "证书已过期", "证书已过期")


def test_a_rejection_without_a_reason_is_400_and_changes_nothing(api, operator, uploaded):
    response = api(operator).post(f"/api/v1/qualifications/{uploaded}/reject/", {"reason": ""})
    missing = api(operator).post(f"/api/v1/qualifications/{uploaded}/reject/", {})

    assert response.status_code == 400 and errors_of(response) == {"reason"}
    assert missing.status_code == 400 and coded(missing) == [("reason", "required")]
    assert Qualification.objects.get(pk=uploaded).state == "pending"


def test_deciding_a_decided_upload_again_is_409(api, operator, uploaded):
    api(operator).post(f"/api/v1/qualifications/{uploaded}/approve/", {})

    response = api(operator).post(f"/api/v1/qualifications/{uploaded}/reject/", {"reason": "再审"})

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"
    assert Qualification.objects.get(pk=uploaded).state == "approved"


@pytest.mark.parametrize(("role_fixture", "status"), [("supplier_admin", 403), ("supplier_staff", 403), ("finance", 403),
                                                       ("logistics", 404)])
def test_no_one_but_an_operator_decides(request, api, role_fixture, status, uploaded):
    response = api(request.getfixturevalue(role_fixture)).post(f"/api/v1/qualifications/{uploaded}/approve/", {})

    assert response.status_code == status
    assert Qualification.objects.get(pk=uploaded).state == "pending"


def test_another_suppliers_upload_does_not_exist_for_a_supplier(api, other_supplier, uploaded):
    outsider = SupplierUserFactory(username="outsider", role="supplier_admin", supplier=other_supplier)
    client = api(outsider)

    responses = [client.get(f"/api/v1/qualifications/{uploaded}/"), client.get(f"/api/v1/qualifications/{uploaded}/history/"),
                 client.post(f"/api/v1/qualifications/{uploaded}/approve/", {})]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_operators_list_the_uploads_waiting_for_review(api, operator, supplier, uploaded):
    QualificationFactory(supplier=supplier)

    waiting = api(operator).get("/api/v1/qualifications/?state=pending").json()["results"]

    assert [q["id"] for q in waiting] == [uploaded]
