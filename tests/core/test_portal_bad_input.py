"""Portal requests with values no form offers (found by probing every page and form): a page or a message, never a 500."""
import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.pages import redirect_back
from settlement.services.adjustments import parse_amount
from core.errors import ValidationFailed
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db
HUGE = str(2**63)


@pytest.mark.parametrize(("next_value", "target"), [
    ("/supplier/gifts/", "/supplier/gifts/"), ("x", "/default/"), ("home", "/default/"), ("-1", "/default/"),
    ("https://elsewhere.example/", "/default/"), ("//elsewhere.example/", "/default/"),
])
def test_a_form_goes_back_only_to_a_path_of_ours(next_value, target):
    request = RequestFactory().post("/anywhere/", {"next": next_value})

    assert redirect_back(request, "/default/")["Location"] == target


@pytest.mark.parametrize(("role", "url"), [
    ("logistics", f"/logistics/shipments/?batch={HUGE}"),
    ("logistics", "/logistics/shipments/?awaiting_decision=perhaps"),
    ("supplier_staff", f"/logistics/dropship/?batch={HUGE}"),
    ("supplier_staff", "/logistics/dropship/?overdue=perhaps"),
    ("member", f"/logistics/my-shipments/?batch={HUGE}"),
    ("finance", f"/settlement/assessments/?supplier={HUGE}"),
    ("finance", "/settlement/assessments/?supplier=²"),
    ("finance", "/settlement/assessments/?month=0000-01"),
    ("finance", "/settlement/statements/?month=0000-01"),
    ("logistics", "/logistics/shipments/?kind=bogus"),
    ("logistics", "/logistics/shipments/?unshipped=perhaps"),
    ("logistics", "/supplier/stock/?location_kind=bogus"),
    ("finance", "/supplier/stock/movements/?location_kind=bogus"),
    ("operator", "/member/order-admin/?confirmed_on=2026-13-45"),
])
def test_list_filters_with_ids_or_months_no_database_holds_are_named_next_to_the_filter_and_list_nothing(request, role, url):
    user = request.getfixturevalue(role)

    response = logged_in(getattr(user, "user", user)).get(url)

    assert response.status_code == 400
    assert list(field_errors(response)) == [url.split("?")[1].split("=")[0]]
    assert list(response.context["page_obj"]) == []


def test_an_announcement_id_no_database_holds_is_404(supplier_staff):
    assert logged_in(supplier_staff).get(f"/supplier/announcements/{HUGE}/").status_code == 404


@pytest.mark.parametrize("notice", ["", "x", "²", HUGE])
def test_marking_a_notice_read_that_no_id_names_says_so(supplier_staff, notice):
    response = logged_in(supplier_staff).post(reverse("supplier-notices"), {"notice": notice}, follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("amount", ["1e30", "1E+30", "1e999999", "1" + "0" * 30])
def test_an_amount_too_large_to_round_is_refused_naming_the_field(amount):
    with pytest.raises(ValidationFailed) as refused:
        parse_amount(amount, field="invoice_amount")

    assert refused.value.field == "invoice_amount"


def test_a_wrong_filter_reads_in_english_on_an_english_page(operator):
    client = logged_in(operator)

    response = client.get("/logistics/tariffs/?kind=bogus", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="filter-error">A filter is wrong, so nothing is listed: correct the filters marked.<' in page
    assert field_errors(response) == {"kind": "Select a valid choice. bogus is not one of the available choices."}
