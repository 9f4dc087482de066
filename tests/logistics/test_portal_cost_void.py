"""Voiding an extra cost recorded in error from the costs page: a void button with a required reason on each cost the
user records (logistics staff a warehouse order's, operators a dropship order's), errors next to the reason with the
values kept, the voided cost still listed with why, who and when."""
import re
from datetime import date, timedelta

import pytest

from logistics.models import ExtraCost
from logistics.services import costs
from settlement.services import generation
from tests.logistics.builders import charge
from tests.portal import field_errors, logged_in, seen_by


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
PAGE = "/logistics/extra-costs/"


def void_url(cost: ExtraCost) -> str:
    return f"{PAGE}{cost.pk}/void/"


def row(html: str, cost: ExtraCost) -> str:
    return re.search(rf'<tr data-cost="{cost.pk}">.*?</tr>', html, re.S).group(0)


def test_logistics_voids_a_warehouse_cost_from_the_costs_page_with_a_reason(delivered_order, logistics):
    cost = charge(delivered_order, actor=logistics, now=delivered_order.delivered_at)
    client = logged_in(logistics)
    assert 'data-action="void"' in row(client.get(PAGE).content.decode(), cost)

    response = client.post(void_url(cost), {"reason": "重复录入", "next": f"{PAGE}?kind=return_freight"})

    assert response.status_code == 302 and response.url == f"{PAGE}?kind=return_freight"
    cost.refresh_from_db()
    assert (cost.state, cost.void_reason, cost.voided_by) == ("voided", "重复录入", logistics)
    listed = row(client.get(PAGE).content.decode(), cost)
    assert 'data-testid="voided"' in listed and "重复录入 · " + logistics.username in listed and 'data-action="void"' not in listed


def test_a_void_without_a_reason_is_an_error_next_to_the_reason_and_changes_nothing(delivered_order, logistics):
    cost = charge(delivered_order, actor=logistics, now=delivered_order.delivered_at)

    response = logged_in(logistics).post(void_url(cost), {"reason": "  "})

    assert response.status_code == 400 and list(field_errors(response)) == ["reason"]
    assert ExtraCost.objects.get().state == "recorded"


def test_a_reason_too_long_comes_back_with_its_error_and_the_text_entered(delivered_order, logistics):
    cost = charge(delivered_order, actor=logistics, now=delivered_order.delivered_at)

    response = logged_in(logistics).post(void_url(cost), {"reason": "录" * 301})

    assert response.status_code == 400 and list(field_errors(response)) == ["reason"]
    assert f'value="{"录" * 301}"' in response.content.decode()
    assert ExtraCost.objects.get().state == "recorded"


def test_a_cost_a_statement_carries_is_refused_on_its_row_and_stays_recorded(delivered_order, logistics, finance, now):
    cost = charge(delivered_order, actor=logistics, now=now)
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))

    response = logged_in(logistics).post(void_url(cost), {"reason": "录错"})

    assert response.status_code == 409 and "2026-10" in row(response.content.decode(), cost)
    assert 'value="录错"' in row(response.content.decode(), cost)
    assert ExtraCost.objects.get().state == "recorded"


def test_each_role_is_offered_to_void_only_the_costs_it_records(delivered_order, dropship_order, logistics, operator, now):
    warehouse_cost = charge(delivered_order, actor=logistics, now=now)
    dropship_cost = charge(dropship_order, actor=operator, now=now)

    as_logistics = logged_in(logistics).get(PAGE).content.decode()
    as_operator = logged_in(operator).get(PAGE).content.decode()

    assert 'data-action="void"' in row(as_logistics, warehouse_cost) and 'data-action="void"' not in row(as_logistics, dropship_cost)
    assert 'data-action="void"' in row(as_operator, dropship_cost) and 'data-action="void"' not in row(as_operator, warehouse_cost)


def test_another_role_posting_a_void_is_refused_and_nothing_changes(delivered_order, dropship_order, logistics, operator, finance, now):
    warehouse_cost = charge(delivered_order, actor=logistics, now=now)

    refused = logged_in(operator).post(void_url(warehouse_cost), {"reason": "录错"})
    forbidden = logged_in(finance).post(void_url(warehouse_cost), {"reason": "录错"})

    assert refused.status_code == 400 and forbidden.status_code == 403
    assert 'data-action="void"' not in logged_in(finance).get(PAGE).content.decode()
    assert ExtraCost.objects.get().state == "recorded"


def test_a_supplier_neither_sees_void_buttons_nor_voids(delivered_order, logistics, supplier_admin, now):
    cost = charge(delivered_order, actor=logistics, now=now)

    response = logged_in(supplier_admin).post(void_url(cost), {"reason": "录错"})

    assert response.status_code == 403 and costs.total_amount(ExtraCost.objects.all()) == cost.amount


def test_a_cost_voided_since_the_costs_page_was_opened_is_refused_from_it_naming_who_voided_it_and_when(delivered_order, logistics):
    cost = charge(delivered_order, actor=logistics, now=delivered_order.delivered_at)
    client = logged_in(logistics)
    seen = seen_by(client.get(PAGE).content.decode(), void_url(cost))
    costs.void_extra_cost(cost=cost, actor=logistics, now=delivered_order.delivered_at, reason="重复录入")

    stale = client.post(void_url(cost), {"reason": "金额有误", "seen": seen, "next": PAGE})

    said = [str(message) for message in stale.context["messages"]]
    cost.refresh_from_db()
    assert stale.status_code == 409 and cost.void_reason == "重复录入"
    assert len(said) == 1 and said[0].startswith("额外费用在您打开页面后已有变动（") and "作废" in said[0]


def test_a_cost_unchanged_since_the_costs_page_was_opened_is_voided_from_it(delivered_order, logistics):
    cost = charge(delivered_order, actor=logistics, now=delivered_order.delivered_at)
    client = logged_in(logistics)

    done = client.post(void_url(cost), {"reason": "重复录入", "seen": seen_by(client.get(PAGE).content.decode(), void_url(cost)), "next": PAGE})

    cost.refresh_from_db()
    assert done.status_code == 302 and cost.state == "voided"


def test_an_api_void_of_a_cost_voided_since_it_was_read_is_409_naming_the_change_and_voids_nothing_again(
    delivered_order, logistics, api,
):
    cost = charge(delivered_order, actor=logistics, now=delivered_order.delivered_at)
    seen = api(logistics).get(f"/api/v1/extra-costs/{cost.pk}/history/").json()[-1]["id"]
    costs.void_extra_cost(cost=cost, actor=logistics, now=delivered_order.delivered_at, reason="重复录入")

    stale = api(logistics).post(f"/api/v1/extra-costs/{cost.pk}/void/", {"reason": "金额有误", "seen": seen}, format="json")

    cost.refresh_from_db()
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "changed_since_seen"
    assert "作废" in stale.json()["errors"][0]["detail"] and cost.void_reason == "重复录入"
