"""Extra-cost lines of a statement name what each cost belongs to (SPEC §4.6, §4.11): the order in the order column, else
the inbound shipment or the leftover lot, with the cost's own description and its reference, on the page, in the API and
in the PDF."""
import io
import re
from datetime import date, datetime
from decimal import Decimal

import pdfplumber
import pytest

from core.errors import ValidationFailed
from logistics.models import InboundShipment, LeftoverLot, Shipment
from logistics.services import costs, leftovers
from settlement.models import Adjustment, Section, Statement
from settlement.pdf import render_statement
from settlement.services import adjustments, generation, statements
from tests.conftest import client_for
from tests.factories import SHANGHAI, GiftFactory, WarehouseFactory
from tests.portal import logged_in
from tests.settlement.conftest import GENERATED_AT, OCTOBER, booked_order, paying_account

pytestmark = pytest.mark.django_db
INBOUND_NUMBER = "IB20261005123456789012"
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def cost_statement(supplier, finance):
    """October's statement over an inbound handling fee, a leftover lot's storage fee and an order's re-delivery fee."""
    warehouse = WarehouseFactory()
    tea, vase = GiftFactory(supplier=supplier, sku="TEA-LJ-250"), GiftFactory(supplier=supplier, sku="VASE-QH-01")
    inbound = InboundShipment.objects.create(
        number=INBOUND_NUMBER, supplier=supplier, gift=tea, location=warehouse, announced_quantity=10,
        expected_on=date(2026, 10, 5), announced_at=datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI),
    )
    lot = LeftoverLot.objects.create(supplier=supplier, gift=vase, location=warehouse, quantity=3,
                                     created_at=datetime(2026, 9, 1, tzinfo=SHANGHAI), collect_by=date(2026, 10, 1))
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1, state="failed",  # delivered the second time
                            created_at=datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI))
    Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1,  # its re-delivery
                            created_at=datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI))
    fees = {
        "inbound": costs.record_extra_cost(kind="handling", payer="supplier", supplier=supplier, inbound=inbound, quantity=1,
                                           description="到货破损 1 件", actor=None, now=datetime(2026, 10, 5, 10, 0, tzinfo=SHANGHAI)),
        "lot": costs.record_extra_cost(kind="storage", payer="supplier", supplier=supplier, lot=lot, fee_date=date(2026, 10, 2),
                                       description="逾期未取回", actor=None, now=datetime(2026, 10, 2, 0, 10, tzinfo=SHANGHAI)),
        "order": costs.record_extra_cost(kind="redelivery", payer="supplier", supplier=supplier, order=order,
                                         description="地址错误二次配送", actor=None, now=datetime(2026, 10, 6, 10, 0, tzinfo=SHANGHAI)),
    }
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    return Statement.objects.get(supplier=supplier, month=OCTOBER), fees, order, lot


def test_an_extra_cost_borne_by_the_operator_or_the_logistics_provider_is_not_on_the_suppliers_statement(supplier, finance):
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    for day in (1, 2):  # two failed attempts: a re-delivery fee for each
        Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1, state="failed",
                                created_at=datetime(2026, 10, day, 10, 0, tzinfo=SHANGHAI))
        Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1,  # its re-delivery
                                created_at=datetime(2026, 10, day, 12, 0, tzinfo=SHANGHAI))
    for payer in ("operator", "logistics"):
        costs.record_extra_cost(kind="redelivery", payer=payer, supplier=supplier, order=order, description="二次配送", actor=None,
                                now=datetime(2026, 10, 6, 10, 0, tzinfo=SHANGHAI))

    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)

    statement = Statement.objects.get(supplier=supplier, month=OCTOBER)
    assert statement.payable == Decimal("100.00")
    assert not statement.lines.filter(section=Section.EXTRA_COST).exists()


def test_an_extra_cost_voided_before_the_month_is_generated_is_not_on_the_statement(supplier, finance, logistics):
    order = booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI))
    Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1, state="failed",
                            created_at=datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI))
    Shipment.objects.create(order=order, supplier=supplier, kind="warehouse", quantity=1,  # its re-delivery
                            created_at=datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI))
    fee = costs.record_extra_cost(kind="redelivery", payer="supplier", supplier=supplier, order=order, description="二次配送",
                                  actor=None, now=datetime(2026, 10, 6, 10, 0, tzinfo=SHANGHAI))
    costs.void_extra_cost(cost=fee, actor=logistics, now=datetime(2026, 10, 7, 10, 0, tzinfo=SHANGHAI), reason="录错订单")

    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)

    statement = Statement.objects.get(supplier=supplier, month=OCTOBER)
    assert statement.payable == Decimal("100.00")
    assert not statement.lines.filter(section=Section.EXTRA_COST).exists()


def test_each_extra_cost_line_records_its_order_or_what_else_it_belongs_to_and_the_costs_description(cost_statement):
    statement, fees, order, lot = cost_statement

    lines = {line.source_id: line for line in statement.lines.filter(section=Section.EXTRA_COST)}

    inbound, storage, redelivery = (lines[fees[name].pk] for name in ("inbound", "lot", "order"))
    assert (inbound.order_number, inbound.sku, inbound.reference, inbound.note) == ("", "TEA-LJ-250", f"inbound {INBOUND_NUMBER}",
                                                                                   "到货破损 1 件")
    assert (storage.order_number, storage.sku, storage.reference, storage.note) == ("", "VASE-QH-01", f"lot {lot.pk}", "逾期未取回")
    assert (redelivery.order_number, redelivery.sku, redelivery.reference, redelivery.note) == (order.number, order.gift.sku, "",
                                                                                                "地址错误二次配送")
    assert storage.description == "storage 2026-10-02"


def test_the_statement_page_names_the_inbound_shipment_the_lot_and_the_order_of_each_cost(cost_statement, finance):
    statement, fees, order, lot = cost_statement

    page = logged_in(finance).get(f"/settlement/statements/{statement.pk}/").content.decode()

    section = page.split('data-testid="section-extra_cost"', 1)[1].split("</table>", 1)[0]
    assert f"#{fees['inbound'].pk} 装卸处理费 · 入库单 {INBOUND_NUMBER} · 到货破损 1 件" in section
    assert f"#{fees['lot'].pk} 仓储费 2026-10-02 · 遗留批次 #{lot.pk} · 逾期未取回" in section
    assert f"<td>{order.number}</td>" in section and f"#{fees['order'].pk} 二次配送费 · 地址错误二次配送" in section


def test_the_api_gives_each_extra_cost_lines_reference_and_note(cost_statement, finance):
    statement, fees, order, lot = cost_statement

    response = client_for(finance).get(f"/api/v1/statements/{statement.pk}/lines/", {"section": Section.EXTRA_COST})

    rows = {row["source_id"]: row for row in response.json()["results"]}
    assert (rows[fees["inbound"].pk]["reference"], rows[fees["inbound"].pk]["note"]) == (f"inbound {INBOUND_NUMBER}", "到货破损 1 件")
    assert rows[fees["lot"].pk]["reference"] == f"lot {lot.pk}"


def test_the_pdf_names_the_inbound_shipment_the_lot_and_the_order_of_each_cost(cost_statement):
    statement, fees, order, lot = cost_statement

    with pdfplumber.open(io.BytesIO(render_statement(statement.versions.get()))) as document:
        text = "\n".join(page.extract_text() for page in document.pages)

    extra_costs = text.split("3. 额外费用 Extra costs", 1)[1].split("4. 调账 Adjustments", 1)[0].splitlines()
    assert f"入库单 {INBOUND_NUMBER}" in extra_costs and "到货破损 1 件" in extra_costs
    assert f"遗留批次 #{lot.pk}" in extra_costs and "逾期未取回" in extra_costs
    assert any(line.startswith(f"2026-10-06 10:00 {order.number} {order.gift.sku} 1") and f"#{fees['order'].pk} 二次配送费" in line
               for line in extra_costs)


# --- the reference a clerk types into an adjustment -----------------------------------------------------------------

REFERENCE_CELL = re.compile(r'<tr data-cost="(\d+)"><td data-testid="cost-reference"><a href="/logistics/extra-costs/\1/">([^<]+)</a></td>')


def test_the_reference_shown_on_the_costs_list_and_the_statement_names_the_cost_in_a_dispute_adjustment(
    cost_statement, supplier_admin, finance,
):
    statement, fees, order, lot = cost_statement
    paying_account(statement.supplier)
    statements.issue_statement(statement=statement, actor=finance, now=GENERATED_AT.replace(hour=10))
    statements.dispute_statement(statement=statement, actor=supplier_admin, now=GENERATED_AT.replace(hour=11), reason="仓储费有误")
    clerk = logged_in(finance)
    listed = dict(REFERENCE_CELL.findall(clerk.get("/logistics/extra-costs/").content.decode()))
    on_statement = clerk.get(f"/settlement/statements/{statement.pk}/").content.decode()
    shown = listed[str(fees["lot"].pk)]

    response = clerk.post(f"/settlement/statements/{statement.pk}/adjustments/new/", {
        "kind": "dispute", "amount": "2.00", "reason": "仓储费退还", "source_kind": "extra_cost", "source_id": shown, "token": "cost-1"})

    assert shown == f"#{fees['lot'].pk}" and f"{shown} 仓储费 2026-10-02" in on_statement
    assert response.status_code == 302
    adjustment = Adjustment.objects.get(statement=statement)
    assert (adjustment.source_kind, adjustment.source_id) == ("extra_cost", shown)


@pytest.mark.parametrize("typed", ["{pk}", "#{pk}", " # {pk} "])
def test_an_extra_cost_source_is_taken_with_or_without_its_hash_and_kept_as_shown(cost_statement, finance, typed):
    statement, fees, order, lot = cost_statement
    cost = fees["inbound"]

    adjustment = adjustments.propose_adjustment(supplier=statement.supplier, kind="other", amount="1.50", reason="装卸费退还",
                                                source_kind="extra_cost", source_id=typed.format(pk=cost.pk), actor=finance,
                                                now=GENERATED_AT)

    assert adjustment.source_id == f"#{cost.pk}"


def test_another_suppliers_extra_cost_is_not_a_source(cost_statement, other_supplier, finance):
    statement, fees, order, lot = cost_statement

    with pytest.raises(ValidationFailed) as refused:
        adjustments.propose_adjustment(supplier=other_supplier, kind="other", amount="1.50", reason="装卸费退还",
                                       source_kind="extra_cost", source_id=f"#{fees['inbound'].pk}", actor=finance, now=GENERATED_AT)

    assert refused.value.field == "source_id" and not Adjustment.objects.exists()


def test_a_storage_fee_a_catch_up_run_charges_after_midnight_is_booked_in_the_month_of_its_day(supplier, finance):
    lot = LeftoverLot.objects.create(supplier=supplier, gift=GiftFactory(supplier=supplier), location=WarehouseFactory(), quantity=3,
                                     created_at=datetime(2026, 9, 1, tzinfo=SHANGHAI), collect_by=date(2026, 10, 29))

    leftovers.charge_storage_fees(now=datetime(2026, 11, 1, 0, 10, tzinfo=SHANGHAI))  # the runs of 30 and 31 October were missed
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, 0, tzinfo=SHANGHAI))

    booked = {statement.month: sorted(lot.extra_costs.filter(pk__in=statement.lines.filter(section=Section.EXTRA_COST).values("source_id"))
                                      .values_list("fee_date", flat=True))
              for statement in Statement.objects.filter(supplier=supplier)}
    assert booked == {OCTOBER: [date(2026, 10, 30), date(2026, 10, 31)], NOVEMBER: [date(2026, 11, 1)]}
