"""Complaints about a supplier from its peers and the platform's staff (SPEC §4.9: "anyone about a supplier"): a
supplier's users (about another supplier), logistics and finance staff complain from a page of their own, follow the
complaint they opened (its answer, not the answering party's deadlines and reminders) and are told of the answer."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from points.models import Complaint, ComplaintReminder
from points.services import complaints
from suppliers.models import Notice, Supplier
from tests.factories import SupplierUserFactory, UserFactory, supplier_in
from tests.helpers import fresh_key
from tests.portal import field_errors, logged_in, nav

pytestmark = pytest.mark.django_db
PAGE = "/complaints/about-supplier/"


@pytest.fixture
def supplier(db):
    """A cooperating supplier: anyone may complain about it."""
    return supplier_in(Supplier.State.ACTIVE)


@pytest.fixture
def rival(db):
    """A cooperating supplier whose admin complains about `supplier`."""
    rival = supplier_in(Supplier.State.ACTIVE)
    return SupplierUserFactory(username="rival_admin", role="supplier_admin", supplier=rival)


def about(supplier, *, by) -> Complaint:
    return complaints.open_complaint(actor=by, now=timezone.now(), supplier=supplier, title="恶意压价", description="…")


def answered(complaint: Complaint, *, operator, responder) -> Complaint:
    complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now(), responsible="supplier")
    return complaints.respond_to_complaint(complaint=complaint, actor=responder, now=timezone.now(), response="已整改")


@pytest.mark.parametrize(("role", "status"), [
    ("supplier_admin", 200), ("supplier_staff", 200), ("logistics", 200), ("finance", 200), ("operator", 403), ("member", 403),
])
def test_the_page_opens_for_suppliers_logistics_and_finance_and_they_find_it_in_their_navigation(request, role, status):
    user = request.getfixturevalue(role)
    client = logged_in(getattr(user, "user", user))

    response = client.get(PAGE)

    assert response.status_code == status
    assert (PAGE in nav(client.get("/"))) == (status == 200)


def test_a_role_no_complaint_channel_admits_is_refused_alike_by_the_page_and_the_api(supplier, api):
    outsider = UserFactory(username="auditor", role="auditor")  # a role of none of the channels: no catch-all admits it
    entered = {"supplier": supplier.pk, "title": "恶意压价", "description": "低价倾销"}

    page = logged_in(outsider).post(PAGE, entered | {"token": "o1"})
    answer = api(outsider).post("/api/v1/complaints/", entered, format="json", **fresh_key())
    unparsed = api(outsider).post("/api/v1/complaints/", {}, format="json", **fresh_key())

    assert (page.status_code, answer.status_code, unparsed.status_code) == (403, 403, 403)
    assert answer.json()["errors"][0]["code"] == "permission_denied" and not Complaint.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(PAGE).status_code == 302


def test_a_supplier_complains_about_another_and_follows_its_complaint(rival, supplier):
    client = logged_in(rival)

    response = client.post(PAGE, {"supplier": supplier.pk, "title": "恶意压价", "description": "低价倾销", "token": "p1"})

    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("complaint", args=[complaint.pk])
    assert (complaint.channel, complaint.supplier, complaint.opened_by) == ("public", supplier, rival)
    assert complaint.number in client.get(PAGE).content.decode()
    detail = client.get(reverse("complaint", args=[complaint.pk]))
    assert detail.status_code == 200 and complaint.number in detail.content.decode()


def test_a_supplier_is_not_offered_its_own_supplier_and_posting_it_is_refused(supplier_admin, supplier):
    rival_supplier = supplier_in(Supplier.State.ACTIVE)
    client = logged_in(supplier_admin)

    page = client.get(PAGE).content.decode()
    response = client.post(PAGE, {"supplier": supplier.pk, "title": "x", "description": "y", "token": "own"})

    assert f'value="{rival_supplier.pk}"' in page and f'value="{supplier.pk}"' not in page
    assert response.status_code == 400 and "supplier" in field_errors(response)
    assert not Complaint.objects.exists()


def test_the_page_offers_a_supplier_s_user_exactly_the_suppliers_the_service_takes_a_complaint_about(supplier_admin, supplier):
    others = [supplier_in(state) for state in (Supplier.State.ACTIVE, Supplier.State.SUSPENDED, Supplier.State.TERMINATED,
                                                Supplier.State.APPLIED)]
    page = logged_in(supplier_admin).get(PAGE).content.decode()

    taken = set()
    for candidate in [supplier, *others]:
        try:
            about(candidate, by=supplier_admin)
        except DomainError:
            continue
        taken.add(candidate.pk)

    offered = {candidate.pk for candidate in [supplier, *others] if f'value="{candidate.pk}"' in page}
    assert offered == taken == {other.pk for other in others[:3]}


@pytest.mark.parametrize(("body", "field"), [
    ({"title": " ", "description": "y"}, "title"),
    ({"title": "x", "description": ""}, "description"),
    ({"title": "x", "description": "y", "supplier": "abc"}, "supplier"),
    ({"title": "x", "description": "y", "supplier": ""}, "supplier"),
])
def test_bad_input_is_refused_next_to_its_field_and_writes_nothing(finance, supplier, body, field):
    response = logged_in(finance).post(PAGE, {"supplier": supplier.pk, "token": "bad"} | body)

    assert response.status_code == 400 and field in field_errors(response)
    assert not Complaint.objects.exists()


def test_an_applicant_is_no_supplier_another_supplier_may_complain_about(rival):
    applicant = supplier_in(Supplier.State.APPLIED)

    response = logged_in(rival).post(PAGE, {"supplier": applicant.pk, "title": "x", "description": "y", "token": "a"})

    assert response.status_code == 400 and "supplier" in field_errors(response)
    assert not Complaint.objects.exists()


def test_sending_the_form_twice_records_one_complaint(logistics, supplier):
    client = logged_in(logistics)
    body = {"supplier": supplier.pk, "title": "交接迟到", "description": "多次迟到", "token": "twice"}

    first, again = (client.post(PAGE, body) for _ in range(2))

    complaint = Complaint.objects.get()
    assert first["Location"] == again["Location"] == reverse("complaint", args=[complaint.pk])


def test_finance_reads_the_complaint_it_opened_on_the_portal_and_the_api(finance, supplier, api):
    complaint = about(supplier, by=finance)

    page = logged_in(finance).get(reverse("complaint", args=[complaint.pk]))
    listed = api(finance).get("/api/v1/complaints/").json()["results"]
    read = api(finance).get(f"/api/v1/complaints/{complaint.pk}/")

    assert page.status_code == 200
    assert [row["number"] for row in listed] == [complaint.number]
    assert read.status_code == 200 and read.json()["number"] == complaint.number


def test_other_users_still_get_a_404_for_a_complaint_they_neither_opened_nor_answer(finance, rival, supplier, member, api):
    complaint = about(supplier, by=finance)
    other_finance = UserFactory(username="finance_other", role="finance")

    for user in (other_finance, rival, member.user):
        assert logged_in(user).get(reverse("complaint", args=[complaint.pk])).status_code == 404
        assert api(user).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404


def test_the_opener_sees_the_answer_but_not_the_deadlines_and_reminders_of_the_answering_supplier(
    rival, supplier, supplier_staff, operator, api,
):
    complaint = answered(about(supplier, by=rival), operator=operator, responder=supplier_staff)
    ComplaintReminder.objects.create(complaint=complaint, sent_by=operator, sent_at=timezone.now())

    page = logged_in(rival).get(reverse("complaint", args=[complaint.pk])).content.decode()
    read = api(rival).get(f"/api/v1/complaints/{complaint.pk}/").json()

    assert "已整改" in page and 'data-testid="deadlines"' not in page and 'data-testid="reminders"' not in page
    assert read["response"] == "已整改" and read["reminders"] == []
    assert 'data-testid="deadlines"' in logged_in(supplier_staff).get(reverse("complaint", args=[complaint.pk])).content.decode()


def test_the_opener_is_offered_no_step_on_its_complaint(finance, supplier, operator, supplier_staff):
    complaint = answered(about(supplier, by=finance), operator=operator, responder=supplier_staff)

    response = logged_in(finance).post(reverse("complaint-action", args=[complaint.pk, "resolve"]))

    complaint.refresh_from_db()
    assert response.status_code == 403 and complaint.state == Complaint.State.RESPONDED


def test_a_supplier_opener_finds_the_answer_in_its_inbox(rival, supplier, operator, supplier_staff):
    complaint = answered(about(supplier, by=rival), operator=operator, responder=supplier_staff)

    notice = Notice.objects.get(kind="public_complaint_answered")

    assert notice.supplier_id == rival.supplier_id and notice.link == reverse("complaint", args=[complaint.pk])
    assert complaint.number in notice.title_text
    assert not Notice.objects.filter(kind="public_complaint_answered", supplier=supplier).exists()


def test_finance_and_logistics_openers_find_the_answer_on_their_home_page(finance, logistics, supplier, operator, supplier_staff):
    by_finance = answered(about(supplier, by=finance), operator=operator, responder=supplier_staff)
    unanswered = about(supplier, by=logistics)

    finance_home = logged_in(finance).get("/").content.decode()
    logistics_home = logged_in(logistics).get("/").content.decode()

    assert 'data-testid="home-answered"' in finance_home and by_finance.number in finance_home
    assert 'data-testid="home-answered"' not in logistics_home and unanswered.number not in logistics_home


def test_a_complaint_a_supplier_opened_about_another_does_not_wait_on_its_desk(rival, supplier, supplier_staff, operator):
    complaint = about(supplier, by=rival)
    complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now(), responsible="supplier")

    counts = (complaints.complaints_waiting(rival), complaints.complaints_waiting(supplier_staff))

    assert counts == (0, 1)  # the supplier it concerns answers it, not the one that complained


def test_a_former_operator_now_in_finance_keeps_only_the_complaints_it_opened_about_a_supplier(operator, supplier, api):
    hotline = complaints.open_complaint(actor=operator, now=timezone.now(), supplier=supplier, title="未收到货", description="…",
                                        contact_name="李女士", contact_phone="13800001111")
    operator.role = "finance"
    operator.save()
    public = about(supplier, by=operator)

    listed = api(operator).get("/api/v1/complaints/").json()["results"]

    assert [row["number"] for row in listed] == [public.number]
    assert logged_in(operator).get(reverse("complaint", args=[hotline.pk])).status_code == 404
    assert api(operator).get(f"/api/v1/complaints/{hotline.pk}/").status_code == 404
    assert list(complaints.opened_by(operator)) == [public]


@pytest.mark.parametrize("opener", ["rival", "logistics", "finance"])
def test_an_opener_is_not_shown_the_answering_suppliers_deadline_or_whose_move_it_is_on_the_api_or_the_portal(
    request, opener, supplier, supplier_staff, operator, api,
):
    user = request.getfixturevalue(opener)
    complaint = about(supplier, by=user)
    complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now(), responsible="supplier")

    read = api(user).get(f"/api/v1/complaints/{complaint.pk}/").json()
    listed = api(user).get("/api/v1/complaints/").json()["results"][0]
    page = logged_in(user).get(reverse("complaint", args=[complaint.pk])).content.decode()

    assert [(row["deadline"], row["overdue"], row["waits_for"]) for row in (read, listed)] == [(None, False, "")] * 2
    assert 'data-testid="deadline"' not in page and 'data-testid="waits-for"' not in page
    answering = api(supplier_staff).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert answering["deadline"] is not None and answering["waits_for"] == "supplier"


def test_the_desk_shows_an_opener_its_complaint_without_the_answering_suppliers_deadline_or_lateness(rival, supplier, supplier_staff, operator):
    complaint = about(supplier, by=rival)
    complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now() - timedelta(hours=49), responsible="supplier")

    def row(user) -> str:
        page = logged_in(user).get(reverse("complaint-desk")).content.decode()
        return page.split(f'data-number="{complaint.number}"', 1)[1].split("</tr>", 1)[0]

    opener_row, answering_row = row(rival), row(supplier_staff)

    assert 'data-testid="overdue"' not in opener_row and 'data-testid="deadline">—<' in opener_row
    assert 'data-testid="overdue"' in answering_row and 'data-testid="deadline">—<' not in answering_row


@pytest.mark.parametrize(("opener", "responsible", "answers"), [
    ("logistics", "logistics", True), ("logistics", "supplier", False), ("finance", "supplier", False), ("rival", "supplier", False),
])
def test_the_complaint_page_and_the_api_show_its_opener_the_same_progress_of_an_overdue_complaint(
    request, opener, responsible, answers, supplier, operator, api,
):
    user = request.getfixturevalue(opener)
    complaint = about(supplier, by=user)
    complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now() - timedelta(hours=49), responsible=responsible)

    read = api(user).get(f"/api/v1/complaints/{complaint.pk}/").json()
    page = logged_in(user).get(reverse("complaint", args=[complaint.pk])).content.decode()

    on_page = ('data-testid="deadline"' in page, 'data-testid="overdue"' in page, 'data-testid="waits-for"' in page)
    on_api = (read["deadline"] is not None, read["overdue"], read["waits_for"] != "")
    assert on_page == on_api == (answers, answers, answers)  # only the opener answering it itself sees how late it is


def test_the_answer_notice_in_the_openers_supplier_inbox_names_who_opened_the_complaint(rival, supplier, operator, supplier_staff):
    complaint = answered(about(supplier, by=rival), operator=operator, responder=supplier_staff)

    notice = Notice.objects.get(kind="public_complaint_answered")

    opener = rival.get_full_name() or rival.username
    assert opener in notice.title_text and complaint.number in notice.title_text
    assert opener in notice.body_text
