"""Adjustments and rectification cases are found by their number (AJ…, RC…) or their supplier's name, and narrowed by
kind, on their pages (`q`, `kind`) and in the API (`search`, `kind`), alike."""
from datetime import timedelta

import pytest

from settlement.models import Adjustment, RectificationCase
from settlement.services import adjustments, cases
from tests.factories import SupplierFactory
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_adjustments(finance, now) -> dict[str, Adjustment]:
    """A penalty of 杭州茶业 and a compensation of 宁波海产, both proposed."""
    return {
        "penalty": adjustments.propose_adjustment(supplier=SupplierFactory(name="杭州茶业"), kind="penalty", amount="-50.00",
                                                  reason="迟发", actor=finance, now=now),
        "compensation": adjustments.propose_adjustment(supplier=SupplierFactory(name="宁波海产"), kind="compensation", amount="20.00",
                                                       reason="补运费", actor=finance, now=now),
    }


@pytest.fixture
def two_cases(operator, now) -> dict[str, RectificationCase]:
    """A warning to 杭州茶业 and a rectification demand to 宁波海产."""
    deadline = now.date() + timedelta(days=10)
    return {kind: cases.open_case(supplier=SupplierFactory(name=name), kind=kind, reason="发货延迟", deadline=deadline, actor=operator, now=now)
            for kind, name in (("warning", "杭州茶业"), ("rectification", "宁波海产"))}


def _query(url: str, query: dict) -> dict:
    """The page's `q` is the API's `search`."""
    return {"search" if name == "q" and url.startswith("/api/") else name: value for name, value in query.items()}


@pytest.mark.parametrize("url", ["/settlement/adjustments/", "/api/v1/adjustments/"])
@pytest.mark.parametrize(("query", "found"), [
    ({"q": "宁波"}, ["compensation"]), ({"kind": "penalty"}, ["penalty"]), ({"q": "海产", "kind": "penalty"}, []),
    ({"q": "zz-no-such"}, []),
])
def test_finance_finds_an_adjustment_by_supplier_name_and_kind(finance, two_adjustments, url, query, found):
    assert listed(finance, url, **_query(url, query)) == sorted(two_adjustments[name].pk for name in found)


@pytest.mark.parametrize("url", ["/settlement/adjustments/", "/api/v1/adjustments/"])
def test_finance_finds_an_adjustment_by_its_number_in_any_case(finance, two_adjustments, url):
    number = two_adjustments["penalty"].number

    assert listed(finance, url, **_query(url, {"q": number.lower()})) == [two_adjustments["penalty"].pk]


@pytest.mark.parametrize("url", ["/settlement/cases/", "/api/v1/rectification-cases/"])
@pytest.mark.parametrize(("query", "found"), [
    ({"q": "茶业"}, ["warning"]), ({"kind": "rectification"}, ["rectification"]), ({"q": "茶业", "kind": "rectification"}, []),
])
def test_an_operator_finds_a_case_by_supplier_name_and_kind(operator, two_cases, url, query, found):
    assert listed(operator, url, **_query(url, query)) == sorted(two_cases[name].pk for name in found)


@pytest.mark.parametrize("url", ["/settlement/cases/", "/api/v1/rectification-cases/"])
def test_an_operator_finds_a_case_by_its_number(operator, two_cases, url):
    number = two_cases["rectification"].number

    assert number.startswith("RC")
    assert listed(operator, url, **_query(url, {"q": number})) == [two_cases["rectification"].pk]


@pytest.mark.parametrize("url", ["/settlement/adjustments/?kind=nope", "/settlement/cases/?kind=nope"])
def test_an_unknown_kind_is_named_and_lists_nothing(finance, operator, two_adjustments, two_cases, url):
    response = logged_in(finance if "adjustments" in url else operator).get(url)

    assert response.status_code == 400
    assert 'data-testid="error-kind"' in response.content.decode() and not response.context["page_obj"].object_list


@pytest.mark.parametrize(("url", "placeholder"), [
    ("/settlement/adjustments/", "Adjustment number / supplier / reason / source reference"),
    ("/settlement/cases/", "Number / supplier / reason"),
])
def test_the_search_boxes_read_in_english_for_an_english_reader(finance, operator, url, placeholder):
    page = logged_in(finance if "adjustments" in url else operator).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert placeholder in page
