"""Suppliers and finance match orders to a statement: the order lists (the supplier's page, the staff's page, their
downloads and the orders API) show the time a delivery is booked by (记账时间, `delivery_recorded_at`), filter by the
month it is booked in (Asia/Shanghai) and name the statement booking it (month and version, linked), with the
settlement amount for the supplier's users and finance, never for members. Golden case O3: signed on 10-31 at 22:00,
recorded on 11-01 at 00:00:10, so November's statement books it while its signing time says October."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlement.services import statements
from tests.portal import downloaded, logged_in
from tests.settlement.conftest import at, replay
from tests.settlement.test_golden_settlement import october

pytestmark = pytest.mark.django_db
PAGE, STAFF_PAGE, API = "/logistics/orders/", "/member/order-admin/", "/api/v1/orders/"


@pytest.fixture
def november(golden_world, golden):
    """October's and November's statements generated (drafts); S1's November statement books O3 alone."""
    october(golden_world, golden)
    replay(golden_world, golden, since=at(golden["generate_at"]), until=at("2026-12-01T00:00:00+08:00"))
    return golden_world.generate("2026-11", now=at("2026-12-01T02:00:00+08:00"))


def numbers(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-number="')[1:]]


def row_of(html: str, number: str) -> str:
    return html.split(f'data-number="{number}"', 1)[1].split("</tr>", 1)[0]


def issued(world, statement):
    statements.issue_statement(statement=statement, actor=world.finance_a, now=at("2026-12-01T10:00:00+08:00"))
    statement.refresh_from_db()
    return statement


def test_the_supplier_filters_its_orders_by_booking_month_not_by_signing_time(golden_world, november):
    admin, o3 = golden_world.admins[golden_world.suppliers["S1"].name], golden_world.orders["O3"]
    client = logged_in(admin)

    in_november = client.get(PAGE, {"booked_month": "2026-11"}).content.decode()
    in_october = numbers(client.get(PAGE, {"booked_month": "2026-10"}).content.decode())
    wrong = client.get(PAGE, {"booked_month": "2026-13"})

    assert numbers(in_november) == [o3.number]
    assert o3.number not in in_october and golden_world.orders["O1"].number in in_october
    row = row_of(in_november, o3.number)
    assert "2026-10-31 22:00" in row and "2026-11-01 00:00:10" in row  # signed in October, booked in November
    assert "下期结算单准备中" in row and "settlement/statements/" not in row  # a draft: the supplier sees none yet
    assert "结算单按它归入月份" in in_november
    assert wrong.status_code == 400 and numbers(wrong.content.decode()) == []


def test_once_issued_the_supplier_reads_the_statement_month_and_version_linked_and_the_amount(golden_world, november):
    supplier = golden_world.suppliers["S1"]
    statement, o3 = issued(golden_world, november[supplier.name]), golden_world.orders["O3"]
    client = logged_in(golden_world.admins[supplier.name])

    row = row_of(client.get(PAGE, {"booked_month": "2026-11"}).content.decode(), o3.number)
    rows = downloaded(client.get(f"{PAGE}export.csv", {"booked_month": "2026-11"}))

    assert f'href="/settlement/statements/{statement.pk}/"' in row and "2026-11 第1版" in row
    assert str(o3.settlement_amount) in row
    line = dict(zip(rows[0], rows[1]))
    assert (line["订单号"], line["记账时间（结算按此）"], line["结算单月份"], line["结算单版本"], line["结算金额"]) == (
        o3.number, "2026-11-01 00:00", "2026-11", "1", str(o3.settlement_amount))
    assert client.get(f"/settlement/statements/{statement.pk}/").status_code == 200


def test_finance_reads_the_draft_statement_booking_an_order_on_the_staff_list(golden_world, november, golden):
    supplier, o3 = golden_world.suppliers["S1"], golden_world.orders["O3"]

    html = logged_in(golden_world.finance_a).get(STAFF_PAGE, {"booked_month": "2026-11", "supplier": supplier.pk}).content.decode()

    row = row_of_link(html, o3)
    assert f'href="/settlement/statements/{november[supplier.name].pk}/"' in row and "2026-11 第1版" in row
    assert "2026-11-01 00:00:10" in row and str(o3.settlement_amount) in row


def row_of_link(html: str, order) -> str:
    return html.split(f'href="/member/order-admin/{order.pk}/"', 1)[1].split("</tr>", 1)[0]


def test_logistics_staff_read_the_booking_time_but_no_statement_or_amount(golden_world, november):
    o3 = golden_world.orders["O3"]

    html = logged_in(golden_world.logistics).get(STAFF_PAGE, {"booked_month": "2026-11"}).content.decode()

    row = row_of_link(html, o3)
    assert "2026-11-01 00:00:10" in row and "settlement/statements/" not in row and str(o3.settlement_amount) not in row


def test_the_api_lists_by_booking_month_with_the_statement_for_the_supplier_and_none_for_the_member(golden_world, november, api):
    supplier, o3 = golden_world.suppliers["S1"], golden_world.orders["O3"]
    admin = golden_world.admins[supplier.name]

    draft = api(admin).get(API, {"booked_month": "2026-11"}).json()["results"]
    statement = issued(golden_world, november[supplier.name])
    booked = api(admin).get(API, {"booked_month": "2026-11"}).json()["results"]
    as_finance = api(golden_world.finance_a).get(f"{API}{o3.pk}/").json()
    as_member = api(golden_world.member.user).get(API, {"booked_month": "2026-11"}).json()["results"]
    other = api(golden_world.admins[golden_world.suppliers["S2"].name]).get(API, {"booked_month": "2026-11"}).json()["results"]
    wrong = api(admin).get(API, {"booked_month": "November"})

    assert [(o["number"], o["statement_id"], o["statement_in_preparation"]) for o in draft] == [(o3.number, None, True)]
    assert [(o["number"], o["statement_id"], o["statement_month"], o["statement_version"], o["statement_in_preparation"])
            for o in booked] == [(o3.number, statement.pk, "2026-11", 1, False)]
    assert booked[0]["delivery_recorded_at"].startswith("2026-11-01T00:00:10") and booked[0]["delivered_at"].startswith("2026-10-31T22:00")
    assert (as_finance["statement_id"], as_finance["settlement_amount"]) == (statement.pk, str(o3.settlement_amount))
    assert [o["number"] for o in as_member] == [o3.number]
    assert not {"statement_id", "statement_month", "delivery_recorded_at", "settlement_amount"} & set(as_member[0])
    assert o3.number not in [o["number"] for o in other]
    assert wrong.status_code == 400 and [e["attr"] for e in wrong.json()["errors"]] == ["booked_month"]
    assert api(golden_world.admins[golden_world.suppliers["S2"].name]).get(f"{API}{o3.pk}/").status_code == 404


def test_the_lists_read_as_many_queries_for_one_booked_order_as_for_six(golden_world, november, api):
    admin = golden_world.admins[golden_world.suppliers["S1"].name]
    client, api_client = logged_in(admin), api(admin)
    counts = {}
    for month in ("2026-11", "2026-10"):
        with CaptureQueriesContext(connection) as page:
            shown = numbers(client.get(PAGE, {"booked_month": month}).content.decode())
        with CaptureQueriesContext(connection) as listed:
            results = api_client.get(API, {"booked_month": month}).json()["results"]
        counts[month] = (len(shown), len(results), len(page.captured_queries), len(listed.captured_queries))

    assert counts["2026-11"][:2] == (1, 1) and counts["2026-10"][0] >= 5 and counts["2026-10"][1] >= 5
    assert counts["2026-11"][2:] == counts["2026-10"][2:]
