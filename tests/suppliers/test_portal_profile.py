"""Portal pages of supplier paperwork: the supplier's profile and change requests, its contracts and qualifications,
and the operator's review of contracts, profile changes and qualifications."""
import re
from datetime import timedelta
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AccessLog
from suppliers.models import Contract, ProfileChange, Qualification
from suppliers.services import onboarding, profile
from tests.factories import ContractFactory, QualificationFactory, SupplierUserFactory, supplier_in
from tests.suppliers.profile_factories import NEW_ACCOUNT, BankAccountFactory, CertificateFactory, ProfileChangeFactory, evidence, licence_number
from tests.portal import form_values, logged_in, posted_as, seen_by

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork


def field_errors(response) -> set[str]:
    page = response.content.decode()
    return {chunk.split('"', 1)[0] for chunk in page.split('class="field-error" data-field="')[1:]}


def licence_form(holder, **changes) -> dict:
    """A business licence of `holder` (a supplier or one of its users) as the paperwork form posts it."""
    today = timezone.localdate()
    return {"form": "qualification", "kind": "business_licence", "number": licence_number(holder), "issued_on": today - timedelta(days=1),
            "expires_on": today + timedelta(days=1000), "file": SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n")} | changes


CONTRACT_FORM = {"number": "HT-PORTAL-1", "start_date": "2027-01-01", "end_date": "2028-01-01", "programs": ["gotone"],
                 "payment_days": "30", "deposit_amount": "10000.00"}


# --- the supplier's profile ---------------------------------------------------------------------------------
def test_the_supplier_admin_sees_its_accounts_with_the_date_each_becomes_usable_and_its_pending_changes(
    supplier_admin, supplier, now
):
    BankAccountFactory(supplier=supplier, approved_at=now, account_number="6217000099998888")
    ProfileChangeFactory(supplier=supplier, new_value={"legal_name": "申请中的新名字有限公司"})

    page = logged_in(supplier_admin).get("/supplier/profile/").content.decode()

    accounts = page.split('data-testid="bank-accounts"', 1)[1].split("</table>", 1)[0]
    assert "6217000099998888" in accounts and "2026-10-22 10:00" in accounts
    assert "申请中的新名字有限公司" in page.split('data-testid="pending-changes"', 1)[1]
    assert 'data-testid="change-form"' in page and supplier.name in page


def test_the_profile_keeps_every_step_of_the_cooperation_with_its_reason_after_a_reactivation(operator, now):
    supplier = supplier_in("active", actor=operator, now=now)
    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now, reason="连续两月发货超时")
    onboarding.reactivate_supplier(supplier=supplier, actor=operator, now=now, reason="已整改")
    staff = SupplierUserFactory(username="supplier_staff", role="supplier_staff", supplier=supplier)

    page = logged_in(staff).get("/supplier/profile/").content.decode()

    rows = page.split('data-testid="history"', 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    steps = [re.sub(r"<[^>]+>", "|", row) for row in rows]
    assert any("暂停" in step and "连续两月发货超时" in step for step in steps)
    assert "已整改" in steps[-1] and "恢复" in steps[-1]
    assert "运营人员" in steps[-1] and operator.username not in page.split('data-testid="history"', 1)[1]


def test_a_bank_account_change_requested_through_the_form_waits_for_review(supplier_admin, supplier):
    client = logged_in(supplier_admin)
    response = client.post("/supplier/profile/", {"field": "bank_account", **NEW_ACCOUNT, "evidence": evidence()})

    assert response.status_code == 302
    change = ProfileChange.objects.get()
    assert (change.field, change.state, change.new_value) == ("bank_account", "pending", NEW_ACCOUNT)
    page = client.get("/supplier/profile/").content.decode()
    assert f'href="/supplier/files/profile-changes/{change.pk}/" data-testid="evidence"' in page
    assert b"".join(client.get(f"/supplier/files/profile-changes/{change.pk}/").streaming_content) == b"%PDF-1.4 permit"


def _changes_requested_and_decided(supplier, admin, operator, now, *, first: int = 0, copies: int = 1) -> None:
    """For each copy (numbered from `first`): a legal name change the operator approved, a bank account change it
    rejected, an address applied at once; and one bank account change still pending."""
    request = partial(profile.request_profile_change, supplier=supplier, actor=admin, now=now)
    for n in range(first, first + copies):
        named = request(field="legal_name", legal_name=f"更名后的礼品商{n}有限公司", evidence=evidence())
        profile.approve_profile_change(change=named, actor=operator, now=now)
        account = request(field="bank_account", **NEW_ACCOUNT, evidence=evidence())
        profile.reject_profile_change(change=account, actor=operator, now=now, reason="开户许可证模糊")
        request(field="address", address=f"浙江省杭州市滨江区长河路 {n + 1} 号")
    request(field="bank_account", **NEW_ACCOUNT, evidence=evidence())


def _history_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(change, requested by, state, reviewer) of each row of the change history, newest first."""
    table = page.split('data-testid="change-history"', 1)[1].split("</tbody>", 1)[0]
    cells = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
             for row in table.split("<tr>")[2:]]
    return [(row[2], row[1], row[5], row[6]) for row in cells]


def test_the_change_history_names_who_requested_each_change_and_who_decided_it(supplier_admin, supplier, operator, now):
    _changes_requested_and_decided(supplier, supplier_admin, operator, now)

    page = logged_in(supplier_admin).get("/supplier/profile/").content.decode()

    assert sorted(_history_rows(page)) == sorted([
        ("企业名称", "supplier_admin", "已通过", "运营人员"),
        ("收款账户", "supplier_admin", "已驳回", "运营人员"),
        ("地址", "supplier_admin", "已通过", "无需审核"),
        ("收款账户", "supplier_admin", "待审核", "—"),
    ])
    assert operator.username not in page.split('data-testid="change-history"', 1)[1]


def test_the_profile_page_reads_who_requested_and_decided_the_changes_in_the_same_queries_however_many(
    supplier_admin, supplier, operator, now
):
    _changes_requested_and_decided(supplier, supplier_admin, operator, now)
    client = logged_in(supplier_admin)
    client.get("/supplier/profile/")
    with CaptureQueriesContext(connection) as few:
        client.get("/supplier/profile/")
    profile.withdraw_profile_change(change=ProfileChange.objects.get(state="pending"), actor=supplier_admin, now=now)
    _changes_requested_and_decided(supplier, supplier_admin, operator, now + timedelta(minutes=1), first=1, copies=3)

    with CaptureQueriesContext(connection) as many:
        page = client.get("/supplier/profile/").content.decode()

    assert len(_history_rows(page)) == 1 + 3 + 3 * 3 + 1
    assert len(many) == len(few)


def test_the_change_form_takes_a_file_and_offers_the_evidence_field_for_the_reviewed_changes(supplier_admin):
    page = logged_in(supplier_admin).get("/supplier/profile/").content.decode()

    form = page.split('data-testid="change-form"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in page.split('data-testid="change-form"', 1)[1].split(">", 1)[0]
    assert re.search(r'name="evidence"[^>]*data-change="bank_account legal_name credit_code"|'
                     r'data-change="bank_account legal_name credit_code"[^>]*name="evidence"', form)


def test_the_supplier_admin_changes_its_contact_through_the_form_at_once_and_sees_it_in_the_history(supplier_admin, supplier):
    client = logged_in(supplier_admin)
    contact = {"field": "contact", "contact_name": "王经理", "contact_phone": "13900001234", "contact_email": "wang@example.com"}

    response = client.post("/supplier/profile/", contact, follow=True)

    page = response.content.decode()
    assert "联系人信息已更新" in page and "王经理 13900001234 · wang@example.com" in page
    history = page.split('data-testid="change-history"', 1)[1]
    assert "王经理 / 13900001234 / wang@example.com" in history and "已通过" in history
    refused = client.post("/supplier/profile/", contact | {"contact_phone": "12345"})
    assert refused.status_code == 200 and "contact_phone" in field_errors(refused)


def test_the_change_form_shows_the_contact_and_address_so_changing_the_phone_alone_keeps_the_email(supplier_admin, supplier):
    supplier.contact_email, supplier.address = "zhang@example.com", "杭州市西湖区文一路 1 号"
    supplier.save(update_fields=["contact_email", "address"])
    client = logged_in(supplier_admin)
    shown = form_values(client.get("/supplier/profile/"), "change-form")

    client.post("/supplier/profile/", shown | {"field": "contact", "contact_phone": "13911112222"})
    client.post("/supplier/profile/", {"field": "contact", "contact_name": "李经理"})  # a post leaving fields out keeps them
    # a bank account change from the same page: the contact and address it shows are no part of it
    account = client.post("/supplier/profile/", shown | {"field": "bank_account", **NEW_ACCOUNT, "evidence": evidence()})

    supplier.refresh_from_db()
    assert (shown["contact_name"], shown["contact_email"], shown["address"]) == ("张经理", "zhang@example.com", "杭州市西湖区文一路 1 号")
    assert (supplier.contact_name, supplier.contact_phone, supplier.contact_email) == ("李经理", "13911112222", "zhang@example.com")
    assert account.status_code == 302 and ProfileChange.objects.get(field="bank_account").state == "pending"


def test_a_contact_changed_by_another_admin_meanwhile_is_kept_and_one_both_changed_comes_back_409(supplier_admin, supplier):
    other = SupplierUserFactory(supplier=supplier, role="supplier_admin")
    first, second = logged_in(supplier_admin), logged_in(other)
    page_a, page_b = (form_values(client.get("/supplier/profile/"), "change-form") for client in (first, second))
    first.post("/supplier/profile/", page_a | {"field": "contact", "contact_email": "new@example.com"})

    second.post("/supplier/profile/", page_b | {"field": "contact", "contact_phone": "13911112222"})
    clash = second.post("/supplier/profile/", page_b | {"field": "contact", "contact_email": "mine@example.com"})

    supplier.refresh_from_db()
    assert (supplier.contact_phone, supplier.contact_email) == ("13911112222", "new@example.com")
    assert clash.status_code == 409 and field_errors(clash) == {"contact_email"}
    assert 'data-field="contact_email">其间已有他人修改此项，现显示的是最新内容；您填写的“mine@example.com”未保存' in clash.content.decode()


def test_the_supplier_admin_changes_its_address_through_the_form_at_once_and_the_operator_sees_it(supplier_admin, supplier, operator):
    client = logged_in(supplier_admin)
    supplier.address = "杭州市西湖区文一路 1 号"
    supplier.save(update_fields=["address"])

    response = client.post("/supplier/profile/", {"field": "address", "address": " 杭州市滨江区江南大道 88 号 "}, follow=True)

    page = response.content.decode()
    assert "地址已更新" in page
    assert "杭州市滨江区江南大道 88 号" in page.split('data-testid="address"', 1)[1].split("</tr>", 1)[0]
    history = page.split('data-testid="change-history"', 1)[1]
    assert "杭州市西湖区文一路 1 号" in history and "杭州市滨江区江南大道 88 号" in history and "已通过" in history
    operator_page = logged_in(operator).get(reverse("operator-supplier-detail", args=[supplier.pk])).content.decode()
    assert "杭州市滨江区江南大道 88 号" in operator_page.split('data-testid="address"', 1)[1].split("</tr>", 1)[0]


@pytest.mark.parametrize("address", ["  ", "路" * 301])
def test_a_bad_address_is_shown_next_to_the_address_field_and_nothing_is_written(supplier_admin, supplier, address):
    supplier.address = "杭州市西湖区文一路 1 号"
    supplier.save(update_fields=["address"])

    response = logged_in(supplier_admin).post("/supplier/profile/", {"field": "address", "address": address})

    assert response.status_code == 200 and field_errors(response) == {"address"}
    supplier.refresh_from_db()
    assert supplier.address == "杭州市西湖区文一路 1 号" and not ProfileChange.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"field": "credit_code", "credit_code": "91350100M000100Y44", "evidence": evidence()}, {"credit_code"}),
        ({"field": "bank_account", "evidence": evidence()}, {"bank_name", "account_name", "account_number"}),
        ({"field": "bank_account", **NEW_ACCOUNT}, {"evidence"}),
        ({"field": "legal_name", "legal_name": "杭州新名字礼品有限公司"}, {"evidence"}),
        ({"field": "bank_account", **NEW_ACCOUNT, "evidence": evidence("permit.txt", b"not a scan")}, {"evidence"}),
        ({"field": "legal_name", "legal_name": "杭州新名字礼品有限公司",
          "evidence": evidence("licence.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))}, {"evidence"}),
    ],
)
def test_a_bad_change_request_is_shown_next_to_each_field_and_nothing_is_written(supplier_admin, body, fields):
    response = logged_in(supplier_admin).post("/supplier/profile/", body)

    assert response.status_code == 200 and field_errors(response) == fields
    assert not ProfileChange.objects.exists()


def test_a_second_request_for_a_pending_field_is_shown_on_the_form(supplier_admin, supplier):
    ProfileChangeFactory(supplier=supplier)

    response = logged_in(supplier_admin).post("/supplier/profile/", {"field": "legal_name", "legal_name": "又一个新名字",
                                                                     "evidence": evidence()})

    assert field_errors(response) == {"field"}
    assert ProfileChange.objects.count() == 1


def test_supplier_staff_see_the_suppliers_bank_accounts_masked_and_no_evidence_which_is_404_for_them(
    supplier_staff, supplier_admin, supplier, now
):
    BankAccountFactory(supplier=supplier, approved_at=now - timedelta(days=30), account_number="6217000099998888")
    change = ProfileChangeFactory(supplier=supplier, requested_by=supplier_admin)
    client = logged_in(supplier_staff)

    page = client.get("/supplier/profile/").content.decode()
    refused = client.get(f"/supplier/files/profile-changes/{change.pk}/")

    accounts = page.split('data-testid="bank-accounts"', 1)[1].split("</table>", 1)[0]
    payable = page.split('data-testid="payable"', 1)[1].split("</td>", 1)[0]
    assert "************8888" in accounts and "************8888" in payable
    assert "6217000099998888" not in page and 'data-testid="evidence"' not in page
    assert refused.status_code == 404
    assert logged_in(supplier_admin).get(f"/supplier/files/profile-changes/{change.pk}/").status_code == 200


def test_supplier_staff_see_the_profile_but_may_not_request_changes(supplier_staff):
    client = logged_in(supplier_staff)

    page = client.get("/supplier/profile/")
    posted = client.post("/supplier/profile/", {"field": "legal_name", "legal_name": "员工改的名字"})

    assert page.status_code == 200 and 'data-testid="change-form"' not in page.content.decode()
    assert posted.status_code == 403
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize("path", ["/supplier/profile/", "/supplier/paperwork/"])
def test_staff_roles_have_no_supplier_pages(operator, path):
    assert logged_in(operator).get(path).status_code == 403


# --- the supplier's contracts and qualifications ------------------------------------------------------------
def test_the_paperwork_page_warns_of_expiring_and_expired_qualifications(supplier_staff, supplier):
    today = timezone.localdate()
    expiring = QualificationFactory(supplier=supplier, expires_on=today + timedelta(days=10))
    expired = CertificateFactory(supplier=supplier, expires_on=today - timedelta(days=3))
    ContractFactory(supplier=supplier, number="HT-MINE")

    page = logged_in(supplier_staff).get("/supplier/paperwork/").content.decode()

    warnings = page.split('data-testid="expiry-warnings"', 1)[1].split("</ul>", 1)[0]
    assert str(expiring) in warnings and str(expired) in warnings
    assert f'data-testid="expiry-{expiring.pk}">即将到期' in page and f'data-testid="expiry-{expired.pk}">已过期' in page
    assert "HT-MINE" in page and 'data-testid="contract-form"' not in page


def test_each_file_link_of_the_paperwork_names_its_certificate_or_contract_to_screen_readers(supplier_staff, supplier):
    licence = QualificationFactory(supplier=supplier)
    ContractFactory(supplier=supplier, number="HT-MINE", file=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract"))

    page = logged_in(supplier_staff).get("/supplier/paperwork/").content.decode()

    qualifications = page.split('data-testid="qualifications"', 1)[1].split("</table>", 1)[0]
    contracts = page.split('data-testid="contracts"', 1)[1].split("</table>", 1)[0]
    assert f'>查看<span class="sr-only"> {licence.number}</span></a>' in qualifications
    assert '>查看<span class="sr-only"> HT-MINE</span></a>' in contracts


def test_supplier_staff_upload_a_qualification(supplier_staff, supplier):
    response = logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier)))

    assert response.status_code == 302
    assert Qualification.objects.get().supplier == supplier


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"file": ""}, "file"), ({"expires_on": "2000-01-01"}, "expires_on"), ({"kind": "product_certificate"}, "certificate_type")],
)
def test_a_bad_upload_is_shown_next_to_the_field_and_nothing_is_written(supplier_admin, changes, field):
    response = logged_in(supplier_admin).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier_admin, **changes)))

    assert response.status_code == 200 and field in field_errors(response)
    assert not Qualification.objects.exists()


def test_a_post_of_a_form_the_page_does_not_have_says_so_and_writes_nothing(supplier_admin):
    response = logged_in(supplier_admin).post("/supplier/paperwork/", {"form": "licence", **CONTRACT_FORM})

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["无法识别提交的表单，请重新填写"]
    assert not Contract.objects.exists() and not Qualification.objects.exists()


def test_a_supplier_admin_proposes_a_contract(supplier_admin, supplier):
    response = logged_in(supplier_admin).post("/supplier/paperwork/", posted_as("contract", CONTRACT_FORM))

    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.supplier, contract.state, contract.number) == (supplier, "pending", "HT-PORTAL-1")


@pytest.mark.parametrize("form", ["qualification", "contract"])
def test_a_double_submitted_paperwork_form_uploads_or_proposes_once(supplier_admin, form):
    client = logged_in(supplier_admin)

    def sent():  # the same page's form sent twice (a double click): its token, its values, the file again
        return client.post("/supplier/paperwork/", posted_as(form, (licence_form(supplier_admin) if form == "qualification" else CONTRACT_FORM)
                                                              | {"token": "twice"}))

    first, second = sent(), sent()

    assert first.status_code == second.status_code == 302
    assert Qualification.objects.count() + Contract.objects.count() == 1


def test_supplier_staff_may_not_propose_a_contract(supplier_staff):
    response = logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("contract", CONTRACT_FORM))

    assert response.status_code == 403
    assert not Contract.objects.exists()


# --- the operator's review ----------------------------------------------------------------------------------
def test_an_operator_registers_a_contract_and_approves_it_from_its_page(operator, supplier):
    client = logged_in(operator)

    client.post("/supplier/contracts/review/", {"supplier": supplier.pk, **CONTRACT_FORM, "token": "register"})
    contract = Contract.objects.get()
    detail = client.get(f"/supplier/contracts/review/{contract.pk}/").content.decode()
    client.post(f"/supplier/contracts/review/{contract.pk}/approve/", {"reason": "条款无误"})

    assert 'data-action="approve"' in detail
    assert Contract.objects.get().state == "approved"
    history = client.get(f"/supplier/contracts/review/{contract.pk}/").content.decode().split('data-testid="history"', 1)[1]
    assert "条款无误" in history and "operator" in history


def test_a_contract_rejected_without_a_reason_stays_pending_with_an_error_message(operator, supplier):
    contract = ContractFactory(supplier=supplier)

    response = logged_in(operator).post(f"/supplier/contracts/review/{contract.pk}/reject/", {"reason": ""}, follow=True)

    assert "请填写驳回原因" in response.content.decode()
    assert Contract.objects.get().state == "pending"


def test_a_bad_contract_registration_is_shown_next_to_the_field(operator, supplier):
    body = {"supplier": supplier.pk, **CONTRACT_FORM, "end_date": "2026-01-01", "token": "register"}

    response = logged_in(operator).post("/supplier/contracts/review/", body)

    assert field_errors(response) == {"end_date"}
    assert not Contract.objects.exists()


def test_the_contract_review_list_filters_by_state(operator, supplier):
    ContractFactory(supplier=supplier, number="HT-WAITING")
    approved = ContractFactory(supplier=supplier, number="HT-DONE")
    logged_in(operator).post(f"/supplier/contracts/review/{approved.pk}/approve/")

    page = logged_in(operator).get("/supplier/contracts/review/?state=pending").content.decode()

    assert "HT-WAITING" in page and "HT-DONE" not in page


def test_finance_reads_contracts_but_may_not_decide_them(finance, supplier):
    contract = ContractFactory(supplier=supplier)
    client = logged_in(finance)

    page = client.get(f"/supplier/contracts/review/{contract.pk}/")
    decided = client.post(f"/supplier/contracts/review/{contract.pk}/approve/")

    assert page.status_code == 200 and 'data-action="approve"' not in page.content.decode()
    assert decided.status_code == 403
    assert Contract.objects.get().state == "pending"


@pytest.mark.parametrize(
    "path", ["/supplier/contracts/review/", "/supplier/profile-changes/review/", "/supplier/qualifications/review/"]
)
def test_supplier_users_cannot_open_review_pages(supplier_admin, path):
    assert logged_in(supplier_admin).get(path).status_code == 403


def test_an_operator_opens_a_change_from_the_review_list_approves_it_on_its_page_and_it_applies(operator, supplier):
    change = ProfileChangeFactory(supplier=supplier)
    client = logged_in(operator)

    listed = client.get("/supplier/profile-changes/review/?state=pending").content.decode()
    approve = f"/supplier/profile-changes/review/{change.pk}/approve/"
    response = client.post(approve, {"seen": seen_by(client.get(f"/supplier/profile-changes/review/{change.pk}/").content.decode(), approve)})

    assert change.new_value["legal_name"] in listed
    assert f'href="/supplier/profile-changes/review/{change.pk}/" data-testid="review"' in listed
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.name == change.new_value["legal_name"]


def test_a_change_rejected_without_a_reason_stays_pending(operator, supplier):
    change = ProfileChangeFactory(supplier=supplier)
    name = supplier.name

    logged_in(operator).post(f"/supplier/profile-changes/review/{change.pk}/reject/", {"reason": " "})

    assert ProfileChange.objects.get().state == "pending"
    supplier.refresh_from_db()
    assert supplier.name == name


def test_the_operator_reviewing_a_bank_change_sees_both_accounts_whole_with_the_evidence_and_the_read_is_recorded(
    operator, supplier_admin, supplier
):
    current = BankAccountFactory(supplier=supplier, account_number="6217000012345670001")
    logged_in(supplier_admin).post("/supplier/profile/", {"field": "bank_account", **NEW_ACCOUNT, "evidence": evidence()})
    change = ProfileChange.objects.get()
    client = logged_in(operator)

    page = client.get(f"/supplier/profile-changes/review/{change.pk}/").content.decode()
    listed = client.get("/supplier/profile-changes/review/").content.decode()

    assert f"{current.bank_name} / {current.account_name} / {current.account_number}" in page
    assert " / ".join(NEW_ACCOUNT.values()) in page
    assert f'href="/supplier/files/profile-changes/{change.pk}/" data-testid="evidence"' in page
    assert client.get(f"/supplier/files/profile-changes/{change.pk}/")["Content-Type"] == "application/pdf"
    assert "***************4567" in listed and NEW_ACCOUNT["account_number"] not in listed
    assert list(AccessLog.objects.values_list("actor", "subject_id", "fields", "purpose")) == [
        (operator.pk, str(change.pk), "account_number", "profile_change_review")
    ]


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decided_bank_change_shows_the_operator_masked_numbers_again(operator, supplier_admin, supplier, decision):
    logged_in(supplier_admin).post("/supplier/profile/", {"field": "bank_account", **NEW_ACCOUNT, "evidence": evidence()})
    change = ProfileChange.objects.get()
    client = logged_in(operator)
    client.post(f"/supplier/profile-changes/review/{change.pk}/{decision}/", {"reason": "开户许可证与账号不符"})

    page = client.get(f"/supplier/profile-changes/review/{change.pk}/").content.decode()

    assert "***************4567" in page and NEW_ACCOUNT["account_number"] not in page
    assert not AccessLog.objects.exists()


def test_finance_reads_a_pending_bank_change_whole_as_it_always_may_and_no_review_read_is_recorded(finance, supplier_admin):
    logged_in(supplier_admin).post("/supplier/profile/", {"field": "bank_account", **NEW_ACCOUNT, "evidence": evidence()})
    change = ProfileChange.objects.get()

    page = logged_in(finance).get(f"/supplier/profile-changes/review/{change.pk}/").content.decode()

    assert NEW_ACCOUNT["account_number"] in page and not AccessLog.objects.exists()


def test_another_supplier_gets_404_for_a_changes_evidence(supplier_admin, other_supplier, logistics):
    theirs = ProfileChangeFactory(supplier=other_supplier)

    assert logged_in(supplier_admin).get(f"/supplier/files/profile-changes/{theirs.pk}/").status_code == 404
    assert logged_in(logistics).get(f"/supplier/files/profile-changes/{theirs.pk}/").status_code == 404


def test_an_unknown_review_action_is_not_found(operator, supplier):
    change = ProfileChangeFactory(supplier=supplier)

    assert logged_in(operator).post(f"/supplier/profile-changes/review/{change.pk}/delete/").status_code == 404
    assert ProfileChange.objects.get().state == "pending"


def test_operators_list_every_suppliers_qualifications_by_expiry(operator, supplier, other_supplier):
    today = timezone.localdate()
    QualificationFactory(supplier=supplier, number="LIC-SOON", expires_on=today + timedelta(days=3))
    QualificationFactory(supplier=other_supplier, number="LIC-LATER")

    page = logged_in(operator).get("/supplier/qualifications/review/?expiry_status=expiring").content.decode()

    assert "LIC-SOON" in page and "LIC-LATER" not in page and supplier.name in page


def test_the_paperwork_page_links_each_licence_to_a_download_only_its_supplier_and_staff_get(
        supplier_staff, supplier, operator, other_supplier):
    licence = QualificationFactory(supplier=supplier)
    outsider = SupplierUserFactory(username="outsider", role="supplier_admin", supplier=other_supplier)

    page = logged_in(supplier_staff).get("/supplier/paperwork/").content.decode()
    url = f"/supplier/files/qualifications/{licence.pk}/"
    mine, staff, theirs = (logged_in(user).get(url) for user in (supplier_staff, operator, outsider))

    assert f'href="{url}"' in page and "/media/" not in page
    assert (mine.status_code, b"".join(mine.streaming_content)) == (200, b"%PDF-1.4 licence")
    assert staff.status_code == 200 and theirs.status_code == 404


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("x.html", b"<script>alert(document.cookie)</script>", content_type="text/html"),
    SimpleUploadedFile("evil.exe", b"MZ\x90\x00 not a document"),
    SimpleUploadedFile("fake.pdf", b"<html>a page named like a PDF</html>"),
])
def test_a_qualification_file_must_be_a_pdf_or_a_scan_and_nothing_else_is_kept(supplier_staff, upload):
    response = logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier_staff, file=upload)))

    assert field_errors(response) == {"file"} and "仅支持 PDF 或 JPEG、PNG、WebP 扫描件" in response.content.decode()
    assert not Qualification.objects.exists()


def test_a_scan_is_kept_under_the_extension_of_what_it_is_and_shown_in_place(supplier_staff, operator):
    import io

    from PIL import Image

    scan = io.BytesIO()
    Image.new("RGB", (20, 20)).save(scan, "PNG")

    logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier_staff, file=SimpleUploadedFile("licence.pdf", scan.getvalue()))))
    licence = Qualification.objects.get()
    served = logged_in(operator).get(f"/supplier/files/qualifications/{licence.pk}/")

    assert licence.file.name.endswith(".png") and served["Content-Type"] == "image/png"
    assert not served["Content-Disposition"].startswith("attachment")


def test_a_stored_file_that_is_no_document_downloads_as_bytes_and_never_opens_as_a_page(supplier, operator):
    from django.core.files.base import ContentFile

    stored = QualificationFactory(supplier=supplier)
    stored.file.save("page.html", ContentFile(b"<script>alert(1)</script>"))  # kept before uploads were checked

    served = logged_in(operator).get(f"/supplier/files/qualifications/{stored.pk}/")

    assert served.status_code == 200 and served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment") and served["X-Content-Type-Options"] == "nosniff"


def test_an_operator_records_an_applicants_licence_so_the_application_can_be_approved_in_the_portal(operator, now):
    from suppliers.models import Supplier
    from suppliers.services import contracts, onboarding
    from tests.factories import SUPPLIER_APPLICATION

    applicant = onboarding.apply_as_supplier(**SUPPLIER_APPLICATION | {"contact_email": "", "address": ""}, now=now)
    onboarding.start_supplier_review(supplier=applicant, actor=operator, now=now)
    contracts.approve_contract(contract=ContractFactory(supplier=applicant), actor=operator, now=now)
    client = logged_in(operator)
    refused = client.post(f"/supplier/review/{applicant.pk}/approve/", {"reason": ""}, follow=True).content.decode()

    recorded = client.post("/supplier/qualifications/review/", licence_form(applicant, supplier=applicant.pk, form="qualification", token="record"))
    approved = client.post(f"/supplier/review/{applicant.pk}/approve/", {"reason": ""})

    applicant.refresh_from_db()
    assert "缺少有效的营业执照" in refused
    assert recorded.status_code == 302 and Qualification.objects.get(supplier=applicant).kind == "business_licence"
    assert approved.status_code == 302 and applicant.state == Supplier.State.ACTIVE


def test_a_supplier_records_no_qualification_for_another_through_the_operators_form(supplier_admin, other_supplier):
    response = logged_in(supplier_admin).post("/supplier/qualifications/review/", licence_form(other_supplier, supplier=other_supplier.pk))

    assert response.status_code == 403 and not Qualification.objects.filter(supplier=other_supplier).exists()


# --- the paperwork page's two forms ------------------------------------------------------------------------------
def form_on(page: str, name: str) -> str:
    """The HTML of one form of the page (by its data-testid, `<name>-form`)."""
    return page.split(f'data-testid="{name}-form"', 1)[1].split("</form>", 1)[0]


def test_the_paperwork_pages_forms_have_no_id_in_common(supplier_admin):
    page = logged_in(supplier_admin).get("/supplier/paperwork/").content.decode()

    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert 'id="id_qualification-number"' in form_on(page, "qualification") and 'id="id_contract-number"' in form_on(page, "contract")
    assert 'for="id_contract-number"' in form_on(page, "contract")


def test_a_refused_upload_shows_its_errors_and_values_only_in_its_own_form(supplier_admin):
    response = logged_in(supplier_admin).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier_admin, number="LIC-KEPT", file="")))

    page = response.content.decode()
    upload, contract = form_on(page, "qualification"), form_on(page, "contract")
    assert 'data-field="file"' in upload and 'value="LIC-KEPT"' in upload
    assert "field-error" not in contract and "LIC-KEPT" not in contract


def test_a_refused_contract_shows_its_errors_and_values_only_in_its_own_form(supplier_admin):
    response = logged_in(supplier_admin).post("/supplier/paperwork/", posted_as("contract", CONTRACT_FORM | {"payment_days": "400"}))

    page = response.content.decode()
    upload, contract = form_on(page, "qualification"), form_on(page, "contract")
    assert 'data-field="payment_days"' in contract and 'value="HT-PORTAL-1"' in contract
    assert "field-error" not in upload and "HT-PORTAL-1" not in upload


def test_the_contract_form_names_its_program_choices_by_a_legend_and_each_error_by_the_id_its_input_refers_to(operator, supplier):
    client = logged_in(operator)

    blank = client.get("/supplier/contracts/review/").content.decode()
    refused = client.post("/supplier/contracts/review/", {"supplier": supplier.pk, **CONTRACT_FORM, "number": ""}).content.decode()

    assert '<label for="">' not in blank and "<legend>服务的积分计划</legend>" in blank
    assert 'aria-describedby="id_number_error"' in refused and '<span id="id_number_error" class="field-errors">' in refused
    assert not Contract.objects.exists()
