"""Leftover lots through the API and the portal: suppliers read their own with deadline and fees, staff read all;
logistics collects and disposes, the operator moves a lot to clearance; another supplier's lot is a 404."""
# ruff: noqa: F811  (the lot fixtures are imported from test_leftovers and requested by name)
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from logistics.models import ExtraCost, LeftoverLot
from logistics.services import leftovers
from suppliers.models import Gift
from tests.portal import field_errors
from tests.factories import GiftFactory, SupplierUserFactory, WarehouseFactory
from tests.helpers import assert_list_queries_constant
from tests.logistics.leftover_world import DEADLINE, RETIRED_ON, at_0010

pytestmark = pytest.mark.django_db
URL = "/api/v1/leftover-lots/"


@pytest.fixture(autouse=True)
def _clock():
    """The views read the clock: the day after the lots were made, well before their deadline."""
    with time_machine.travel(RETIRED_ON + timedelta(days=1), tick=False):
        yield


@pytest.fixture
def owner(lot):
    """A staff user of the lots' supplier."""
    return SupplierUserFactory(username="lot_owner", role="supplier_staff", supplier=lot.supplier)


def test_the_supplier_lists_its_lots_with_deadline_and_fees_so_far(api, owner, lot, other_supplier_admin):
    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=3)))

    mine = api(owner).get(URL).json()["results"]
    theirs = api(other_supplier_admin).get(URL).json()["results"]

    row = next(r for r in mine if r["id"] == lot.pk)
    assert (row["collect_by"], row["storage_days"], row["fee_amount"], row["state"], row["quantity"]) == (str(DEADLINE), 3, "6.00", "open", 5)
    assert (row["gift_sku"], row["location_name"]) == (lot.gift.sku, "华东A仓")
    assert theirs == []


def test_another_suppliers_lot_does_not_exist_for_it(api, lot, other_supplier_admin):
    for path in (f"{URL}{lot.pk}/", f"{URL}{lot.pk}/history/"):
        assert api(other_supplier_admin).get(path).status_code == 404
    assert api(other_supplier_admin).post(f"{URL}{lot.pk}/collect/", {}).status_code == 404


def test_logistics_records_a_collection_and_gets_the_closed_lot_back(api, lot, logistics):
    response = api(logistics).post(f"{URL}{lot.pk}/collect/", {"reason": "礼品商自提"})

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["fee_amount"]) == ("collected", "0.00")
    history = api(logistics).get(f"{URL}{lot.pk}/history/").json()
    assert [(h["transition"], h["actor"], h["reason"]) for h in history] == [
        ("record", None, "礼品退市，剩余库存待取回"), ("collect", "logistics", "礼品商自提")]


def test_disposal_after_the_deadline_answers_with_the_storage_and_disposal_fees_included(api, lot, logistics):
    with time_machine.travel(at_0010(DEADLINE + timedelta(days=1)), tick=False):
        response = api(logistics).post(f"{URL}{lot.pk}/dispose/", {"reason": "逾期未取回"})

    assert (response.status_code, response.json()["state"], response.json()["fee_amount"]) == (200, "disposed", "22.00")
    assert api(logistics).get(f"{URL}{lot.pk}/history/").json()[-1]["reason"] == "逾期未取回"


def test_disposal_before_the_deadline_is_a_conflict_naming_the_deadline(api, lot, logistics):
    response = api(logistics).post(f"{URL}{lot.pk}/dispose/", {"reason": "占用库位"})

    error = response.json()["errors"][0]
    assert (response.status_code, error["code"], error["attr"]) == (409, "disposal_too_early", "collect_by")
    assert str(DEADLINE) in error["detail"]
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open" and not ExtraCost.objects.exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}], ids=["missing", "empty", "blank"])
def test_disposal_without_a_reason_is_refused_naming_the_field(api, lot, logistics, body):
    with time_machine.travel(at_0010(DEADLINE + timedelta(days=1)), tick=False):
        response = api(logistics).post(f"{URL}{lot.pk}/dispose/", body)

    error = response.json()["errors"][0]
    assert (response.status_code, error["attr"], error["code"]) == (400, "reason", "required")
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open" and not ExtraCost.objects.exists()


@pytest.mark.parametrize("action", ["collect", "dispose"])
def test_only_logistics_closes_a_lot_and_a_refusal_changes_nothing(api, lot, owner, operator, finance, action):
    statuses = [api(user).post(f"{URL}{lot.pk}/{action}/", {}).status_code for user in (owner, operator, finance)]

    assert statuses == [403, 403, 403]
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open" and not ExtraCost.objects.exists()


def test_closing_a_closed_lot_is_a_conflict(api, lot, logistics):
    api(logistics).post(f"{URL}{lot.pk}/collect/", {})

    response = api(logistics).post(f"{URL}{lot.pk}/dispose/", {"reason": "逾期未取回"})

    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"
    assert LeftoverLot.objects.get(pk=lot.pk).state == "collected" and not ExtraCost.objects.exists()


def test_the_operator_moves_a_lot_to_clearance_with_its_prices(api, lot, operator):
    response = api(operator).post(f"{URL}{lot.pk}/clearance/", {"points_price": 600, "settlement_price": "60.00"})

    assert (response.status_code, response.json()["state"]) == (200, "clearance")
    gift = Gift.objects.get(pk=lot.gift_id)
    assert (gift.state, gift.clearance_points_price, gift.clearance_settlement_price) == ("clearance", 600, Decimal("60.00"))


@pytest.mark.parametrize(
    ("body", "field"), [({"settlement_price": "60.00"}, "points_price"), ({"points_price": 0, "settlement_price": "1"}, "points_price"),
                        ({"points_price": 600, "settlement_price": "-1"}, "settlement_price"),
                        ({"points_price": 2**31, "settlement_price": "1"}, "points_price"),
                        ({"points_price": 2**63, "settlement_price": "1"}, "points_price")],
)
def test_clearance_needs_valid_prices(api, lot, operator, body, field):
    response = api(operator).post(f"{URL}{lot.pk}/clearance/", body)

    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == field
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open" and Gift.objects.get(pk=lot.gift_id).state == "retired"


def test_the_lot_list_runs_the_same_queries_for_1_and_50_lots(api, operator, lot):
    gift = GiftFactory(supplier=lot.supplier)

    def make(n):
        for _ in range(n):
            extra = LeftoverLot.objects.create(
                supplier=gift.supplier, gift=gift, location=WarehouseFactory(), quantity=2, created_at=lot.created_at, collect_by=DEADLINE
            )
            ExtraCost.objects.create(kind="storage", payer="supplier", supplier=gift.supplier, lot=extra, amount=Decimal("2.00"),
                                     fee_date=DEADLINE, recorded_at=lot.created_at)

    assert_list_queries_constant(api(operator), URL, make)


# --- portal pages -----------------------------------------------------------------------------------------------
def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_supplier_page_shows_the_deadline_and_fees_without_actions(owner, lot):
    leftovers.charge_storage_fees(now=at_0010(DEADLINE + timedelta(days=2)))

    html = page_client(owner).get("/logistics/leftovers/").content.decode()

    assert "2026-11-14" in html and "¥4.00" in html and 'data-action="collect"' not in html
    assert 'href="/logistics/leftovers/"' in html  # the 遗留礼品 navigation entry


def test_the_staff_page_runs_the_same_queries_for_1_and_20_lots(lot, logistics):
    client = page_client(logistics)
    gift = GiftFactory(supplier=lot.supplier)
    with CaptureQueriesContext(connection) as few:
        client.get("/logistics/leftovers/?state=open")
    for _ in range(19):
        LeftoverLot.objects.create(supplier=gift.supplier, gift=gift, location=WarehouseFactory(), quantity=1, created_at=lot.created_at,
                                   collect_by=DEADLINE)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/logistics/leftovers/?state=open").content.decode()

    assert html.count('data-testid="disposable-from"') == 20
    assert len(few.captured_queries) == len(many.captured_queries)


def test_another_suppliers_lot_page_is_not_found(lot, other_supplier_admin):
    assert page_client(other_supplier_admin).get(f"/logistics/leftovers/{lot.pk}/").status_code == 404
    assert page_client(other_supplier_admin).post(f"/logistics/leftovers/{lot.pk}/collect/").status_code == 404


def test_logistics_collects_a_lot_from_the_list(lot, logistics):
    client = page_client(logistics)
    assert 'data-action="collect"' in client.get("/logistics/leftovers/").content.decode()

    response = client.post(f"/logistics/leftovers/{lot.pk}/collect/", {"reason": "自提", "next": "/logistics/leftovers/"})

    assert response.status_code == 302 and response.url == "/logistics/leftovers/"
    assert LeftoverLot.objects.get(pk=lot.pk).state == "collected"


def test_the_operator_page_offers_clearance_and_reports_a_bad_price_without_changing_anything(lot, operator):
    client = page_client(operator)
    assert 'data-action="clearance"' in client.get(f"/logistics/leftovers/{lot.pk}/").content.decode()

    response = client.post(f"/logistics/leftovers/{lot.pk}/clearance/",
                           {"points_price": "0", "settlement_price": "1.50", "reason": "整批清仓", "next": "/logistics/leftovers/"})

    assert response.status_code == 400 and list(field_errors(response)) == ["points_price"]
    html = response.content.decode()
    assert 'value="1.50"' in html and 'value="整批清仓"' in html and 'name="next" value="/logistics/leftovers/"' in html
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open"


def test_a_page_action_the_lots_state_no_longer_allows_is_409_with_an_error_message_not_a_500(lot, logistics):
    client = page_client(logistics)
    client.post(f"/logistics/leftovers/{lot.pk}/collect/")

    response = client.post(f"/logistics/leftovers/{lot.pk}/dispose/", {"reason": "逾期未取回"}, follow=True)

    assert response.status_code == 409 and 'class="error"' in response.content.decode()  # the lot is closed: no form to show it by
    assert LeftoverLot.objects.get(pk=lot.pk).state == "collected"


def test_the_disposal_form_asks_for_a_reason_and_changes_nothing_without_one(lot, logistics):
    with time_machine.travel(at_0010(DEADLINE + timedelta(days=1)), tick=False):
        client = page_client(logistics)
        page = client.get(f"/logistics/leftovers/{lot.pk}/").content.decode()
        response = client.post(f"/logistics/leftovers/{lot.pk}/dispose/", {"reason": ""})

    assert 'name="reason" placeholder="销毁处置原因" maxlength="2000" required' in page

    assert response.status_code == 400 and list(field_errors(response)) == ["reason"]
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open" and not ExtraCost.objects.exists()


def test_disposal_asks_for_confirmation_in_the_browser_and_the_other_buttons_do_not(lot, logistics):
    with time_machine.travel(at_0010(DEADLINE + timedelta(days=1)), tick=False):
        html = page_client(logistics).get(f"/logistics/leftovers/{lot.pk}/").content.decode()

    dispose = html[html.index('data-action="dispose"'):].split(">", 1)[0]
    collect = html[html.index('data-action="collect"'):].split(">", 1)[0]
    assert "onclick=\"return confirm('销毁后这批礼品不能再取回" in dispose and "确定销毁处置？')" in dispose
    assert "confirm(" not in collect


def test_the_clearance_button_says_what_it_does_in_english_not_the_state_it_leads_to(lot, operator):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)

    html = client.get(f"/logistics/leftovers/{lot.pk}/").content.decode()

    button = html[html.index('data-action="clearance"'):].split("</button>", 1)[0]
    assert button.endswith(">Move to clearance") and "Moved to clearance" not in button


def test_logistics_disposes_of_an_overdue_lot_from_its_page_with_a_reason(lot, logistics):
    with time_machine.travel(at_0010(DEADLINE + timedelta(days=1)), tick=False):
        page_client(logistics).post(f"/logistics/leftovers/{lot.pk}/dispose/", {"reason": "逾期未取回"})

    assert LeftoverLot.objects.get(pk=lot.pk).state == "disposed"
    assert ExtraCost.objects.filter(lot=lot, kind="disposal").exists()


@pytest.mark.parametrize("page", ["/logistics/leftovers/", "/logistics/leftovers/{pk}/"])
def test_before_the_deadline_the_page_says_from_when_disposal_is_allowed_instead_of_offering_it(lot, logistics, page):
    with time_machine.travel(at_0010(DEADLINE).replace(hour=23, minute=59), tick=False):
        html = page_client(logistics).get(page.format(pk=lot.pk)).content.decode()

    assert 'data-action="dispose"' not in html and 'data-action="collect"' in html
    assert 'data-testid="disposable-from"' in html and "2026-11-15 起" in html


def test_from_the_day_after_the_deadline_the_page_offers_disposal(lot, logistics):
    with time_machine.travel(at_0010(DEADLINE + timedelta(days=1)).replace(hour=0, minute=0), tick=False):
        html = page_client(logistics).get(f"/logistics/leftovers/{lot.pk}/").content.decode()

    assert 'data-action="dispose"' in html and 'data-testid="disposable-from"' not in html


def test_an_early_disposal_posted_from_an_old_page_is_an_error_message_and_changes_nothing(lot, logistics):
    response = page_client(logistics).post(f"/logistics/leftovers/{lot.pk}/dispose/", {"reason": "占用库位"})

    assert response.status_code == 409 and "2026-11-14" in response.content.decode()
    assert LeftoverLot.objects.get(pk=lot.pk).state == "open" and not ExtraCost.objects.exists()
