"""The portal's review of uploaded qualifications: a supplier uploads and sees the upload wait, then its outcome with the
reason; the operator finds it first in its queue (a navigation badge counts it), opens it beside the licence it would
renew, and approves or rejects it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from suppliers.models import Notice, Qualification
from tests.factories import QualificationFactory, SupplierUserFactory, supplier_in
from tests.portal import field_errors, logged_in, nav, posted_as
from tests.suppliers.profile_factories import CertificateFactory
from tests.suppliers.test_portal_profile import licence_form

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(licence=None)]  # `supplier`: active, holding only the licences each test gives it


@pytest.fixture
def renewal(supplier, supplier_staff):
    """An expiring licence of the supplier and the renewal its staff uploaded in the portal."""
    QualificationFactory(supplier=supplier, number="LIC-OLD", expires_on=timezone.localdate() + timedelta(days=10))  # numbered before the rule
    logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier_staff)))
    return Qualification.objects.get(supplier=supplier, state="pending")


def test_a_supplier_sees_its_upload_wait_for_review_and_the_expiry_warning_say_so(supplier_staff, renewal):
    page = logged_in(supplier_staff).get("/supplier/paperwork/", follow=True).content.decode()

    assert renewal.state == "pending"
    assert f'data-testid="review-{renewal.pk}">待审核' in page
    assert "LIC-OLD 将于" in page and "续期资质正在审核中" in page


def test_the_upload_message_says_it_waits_for_review(supplier_staff):
    response = logged_in(supplier_staff).post("/supplier/paperwork/", posted_as("qualification", licence_form(supplier_staff)), follow=True)

    assert "资质已上传，等待运营审核；审核通过后生效" in [str(m) for m in response.context["messages"]]


def test_the_operators_navigation_counts_uploads_waiting_and_the_queue_lists_them_first(operator, renewal, other_supplier):
    QualificationFactory(supplier=other_supplier, number="LIC-APPROVED-EARLIER")
    client = logged_in(operator)

    home = client.get("/")
    queue = client.get("/supplier/qualifications/review/")

    assert 'data-testid="nav-badge-operator-qualifications"' in nav(home) and "资质审核" in nav(home)
    assert list(queue.context["page_obj"])[0] == renewal
    assert [q.number for q in client.get("/supplier/qualifications/review/?state=pending").context["page_obj"]] == [renewal.number]


@pytest.mark.parametrize("expiry_status", ["valid", "expiring", "expired"])
def test_the_expiry_filter_lists_only_approved_qualifications_a_certificate_waiting_for_review_under_none(operator, supplier, expiry_status):
    today = timezone.localdate()
    expires_on = {"valid": today + timedelta(days=400), "expiring": today + timedelta(days=10), "expired": today - timedelta(days=1)}
    approved = CertificateFactory(supplier=supplier, certificate_type="食品生产许可", expires_on=expires_on[expiry_status])
    waiting = CertificateFactory(supplier=supplier, state="pending", expires_on=expires_on[expiry_status])
    CertificateFactory(supplier=supplier, certificate_type="CCC-R", state="rejected", expires_on=expires_on[expiry_status])
    client = logged_in(operator)

    filtered = client.get(f"/supplier/qualifications/review/?expiry_status={expiry_status}")
    page = client.get("/supplier/qualifications/review/").content.decode()

    assert [q.pk for q in filtered.context["page_obj"]] == [approved.pk]
    assert f'data-testid="expiry-{approved.pk}"' in page and f'data-testid="expiry-{waiting.pk}"' not in page  # its 状态: —


def test_the_operator_opens_the_upload_beside_the_licence_it_would_renew(operator, renewal):
    page = logged_in(operator).get(f"/supplier/qualifications/review/{renewal.pk}/").content.decode()

    assert f'href="/supplier/files/qualifications/{renewal.pk}/"' in page
    assert "通过后将续期 LIC-OLD" in page and 'data-action="approve"' in page and 'data-action="reject"' in page


def test_the_operator_approves_an_upload_and_it_counts(operator, renewal):
    response = logged_in(operator).post(f"/supplier/qualifications/review/{renewal.pk}/approve/", {"reason": ""})

    renewal.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/supplier/qualifications/review/{renewal.pk}/"
    assert renewal.state == "approved"


def test_a_rejection_without_a_reason_is_refused_next_to_the_reason(operator, renewal):
    response = logged_in(operator).post(f"/supplier/qualifications/review/{renewal.pk}/reject/", {"reason": ""}, follow=True)

    assert field_errors(response) == {"reason": "请填写驳回原因"}
    assert Qualification.objects.get(pk=renewal.pk).state == "pending"


def test_the_supplier_sees_the_rejection_and_its_reason(operator, supplier_staff, renewal):
    logged_in(operator).post(f"/supplier/qualifications/review/{renewal.pk}/reject/", {"reason": "扫描件不清晰"})

    page = logged_in(supplier_staff).get("/supplier/paperwork/").content.decode()

    assert f'data-testid="review-{renewal.pk}">已驳回' in page and "扫描件不清晰" in page
    assert Notice.objects.filter(kind="qualification_rejected").exists()


def test_a_supplier_neither_opens_nor_decides_a_review(supplier_admin, renewal):
    client = logged_in(supplier_admin)

    opened = client.get(f"/supplier/qualifications/review/{renewal.pk}/")
    decided = client.post(f"/supplier/qualifications/review/{renewal.pk}/approve/", {"reason": ""})

    assert (opened.status_code, decided.status_code) == (403, 403)
    assert Qualification.objects.get(pk=renewal.pk).state == "pending"


def test_finance_reads_the_qualifications_as_through_the_api_but_neither_decides_nor_registers_one(finance, renewal):
    client = logged_in(finance)

    listed, opened = client.get("/supplier/qualifications/review/"), client.get(f"/supplier/qualifications/review/{renewal.pk}/")
    decided = client.post(f"/supplier/qualifications/review/{renewal.pk}/approve/", {"reason": ""})
    registered = client.post("/supplier/qualifications/review/", {"form": "qualification"})

    assert (listed.status_code, opened.status_code) == (200, 200) and renewal.number in listed.content.decode()
    assert listed.context["form"] is None and not opened.context["decidable"]
    assert (decided.status_code, registered.status_code) == (403, 403)
    assert Qualification.objects.get(pk=renewal.pk).state == "pending"


def test_an_unknown_decision_is_a_404(operator, renewal):
    assert logged_in(operator).post(f"/supplier/qualifications/review/{renewal.pk}/delete/").status_code == 404


def test_the_operator_reviewing_an_application_and_finance_see_its_licence_linked_to_its_review_page(operator, finance):
    applicant = supplier_in("under_review", actor=operator)
    logged_in(SupplierUserFactory(supplier=applicant)).post("/supplier/paperwork/", posted_as("qualification", licence_form(applicant)))  # its admin sends its licence
    licence = Qualification.objects.get(supplier=applicant)

    page = logged_in(operator).get(f"/supplier/review/{applicant.pk}/").content.decode()
    finance_page = logged_in(finance).get(f"/supplier/review/{applicant.pk}/").content.decode()

    assert f'href="/supplier/files/qualifications/{licence.pk}/"' in page
    assert f'href="/supplier/qualifications/review/{licence.pk}/"' in page
    assert f'href="/supplier/qualifications/review/{licence.pk}/"' in finance_page  # finance reads it there, deciding nothing
