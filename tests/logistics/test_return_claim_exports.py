"""Downloading the returns and the logistics claims as filtered: staff every row of the filter, a supplier only the
returns of its own orders; reasons, remedies, causes and states by their labels, amounts with 2 places."""
from decimal import Decimal

import pytest

from logistics.models import ReturnRequest
from logistics.services import claims, return_split
from tests.logistics.builders import request
from tests.portal import downloaded, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
RETURNS = "/logistics/returns/export"
CLAIMS = "/logistics/claims/export"


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def two_returns(delivered_order, dropship_order, now):
    return {"warehouse": request(delivered_order, now=now, reason="unused", remedy="refund"),
            "dropship": request(dropship_order, now=now, reason="defective", remedy="exchange")}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_staff_download_every_return_with_its_labels(two_returns, operator, file_format):
    rows = by_column(downloaded(logged_in(operator).get(f"{RETURNS}.{file_format}")))

    by_number = {row["退换货单号"]: row for row in rows}
    assert set(by_number) == {two_returns["warehouse"].number, two_returns["dropship"].number}
    dropship = by_number[two_returns["dropship"].number]
    assert (dropship["订单号"], dropship["履约方式"], dropship["数量"]) == (two_returns["dropship"].order.number, "礼品商直发", "1")
    assert (dropship["原因"], dropship["诉求"], dropship["状态"]) == (
        two_returns["dropship"].get_reason_display(), "换货", two_returns["dropship"].get_state_display())


def test_the_returns_download_follows_the_filter_and_a_supplier_gets_only_its_own(two_returns, supplier_staff,
                                                                                  other_supplier_admin, logistics):
    filtered = by_column(downloaded(logged_in(logistics).get(f"{RETURNS}.csv?fulfilment=dropship")))
    own = by_column(downloaded(logged_in(supplier_staff).get(f"{RETURNS}.csv")))

    assert [row["退换货单号"] for row in filtered] == [two_returns["dropship"].number]
    assert {row["礼品商"] for row in own} == {supplier_staff.supplier_membership.supplier.name}
    assert by_column(downloaded(logged_in(other_supplier_admin).get(f"{RETURNS}.csv"))) == []


def test_the_returns_page_links_its_downloads_and_a_wrong_filter_is_a_400(operator, delivered_order):
    client = logged_in(operator)
    page = client.get("/logistics/returns/?state=requested").content.decode()

    assert f'href="{RETURNS}.csv?state=requested"' in page and f'href="{RETURNS}.xlsx?state=requested"' in page
    assert client.get(f"{RETURNS}.csv?state=nonsense").status_code == 400
    assert logged_in(delivered_order.member.user).get(f"{RETURNS}.csv").status_code == 403


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_returns_download_says_which_return_was_split_from_or_into_which(two_received, logistics, now, file_format):
    return_split.split_return(return_request=two_received, actor=logistics, now=now, quantity=1, reason="一件压坏")
    part = ReturnRequest.objects.get(split_from=two_received)

    rows = {row["退换货单号"]: row for row in by_column(downloaded(logged_in(logistics).get(f"{RETURNS}.{file_format}")))}

    assert (rows[part.number]["拆自"], rows[part.number]["拆出"]) == (two_received.number, "")
    assert (rows[two_received.number]["拆自"], rows[two_received.number]["拆出"]) == ("", part.number)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_finance_downloads_the_claims_of_the_filter(delivered_order, finance, now, file_format):
    damaged = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    everything = by_column(downloaded(logged_in(finance).get(f"{CLAIMS}.{file_format}")))
    none = by_column(downloaded(logged_in(finance).get(f"{CLAIMS}.{file_format}?cause=lost_parcel")))

    assert [row["订单号"] for row in everything] == [delivered_order.number] and none == []
    row = everything[0]
    assert (row["原因"], row["礼品商"], row["状态"]) == (damaged.get_cause_display(), delivered_order.supplier.name,
                                                     damaged.get_state_display())
    assert Decimal(row["索赔金额"]) == damaged.amount  # a number in XLSX, 180.00 in CSV


def test_the_claims_page_links_its_downloads_and_suppliers_may_not_download(finance, supplier_admin):
    page = logged_in(finance).get("/logistics/claims/?cause=transit_damage").content.decode()

    assert f'href="{CLAIMS}.csv?cause=transit_damage"' in page and f'href="{CLAIMS}.xlsx?cause=transit_damage"' in page
    assert logged_in(supplier_admin).get(f"{CLAIMS}.csv").status_code == 403
