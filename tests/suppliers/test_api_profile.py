"""The paperwork API: contracts, qualifications (multipart), profile changes and bank accounts — roles, tenants,
bad input, transitions, masking and constant query counts."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AccessLog, TransitionLog
from suppliers.models import Contract, ProfileChange, Qualification
from tests.factories import ContractFactory, QualificationFactory, SupplierUserFactory, credit_code
from tests.helpers import assert_list_queries_constant
from tests.suppliers.profile_factories import NEW_ACCOUNT, BankAccountFactory, CertificateFactory, ProfileChangeFactory, licence_number

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork

NEW_CONTRACT = {"number": "HT-2027-001", "start_date": "2027-01-01", "end_date": "2028-12-31", "programs": ["gotone", "mzone"],
                "payment_days": 45, "deposit_amount": "80000.00"}


def pdf(name="file.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 scan", content_type="application/pdf")


def ask(client, body: dict, evidence=None):
    """A reviewed profile change with its evidence (a scan, unless another `evidence` is given), as multipart."""
    return client.post("/api/v1/profile-changes/", body | {"evidence": evidence or pdf("permit.pdf")}, format="multipart")


def licence_upload(holder=None, **changes):
    """A business licence upload of `holder` (a supplier or one of its users; None: a number of no one's)."""
    today = timezone.localdate()
    return {"kind": "business_licence", "number": licence_number(holder) if holder else "LIC-NEW-1", "issued_on": str(today - timedelta(days=30)),
            "expires_on": str(today + timedelta(days=3 * 365)), "file": pdf()} | changes


def errors_of(response) -> set[str]:
    return {error["attr"] for error in response.json()["errors"]}


def coded(response) -> list[tuple[str, str]]:
    """(attr, code) of each error, as a client matches them."""
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def pending_contract(supplier) -> Contract:
    return ContractFactory(supplier=supplier)


# --- contracts ----------------------------------------------------------------------------------------------
def test_an_operator_registers_a_contract_for_a_supplier_and_approves_it(api, operator, supplier):
    client = api(operator)

    created = client.post("/api/v1/contracts/", NEW_CONTRACT | {"supplier": supplier.pk})
    approved = client.post(f"/api/v1/contracts/{created.json()['id']}/approve/", {"reason": "条款无误"})

    assert created.status_code == 201 and created.json()["state"] == "pending"
    assert created.json()["programs"] == ["gotone", "mzone"] and created.json()["supplier_name"] == supplier.name
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    history = client.get(f"/api/v1/contracts/{created.json()['id']}/history/").json()
    assert [(h["transition"], h["actor"], h["reason"]) for h in history] == [("create", "operator", ""), ("approve", "operator", "条款无误")]


def test_a_supplier_admin_proposes_a_contract_for_its_own_supplier_with_the_scan(api, supplier_admin, supplier):
    response = api(supplier_admin).post("/api/v1/contracts/", NEW_CONTRACT | {"file": pdf("contract.pdf")}, format="multipart")

    assert response.status_code == 201
    contract = Contract.objects.get()
    assert (contract.supplier, contract.state, contract.payment_days) == (supplier, "pending", 45)
    assert contract.file.name.startswith("contracts/") and response.json()["file"] == f"http://testserver/api/v1/contracts/{contract.pk}/file/"


def test_a_contract_scan_is_served_only_to_those_who_may_see_the_contract(api, supplier_admin, operator, other_supplier):
    created = api(supplier_admin).post("/api/v1/contracts/", NEW_CONTRACT | {"file": pdf("contract.pdf")}, format="multipart").json()
    outsider = SupplierUserFactory(username="outsider", role="supplier_admin", supplier=other_supplier)

    mine, staff, theirs = (api(user).get(created["file"]) for user in (supplier_admin, operator, outsider))

    assert (mine.status_code, b"".join(mine.streaming_content)) == (200, b"%PDF-1.4 scan")
    assert staff.status_code == 200 and theirs.status_code == 404
    assert not created["file"].startswith("/media/") and "/media/" not in created["file"]


def test_a_contract_without_a_scan_has_no_file_url_and_its_file_route_is_404(api, operator, supplier):
    contract = pending_contract(supplier)

    detail = api(operator).get(f"/api/v1/contracts/{contract.pk}/").json()

    assert detail["file"] is None and api(operator).get(f"/api/v1/contracts/{contract.pk}/file/").status_code == 404


def test_a_contract_whose_scan_the_storage_lost_is_404_and_logged(api, supplier_admin, caplog):
    created = api(supplier_admin).post("/api/v1/contracts/", NEW_CONTRACT | {"file": pdf("contract.pdf")}, format="multipart").json()
    contract = Contract.objects.get(pk=created["id"])
    contract.file.storage.delete(contract.file.name)

    response = api(supplier_admin).get(created["file"])

    assert response.status_code == 404
    assert f"stored file {contract.file.name} is missing" in caplog.text


@pytest.mark.parametrize("role", ["supplier_staff", "finance", "logistics", "member"])
def test_only_operators_and_supplier_admins_may_create_contracts(request, api, supplier, role):
    user = request.getfixturevalue(role)

    response = api(getattr(user, "user", user)).post("/api/v1/contracts/", NEW_CONTRACT | {"supplier": supplier.pk})

    assert response.status_code == 403
    assert not Contract.objects.exists()


def test_an_operator_must_say_which_supplier_the_contract_is_with(api, operator):
    response = api(operator).post("/api/v1/contracts/", NEW_CONTRACT)

    assert response.status_code == 400 and errors_of(response) == {"supplier"}
    assert not Contract.objects.exists()


def test_a_supplier_admin_naming_another_supplier_in_a_contract_is_told_it_does_not_exist(api, supplier_admin, other_supplier):
    response = api(supplier_admin).post("/api/v1/contracts/", NEW_CONTRACT | {"supplier": other_supplier.pk})

    assert response.status_code == 404 and errors_of(response) == {"supplier"}
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2026-12-31"}, "end_date"),
        ({"programs": []}, "programs"),
        ({"programs": ["unicom"]}, "programs"),
        ({"deposit_amount": "-1.00"}, "deposit_amount"),
        ({"payment_days": "abc"}, "payment_days"),
        ({"start_date": "2027-02-30"}, "start_date"),
        ({"number": ""}, "number"),
    ],
)
def test_a_bad_contract_is_400_naming_the_field_and_nothing_is_written(api, operator, supplier, changes, field):
    response = api(operator).post("/api/v1/contracts/", NEW_CONTRACT | {"supplier": supplier.pk} | changes)

    assert response.status_code == 400 and field in errors_of(response)
    assert not Contract.objects.exists()


def test_a_duplicate_contract_number_is_400(api, operator, supplier):
    ContractFactory(supplier=supplier, number=NEW_CONTRACT["number"])

    response = api(operator).post("/api/v1/contracts/", NEW_CONTRACT | {"supplier": supplier.pk})

    assert response.status_code == 400 and errors_of(response) == {"number"}
    assert Contract.objects.count() == 1


def test_rejecting_a_contract_needs_a_reason(api, operator, supplier):
    contract = pending_contract(supplier)

    missing = api(operator).post(f"/api/v1/contracts/{contract.pk}/reject/", {})
    refused = api(operator).post(f"/api/v1/contracts/{contract.pk}/reject/", {"reason": ""})
    rejected = api(operator).post(f"/api/v1/contracts/{contract.pk}/reject/", {"reason": "保证金不足"})

    assert missing.status_code == 400 and coded(missing) == [("reason", "required")]
    assert refused.status_code == 400 and errors_of(refused) == {"reason"}
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert TransitionLog.objects.get(transition="reject").reason == "保证金不足"


@pytest.mark.parametrize(
    ("first", "then"), [("approve", "approve"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")]
)
def test_a_decided_contract_cannot_be_decided_again(api, operator, supplier, first, then):
    contract = pending_contract(supplier)
    api(operator).post(f"/api/v1/contracts/{contract.pk}/{first}/", {"reason": "first"})
    before = Contract.objects.get(pk=contract.pk).state

    response = api(operator).post(f"/api/v1/contracts/{contract.pk}/{then}/", {"reason": "again"})

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"
    assert Contract.objects.get(pk=contract.pk).state == before
    assert TransitionLog.objects.count() == 1


def test_supplier_users_may_not_decide_their_own_contract(api, supplier_admin, supplier):
    contract = pending_contract(supplier)

    response = api(supplier_admin).post(f"/api/v1/contracts/{contract.pk}/approve/", {})

    assert response.status_code == 403
    assert Contract.objects.get(pk=contract.pk).state == "pending"


@pytest.mark.parametrize("path", ["", "history/"])
def test_another_suppliers_contract_is_not_found(api, supplier_admin, other_supplier, path):
    theirs = pending_contract(other_supplier)

    assert api(supplier_admin).get(f"/api/v1/contracts/{theirs.pk}/{path}").status_code == 404


def test_suppliers_list_their_own_contracts_filtered_by_state(api, supplier_admin, supplier, other_supplier, operator, now):
    mine = pending_contract(supplier)
    approved = pending_contract(supplier)
    api(operator).post(f"/api/v1/contracts/{approved.pk}/approve/", {})
    pending_contract(other_supplier)

    listed = api(supplier_admin).get("/api/v1/contracts/?state=pending").json()["results"]

    assert [c["id"] for c in listed] == [mine.pk]


def test_the_contract_list_runs_a_constant_number_of_queries(api, operator):
    assert_list_queries_constant(api(operator), "/api/v1/contracts/", lambda n: ContractFactory.create_batch(n))


# --- qualifications -----------------------------------------------------------------------------------------
def test_supplier_staff_upload_a_licence_which_has_an_expiry_status_once_approved(api, supplier_staff, supplier, operator):
    response = api(supplier_staff).post("/api/v1/qualifications/", licence_upload(supplier), format="multipart")
    uploaded = response.json()
    approved = api(operator).post(f"/api/v1/qualifications/{uploaded['id']}/approve/", {"reason": ""})

    assert response.status_code == 201
    assert (uploaded["supplier"], uploaded["state"], uploaded["expiry_status"]) == (supplier.pk, "pending", None)  # counts for nothing yet
    assert (approved.status_code, approved.json()["expiry_status"]) == (200, "valid")
    assert Qualification.objects.get().file.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"file": ""}, "file"),
        ({"kind": "product_certificate", "certificate_type": ""}, "certificate_type"),
        ({"kind": "passport"}, "kind"),
        ({"issued_on": "yesterday"}, "issued_on"),
    ],
)
def test_a_bad_upload_is_400_naming_the_field_and_nothing_is_written(api, supplier_admin, changes, field):
    upload = {k: v for k, v in licence_upload(supplier_admin, **changes).items() if v != ""}

    response = api(supplier_admin).post("/api/v1/qualifications/", upload, format="multipart")

    assert response.status_code == 400 and field in errors_of(response)
    assert not Qualification.objects.exists()


def test_operators_do_not_upload_for_suppliers(api, operator):
    response = api(operator).post("/api/v1/qualifications/", licence_upload(), format="multipart")

    assert response.status_code == 403
    assert not Qualification.objects.exists()


def test_qualifications_are_listed_with_expiry_warnings_and_filtered_by_them(api, supplier_admin, supplier):
    today = timezone.localdate()
    expiring = QualificationFactory(supplier=supplier, expires_on=today + timedelta(days=20))
    expired = CertificateFactory(supplier=supplier, expires_on=today - timedelta(days=1))
    CertificateFactory(supplier=supplier, certificate_type="食品生产许可", expires_on=today + timedelta(days=400))
    client = api(supplier_admin)

    statuses = {q["id"]: q["expiry_status"] for q in client.get("/api/v1/qualifications/").json()["results"]}
    warned = client.get("/api/v1/qualifications/?expiry_status=expiring").json()["results"]

    assert (statuses[expiring.pk], statuses[expired.pk]) == ("expiring", "expired")
    assert sorted(statuses.values()) == ["expired", "expiring", "valid"]
    assert [q["id"] for q in warned] == [expiring.pk]


def test_a_renewed_qualification_shows_as_renewed(api, supplier_admin, supplier):
    today = timezone.localdate()
    old = QualificationFactory(supplier=supplier, expires_on=today + timedelta(days=5))
    QualificationFactory(supplier=supplier, issued_on=today, expires_on=today + timedelta(days=1000))

    detail = api(supplier_admin).get(f"/api/v1/qualifications/{old.pk}/").json()

    assert detail["expiry_status"] == "renewed"


def test_operators_see_every_suppliers_qualifications_and_suppliers_only_their_own(
    api, operator, supplier_admin, supplier, other_supplier
):
    mine, theirs = QualificationFactory(supplier=supplier), QualificationFactory(supplier=other_supplier)

    seen_by_operator = {q["id"] for q in api(operator).get("/api/v1/qualifications/").json()["results"]}
    seen_by_supplier = {q["id"] for q in api(supplier_admin).get("/api/v1/qualifications/").json()["results"]}

    assert (seen_by_operator, seen_by_supplier) == ({mine.pk, theirs.pk}, {mine.pk})
    assert api(supplier_admin).get(f"/api/v1/qualifications/{theirs.pk}/").status_code == 404


def test_the_qualification_list_runs_a_constant_number_of_queries(api, operator):
    assert_list_queries_constant(api(operator), "/api/v1/qualifications/", lambda n: QualificationFactory.create_batch(n))


# --- profile changes ----------------------------------------------------------------------------------------
def test_a_supplier_admin_requests_a_bank_account_change_and_an_operator_approves_it(api, supplier_admin, supplier, operator):
    requested = ask(api(supplier_admin), {"field": "bank_account", **NEW_ACCOUNT})
    approved = api(operator).post(f"/api/v1/profile-changes/{requested.json()['id']}/approve/", {})

    assert requested.status_code == 201 and requested.json()["new_value"] == NEW_ACCOUNT
    assert requested.json()["evidence"].endswith(f"/api/v1/profile-changes/{requested.json()['id']}/evidence/")
    assert requested.json()["old_value"] == {} and requested.json()["requested_by"] == "supplier_admin"
    assert approved.status_code == 200 and approved.json()["state"] == "approved" and approved.json()["decided_at"]
    accounts = api(supplier_admin).get("/api/v1/bank-accounts/").json()["results"]
    assert [a["account_number"] for a in accounts] == [NEW_ACCOUNT["account_number"]]


def test_a_supplier_admin_changes_its_contact_at_once_with_no_review(api, supplier_admin, supplier, operator):
    body = {"field": "contact", "contact_name": "王经理", "contact_phone": "13900001234"}

    changed = api(supplier_admin).post("/api/v1/profile-changes/", body)

    assert changed.status_code == 201 and changed.json()["state"] == "approved"
    assert changed.json()["new_value"] == {"contact_name": "王经理", "contact_phone": "13900001234", "contact_email": ""}
    assert api(operator).post(f"/api/v1/profile-changes/{changed.json()['id']}/approve/", {}).status_code == 409
    supplier.refresh_from_db()
    assert (supplier.contact_name, supplier.contact_phone) == ("王经理", "13900001234")
    bad = api(supplier_admin).post("/api/v1/profile-changes/", body | {"contact_phone": "12345"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "contact_phone"


def test_a_supplier_admin_changes_its_address_at_once_and_the_operator_sees_it_with_the_old_one(api, supplier_admin, supplier, operator):
    supplier.address = "杭州市西湖区文一路 1 号"
    supplier.save(update_fields=["address"])

    changed = api(supplier_admin).post("/api/v1/profile-changes/", {"field": "address", "address": " 杭州市滨江区江南大道 88 号 "})

    assert changed.status_code == 201 and changed.json()["state"] == "approved"
    assert (changed.json()["old_value"], changed.json()["new_value"]) == (
        {"address": "杭州市西湖区文一路 1 号"}, {"address": "杭州市滨江区江南大道 88 号"}
    )
    seen = api(operator).get("/api/v1/profile-changes/", {"field": "address"}).json()["results"]
    assert [row["id"] for row in seen] == [changed.json()["id"]]
    assert api(operator).get(f"/api/v1/suppliers/{supplier.pk}/").json()["address"] == "杭州市滨江区江南大道 88 号"
    for bad, field in (({"address": ""}, "address"), ({"address": "路" * 301}, "address"), ({"address": "新地址", "legal_name": "新名字"}, "legal_name")):
        refused = api(supplier_admin).post("/api/v1/profile-changes/", {"field": "address"} | bad)
        assert refused.status_code == 400 and errors_of(refused) == {field}
    assert ProfileChange.objects.count() == 1


def test_another_suppliers_address_change_is_not_found(api, supplier_admin, other_supplier_admin):
    mine = api(supplier_admin).post("/api/v1/profile-changes/", {"field": "address", "address": "杭州市滨江区江南大道 88 号"}).json()

    assert api(other_supplier_admin).get(f"/api/v1/profile-changes/{mine['id']}/").status_code == 404
    assert api(other_supplier_admin).get("/api/v1/profile-changes/").json()["results"] == []


@pytest.mark.parametrize("field", ["contact", "address"])
def test_supplier_staff_may_not_change_the_contact_or_the_address(api, supplier_staff, supplier, field):
    body = {"field": "contact", "contact_name": "王经理", "contact_phone": "13900001234"} if field == "contact" else {"field": "address", "address": "员工改的地址"}

    response = api(supplier_staff).post("/api/v1/profile-changes/", body)

    assert response.status_code == 403
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize("role", ["supplier_staff", "operator", "finance"])
def test_only_the_supplier_admin_may_request_a_profile_change(request, api, role):
    user = request.getfixturevalue(role)

    response = api(user).post("/api/v1/profile-changes/", {"field": "legal_name", "legal_name": "新名字有限公司"})

    assert response.status_code == 403
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"field": "credit_code", "credit_code": "91350100M000100Y44"}, {"credit_code"}),
        ({"field": "bank_account", "bank_name": "", "account_name": "", "account_number": ""},
         {"bank_name", "account_name", "account_number"}),
        ({"field": "bank_account", **NEW_ACCOUNT, "account_number": "abc"}, {"account_number"}),
        ({"field": "legal_name", "legal_name": "  "}, {"legal_name"}),
        ({"field": "phone", "legal_name": "新名字"}, {"field"}),
        ({"legal_name": "新名字"}, {"field"}),
        ({"field": "address", "address": "新地址"}, {"evidence"}),
    ],
)
def test_a_bad_profile_change_is_400_naming_each_field_and_nothing_is_written(api, supplier_admin, supplier, body, fields):
    before = (supplier.name, supplier.credit_code)

    response = ask(api(supplier_admin), body)

    assert response.status_code == 400 and errors_of(response) == fields
    assert not ProfileChange.objects.exists()
    supplier.refresh_from_db()
    assert (supplier.name, supplier.credit_code) == before


def test_a_second_pending_change_of_the_same_field_is_409(api, supplier_admin, supplier):
    client = api(supplier_admin)
    ask(client, {"field": "credit_code", "credit_code": credit_code(4242)})

    response = ask(client, {"field": "credit_code", "credit_code": credit_code(4343)})

    assert response.status_code == 409 and errors_of(response) == {"field"}
    assert ProfileChange.objects.count() == 1


def test_rejecting_a_profile_change_needs_a_reason_and_a_rejected_one_cannot_be_approved(api, operator, supplier):
    change = ProfileChangeFactory(supplier=supplier)
    client = api(operator)

    refused = client.post(f"/api/v1/profile-changes/{change.pk}/reject/", {})
    rejected = client.post(f"/api/v1/profile-changes/{change.pk}/reject/", {"reason": "与营业执照不符"})
    too_late = client.post(f"/api/v1/profile-changes/{change.pk}/approve/", {})

    assert (refused.status_code, rejected.status_code, too_late.status_code) == (400, 200, 409)
    assert coded(refused) == [("reason", "required")]
    supplier.refresh_from_db()
    assert supplier.name != change.new_value["legal_name"]
    history = client.get(f"/api/v1/profile-changes/{change.pk}/history/").json()
    assert [(h["transition"], h["reason"]) for h in history] == [("reject", "与营业执照不符")]


@pytest.mark.parametrize("path", ["", "history/"])
def test_another_suppliers_profile_change_is_not_found(api, supplier_admin, other_supplier, path):
    theirs = ProfileChangeFactory(supplier=other_supplier)

    assert api(supplier_admin).get(f"/api/v1/profile-changes/{theirs.pk}/{path}").status_code == 404


def test_logistics_do_not_see_profile_changes(api, logistics, supplier):
    change = ProfileChangeFactory(supplier=supplier)

    assert api(logistics).get(f"/api/v1/profile-changes/{change.pk}/").status_code == 404
    assert api(logistics).get("/api/v1/profile-changes/").json()["results"] == []


@pytest.mark.parametrize(("role", "listed", "shown"), [
    ("supplier_admin", "6222021202001234567", "6222021202001234567"), ("finance", "6222021202001234567", "6222021202001234567"),
    ("operator", "***************4567", "6222021202001234567"), ("supplier_staff", "***************4567", "***************4567"),
])
def test_a_requested_account_number_is_masked_except_for_the_supplier_admin_finance_and_the_reviewing_operator(
    request, api, supplier_admin, supplier, role, listed, shown
):
    change = ask(api(supplier_admin), {"field": "bank_account", **NEW_ACCOUNT}).json()
    client = api(request.getfixturevalue(role))

    seen = client.get(f"/api/v1/profile-changes/{change['id']}/").json()

    assert seen["new_value"]["account_number"] == shown
    assert client.get("/api/v1/profile-changes/").json()["results"][0]["new_value"]["account_number"] == listed


def test_the_operator_reading_a_pending_bank_change_whole_is_recorded_and_a_decided_one_is_masked_again(
    api, supplier_admin, supplier, operator
):
    change = ask(api(supplier_admin), {"field": "bank_account", **NEW_ACCOUNT}).json()
    client = api(operator)

    client.get(f"/api/v1/profile-changes/{change['id']}/")
    client.post(f"/api/v1/profile-changes/{change['id']}/approve/", {})
    decided = client.get(f"/api/v1/profile-changes/{change['id']}/").json()

    assert decided["new_value"]["account_number"] == "***************4567"
    assert list(AccessLog.objects.values_list("actor__username", "subject_id", "fields", "purpose")) == [
        ("operator", str(change["id"]), "account_number", "profile_change_review")
    ]


@pytest.mark.parametrize(("body", "evidence", "detail"), [
    ({"field": "bank_account", **NEW_ACCOUNT}, SimpleUploadedFile("permit.txt", b"not a scan"), "仅支持 PDF"),
    ({"field": "legal_name", "legal_name": "新名字有限公司"},
     SimpleUploadedFile("licence.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "不能超过 10 MB"),
])
def test_evidence_of_the_wrong_type_or_too_big_is_400_on_the_evidence_field(api, supplier_admin, body, evidence, detail):
    response = ask(api(supplier_admin), body, evidence=evidence)

    assert response.status_code == 400 and errors_of(response) == {"evidence"}
    assert detail in response.json()["errors"][0]["detail"]
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize("body", [{"field": "bank_account", **NEW_ACCOUNT}, {"field": "credit_code", "credit_code": credit_code(4242)}])
def test_a_reviewed_change_without_evidence_is_400_on_the_evidence_field(api, supplier_admin, body):
    response = api(supplier_admin).post("/api/v1/profile-changes/", body)

    assert response.status_code == 400 and errors_of(response) == {"evidence"}
    assert not ProfileChange.objects.exists()


def test_a_changes_evidence_is_served_to_its_supplier_and_the_operator_and_is_404_for_another_supplier(
    api, supplier_admin, other_supplier_admin, operator, logistics
):
    change = ask(api(supplier_admin), {"field": "bank_account", **NEW_ACCOUNT}).json()
    path = f"/api/v1/profile-changes/{change['id']}/evidence/"

    mine, reviewed = api(supplier_admin).get(path), api(operator).get(path)

    assert (mine.status_code, b"".join(mine.streaming_content)) == (200, b"%PDF-1.4 scan")
    assert reviewed.status_code == 200 and reviewed["Content-Type"] == "application/pdf"
    assert api(other_supplier_admin).get(path).status_code == 404
    assert api(logistics).get(path).status_code == 404


def test_profile_changes_are_filtered_by_state(api, operator, supplier, other_supplier):
    pending = ProfileChangeFactory(supplier=supplier)
    decided = ProfileChangeFactory(supplier=other_supplier)
    api(operator).post(f"/api/v1/profile-changes/{decided.pk}/approve/", {})

    listed = api(operator).get("/api/v1/profile-changes/?state=pending").json()["results"]

    assert [c["id"] for c in listed] == [pending.pk]


def test_the_profile_change_list_runs_a_constant_number_of_queries(api, operator):
    assert_list_queries_constant(api(operator), "/api/v1/profile-changes/", lambda n: ProfileChangeFactory.create_batch(n))


# --- bank accounts ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "masked"), [("supplier_admin", False), ("supplier_staff", True), ("finance", False), ("operator", True)]
)
def test_bank_account_numbers_show_only_their_last_four_digits_to_operators_and_supplier_staff(request, api, supplier, role, masked):
    account = BankAccountFactory(supplier=supplier, account_number="6217000012345678901")

    listed = api(request.getfixturevalue(role)).get("/api/v1/bank-accounts/").json()["results"]

    assert listed[0]["account_number"] == ("***************8901" if masked else "6217000012345678901")
    assert listed[0]["usable_from"].startswith(str((account.approved_at + timedelta(days=7)).date()))


def test_a_supplier_never_sees_another_suppliers_bank_accounts(api, supplier_admin, supplier, other_supplier, logistics):
    mine = BankAccountFactory(supplier=supplier)
    BankAccountFactory(supplier=other_supplier)

    assert [a["id"] for a in api(supplier_admin).get("/api/v1/bank-accounts/").json()["results"]] == [mine.pk]
    assert api(logistics).get("/api/v1/bank-accounts/").json()["results"] == []


def test_the_bank_account_list_runs_a_constant_number_of_queries(api, finance):
    assert_list_queries_constant(api(finance), "/api/v1/bank-accounts/", lambda n: BankAccountFactory.create_batch(n))


def test_operators_filter_bank_accounts_by_supplier(api, operator, supplier, other_supplier):
    BankAccountFactory(supplier=supplier)
    theirs = BankAccountFactory(supplier=other_supplier)

    listed = api(operator).get(f"/api/v1/bank-accounts/?supplier={other_supplier.pk}").json()["results"]

    assert [a["id"] for a in listed] == [theirs.pk]


def test_the_evidence_of_a_profile_change_is_404_for_supplier_staff_and_served_to_its_admin_and_operators(
    api, supplier_admin, supplier_staff, operator
):
    change = ask(api(supplier_admin), {"field": "bank_account", **NEW_ACCOUNT}).json()
    route = f"/api/v1/profile-changes/{change['id']}/evidence/"

    refused = api(supplier_staff).get(route)

    assert refused.status_code == 404
    assert api(supplier_staff).get(f"/api/v1/profile-changes/{change['id']}/").json()["evidence"] is None
    assert [api(user).get(route).status_code for user in (supplier_admin, operator)] == [200, 200]
