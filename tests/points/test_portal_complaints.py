"""Portal pages of complaints and suggestions: members complain and follow the answer, operators triage the queue and
record callers' complaints, the responsible party answers, suppliers send suggestions; nobody sees another's."""
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ValidationFailed
from core.models import Notification, TransitionLog
from core.roles import Role
from points import views_complaints
from points.models import Complaint
from points.services import complaints, orders
from suppliers.models import Supplier
from tests.factories import ADDRESS, ApplicantFactory, UserFactory, supplier_in
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
State = Complaint.State



@pytest.fixture
def complaint(member, gift):
    return complaints.open_complaint(actor=member.user, now=timezone.now(), gift=gift, title="茶叶受潮", description="结块")


@pytest.fixture
def triaged(complaint, operator):
    return complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now(), responsible="supplier")


def test_a_member_complains_about_its_order_from_the_portal(rich_member, listed_gift):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)
    client = logged_in(rich_member.user)

    response = client.post(
        reverse("member-complaint-new"), {"order": order.pk, "title": "未发货", "description": "下单三天未发货", "token": "c1"}
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaint", args=[complaint.pk])
    assert (complaint.order, complaint.supplier, complaint.channel) == (order, listed_gift.supplier, "member")
    assert complaint.number in client.get(reverse("member-complaints")).content.decode()


def test_sending_the_same_complaint_form_twice_opens_one_complaint(rich_member, listed_gift):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)
    client = logged_in(rich_member.user)
    body = {"order": order.pk, "title": "未发货", "description": "下单三天未发货", "token": "twice"}

    first, again = (client.post(reverse("member-complaint-new"), body) for _ in range(2))

    complaint = Complaint.objects.get()
    assert first.url == again.url == reverse("complaint", args=[complaint.pk])


def test_a_member_cannot_pick_another_members_order(rich_member, other_member, listed_gift):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)

    response = logged_in(other_member.user).post(
        reverse("member-complaint-new"), {"order": order.pk, "title": "x", "description": "y", "token": "c2"}
    )

    assert response.status_code == 200 and 'data-field="order"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_another_member_gets_404_on_the_complaint_and_its_actions(complaint, other_member):
    client = logged_in(other_member.user)

    assert client.get(reverse("complaint", args=[complaint.pk])).status_code == 404
    assert client.post(reverse("complaint-action", args=[complaint.pk, "resolve"])).status_code == 404
    assert complaint.number not in client.get(reverse("member-complaints")).content.decode()


def test_the_operator_triages_from_the_detail_page_and_the_deadline_shows(complaint, operator):
    client = logged_in(operator)

    client.post(reverse("complaint-action", args=[complaint.pk, "triage"]), {"responsible": "supplier"})

    complaint.refresh_from_db()
    page = client.get(reverse("complaint", args=[complaint.pk])).content.decode()
    assert (complaint.state, complaint.responsible) == (State.TRIAGED, "supplier")
    assert 'data-testid="deadlines"' in page and timezone.localtime(complaint.deadline).strftime("%Y-%m-%d %H:%M") in page


def test_a_superuser_of_another_role_is_offered_the_triage_its_permission_admits_and_triages(complaint):
    client = logged_in(UserFactory(username="root", role=Role.LOGISTICS, is_superuser=True))

    offered = client.get(reverse("complaint", args=[complaint.pk])).content.decode()
    client.post(reverse("complaint-action", args=[complaint.pk, "triage"]), {"responsible": "supplier"})

    complaint.refresh_from_db()
    assert 'data-testid="action-triage"' in offered
    assert (complaint.state, complaint.responsible) == (State.TRIAGED, "supplier")


def test_the_supplier_answers_and_the_member_sees_the_answer(triaged, supplier_staff, member):
    logged_in(supplier_staff).post(reverse("complaint-action", args=[triaged.pk, "respond"]), {"response": "已补发新茶"})

    page = logged_in(member.user).get(reverse("complaint", args=[triaged.pk])).content.decode()
    assert "已补发新茶" in page and 'data-action="resolve"' in page
    assert Notification.objects.filter(kind="complaint_answered", phone=member.phone).count() == 1


def test_the_members_page_shows_the_first_answer_in_the_history_after_the_complaint_is_answered_again(triaged, supplier_staff, member):
    complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=timezone.now(), response="已补发新茶")
    complaints.resolve_complaint(complaint=triaged, actor=member.user, now=timezone.now())
    complaints.reopen_complaint(complaint=triaged, actor=member.user, now=timezone.now(), reason="还是受潮")
    complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=timezone.now(), response="已换成真空包装")

    page = logged_in(member.user).get(reverse("complaint", args=[triaged.pk])).content.decode()

    history = page.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert history.index("已补发新茶") < history.index("已换成真空包装")


def test_another_supplier_gets_404_on_a_complaint_triaged_to_the_first(triaged, other_supplier_admin):
    client = logged_in(other_supplier_admin)

    detail = client.get(reverse("complaint", args=[triaged.pk]))
    answer = client.post(reverse("complaint-action", args=[triaged.pk, "respond"]), {"response": "x"})

    assert (detail.status_code, answer.status_code) == (404, 404)
    assert triaged.number not in client.get(reverse("complaint-desk")).content.decode()
    triaged.refresh_from_db()
    assert triaged.state == State.TRIAGED


def test_a_complaint_triaged_to_logistics_is_not_offered_to_the_supplier(complaint, operator, supplier_admin, logistics):
    complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now(), responsible="logistics")

    supplier_desk = logged_in(supplier_admin).get(reverse("complaint-desk")).content.decode()
    logistics_page = logged_in(logistics).get(reverse("complaint", args=[complaint.pk])).content.decode()

    assert complaint.number not in supplier_desk
    assert 'data-action="respond"' in logistics_page


def test_the_desk_lists_overdue_first_and_filters_by_state(member, gift, operator):
    now = timezone.now()
    fresh = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="fresh", description="…")
    complaints.triage_complaint(complaint=fresh, actor=operator, now=now, responsible="supplier")
    late = complaints.open_complaint(actor=member.user, now=now, gift=gift, title="late", description="…")
    complaints.triage_complaint(complaint=late, actor=operator, now=now - timedelta(hours=49), responsible="supplier")
    client = logged_in(operator)

    page = client.get(reverse("complaint-desk")).content.decode()
    opened = client.get(reverse("complaint-desk"), {"state": "open"}).content.decode()

    assert page.index(late.number) < page.index(fresh.number) and 'data-testid="overdue"' in page
    assert late.number not in opened and fresh.number not in opened


def test_the_desk_and_the_api_put_a_complaint_resolved_late_among_the_rest_not_first(queue_with_a_late_answer, operator, api, now,
                                                                                     time_machine):
    time_machine.move_to(now, tick=False)
    numbers = [complaint.number for complaint in queue_with_a_late_answer]

    page = logged_in(operator).get(reverse("complaint-desk")).content.decode()
    listed = api(operator).get("/api/v1/complaints/").json()["results"]

    assert re.findall(r'data-number="([^"]+)"', page) == numbers
    assert [row["number"] for row in listed] == numbers
    assert page.count('data-testid="overdue"') == 1


def test_an_operator_records_a_callers_complaint_by_member_phone(member, gift, operator):
    response = logged_in(operator).post(
        reverse("complaint-hotline"),
        {"member_phone": member.phone, "gift": gift.pk, "title": "电话投诉", "description": "破损", "token": "h1"},
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.channel, complaint.member, complaint.supplier) == ("hotline", member, gift.supplier)


def test_sending_the_same_hotline_form_twice_records_one_complaint(member, gift, operator):
    client = logged_in(operator)
    body = {"member_phone": member.phone, "gift": gift.pk, "title": "电话投诉", "description": "破损", "token": "twice"}

    first, again = (client.post(reverse("complaint-hotline"), body) for _ in range(2))

    complaint = Complaint.objects.get()
    assert first.url == again.url == reverse("complaint", args=[complaint.pk])


def test_the_member_resolves_then_reopens_from_the_portal(triaged, supplier_staff, member):
    complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=timezone.now(), response="已处理")
    client = logged_in(member.user)

    client.post(reverse("complaint-action", args=[triaged.pk, "resolve"]))
    client.post(reverse("complaint-action", args=[triaged.pk, "reopen"]), {"reason": "仍未解决"})

    triaged.refresh_from_db()
    assert triaged.state == State.REOPENED and triaged.deadlines.count() == 2


def test_a_supplier_sends_a_suggestion_and_lists_it(supplier_staff, other_supplier_admin):
    client = logged_in(supplier_staff)

    response = client.post(reverse("supplier-suggestions"), {"title": "增加对账模板", "description": "希望提供模板", "token": "g1"})

    suggestion = Complaint.objects.get()
    assert response.status_code == 302 and suggestion.kind == "suggestion"
    assert suggestion.number in client.get(reverse("supplier-suggestions")).content.decode()
    assert suggestion.number not in logged_in(other_supplier_admin).get(reverse("supplier-suggestions")).content.decode()


def test_sending_the_same_suggestion_form_twice_sends_one_suggestion(supplier_staff):
    client = logged_in(supplier_staff)
    body = {"title": "增加对账模板", "description": "希望提供模板", "token": "twice"}

    first, again = (client.post(reverse("supplier-suggestions"), body) for _ in range(2))

    assert Complaint.objects.filter(kind=Complaint.Kind.SUGGESTION).count() == 1
    assert first.status_code == again.status_code == 302


def test_pages_refuse_the_wrong_roles(member, supplier_staff, finance):
    assert logged_in(member.user).get(reverse("complaint-desk")).status_code == 403
    assert logged_in(supplier_staff).get(reverse("complaint-hotline")).status_code == 403
    assert logged_in(finance).get(reverse("member-complaints")).status_code == 403
    assert logged_in(member.user).get(reverse("supplier-suggestions")).status_code == 403


def test_a_reason_over_500_characters_on_the_complaint_page_is_refused_next_to_the_field(triaged, operator, api):
    complaint = complaints.open_complaint(actor=triaged.member.user, now=timezone.now(), gift=triaged.gift, title="t", description="d")

    refused = logged_in(operator).post(reverse("complaint-action", args=[complaint.pk, "triage"]),
                                       {"responsible": "supplier", "reason": "分" * 501}, follow=True)
    by_api = api(operator).post(f"/api/v1/complaints/{complaint.pk}/triage/", {"responsible": "supplier", "reason": "分" * 501},
                                format="json")

    complaint.refresh_from_db()
    assert list(field_errors(refused)) == ["reason"] and "500" in field_errors(refused)["reason"]
    assert by_api.status_code == 400 and [error["attr"] for error in by_api.json()["errors"]] == ["reason"]
    assert complaint.state == State.OPEN


def test_an_empty_answer_comes_back_on_the_complaint_page_with_the_error_next_to_the_field_once(triaged, supplier_staff):
    client = logged_in(supplier_staff)

    posted = client.post(reverse("complaint-action", args=[triaged.pk, "respond"]), {"response": " "})
    page = client.get(posted["Location"])
    later = client.get(posted["Location"])

    triaged.refresh_from_db()
    html = page.content.decode()
    assert posted.status_code == 302 and posted["Location"] == reverse("complaint", args=[triaged.pk])
    assert list(field_errors(page)) == ["response"] and "请修正下方标出的错误" in html and "答复内容：" not in html
    assert 'id="id_respond_response_error"' in html and 'aria-describedby="id_respond_response_error"' in html
    assert 'aria-invalid="true"' in html and "autofocus" in html
    assert field_errors(later) == {} and "aria-invalid" not in later.content.decode() and "请修正下方标出的错误" not in later.content.decode()
    assert triaged.state == State.TRIAGED


def test_a_refused_triage_keeps_the_reason_typed_next_to_the_party_to_choose(complaint, operator):
    client = logged_in(operator)

    page = client.post(reverse("complaint-action", args=[complaint.pk, "triage"]),
                       {"responsible": "", "reason": "请礼品商核实批次"}, follow=True)

    html = page.content.decode()
    complaint.refresh_from_db()
    assert list(field_errors(page)) == ["responsible"]
    assert 'value="请礼品商核实批次"' in html and '<label for="id_triage_reason">' in html
    assert complaint.state == State.OPEN


def test_an_answer_the_service_refuses_comes_back_next_to_its_field_with_the_text_typed(triaged, supplier_staff, monkeypatch):
    def refuse(**kwargs):
        raise ValidationFailed("答复须写明处理结果", field="response")

    monkeypatch.setitem(views_complaints.ACTIONS, "respond", replace(views_complaints.ACTIONS["respond"], service=refuse))

    page = logged_in(supplier_staff).post(reverse("complaint-action", args=[triaged.pk, "respond"]),
                                          {"response": "已联系会员，正在核实批次"}, follow=True)

    assert field_errors(page) == {"response": "答复须写明处理结果"}
    assert "已联系会员，正在核实批次" in page.content.decode()


def test_a_step_no_longer_offered_reports_its_errors_as_messages_not_as_marks_below(triaged, supplier_staff, member):
    long_ago = timezone.now() - complaints.REOPEN_WITHIN - timedelta(days=1)  # resolved: reopening is no longer offered
    complaints.respond_to_complaint(complaint=triaged, actor=supplier_staff, now=long_ago, response="已处理")
    complaints.resolve_complaint(complaint=triaged, actor=member.user, now=long_ago)

    page = logged_in(member.user).post(reverse("complaint-action", args=[triaged.pk, "reopen"]), {"reason": "分" * 600},
                                       follow=True)

    html = page.content.decode()
    assert field_errors(page) == {} and "请修正下方标出的错误" not in html
    assert "500" in " ".join(str(message) for message in page.context["messages"])


def test_a_step_the_complaints_state_no_longer_allows_says_its_state_whatever_the_form_held(triaged, member):
    page = logged_in(member.user).post(reverse("complaint-action", args=[triaged.pk, "reopen"]), {"reason": "分" * 600},
                                       follow=True)

    said = [str(message) for message in page.context["messages"]]
    assert field_errors(page) == {} and len(said) == 1 and "处理中" in said[0]
    triaged.refresh_from_db()
    assert triaged.state == State.TRIAGED


@pytest.mark.parametrize("step", ["triage", "take", "remind"])
@pytest.mark.parametrize("moved_on", [False, True], ids=["open", "triaged"])
def test_a_member_posting_an_operators_step_on_its_own_complaint_is_refused_as_such_whatever_the_state(
        complaint, operator, member, step, moved_on):
    if moved_on:
        complaints.triage_complaint(complaint=complaint, actor=operator, now=timezone.now(), responsible="supplier")
    complaint.refresh_from_db()
    before = (complaint.state, complaint.responsible, TransitionLog.objects.count())

    response = logged_in(member.user).post(reverse("complaint-action", args=[complaint.pk, step]),
                                           {"responsible": "operator", "reason": "自己分派"})

    assert response.status_code == 403
    complaint.refresh_from_db()
    assert (complaint.state, complaint.responsible, TransitionLog.objects.count()) == before
    assert not complaint.reminders.exists()


# --- naming a supplier -----------------------------------------------------------------------------------------------

@pytest.fixture
def cooperating_order(rich_member, listed_gift):
    """The member's order of a gift whose supplier cooperates (a supplier the public may name)."""
    supplier_in(Supplier.State.ACTIVE, supplier=listed_gift.supplier)
    return orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)


def _selected_supplier(page: str) -> list[str]:
    form = page[page.index('name="supplier"'):]
    form = form[: form.index("</select>")]
    return re.findall(r'<option value="(\d+)" selected', form)


def test_the_complaint_form_opened_from_an_order_names_its_supplier(cooperating_order, rich_member):
    applicant = ApplicantFactory(name="申请中礼品商")  # not cooperating yet: not for the public to name

    page = logged_in(rich_member.user).get(reverse("member-complaint-new"), {"order": cooperating_order.pk}).content.decode()
    blank = logged_in(rich_member.user).get(reverse("member-complaint-new")).content.decode()

    assert _selected_supplier(page) == [str(cooperating_order.supplier_id)]
    assert _selected_supplier(blank) == []
    assert cooperating_order.supplier.name in blank and applicant.name not in blank


def test_a_member_complains_about_a_supplier_alone(rich_member):
    supplier = supplier_in(Supplier.State.ACTIVE)

    response = logged_in(rich_member.user).post(
        reverse("member-complaint-new"), {"supplier": supplier.pk, "title": "客服态度差", "description": "电话里态度恶劣", "token": "s1"}
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.supplier, complaint.order, complaint.channel) == (supplier, None, "member")


def test_a_supplier_other_than_the_orders_is_refused_next_to_the_field(cooperating_order, rich_member):
    other = supplier_in(Supplier.State.ACTIVE)
    body = {"order": cooperating_order.pk, "supplier": other.pk, "title": "未发货", "description": "下单三天未发货", "token": "s2"}

    response = logged_in(rich_member.user).post(reverse("member-complaint-new"), body)

    page = response.content.decode()
    assert response.status_code == 200 and 'data-field="supplier"' in page and "未发货" in page
    assert not Complaint.objects.exists()


def test_a_supplier_not_yet_cooperating_cannot_be_chosen(rich_member):
    applicant = ApplicantFactory()

    response = logged_in(rich_member.user).post(
        reverse("member-complaint-new"), {"supplier": applicant.pk, "title": "x", "description": "y", "token": "s3"}
    )

    assert response.status_code == 200 and 'data-field="supplier"' in response.content.decode()
    assert not Complaint.objects.exists()


def _older_orders(order, count: int) -> list:
    """`count` more orders of the member of `order`, each a day older than the last (copies: only their rows matter)."""
    from points.models import RedemptionOrder

    copies = []
    for day in range(1, count + 1):
        copy = RedemptionOrder.objects.get(pk=order.pk)
        copy.pk, copy.redeem_entry = None, None
        copy.number, copy.placed_at = f"{order.number}-{day}", order.placed_at - timedelta(days=day)
        copies.append(copy)
    return RedemptionOrder.objects.bulk_create(copies)


def _listed_orders(page: str) -> list[str]:
    select = page.split('name="order"')[1].split("</select>")[0]
    return [value for value in re.findall(r'<option value="(\d*)"', select) if value]


def test_the_complaint_form_lists_the_members_latest_50_orders_in_the_same_queries(rich_member, listed_gift):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    latest = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)
    client = logged_in(rich_member.user)
    client.get(reverse("member-complaint-new"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("member-complaint-new"))
    older = _older_orders(latest, 60)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("member-complaint-new")).content.decode()

    assert _listed_orders(page) == [str(order.pk) for order in [latest, *older[:49]]]
    assert len(many) == len(few)
    assert "最近 50 笔订单" in page


def test_an_older_own_order_is_taken_and_listed_when_named_from_its_page(rich_member, listed_gift):
    latest = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)
    oldest = _older_orders(latest, 55)[-1]
    client = logged_in(rich_member.user)

    form = client.get(reverse("member-complaint-new"), {"order": oldest.pk}).content.decode()
    response = client.post(reverse("member-complaint-new"), {"order": oldest.pk, "title": "未收到", "description": "…", "token": "old"})

    assert str(oldest.pk) in _listed_orders(form) and f'value="{oldest.pk}" selected' in form
    assert response.status_code == 302 and Complaint.objects.get().order == oldest


def test_a_member_complains_about_an_order_from_its_page(rich_member, listed_gift):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=timezone.now(), **ADDRESS)

    page = logged_in(rich_member.user).get(reverse("member-order", args=[order.pk])).content.decode()

    assert f'{reverse("member-complaint-new")}?order={order.pk}' in page


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_an_order_that_is_no_own_order_is_an_error_next_to_the_field(rich_member, value):
    response = logged_in(rich_member.user).post(
        reverse("member-complaint-new"), {"order": value, "title": "x", "description": "y", "token": f"bad-{value}"}
    )

    assert response.status_code == 200 and 'data-field="order"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_complaint_page_links_its_masked_member_to_the_member_page_for_operators_only(triaged, operator, supplier_staff, member):
    def member_cell(user) -> str:
        page = logged_in(user).get(reverse("complaint", args=[triaged.pk])).content.decode()
        return page.split('data-testid="member-contact"', 1)[1].split("</td>", 1)[0]

    by_operator, by_supplier, by_member = member_cell(operator), member_cell(supplier_staff), member_cell(member.user)

    assert f'<a href="{reverse("operator-member", args=[member.pk])}" data-testid="member-link">' in by_operator
    assert member.phone not in by_operator
    assert "<a " not in by_supplier and "<a " not in by_member
