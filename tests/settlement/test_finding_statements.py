"""Statements are found by what their readers hold: the supplier's name, the invoice number, the bank reference of the
payment or of a receivable's collection, on the statements page (`q`) and in the API (`search`), alike; a version's
lines by order number or SKU within a section, on the statement's page and in its API lines (`q` on both)."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from settlement.models import Section, SourceKind, Statement, StatementLine, StatementVersion
from tests.factories import FIXED_NOW, SHANGHAI, SupplierFactory, SupplierUserFactory
from tests.portal import clear_link, listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_statements() -> dict[str, Statement]:
    """A paid statement of 杭州茶业 (invoice FP-2026-0917, payment PAY-77301), an invoiced one of 宁波海产 (invoice
    FP-2026-1002) and a receivable collected from 温州鞋服 (collection SK-5521)."""
    rows = {}
    for name, state, fields in [
        ("杭州茶业", "paid", {"invoice_number": "FP-2026-0917", "payment_reference": "PAY-77301"}),
        ("宁波海产", "invoiced", {"invoice_number": "FP-2026-1002"}),
        ("温州鞋服", "collected", {"collection_reference": "SK-5521", "receivable": True}),
    ]:
        statement = Statement.objects.create(supplier=SupplierFactory(name=name), month=date(2026, 9, 1), generated_at=FIXED_NOW,
                                             issued_at=FIXED_NOW, **fields)
        Statement.objects.filter(pk=statement.pk).update(state=state)
        rows[name] = statement
    return rows


@pytest.mark.parametrize("url", ["/settlement/statements/", "/api/v1/statements/"])
@pytest.mark.parametrize(("text", "found"), [
    ("宁波", ["宁波海产"]), ("fp-2026", ["杭州茶业", "宁波海产"]), ("PAY-77301", ["杭州茶业"]), ("sk-5521", ["温州鞋服"]),
    ("FP-2026 0917", ["杭州茶业"]), ("无此单号", []),
])
def test_finance_finds_a_statement_by_supplier_invoice_or_bank_reference_on_the_page_and_in_the_api(
        finance, three_statements, url, text, found):
    parameter = "search" if url.startswith("/api/") else "q"

    ids = listed(finance, url, **{parameter: text})

    assert ids == sorted(three_statements[name].pk for name in found)


def test_a_supplier_searching_statements_finds_only_its_own(three_statements):
    tea_admin = SupplierUserFactory(supplier=three_statements["杭州茶业"].supplier)

    assert listed(tea_admin, "/settlement/statements/", q="FP-2026") == [three_statements["杭州茶业"].pk]
    assert listed(tea_admin, "/api/v1/statements/", search="FP-2026") == [three_statements["杭州茶业"].pk]


def test_the_statements_search_box_is_labelled_in_chinese_and_english(finance, three_statements):
    chinese = logged_in(finance).get("/settlement/statements/").content.decode()
    english = logged_in(finance).get("/settlement/statements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'name="q"' in chinese and "发票号码" in chinese
    assert "Supplier / invoice number / payment or collection reference" in english and "礼品商 / 发票号码" not in english


@pytest.fixture
def lined() -> Statement:
    """A statement whose version 1 has two deliveries (RO-100 of TEA-1, RO-200 of FISH-2) and a return of RO-100."""
    statement = Statement.objects.create(supplier=SupplierFactory(), month=date(2026, 9, 1), generated_at=FIXED_NOW, issued_at=FIXED_NOW)
    Statement.objects.filter(pk=statement.pk).update(state="issued")
    StatementVersion.objects.create(statement=statement, number=1, created_at=FIXED_NOW, issued_at=FIXED_NOW)
    for n, (section, kind, order, sku) in enumerate([(Section.DELIVERY, SourceKind.ORDER, "RO-100", "TEA-1"),
                                                     (Section.DELIVERY, SourceKind.ORDER, "RO-200", "FISH-2"),
                                                     (Section.RETURN, SourceKind.RETURN, "RO-100", "TEA-1")], start=1):
        StatementLine.objects.create(statement=statement, section=section, source_kind=kind, source_id=n, order_number=order, sku=sku,
                                     quantity=1, amount=Decimal("10.00"), recorded_at=datetime(2026, 9, n, tzinfo=SHANGHAI))
    return statement


def _page_lines(user, statement, **query) -> list[tuple[str, str]]:
    response = logged_in(user).get(f"/settlement/statements/{statement.pk}/", query)
    assert response.status_code == 200
    return [(line.section, line.order_number) for group in response.context["sections"] for line in group["lines"]]


def _api_lines(api, user, statement, **query) -> list[tuple[str, str]]:
    response = api(user).get(f"/api/v1/statements/{statement.pk}/lines/", query)
    assert response.status_code == 200
    return [(row["section"], row["order_number"]) for row in response.json()["results"]]


@pytest.mark.parametrize(("query", "found"), [
    ({"q": "RO-100"}, [("delivery", "RO-100"), ("return", "RO-100")]),
    ({"q": "fish"}, [("delivery", "RO-200")]),
    ({"q": "RO-100", "section": "return"}, [("return", "RO-100")]),
    ({"section": "delivery"}, [("delivery", "RO-100"), ("delivery", "RO-200")]),
    ({"q": "RO-999"}, []),
])
def test_a_statements_lines_are_found_by_order_number_or_sku_within_a_section_on_its_page_and_in_the_api(
        api, finance, lined, query, found):
    assert _page_lines(finance, lined, **query) == found
    assert _api_lines(api, finance, lined, **query) == found


def test_a_wrong_section_on_the_statement_page_is_named_and_lists_no_lines(finance, lined):
    response = logged_in(finance).get(f"/settlement/statements/{lined.pk}/", {"section": "nope"})

    assert response.status_code == 400
    assert 'data-testid="error-section"' in response.content.decode()
    assert response.context["sections"] == []


def test_a_line_search_that_finds_nothing_says_so_with_a_link_to_the_versions_lines(finance, lined):
    page = logged_in(finance).get(f"/settlement/statements/{lined.pk}/", {"version": "1", "q": "RO-999"}).content.decode()

    assert "没有符合筛选条件的明细" in page and "本版本没有明细" not in page
    assert clear_link(page) == f"/settlement/statements/{lined.pk}/?version=1"


def test_a_search_that_finds_no_statement_says_the_filters_found_none_and_links_to_all_of_them(finance, three_statements):
    client = logged_in(finance)

    searched = client.get("/settlement/statements/", {"q": "zzz", "month": "2026-09"}).content.decode()

    assert "没有符合筛选条件的记录" in searched and "暂无结算单" not in searched
    assert clear_link(searched) == "/settlement/statements/"
    assert all(statement.supplier.name in client.get(clear_link(searched)).content.decode() for statement in three_statements.values())


def test_a_statement_list_without_filters_and_without_rows_says_there_are_none_without_a_link(finance):
    page = logged_in(finance).get("/settlement/statements/").content.decode()

    assert "暂无结算单" in page and "没有符合筛选条件的记录" not in page and clear_link(page) is None
