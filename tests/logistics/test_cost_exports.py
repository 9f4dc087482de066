"""Downloading the extra costs list as filtered: logistics, finance and operators get every cost of the filter, a
supplier only the costs it bears; kinds, payers and states by their labels, amounts with 2 places, the recorder as the
reader's list names them."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from logistics.models import ExtraCost
from tests.factories import FIXED_NOW
from tests.portal import downloaded, logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]
EXPORT = "/logistics/extra-costs/export"


def cost(supplier, *, payer: str = "supplier", kind: str = "storage", amount: str = "12.5", description: str = "仓储",
         recorded_by=None) -> ExtraCost:
    return ExtraCost.objects.create(kind=kind, payer=payer, supplier=supplier, amount=Decimal(amount), quantity=1,
                                    fee_date=date(2026, 10, 14), description=description, recorded_at=FIXED_NOW,
                                    recorded_by=recorded_by)


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.fixture
def costs_of_two_suppliers(supplier, other_supplier, logistics) -> dict[str, ExtraCost]:
    return {
        "borne": cost(supplier, recorded_by=logistics, description="A 仓储"),
        "platform": cost(supplier, payer="logistics", kind="redelivery", amount="8", description="A 二次配送"),
        "other": cost(other_supplier, recorded_by=logistics, description="B 仓储"),
    }


@pytest.mark.parametrize("role", ["logistics", "finance", "operator"])
def test_staff_download_every_cost_of_the_filter(costs_of_two_suppliers, role, request):
    client = logged_in(request.getfixturevalue(role))

    rows = by_column(downloaded(client.get(f"{EXPORT}.csv")))

    assert sorted(row["说明"] for row in rows) == ["A 二次配送", "A 仓储", "B 仓储"]
    borne = next(row for row in rows if row["说明"] == "A 仓储")
    assert (borne["编号"], borne["费用类型"], borne["承担方"], borne["金额"], borne["状态"]) == (
        f"#{costs_of_two_suppliers['borne'].pk}", "仓储费", "礼品商", "12.50", "已记录")
    assert borne["记录时间"] == f"{FIXED_NOW:%Y-%m-%d %H:%M}" and borne["计费日期"] == "2026-10-14"


def test_the_download_applies_the_pages_filter(costs_of_two_suppliers, other_supplier, logistics):
    client = logged_in(logistics)

    by_payer = by_column(downloaded(client.get(f"{EXPORT}.xlsx?payer=logistics")))
    by_supplier = by_column(downloaded(client.get(f"{EXPORT}.csv?supplier={other_supplier.pk}")))

    assert [row["说明"] for row in by_payer] == ["A 二次配送"]
    assert [row["说明"] for row in by_supplier] == ["B 仓储"]


def test_a_supplier_downloads_only_the_costs_it_bears(costs_of_two_suppliers, supplier_staff, logistics):
    rows = by_column(downloaded(logged_in(supplier_staff).get(f"{EXPORT}.xlsx")))

    assert [row["说明"] for row in rows] == ["A 仓储"]
    assert rows[0]["记录人"] != logistics.username  # staff by their role, as on its list


def test_formula_like_descriptions_are_written_as_text(supplier, logistics):
    cost(supplier, description="=SUM(A1:A9)")
    cost(supplier, description="@cmd")

    csv_rows = by_column(downloaded(logged_in(logistics).get(f"{EXPORT}.csv")))
    xlsx_rows = by_column(downloaded(logged_in(logistics).get(f"{EXPORT}.xlsx")))

    assert sorted(row["说明"] for row in csv_rows) == sorted(row["说明"] for row in xlsx_rows) == ["'=SUM(A1:A9)", "'@cmd"]


def test_a_wrong_filter_is_a_400_and_an_unknown_format_a_404(logistics, member):
    client = logged_in(logistics)

    assert client.get(f"{EXPORT}.csv?recorded_from=yesterday").status_code == 400
    assert client.get(f"{EXPORT}.json").status_code == 404
    assert logged_in(member.user).get(f"{EXPORT}.csv").status_code == 403


def test_the_costs_page_links_its_downloads_with_the_current_filter(logistics):
    page = logged_in(logistics).get("/logistics/extra-costs/?kind=storage").content.decode()

    assert f'href="{EXPORT}.csv?kind=storage"' in page and f'href="{EXPORT}.xlsx?kind=storage"' in page


def test_the_costs_download_runs_the_same_queries_for_1_and_25_costs(supplier, logistics, django_assert_num_queries):
    client = logged_in(logistics)
    cost(supplier, recorded_by=logistics)
    with CaptureQueriesContext(connection) as one_cost:
        downloaded(client.get(f"{EXPORT}.csv"))
    for _ in range(24):
        cost(supplier, recorded_by=logistics)

    with django_assert_num_queries(len(one_cost.captured_queries)):
        rows = downloaded(client.get(f"{EXPORT}.csv"))

    assert len(rows) == 26
