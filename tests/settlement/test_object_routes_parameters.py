"""An object's own routes (its address, history, PDF, a step) find it among all the caller may see, whatever list
parameters the query holds; a list under an object (a statement's lines, a reconciliation's) reads only its own
parameters and refuses another as a list does (400 `unknown_parameter`)."""
import pytest

from settlement.services import reconciliation, statements
from tests.settlement.test_api import CSV_HEADER, errors, settled_september

pytestmark = pytest.mark.django_db

LIST_PARAMETERS = [{"search": "zz"}, {"state": "draft"}, {"supplier": "999999"}, {"overdue": "maybe"}, {"ordering": "zz"},
                   {"colour": "1"}]


@pytest.fixture(autouse=True)
def _clock(time_machine, now):
    time_machine.move_to(now, tick=False)


@pytest.fixture
def issued(supplier, finance, finance_checker, now):
    """An issued September statement (state `issued`, not overdue)."""
    draft = settled_september(supplier, maker=finance, checker=finance_checker, now=now)
    return statements.issue_statement(statement=draft, actor=finance, now=now)


@pytest.mark.parametrize("query", LIST_PARAMETERS)
@pytest.mark.parametrize("route", ["", "history/", "versions/1/pdf/"])
def test_a_statements_own_routes_ignore_the_lists_parameters(api, finance, issued, route, query):
    response = api(finance).get(f"/api/v1/statements/{issued.pk}/{route}", query)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("query", LIST_PARAMETERS)
def test_a_step_finds_its_statement_whatever_list_parameters_the_query_holds(api, supplier_admin, issued, query):
    (name, value), = query.items()

    response = api(supplier_admin).post(f"/api/v1/statements/{issued.pk}/confirm/?{name}={value}")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "confirmed"


@pytest.mark.parametrize("query", [{"state": "draft"}, {"search": "zz"}, {"supplier": "999999"}])
@pytest.mark.parametrize("route", ["", "history/"])
def test_a_gifts_own_routes_ignore_the_lists_parameters(api, operator, listed_gift, route, query):
    response = api(operator).get(f"/api/v1/gifts/{listed_gift.pk}/{route}", query)

    assert response.status_code == 200, response.content


def test_a_statements_lines_read_version_section_and_q_and_pages(api, finance, issued):
    response = api(finance).get(f"/api/v1/statements/{issued.pk}/lines/", {"version": 1, "section": "delivery", "q": "RO-1",
                                                                            "page": 1, "page_size": 5, "format": "json"})

    assert response.status_code == 200, response.content
    assert [row["order_number"] for row in response.json()["results"]] == ["RO-1"]


@pytest.mark.parametrize("query", LIST_PARAMETERS)
def test_a_statements_lines_refuse_a_parameter_they_do_not_take_naming_it(api, finance, issued, query):
    response = api(finance).get(f"/api/v1/statements/{issued.pk}/lines/", query)

    assert response.status_code == 400
    assert errors(response) == [(*query, "unknown_parameter")]
    assert all(name in response.json()["errors"][0]["detail"] for name in ("version", "section", "q", "page_size"))


def test_a_statements_lines_of_another_supplier_are_404_whatever_the_query(api, other_supplier_admin, issued):
    response = api(other_supplier_admin).get(f"/api/v1/statements/{issued.pk}/lines/", {"section": "delivery"})

    assert response.status_code == 404


@pytest.fixture
def uploaded(issued, supplier_admin, now):
    content = CSV_HEADER + b"RO-1,SKU-1,delivery,1,170.00\nRO-9,SKU-9,delivery,1,10.00\n"
    return reconciliation.upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin,
                                                now=now)


def test_a_reconciliations_lines_read_category_and_unresolved(api, finance, uploaded):
    query = {"category": "amount_mismatch", "unresolved": "true"}

    response = api(finance).get(f"/api/v1/reconciliations/{uploaded.pk}/lines/", query)

    assert response.status_code == 200, response.content
    assert [row["category"] for row in response.json()["results"]] == ["amount_mismatch"]


@pytest.mark.parametrize("query", [{"statement": "999999"}, {"supplier": "999999"}, {"ordering": "zz"}, {"search": "zz"},
                                   {"colour": "1"}])
def test_a_reconciliations_lines_refuse_a_parameter_they_do_not_take_naming_it(api, finance, uploaded, query):
    response = api(finance).get(f"/api/v1/reconciliations/{uploaded.pk}/lines/", query)

    assert response.status_code == 400
    assert errors(response) == [(*query, "unknown_parameter")]
    assert all(name in response.json()["errors"][0]["detail"] for name in ("category", "unresolved", "page"))


def test_a_reconciliation_and_its_line_ignore_the_lists_parameters(api, finance, uploaded):
    line = uploaded.lines.get(category="amount_mismatch")

    reconciliation_response = api(finance).get(f"/api/v1/reconciliations/{uploaded.pk}/", {"statement": "999999"})
    line_response = api(finance).get(f"/api/v1/reconciliation-lines/{line.pk}/", {"colour": "1"})

    assert reconciliation_response.status_code == 200 and line_response.status_code == 200
