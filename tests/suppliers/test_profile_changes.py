"""Reviewed profile changes (信息资料管理, SPEC §4.1): bank account, legal name, credit code; the 7-day bank account rule;
the contact person and the address, changed by the supplier admin without review and kept in the same history."""
from datetime import timedelta

import pytest

from core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import history_of
from core.models import TransitionLog
from suppliers.models import BankAccount, ProfileChange, Supplier
from core.masking import mask_account_number
from suppliers.selectors_profile import payable_account
from suppliers.services import profile
from tests.factories import credit_code
from tests.suppliers.profile_factories import NEW_ACCOUNT, BankAccountFactory, ProfileChangeFactory, evidence

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # `supplier`: an applicant gathering its paperwork


def request_change(supplier_admin, supplier, now, **values):
    """A change as the admin asks it, a reviewed one with its evidence unless the test says otherwise."""
    if values.get("field") in profile.EVIDENCE:
        values.setdefault("evidence", evidence())
    return profile.request_profile_change(supplier=supplier, actor=supplier_admin, now=now, **values)


def snapshot(supplier):
    supplier.refresh_from_db()
    counts = (BankAccount.objects.count(), ProfileChange.objects.count(), TransitionLog.objects.count())
    return (supplier.name, supplier.credit_code, *counts)


def test_a_bank_account_change_waits_for_review_and_keeps_the_account_it_replaces(supplier_admin, supplier, now):
    current = BankAccountFactory(supplier=supplier, approved_at=now - timedelta(days=60))

    change = request_change(supplier_admin, supplier, now, field="bank_account", **NEW_ACCOUNT)

    assert change.state == ProfileChange.State.PENDING and change.requested_by == supplier_admin
    assert change.old_value == {
        "bank_name": current.bank_name, "account_name": current.account_name, "account_number": current.account_number
    }
    assert change.new_value == NEW_ACCOUNT
    assert list(BankAccount.objects.all()) == [current]


def test_approving_a_bank_account_change_adds_an_account_approved_now(supplier_admin, supplier, operator, now):
    change = request_change(supplier_admin, supplier, now, field="bank_account", **NEW_ACCOUNT)

    profile.approve_profile_change(change=change, actor=operator, now=now + timedelta(hours=2))

    account = BankAccount.objects.get(supplier=supplier)
    assert (account.account_number, account.approved_at) == (NEW_ACCOUNT["account_number"], now + timedelta(hours=2))
    change.refresh_from_db()
    assert (change.state, change.decided_at) == ("approved", now + timedelta(hours=2))
    assert [(log.transition, log.actor, log.source_state, log.target_state) for log in history_of(change)] == [
        ("request", supplier_admin, "", "pending"), ("approve", operator, "pending", "approved")
    ]


def test_approving_a_legal_name_change_renames_the_supplier_and_keeps_the_old_name(supplier_admin, supplier, operator, now):
    old_name = supplier.name
    change = request_change(supplier_admin, supplier, now, field="legal_name", legal_name="杭州新名字礼品有限公司")

    profile.approve_profile_change(change=change, actor=operator, now=now)

    supplier.refresh_from_db()
    assert supplier.name == "杭州新名字礼品有限公司"
    assert ProfileChange.objects.get(pk=change.pk).old_value == {"legal_name": old_name}


def test_approving_a_credit_code_change_updates_the_code_normalised(supplier_admin, supplier, operator, now):
    new_code = credit_code(987654)
    change = request_change(supplier_admin, supplier, now, field="credit_code", credit_code=f" {new_code.lower()} ")

    profile.approve_profile_change(change=change, actor=operator, now=now)

    supplier.refresh_from_db()
    assert supplier.credit_code == new_code
    assert supplier.state == Supplier.State.APPLIED


def test_approved_changes_one_after_another_keep_the_whole_history(supplier_admin, supplier, operator, now):
    original = supplier.name
    for step, name in enumerate(["第二个名字有限公司", "第三个名字有限公司"]):
        change = request_change(supplier_admin, supplier, now + timedelta(days=step), field="legal_name", legal_name=name)
        profile.approve_profile_change(change=change, actor=operator, now=now + timedelta(days=step))

    history = ProfileChange.objects.filter(supplier=supplier).order_by("requested_at")

    assert [(c.old_value["legal_name"], c.new_value["legal_name"]) for c in history] == [
        (original, "第二个名字有限公司"), ("第二个名字有限公司", "第三个名字有限公司")
    ]


def test_rejecting_a_change_needs_a_reason_and_then_changes_nothing_about_the_supplier(supplier_admin, supplier, operator, now):
    change = request_change(supplier_admin, supplier, now, field="legal_name", legal_name="想改的名字有限公司")
    before = snapshot(supplier)

    with pytest.raises(ValidationFailed) as refused:
        profile.reject_profile_change(change=change, actor=operator, now=now, reason="  ")

    assert refused.value.field == "reason"
    assert snapshot(supplier) == before
    profile.reject_profile_change(change=change, actor=operator, now=now, reason="营业执照未变更")
    change.refresh_from_db()
    assert (change.state, change.decided_at) == ("rejected", now)
    assert [log.transition for log in history_of(change)] == ["request", "reject"]
    assert history_of(change).last().reason == "营业执照未变更"
    assert snapshot(supplier)[:3] == before[:3]


@pytest.mark.parametrize(
    ("decided", "transition"),
    [("approve", "approve"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")],
)
def test_a_decided_change_cannot_be_decided_again(supplier_admin, supplier, operator, now, decided, transition):
    change = request_change(supplier_admin, supplier, now, field="bank_account", **NEW_ACCOUNT)
    getattr(profile, f"{decided}_profile_change")(change=change, actor=operator, now=now, reason="first")
    before = snapshot(supplier)

    with pytest.raises(InvalidTransition):
        getattr(profile, f"{transition}_profile_change")(change=change, actor=operator, now=now, reason="again")

    assert snapshot(supplier) == before
    assert ProfileChange.objects.get(pk=change.pk).state == ("approved" if decided == "approve" else "rejected")


def test_supplier_staff_may_not_request_a_change(supplier_staff, supplier, now):
    before = snapshot(supplier)

    with pytest.raises(PermissionDenied):
        request_change(supplier_staff, supplier, now, field="legal_name", legal_name="员工想改的名字")

    assert snapshot(supplier) == before


def test_an_admin_of_another_supplier_may_not_request_a_change_for_this_one(other_supplier_admin, supplier, now):
    with pytest.raises(PermissionDenied):
        request_change(other_supplier_admin, supplier, now, field="legal_name", legal_name="别人的名字")

    assert not ProfileChange.objects.exists()


def test_only_one_change_per_field_may_be_pending(supplier_admin, supplier, now):
    request_change(supplier_admin, supplier, now, field="legal_name", legal_name="第一个新名字")

    with pytest.raises(Conflict) as refused:
        request_change(supplier_admin, supplier, now, field="legal_name", legal_name="第二个新名字")

    assert refused.value.field == "field"
    assert ProfileChange.objects.count() == 1
    request_change(supplier_admin, supplier, now, field="bank_account", **NEW_ACCOUNT)
    assert ProfileChange.objects.count() == 2


def test_after_a_decision_the_same_field_may_be_requested_again(supplier_admin, supplier, operator, now):
    first = request_change(supplier_admin, supplier, now, field="legal_name", legal_name="第一个新名字")
    profile.reject_profile_change(change=first, actor=operator, now=now, reason="材料不全")

    second = request_change(supplier_admin, supplier, now, field="legal_name", legal_name="第一个新名字")

    assert second.state == "pending"


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"field": "credit_code", "credit_code": "91350100M000100Y44"}, {"credit_code"}),
        ({"field": "credit_code", "credit_code": "123"}, {"credit_code"}),
        ({"field": "credit_code"}, {"credit_code"}),
        ({"field": "bank_account"}, {"bank_name", "account_name", "account_number"}),
        ({"field": "bank_account", **NEW_ACCOUNT, "bank_name": "  "}, {"bank_name"}),
        ({"field": "bank_account", **NEW_ACCOUNT, "account_number": "6222-abc"}, {"account_number"}),
        ({"field": "bank_account", **NEW_ACCOUNT, "account_number": "1234567"}, {"account_number"}),
        ({"field": "legal_name", "legal_name": ""}, {"legal_name"}),
        ({"field": "legal_name", "legal_name": "名" * 201}, {"legal_name"}),
        ({"field": "legal_name", "legal_name": "新名字", "credit_code": credit_code(5)}, {"credit_code"}),
        ({"field": "phone", "legal_name": "新名字"}, {"field"}),
        ({"field": "address", "address": "   "}, {"address"}),
        ({"field": "address", "address": "路" * 301}, {"address"}),
        ({"field": "address", "address": "杭州市西湖区文三路 1 号", "contact_name": "王经理"}, {"contact_name"}),
        ({"field": "contact", "contact_phone": "13900001234"}, {"contact_name"}),
        ({"field": "contact", "contact_name": "王经理", "contact_phone": "010-1234"}, {"contact_phone"}),
        ({"field": "contact", "contact_name": "王" * 51, "contact_phone": "13900001234", "contact_email": "wang@"},
         {"contact_name", "contact_email"}),
        ({"field": "contact", "contact_name": "王经理", "contact_phone": "13900001234", "legal_name": "新名字"}, {"legal_name"}),
    ],
)
def test_bad_values_are_refused_naming_each_field_and_nothing_is_written(supplier_admin, supplier, now, values, fields):
    before = snapshot(supplier)

    with pytest.raises(ValidationFailed) as refused:
        request_change(supplier_admin, supplier, now, **values)

    assert {field for field, _, _ in refused.value.errors} == fields
    assert snapshot(supplier) == before


@pytest.mark.parametrize("field", ["legal_name", "credit_code"])
def test_asking_for_the_current_value_is_refused(supplier_admin, supplier, now, field):
    current = {"legal_name": supplier.name, "credit_code": supplier.credit_code}[field]

    with pytest.raises(ValidationFailed) as refused:
        request_change(supplier_admin, supplier, now, field=field, **{field: current})

    assert refused.value.field == field
    assert not ProfileChange.objects.exists()


def test_a_bank_account_is_not_payable_until_seven_full_days_after_approval(supplier, now):
    old = BankAccountFactory(supplier=supplier, approved_at=now - timedelta(days=90))
    new = BankAccountFactory(supplier=supplier, approved_at=now)

    almost = payable_account(supplier=supplier, at=now + timedelta(days=6, hours=23, minutes=59))
    exactly = payable_account(supplier=supplier, at=now + timedelta(days=7))

    assert (almost, exactly) == (old, new)


def test_without_an_account_approved_seven_days_before_there_is_nothing_to_pay_into(supplier, now):
    BankAccountFactory(supplier=supplier, approved_at=now)

    assert payable_account(supplier=supplier, at=now + timedelta(days=3)) is None


def test_the_payable_account_is_the_suppliers_own(supplier, other_supplier, now):
    BankAccountFactory(supplier=other_supplier, approved_at=now - timedelta(days=30))
    own = BankAccountFactory(supplier=supplier, approved_at=now - timedelta(days=60))

    assert payable_account(supplier=supplier, at=now) == own


def test_an_approved_bank_change_becomes_payable_a_week_after_the_operator_approved_it(supplier_admin, supplier, operator, now):
    old = BankAccountFactory(supplier=supplier, approved_at=now - timedelta(days=90))
    change = request_change(supplier_admin, supplier, now, field="bank_account", **NEW_ACCOUNT)
    approved_at = now + timedelta(days=2)
    profile.approve_profile_change(change=change, actor=operator, now=approved_at)

    before = payable_account(supplier=supplier, at=approved_at + timedelta(days=7) - timedelta(minutes=1))
    after = payable_account(supplier=supplier, at=approved_at + timedelta(days=7))

    assert before == old
    assert after.account_number == NEW_ACCOUNT["account_number"]


def test_a_pending_change_from_a_factory_can_be_approved(operator, now):
    change = ProfileChangeFactory()

    profile.approve_profile_change(change=change, actor=operator, now=now)

    assert Supplier.objects.get(pk=change.supplier_id).name == change.new_value["legal_name"]


def test_account_numbers_are_masked_to_their_last_four_digits():
    assert mask_account_number("6222 0212 0200 1234 567") == "***************4567"


def test_a_contact_change_applies_at_once_and_is_kept_in_the_history_with_who_and_when(supplier_admin, supplier, now):
    before = {"contact_name": supplier.contact_name, "contact_phone": supplier.contact_phone, "contact_email": supplier.contact_email}

    change = request_change(supplier_admin, supplier, now, field="contact", contact_name=" 王经理 ", contact_phone=" 13900001234 ",
                            contact_email="wang@example.com")

    supplier.refresh_from_db()
    assert (supplier.contact_name, supplier.contact_phone, supplier.contact_email) == ("王经理", "13900001234", "wang@example.com")
    assert (change.state, change.old_value, change.decided_at) == ("approved", before, now)
    assert change.new_value == {"contact_name": "王经理", "contact_phone": "13900001234", "contact_email": "wang@example.com"}
    assert [(log.transition, log.actor, log.at) for log in history_of(change)] == [("request", supplier_admin, now), ("approve", supplier_admin, now)]
    assert not profile.changes_waiting(supplier_admin)  # nothing for an operator to review
    with pytest.raises(ValidationFailed) as again:  # the same details again: nothing to change
        request_change(supplier_admin, supplier, now, field="contact", contact_name="王经理", contact_phone="13900001234",
                       contact_email="wang@example.com")
    assert again.value.field == "contact_name"


def test_only_the_suppliers_admin_changes_its_contact(supplier_staff, other_supplier_admin, supplier, now):
    for actor in (supplier_staff, other_supplier_admin):
        with pytest.raises(PermissionDenied):
            request_change(actor, supplier, now, field="contact", contact_name="王经理", contact_phone="13900001234")
    assert not ProfileChange.objects.exists()


def test_an_address_change_applies_at_once_trimmed_and_is_kept_in_the_history_with_the_old_address(supplier_admin, supplier, now):
    Supplier.objects.filter(pk=supplier.pk).update(address="杭州市西湖区文一路 1 号")

    change = request_change(supplier_admin, supplier, now, field="address", address=" 杭州市滨江区江南大道 88 号 ")

    supplier.refresh_from_db()
    assert supplier.address == "杭州市滨江区江南大道 88 号"
    assert (change.state, change.old_value, change.new_value) == (
        "approved", {"address": "杭州市西湖区文一路 1 号"}, {"address": "杭州市滨江区江南大道 88 号"}
    )
    assert [(log.transition, log.actor, log.at) for log in history_of(change)] == [("request", supplier_admin, now), ("approve", supplier_admin, now)]
    assert not profile.changes_waiting(supplier_admin)
    with pytest.raises(ValidationFailed) as again:
        request_change(supplier_admin, supplier, now, field="address", address="杭州市滨江区江南大道 88 号")
    assert again.value.errors == [("address", "unchanged", "与当前资料相同，无需变更")]


def test_an_address_of_exactly_300_characters_is_taken(supplier_admin, supplier, now):
    request_change(supplier_admin, supplier, now, field="address", address="路" * 300)

    supplier.refresh_from_db()
    assert supplier.address == "路" * 300


def test_only_the_suppliers_admin_changes_its_address(supplier_staff, other_supplier_admin, supplier, now):
    for actor in (supplier_staff, other_supplier_admin):
        with pytest.raises(PermissionDenied):
            request_change(actor, supplier, now, field="address", address="别人改的地址")
    supplier.refresh_from_db()
    assert supplier.address != "别人改的地址" and not ProfileChange.objects.exists()


@pytest.mark.parametrize(("values", "message"), [
    ({"field": "bank_account", **NEW_ACCOUNT}, "请上传开户许可证或银行开户证明"),
    ({"field": "legal_name", "legal_name": "杭州新名字礼品有限公司"}, "请上传新的营业执照"),
    ({"field": "credit_code", "credit_code": credit_code(7001)}, "请上传新的营业执照"),
])
def test_a_reviewed_change_without_its_evidence_is_refused_on_the_evidence_field(supplier_admin, supplier, now, values, message):
    before = snapshot(supplier)

    with pytest.raises(ValidationFailed) as refused:
        request_change(supplier_admin, supplier, now, evidence=None, **values)

    assert [(field, detail) for field, _code, detail in refused.value.errors] == [("evidence", message)]
    assert snapshot(supplier) == before


@pytest.mark.parametrize(("upload", "detail"), [
    (evidence("permit.html", b"<html>permit</html>"), "permit.html：仅支持 PDF 或 JPEG、PNG、WebP 扫描件"),
    (evidence("permit.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "permit.pdf：文件不能超过 10 MB"),
])
def test_evidence_that_is_no_scan_or_too_big_is_refused_on_the_evidence_field(supplier_admin, supplier, now, upload, detail):
    before = snapshot(supplier)

    with pytest.raises(ValidationFailed) as refused:
        request_change(supplier_admin, supplier, now, field="bank_account", evidence=upload, **NEW_ACCOUNT)

    assert [(field, detail) for field, _code, detail in refused.value.errors] == [("evidence", detail)]
    assert snapshot(supplier) == before


def test_a_change_needing_no_review_refuses_evidence(supplier_admin, supplier, now):
    with pytest.raises(ValidationFailed) as refused:
        request_change(supplier_admin, supplier, now, field="address", address="杭州市滨江区江南大道 88 号", evidence=evidence())

    assert [field for field, _code, _detail in refused.value.errors] == ["evidence"]
    assert not ProfileChange.objects.exists()


def test_the_evidence_is_kept_with_the_change_for_the_operator(supplier_admin, supplier, now):
    change = request_change(supplier_admin, supplier, now, field="bank_account", evidence=evidence("开户许可证.pdf"), **NEW_ACCOUNT)

    change.refresh_from_db()
    assert change.evidence.name.startswith("profile_changes/") and change.evidence.name.endswith(".pdf")
    assert change.evidence.read() == b"%PDF-1.4 permit"


def test_every_change_applied_as_made_is_approved_with_its_own_reason_and_every_other_waits_for_review():
    # the approval of a change no operator reviews records why (profile.NO_REVIEW); a field missing there would fail
    # its request, one there but reviewed would be approved without review
    assert set(profile.NO_REVIEW) == ProfileChange.APPLIED_AS_MADE
    assert ProfileChange.APPLIED_AS_MADE < set(ProfileChange.Field)
