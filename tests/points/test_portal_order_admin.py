"""The staff's list of every order: filtered by state, number or phone, supplier and the days placed, the filters kept
in the pagination links."""
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from points.models import RedemptionOrder
from points.services import orders
from suppliers.services import inventory
from tests.factories import ADDRESS, GiftFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import downloaded, field_errors

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    html = client.get("/member/order-admin/", params).content.decode()
    return re.findall(r'<a href="/member/order-admin/\d+/">([^<]+)</a>', html)


@pytest.fixture
def staff_client(logistics):
    client = Client()
    client.force_login(logistics)
    return client


@pytest.fixture
def gifts_of_two_suppliers(operator, now):
    warehouse = WarehouseFactory(code="WH-ADMIN")
    gifts = []
    for _ in range(2):
        gift = published(GiftFactory(), actor=operator, at=now)
        inventory.receive_stock(gift=gift, location=warehouse, quantity=30, at=now)
        gifts.append(gift)
    return gifts


def place(member, gift, at, count: int = 1) -> list[str]:
    return [orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=at, **ADDRESS).number for _ in range(count)]


def test_staff_filter_every_order_by_supplier_and_by_the_days_placed(staff_client, rich_member, gifts_of_two_suppliers, now):
    tea, cup = gifts_of_two_suppliers
    [old_tea] = place(rich_member, tea, now - timedelta(days=10))
    [new_tea] = place(rich_member, tea, now)
    [new_cup] = place(rich_member, cup, now)

    by_supplier = listed(staff_client, supplier=tea.supplier_id)
    this_week = listed(staff_client, date_from=f"{now - timedelta(days=7):%Y-%m-%d}", date_to=f"{now:%Y-%m-%d}")
    both = listed(staff_client, supplier=tea.supplier_id, date_to=f"{now - timedelta(days=1):%Y-%m-%d}")

    assert sorted(by_supplier) == sorted([old_tea, new_tea])
    assert sorted(this_week) == sorted([new_tea, new_cup])
    assert both == [old_tea]


def test_the_supplier_filter_stays_in_the_pagination_links(staff_client, rich_member, gifts_of_two_suppliers, now):
    tea, cup = gifts_of_two_suppliers
    teas = place(rich_member, tea, now, count=21)
    place(rich_member, cup, now)

    first = staff_client.get("/member/order-admin/", {"supplier": tea.supplier_id}).content.decode()
    second = listed(staff_client, supplier=tea.supplier_id, page=2)

    assert f'href="?supplier={tea.supplier_id}&amp;page=2"' in first
    assert len(second) == 1 and second[0] in teas


def test_a_member_page_link_and_a_state_still_filter(staff_client, rich_member, other_member, gifts_of_two_suppliers, now):
    tea, _cup = gifts_of_two_suppliers
    [theirs] = place(rich_member, tea, now)

    assert listed(staff_client, member=rich_member.pk, state="confirmed") == [theirs]
    assert listed(staff_client, member=other_member.pk) == []
    assert listed(staff_client, q=theirs) == [theirs]


def test_the_operators_cancel_which_refunds_the_points_asks_for_confirmation_first(rich_member, listed_gift, operator, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = Client()
    client.force_login(operator)

    page = client.get(f"/member/order-admin/{order.pk}/").content.decode()

    button = re.search(r'<button[^>]*data-action="cancel"[^>]*>', page).group(0)
    assert "return confirm('取消后积分将退还给会员、库存将释放，不可撤销。确定取消该订单？')" in button


def test_the_operators_cancel_of_an_order_waiting_for_its_code_says_nothing_was_taken_and_cancels_it(rich_member, listed_gift,
                                                                                                      operator, logistics):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=timezone.now(), **ADDRESS)
    client, staff = Client(), Client()
    client.force_login(operator)
    staff.force_login(logistics)

    page = client.get(f"/member/order-admin/{order.pk}/").content.decode()
    as_logistics = staff.get(f"/member/order-admin/{order.pk}/").content.decode()
    refused = staff.post(f"/member/order-admin/{order.pk}/cancel/", {"reason": "会员来电取消"})
    done = client.post(f"/member/order-admin/{order.pk}/cancel/", {"reason": "会员来电取消"})

    button = re.search(r'<button[^>]*data-action="cancel"[^>]*>([^<]*)<', page)
    assert button.group(1) == "取消（尚未扣积分、未占库存）" and "未扣积分、未占库存；取消后验证码失效" in button.group(0)
    assert 'data-action="cancel"' not in as_logistics and refused.status_code == 403
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.state == "cancelled" and order.redeem_entry is None


def test_the_operators_cancel_asks_for_a_reason_and_a_blank_one_is_refused_next_to_the_field(rich_member, listed_gift, operator, now):
    order = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=now, **ADDRESS)
    client = Client()
    client.force_login(operator)

    page = client.get(f"/member/order-admin/{order.pk}/").content.decode()
    refused = client.post(f"/member/order-admin/{order.pk}/cancel/", {"reason": " "})

    cancel_form = re.search(r'<form[^>]*/cancel/"[^>]*>.*?</form>', page, re.S).group(0)
    assert "原因（必填）" in cancel_form and "选填" not in cancel_form
    assert refused.status_code == 400 and "reason" in field_errors(refused)
    order.refresh_from_db()
    assert order.state == "confirmed"


def test_staff_filter_every_order_by_gift_fulfilment_and_program_and_the_download_follows(
        staff_client, rich_member, gifts_of_two_suppliers, now):
    tea, cup = gifts_of_two_suppliers
    [tea_order] = place(rich_member, tea, now)
    [cup_order] = place(rich_member, cup, now)
    RedemptionOrder.objects.filter(number=cup_order).update(fulfilment="dropship")

    by_sku = listed(staff_client, gift=tea.sku.lower())
    by_name = listed(staff_client, gift=cup.name[2:])
    dropship = listed(staff_client, fulfilment="dropship")
    program = listed(staff_client, program=rich_member.program.code, fulfilment="warehouse")
    downloaded_rows = downloaded(staff_client.get("/member/order-admin/export.csv", {"gift": tea.sku}))
    unknown = staff_client.get("/member/order-admin/", {"program": "nope"})

    assert (by_sku, by_name, dropship, program) == ([tea_order], [cup_order], [cup_order], [tea_order])
    assert [row[0] for row in downloaded_rows[1:]] == [tea_order]
    assert unknown.status_code == 400 and list(field_errors(unknown)) == ["program"]


@pytest.fixture
def tea_and_cup_orders(rich_member, operator, now) -> tuple[str, str]:
    """The numbers of an order of 西湖龙井礼盒 (TEA-LJ001) and one of 龙井茶杯 (CUP-002)."""
    warehouse = WarehouseFactory(code="WH-WORDS")
    tea, cup = (published(GiftFactory(sku=sku, name=name), actor=operator, at=now)
                for sku, name in (("TEA-LJ001", "西湖龙井礼盒"), ("CUP-002", "龙井茶杯")))
    for gift in (tea, cup):
        inventory.receive_stock(gift=gift, location=warehouse, quantity=30, at=now)
    return place(rich_member, tea, now)[0], place(rich_member, cup, now)[0]


def test_staff_find_orders_by_several_words_of_the_gift_and_a_full_width_sku(staff_client, tea_and_cup_orders):
    tea_order, _cup_order = tea_and_cup_orders

    assert listed(staff_client, gift="龙井 礼盒") == [tea_order]
    assert listed(staff_client, gift="ＴＥＡ－ＬＪ００１") == [tea_order]


def test_the_orders_api_filters_by_program_and_searches_the_gift_as_the_page_does(api, logistics, staff_client, rich_member, tea_and_cup_orders):
    tea_order, cup_order = tea_and_cup_orders
    client = api(logistics)

    def numbers(**query) -> list[str]:
        response = client.get("/api/v1/orders/", query)
        assert response.status_code == 200, response.content
        return sorted(row["number"] for row in response.json()["results"])

    assert numbers(search="龙井 礼盒") == [tea_order] == listed(staff_client, gift="龙井 礼盒")
    assert numbers(search="ＣＵＰ－００２") == [cup_order]
    assert numbers(program=rich_member.program.code) == sorted([tea_order, cup_order])
    assert numbers(program=({"gotone", "mzone"} - {rich_member.program.code}).pop()) == []
    assert client.get("/api/v1/orders/", {"program": "nope"}).json()["errors"][0]["attr"] == "program"

