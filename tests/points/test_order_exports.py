"""Downloading the staff's order list as filtered: every order of the filter in the page's columns, and no member's
personal data (the page shows none)."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import ADDRESS
from tests.points.test_portal_order_admin import gifts_of_two_suppliers, place  # noqa: F401  (fixture)
from tests.portal import body, downloaded, logged_in

pytestmark = pytest.mark.django_db
EXPORT = "/member/order-admin/export"


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_staff_download_every_order_of_the_filter_without_the_members_data(operator, rich_member, gifts_of_two_suppliers,  # noqa: F811
                                                                          now, file_format):
    tea, cup = gifts_of_two_suppliers
    [old_tea] = place(rich_member, tea, now - timedelta(days=10))
    [new_tea] = place(rich_member, tea, now)
    [new_cup] = place(rich_member, cup, now)
    client = logged_in(operator)

    everything = client.get(f"{EXPORT}.{file_format}")
    by_supplier = by_column(downloaded(client.get(f"{EXPORT}.{file_format}?supplier={tea.supplier_id}")))

    header, *_ = table = downloaded(everything)
    rows = by_column(table)
    assert sorted(row["订单号"] for row in rows) == sorted([old_tea, new_tea, new_cup])
    assert sorted(row["订单号"] for row in by_supplier) == sorted([old_tea, new_tea])
    # an XLSX row ends at its last value: nothing is booked yet, so the header alone names the statement's columns
    assert header == ["订单号", "SKU", "礼品", "礼品商", "数量", "积分", "状态", "下单时间", "结算金额", "记账时间（结算按此）",
                      "结算单月份", "结算单版本"]
    assert all(text not in body(everything).decode("utf-8", "replace")
               for text in (rich_member.phone, ADDRESS["recipient_phone"], ADDRESS["recipient_name"]))


def test_members_and_suppliers_may_not_download_the_staff_order_list(rich_member, supplier_admin):
    assert logged_in(rich_member.user).get(f"{EXPORT}.csv").status_code == 403
    assert logged_in(supplier_admin).get(f"{EXPORT}.csv").status_code == 403


def test_the_order_list_links_its_downloads_and_a_wrong_filter_is_a_400(finance):
    client = logged_in(finance)

    page = client.get("/member/order-admin/?state=confirmed").content.decode()

    assert f'href="{EXPORT}.csv?state=confirmed"' in page
    assert client.get(f"{EXPORT}.csv?date_from=someday").status_code == 400
    assert client.get(f"{EXPORT}.xls").status_code == 404


def test_the_order_download_runs_the_same_queries_for_1_and_12_orders(logistics, rich_member, gifts_of_two_suppliers, now,  # noqa: F811
                                                                       django_assert_num_queries):
    tea, _cup = gifts_of_two_suppliers
    client = logged_in(logistics)
    place(rich_member, tea, now)
    with CaptureQueriesContext(connection) as one_order:
        downloaded(client.get(f"{EXPORT}.csv"))
    place(rich_member, tea, now, count=11)

    with django_assert_num_queries(len(one_order.captured_queries)):
        rows = downloaded(client.get(f"{EXPORT}.csv"))

    assert len(rows) == 13


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_order_download_reads_the_same_queries_for_2_and_30_orders(operator, rich_member, gifts_of_two_suppliers, now,  # noqa: F811
                                                                       file_format, django_assert_num_queries):
    tea, cup = gifts_of_two_suppliers
    client = logged_in(operator)
    place(rich_member, tea, now)
    place(rich_member, cup, now)
    with CaptureQueriesContext(connection) as two_orders:
        downloaded(client.get(f"{EXPORT}.{file_format}"))
    place(rich_member, tea, now, count=14)
    place(rich_member, cup, now, count=14)

    with django_assert_num_queries(len(two_orders.captured_queries)):
        rows = downloaded(client.get(f"{EXPORT}.{file_format}"))

    assert len(rows) == 31 and {row[3] for row in rows[1:]} == {tea.supplier.name, cup.supplier.name}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_order_states_are_written_in_the_readers_language(operator, rich_member, gifts_of_two_suppliers, now, file_format):  # noqa: F811
    tea, _cup = gifts_of_two_suppliers
    [number] = place(rich_member, tea, now)
    english, chinese = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    english.force_login(operator)
    chinese.force_login(operator)

    in_english = english.get(f"{EXPORT}.{file_format}")
    in_chinese = chinese.get(f"{EXPORT}.{file_format}")
    with translation.override("zh-hans"):  # a CSV is written as it is sent, whatever language is active by then
        english_rows = by_column(downloaded(in_english))
    with translation.override("en"):
        chinese_rows = by_column(downloaded(in_chinese))

    assert [(row["Order number"], row["Status"]) for row in english_rows] == [(number, "Confirmed")]
    assert [(row["订单号"], row["状态"]) for row in chinese_rows] == [(number, "已确认")]


def test_the_csv_download_starts_with_its_header_before_the_orders_are_written(operator, rich_member, gifts_of_two_suppliers, now):  # noqa: F811
    tea, _cup = gifts_of_two_suppliers
    place(rich_member, tea, now, count=3)

    response = logged_in(operator).get(f"{EXPORT}.csv")
    first = next(iter(response.streaming_content))

    assert response.streaming and response["Content-Disposition"].startswith('attachment; filename="orders-')
    assert first.decode("utf-8-sig").splitlines() == ["订单号,SKU,礼品,礼品商,数量,积分,状态,下单时间,结算金额,记账时间（结算按此）,结算单月份,结算单版本"]


def test_logistics_staff_download_the_booking_time_but_no_settlement_amount_or_statement(logistics, rich_member,
                                                                                        gifts_of_two_suppliers, now):  # noqa: F811
    tea, _cup = gifts_of_two_suppliers
    place(rich_member, tea, now)

    rows = by_column(downloaded(logged_in(logistics).get(f"{EXPORT}.csv")))

    assert rows[0].keys() == {"订单号", "SKU", "礼品", "礼品商", "数量", "积分", "状态", "下单时间", "记账时间（结算按此）"}
