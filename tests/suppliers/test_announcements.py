"""Announcements and meeting notices (SPEC §4.9): publishing to all or chosen suppliers, reading, one
acknowledgement, who has not acknowledged, the unread badge, and supplier isolation in the API and the pages."""
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from core.errors import PermissionDenied, ValidationFailed
from core.models import Notification
from suppliers.models import Announcement, AnnouncementDelivery
from suppliers.services import announcements, onboarding
from tests.factories import SupplierFactory, supplier_in
from tests.helpers import fresh_key
from tests.portal import field_errors, logged_in, page_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_pair(supplier, other_supplier):
    return supplier, other_supplier


@pytest.fixture
def notice(active_pair, operator, now):
    return announcements.publish_announcement(kind="announcement", title="春节发货安排", body="除夕至初六暂停出库。", actor=operator, now=now)


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- publishing ---------------------------------------------------------------------------------------------------
def test_an_announcement_to_all_reaches_every_active_supplier_and_texts_each_contact(notice, active_pair):
    applicant = SupplierFactory()

    delivered = set(notice.deliveries.values_list("supplier_id", flat=True))

    assert delivered == {s.pk for s in active_pair} and applicant.pk not in delivered
    phones = set(Notification.objects.filter(kind="supplier_notice").values_list("phone", flat=True))
    assert phones == {s.contact_phone for s in active_pair}


def test_an_announcement_to_chosen_suppliers_reaches_only_them(active_pair, operator, now):
    chosen, left_out = active_pair

    announcement = announcements.publish_announcement(kind="announcement", title="对账提醒", body="请于本周内完成对账。", to_all=False,
                                                      suppliers=[chosen], actor=operator, now=now)

    assert list(announcement.deliveries.values_list("supplier_id", flat=True)) == [chosen.pk]


def test_a_meeting_without_time_place_and_agenda_is_refused_with_each_field_named(active_pair, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        announcements.publish_announcement(kind="meeting", title="季度会议", body="请参加。", actor=operator, now=now)

    assert [field for field, *_ in refused.value.errors] == ["meeting_at", "place", "agenda"]
    assert not Announcement.objects.exists() and not Notification.objects.filter(subject_type="suppliers.announcement").exists()


def test_a_meeting_notice_keeps_its_time_place_and_agenda(active_pair, operator, now):
    meeting = announcements.publish_announcement(kind="meeting", title="季度会议", body="请参加。", meeting_at=now + timedelta(days=7),
                                                 place="杭州总部", agenda="考核结果", actor=operator, now=now)

    assert (meeting.meeting_at, meeting.place, meeting.agenda, meeting.deliveries.count()) == (now + timedelta(days=7), "杭州总部", "考核结果", 2)


def test_choosing_no_supplier_is_refused(active_pair, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        announcements.publish_announcement(kind="announcement", title="t", body="b", to_all=False, actor=operator, now=now)

    assert refused.value.field == "suppliers"


@pytest.mark.parametrize("missing", [10**6, 2**63])
def test_choosing_a_supplier_that_does_not_exist_is_refused_and_nothing_is_sent(active_pair, operator, now, missing):
    with pytest.raises(ValidationFailed) as refused:
        announcements.publish_announcement(kind="announcement", title="t", body="b", to_all=False, suppliers=[active_pair[0].pk, missing],
                                           actor=operator, now=now)

    assert refused.value.field == "suppliers"
    assert not Announcement.objects.exists()


def test_only_operators_publish(active_pair, finance, now):
    with pytest.raises(PermissionDenied):
        announcements.publish_announcement(kind="announcement", title="t", body="b", actor=finance, now=now)

    assert not Announcement.objects.exists()


# --- reading and acknowledging ------------------------------------------------------------------------------------
def test_opening_marks_read_once_and_the_unread_count_drops(notice, supplier_staff, now):
    delivery = announcements.get_delivery(announcement_id=notice.pk, actor=supplier_staff)
    assert announcements.unread_count(supplier_staff) == 1

    announcements.mark_read(delivery=delivery, actor=supplier_staff, now=now + timedelta(hours=1))
    announcements.mark_read(delivery=delivery, actor=supplier_staff, now=now + timedelta(hours=2))

    assert delivery.read_at == now + timedelta(hours=1)
    assert announcements.unread_count(supplier_staff) == 0


def test_acknowledging_records_who_and_when_and_a_second_time_keeps_the_first(notice, supplier_staff, supplier_admin, now):
    delivery = announcements.get_delivery(announcement_id=notice.pk, actor=supplier_staff)
    announcements.acknowledge(delivery=delivery, actor=supplier_staff, now=now + timedelta(hours=1))

    again = announcements.acknowledge(delivery=delivery, actor=supplier_admin, now=now + timedelta(hours=2))

    delivery.refresh_from_db()
    assert (delivery.acknowledged_by, delivery.acknowledged_at, delivery.read_at) == (
        supplier_staff, now + timedelta(hours=1), now + timedelta(hours=1))
    assert (again.acknowledged_by, again.acknowledged_at) == (supplier_staff, now + timedelta(hours=1))


def test_operators_see_the_counts_and_who_has_not_acknowledged(notice, active_pair, supplier_staff, operator, now):
    acknowledged, waiting = active_pair
    announcements.acknowledge(delivery=announcements.get_delivery(announcement_id=notice.pk, actor=supplier_staff),
                              actor=supplier_staff, now=now)

    listed = announcements.list_announcements(actor=operator).get(pk=notice.pk)

    assert (listed.delivered_count, listed.acknowledged_count, listed.pending_count) == (2, 1, 1)
    assert list(announcements.not_acknowledged(announcement=notice)) == [waiting]


def test_the_operators_page_of_an_announcement_names_its_kind_and_its_read_receipts_in_english(notice, operator):
    english = page_in(operator, f"/supplier/announcements/manage/{notice.pk}/", "en")

    assert '<span class="badge">Announcement</span>' in english and "<h2>Read receipts</h2>" in english


def test_the_supplier_list_shows_unread_first(notice, supplier_staff, operator, now):
    later = announcements.publish_announcement(kind="announcement", title="新规", body="b", actor=operator, now=now + timedelta(days=1))
    announcements.mark_read(delivery=announcements.get_delivery(announcement_id=later.pk, actor=supplier_staff), actor=supplier_staff,
                            now=now + timedelta(days=1))

    listed = [d.announcement_id for d in announcements.list_deliveries(actor=supplier_staff)]

    assert listed == [notice.pk, later.pk]


# --- API ----------------------------------------------------------------------------------------------------------
def test_an_operator_publishes_through_the_api_and_reads_who_has_not_acknowledged(active_pair, operator, api):
    response = api(operator).post("/api/v1/announcements/", {"kind": "meeting", "title": "季度会议", "body": "请参加。",
                                                              "meeting_at": "2099-10-22T14:00:00+08:00", "place": "杭州总部",
                                                              "agenda": "考核"}, format="json", **fresh_key())

    assert response.status_code == 201, response.content
    detail = api(operator).get(f"/api/v1/announcements/{response.json()['id']}/").json()
    assert (detail["delivered_count"], detail["acknowledged_count"]) == (2, 0)
    assert {s["id"] for s in detail["not_acknowledged"]} == {s.pk for s in active_pair}


def test_an_announcement_sent_again_with_its_idempotency_key_is_published_and_texted_once(active_pair, operator, api):
    body, key = {"title": "春节发货安排", "body": "2月1日至2月7日暂停发货。", "to_all": True}, fresh_key()
    first = api(operator).post("/api/v1/announcements/", body, format="json", **key)

    again = api(operator).post("/api/v1/announcements/", body, format="json", **key)

    assert (again.status_code, again.json()["id"], again["Idempotent-Replayed"]) == (201, first.json()["id"], "true")
    assert Announcement.objects.count() == 1
    assert Notification.objects.filter(subject_type="suppliers.announcement").count() == len(active_pair)


def test_an_announcement_without_an_idempotency_key_is_a_400_and_nothing_is_published(active_pair, operator, api):
    response = api(operator).post("/api/v1/announcements/", {"title": "t", "body": "b", "to_all": True}, format="json")

    assert (response.status_code, response.json()["errors"][0]["code"]) == (400, "idempotency_key_missing")
    assert not Announcement.objects.exists()


def test_a_meeting_without_a_place_is_a_400_naming_the_field(active_pair, operator, api):
    response = api(operator).post("/api/v1/announcements/", {"kind": "meeting", "title": "会", "body": "b",
                                                              "meeting_at": "2099-10-22T14:00:00+08:00", "agenda": "a"}, format="json", **fresh_key())

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["place"]


def test_a_supplier_acknowledges_its_copy_once_through_the_api(notice, supplier_admin, api):
    delivery = AnnouncementDelivery.objects.get(announcement=notice, supplier=supplier_admin.supplier_id)

    first = api(supplier_admin).post(f"/api/v1/announcement-deliveries/{delivery.pk}/acknowledge/")
    second = api(supplier_admin).post(f"/api/v1/announcement-deliveries/{delivery.pk}/acknowledge/")

    assert first.status_code == 200 and first.json()["acknowledged_by"] == "supplier_admin"
    assert second.status_code == 200 and second.json() == first.json()


def test_another_suppliers_copy_is_a_404_in_the_api(notice, supplier_admin, other_supplier, api):
    theirs = AnnouncementDelivery.objects.get(announcement=notice, supplier=other_supplier)

    assert api(supplier_admin).get(f"/api/v1/announcement-deliveries/{theirs.pk}/").status_code == 404
    assert api(supplier_admin).post(f"/api/v1/announcement-deliveries/{theirs.pk}/acknowledge/").status_code == 404
    listed = api(supplier_admin).get("/api/v1/announcement-deliveries/").json()["results"]
    assert {d["supplier"] for d in listed} == {supplier_admin.supplier_id}
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


# --- pages --------------------------------------------------------------------------------------------------------
def test_the_nav_shows_the_unread_badge_and_opening_the_announcement_clears_it(notice, supplier_staff):
    client = page_client(supplier_staff)

    assert re.search(r'nav-badge-supplier-announcements" title="未读">1<', client.get("/supplier/announcements/").content.decode())
    detail = client.get(f"/supplier/announcements/{notice.pk}/")

    assert detail.status_code == 200 and "除夕至初六暂停出库" in detail.content.decode()
    assert "nav-badge-supplier-announcements" not in client.get("/supplier/announcements/").content.decode()


def test_the_acknowledge_button_acknowledges_for_the_supplier(notice, supplier_staff):
    response = page_client(supplier_staff).post(f"/supplier/announcements/{notice.pk}/acknowledge/", follow=True)

    assert 'data-testid="acknowledged"' in response.content.decode()
    assert AnnouncementDelivery.objects.get(announcement=notice, supplier=supplier_staff.supplier_id).acknowledged_by == supplier_staff


def test_an_announcement_sent_only_to_another_supplier_is_a_404_page(active_pair, supplier_staff, operator, now):
    _, other = active_pair
    theirs = announcements.publish_announcement(kind="announcement", title="仅限对方", body="b", to_all=False, suppliers=[other],
                                                actor=operator, now=now)

    client = page_client(supplier_staff)

    assert client.get(f"/supplier/announcements/{theirs.pk}/").status_code == 404
    assert client.post(f"/supplier/announcements/{theirs.pk}/acknowledge/").status_code == 404
    assert "仅限对方" not in client.get("/supplier/announcements/").content.decode()


def test_the_operator_publishes_from_the_form_and_sees_who_has_not_acknowledged(active_pair, operator):
    client = page_client(operator)

    response = client.post("/supplier/announcements/manage/new/", {"kind": "announcement", "title": "对账提醒", "body": "本周完成对账。",
                                                                    "to_all": "on", "token": "publish-1"}, follow=True)

    page = response.content.decode()
    assert response.status_code == 200 and "对账提醒" in page
    assert all(supplier.name in page for supplier in active_pair)
    assert "对账提醒" in client.get("/supplier/announcements/manage/").content.decode()


def test_the_publish_form_sent_twice_publishes_and_texts_once(active_pair, operator):
    client = page_client(operator)
    form = {"kind": "announcement", "title": "对账提醒", "body": "本周完成对账。", "to_all": "on", "token": "double-click"}
    first = client.post("/supplier/announcements/manage/new/", form)

    again = client.post("/supplier/announcements/manage/new/", form)

    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Announcement.objects.count() == 1
    assert Notification.objects.filter(subject_type="suppliers.announcement").count() == len(active_pair)


def test_a_meeting_form_without_a_place_shows_the_error_next_to_the_field(active_pair, operator):
    response = page_client(operator).post("/supplier/announcements/manage/new/", {
        "kind": "meeting", "title": "会", "body": "b", "meeting_at": "2099-10-22T14:00", "agenda": "a", "to_all": "on", "token": "meeting-1"})

    assert response.status_code == 200
    assert 'data-field="place"' in response.content.decode()
    assert not Announcement.objects.exists()


def test_suppliers_cannot_open_the_operators_pages(supplier_staff):
    assert page_client(supplier_staff).get("/supplier/announcements/manage/").status_code == 403


def test_a_suspended_supplier_chosen_by_name_still_receives_it(active_pair, operator, now):
    suspended, _ = active_pair
    onboarding.suspend_supplier(supplier=suspended, actor=operator, now=now, reason="整改")

    announcement = announcements.publish_announcement(kind="announcement", title="t", body="b", to_all=False, suppliers=[suspended],
                                                      actor=operator, now=now)

    assert announcement.deliveries.get().supplier == suspended


@pytest.mark.parametrize(("values", "field"), [
    ({"to_all": "", "suppliers": [str(2**63)]}, "suppliers"),
    ({"to_all": "", "suppliers": ["²"]}, "suppliers"),
    ({"kind": "meeting", "meeting_at": "0001-01-01T00:00", "place": "杭州", "agenda": "年度会议"}, "meeting_at"),
])
def test_the_publish_form_shows_values_no_supplier_or_calendar_holds_next_to_their_field(operator, active_pair, values, field):
    response = logged_in(operator).post(reverse("operator-announcement-new"), {"kind": "announcement", "title": "t", "body": "b", "to_all": "on",
                                                                                "token": "bad-1"} | values)

    assert response.status_code == 200
    assert field in field_errors(response)
    assert not Announcement.objects.exists()


# --- meeting time and recipients ------------------------------------------------------------------------------------
def test_a_meeting_in_the_past_is_refused_naming_meeting_at_and_nothing_is_sent(active_pair, operator, now):
    with pytest.raises(ValidationFailed) as refused:
        announcements.publish_announcement(kind="meeting", title="季度会议", body="请参加。", meeting_at=now - timedelta(minutes=1),
                                           place="杭州总部", agenda="考核结果", actor=operator, now=now)

    assert [field for field, *_ in refused.value.errors] == ["meeting_at"]
    assert not Announcement.objects.exists() and not Notification.objects.filter(subject_type="suppliers.announcement").exists()


def test_a_meeting_at_the_time_of_publishing_is_accepted(active_pair, operator, now):
    meeting = announcements.publish_announcement(kind="meeting", title="季度会议", body="请参加。", meeting_at=now, place="杭州总部",
                                                 agenda="考核结果", actor=operator, now=now)

    assert meeting.meeting_at == now


def test_a_past_meeting_through_the_api_is_a_400_naming_meeting_at(active_pair, operator, api):
    response = api(operator).post("/api/v1/announcements/", {"kind": "meeting", "title": "会", "body": "b", "place": "杭州",
                                                              "meeting_at": "2020-10-22T14:00:00+08:00", "agenda": "a"}, format="json", **fresh_key())

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["meeting_at"]
    assert not Announcement.objects.exists()


def test_a_past_meeting_in_the_form_is_shown_next_to_the_field_with_the_values_kept(active_pair, operator):
    response = logged_in(operator).post(reverse("operator-announcement-new"), {
        "kind": "meeting", "title": "季度会议", "body": "b", "meeting_at": "2020-10-22T14:00", "place": "杭州总部", "agenda": "a", "to_all": "on",
        "token": "past-1"})

    assert response.status_code == 200 and set(field_errors(response)) == {"meeting_at"}
    assert "季度会议" in response.content.decode() and "杭州总部" in response.content.decode()
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("state", ["applied", "under_review", "rejected", "terminated"])
def test_an_announcement_to_a_supplier_neither_active_nor_suspended_is_refused_and_nothing_is_sent(active_pair, operator, now, state):
    outsider = supplier_in(state, actor=operator, now=now)  # applied, under review, rejected, or worked with us and terminated

    with pytest.raises(ValidationFailed) as refused:
        announcements.publish_announcement(kind="announcement", title="t", body="b", to_all=False, suppliers=[active_pair[0], outsider],
                                           actor=operator, now=now)

    assert refused.value.field == "suppliers"
    assert not Announcement.objects.exists() and not Notification.objects.filter(subject_type="suppliers.announcement").exists()


def test_an_announcement_to_all_leaves_out_applicants_rejected_and_terminated_suppliers(active_pair, operator, now):
    outsiders = [supplier_in(state, actor=operator, now=now) for state in ("applied", "under_review", "rejected", "terminated")]

    announcement = announcements.publish_announcement(kind="announcement", title="t", body="b", actor=operator, now=now)

    recipients = set(announcement.deliveries.values_list("supplier_id", flat=True))
    assert recipients == {s.pk for s in active_pair} and not recipients & {s.pk for s in outsiders}


def test_the_publish_form_offers_only_active_and_suspended_suppliers(active_pair, operator, now):
    suspended, _ = active_pair
    onboarding.suspend_supplier(supplier=suspended, actor=operator, now=now, reason="整改")
    applicant = supplier_in("under_review", actor=operator, now=now)

    choices = logged_in(operator).get(reverse("operator-announcement-new")).context["form"].fields["suppliers"].queryset

    assert set(choices) == set(active_pair) and applicant not in choices


def test_choosing_an_applicant_through_the_api_is_a_400_naming_suppliers(active_pair, operator, api, now):
    applicant = supplier_in("under_review", actor=operator, now=now)

    response = api(operator).post("/api/v1/announcements/", {"kind": "announcement", "title": "t", "body": "b", "to_all": False,
                                                              "suppliers": [applicant.pk]}, format="json", **fresh_key())

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["suppliers"]


def test_a_meeting_notice_texts_each_contact_its_time_and_place_once(active_pair, operator, now):
    from core.notifications.backends import MemoryBackend
    from core.services import send_due_notifications

    announcements.publish_announcement(kind="meeting", title="季度供应商沟通会", body="请派一名负责人参会。", meeting_at=now + timedelta(days=7),
                                       place="杭州总部3楼会议室", agenda="考核结果", actor=operator, now=now)
    send_due_notifications(now=now)
    send_due_notifications(now=now + timedelta(minutes=5))

    texted = sorted((m["phone"], m["body"]) for m in MemoryBackend.outbox)
    body = "【积分商城礼品商平台】会议通知：季度供应商沟通会，时间 2026-10-22 10:00，地点 杭州总部3楼会议室。请登录平台查看议程并确认。"
    assert texted == sorted((s.contact_phone, body) for s in active_pair)
