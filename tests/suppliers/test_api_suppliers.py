"""The supplier API: application, scoping, lifecycle actions, history, inbox."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import TransitionLog
from suppliers.models import Notice, Supplier
from tests.factories import SUPPLIER_APPLICATION, GiftFactory, NoticeFactory, QualificationFactory, SupplierFactory, ready_to_activate, supplier_in
from tests.helpers import assert_list_queries_constant, gift_in_state

pytestmark = pytest.mark.django_db


def test_anyone_can_apply_and_gets_an_inactive_admin_user(api):
    response = api(None).post("/api/v1/supplier-applications/", SUPPLIER_APPLICATION)

    assert response.status_code == 201
    supplier = Supplier.objects.get(pk=response.json()["id"])
    admin = supplier.memberships.get().user
    assert (supplier.state, admin.role, admin.is_active) == ("applied", "supplier_admin", False)
    assert response.json()["contact_phone"] == "139****2222"


def test_a_taken_username_is_refused_and_nothing_is_written(api, operator):
    response = api(None).post("/api/v1/supplier-applications/", {**SUPPLIER_APPLICATION, "username": "operator"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "username"
    assert not Supplier.objects.exists()


def test_a_contact_phone_that_is_not_a_mobile_number_is_400_naming_the_field(api):
    response = api(None).post("/api/v1/supplier-applications/", {**SUPPLIER_APPLICATION, "contact_phone": "0571-8888888"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "contact_phone"
    assert "11位手机号" in response.json()["errors"][0]["detail"]
    assert not Supplier.objects.exists()


def licence(**changes) -> dict:
    """A business licence as an application sends it in multipart."""
    return {"licence_file": SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence"), "licence_issued_on": "2020-05-01",
            "licence_expires_on": "2040-04-30"} | changes


def test_an_application_may_carry_its_business_licence_as_multipart(api):
    response = api(None).post("/api/v1/supplier-applications/", SUPPLIER_APPLICATION | licence(), format="multipart")

    assert response.status_code == 201
    kept = Supplier.objects.get().qualifications.get()
    assert (kept.kind, kept.state, str(kept.expires_on)) == ("business_licence", "pending", "2040-04-30")


@pytest.mark.parametrize(("left_out", "named"), [
    (("licence_issued_on", "licence_expires_on"), ["licence_issued_on", "licence_expires_on"]),
    (("licence_file",), ["licence_file"]),
])
def test_a_licence_sent_in_part_is_400_naming_what_is_missing_and_nothing_is_written(api, left_out, named):
    sent = {name: value for name, value in licence().items() if name not in left_out}

    response = api(None).post("/api/v1/supplier-applications/", SUPPLIER_APPLICATION | sent, format="multipart")

    assert response.status_code == 400
    assert [(error["attr"], error["code"]) for error in response.json()["errors"]] == [(name, "required") for name in named]
    assert not Supplier.objects.exists()


def test_an_expired_licence_is_400_naming_its_expiry(api):
    expired = licence(licence_issued_on="2010-05-01", licence_expires_on="2020-04-30")

    response = api(None).post("/api/v1/supplier-applications/", SUPPLIER_APPLICATION | expired, format="multipart")

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["licence_expires_on"]
    assert not Supplier.objects.exists()


def test_a_bad_licence_and_a_taken_username_are_named_together(api, operator):
    bad = {"username": "operator"} | licence(licence_file=SimpleUploadedFile("x.pdf", b"<html>"))

    response = api(None).post("/api/v1/supplier-applications/", SUPPLIER_APPLICATION | bad, format="multipart")

    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"username", "licence_file"}
    assert not Supplier.objects.exists()


def test_an_operator_reviews_and_approves_an_application_which_activates_its_admin(api, operator):
    api(None).post("/api/v1/supplier-applications/", SUPPLIER_APPLICATION)
    supplier = ready_to_activate(Supplier.objects.get())
    client = api(operator)

    client.post(f"/api/v1/suppliers/{supplier.pk}/start-review/", {})
    response = client.post(f"/api/v1/suppliers/{supplier.pk}/approve/", {"reason": "资质齐全"})

    assert response.status_code == 200 and response.json()["state"] == "active"
    assert supplier.memberships.get().user.is_active
    history = client.get(f"/api/v1/suppliers/{supplier.pk}/history/").json()
    assert [(h["transition"], h["source_state"], h["target_state"], h["actor"]) for h in history] == [
        ("apply", "", "applied", SUPPLIER_APPLICATION["username"]),
        ("start_review", "applied", "under_review", "operator"),
        ("approve", "under_review", "active", "operator"),
    ]
    assert history[2]["reason"] == "资质齐全"


@pytest.mark.supplier(applicant=True)
def test_rejecting_needs_a_reason(api, operator, supplier, now):
    client = api(operator)
    client.post(f"/api/v1/suppliers/{supplier.pk}/start-review/", {})

    response = client.post(f"/api/v1/suppliers/{supplier.pk}/reject/", {"reason": " "})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "reason"
    supplier.refresh_from_db()
    assert supplier.state == "under_review"
    assert TransitionLog.objects.count() == 1


@pytest.mark.parametrize(("step", "state"), [("reject", "under_review"), ("suspend", "active"), ("terminate", "active")])
def test_a_decision_without_a_reason_is_400_required_naming_it(api, operator, now, step, state):
    supplier = supplier_in(state, now=now)

    response = api(operator).post(f"/api/v1/suppliers/{supplier.pk}/{step}/", {}, format="json")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("reason", "required")]
    supplier.refresh_from_db()
    assert supplier.state == state


@pytest.mark.supplier(applicant=True)
@pytest.mark.parametrize(
    ("path", "transitions", "final"),
    [
        ("suspend", ["start-review", "approve", "suspend"], "suspended"),
        ("reactivate", ["start-review", "approve", "suspend", "reactivate"], "active"),
        ("terminate from active", ["start-review", "approve", "terminate"], "terminated"),
        ("terminate from suspended", ["start-review", "approve", "suspend", "terminate"], "terminated"),
    ],
)
def test_the_supplier_lifecycle_follows_the_spec(api, operator, supplier, path, transitions, final):
    ready_to_activate(supplier)
    client = api(operator)

    states = [client.post(f"/api/v1/suppliers/{supplier.pk}/{t}/", {"reason": path}).json()["state"] for t in transitions]

    assert states[-1] == final


@pytest.mark.supplier(applicant=True)
@pytest.mark.parametrize(
    ("setup", "illegal"),
    [([], "approve"), ([], "suspend"), (["start-review"], "reactivate"), (["start-review", "approve"], "start-review"),
     (["start-review", "approve", "terminate"], "reactivate"), (["start-review", "reject"], "approve")],
)
def test_an_illegal_supplier_transition_is_409(api, operator, supplier, setup, illegal):
    client = api(operator)
    for step in setup:
        client.post(f"/api/v1/suppliers/{supplier.pk}/{step}/", {"reason": "setup"})
    before = Supplier.objects.get(pk=supplier.pk).state

    response = client.post(f"/api/v1/suppliers/{supplier.pk}/{illegal}/", {"reason": "x"})

    assert response.status_code == 409
    assert Supplier.objects.get(pk=supplier.pk).state == before


def test_a_supplier_user_sees_only_its_own_supplier(api, supplier_admin, supplier, other_supplier):
    listed = api(supplier_admin).get("/api/v1/suppliers/").json()["results"]

    assert [s["id"] for s in listed] == [supplier.pk]


def test_the_supplier_list_runs_a_constant_number_of_queries(api, operator):
    assert_list_queries_constant(api(operator), "/api/v1/suppliers/", lambda n: SupplierFactory.create_batch(n))


def test_the_inbox_lists_unread_notices_and_marks_them_read(api, supplier_admin, supplier, other_supplier, now):
    unread = NoticeFactory(supplier=supplier, title="请补货")
    NoticeFactory(supplier=other_supplier, title="别人的通知")
    client = api(supplier_admin)

    listed = client.get("/api/v1/notices/?unread=true").json()["results"]
    client.post(f"/api/v1/notices/{unread.pk}/mark-read/")

    assert [n["title"] for n in listed] == ["请补货"]
    assert Notice.objects.get(pk=unread.pk).read_at is not None
    assert client.get("/api/v1/notices/?unread=true").json()["results"] == []
    assert [n["title"] for n in client.get("/api/v1/notices/?unread=false").json()["results"]] == ["请补货"]


@pytest.mark.parametrize(("role", "url", "parameter"), [
    ("supplier_admin", "/api/v1/notices/", "unread"),
    ("supplier_admin", "/api/v1/announcement-deliveries/", "unread"),
    ("operator", "/api/v1/announcement-deliveries/", "acknowledged"),
    ("operator", "/api/v1/rectification-cases/", "overdue"),
    ("operator", "/api/v1/re-evaluations/", "overdue"),
])
def test_a_yes_no_parameter_with_another_word_is_400_naming_it(api, request, role, url, parameter):
    response = api(request.getfixturevalue(role)).get(url, {parameter: "maybe"})

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [parameter]


def test_the_inbox_runs_a_constant_number_of_queries(api, supplier_admin, supplier):
    assert_list_queries_constant(api(supplier_admin), "/api/v1/notices/", lambda n: NoticeFactory.create_batch(n, supplier=supplier))


def test_a_supplier_submits_and_an_operator_approves_and_publishes_through_the_api(api, supplier_staff, operator, supplier):
    QualificationFactory(supplier=supplier)
    gift = GiftFactory(supplier=supplier)

    submitted = api(supplier_staff).post(f"/api/v1/gifts/{gift.pk}/submit/", {})
    api(operator).post(f"/api/v1/gifts/{gift.pk}/approve/", {})
    published = api(operator).post(f"/api/v1/gifts/{gift.pk}/publish/", {})

    assert (submitted.json()["state"], published.json()["state"]) == ("submitted", "online")
    assert [p["points_price"] for p in published.json()["prices"]] == [1500, 1200]


def test_an_incomplete_gift_submission_names_each_missing_field(api, supplier_staff, supplier):
    gift = GiftFactory(supplier=supplier, images=[], warranty_text="")

    response = api(supplier_staff).post(f"/api/v1/gifts/{gift.pk}/submit/", {})

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"images", "warranty_text"}


def test_the_gift_list_runs_a_constant_number_of_queries(api, supplier_admin, supplier):
    assert_list_queries_constant(api(supplier_admin), "/api/v1/gifts/", lambda n: GiftFactory.create_batch(n, supplier=supplier))


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("delist", {"reason_code": "bored"}, "reason_code"),
        ("delist", {}, "reason_code"),
        ("start-clearance", {"points_price": 0, "settlement_price": "10.00"}, "points_price"),
        ("start-clearance", {"points_price": 2**31, "settlement_price": "10.00"}, "points_price"),
        ("start-clearance", {"points_price": 100, "settlement_price": "-1"}, "settlement_price"),
        ("start-clearance", {"points_price": 100, "settlement_price": "abc"}, "settlement_price"),
        ("reject", {"reason": ""}, "reason"),
    ],
)
def test_bad_gift_action_input_is_400_naming_the_field_and_changes_nothing(api, operator, supplier, now, action, body, field):
    # a gift in a state the action starts from (else its state is said first, 409): the body is what is wrong
    gift = gift_in_state({"reject": "submitted", "delist": "online", "start-clearance": "offline"}[action], actor=operator, at=now)
    before = api(operator).get(f"/api/v1/gifts/{gift.pk}/").json()["state"]

    response = api(operator).post(f"/api/v1/gifts/{gift.pk}/{action}/", body)

    assert response.status_code == 400
    assert field in {e["attr"] for e in response.json()["errors"]}
    assert api(operator).get(f"/api/v1/gifts/{gift.pk}/").json()["state"] == before


def test_rejecting_without_a_reason_a_gift_another_operator_approved_is_a_409_saying_its_state(api, operator, now):
    gift = gift_in_state("submitted", actor=operator, at=now)
    api(operator).post(f"/api/v1/gifts/{gift.pk}/approve/", {})  # another operator, a moment before

    refused = api(operator).post(f"/api/v1/gifts/{gift.pk}/reject/", {"reason": ""})

    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "invalid_transition"
    gift.refresh_from_db()
    assert gift.state == "approved"


def test_scheduling_a_gift_that_is_not_approved_is_409_invalid_transition(api, operator, listed_gift, now):
    refused = api(operator).post(f"/api/v1/gifts/{listed_gift.pk}/schedule/", {"publish_at": "2099-01-01T10:00:00+08:00"}, format="json")

    assert refused.status_code == 409
    assert [(e["code"], e["attr"]) for e in refused.json()["errors"]] == [("invalid_transition", None)]
    listed_gift.refresh_from_db()
    assert (listed_gift.state, listed_gift.publish_at) == ("online", None)
