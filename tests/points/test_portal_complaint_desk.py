"""The complaint desk's filters (supplier, late, the days opened) and a complaint's page: links to its order, gift and
supplier, whom it waits for, the complainant's contact as the reader may see it, and the operator's take action."""
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone

from core.masking import mask_name, mask_phone
from points.models import Complaint
from points.services import complaints, orders
from suppliers.models import Notice
from tests.factories import ADDRESS
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
State = Complaint.State


def _open(actor, now, **named):
    return complaints.open_complaint(actor=actor, now=now, title="茶叶受潮", description="结块", **named)


def _desk(user, **params) -> str:
    return logged_in(user).get(reverse("complaint-desk"), params).content.decode()


def _listed(page: str, *rows: Complaint) -> list[bool]:
    return [f'data-number="{row.number}"' in page for row in rows]


# --- the desk's filters ------------------------------------------------------------------------------------------------

def test_the_desk_filters_by_supplier(member, gift, other_supplier, operator, now):
    about_gift = _open(member.user, now, gift=gift)
    about_other = _open(operator, now, member=member, supplier=other_supplier)

    page = _desk(operator, supplier=gift.supplier_id)

    assert _listed(page, about_gift, about_other) == [True, False]


@pytest.mark.parametrize(("word", "shown"), [("on", [True, False]), ("false", [False, True]), ("", [True, True])])
def test_the_desk_filters_what_is_late_or_not(member, gift, operator, now, word, shown):
    late = complaints.triage_complaint(complaint=_open(member.user, now - timedelta(days=3), gift=gift), actor=operator,
                                       now=now - timedelta(days=3), responsible="supplier")
    waiting = _open(member.user, now, gift=gift)

    page = _desk(operator, late=word)

    assert _listed(page, late, waiting) == shown


def test_the_desk_filters_by_the_days_opened(member, gift, operator, now):
    earlier = _open(member.user, now - timedelta(days=10), gift=gift)
    today = _open(member.user, now, gift=gift)
    day = f"{now:%Y-%m-%d}"

    page = _desk(operator, opened_from=day, opened_to=day)

    assert _listed(page, earlier, today) == [False, True]


def test_a_to_day_before_the_from_day_is_an_error_next_to_it_and_the_values_stay(member, gift, operator):
    response = logged_in(operator).get(reverse("complaint-desk"), {"opened_from": "2026-10-09", "opened_to": "2026-10-01"})

    assert field_errors(response) == {"opened_to": "结束日期不能早于开始日期"}
    page = response.content.decode()
    assert 'value="2026-10-09"' in page and 'value="2026-10-01"' in page


def test_a_supplier_is_not_offered_the_supplier_filter(supplier_staff, operator):
    assert 'name="supplier"' not in _desk(supplier_staff)
    assert 'name="supplier"' in _desk(operator)


# --- a complaint's page ------------------------------------------------------------------------------------------------

@pytest.fixture
def order_complaint(rich_member, listed_gift, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    return _open(rich_member.user, now, order=order)


def test_the_operator_opens_the_order_gift_and_supplier_from_the_complaint(order_complaint, operator):
    page = logged_in(operator).get(reverse("complaint", args=[order_complaint.pk])).content.decode()

    assert reverse("operator-order", args=[order_complaint.order_id]) in page
    assert reverse("gift-detail", args=[order_complaint.gift_id]) in page
    assert reverse("operator-supplier-detail", args=[order_complaint.supplier_id]) in page


def test_the_member_opens_its_order_from_its_complaint_but_no_staff_page(order_complaint, rich_member):
    page = logged_in(rich_member.user).get(reverse("complaint", args=[order_complaint.pk])).content.decode()

    assert reverse("member-order", args=[order_complaint.order_id]) in page
    assert reverse("operator-supplier-detail", args=[order_complaint.supplier_id]) not in page


def test_the_member_sees_its_contact_and_the_operator_sees_it_masked(order_complaint, rich_member, operator):
    url = reverse("complaint", args=[order_complaint.pk])

    own = logged_in(rich_member.user).get(url).content.decode()
    staff = logged_in(operator).get(url).content.decode()

    assert ADDRESS["recipient_phone"] in own
    assert ADDRESS["recipient_phone"] not in staff and mask_phone(ADDRESS["recipient_phone"]) in staff
    assert mask_name(ADDRESS["recipient_name"]) in staff


def test_an_open_complaint_says_it_waits_for_triage_and_the_operator_may_take_it(order_complaint, operator, rich_member):
    url = reverse("complaint", args=[order_complaint.pk])

    staff = logged_in(operator).get(url).content.decode()
    own = logged_in(rich_member.user).get(url).content.decode()

    assert 'data-testid="waits-for"' in staff and "等待运营方分派" in staff
    assert 'data-testid="action-take"' in staff and 'data-testid="action-take"' not in own


def test_the_operator_takes_the_complaint_and_it_then_waits_for_the_operators_answer(order_complaint, operator):
    client = logged_in(operator)

    client.post(reverse("complaint-action", args=[order_complaint.pk, "take"]), {"reason": ""})

    order_complaint.refresh_from_db()
    assert (order_complaint.state, order_complaint.responsible) == (State.TRIAGED, "operator")
    page = client.get(reverse("complaint", args=[order_complaint.pk])).content.decode()
    assert "等待运营方答复" in page and 'data-testid="action-take"' not in page


def test_the_triage_form_offers_only_the_parties_a_complaint_about_nothing_can_go_to(member, operator, now):
    complaint = complaints.open_complaint(actor=member.user, now=now, title="客服态度", description="电话打不通")

    page = logged_in(operator).get(reverse("complaint", args=[complaint.pk])).content.decode()

    triage = page.split('data-testid="action-triage"', 1)[1].split("</form>", 1)[0]
    assert 'value="logistics"' in triage and 'value="operator"' in triage and 'value="supplier"' not in triage


def test_a_callers_phone_that_is_no_mobile_number_is_an_error_next_to_it_and_nothing_is_recorded(operator, gift):
    body = {"contact_name": "王先生", "contact_phone": "010-1234567", "gift": gift.pk, "title": "礼品破损", "description": "电话投诉",
            "token": "h1"}

    response = logged_in(operator).post(reverse("complaint-hotline"), body)

    assert field_errors(response) == {"contact_phone": "请输入11位手机号"}
    assert 'value="010-1234567"' in response.content.decode()
    assert not Complaint.objects.exists()


# --- an escalated complaint: the operator chases the supplier or logistics (催办) or answers its own ---------------------

def _escalated(member, gift, operator, responsible: str) -> Complaint:
    """A complaint about `gift` triaged 50 hours ago to `responsible` and escalated an hour ago."""
    now = timezone.now()
    complaint = complaints.triage_complaint(
        complaint=_open(member.user, now - timedelta(hours=50), gift=gift), actor=operator, now=now - timedelta(hours=50),
        responsible=responsible,
    )
    complaints.escalate_overdue(now=now - timedelta(hours=1))
    complaint.refresh_from_db()
    return complaint


@pytest.mark.parametrize(("responsible", "party"), [("supplier", "礼品商"), ("logistics", "物流商")])
def test_the_operator_chases_the_party_responsible_for_an_escalated_complaint_from_its_page(member, gift, operator, supplier_staff,
                                                                                           responsible, party):
    complaint = _escalated(member, gift, operator, responsible)
    client = logged_in(operator)
    url = reverse("complaint", args=[complaint.pk])
    assert 'data-testid="action-remind"' in client.get(url).content.decode()

    done = client.post(reverse("complaint-action", args=[complaint.pk, "remind"]), {"reason": "会员再次来电"}, follow=True)

    assert [str(message) for message in done.context["messages"]] == [f"已催办{party}答复：{complaint.number}"]

    page = client.get(url).content.decode()
    reminders = page.split('data-testid="reminders"')[1].split("</table>")[0]
    assert "operator" in reminders and "会员再次来电" in reminders
    assert 'data-testid="action-remind"' not in page  # not again within the hour
    complaint.refresh_from_db()
    assert complaint.state == State.ESCALATED and f"等待{party}答复" in page
    # a supplier is told in its inbox; logistics staff, who have none, find it in their queue and on their home page
    assert Notice.objects.filter(supplier=complaint.supplier, kind="complaint_reminder").exists() == (responsible == "supplier")


def _paused(page: str) -> str:
    found = page.split('data-testid="remind-paused">', 1)
    return found[1].split("</p>", 1)[0].strip() if len(found) > 1 else ""


def test_after_chasing_the_page_says_when_it_was_chased_and_from_when_it_may_be_chased_again(member, gift, operator, supplier_staff,
                                                                                             time_machine):
    chased_at = datetime(2026, 10, 15, 1, 20, 30, tzinfo=dt_timezone.utc)  # 09:20:30 in Shanghai (Asia/Shanghai)
    time_machine.move_to(chased_at, tick=False)
    complaint = _escalated(member, gift, operator, "supplier")
    client, url = logged_in(operator), reverse("complaint", args=[complaint.pk])
    assert _paused(client.get(url).content.decode()) == ""

    client.post(reverse("complaint-action", args=[complaint.pk, "remind"]), {"reason": ""})

    page = client.get(url).content.decode()
    assert _paused(page) == "已于 09:20 催办，10:20 后可再次催办"
    assert "<h3>处理</h3>" in page and 'data-testid="action-remind"' not in page
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _paused(english) == "A reminder was sent at 09:20; another can be sent after 10:20"
    assert _paused(logged_in(supplier_staff).get(url).content.decode()) == ""  # the operator's step, not the supplier's

    time_machine.move_to(chased_at + timedelta(minutes=59, seconds=59), tick=False)
    assert _paused(client.get(url).content.decode()) == "已于 09:20 催办，10:20 后可再次催办"
    time_machine.move_to(chased_at + timedelta(hours=1), tick=False)
    page = client.get(url).content.decode()
    assert _paused(page) == "" and 'data-testid="action-remind"' in page


def test_the_supplier_sees_who_chased_it_and_the_member_sees_no_reminders(member, gift, operator, supplier_staff):
    complaint = _escalated(member, gift, operator, "supplier")
    complaints.remind_responsible(complaint=complaint, actor=operator, now=timezone.now(), reason="请今天内答复")
    url = reverse("complaint", args=[complaint.pk])

    supplier_page = logged_in(supplier_staff).get(url).content.decode()
    member_page = logged_in(member.user).get(url).content.decode()

    reminders = supplier_page.split('data-testid="reminders"')[1].split("</table>")[0]
    assert "运营人员" in reminders and "请今天内答复" in reminders and ">operator<" not in reminders
    assert 'data-testid="action-respond"' in supplier_page and 'data-testid="action-remind"' not in supplier_page
    assert 'data-testid="reminders"' not in member_page and "请今天内答复" not in member_page


def test_an_escalated_complaint_the_operator_took_is_answered_from_the_operators_page(member, gift, operator):
    complaint = _escalated(member, gift, operator, "operator")
    client = logged_in(operator)

    page = client.get(reverse("complaint", args=[complaint.pk])).content.decode()
    client.post(reverse("complaint-action", args=[complaint.pk, "respond"]), {"response": "已补发积分"})

    assert 'data-testid="action-respond"' in page and 'data-testid="action-remind"' not in page
    complaint.refresh_from_db()
    assert (complaint.state, complaint.response) == (State.RESPONDED, "已补发积分")
