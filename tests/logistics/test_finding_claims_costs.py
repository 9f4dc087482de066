"""Claims and extra costs are found by the numbers their readers hold (the order's, any of its parcels' tracking
number, the return's), on their pages (`q`) and in the API (`search`), alike, each listed once however many of its
order's parcels match; the returns page lists the returns of the supplier a link names and of a range of days."""
from datetime import timedelta

import pytest

from logistics.services import claims, costs
from tests.logistics.builders import charge
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_claims(lost, dropship_order, now) -> dict:
    """The lost-parcel claim of the exchanged order's replacement (SF-REPL) and a transit damage claim of the dropship
    order (ZT-RET)."""
    return {"lost": lost.claims.get(),
            "damage": claims.open_claim(order=dropship_order, cause="transit_damage", quantity=1, now=now)}


@pytest.fixture
def three_costs(exchange, dropship_order, logistics, operator, now) -> dict:
    """A cost of the delivered order (shipped as SF<id>), one of its return, and one of the dropship order (ZT-RET)."""
    order = exchange.order
    return {
        "order": charge(order, actor=logistics, now=now),
        "return": costs.record_extra_cost(kind="return_freight", payer="supplier", supplier=order.supplier, return_request=exchange,
                                          description="", actor=logistics, now=now),
        "dropship": charge(dropship_order, actor=operator, now=now),
    }


def _query(url: str, text: str) -> dict:
    return {"search" if url.startswith("/api/") else "q": text}


@pytest.mark.parametrize("url", ["/logistics/claims/", "/api/v1/logistics-claims/"])
def test_finance_finds_a_claim_by_order_number_or_any_of_the_orders_tracking_numbers(finance, two_claims, url):
    lost, damage = two_claims["lost"], two_claims["damage"]

    assert listed(finance, url, **_query(url, lost.order.number)) == [lost.pk]
    assert listed(finance, url, **_query(url, "sf-repl")) == [lost.pk]
    assert listed(finance, url, **_query(url, f"SF{lost.order_id}")) == [lost.pk]
    assert listed(finance, url, **_query(url, "ZT-RET")) == [damage.pk]
    assert listed(finance, url, **_query(url, "no-such-number")) == []


def test_a_claim_whose_order_has_two_matching_parcels_is_listed_and_summed_once(finance, two_claims):
    response = logged_in(finance).get("/logistics/claims/", {"q": "SF"})

    assert [claim.pk for claim in response.context["page_obj"]] == [two_claims["lost"].pk]
    assert response.context["total"] == two_claims["lost"].amount


@pytest.mark.parametrize("url", ["/logistics/extra-costs/", "/api/v1/extra-costs/"])
def test_an_operator_finds_an_extra_cost_by_order_return_or_tracking_number(operator, three_costs, url):
    order = three_costs["order"].order
    return_number = three_costs["return"].return_request.number

    assert listed(operator, url, **_query(url, return_number)) == [three_costs["return"].pk]
    assert listed(operator, url, **_query(url, order.number)) == sorted(cost.pk for cost in three_costs.values() if cost.order_id == order.pk)
    assert listed(operator, url, **_query(url, "zt-ret")) == [three_costs["dropship"].pk]
    assert listed(operator, url, **_query(url, "no-such-number")) == []


@pytest.mark.parametrize(("url", "language", "placeholder"), [
    ("/logistics/claims/", "zh-hans", "订单号 / 运单号 / 退换货单号"), ("/logistics/extra-costs/", "en", "Order number / tracking number / return number"),
])
def test_the_number_search_box_is_labelled_in_the_readers_language(operator, url, language, placeholder):
    assert placeholder in logged_in(operator).get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_returns_page_lists_the_returns_of_the_supplier_asked_for(operator, exchange, other_supplier):
    assert listed(operator, "/logistics/returns/", supplier=exchange.supplier_id) == [exchange.pk]
    assert listed(operator, "/logistics/returns/", supplier=other_supplier.pk) == []


def test_the_returns_page_lists_the_returns_requested_within_a_range_of_days(operator, exchange, now):
    day = exchange.requested_at.astimezone(now.tzinfo).date()

    assert listed(operator, "/logistics/returns/", requested_from=day.isoformat(), requested_to=day.isoformat()) == [exchange.pk]
    assert listed(operator, "/logistics/returns/", requested_from=(day + timedelta(days=1)).isoformat()) == []
    assert listed(operator, "/logistics/returns/", requested_to=(day - timedelta(days=1)).isoformat()) == []


def test_a_range_of_days_the_wrong_way_round_is_named_and_lists_no_returns(operator, exchange, now):
    day = exchange.requested_at.date()

    response = logged_in(operator).get("/logistics/returns/", {"requested_from": day.isoformat(),
                                                               "requested_to": (day - timedelta(days=1)).isoformat()})

    assert response.status_code == 400 and 'data-testid="error-requested_to"' in response.content.decode()
    assert not response.context["page_obj"].object_list
