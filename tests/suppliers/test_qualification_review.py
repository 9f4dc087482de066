"""A licence or certificate a supplier uploads — a renewal, or one it holds for the first time — is reviewed by an
operator (SPEC §4.1): `pending → approved | rejected`, each step logged. Only an approved one counts: it renews the one
it replaces and lifts the block an expired one set on submitting gifts; a rejected one leaves the old one as it was."""
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile

from core.errors import InvalidTransition, ValidationFailed
from core.models import TransitionLog
from suppliers.errors import ActivationBlocked, QualificationBlocked
from suppliers.models import Gift, Notice, Qualification, Supplier
from suppliers.services import catalog, contracts, onboarding, qualifications
from tests.factories import ContractFactory, GiftFactory, QualificationFactory, SupplierUserFactory, supplier_in
from tests.helpers import gift_in_state
from tests.suppliers.profile_factories import expiring_licence

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(licence=None)]  # `supplier`: active, holding only the licences each test gives it

TODAY = date(2026, 10, 15)  # the date of the fixed `now`


def upload(supplier, actor, now, **values):
    licence = {"kind": "business_licence", "number": supplier.credit_code, "issued_on": TODAY - timedelta(days=1),
               "expires_on": date(2031, 1, 1), "file": ContentFile(b"%PDF-1.4 renewed", name="licence.pdf")} | values
    return qualifications.upload_qualification(supplier=supplier, actor=actor, now=now, **licence)


def steps(qualification):
    return list(TransitionLog.objects.of(qualification).values_list("transition", "source_state", "target_state", "actor__username"))


def submit(gift, actor, now):
    catalog.submit_gift(gift=gift, actor=actor, now=now)
    return Gift.objects.get(pk=gift.pk).state


def test_a_suppliers_upload_waits_for_review_and_its_upload_is_logged(supplier, supplier_staff, now):
    renewal = upload(supplier, supplier_staff, now)

    assert Qualification.objects.get(pk=renewal.pk).state == "pending"
    assert steps(renewal) == [("upload", "", "pending", "supplier_staff")]


def test_an_operator_records_a_qualification_approved_as_it_is_made(supplier, operator, now):
    recorded = upload(supplier, operator, now)

    assert Qualification.objects.get(pk=recorded.pk).state == "approved"
    assert steps(recorded) == [("upload", "", "pending", "operator"), ("approve", "pending", "approved", "operator")]


def test_approving_a_renewal_lifts_the_block_an_expired_licence_set(supplier, supplier_staff, operator, now):
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    draft = GiftFactory(supplier=supplier)
    renewal = upload(supplier, supplier_staff, now)
    with pytest.raises(QualificationBlocked):
        submit(draft, supplier_staff, now)

    qualifications.approve_qualification(qualification=renewal, actor=operator, now=now, reason="核对无误")

    assert submit(draft, supplier_staff, now) == "submitted"
    assert steps(renewal)[-1] == ("approve", "pending", "approved", "operator")
    assert contracts.valid_licence(supplier=supplier, on=TODAY) == renewal
    notice = Notice.objects.get(supplier=supplier, kind="qualification_approved")
    assert notice.title_text == f"资质审核通过：营业执照 {supplier.credit_code}" and notice.link == "/supplier/paperwork/"


def test_a_renewal_approved_before_the_old_licence_expires_keeps_the_gifts_online(supplier, supplier_staff, operator, now):
    old = expiring_licence(supplier, expires_on=TODAY + timedelta(days=5))
    online = gift_in_state("online", supplier=supplier)
    qualifications.approve_qualification(qualification=upload(supplier, supplier_staff, now), actor=operator, now=now)

    result = qualifications.sweep_qualifications(now=now + timedelta(days=6))

    assert (result.warned, result.expired) == ([], [])
    assert Gift.objects.get(pk=online.pk).state == "online"
    assert Qualification.objects.get(pk=old.pk).expiry_handled_at is not None


def test_a_pending_renewal_neither_stops_the_warning_nor_the_delisting(supplier, supplier_staff, now):
    old = expiring_licence(supplier, expires_on=TODAY + timedelta(days=5))
    online = gift_in_state("online", supplier=supplier)
    upload(supplier, supplier_staff, now)

    warned = qualifications.sweep_qualifications(now=now)
    expired = qualifications.sweep_qualifications(now=now + timedelta(days=6))

    assert (warned.warned, expired.expired) == ([old.pk], [old.pk])
    assert Gift.objects.get(pk=online.pk).state == "offline"


def test_gifts_an_expiry_delisted_stay_offline_for_relisting_through_review_and_the_supplier_is_told(
        supplier, supplier_staff, operator, now):
    expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    online = gift_in_state("online", at=now - timedelta(days=30), supplier=supplier)  # listed while the licence was valid
    qualifications.sweep_qualifications(now=now)
    renewal = upload(supplier, supplier_staff, now)

    qualifications.approve_qualification(qualification=renewal, actor=operator, now=now)
    catalog.request_relisting(gift=Gift.objects.get(pk=online.pk), actor=supplier_staff, now=now)

    notice = Notice.objects.get(kind="qualification_approved")
    assert "1 个礼品可申请重新上线" in notice.body_text
    assert Gift.objects.get(pk=online.pk).state == "submitted"


def test_rejecting_a_renewal_keeps_the_old_licence_and_the_block(supplier, supplier_staff, operator, now):
    old = expiring_licence(supplier, expires_on=TODAY - timedelta(days=1))
    draft = GiftFactory(supplier=supplier)
    renewal = upload(supplier, supplier_staff, now)

    qualifications.reject_qualification(qualification=renewal, actor=operator, now=now, reason="扫描件不清晰")

    renewal.refresh_from_db()
    assert renewal.state == "rejected" and renewal.rejection.reason == "扫描件不清晰"
    with pytest.raises(QualificationBlocked):
        submit(draft, supplier_staff, now)
    assert Qualification.objects.get(pk=old.pk).state == "approved"
    notice = Notice.objects.get(supplier=supplier, kind="qualification_rejected")
    assert notice.title_text == f"资质未通过审核：营业执照 {supplier.credit_code}" and notice.body_text == "驳回原因：扫描件不清晰"


def test_a_rejected_renewal_leaves_the_licence_in_force_the_current_one(supplier, supplier_staff, operator, now):
    current = QualificationFactory(supplier=supplier)
    renewal = upload(supplier, supplier_staff, now, expires_on=date(2032, 1, 1))

    qualifications.reject_qualification(qualification=renewal, actor=operator, now=now, reason="证书编号不符")

    assert contracts.valid_licence(supplier=supplier, on=TODAY) == current


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(supplier, supplier_staff, operator, now):
    renewal = upload(supplier, supplier_staff, now)

    with pytest.raises(ValidationFailed) as refused:
        qualifications.reject_qualification(qualification=renewal, actor=operator, now=now, reason=" ")

    assert refused.value.field == "reason"
    assert Qualification.objects.get(pk=renewal.pk).state == "pending" and len(steps(renewal)) == 1


@pytest.mark.parametrize("decided", ["approved", "rejected"])
@pytest.mark.parametrize("decision", ["approve_qualification", "reject_qualification"])
def test_a_decided_qualification_is_not_decided_again(supplier, supplier_staff, operator, now, decided, decision):
    qualification = upload(supplier, supplier_staff, now)
    decide = {"approved": qualifications.approve_qualification, "rejected": qualifications.reject_qualification}[decided]
    decide(qualification=qualification, actor=operator, now=now, reason="资料齐全" if decided == "approved" else "照片模糊")
    written = (TransitionLog.objects.count(), Notice.objects.count())

    with pytest.raises(InvalidTransition):
        getattr(qualifications, decision)(qualification=qualification, actor=operator, now=now, reason="再审")

    assert Qualification.objects.get(pk=qualification.pk).state == decided
    assert (TransitionLog.objects.count(), Notice.objects.count()) == written


def test_an_upload_that_expired_while_waiting_cannot_be_approved(supplier, supplier_staff, operator, now):
    stale = upload(supplier, supplier_staff, now, issued_on=date(2020, 1, 1), expires_on=TODAY + timedelta(days=2))

    with pytest.raises(ValidationFailed) as refused:
        qualifications.approve_qualification(qualification=stale, actor=operator, now=now + timedelta(days=5))

    assert refused.value.field == "expires_on" and Qualification.objects.get(pk=stale.pk).state == "pending"


@pytest.mark.parametrize("who", ["supplier_staff", "operator"])
def test_a_licence_already_expired_is_refused_on_upload_by_anyone(supplier, now, who, request):
    with pytest.raises(ValidationFailed) as refused:
        upload(supplier, request.getfixturevalue(who), now, issued_on=date(2020, 1, 1), expires_on=TODAY - timedelta(days=1))

    assert refused.value.field == "expires_on" and "已过期" in refused.value.detail
    assert not Qualification.objects.exists()


def test_a_licence_waiting_for_review_does_not_activate_an_applicant_and_says_so(operator, now):
    applicant = supplier_in(Supplier.State.UNDER_REVIEW, actor=operator, now=now)
    contracts.approve_contract(contract=ContractFactory(supplier=applicant), actor=operator, now=now)
    licence = upload(applicant, SupplierUserFactory(supplier=applicant), now)  # the applicant's admin sends it

    with pytest.raises(ActivationBlocked) as refused:
        onboarding.approve_supplier(supplier=applicant, actor=operator, now=now)
    qualifications.approve_qualification(qualification=licence, actor=operator, now=now)
    onboarding.approve_supplier(supplier=applicant, actor=operator, now=now)

    assert refused.value.field == "business_licence" and "营业执照待审核" in refused.value.detail
    assert Supplier.objects.get(pk=applicant.pk).state == "active"


def test_every_bad_field_of_an_upload_is_named_at_once(supplier, supplier_staff, now):
    with pytest.raises(ValidationFailed) as refused:
        upload(supplier, supplier_staff, now, kind="product_certificate", expires_on=TODAY - timedelta(days=3),
               file=ContentFile(b"<html>", name="page.pdf"))

    assert [field for field, _code, _detail in refused.value.errors] == ["expires_on", "certificate_type", "file"]
    assert not Qualification.objects.exists()


def test_the_operators_badge_counts_uploads_waiting_for_review(supplier, supplier_staff, operator, finance, now):
    upload(supplier, supplier_staff, now)
    QualificationFactory(supplier=supplier)

    assert (qualifications.qualifications_waiting(operator), qualifications.qualifications_waiting(finance)) == (1, 0)
