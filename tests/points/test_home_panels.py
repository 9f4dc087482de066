"""The home page's points panels: a member's balance, soonest expiry and latest orders; the operators' redemptions of
the last two weeks by local day and of the last twelve months by local month."""
import re
from datetime import date, datetime, timedelta

import pytest

from points.models import RedemptionOrder
from points.selectors import redemptions_by_day, redemptions_by_month
from points.services import credits, ledger, orders
from tests.factories import ADDRESS, SHANGHAI, MemberFactory
from tests.portal import listed, logged_in, shown

DEC_5 = datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def member_with_orders(rich_member, listed_gift, time_machine):
    """On 5 December: last year's 10 000 points (expiring 31 December) besides this year's 50 000, and four orders
    placed an hour apart, drawn from last year's points first."""
    time_machine.move_to(DEC_5, tick=False)
    ledger.earn_points(member=rich_member, points=10_000, source=ledger.Source("batch", "2025"), at=datetime(2025, 6, 1, tzinfo=SHANGHAI))
    for hour in range(4):
        orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=DEC_5 - timedelta(hours=4 - hour), **ADDRESS)
    return rich_member


def test_a_member_sees_its_balance_the_points_expiring_soonest_and_its_three_latest_orders(member_with_orders, other_member, listed_gift):
    ledger.earn_points(member=other_member, points=5_000, source=ledger.Source("batch", "OTHER"), at=DEC_5)
    orders.place_order(member=other_member, gift_id=listed_gift.pk, quantity=1, now=DEC_5, **ADDRESS)  # newest, but not ours
    spent = sum(RedemptionOrder.objects.filter(member=member_with_orders).values_list("points_cost", flat=True))

    response = logged_in(member_with_orders.user).get("/")

    assert shown(response, "home-balance") == f"{60_000 - spent:,}"  # grouped by thousands, as a reader writes it
    assert shown(response, "home-next-expiry") == f"{10_000 - spent:,}"  # last year's lot, drawn first
    assert 'data-testid="home-next-expiry" class="warn"' in response.content.decode()  # within 30 days
    latest = [order.pk for order in RedemptionOrder.objects.filter(member=member_with_orders).order_by("-placed_at")[:3]]
    assert [order.pk for order in response.context["panels"][0]["figures"]["orders"]] == latest


def test_points_expiring_after_thirty_days_are_shown_without_a_warning(rich_member, time_machine):
    time_machine.move_to(DEC_5, tick=False)

    response = logged_in(rich_member.user).get("/")

    assert shown(response, "home-next-expiry") == "50,000"
    assert 'data-testid="home-next-expiry" class="warn"' not in response.content.decode()


@pytest.mark.parametrize(("on", "warned"), [(datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI), False),
                                             (datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI), True)])
def test_points_are_pointed_out_as_expiring_from_the_day_their_reminder_goes_out(member, time_machine, on, warned):
    ledger.earn_points(member=member, points=100, source=ledger.Source("batch", "2025"), at=datetime(2025, 6, 1, tzinfo=SHANGHAI))
    time_machine.move_to(on, tick=False)

    page = logged_in(member.user).get("/").content.decode()

    assert ('data-testid="home-next-expiry" class="warn"' in page) == warned
    assert credits.remind_expiring_points(now=on) == int(warned)


def test_a_member_with_an_order_waiting_for_its_code_is_led_to_it(rich_member, listed_gift, time_machine):
    time_machine.move_to(DEC_5, tick=False)
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=7, now=DEC_5, **ADDRESS)  # above the SMS threshold

    response = logged_in(rich_member.user).get("/")

    assert shown(response, "home-to-confirm") == "1 个订单等待输入短信验证码"


def test_a_new_member_is_invited_to_the_catalog(db):
    member = MemberFactory()

    response = logged_in(member.user).get("/")

    assert shown(response, "home-balance") == "0"
    assert "还没有订单，去礼品目录看看吧" in response.content.decode()


def test_redemptions_count_on_the_local_day_they_were_confirmed_and_days_without_any_are_zero(rich_member, listed_gift):
    late = datetime(2026, 12, 4, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC: still 4 December in Shanghai
    first = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=late, **ADDRESS)
    second = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=late + timedelta(hours=1), **ADDRESS)
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=late - timedelta(days=30), **ADDRESS)  # too early

    days = redemptions_by_day(until=DEC_5.date(), days=3)

    assert days == [
        {"day": DEC_5.date() - timedelta(days=2), "orders": 0, "points": 0},
        {"day": DEC_5.date() - timedelta(days=1), "orders": 1, "points": first.points_cost},
        {"day": DEC_5.date(), "orders": 1, "points": second.points_cost},
    ]


def test_the_operator_sees_todays_redemptions_and_the_chart_of_two_weeks(member_with_orders, operator):
    today = RedemptionOrder.objects.filter(confirmed_at__isnull=False)

    response = logged_in(operator).get("/")

    assert shown(response, "home-today-orders") == str(today.count()) == "4"
    assert shown(response, "home-today-points") == f"{sum(order.points_cost for order in today):,}"
    assert chart_of(response, "home-redemptions-chart").count('<g data-label="') == 14


def chart_of(response, testid: str) -> str:
    return response.content.decode().split(f'data-testid="{testid}"')[1].split("</figure>")[0].split("</svg>")[0]


def test_redemptions_count_in_the_local_month_they_were_confirmed_and_months_without_any_are_zero(rich_member, listed_gift):
    october = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2,
                                 now=datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI), **ADDRESS)
    november = [orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=moment, **ADDRESS)
                for moment in (datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI))]
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=datetime(2026, 8, 31, 23, 0, tzinfo=SHANGHAI),
                       **ADDRESS)  # before the first month

    months = redemptions_by_month(until=DEC_5.date(), months=4)

    assert months == [
        {"month": date(2026, 9, 1), "orders": 0, "points": 0},
        {"month": date(2026, 10, 1), "orders": 1, "points": october.points_cost},
        {"month": date(2026, 11, 1), "orders": 2, "points": sum(order.points_cost for order in november)},
        {"month": date(2026, 12, 1), "orders": 0, "points": 0},
    ]


def test_the_operator_sees_the_last_twelve_months_of_orders_and_points_beside_the_days(member_with_orders, operator):
    points = sum(RedemptionOrder.objects.values_list("points_cost", flat=True))

    response = logged_in(operator).get("/")

    orders_chart, points_chart = (chart_of(response, testid) for testid in ("home-monthly-orders-chart", "home-monthly-points-chart"))
    assert re.findall(r'data-label="([0-9-]+)"', orders_chart) == [f"2026-{month:02}" for month in range(1, 13)]
    assert re.findall(r'data-value="([0-9]+)"', orders_chart) == ["0"] * 11 + ["4"]
    assert re.findall(r'data-value="([0-9]+)"', points_chart) == ["0"] * 11 + [str(points)]
    assert "每月兑换积分" in points_chart


def test_todays_redemptions_count_by_confirmation_and_link_to_exactly_those_orders(rich_member, listed_gift, operator, time_machine):
    placed_last_night = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=DEC_5 - timedelta(hours=9, minutes=30),
                                           **ADDRESS)
    RedemptionOrder.objects.filter(pk=placed_last_night.pk).update(confirmed_at=DEC_5 - timedelta(hours=8))  # its code typed after midnight
    this_morning = orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=DEC_5, **ADDRESS)
    orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=1, now=DEC_5 - timedelta(days=1), **ADDRESS)  # yesterday's
    time_machine.move_to(DEC_5, tick=False)

    response = logged_in(operator).get("/")

    assert shown(response, "home-today-orders") == "2"
    assert "今日兑换单数（按确认时间）" in response.content.decode()
    assert 'href="/member/order-admin/?confirmed_on=2026-12-05"' in response.content.decode()
    assert listed(operator, "/member/order-admin/", confirmed_on="2026-12-05") == sorted([placed_last_night.pk, this_morning.pk])
