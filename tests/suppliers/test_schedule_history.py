"""Who scheduled an approved gift to go online, when and for when, and who or what cancelled the schedule: each a
history entry of the gift (it stays approved), shown on its page and in its API; the scheduled publish names who set it."""
from datetime import timedelta

import pytest

from core.errors import InvalidTransition, ValidationFailed
from core.fsm import apply_transition, history_of
from suppliers.models import Supplier
from suppliers.services import catalog, onboarding, revisions
from tests.factories import ready_to_activate
from tests.helpers import gift_in_state
from tests.portal import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.supplier(applicant=True)]  # the supplier is an applicant, as onboarding starts it


@pytest.fixture
def approved(operator, supplier, now):
    onboarding.start_supplier_review(supplier=ready_to_activate(supplier), actor=operator, now=now)
    onboarding.approve_supplier(supplier=supplier, actor=operator, now=now)
    return gift_in_state("approved", supplier=supplier, actor=operator, at=now)


def steps(gift) -> list[tuple]:
    return [(log.transition, log.source_state, log.target_state, log.actor, log.reason_text) for log in history_of(gift)][-2:]


def test_scheduling_is_logged_with_who_set_it_and_for_when_and_the_publish_names_who_scheduled_it_and_when(
    approved, operator, now, api
):
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(hours=2))
    revisions.publish_scheduled_gifts(now=now + timedelta(hours=2))

    assert steps(approved) == [
        ("schedule_publication", "approved", "approved", operator, "计划于 2026-10-15 12:00 上线"),
        ("publish", "approved", "online", operator, "按 2026-10-15 10:00 安排的计划时间上线"),
    ]
    history = api(operator).get(f"/api/v1/gifts/{approved.pk}/history/").json()
    assert [(row["transition_label"], row["actor"]) for row in history[-2:]] == [("安排定时上线", "operator"), ("上线", "operator")]


def test_the_gifts_page_shows_the_schedule_and_who_set_it(approved, operator, supplier_admin, now):
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    staff = logged_in(operator).get(f"/supplier/gifts/{approved.pk}/").content.decode()
    supplier = logged_in(supplier_admin).get(f"/supplier/gifts/{approved.pk}/").content.decode()

    assert "安排定时上线" in staff and "计划于 2026-10-15 12:00 上线" in staff and "operator" in staff
    assert "安排定时上线" in supplier and "运营人员" in supplier


def test_a_suspension_cancelling_the_schedule_is_logged_with_who_suspended_and_why(approved, operator, supplier, now):
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    onboarding.suspend_supplier(supplier=supplier, actor=operator, now=now + timedelta(hours=1), reason="整改")

    cancelled = history_of(approved).last()
    assert (cancelled.transition, cancelled.target_state, cancelled.actor, cancelled.at) == (
        "cancel_schedule", "approved", operator, now + timedelta(hours=1))
    assert cancelled.reason_label


def test_an_online_gift_is_not_scheduled_and_its_history_gains_nothing(approved, operator, now):
    catalog.publish_gift(gift=approved, actor=operator, now=now)
    before = len(history_of(approved))

    with pytest.raises(InvalidTransition):
        revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    approved.refresh_from_db()
    assert (approved.state, approved.publish_at, len(history_of(approved))) == ("online", None, before)


def test_the_model_refuses_scheduling_a_gift_whose_supplier_no_longer_offers_even_past_the_service(approved, operator, now):
    Supplier.objects.filter(pk=approved.supplier_id).update(state=Supplier.State.SUSPENDED)  # as if suspended meanwhile
    approved.supplier.refresh_from_db()
    before = len(history_of(approved))

    with pytest.raises(InvalidTransition):
        apply_transition(approved, "schedule_publication", actor=operator, at=now, publish_at=now + timedelta(hours=2))

    approved.refresh_from_db()
    assert (approved.publish_at, len(history_of(approved))) == (None, before)


def test_an_operator_cancels_a_schedule_by_hand_with_a_reason_and_the_gift_stays_approved_for_now_or_later(approved, operator, now):
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(hours=2))

    with pytest.raises(ValidationFailed) as refused:
        revisions.cancel_publication_schedule(gift=approved, actor=operator, now=now, reason="  ")
    revisions.cancel_publication_schedule(gift=approved, actor=operator, now=now + timedelta(minutes=5), reason="活动延期")
    published = revisions.publish_scheduled_gifts(now=now + timedelta(hours=2))

    approved.refresh_from_db()
    assert refused.value.field == "reason"
    assert (approved.state, approved.publish_at, published) == ("approved", None, [])
    assert steps(approved)[-1] == ("cancel_schedule", "approved", "approved", operator, "活动延期")


def test_a_gift_without_a_schedule_has_none_to_cancel(approved, operator, now):
    before = len(history_of(approved))

    with pytest.raises(InvalidTransition):
        revisions.cancel_publication_schedule(gift=approved, actor=operator, now=now, reason="误操作")

    assert len(history_of(approved)) == before


def test_the_gift_page_offers_the_cancellation_to_operators_only_while_a_schedule_is_set(approved, operator, supplier_admin, now):
    url = f"/supplier/gifts/{approved.pk}/"
    before = logged_in(operator).get(url).content.decode()
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(days=1))
    scheduled = logged_in(operator).get(url).content.decode()
    supplier_sees = logged_in(supplier_admin).get(url).content.decode()

    blank = logged_in(operator).post(f"{url}actions/cancel_schedule/", {"reason": ""}).content.decode()
    done = logged_in(operator).post(f"{url}actions/cancel_schedule/", {"reason": "活动延期"}, follow=True).content.decode()

    approved.refresh_from_db()
    assert "取消定时上线" not in before and "取消定时上线" in scheduled and "取消定时上线" not in supplier_sees
    assert 'data-field="reason"' in blank
    assert approved.publish_at is None and "的定时上线已取消" in done and "活动延期" in done


def test_the_api_cancels_a_schedule_for_operators_with_a_reason(approved, operator, supplier_admin, now, api):
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(days=1))
    url = f"/api/v1/gifts/{approved.pk}/cancel-schedule/"

    by_supplier = api(supplier_admin).post(url, {"reason": "x"}, format="json")
    blank = api(operator).post(url, {"reason": ""}, format="json")
    done = api(operator).post(url, {"reason": "活动延期"}, format="json")
    again = api(operator).post(url, {"reason": "活动延期"}, format="json")

    assert by_supplier.status_code == 403
    assert (blank.status_code, blank.json()["errors"][0]["attr"]) == (400, "reason")
    assert done.status_code == 200 and done.json()["publish_at"] is None
    assert (again.status_code, again.json()["errors"][0]["code"]) == (409, "invalid_transition")


def test_cancelling_a_schedule_that_is_not_set_is_a_conflict_whether_or_not_a_reason_is_given(approved, operator, now, api):
    before = len(history_of(approved))

    with pytest.raises(InvalidTransition):
        revisions.cancel_publication_schedule(gift=approved, actor=operator, now=now, reason="")
    by_page = logged_in(operator).post(f"/supplier/gifts/{approved.pk}/actions/cancel_schedule/", {"reason": ""}, follow=True)
    by_api = api(operator).post(f"/api/v1/gifts/{approved.pk}/cancel-schedule/", {}, format="json")

    assert by_page.status_code == 409 and "请填写原因" not in by_page.content.decode()
    assert (by_api.status_code, by_api.json()["errors"][0]["code"]) == (409, "invalid_transition")
    assert len(history_of(approved)) == before


def test_the_gift_page_asks_for_the_reason_a_cancellation_needs_as_the_api_does(approved, operator, now):
    revisions.schedule_publication(gift=approved, actor=operator, now=now, publish_at=now + timedelta(days=1))
    client = logged_in(operator)

    page = client.get(f"/supplier/gifts/{approved.pk}/").content.decode()
    blank = client.post(f"/supplier/gifts/{approved.pk}/actions/cancel_schedule/", {"reason": "  "})

    approved.refresh_from_db()
    form = page[page.index("actions/cancel_schedule/"):]
    assert 'placeholder="原因（必填）"' in form[:form.index("</form>")]
    assert blank.status_code == 400 and "请填写原因" in blank.content.decode() and approved.publish_at is not None
