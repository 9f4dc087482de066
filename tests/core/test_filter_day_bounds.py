"""A day or time filter at the calendar's edges (0001-01-01, 9999-12-31) is a filter value the list does not take:
an error naming the filter with a 400, on a page, a download and an API list, never a failure of the server (the
day after 9999-12-31, or the first local midnight in UTC, is no time Python can hold)."""
import pytest
from django.urls import reverse

from core.roles import Role
from tests.factories import UserFactory
from tests.portal import field_errors, logged_in

EDGES = ["0001-01-01", "9999-12-31"]
YEARS = "日期须在 2000–2099 年"


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize(("role", "url_name", "field"), [
    (Role.OPERATOR, "operator-orders", "date_from"),
    (Role.OPERATOR, "operator-orders", "date_to"),
    (Role.OPERATOR, "complaint-desk", "opened_to"),
    (Role.OPERATOR, "complaint-desk", "opened_from"),
    (Role.LOGISTICS, "logistics-shipments", "date_to"),
    (Role.LOGISTICS, "logistics-claims", "opened_to"),
    (Role.LOGISTICS, "logistics-extra-costs", "recorded_to"),
    (Role.LOGISTICS, "supplier-stock-movements", "date_to"),
])
def test_a_page_names_a_day_at_the_calendars_edge_next_to_its_filter(db, role, url_name, field, day):
    response = logged_in(UserFactory(role=role)).get(reverse(url_name), {field: day})

    assert response.status_code == 400
    assert field_errors(response) == {field: YEARS}


@pytest.mark.parametrize("day", EDGES)
def test_a_download_names_a_day_at_the_calendars_edge(db, day):
    client = logged_in(UserFactory(role=Role.OPERATOR))

    response = client.get(reverse("operator-orders-export", args=["csv"]), {"date_from": day})

    assert response.status_code == 400
    assert YEARS in response.content.decode()


def test_a_day_in_the_business_years_still_filters(db):
    client = logged_in(UserFactory(role=Role.OPERATOR))

    response = client.get(reverse("operator-orders"), {"date_from": "2000-01-01", "date_to": "2099-12-31"})

    assert response.status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "0001-01-01T00:00:00+08:00"])
@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/orders/", "placed_after"),
    ("/api/v1/orders/", "placed_before"),
    ("/api/v1/shipments/", "created_before"),
    ("/api/v1/complaints/", "opened_after"),
    ("/api/v1/returns/", "requested_before"),
    ("/api/v1/extra-costs/", "recorded_after"),
    ("/api/v1/adjustments/", "decided_before"),
    ("/api/v1/points/entries/", "posted_after"),
])
def test_an_api_list_names_a_time_at_the_calendars_edge(db, api, url, parameter, moment):
    response = api(UserFactory(role=Role.OPERATOR)).get(url, {parameter: moment})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [(error["attr"], error["detail"]) for error in response.json()["errors"]] == [(parameter, "时间须在 2000–2099 年")]
