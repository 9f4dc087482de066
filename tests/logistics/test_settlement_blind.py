"""The logistics provider handles orders and returns but never sees what the operator pays suppliers for them: no
settlement unit price or amount of an order, no netted-off amount of a return, in the API or on the pages
(SPEC §4.13). Operators and finance still see them; claims, which logistics pays, keep their amount."""
import pytest

from logistics.services import claims, returns
from tests.logistics.builders import received
from tests.portal import logged_in


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
ORDER_MONEY = {"settlement_unit_price", "settlement_amount"}



@pytest.fixture
def refunded(delivered_order, operator, logistics, now):
    """One unit of the delivered order returned unused and refunded: -¥180.00 netted off the supplier's statement."""
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)
    return returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")


def test_the_logistics_provider_reads_orders_without_their_settlement_figures(api, delivered_order, logistics):
    detail = api(logistics).get(f"/api/v1/orders/{delivered_order.pk}/").json()
    listed = api(logistics).get("/api/v1/orders/").json()["results"]

    assert detail["number"] == delivered_order.number and not ORDER_MONEY & set(detail)
    assert listed and not any(ORDER_MONEY & set(row) for row in listed)


def test_operators_and_finance_still_read_an_orders_settlement_figures(api, delivered_order, operator, finance):
    for user in (operator, finance):
        seen = api(user).get(f"/api/v1/orders/{delivered_order.pk}/").json()

        assert (seen["settlement_unit_price"], seen["settlement_amount"]) == ("180.00", "360.00")


def test_the_logistics_provider_reads_returns_without_the_amount_netted_off(api, refunded, logistics, operator):
    detail = api(logistics).get(f"/api/v1/returns/{refunded.pk}/").json()
    listed = api(logistics).get("/api/v1/returns/").json()["results"]

    assert detail["state"] == "refunded" and "settlement_amount" not in detail
    assert listed and all("settlement_amount" not in row for row in listed)
    assert api(operator).get(f"/api/v1/returns/{refunded.pk}/").json()["settlement_amount"] == "-180.00"


def test_the_inspection_answer_leaves_the_amount_out_for_logistics(api, delivered_order, operator, logistics, now):
    return_request = received(delivered_order, operator=operator, handler=logistics, now=now)

    response = api(logistics).post(f"/api/v1/returns/{return_request.pk}/inspect/", {"outcome": "resellable"})

    assert response.status_code == 200 and response.json()["state"] == "refunded"
    assert "settlement_amount" not in response.json()


def test_the_order_and_return_pages_show_the_settlement_amounts_to_operators_only(refunded, delivered_order, logistics, operator):
    order_page = f"/member/order-admin/{delivered_order.pk}/"
    return_page = f"/logistics/returns/{refunded.pk}/"

    for page in (order_page, return_page):
        assert 'data-testid="settlement-amount"' not in logged_in(logistics).get(page).content.decode()
        assert 'data-testid="settlement-amount"' in logged_in(operator).get(page).content.decode()
    assert "¥360.00" in logged_in(operator).get(order_page).content.decode()
    assert "-¥180.00" in logged_in(operator).get(return_page).content.decode()


def test_a_claim_keeps_its_amount_for_the_logistics_provider_which_pays_it(api, delivered_order, logistics, now):
    claim = claims.open_claim(order=delivered_order, cause=claims.Cause.TRANSIT_DAMAGE, quantity=1, now=now)

    seen = api(logistics).get(f"/api/v1/logistics-claims/{claim.pk}/")

    assert seen.status_code == 200 and seen.json()["amount"] == "180.00"
