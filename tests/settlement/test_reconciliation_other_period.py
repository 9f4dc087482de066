"""A line of the supplier's file that another statement booked (属于其他账期) says which one, linked, and is offered
only the resolutions that can succeed: with figures that agree there is nothing to adjust, so not 以礼品商为准 or 转入下期."""
import re
from datetime import date, datetime

import pytest

from points.models import RedemptionOrder
from settlement.models import Resolution, Statement
from settlement.services import generation, reconciliation, statements
from tests.factories import SHANGHAI
from tests.portal import logged_in
from tests.settlement.conftest import LATER, OCTOBER, booked_order, paying_account

pytestmark = pytest.mark.django_db
SEPTEMBER = date(2026, 9, 1)


@pytest.fixture
def september(supplier, finance) -> Statement:
    """The supplier's September statement, issued: one delivery of 180.00."""
    paying_account(supplier)
    booked_order(supplier, "180.00", recorded_at=datetime(2026, 9, 9, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=SEPTEMBER, actor=finance, now=datetime(2026, 10, 1, 2, 0, tzinfo=SHANGHAI))
    statement = Statement.objects.get(supplier=supplier, month=SEPTEMBER)
    return statements.issue_statement(statement=statement, actor=finance, now=datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def october(september, supplier, finance) -> Statement:
    return issued_october(supplier, finance)


def uploaded(statement, supplier_admin, amount: str):
    """The supplier's file for October naming September's delivery at `amount`, and October's own."""
    september_order, october_order = RedemptionOrder.objects.filter(supplier=statement.supplier).order_by("delivery_recorded_at")
    content = "订单号,SKU,类型,数量,金额\n" + "".join(
        f"{order.number},{order.gift.sku},配送,1,{value}\n" for order, value in ((september_order, amount), (october_order, "100.00")))
    return reconciliation.upload_reconciliation(statement=statement, file_name="ours.csv", content=content.encode(), actor=supplier_admin,
                                                now=LATER)


def other_period_line(found):
    return found.lines.get(category="other_period")


def line_row(user, line) -> str:
    page = logged_in(user).get(f"/settlement/reconciliations/{line.reconciliation_id}/").content.decode()
    return re.search(rf'<tr data-line="{line.pk}".*?</tr>', page, re.S).group(0)


def test_the_line_says_which_statement_booked_it_with_a_link(october, september, supplier_admin, finance):
    line = other_period_line(uploaded(october, supplier_admin, "180.00"))

    for user in (finance, supplier_admin):
        row = line_row(user, line)
        booked_in = re.search(r'data-testid="booked-in">(.*?)</small>', row, re.S).group(1)
        assert f'href="/settlement/statements/{september.pk}/"' in booked_in
        assert re.sub(r"<[^>]+>", "", booked_in).strip() == "已计入 2026-09 结算单 v1"


def test_a_line_of_another_period_whose_figures_agree_is_offered_no_adjustment(october, supplier_admin, finance):
    line = other_period_line(uploaded(october, supplier_admin, "180.00"))

    row = line_row(finance, line)

    offered = re.findall(r'<option value="(\w+)"', row)
    assert offered == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]
    response = logged_in(finance).post(f"/settlement/reconciliations/lines/{line.pk}/resolve/",
                                       {"resolution": Resolution.CARRY_FORWARD, "next": f"/settlement/reconciliations/{line.reconciliation_id}/"},
                                       follow=True)
    line.refresh_from_db()
    assert response.redirect_chain and "双方金额一致" in response.content.decode()
    assert line.resolution == "" and line.adjustment is None


def test_a_line_of_another_period_whose_figures_differ_still_offers_an_adjustment(october, supplier_admin):
    line = other_period_line(uploaded(october, supplier_admin, "170.00"))

    assert Resolution.CARRY_FORWARD in dict(reconciliation.reconciliation_lines(reconciliation=line.reconciliation).get(pk=line.pk).resolutions)


def test_the_api_says_which_statement_booked_it_and_offers_the_same_resolutions(october, september, supplier_admin, finance, api):
    line = other_period_line(uploaded(october, supplier_admin, "180.00"))

    rows = api(finance).get(f"/api/v1/reconciliations/{line.reconciliation_id}/lines/").json()["results"]

    row = next(row for row in rows if row["id"] == line.pk)
    assert row["resolutions"] == [Resolution.ACCEPT_OURS, Resolution.WRITE_OFF]
    assert row["booked_in"] == {"statement": september.pk, "month": "2026-09", "version": 1}
    assert {other["booked_in"] for other in rows if other["id"] != line.pk} == {None}


@pytest.fixture
def drafted_september(supplier, finance) -> Statement:
    """The supplier's September statement, generated and not issued yet: one delivery of 180.00."""
    paying_account(supplier)
    booked_order(supplier, "180.00", recorded_at=datetime(2026, 9, 9, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=SEPTEMBER, actor=finance, now=datetime(2026, 10, 1, 2, 0, tzinfo=SHANGHAI))
    return Statement.objects.get(supplier=supplier, month=SEPTEMBER, state=Statement.State.DRAFT)


@pytest.fixture
def october_beside_a_draft(drafted_september, supplier, finance) -> Statement:
    return issued_october(supplier, finance)


def issued_october(supplier, finance) -> Statement:
    """October's statement of `supplier`, with a delivery of its own, generated and issued."""
    booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI))
    statement = Statement.objects.get(supplier=supplier, month=OCTOBER)
    return statements.issue_statement(statement=statement, actor=finance, now=datetime(2026, 11, 1, 10, 0, tzinfo=SHANGHAI))


def test_a_supplier_reads_a_booking_draft_as_being_drafted_on_the_page_and_in_the_api(october_beside_a_draft, drafted_september,
                                                                                     supplier_admin, finance, api):
    line = other_period_line(uploaded(october_beside_a_draft, supplier_admin, "180.00"))

    row = line_row(supplier_admin, line)
    rows = api(supplier_admin).get(f"/api/v1/reconciliations/{line.reconciliation_id}/lines/").json()["results"]
    staff_rows = api(finance).get(f"/api/v1/reconciliations/{line.reconciliation_id}/lines/").json()["results"]

    booked_in = re.search(r'data-testid="booked-in">(.*?)</small>', row, re.S).group(1)
    assert booked_in.strip() == "已计入 2026-09 结算单（编制中）" and "href" not in booked_in
    assert next(row for row in rows if row["id"] == line.pk)["booked_in"] == {"statement": None, "month": "2026-09", "version": None}
    assert next(row for row in staff_rows if row["id"] == line.pk)["booked_in"] == {
        "statement": drafted_september.pk, "month": "2026-09", "version": 1}
    assert f"/settlement/statements/{drafted_september.pk}/" in line_row(finance, line)
