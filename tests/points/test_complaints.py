"""Complaints and suggestions (SPEC §4.9): the workflow, the 48-hour deadline and its escalation, resolution and the
reopen window, who may see and answer what, and the queue's order."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suppliers.models import Notice

from core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from core.models import Notification, TransitionLog
from core.roles import OPERATORS
from points.models import Complaint, ComplaintDeadline
from points.errors import ReopenWindowOver
from points.services import complaints
from points.services import orders
from suppliers.services import catalog
from suppliers.models import Gift, Supplier
from tests.factories import (
    ApplicantFactory, GiftFactory, SupplierFactory, SupplierUserFactory, UserFactory, contracted, licensed, supplier_in,
)
from tests.helpers import assert_list_queries_constant, fresh_key, gift_in_state, rolled_back_after
from tests.factories import ADDRESS, SHANGHAI

State = Complaint.State
H48 = timedelta(hours=48)


@pytest.fixture(scope="module")
def catalog_of(django_db_setup, django_db_blocker) -> dict:
    """A cooperating supplier, onboarded as an operator does it (the public may name it in a complaint), and its gift
    in the catalog: built once per module and rolled back after it; each test reads them afresh (`supplier`, `gift`)
    and what it changes rolls back with it."""
    with rolled_back_after(django_db_blocker):
        supplier = supplier_in(Supplier.State.ACTIVE)
        yield {"supplier": supplier.pk, "gift": gift_in_state("online", supplier=licensed(supplier), name="龙井茶礼盒").pk}


@pytest.fixture
def supplier(catalog_of, db) -> Supplier:
    """A cooperating supplier: the public may name it in a complaint."""
    return Supplier.objects.get(pk=catalog_of["supplier"])


@pytest.fixture
def gift(catalog_of, db) -> Gift:
    """A gift in the catalog of `supplier`: anyone may name it in a complaint."""
    return Gift.objects.get(pk=catalog_of["gift"])


@pytest.fixture
def complaint(member, gift, now):
    """The member's complaint about a gift of `supplier`, opened at `now`."""
    return complaints.open_complaint(actor=member.user, now=now, gift=gift, title="茶叶受潮", description="收到的茶叶受潮结块")


@pytest.fixture
def triaged(complaint, operator, now):
    """Triaged to the supplier at `now`: due 48 hours later."""
    return complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")


@pytest.fixture
def responded(triaged, supplier_staff, now):
    return complaints.respond_to_complaint(
        complaint=triaged, actor=supplier_staff, now=now + timedelta(hours=5), response="已补发一盒新茶"
    )


@pytest.fixture
def resolved(responded, member, now):
    return complaints.resolve_complaint(complaint=responded, actor=member.user, now=now + timedelta(hours=6))


def _unchanged(complaint: Complaint, state: str) -> None:
    complaint.refresh_from_db()
    assert complaint.state == state


# --- opening ---------------------------------------------------------------------------------------------------------

def test_a_member_complains_about_its_own_order_and_the_supplier_is_the_orders(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    complaint = complaints.open_complaint(actor=rich_member.user, now=now, order=order, title="未发货", description="三天未发货")

    assert (complaint.state, complaint.channel, complaint.kind) == (State.OPEN, "member", "complaint")
    assert (complaint.member, complaint.order, complaint.gift, complaint.supplier) == (
        rich_member, order, listed_gift, listed_gift.supplier
    )
    assert complaint.number.startswith("CP")


def test_a_member_cannot_complain_about_another_members_order(rich_member, other_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    with pytest.raises(ValidationFailed):
        complaints.open_complaint(actor=other_member.user, now=now, order=order, title="x", description="y")

    assert not Complaint.objects.exists()


def test_an_operator_opens_a_hotline_complaint_for_a_caller_by_name_and_phone(operator, gift, now):
    complaint = complaints.open_complaint(
        actor=operator, now=now, gift=gift, contact_name="王先生", contact_phone="13900001111", title="礼品破损", description="电话投诉"
    )

    assert (complaint.channel, complaint.member, complaint.contact_phone, complaint.supplier) == (
        "hotline", None, "13900001111", gift.supplier
    )


def test_a_hotline_complaint_needs_a_member_or_a_contact(operator, now):
    with pytest.raises(ValidationFailed) as refused:
        complaints.open_complaint(actor=operator, now=now, title="x", description="y")

    assert refused.value.field == "member"
    assert not Complaint.objects.exists()


def test_anyone_may_complain_about_a_supplier_publicly_but_not_about_its_own(supplier, other_supplier_admin, supplier_admin, now):
    public = complaints.open_complaint(actor=other_supplier_admin, now=now, supplier=supplier, title="虚假宣传", description="…")

    with pytest.raises(ValidationFailed):
        complaints.open_complaint(actor=supplier_admin, now=now, supplier=supplier, title="x", description="y")

    assert (public.channel, public.supplier, public.member) == ("public", supplier, None)
    assert Complaint.objects.count() == 1


def test_a_gift_never_in_the_catalog_or_an_applicant_supplier_is_not_found_except_by_the_staff(member, other_supplier_admin, operator, now):
    draft, applicant = GiftFactory(), ApplicantFactory()  # known only to their supplier and the staff

    with pytest.raises(NotFound) as gift_refused:
        complaints.open_complaint(actor=member.user, now=now, gift=draft, title="x", description="y")
    with pytest.raises(NotFound) as supplier_refused:
        complaints.open_complaint(actor=other_supplier_admin, now=now, supplier=applicant, title="x", description="y")
    assert (gift_refused.value.field, supplier_refused.value.field) == ("gift", "supplier")
    assert not Complaint.objects.exists()

    hotline = complaints.open_complaint(actor=operator, now=now, gift=draft, contact_name="李女士", contact_phone="13800001111",
                                        title="x", description="y")
    assert hotline.supplier == draft.supplier


def test_a_gift_sent_back_to_review_for_relisting_has_been_in_the_catalog_and_may_be_complained_about(other_supplier_admin, operator, now):
    gift = catalog.request_relisting(gift=gift_in_state("offline", actor=operator, at=now), actor=operator, now=now)
    assert gift.state == Gift.State.SUBMITTED  # its state alone says nothing of having been online

    complaint = complaints.open_complaint(actor=other_supplier_admin, now=now, gift=gift, title="质量问题", description="…")

    assert complaint.gift == gift


def test_a_retired_gift_may_still_be_complained_about(other_supplier_admin, supplier, now):
    retired = gift_in_state("retired", supplier=supplier)

    complaint = complaints.open_complaint(actor=other_supplier_admin, now=now, gift=retired, title="售后无人处理", description="…")

    assert (complaint.gift, complaint.supplier) == (retired, supplier)


def test_a_member_names_the_gifts_of_its_catalog_and_of_its_own_orders_only(rich_member, listed_gift, gift, supplier, operator, now):
    mzone_only = gift_in_state("online", supplier=supplier)
    mzone_only.prices.filter(program__code="gotone").delete()
    above_tier = gift_in_state("online", supplier=supplier, min_tier="diamond")
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    catalog.delist_gift(gift=listed_gift, actor=operator, now=now, reason_code="low_sales", reason="运营下线")
    catalog.retire_gift(gift=listed_gift, actor=operator, now=now, reason="停产")  # ordered, since retired

    named = set(complaints.complainable_gifts(rich_member.user))

    assert named == {gift, listed_gift}
    for other in (mzone_only, above_tier, gift_in_state("retired", supplier=supplier)):
        with pytest.raises(NotFound):
            complaints.open_complaint(actor=rich_member.user, now=now, gift=other, title="x", description="y")
    assert complaints.open_complaint(actor=rich_member.user, now=now, gift=listed_gift, title="售后", description="…").gift == listed_gift


def test_a_supplier_sends_a_suggestion_that_the_operator_triages_without_a_deadline(supplier_staff, operator, now):
    suggestion = complaints.send_suggestion(actor=supplier_staff, now=now, title="增加对账模板", description="希望提供 Excel 模板")

    complaints.triage_complaint(complaint=suggestion, actor=operator, now=now, responsible="operator")

    assert (suggestion.kind, suggestion.channel, suggestion.supplier_id) == ("suggestion", "supplier", supplier_staff.supplier_id)
    assert (suggestion.state, suggestion.deadline) == (State.TRIAGED, None)
    assert not ComplaintDeadline.objects.exists()


def test_a_suggestion_cannot_be_triaged_to_the_supplier_that_sent_it(supplier_staff, operator, now):
    suggestion = complaints.send_suggestion(actor=supplier_staff, now=now, title="t", description="d")

    with pytest.raises(ValidationFailed):
        complaints.triage_complaint(complaint=suggestion, actor=operator, now=now, responsible="supplier")

    _unchanged(suggestion, State.OPEN)


def test_a_member_cannot_send_a_suggestion(member, now):
    with pytest.raises(PermissionDenied):
        complaints.send_suggestion(actor=member.user, now=now, title="t", description="d")


# --- triage and the deadline ----------------------------------------------------------------------------------------

def test_triage_starts_a_48_hour_deadline_with_its_row(triaged, supplier, now):
    deadline = ComplaintDeadline.objects.get(complaint=triaged)

    assert (triaged.state, triaged.responsible, triaged.deadline) == (State.TRIAGED, "supplier", now + H48)
    assert (deadline.starts_at, deadline.due_at, deadline.supplier, deadline.responsible) == (now, now + H48, supplier, "supplier")
    assert TransitionLog.objects.filter(object_id=triaged.pk, transition="triage").count() == 1
    notice = Notice.objects.get(supplier=supplier, kind="complaint_assigned")  # the supplier's inbox says so
    assert triaged.number in notice.title_text


def test_the_triage_notice_links_to_the_complaint(triaged, supplier):
    assert Notice.objects.get(supplier=supplier, kind="complaint_assigned").link == f"/complaints/{triaged.pk}/"


def test_a_complaint_about_no_supplier_cannot_go_to_a_supplier(member, operator, now):
    general = complaints.open_complaint(actor=member.user, now=now, title="客服态度", description="电话无人接听")

    with pytest.raises(ValidationFailed):
        complaints.triage_complaint(complaint=general, actor=operator, now=now, responsible="supplier")

    _unchanged(general, State.OPEN)
    assert not ComplaintDeadline.objects.exists()


def test_only_an_operator_triages(complaint, logistics, now):
    with pytest.raises(PermissionDenied):
        complaints.triage_complaint(complaint=complaint, actor=logistics, now=now, responsible="logistics")

    _unchanged(complaint, State.OPEN)


def test_triaging_twice_is_refused_and_changes_nothing(triaged, operator, now):
    with pytest.raises(InvalidTransition):
        complaints.triage_complaint(complaint=triaged, actor=operator, now=now + timedelta(hours=1), responsible="operator")

    _unchanged(triaged, State.TRIAGED)
    assert triaged.responsible == "supplier"
    assert ComplaintDeadline.objects.count() == 1


def test_47_hours_59_minutes_after_triage_nothing_is_escalated(triaged, now):
    escalated = complaints.escalate_overdue(now=now + timedelta(hours=47, minutes=59))

    assert escalated == []
    _unchanged(triaged, State.TRIAGED)


def test_48_hours_1_minute_after_triage_the_complaint_is_escalated(triaged, now):
    at = now + timedelta(hours=48, minutes=1)

    escalated = complaints.escalate_overdue(now=at)

    assert escalated == [triaged.pk]
    _unchanged(triaged, State.ESCALATED)
    assert ComplaintDeadline.objects.get(complaint=triaged).escalated_at == at


def test_escalation_run_twice_escalates_once(triaged, now):
    first = complaints.escalate_overdue(now=now + timedelta(hours=49))

    second = complaints.escalate_overdue(now=now + timedelta(hours=50))

    assert (first, second) == ([triaged.pk], [])
    assert TransitionLog.objects.filter(object_id=triaged.pk, transition="escalate").count() == 1
    assert ComplaintDeadline.objects.get(complaint=triaged).escalated_at == now + timedelta(hours=49)


def test_an_escalated_complaint_tells_its_supplier_in_the_inbox_only(triaged, supplier, now):
    complaints.escalate_overdue(now=now + timedelta(hours=49))

    notice = Notice.objects.get(supplier=supplier, kind="complaint_escalated")
    assert (notice.title_text, notice.link) == (f"投诉 {triaged.number} 超时未答复，已升级", f"/complaints/{triaged.pk}/")
    assert not Notification.objects.filter(subject_id=str(notice.pk), subject_type="suppliers.notice").exists()  # a batch: inbox only


def test_the_suppliers_answer_tells_it_nothing(triaged, supplier, supplier_staff, now):
    told = Notice.objects.filter(supplier=supplier).count()
    complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=now + timedelta(hours=5), response="已补发")

    assert Notice.objects.filter(supplier=supplier).count() == told


def test_the_escalation_notice_tells_the_supplier_what_happens_and_no_more(triaged, supplier, now):
    complaints.escalate_overdue(now=now + timedelta(hours=49))

    body = Notice.objects.get(supplier=supplier, kind="complaint_escalated").body_text
    assert "答复超时" in body and "催办" in body and "转运营处理" not in body


# --- reminders (催办) -------------------------------------------------------------------------------------------------

@pytest.fixture
def escalated(triaged, now):
    """`triaged`, past its deadline unanswered and escalated 49 hours after `now`."""
    complaints.escalate_overdue(now=now + timedelta(hours=49))
    triaged.refresh_from_db()
    return triaged


def test_an_operator_chases_the_supplier_of_an_escalated_complaint_by_inbox_and_sms(escalated, supplier, operator, now):
    at = now + timedelta(hours=50)

    complaints.remind_responsible(complaint=escalated, actor=operator, now=at, reason="会员再次来电")

    reminder = escalated.reminders.get()
    notice = Notice.objects.get(supplier=supplier, kind="complaint_reminder")
    sms = Notification.objects.get(subject_type="suppliers.notice", subject_id=str(notice.pk))
    assert (reminder.sent_by, reminder.sent_at, reminder.reason) == (operator, at, "会员再次来电")
    assert notice.title_text == f"运营方催办投诉 {escalated.number}" and "说明：会员再次来电" in notice.body_text
    assert notice.link == f"/complaints/{escalated.pk}/"
    assert sms.phone == supplier.contact_phone and escalated.number in sms.body
    _unchanged(escalated, State.ESCALATED)
    assert not TransitionLog.objects.filter(object_id=escalated.pk, transition="remind").exists()


def test_a_supplier_who_wants_no_sms_finds_the_reminder_in_its_inbox_only(escalated, supplier, operator, now):
    Supplier.objects.filter(pk=supplier.pk).update(sms_notices=Supplier.SmsNotices.NONE)

    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50))

    notice = Notice.objects.get(supplier=supplier, kind="complaint_reminder")
    assert not Notification.objects.filter(subject_type="suppliers.notice", subject_id=str(notice.pk)).exists()


def test_a_reminder_within_the_hour_of_the_last_is_refused_and_one_later_is_sent(escalated, operator, now):
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50))

    with pytest.raises(Conflict):
        complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50, minutes=59))
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=51))

    assert escalated.reminders.count() == 2 and Notice.objects.filter(kind="complaint_reminder").count() == 2


def test_an_escalated_complaint_the_operator_answers_itself_is_not_chased(member, gift, operator, now):
    taken = complaints.take_complaint(
        complaint=complaints.open_complaint(actor=member.user, now=now, gift=gift, title="积分未到账", description="…"),
        actor=operator, now=now,
    )
    complaints.escalate_overdue(now=now + timedelta(hours=49))
    taken.refresh_from_db()

    with pytest.raises(Conflict) as refused:
        complaints.remind_responsible(complaint=taken, actor=operator, now=now + timedelta(hours=50))

    assert refused.value.detail == "只有已升级、待礼品商或物流商答复的投诉可以催办"
    assert taken.state == State.ESCALATED and not taken.reminders.exists()
    assert not Notice.objects.filter(kind="complaint_reminder").exists()


def test_a_complaint_still_within_its_deadline_is_not_chased(triaged, operator, now):
    with pytest.raises(Conflict):
        complaints.remind_responsible(complaint=triaged, actor=operator, now=now + timedelta(hours=1))

    assert not triaged.reminders.exists()


def test_only_an_operator_chases(escalated, supplier_staff, member, now):
    for actor in (supplier_staff, member.user):
        with pytest.raises(PermissionDenied):
            complaints.remind_responsible(complaint=escalated, actor=actor, now=now + timedelta(hours=50))

    assert not escalated.reminders.exists()


def test_the_supplier_answers_a_chased_complaint_as_any_escalated_one(escalated, operator, supplier_staff, now):
    complaints.remind_responsible(complaint=escalated, actor=operator, now=now + timedelta(hours=50))

    complaints.respond_to_complaint(complaint=escalated, actor=supplier_staff, now=now + timedelta(hours=51), response="已补发")

    assert escalated.state == State.RESPONDED and not complaints.may_remind(user=operator, complaint=escalated, now=now + timedelta(hours=52))


def test_an_escalated_complaint_the_operator_answers_for_is_answered_by_an_operator(member, gift, operator, now):
    taken = complaints.take_complaint(
        complaint=complaints.open_complaint(actor=member.user, now=now, gift=gift, title="积分未到账", description="…"),
        actor=operator, now=now,
    )
    complaints.escalate_overdue(now=now + timedelta(hours=49))
    taken.refresh_from_db()

    complaints.respond_to_complaint(complaint=taken, actor=operator, now=now + timedelta(hours=50), response="已补发积分")

    assert taken.state == State.RESPONDED and not complaints.may_remind(user=operator, complaint=taken, now=now + timedelta(hours=50))


def test_over_the_api_an_operator_chases_and_the_complaint_shows_who_when_and_why(api, escalated, operator, supplier_admin, member):
    url = f"/api/v1/complaints/{escalated.pk}/remind/"

    chased = api(operator).post(url, {"reason": "会员再次来电"}, format="json")
    again = api(operator).post(url, {}, format="json")

    assert chased.status_code == 200 and again.status_code == 409
    assert [(e["code"], e["attr"]) for e in again.json()["errors"]] == [("already_reminded", None)]
    assert [(r["sent_by"], r["reason"]) for r in chased.json()["reminders"]] == [("operator", "会员再次来电")]
    assert chased.json()["state"] == "escalated"
    seen_by_supplier = api(supplier_admin).get(f"/api/v1/complaints/{escalated.pk}/").json()["reminders"]
    assert [r["sent_by"] for r in seen_by_supplier] == ["运营人员"]
    assert api(member.user).get(f"/api/v1/complaints/{escalated.pk}/").json()["reminders"] == []
    assert api(supplier_admin).post(url, {}, format="json").status_code == 403


def test_over_the_api_chasing_a_complaint_not_escalated_is_409_not_escalated(api, triaged, operator):
    refused = api(operator).post(f"/api/v1/complaints/{triaged.pk}/remind/", {}, format="json")

    assert refused.status_code == 409
    assert [(e["code"], e["attr"]) for e in refused.json()["errors"]] == [("not_escalated", None)]
    assert not triaged.reminders.exists()


def test_an_answered_complaint_is_not_escalated(responded, now):
    assert complaints.escalate_overdue(now=now + timedelta(hours=49)) == []

    _unchanged(responded, State.RESPONDED)


# --- response -------------------------------------------------------------------------------------------------------

def test_the_supplier_answers_and_the_member_is_told(responded, member, now):
    deadline = ComplaintDeadline.objects.get(complaint=responded)
    sms = Notification.objects.get(kind="complaint_answered")

    assert (responded.state, responded.response, responded.responded_at) == (State.RESPONDED, "已补发一盒新茶", now + timedelta(hours=5))
    assert deadline.responded_at == now + timedelta(hours=5) and deadline.met
    assert sms.phone == member.phone and responded.number in sms.body


def test_an_escalated_complaint_can_still_be_answered_late(triaged, supplier_staff, now):
    complaints.escalate_overdue(now=now + timedelta(hours=49))
    triaged.refresh_from_db()

    complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=now + timedelta(hours=50), response="抱歉，已处理")

    deadline = ComplaintDeadline.objects.get(complaint=triaged)
    assert triaged.state == State.RESPONDED
    assert deadline.responded_at == now + timedelta(hours=50) and not deadline.met


def test_another_supplier_cannot_answer_a_complaint_triaged_to_the_first(triaged, other_supplier_admin, now):
    with pytest.raises(PermissionDenied):
        complaints.respond_to_complaint(complaint=triaged, actor=other_supplier_admin, now=now, response="不是我们")

    _unchanged(triaged, State.TRIAGED)
    assert not Notification.objects.filter(kind="complaint_answered").exists()


def test_a_complaint_triaged_to_logistics_is_not_answerable_by_the_supplier(complaint, operator, supplier_admin, logistics, now):
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="logistics")

    with pytest.raises(PermissionDenied):
        complaints.respond_to_complaint(complaint=complaint, actor=supplier_admin, now=now, response="x")
    complaints.respond_to_complaint(complaint=complaint, actor=logistics, now=now, response="已联系快递重新派送")

    assert complaint.state == State.RESPONDED and complaint.responded_by == logistics


def test_an_open_complaint_cannot_be_answered(complaint, operator, now):
    with pytest.raises(PermissionDenied):
        complaints.respond_to_complaint(complaint=complaint, actor=operator, now=now, response="x")

    _unchanged(complaint, State.OPEN)


def test_answering_twice_is_refused_and_changes_nothing(responded, supplier_staff, now):
    with pytest.raises(InvalidTransition):
        complaints.respond_to_complaint(complaint=responded, actor=supplier_staff, now=now + timedelta(hours=7), response="再答")

    _unchanged(responded, State.RESPONDED)
    assert responded.response == "已补发一盒新茶"
    assert Notification.objects.filter(kind="complaint_answered").count() == 1


def test_a_blank_answer_is_refused(triaged, supplier_staff, now):
    with pytest.raises(ValidationFailed):
        complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=now, response="  ")

    _unchanged(triaged, State.TRIAGED)


# --- resolution and reopening ---------------------------------------------------------------------------------------

def test_the_member_resolves_the_answered_complaint(resolved, now):
    assert (resolved.state, resolved.resolved_at, resolved.auto_resolved) == (State.RESOLVED, now + timedelta(hours=6), False)


def test_resolving_before_an_answer_is_refused(triaged, member, now):
    with pytest.raises(InvalidTransition):
        complaints.resolve_complaint(complaint=triaged, actor=member.user, now=now)

    _unchanged(triaged, State.TRIAGED)


def test_another_member_cannot_resolve_or_reopen_the_complaint(responded, other_member, now):
    with pytest.raises(PermissionDenied):
        complaints.resolve_complaint(complaint=responded, actor=other_member.user, now=now)

    _unchanged(responded, State.RESPONDED)


def test_an_answered_complaint_resolves_itself_3_days_after_the_response(responded, now):
    answered_at = responded.responded_at

    early = complaints.auto_resolve(now=answered_at + timedelta(days=3) - timedelta(seconds=1))
    on_time = complaints.auto_resolve(now=answered_at + timedelta(days=3))

    responded.refresh_from_db()
    assert (early, on_time) == ([], [responded.pk])
    assert (responded.state, responded.auto_resolved, responded.resolved_at) == (State.RESOLVED, True, answered_at + timedelta(days=3))


def test_auto_resolved_complaints_reach_their_suppliers_inbox_in_one_insert_without_sms(responded, supplier, supplier_staff,
                                                                                        operator, member, gift, now):
    second = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="包装破损", description="外盒压坏")
    complaints.triage_complaint(complaint=second, actor=operator, now=now, responsible="supplier")
    complaints.respond_to_complaint(complaint=second, actor=supplier_staff, now=now + timedelta(hours=5), response="已补发")
    assert not Notice.objects.filter(kind="complaint_auto_resolved").exists()  # the supplier's own answer

    with CaptureQueriesContext(connection) as run:
        complaints.auto_resolve(now=responded.responded_at + timedelta(days=3))

    notices = Notice.objects.filter(supplier=supplier, kind="complaint_auto_resolved").order_by("link")
    assert sorted((notice.title_text, notice.link) for notice in notices) == sorted(
        (f"投诉 {c.number} 已自动解决", f"/complaints/{c.pk}/") for c in (responded, second))
    assert notices[0].body_text == "会员在答复后3天内未确认也未重新打开，系统已将该投诉视为解决。"
    assert len([q for q in run.captured_queries if q["sql"].startswith('INSERT INTO "suppliers_notice"')]) == 1
    assert not Notification.objects.filter(subject_type="suppliers.notice", subject_id__in=[str(n.pk) for n in notices]).exists()


def test_a_complaint_its_member_resolves_tells_the_supplier_nothing(resolved, supplier):
    complaints.auto_resolve(now=resolved.resolved_at + timedelta(days=30))  # the job finds nothing left to resolve

    assert not Notice.objects.filter(supplier=supplier, kind="complaint_auto_resolved").exists()


def test_the_member_reopens_within_7_days_and_a_new_deadline_starts(resolved, supplier, now):
    at = resolved.resolved_at + timedelta(days=7)

    complaints.reopen_complaint(complaint=resolved, actor=resolved.member.user, now=at, reason="又受潮了")

    latest = ComplaintDeadline.objects.filter(complaint=resolved).last()
    assert (resolved.state, resolved.deadline) == (State.REOPENED, at + H48)
    assert ComplaintDeadline.objects.filter(complaint=resolved).count() == 2
    assert (latest.starts_at, latest.due_at, latest.supplier, latest.responded_at) == (at, at + H48, supplier, None)


def test_a_reopened_complaint_of_the_suppliers_tells_it_to_answer_by_the_new_deadline(resolved, supplier, now):
    at = resolved.resolved_at + timedelta(days=1)

    complaints.reopen_complaint(complaint=resolved, actor=resolved.member.user, now=at, reason="又受潮了")

    notice = Notice.objects.get(supplier=supplier, title="投诉 %(number)s 已被会员重新打开，待您答复")
    assert notice.title_text == f"投诉 {resolved.number} 已被会员重新打开，待您答复"
    assert notice.link == f"/complaints/{resolved.pk}/" and f"{(at + H48).astimezone(SHANGHAI):%Y-%m-%d %H:%M}" in notice.body_text
    assert Notification.objects.filter(kind="supplier_notice", subject_id=str(notice.pk)).count() == 1


def test_reopening_7_days_and_a_second_after_resolution_is_refused_as_a_conflict_naming_the_resolution(resolved, now):
    at = resolved.resolved_at + timedelta(days=7, seconds=1)

    with pytest.raises(ReopenWindowOver) as refused:
        complaints.reopen_complaint(complaint=resolved, actor=resolved.member.user, now=at)

    assert (refused.value.code, refused.value.status, refused.value.field) == ("reopen_window_over", 409, "resolved_at")
    _unchanged(resolved, State.RESOLVED)
    assert ComplaintDeadline.objects.filter(complaint=resolved).count() == 1


def test_reopening_through_the_api_after_the_window_is_a_409_naming_resolved_at(resolved, member, api):
    Complaint.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - timedelta(days=8))

    response = api(member.user).post(f"/api/v1/complaints/{resolved.pk}/reopen/", {"reason": "又受潮了"}, format="json")

    assert response.status_code == 409
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("reopen_window_over", "resolved_at")]
    _unchanged(resolved, State.RESOLVED)
    assert ComplaintDeadline.objects.filter(complaint=resolved).count() == 1


def test_a_reopened_complaint_escalates_when_its_new_deadline_passes(resolved, now):
    at = resolved.resolved_at + timedelta(days=1)
    complaints.reopen_complaint(complaint=resolved, actor=resolved.member.user, now=at)

    assert complaints.escalate_overdue(now=at + timedelta(hours=47, minutes=59)) == []
    assert complaints.escalate_overdue(now=at + timedelta(hours=48, minutes=1)) == [resolved.pk]

    first, second = ComplaintDeadline.objects.filter(complaint=resolved)
    assert (first.escalated_at, second.escalated_at) == (None, at + timedelta(hours=48, minutes=1))


def test_a_reopened_complaint_is_answered_again(resolved, supplier_admin, now):
    at = resolved.resolved_at + timedelta(days=1)
    complaints.reopen_complaint(complaint=resolved, actor=resolved.member.user, now=at)

    complaints.respond_to_complaint(complaint=resolved, actor=supplier_admin, now=at + timedelta(hours=1), response="再次补发")

    assert resolved.state == State.RESPONDED
    assert ComplaintDeadline.objects.filter(complaint=resolved, responded_at__isnull=True).count() == 0


def test_every_answer_stays_in_the_history_when_a_reopened_complaint_is_answered_again(resolved, supplier_admin, api):
    at = resolved.resolved_at + timedelta(days=1)
    complaints.reopen_complaint(complaint=resolved, actor=resolved.member.user, now=at, reason="又受潮了")

    complaints.respond_to_complaint(complaint=resolved, actor=supplier_admin, now=at + timedelta(hours=1), response="再次补发")

    answers = [log.reason for log in TransitionLog.objects.of(resolved) if log.transition == "respond"]
    assert answers == ["已补发一盒新茶", "再次补发"] and resolved.response == "再次补发"
    history = api(resolved.member.user).get(f"/api/v1/complaints/{resolved.pk}/history/").json()
    assert [entry["reason"] for entry in history if entry["transition"] == "respond"] == ["已补发一盒新茶", "再次补发"]


def test_an_unresolved_complaint_cannot_be_reopened(responded, member, now):
    with pytest.raises(InvalidTransition):
        complaints.reopen_complaint(complaint=responded, actor=member.user, now=now + timedelta(hours=7))

    _unchanged(responded, State.RESPONDED)
    assert ComplaintDeadline.objects.count() == 1


def test_a_reopened_complaint_cannot_be_resolved_before_an_answer(resolved, member, now):
    complaints.reopen_complaint(complaint=resolved, actor=member.user, now=resolved.resolved_at + timedelta(days=1))

    with pytest.raises(InvalidTransition):
        complaints.resolve_complaint(complaint=resolved, actor=member.user, now=resolved.resolved_at + timedelta(days=2))

    _unchanged(resolved, State.REOPENED)


def test_an_escalated_complaint_cannot_be_escalated_again_or_resolved(triaged, member, now):
    complaints.escalate_overdue(now=now + timedelta(hours=49))
    triaged.refresh_from_db()

    with pytest.raises(InvalidTransition):
        complaints.resolve_complaint(complaint=triaged, actor=member.user, now=now + timedelta(hours=50))

    _unchanged(triaged, State.ESCALATED)


# --- visibility and the queue ---------------------------------------------------------------------------------------

def test_a_member_sees_only_its_own_complaints(complaint, member, other_member, now):
    assert list(complaints.list_complaints(user=member.user, now=now)) == [complaint]
    assert list(complaints.list_complaints(user=other_member.user, now=now)) == []


def test_a_supplier_sees_only_complaints_triaged_to_it(triaged, supplier_admin, other_supplier_admin, now):
    assert list(complaints.list_complaints(user=supplier_admin, now=now)) == [triaged]
    assert list(complaints.list_complaints(user=other_supplier_admin, now=now)) == []


def test_a_supplier_does_not_see_a_complaint_about_it_before_triage_or_triaged_to_logistics(complaint, operator, supplier_admin, now):
    before = list(complaints.list_complaints(user=supplier_admin, now=now))
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="logistics")

    after = list(complaints.list_complaints(user=supplier_admin, now=now))

    assert (before, after) == ([], [])


def test_the_queue_puts_overdue_first_then_escalated_then_by_deadline(member, gift, operator, now):
    def triaged_at(hours_ago: int, title: str) -> Complaint:
        opened = complaints.open_complaint(actor=member.user, now=now, gift=gift, title=title, description="…")
        return complaints.triage_complaint(complaint=opened, actor=operator, now=now - timedelta(hours=hours_ago), responsible="supplier")

    escalated = triaged_at(60, "escalated")
    complaints.escalate_overdue(now=now - timedelta(hours=1))
    later = triaged_at(1, "later")
    sooner = triaged_at(10, "sooner")
    overdue = triaged_at(50, "overdue")
    untriaged = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="open", description="…")

    queue = list(complaints.list_complaints(user=operator, now=now))

    assert [c.title for c in queue] == [c.title for c in (overdue, escalated, sooner, later, untriaged)]
    assert [c.title for c in complaints.list_complaints(user=operator, now=now, state="escalated")] == ["escalated"]


def test_the_queue_puts_only_unanswered_late_complaints_first_and_one_resolved_late_among_the_rest(queue_with_a_late_answer,
                                                                                                       operator, now):
    queue = list(complaints.list_complaints(user=operator, now=now))

    assert queue == queue_with_a_late_answer


def test_a_complaint_step_with_a_reason_over_500_characters_is_refused_and_changes_nothing(complaint, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier", reason="分" * 501)

    complaint.refresh_from_db()
    assert (refused.value.field, complaint.state, complaint.deadline) == ("reason", State.OPEN, None)
    assert "500" in refused.value.detail and not TransitionLog.objects.filter(object_id=complaint.pk, transition="triage").exists()


@pytest.mark.parametrize("step", ["resolve", "reopen"])
def test_the_member_resolving_or_reopening_with_a_reason_over_500_characters_is_refused(responded, member, now, step):
    if step == "reopen":
        complaints.resolve_complaint(complaint=responded, actor=member.user, now=now + timedelta(hours=6))
    before = responded.state
    service = {"resolve": complaints.resolve_complaint, "reopen": complaints.reopen_complaint}[step]

    with pytest.raises(ValidationFailed) as refused:
        service(complaint=responded, actor=member.user, now=now + timedelta(hours=7), reason="还" * 501)

    responded.refresh_from_db()
    assert (refused.value.field, responded.state) == ("reason", before)


def test_a_reason_of_500_characters_is_kept_in_the_history(complaint, operator, now):
    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier", reason="分" * 500)

    assert TransitionLog.objects.get(object_id=complaint.pk, transition="triage").reason == "分" * 500


def test_anyone_new_sees_nothing(now, complaint):
    finance = UserFactory(username="finance_cs", role="finance")
    stranger = SupplierUserFactory(username="stranger", role="supplier_staff")

    assert list(complaints.list_complaints(user=finance, now=now)) == []
    assert list(complaints.list_complaints(user=stranger, now=now)) == []


def test_the_demo_data_has_complaints_in_every_queue_state_once(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    states = set(Complaint.objects.values_list("state", flat=True))
    assert {State.OPEN, State.TRIAGED, State.ESCALATED, State.RESPONDED, State.RESOLVED} <= states
    assert Complaint.objects.filter(kind="suggestion").count() == 1
    assert Complaint.objects.count() == 9  # with the one of an assessed month the demo penalty rule catches


# --- the API ---------------------------------------------------------------------------------------------------------

def test_over_the_api_another_supplier_gets_404_and_the_right_one_answers(api, triaged, other_supplier_admin, supplier_admin):
    url = f"/api/v1/complaints/{triaged.pk}/respond/"

    refused = api(other_supplier_admin).post(url, {"response": "x"}, format="json")
    answered = api(supplier_admin).post(url, {"response": "已处理"}, format="json")

    assert (refused.status_code, answered.status_code) == (404, 200)
    assert answered.json()["state"] == "responded"


def test_over_the_api_a_member_sees_its_own_complaints_only(api, complaint, member, other_member):
    own = api(member.user).get("/api/v1/complaints/").json()
    other = api(other_member.user).get(f"/api/v1/complaints/{complaint.pk}/")

    assert [row["number"] for row in own["results"]] == [complaint.number]
    assert other.status_code == 404


def test_over_the_api_an_illegal_transition_is_409_and_changes_nothing(api, complaint, member):
    response = api(member.user).post(f"/api/v1/complaints/{complaint.pk}/resolve/", {}, format="json")

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"
    _unchanged(complaint, State.OPEN)


def test_the_operators_complaint_queue_runs_the_same_queries_for_1_and_50_rows(api, operator, member, gift, now):
    def make_rows(n: int) -> None:
        for i in range(n):
            complaints.open_complaint(actor=member.user, now=now, gift=gift, title=f"投诉{i}", description="内容")

    assert_list_queries_constant(api(operator), "/api/v1/complaints/", make_rows)


def test_over_the_api_a_complaint_naming_another_members_order_is_404_and_writes_nothing(api, rich_member, other_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)

    response = api(other_member.user).post("/api/v1/complaints/", {"title": "x", "description": "y", "order": order.pk}, format="json", **fresh_key())

    assert response.status_code == 404
    assert response.json()["errors"][0]["attr"] == "order"
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("field", ["gift", "supplier", "member"])
def test_over_the_api_naming_what_the_caller_may_not_name_is_404_and_writes_nothing(api, member, other_member, field):
    hidden = {"gift": lambda: GiftFactory().pk, "supplier": lambda: ApplicantFactory().pk, "member": lambda: other_member.pk}[field]()

    response = api(member.user).post("/api/v1/complaints/", {"title": "x", "description": "y", field: hidden}, format="json", **fresh_key())

    assert response.status_code == 404
    assert response.json()["errors"][0]["attr"] == field
    assert not Complaint.objects.exists()


def test_over_the_api_a_member_complains_about_a_gift_in_the_catalog(api, member, gift):
    response = api(member.user).post("/api/v1/complaints/", {"title": "茶叶受潮", "description": "结块", "gift": gift.pk}, format="json", **fresh_key())

    assert response.status_code == 201
    assert (response.json()["gift"], response.json()["supplier"]) == (gift.pk, gift.supplier_id)


def test_a_complaint_sent_again_with_its_idempotency_key_is_opened_once(api, member, gift):
    body, key = {"title": "茶叶受潮", "description": "结块", "gift": gift.pk}, fresh_key()
    first = api(member.user).post("/api/v1/complaints/", body, format="json", **key)

    again = api(member.user).post("/api/v1/complaints/", body, format="json", **key)

    assert (again.status_code, again.json()["id"], again["Idempotent-Replayed"]) == (201, first.json()["id"], "true")
    assert Complaint.objects.count() == 1


def test_a_suggestion_sent_again_with_its_idempotency_key_is_sent_once(api, supplier_staff):
    body, key = {"title": "增加对账模板", "description": "按月导出"}, fresh_key()
    first = api(supplier_staff).post("/api/v1/complaints/suggest/", body, format="json", **key)

    again = api(supplier_staff).post("/api/v1/complaints/suggest/", body, format="json", **key)

    assert (again.status_code, again.json()["id"], again["Idempotent-Replayed"]) == (201, first.json()["id"], "true")
    assert Complaint.objects.count() == 1


def test_a_member_may_name_a_supplier_that_cooperates_or_has_cooperated(member, supplier, now):
    named = {state: supplier_in(state) for state in Supplier.State.values}

    choices = set(complaints.complainable_suppliers(member.user))

    assert choices == {supplier} | {named[state] for state in ("active", "suspended", "terminated")}  # `supplier`: the module's
    complaint = complaints.open_complaint(actor=member.user, now=now, supplier=named["terminated"], title="售后无人", description="…")
    assert (complaint.channel, complaint.member, complaint.supplier) == ("member", member, named["terminated"])


def test_over_the_api_a_member_complains_about_a_supplier(api, member, supplier):
    response = api(member.user).post("/api/v1/complaints/", {"title": "客服态度差", "description": "…", "supplier": supplier.pk}, format="json", **fresh_key())

    assert response.status_code == 201
    assert (response.json()["supplier"], response.json()["order"]) == (supplier.pk, None)


def test_over_the_api_a_member_cannot_name_a_gift_outside_its_catalog_and_orders(api, member, supplier):
    other_program = gift_in_state("online", supplier=supplier)
    other_program.prices.filter(program__code="gotone").delete()

    response = api(member.user).post("/api/v1/complaints/", {"title": "x", "description": "y", "gift": other_program.pk}, format="json", **fresh_key())

    assert response.status_code == 404 and response.json()["errors"][0]["attr"] == "gift"  # as if it did not exist
    assert not Complaint.objects.exists()


def test_the_complaint_desk_counts_what_waits_for_each_party(complaint, operator, supplier_staff, other_supplier_admin, logistics, now):
    def waiting() -> list[int]:
        return [complaints.complaints_waiting(user) for user in (operator, supplier_staff, other_supplier_admin, logistics, complaint.member.user)]

    assert waiting() == [1, 0, 0, 0, 0]  # open: the operator triages it

    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="supplier")
    assert waiting() == [0, 1, 0, 0, 0]  # the supplier it concerns answers

    complaints.respond_to_complaint(complaint=complaint, actor=supplier_staff, now=now, response="已补发")
    assert waiting() == [0, 0, 0, 0, 0]


def test_the_operators_desk_counts_what_it_must_triage_and_what_was_triaged_to_it(complaint, operator, supplier_staff, now):
    assert complaints.complaints_waiting(operator) == 1  # to triage

    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="operator")
    assert (complaints.complaints_waiting(operator), complaints.complaints_waiting(supplier_staff)) == (1, 0)  # to answer

    complaints.respond_to_complaint(complaint=complaint, actor=operator, now=now, response="已协调补发")
    assert complaints.complaints_waiting(operator) == 0


def test_a_superuser_of_another_role_is_counted_the_complaints_it_may_triage(complaint, logistics):
    root = UserFactory(username="root_logistics", role="logistics", is_superuser=True)

    counts = (complaints.complaints_waiting(root), complaints.complaints_waiting(logistics))

    assert counts == (1, 0)  # the open complaint: the superuser's to triage (`operates`), not the logistics staff's


@pytest.mark.parametrize("role", ["finance", "member"])
def test_a_superuser_of_a_role_that_answers_no_complaint_is_counted_those_it_may_triage(complaint, operator, role, now):
    root = UserFactory(username=f"root_{role}", role=role, is_superuser=True)
    assert complaints.complaints_waiting(root) == 1  # the open complaint, to triage (`operates`)

    complaints.triage_complaint(complaint=complaint, actor=operator, now=now, responsible="operator")

    # triaged to the operators: theirs to answer, not this superuser's, which acts for the operator but answers for no party
    assert (complaints.complaints_waiting(root), complaints.complaints_waiting(operator)) == (0, 1)



def test_a_penalty_may_refer_to_a_complaint_about_the_same_supplier_only(complaint, supplier, finance, now):
    from settlement.services.adjustments import propose_adjustment

    penalty = propose_adjustment(supplier=contracted(supplier), kind="penalty", amount="-50", reason="投诉属实", actor=finance, now=now,
                                 source_kind="complaint", source_id=complaint.number)
    with pytest.raises(ValidationFailed) as refused:
        propose_adjustment(supplier=contracted(SupplierFactory()), kind="penalty", amount="-50", reason="投诉属实", actor=finance, now=now,
                           source_kind="complaint", source_id=complaint.number)
    assert (penalty.source_kind, penalty.source_id, refused.value.field) == ("complaint", complaint.number, "source_id")


def test_the_api_takes_the_operators_complaint_steps_from_whoever_operates_a_superuser_of_finance_too(complaint, api):
    from points.api.complaints import ComplaintViewSet

    root = UserFactory(username="root_finance_api", role="finance", is_superuser=True)

    triaged = api(root).post(f"/api/v1/complaints/{complaint.pk}/triage/", {"responsible": "supplier"}, format="json")

    assert triaged.status_code == 200 and triaged.json()["responsible"] == "supplier"
    assert {ComplaintViewSet.triage.allowed_roles, ComplaintViewSet.take.allowed_roles, ComplaintViewSet.remind.allowed_roles} == {OPERATORS}
