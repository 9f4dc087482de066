"""A portal list sorts by a column when its heading is clicked, ascending, then descending on a second click, asked as
an API list is (`?ordering=payable`, `-payable`): the link keeps the filters and goes back to the first page, the
heading says the order shown (aria-sort and a mark), rows of one value keep their order by id and a column's empty
values come last either way, and the download lists its rows in the order shown. An order the list does not take is an
error next to the filters naming those it takes, as a filter's wrong value is (core.forms.ListFilter.sorts). The
sweep opens every sorting heading on the demo data each way, as each role reads it."""
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client

from settlement.models import Statement
from tests.factories import FIXED_NOW, SHANGHAI, SupplierFactory
from tests.portal import downloaded, listed_in_order, logged_in, nav, sort_headings

pytestmark = pytest.mark.django_db
STATEMENTS = "/settlement/statements/"


@pytest.fixture
def three_statements(db) -> list[Statement]:
    """Statements of three suppliers: ¥300 issued on the 2nd, ¥100 not issued, ¥200 issued on the 1st."""
    rows = []
    for payable, issued in (("300.00", 2), ("100.00", None), ("200.00", 1)):
        rows.append(Statement.objects.create(
            supplier=SupplierFactory(), month=date(2026, 9, 1), generated_at=FIXED_NOW, payable=Decimal(payable),
            issued_at=datetime(2026, 10, issued, 9, tzinfo=SHANGHAI) if issued else None))
    return rows


def test_a_heading_orders_the_list_by_its_column_ascending_then_descending(finance, three_statements):
    dear, cheap, middle = three_statements
    page = logged_in(finance).get(STATEMENTS).content.decode()
    ascending_link, order = sort_headings(page)["payable"]

    assert order == "" and parse_qs(urlsplit(ascending_link).query) == {"ordering": ["payable"]}
    assert listed_in_order(finance, STATEMENTS, ordering="payable") == [cheap.pk, middle.pk, dear.pk]
    assert listed_in_order(finance, STATEMENTS, ordering="-payable") == [dear.pk, middle.pk, cheap.pk]


def test_the_heading_of_the_order_shown_says_so_and_turns_it_round(finance, three_statements):
    page = logged_in(finance).get(STATEMENTS, {"ordering": "payable"}).content.decode()
    headings = sort_headings(page)

    assert headings["payable"][1] == "ascending" and '<span class="sort-mark" aria-hidden="true">▲</span>' in page
    assert parse_qs(urlsplit(headings["payable"][0]).query)["ordering"] == ["-payable"]
    assert {column: order for column, (_link, order) in headings.items() if order} == {"payable": "ascending"}
    turned = logged_in(finance).get(STATEMENTS, {"ordering": "-payable"}).content.decode()
    assert sort_headings(turned)["payable"][1] == "descending" and "▼</span>" in turned
    assert parse_qs(urlsplit(sort_headings(turned)["payable"][0]).query)["ordering"] == ["payable"]


def test_a_heading_keeps_the_filters_and_goes_back_to_the_first_page(finance, three_statements):
    page = logged_in(finance).get(STATEMENTS, {"month": "2026-09", "page": "1", "ordering": "-payable"}).content.decode()

    link = sort_headings(page)["issued_at"][0]

    assert parse_qs(urlsplit(link).query) == {"month": ["2026-09"], "ordering": ["issued_at"]}


def test_empty_values_come_last_either_way_and_ties_keep_the_order_by_id(finance, three_statements):
    dear, cheap, middle = three_statements
    Statement.objects.filter(pk=dear.pk).update(payable=Decimal("200.00"))  # as the third's

    assert listed_in_order(finance, STATEMENTS, ordering="issued_at") == [middle.pk, dear.pk, cheap.pk]
    assert listed_in_order(finance, STATEMENTS, ordering="-issued_at") == [dear.pk, middle.pk, cheap.pk]
    assert listed_in_order(finance, STATEMENTS, ordering="payable") == [cheap.pk, dear.pk, middle.pk]
    assert listed_in_order(finance, STATEMENTS, ordering="-payable") == [middle.pk, dear.pk, cheap.pk]


def test_an_order_the_list_does_not_take_is_named_with_those_it_takes_and_lists_nothing(finance, three_statements):
    response = logged_in(finance).get(STATEMENTS, {"ordering": "password"})
    page = response.content.decode()

    assert response.status_code == 400 and list(response.context["page_obj"]) == []
    assert 'data-testid="error-ordering"' in page
    assert "排序：不能按 password 排序；可用：issued_at、month、payable、payment_date、payment_due_on、supplier、version" in page


def test_the_order_is_not_a_filter_the_empty_list_offers_to_clear(finance):
    page = logged_in(finance).get(STATEMENTS, {"ordering": "-payable"}).content.decode()

    assert 'data-testid="none-matching"' not in page and "暂无结算单" in page


def test_the_download_lists_the_rows_in_the_order_shown(finance, three_statements):
    dear, cheap, middle = three_statements

    rows = downloaded(logged_in(finance).get(f"{STATEMENTS}export.csv", {"ordering": "-payable"}))
    supplier = rows[0].index("礼品商")

    assert [row[supplier] for row in rows[1:]] == [s.supplier.name for s in (dear, middle, cheap)]


SWEPT_USERS = ["operator", "finance", "logistics", "supplier_a", "supplier_b", "13800138000", "13700137000"]


def ordered_by(rows: list, fields) -> tuple[list, list]:
    """The values of the first field of a sort (`fields`: ListFilter.sorts' value) of the rows shown, and those values in
    the order the field asks: a row's own value (a column, or an annotation its list's selector gives it), one across
    relations read from its table; none where the values are text, whose order is the database's collation."""
    field = (fields,) if isinstance(fields, str) else fields
    name = field[0].removeprefix("-")
    if not rows or not isinstance(rows[0], Model):
        return [], []
    if "__" in name:
        values = dict(type(rows[0])._base_manager.filter(pk__in=[row.pk for row in rows]).values_list("pk", name))
    else:
        values = {row.pk: getattr(row, name) for row in rows}
    shown = [values[row.pk] for row in rows if values.get(row.pk) is not None]
    if any(isinstance(value, str) for value in shown):
        return [], []
    return shown, sorted(shown, reverse=field[0].startswith("-"))


@pytest.mark.parametrize("username", SWEPT_USERS)
def test_every_sorting_heading_of_the_navigation_lists_orders_them_each_way(seeded_demo, db, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    lists = sorted({link for link in re.findall(r'href="(/[^"#?]*)"', nav(client.get("/")))})
    swept = 0
    for path in lists:
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        sorts = getattr(response.context.get("filters"), "sorts", {}) if response.context else {}
        for column, (link, _order) in sort_headings(response.content.decode()).items():
            for ordering in (column, f"-{column}"):
                ordered = client.get(path, {"ordering": ordering})
                assert ordered.status_code == 200, f"{path}?ordering={ordering}: {ordered.status_code}"
                shown, expected = ordered_by(list(ordered.context["page_obj"]), sorts[column])
                assert shown == (expected if ordering == column else expected[::-1]) or not shown, f"{path}?ordering={ordering}"
                swept += 1
            assert urlsplit(link).path in ("", path)
    assert swept > 0 or username not in ("finance", "supplier_a")
