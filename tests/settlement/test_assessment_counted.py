"""Under each KPI a penalty is proposed for, an assessment's page lists the orders or complaints that count against its
supplier, linked where the reader opens them (a supplier its own orders list), in as many queries for many as for one."""
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points.models import RedemptionOrder
from settlement.models import Assessment, Kpi
from settlement.services.assessment import compute_month
from settlement.services.kpis import counted_against
from tests.portal import logged_in, page_in
from tests.settlement.kpi_facts import complaint, order, returned, t
from tests.settlement.test_portal_assessment import NOW

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def defective_october(supplier, *, orders: int) -> list:
    """`orders` orders delivered in October, each returned defective, and one complaint: a defect-rate penalty."""
    delivered = [order(supplier, fulfilment="warehouse", delivered_at=t(10, 3)) for _ in range(orders)]
    for each in delivered:
        returned(each, quantity=1, outcome="defective")
    complaint(supplier, opened_at=t(10, 4))
    order(supplier, fulfilment="warehouse", delivered_at=t(10, 5))  # delivered, not returned: not listed
    return delivered


def counted_row(html: str, kpi: str) -> str:
    marker = f'data-counted="{kpi}"'
    return html.split(marker)[1].split("</tr>")[0] if marker in html else ""


@pytest.fixture
def assessed(supplier, other_supplier):
    defective = defective_october(supplier, orders=2)
    defective_october(other_supplier, orders=1)
    compute_month(month=OCTOBER, now=t(11, 20, 3))
    return Assessment.objects.get(month=OCTOBER, supplier=supplier), defective


def test_finance_reads_the_defective_orders_behind_a_defect_rate_penalty_each_linked_to_its_page(assessed, finance):
    found, defective = assessed
    assert Kpi.DEFECT_RATE in {p.rule.kpi for p in found.penalties.select_related("rule")}

    row = counted_row(logged_in(finance).get(f"/settlement/assessments/{found.pk}/").content.decode(), Kpi.DEFECT_RATE)

    assert "计入该指标的订单" in row
    for each in defective:
        assert f'<a href="{reverse("operator-order", args=[each.pk])}" data-testid="counted-link">{each.number}</a>' in row
    assert row.count('data-testid="counted-link"') == 2


def test_the_supplier_reads_only_its_own_orders_linked_to_its_order_list(assessed, supplier_admin, other_supplier):
    found, defective = assessed
    others = set(RedemptionOrder.objects.filter(supplier=other_supplier).values_list("number", flat=True))

    row = counted_row(logged_in(supplier_admin).get(f"/settlement/assessments/{found.pk}/").content.decode(), Kpi.DEFECT_RATE)

    assert all(f"?q={each.number}" in row for each in defective)
    assert not any(number in row for number in others)


def test_kpis_without_a_penalty_list_nothing(assessed, finance):
    found, _defective = assessed
    penalised = {p.rule.kpi for p in found.penalties.select_related("rule")}

    html = logged_in(finance).get(f"/settlement/assessments/{found.pk}/").content.decode()

    assert {kpi for kpi in Kpi.values if counted_row(html, kpi)} == penalised


def test_another_suppliers_assessment_is_not_found(assessed, other_supplier_admin):
    found, _defective = assessed

    assert logged_in(other_supplier_admin).get(f"/settlement/assessments/{found.pk}/").status_code == 404


def test_the_counted_rows_are_those_of_the_kpis_own_count(assessed, supplier):
    found, defective = assessed

    kind, numbers = counted_against(Kpi.DEFECT_RATE, month=OCTOBER, supplier_id=supplier.pk, limit=50)
    complaints = counted_against(Kpi.COMPLAINT_RATE, month=OCTOBER, supplier_id=supplier.pk, limit=50)

    assert (kind, numbers) == ("order", sorted(each.number for each in defective))
    assert complaints[0] == "complaint" and len(complaints[1]) == 1
    assert counted_against(Kpi.REPLENISHMENT_ON_TIME, month=OCTOBER, supplier_id=supplier.pk, limit=50) is None


def test_the_page_runs_as_many_queries_for_many_counted_orders_as_for_few(supplier, other_supplier, finance):
    defective_october(supplier, orders=1)
    defective_october(other_supplier, orders=6)
    compute_month(month=OCTOBER, now=t(11, 20, 3))
    few, many = (Assessment.objects.get(month=OCTOBER, supplier=s) for s in (supplier, other_supplier))
    client = logged_in(finance)
    client.get(f"/settlement/assessments/{few.pk}/")  # what a process reads once

    with CaptureQueriesContext(connection) as one:
        client.get(f"/settlement/assessments/{few.pk}/")
    with CaptureQueriesContext(connection) as six:
        html = client.get(f"/settlement/assessments/{many.pk}/").content.decode()

    assert counted_row(html, Kpi.DEFECT_RATE).count('data-testid="counted-link"') == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_the_counted_orders_read_in_english(assessed, finance):
    found, _defective = assessed

    assert "Orders counted on this KPI" in page_in(finance, f"/settlement/assessments/{found.pk}/", "en")
