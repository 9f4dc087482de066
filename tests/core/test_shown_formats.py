"""Numbers and dates as each language writes them on the portal (config/formats): amounts, points and counts grouped by
thousands, dates with their year; downloads, the API and form inputs keep plain numbers."""
import re
from datetime import datetime
from decimal import Decimal

import pytest

from logistics.models import Tariff
from points.models import RedemptionOrder
from points.services import ledger, orders
from suppliers.services import inventory
from tests.factories import ADDRESS, SHANGHAI, GiftFactory, WarehouseFactory
from tests.helpers import published
from tests.portal import downloaded, logged_in, page_in, shown

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "en"]
EARNED = 1_357_023


@pytest.fixture
def dear_order(member, operator, now):
    """One unit of a gift at 123 456 points and a settlement price of ¥12 345.60, confirmed at once at `now`
    (2026-10-15 10:00), by a member who earned 1 357 023 points (no SMS code asked at this price)."""
    member.program.sms_confirmation_threshold = 10_000_000
    member.program.save(update_fields=["sms_confirmation_threshold"])
    gift = published(GiftFactory(market_price=Decimal("15888.00"), settlement_price=Decimal("12345.60"),
                                 points={"gotone": 123_456, "mzone": 100_000}), actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-DEAR"), quantity=5, at=now)
    ledger.earn_points(member=member, points=EARNED, source=ledger.Source("batch", "DEAR"), at=datetime(2026, 1, 5, tzinfo=SHANGHAI))
    return orders.place_order(member=member, gift_id=gift.pk, quantity=1, now=now, **ADDRESS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_staff_order_page_shows_the_amount_and_points_grouped_and_its_history_dated_with_the_year(dear_order, operator,
                                                                                                       language):
    page = page_in(operator, f"/member/order-admin/{dear_order.pk}/", language)

    assert 'data-testid="settlement-amount">¥12,345.60<' in page
    assert "123,456 × 1 = 123,456" in page
    history = page.split('data-testid="history"', 1)[1]
    assert "<td>2026-10-15 10:00</td>" in history


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_member_home_shows_the_balance_grouped_and_the_latest_orders_with_their_year(dear_order, language):
    page = page_in(dear_order.member.user, "/", language)

    balance = re.search(r'data-testid="home-balance">([^<]*)<', page).group(1)
    assert balance == f"{EARNED - 123_456:,}" == "1,233,567"
    latest = page.split('data-testid="home-orders"', 1)[1].split("</ul>", 1)[0]
    assert "2026-10-15 10:00" in latest


def test_the_order_download_and_the_api_keep_plain_numbers(dear_order, operator, api):
    rows = downloaded(logged_in(operator).get("/member/order-admin/export.csv"))
    found = api(operator).get(f"/api/v1/orders/{dear_order.pk}/").json()

    assert dict(zip(rows[0], rows[1]))["积分"] == "123456"
    assert (found["points_cost"], found["settlement_amount"]) == (123456, "12345.60")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_tariff_posted_as_a_plain_number_is_saved_shown_grouped_and_offered_again_plain(operator, language):
    client = logged_in(operator)

    response = client.post("/logistics/tariffs/storage/", {"amount": "1234.50", "reason": "按合同调整"},
                           HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 302 and Tariff.objects.get(kind="storage").amount == Decimal("1234.50")
    page = client.get("/logistics/tariffs/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    row = page.split('<tr data-kind="storage">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">¥1,234.50</td>' in row and 'value="1234.50"' in row


def test_the_points_redeemed_today_on_the_operator_home_are_grouped(dear_order, operator, now, time_machine):
    time_machine.move_to(now, tick=False)
    RedemptionOrder.objects.filter(pk=dear_order.pk).update(points_cost=2_500_000)

    response = logged_in(operator).get("/")

    assert shown(response, "home-today-points") == "2,500,000"
