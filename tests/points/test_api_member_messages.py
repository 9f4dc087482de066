"""The texts written for a member through the API, as 我的短信 and the operators' 短信记录 list them: the member its own
(`/api/v1/member/messages/`), an operator any member's (`/api/v1/members/{id}/messages/`), newest first, paged, a
confirmation code hidden; nobody else."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from core.notifications import notify
from points.services import members
from tests.factories import MemberFactory, SupplierFactory, UserFactory
from tests.helpers import ORDERED, assert_list_queries_constant
from tests.portal import logged_in

pytestmark = pytest.mark.django_db

OWN = "/api/v1/member/messages/"


def record(member) -> str:
    return f"/api/v1/members/{member.pk}/messages/"


def texts(response) -> list[tuple[str, str]]:
    return [(row["status"], row["body"]) for row in response.json()["results"]]


def shown_on_page(client, url: str) -> list[tuple[str, str]]:
    """(status, text) of each row of a portal message page, top to bottom."""
    page = client.get(url).content.decode()
    return [(status, re.sub(r"\s+", " ", text).strip())
            for status, text in re.findall(r'data-status="(\w+)">.*?data-testid="message-body">([^<]*)<', page, re.S)]


def test_the_member_reads_its_texts_newest_first_with_the_code_hidden_as_its_page_shows_them(api, member, now):
    notify(kind="confirmation_code", member=member, at=now, context=ORDERED | {"code": "654321"})
    notify(kind="points_deducted", member=member, at=now + timedelta(minutes=1),
           context={"order_number": "RO-1", "points": 1500, "balance": 48500})

    response = api(member.user).get(OWN)

    assert response.status_code == 200 and response.json()["count"] == 2
    assert texts(response) == shown_on_page(logged_in(member.user), reverse("member-messages")) == [
        ("pending", "【积分商城】订单 RO-1 已扣减 1500 积分，当前余额 48500 积分。"),
        ("pending", "【积分商城】您正在用 10500 积分兑换「保温杯」×7（订单 RO1），验证码为 ******，15分钟内有效，请勿泄露。"),
    ]
    assert "654321" not in response.content.decode()


def test_each_text_says_its_kind_its_state_and_when_a_waiting_one_goes_out(api, member, now, settings):
    settings.QUIET_HOURS = (22, 8)
    late = now.replace(hour=23, minute=0)
    notify(kind="delivered", member=member, at=late, context={"order_number": "RO-2"})

    (row,) = api(member.user).get(OWN).json()["results"]

    assert (row["kind"], row["status"], row["status_label"], row["sent_at"]) == ("delivered", "pending", "待发送", None)
    assert row["created_at"].startswith(late.date().isoformat()) and row["not_before"].endswith("08:00:00+08:00")


def test_a_text_withheld_by_the_opt_out_is_listed_as_not_sent_with_no_time_to_go_out(api, member, now):
    members.set_reminders_opt_out(member=member, opt_out=True, actor=member.user)
    member.refresh_from_db()
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-3"})

    (row,) = api(member.user).get(OWN).json()["results"]

    assert (row["status"], row["status_label"], row["not_before"]) == ("suppressed", "已退订不发送", None)


def test_a_member_never_reads_another_members_texts_nor_a_suppliers_notices_to_its_number(api, member, other_member, now):
    supplier = SupplierFactory(contact_phone=member.phone)
    notify(kind="supplier_notice", phone=supplier.contact_phone, at=now, context={"title": "礼品 SKU-1 已通过审核"})
    notify(kind="delivered", member=other_member, at=now, context={"order_number": "RO-OTHER"})
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-MINE"})

    own = texts(api(member.user).get(OWN))
    others = texts(api(other_member.user).get(OWN))

    assert own == [("pending", "【积分商城】订单 RO-MINE 已签收，感谢您的兑换。")]
    assert others == [("pending", "【积分商城】订单 RO-OTHER 已签收，感谢您的兑换。")]


def test_a_member_given_a_recycled_number_never_reads_what_was_texted_to_its_earlier_holder(api, member, now):
    recycled = member.phone
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-EARLIER"})
    member.phone = "13911112222"
    member.save(update_fields=["phone"])
    new_holder = MemberFactory(user=UserFactory(username="new_holder", role="member"), phone=recycled)

    assert texts(api(new_holder.user).get(OWN)) == []


def test_an_operator_reads_a_members_texts_as_the_member_does_and_no_one_elses(api, member, other_member, operator, now):
    notify(kind="confirmation_code", member=member, at=now, context=ORDERED | {"code": "654321"})
    notify(kind="delivered", member=other_member, at=now, context={"order_number": "RO-OTHER"})

    response = api(operator).get(record(member))

    assert response.status_code == 200
    assert texts(response) == texts(api(member.user).get(OWN)) == shown_on_page(
        logged_in(operator), reverse("operator-member-messages", args=[member.pk]))
    assert "654321" not in response.content.decode() and member.phone not in response.content.decode()


@pytest.mark.parametrize("role", ["supplier_admin", "supplier_staff", "logistics", "finance", "member"])
def test_only_an_operator_reads_a_members_texts(api, request, member, other_member, role, now):
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-4"})
    user = other_member.user if role == "member" else request.getfixturevalue(role)

    response = api(user).get(record(member))

    assert response.status_code == 403 and "RO-4" not in response.content.decode()


@pytest.mark.parametrize("role", ["supplier_admin", "logistics", "finance", "operator"])
def test_only_a_member_reads_its_own_texts(api, request, role):
    response = api(request.getfixturevalue(role)).get(OWN)

    assert response.status_code == 403


def test_a_members_texts_need_a_signed_in_caller(api):
    assert (api(None).get(OWN).status_code, api(None).get("/api/v1/members/1/messages/").status_code) == (401, 401)


def test_an_unknown_member_is_404_to_an_operator(api, operator):
    assert api(operator).get("/api/v1/members/999999999/messages/").status_code == 404


def test_a_long_list_of_texts_is_paged(api, member, operator, now):
    for n in range(23):
        notify(kind="delivered", member=member, at=now + timedelta(minutes=n), context={"order_number": f"RO-{n}"})

    first = api(member.user).get(OWN).json()
    second = api(operator).get(f"{record(member)}?page=2").json()
    small = api(member.user).get(f"{OWN}?page_size=5&page=5").json()

    assert (first["count"], len(first["results"]), first["results"][0]["body"]) == (23, 20, "【积分商城】订单 RO-22 已签收，感谢您的兑换。")
    assert [row["body"] for row in second["results"]] == [f"【积分商城】订单 RO-{n} 已签收，感谢您的兑换。" for n in (2, 1, 0)]
    assert [row["body"] for row in small["results"]] == [f"【积分商城】订单 RO-{n} 已签收，感谢您的兑换。" for n in (2, 1, 0)]


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "1.5"])
@pytest.mark.parametrize("whose", ["own", "record"])
def test_a_bad_page_size_is_400_naming_it(api, member, operator, page_size, whose):
    client, url = (api(member.user), OWN) if whose == "own" else (api(operator), record(member))

    response = client.get(f"{url}?page_size={page_size}")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("page_size", "invalid")]


@pytest.mark.parametrize("page", ["abc", "0", "2"])
def test_a_page_that_does_not_exist_is_404(api, member, now, page):
    notify(kind="delivered", member=member, at=now, context={"order_number": "RO-5"})

    assert api(member.user).get(f"{OWN}?page={page}").status_code == 404


@pytest.mark.parametrize("whose", ["own", "record"])
def test_a_filter_the_pages_do_not_offer_is_400_naming_it(api, member, operator, whose):
    client, url = (api(member.user), OWN) if whose == "own" else (api(operator), record(member))

    response = client.get(f"{url}?status=sent")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("status", "unknown_parameter")]


def test_the_member_reads_a_page_of_its_texts_in_as_many_queries_for_one_as_for_fifty(api, member, now):
    def make_rows(n: int) -> None:
        for _ in range(n):
            notify(kind="delivered", member=member, at=now, context={"order_number": "RO-6"})

    assert_list_queries_constant(api(member.user), OWN, make_rows)


def test_an_operator_reads_a_page_of_a_members_texts_in_as_many_queries_for_one_as_for_fifty(api, member, operator, now):
    def make_rows(n: int) -> None:
        for _ in range(n):
            notify(kind="confirmation_code", member=member, at=now, context=ORDERED | {"code": "654321"})

    assert_list_queries_constant(api(operator), record(member), make_rows)
