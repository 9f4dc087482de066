"""Staff find a member, its orders and its calls by the phone number as people type it: with spaces, hyphens,
full-width digits or +86, and orders by its last digits too."""
import re

import pytest
from django.test import Client
from django.urls import reverse

from points.models import Complaint, RedemptionOrder
from points.selectors import orders_matching, search_members
from points.services import orders
from tests.factories import ADDRESS, MemberFactory, renumbered
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
TYPED = ["+86 138-0013-8001", "１３８００１３８００１", "8613800138001", " 138 0013 8001 "]


@pytest.fixture
def caller(rich_member):
    rich_member.phone = "13800138001"
    rich_member.save(update_fields=["phone"])
    return rich_member


@pytest.fixture
def stranger(db):
    return MemberFactory(phone="13900138002", name="王芳")


@pytest.fixture
def callers_order(caller, listed_gift, now):
    return renumbered(orders.place_order(member=caller, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS))


def staff_listed(user, **params) -> list[str]:
    client = Client()
    client.force_login(user)
    html = client.get("/member/order-admin/", params).content.decode()
    return re.findall(r'<a href="/member/order-admin/\d+/">([^<]+)</a>', html)


@pytest.mark.parametrize("typed", [*TYPED, "8001", "８００１"])
def test_an_order_is_found_by_its_members_phone_as_typed_or_by_its_last_digits(callers_order, stranger, typed):
    assert list(RedemptionOrder.objects.filter(orders_matching(typed))) == [callers_order]


def test_fewer_than_four_last_digits_or_another_members_digits_find_no_order(callers_order, stranger):
    assert not RedemptionOrder.objects.filter(orders_matching("001")).exists()
    assert not RedemptionOrder.objects.filter(orders_matching("8002")).exists()


@pytest.mark.parametrize("typed", ["38001", "0138001", "0013-8001", "3800138001"])
def test_more_last_digits_than_pages_show_find_no_order_so_a_masked_phone_cannot_be_read_off_digit_by_digit(callers_order, typed):
    assert not RedemptionOrder.objects.filter(orders_matching(typed)).exists()


def test_the_staff_order_list_finds_an_order_by_phone_last_digits_or_a_lower_case_number(logistics, callers_order, stranger):
    assert staff_listed(logistics, q="+86 138-0013-8001") == [callers_order.number]
    assert staff_listed(logistics, q="8001") == [callers_order.number]
    assert staff_listed(logistics, q=callers_order.number.lower()) == [callers_order.number]
    assert staff_listed(logistics, q="8002") == []


@pytest.mark.parametrize("typed", [*TYPED, "8001", "８００１", "80 01"])
def test_the_member_search_finds_a_member_by_its_phone_as_typed_or_by_its_last_digits(caller, stranger, typed):
    assert list(search_members(text=typed)) == [caller]


@pytest.fixture
def masked_member(db):
    """The one member, its phone holding "0013" and "38000" in the digits pages hide."""
    return MemberFactory(phone="13800138000", name="张伟")


@pytest.mark.parametrize("typed", ["0013", "38000", "0013-8000", "138001", "800138000", "3800138000", "001"])
def test_the_member_search_finds_no_member_by_hidden_middle_digits_or_more_last_digits_than_pages_show(masked_member, typed):
    assert list(search_members(text=typed)) == []


@pytest.mark.parametrize("typed", ["8000", "８０００", "+86 138 0013 8000", "１３８００１３８０００", "0086-138-0013-8000", "张"])
def test_the_member_search_finds_the_member_by_its_last_digits_its_whole_phone_as_typed_or_its_name(masked_member, typed):
    assert list(search_members(text=typed)) == [masked_member]


def test_operators_find_no_member_by_hidden_digits_on_the_page_or_through_the_api_only_by_its_last_digits(
        masked_member, operator, api):
    def found(typed: str) -> tuple[bool, list[int]]:
        page = logged_in(operator).get("/member/member-admin/", {"q": typed}).content.decode()
        table = page.split('data-testid="members"', 1)[1].split("</table>", 1)[0]
        return f'data-member="{masked_member.pk}"' in table, [row["id"] for row in api(operator).get("/api/v1/members/", {"q": typed}).json()["results"]]

    assert found("0013") == (False, [])
    assert found("38000") == (False, [])
    assert found("8000") == (True, [masked_member.pk])
    assert found("+86 １３８ ００１３ ８０００") == (True, [masked_member.pk])


def test_a_member_may_not_search_members_through_the_api(masked_member, member, api):
    response = api(member.user).get("/api/v1/members/", {"q": "8000"})

    assert response.status_code == 403 and "results" not in response.json()


def test_the_member_search_still_finds_a_member_by_name(caller, stranger):
    assert list(search_members(text="王芳")) == [stranger]


def test_operators_find_a_member_by_its_phone_as_typed_on_the_page_and_through_the_api(caller, stranger, operator, api):
    page = logged_in(operator).get("/member/member-admin/", {"q": "+86 138-0013-8001"}).content.decode()
    found = api(operator).get("/api/v1/members/", {"q": "１３８ ００１３ ８００１"}).json()["results"]

    table = page.split('data-testid="members"', 1)[1].split("</table>", 1)[0]
    assert f'data-member="{caller.pk}"' in table and f'data-member="{stranger.pk}"' not in table
    assert [row["id"] for row in found] == [caller.pk]


@pytest.mark.parametrize("typed", TYPED)
def test_a_hotline_complaint_finds_the_calling_member_by_its_phone_as_typed(caller, listed_gift, operator, typed):
    body = {"member_phone": typed, "gift": listed_gift.pk, "title": "电话投诉", "description": "破损", "token": "h1"}

    response = logged_in(operator).post(reverse("complaint-hotline"), body)

    assert response.status_code == 302 and Complaint.objects.get().member == caller


def test_a_hotline_complaint_naming_no_members_phone_is_refused_and_records_nothing(caller, listed_gift, operator):
    body = {"member_phone": "+86 139-0000-0000", "gift": listed_gift.pk, "title": "电话投诉", "description": "破损", "token": "h2"}

    response = logged_in(operator).post(reverse("complaint-hotline"), body)

    assert field_errors(response)["member_phone"] == "没有该手机号的会员" and not Complaint.objects.exists()


@pytest.mark.parametrize("typed", [str.lower, lambda number: f" {number.lower()} "])
def test_a_hotline_complaint_finds_the_order_by_its_number_typed_in_lower_case(caller, callers_order, operator, typed):
    body = {"member_phone": caller.phone, "order_number": typed(callers_order.number), "title": "电话投诉", "description": "破损",
            "token": "h3"}

    response = logged_in(operator).post(reverse("complaint-hotline"), body)

    assert response.status_code == 302 and Complaint.objects.get().order == callers_order
