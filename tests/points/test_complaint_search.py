"""The complaint desk and the API find a complaint by what people have at hand: its order's number in any case, its
gift's SKU or name, several words at once, and (operators) the member's phone as typed; the staff's order and member
pages link to their complaints."""
import re

import pytest
from django.utils import timezone

from points.models import Complaint
from points.services import complaints, orders
from suppliers.models import Gift
from tests.factories import ADDRESS, SupplierUserFactory, renumbered
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea_order(rich_member, listed_gift, now):
    rich_member.phone = "13800138001"
    rich_member.save(update_fields=["phone"])
    Gift.objects.filter(pk=listed_gift.pk).update(sku="TEA-LJ001", name="西湖龙井礼盒 250g")
    return renumbered(orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS))


@pytest.fixture
def about_the_order(tea_order, rich_member) -> Complaint:
    return renumbered(complaints.open_complaint(actor=rich_member.user, now=timezone.now(), order=tea_order, title="茶叶受潮", description="结块"))


@pytest.fixture
def about_a_gift(other_member, gift) -> Complaint:
    return complaints.open_complaint(actor=other_member.user, now=timezone.now(), gift=gift, title="包装破损", description="盒子压扁")


def found(user, text: str, now) -> list[Complaint]:
    return list(complaints.list_complaints(user=user, now=now, text=text).order_by("pk"))


def desk(user, **params) -> list[str]:
    html = logged_in(user).get("/complaints/", params).content.decode()
    return re.findall(r'<tr data-number="([^"]+)"', html)


@pytest.mark.parametrize("text", ["TEA-LJ", "ｔｅａ－ｌｊ００１", "250g", "２５０ｇ", "受潮 龙井", "西湖 受潮", "+86 138-0013-8001", "１３８００１３８００１"])
def test_an_operator_finds_a_complaint_by_its_gift_several_words_or_the_members_phone(about_the_order, about_a_gift, operator, now, text):
    assert found(operator, text, now) == [about_the_order]


def test_an_operator_finds_a_complaint_by_its_order_number_in_any_case(about_the_order, about_a_gift, operator, now):
    assert found(operator, about_the_order.order.number.lower(), now) == [about_the_order]


def test_every_word_must_match_and_a_word_of_either_complaint_finds_both(about_the_order, about_a_gift, operator, now):
    assert found(operator, "受潮 破损", now) == []
    assert found(operator, "龙井", now) == [about_the_order, about_a_gift]


def test_an_operator_finds_a_complaint_by_the_members_whole_phone_or_its_last_4_digits_but_no_other_part(about_the_order, operator, now):
    assert found(operator, "8001", now) == found(operator, "13800138001", now) == [about_the_order]
    assert found(operator, "38001", now) == found(operator, "0013", now) == found(operator, "1380013", now) == []


def test_a_supplier_finds_its_complaint_by_order_number_but_never_by_the_members_phone(about_the_order, tea_order, operator, now):
    complaints.triage_complaint(complaint=about_the_order, actor=operator, now=now, responsible="supplier")
    its_staff = SupplierUserFactory(username="tea_staff", supplier=tea_order.supplier)

    assert found(its_staff, tea_order.number.lower(), now) == [about_the_order]
    assert found(its_staff, "13800138001", now) == []
    assert found(its_staff, "8001", now) == []


def test_the_desk_finds_a_complaint_by_gift_words_and_phone_and_tells_operators_of_the_phone(about_the_order, about_a_gift, operator):
    page = logged_in(operator).get("/complaints/").content.decode()

    assert desk(operator, q="龙井 ＴＥＡ") == [about_the_order.number]
    assert desk(operator, q="+86 138 0013 8001") == [about_the_order.number]
    assert desk(operator, q="破损") == [about_a_gift.number]
    assert 'data-testid="phone-search"' in page


def test_the_order_page_links_to_the_orders_complaints_and_the_member_page_to_the_members(
        about_the_order, about_a_gift, tea_order, rich_member, operator, finance):
    order_page = logged_in(operator).get(f"/member/order-admin/{tea_order.pk}/").content.decode()
    member_page = logged_in(operator).get(f"/member/member-admin/{rich_member.pk}/").content.decode()
    finance_page = logged_in(finance).get(f"/member/order-admin/{tea_order.pk}/").content.decode()

    assert f'href="/complaints/?order={tea_order.pk}"' in order_page
    assert f'href="/complaints/?member={rich_member.pk}"' in member_page
    assert 'data-testid="order-complaints"' not in finance_page  # finance opens no complaint desk
    assert desk(operator, order=tea_order.pk) == desk(operator, member=rich_member.pk) == [about_the_order.number]


def test_the_api_searches_complaints_as_the_desk_and_filters_them_by_member(about_the_order, about_a_gift, rich_member, operator, api):
    client = api(operator)

    by_words = client.get("/api/v1/complaints/", {"search": "ｔｅａ－ｌｊ 受潮"}).json()["results"]
    by_phone = client.get("/api/v1/complaints/", {"search": "+86 138-0013-8001"}).json()["results"]
    by_member = client.get("/api/v1/complaints/", {"member": rich_member.pk}).json()["results"]
    neither = client.get("/api/v1/complaints/", {"search": "受潮 破损"}).json()["results"]

    assert [row["id"] for row in by_words] == [row["id"] for row in by_phone] == [row["id"] for row in by_member] == [about_the_order.pk]
    assert neither == []
