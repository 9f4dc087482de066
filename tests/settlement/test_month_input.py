"""A month is read as people write it (2026-9, 2026/09, 202609, 2026年9月, full-width digits) wherever one is entered,
and anything else is still refused with the same error naming the field."""
from datetime import date

import pytest

from core.errors import ValidationFailed
from settlement.models import Statement
from settlement.services.generation import parse_month
from tests.factories import FIXED_NOW, SupplierFactory
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", ["2026-09", "2026-9", "2026/09", "2026/9", "202609", "2026年9月", "2026年09月", "２０２６年９月",
                                     "２０２６－０９", " 2026 年 9 月 "])
def test_a_month_written_any_usual_way_is_read_as_that_month(written):
    assert parse_month(written) == date(2026, 9, 1)


@pytest.mark.parametrize("written", ["2026-13", "2026-0", "2026年", "20269", "26-09", "2026-009", "2026-09-01", "九月", ""])
def test_anything_else_is_refused_naming_the_field(written):
    with pytest.raises(ValidationFailed) as refused:
        parse_month(written, field="month")

    assert refused.value.detail == "月份格式应为 YYYY-MM" and refused.value.field == "month"


@pytest.fixture
def september_and_october(db) -> dict[str, Statement]:
    supplier = SupplierFactory()
    return {label: Statement.objects.create(supplier=supplier, month=month, generated_at=FIXED_NOW)
            for label, month in (("september", date(2026, 9, 1)), ("october", date(2026, 10, 1)))}


@pytest.mark.parametrize("url", ["/settlement/statements/", "/api/v1/statements/"])
@pytest.mark.parametrize("written", ["2026年9月", "202609", "２０２６/９"])
def test_the_statements_lists_filter_by_a_month_written_any_usual_way(finance, september_and_october, url, written):
    assert listed(finance, url, month=written) == [september_and_october["september"].pk]


def test_a_month_filter_that_is_no_month_is_named_on_the_page_and_in_the_api(api, finance, september_and_october):
    page = logged_in(finance).get("/settlement/statements/", {"month": "2026年13月"})
    answer = api(finance).get("/api/v1/statements/", {"month": "2026年13月"})

    assert page.status_code == 400 and 'data-testid="error-month"' in page.content.decode()
    assert answer.status_code == 400 and [error["attr"] for error in answer.json()["errors"]] == ["month"]
