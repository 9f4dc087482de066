"""GET /api/v1/assessments/?month= reads its month as the other lists read their filters: a bad month is a 400 naming
`month`, and the schema documents it."""
from datetime import date
from decimal import Decimal

import pytest

from settlement.models import Assessment
from tests.api_schema import served_schema
from tests.factories import FIXED_NOW


@pytest.fixture
def two_months(supplier):
    return [Assessment.objects.create(supplier=supplier, month=month, score=Decimal("90"), computed_at=FIXED_NOW)
            for month in (date(2026, 8, 1), date(2026, 9, 1))]


def test_the_assessments_of_one_month_are_listed_by_month_and_a_blank_month_lists_all(api, operator, two_months):
    september = api(operator).get("/api/v1/assessments/", {"month": "2026-09"})
    every = api(operator).get("/api/v1/assessments/", {"month": ""})

    assert [row["month"] for row in september.json()["results"]] == ["2026-09"]
    assert sorted(row["month"] for row in every.json()["results"]) == ["2026-08", "2026-09"]


@pytest.mark.parametrize("month", ["abc", "2026-13", "1900-01"])
def test_a_bad_month_is_a_400_naming_month(api, operator, two_months, month):
    response = api(operator).get("/api/v1/assessments/", {"month": month})

    assert response.status_code == 400 and [error["attr"] for error in response.json()["errors"]] == ["month"]


def test_the_schema_documents_the_month_filter():
    parameters = served_schema()["paths"]["/api/v1/assessments/"]["get"]["parameters"]

    assert "month" in [parameter["name"] for parameter in parameters]
