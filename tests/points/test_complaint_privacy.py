"""Who sees a complainant's contact (SPEC §4.13) and who moves a complaint next (SPEC §4.9): the member its own in full,
operators masked, the supplier concerned only while it may read its dropship order's contact; an operator takes an
open complaint; the parties a complaint can be routed to; the desk's late and supplier filters."""
from datetime import timedelta

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.masking import mask_name, mask_phone
from core.models import AccessLog
from points.models import Complaint
from points.privacy import complainant_contact
from points.services import complaints, orders
from suppliers.models import Location
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, SupplierUserFactory
from tests.helpers import fresh_key, published

pytestmark = pytest.mark.django_db
State = Complaint.State
NAME, PHONE = ADDRESS["recipient_name"], ADDRESS["recipient_phone"]
MASKED = (mask_name(NAME), mask_phone(PHONE))


@pytest.fixture
def dropship_order(rich_member, licensed_supplier, operator, now):
    """The member's confirmed order of a dropship gift of `supplier`."""
    dropship_gift = GiftFactory(supplier=licensed_supplier, fulfilment="dropship")
    published(dropship_gift, actor=operator, at=now)
    own = Location.objects.create(code="DS-CP", name="自有仓", kind=Location.Kind.DROPSHIP, supplier=licensed_supplier)
    inventory.receive_stock(gift=dropship_gift, location=own, quantity=5, at=now)
    return orders.place_order(member=rich_member, gift_id=dropship_gift.pk, quantity=1, now=now, **ADDRESS)


@pytest.fixture
def order_complaint(dropship_order, rich_member, operator, now):
    """The member's complaint about its dropship order, triaged to the supplier."""
    complaint = complaints.open_complaint(actor=rich_member.user, now=now, order=dropship_order, title="未发货", description="三天未发货")
    return complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")


@pytest.fixture
def hotline(operator, gift, now):
    """A caller's complaint about `gift`, with a contact name and phone."""
    return complaints.open_complaint(
        actor=operator, now=now, gift=gift, contact_name="王先生", contact_phone="13900001111", title="礼品破损", description="电话投诉"
    )


def _seen(complaint, user, now, **kwargs) -> tuple[str, str]:
    contact = complainant_contact(complaint=complaint, user=user, now=now, **kwargs)
    return contact.member_name, contact.member_phone


# --- the service: who sees what ---------------------------------------------------------------------------------------

def test_the_member_sees_its_own_contact_from_the_orders_snapshot(order_complaint, rich_member, now):
    assert _seen(order_complaint, rich_member.user, now) == (NAME, PHONE)


def test_operators_see_the_members_and_the_callers_contact_masked(order_complaint, hotline, operator, now):
    caller = complainant_contact(complaint=hotline, user=operator, now=now)

    assert _seen(order_complaint, operator, now) == MASKED
    assert (caller.contact_name, caller.contact_phone, caller.unmasked) == ("王**", "139****1111", False)


def test_the_dropship_supplier_sees_its_orders_contact_on_the_complaint_but_masked_in_a_list(order_complaint, supplier_staff, now):
    assert _seen(order_complaint, supplier_staff, now) == (NAME, PHONE)
    assert _seen(order_complaint, supplier_staff, now, listing=True) == MASKED


def test_the_supplier_sees_the_contact_masked_on_a_complaint_about_no_order_of_its_own(member, gift, operator, supplier_staff, now):
    complaint = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="茶叶受潮", description="结块")
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")

    assert _seen(complaint, supplier_staff, now) == (mask_name(member.name), mask_phone(member.phone))


def test_the_supplier_sees_a_warehouse_orders_contact_masked(rich_member, listed_gift, operator, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    complaint = complaints.open_complaint(actor=rich_member.user, now=now, order=order, title="未发货", description="…")
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")
    staff = SupplierUserFactory(role="supplier_staff", supplier=listed_gift.supplier)

    assert _seen(complaint, staff, now) == MASKED


# --- the complaint's contact phone -------------------------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["12345", "2390000111", "139000011112", "１３９００００１１１１"])
def test_a_contact_phone_that_is_no_mainland_mobile_number_is_refused_naming_the_field(operator, gift, now, phone):
    with pytest.raises(ValidationFailed) as refused:
        complaints.open_complaint(actor=operator, now=now, gift=gift, contact_name="王先生", contact_phone=phone, title="x", description="y")

    assert refused.value.field == "contact_phone"
    assert not Complaint.objects.exists()


# --- taking, routing and waiting ---------------------------------------------------------------------------------------

def test_an_operator_takes_an_open_complaint_and_its_deadline_starts(hotline, operator, now):
    assert complaints.may_take(user=operator, complaint=hotline)

    complaints.take_complaint(complaint=hotline, actor=operator, now=now)

    hotline.refresh_from_db()
    assert (hotline.state, hotline.responsible, hotline.deadline) == (State.TRIAGED, "operator", now + timedelta(hours=48))
    assert complaints.waits_for(hotline) == "operator"


def test_nobody_but_an_operator_may_take_a_complaint(hotline, logistics, supplier_staff, now):
    for user in (logistics, supplier_staff):
        assert not complaints.may_take(user=user, complaint=hotline)
        with pytest.raises(PermissionDenied):
            complaints.take_complaint(complaint=hotline, actor=user, now=now)

    hotline.refresh_from_db()
    assert hotline.state == State.OPEN


def test_a_triaged_complaint_cannot_be_taken_and_stays_with_its_party(order_complaint, operator, now):
    assert not complaints.may_take(user=operator, complaint=order_complaint)

    with pytest.raises(InvalidTransition):
        complaints.take_complaint(complaint=order_complaint, actor=operator, now=now)

    order_complaint.refresh_from_db()
    assert (order_complaint.state, order_complaint.responsible) == (State.TRIAGED, "supplier")


def test_the_parties_a_complaint_can_be_routed_to(hotline, member, supplier_staff, now):
    about_nothing = complaints.open_complaint(actor=member.user, now=now, title="客服态度", description="电话打不通")
    suggestion = complaints.send_suggestion(actor=supplier_staff, now=now, title="对账模板", description="增加模板")

    assert complaints.triage_parties(hotline) == ["supplier", "logistics", "operator"]
    assert complaints.triage_parties(about_nothing) == ["logistics", "operator"]
    assert complaints.triage_parties(suggestion) == ["operator"]


def test_a_complaint_waits_for_the_operator_then_its_party_then_the_member(order_complaint, rich_member, operator, supplier_staff, now):
    opened = complaints.open_complaint(actor=rich_member.user, now=now, title="客服态度", description="…")
    answered = complaints.respond_to_complaint(complaint=order_complaint, actor=supplier_staff, now=now, response="已发货")

    assert complaints.waits_for(opened) == "triage"
    assert complaints.waits_for(answered) == "member"
    assert complaints.waits_for(complaints.resolve_complaint(complaint=answered, actor=rich_member.user, now=now)) == ""


# --- the desk's filters ------------------------------------------------------------------------------------------------

def test_the_late_filter_keeps_complaints_past_their_deadline_unanswered(order_complaint, hotline, operator, now):
    later = now + timedelta(hours=49)

    late = complaints.list_complaints(user=operator, now=later, late=True)
    escalated = complaints.escalate_overdue(now=later)

    assert [c.pk for c in late] == [order_complaint.pk]
    assert escalated == [order_complaint.pk]
    assert [c.pk for c in complaints.list_complaints(user=operator, now=later, late=True)] == [order_complaint.pk]


def test_the_supplier_filter_keeps_that_suppliers_complaints(hotline, member, other_supplier, operator, now):
    complaints.open_complaint(actor=operator, now=now, member=member, supplier=other_supplier, title="x", description="y")

    rows = complaints.list_complaints(user=operator, now=now, supplier=hotline.supplier)

    assert [c.pk for c in rows] == [hotline.pk]


# --- the API -----------------------------------------------------------------------------------------------------------

def _read(api, user, complaint):
    return api(user).get(f"/api/v1/complaints/{complaint.pk}/")


def test_over_the_api_the_member_reads_its_own_contact_and_the_read_is_not_logged(api, order_complaint, rich_member):
    data = _read(api, rich_member.user, order_complaint).json()

    assert (data["member_name"], data["member_phone"], data["waits_for"]) == (NAME, PHONE, "supplier")
    assert not AccessLog.objects.exists()


def test_over_the_api_operators_read_every_contact_masked(api, order_complaint, hotline, operator):
    member_row = _read(api, operator, order_complaint).json()
    caller_row = _read(api, operator, hotline).json()

    assert (member_row["member_name"], member_row["member_phone"]) == MASKED
    assert (caller_row["contact_name"], caller_row["contact_phone"]) == ("王**", "139****1111")
    assert not AccessLog.objects.exists()


def test_over_the_api_the_dropship_supplier_reads_the_contact_in_full_logged_and_masked_in_its_list(api, order_complaint, supplier_staff):
    one = _read(api, supplier_staff, order_complaint).json()
    listed = api(supplier_staff).get("/api/v1/complaints/").json()["results"]

    assert (one["member_name"], one["member_phone"]) == (NAME, PHONE)
    assert [(row["member_name"], row["member_phone"]) for row in listed] == [MASKED]
    log = AccessLog.objects.get()
    assert (log.actor, log.subject_type, log.subject_id) == (supplier_staff, "points.complaint", str(order_complaint.pk))


def test_over_the_api_another_supplier_another_member_and_logistics_get_404(api, order_complaint, other_supplier_admin, other_member, logistics):
    statuses = [_read(api, user, order_complaint).status_code for user in (other_supplier_admin, other_member.user, logistics)]

    assert statuses == [404, 404, 404]
    assert not AccessLog.objects.exists()


def test_over_the_api_a_bad_contact_phone_is_a_400_naming_the_field(api, operator, gift):
    body = {"title": "礼品破损", "description": "电话投诉", "gift": gift.pk, "contact_name": "王先生", "contact_phone": "1390000"}

    response = api(operator).post("/api/v1/complaints/", body, format="json", **fresh_key())

    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "contact_phone"
    assert not Complaint.objects.exists()


def test_over_the_api_an_operator_takes_an_open_complaint_and_its_member_may_not(api, member, gift, operator, now):
    own = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="茶叶受潮", description="结块")
    url = f"/api/v1/complaints/{own.pk}/take/"

    refused = api(member.user).post(url, {}, format="json")
    taken = api(operator).post(url, {}, format="json")

    assert refused.status_code == 403
    assert taken.status_code == 200 and (taken.json()["responsible"], taken.json()["waits_for"]) == ("operator", "operator")
