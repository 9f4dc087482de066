"""Recording a receivable's collection (登记收款) takes the amount received, which must be all the terminated supplier
owes (refused naming it otherwise, nothing recorded), and asks before it is recorded, as it cannot be undone."""
import re

import pytest

from core.errors import ValidationFailed
from settlement.services import statements
from tests.portal import field_errors, logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("amount", ["20.00", "-30.00", "30.01"])
def test_a_collection_of_other_than_what_is_owed_is_refused_naming_the_amount(receivable, finance, amount):
    with pytest.raises(ValidationFailed) as refused:
        statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-7", amount=amount)

    receivable.refresh_from_db()
    assert refused.value.field == "collection_amount"
    assert (receivable.state, receivable.collection_reference) == ("closed", "")


def test_the_statement_page_asks_the_amount_and_confirms_before_recording(receivable, finance):
    client = logged_in(finance)

    page = client.get(f"/settlement/statements/{receivable.pk}/").content.decode()
    wrong = client.post(f"/settlement/statements/{receivable.pk}/record_collection/", {"reference": "CMB-IN-7", "amount": "20.00"})

    form = re.search(r'<form[^>]*data-testid="action-record_collection".*?</form>', page, re.S).group(0)
    assert 'name="amount"' in form and "收款金额" in form
    assert "return confirm(" in form and "确定已收到全部应收金额" in form
    receivable.refresh_from_db()
    assert wrong.status_code == 400 and "30.00" in field_errors(wrong)["amount"] and receivable.state == "closed"


def test_the_api_refuses_another_amount_400_naming_it(receivable, finance, api):
    url = f"/api/v1/statements/{receivable.pk}/record-collection/"

    wrong = api(finance).post(url, {"collection_reference": "CMB-IN-7", "collection_amount": "20.00"})
    missing = api(finance).post(url, {"collection_reference": "CMB-IN-7"})

    assert (wrong.status_code, wrong.json()["errors"][0]["attr"]) == (400, "collection_amount")
    assert (missing.status_code, missing.json()["errors"][0]["attr"]) == (400, "collection_amount")
    receivable.refresh_from_db()
    assert receivable.state == "closed"


NOT_AN_AMOUNT = ["abc", "30.001", ""]


@pytest.mark.parametrize("amount", NOT_AN_AMOUNT)
def test_the_statement_page_refuses_an_amount_that_is_not_money_next_to_it(receivable, finance, amount):
    wrong = logged_in(finance).post(f"/settlement/statements/{receivable.pk}/record_collection/", {"reference": "CMB-IN-7", "amount": amount})

    receivable.refresh_from_db()
    assert wrong.status_code == 400 and field_errors(wrong)["amount"]
    assert (receivable.state, receivable.collection_reference) == ("closed", "")


@pytest.mark.parametrize("amount", NOT_AN_AMOUNT)
def test_the_api_refuses_an_amount_that_is_not_money_400_naming_it(receivable, finance, api, amount):
    wrong = api(finance).post(f"/api/v1/statements/{receivable.pk}/record-collection/",
                              {"collection_reference": "CMB-IN-7", "collection_amount": amount})

    receivable.refresh_from_db()
    assert (wrong.status_code, wrong.json()["errors"][0]["attr"]) == (400, "collection_amount")
    assert (receivable.state, receivable.collection_reference) == ("closed", "")
