"""An extra cost's own page (SPEC §4.6): what it is, who bears it, what it belongs to (linked where the reader may open
it), the tariff it was priced from, the statement that claimed it and its full history; whoever may void it does so
there, errors next to the reason. Every role that reads the costs list opens it; a supplier only its own costs."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from core.roles import SUPPLIER_ROLES

from logistics.models import ExtraCost, Tariff
from logistics.services import costs
from settlement.models import Statement
from suppliers.models import BankAccount
from settlement.services import generation, statements
from tests.factories import SupplierUserFactory
from tests.logistics.builders import charge, request as return_of
from tests.portal import downloaded, field_errors, logged_in, shown

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_at_now")]


def page_of(cost: ExtraCost) -> str:
    return f"/logistics/extra-costs/{cost.pk}/"


@pytest.fixture
def cost(delivered_order, logistics, now) -> ExtraCost:
    return charge(delivered_order, actor=logistics, now=now)


def reader_of(request, role: str, cost: ExtraCost):
    """A staff user of `role`, or a user of the supplier bearing the cost."""
    if role in SUPPLIER_ROLES:
        return SupplierUserFactory(role=role, supplier=cost.supplier)
    return request.getfixturevalue(role)


@pytest.mark.parametrize("reader", ["supplier_admin", "supplier_staff", "operator", "logistics", "finance"])
def test_every_role_that_reads_the_costs_opens_a_cost_of_its_own(request, cost, reader):
    response = logged_in(reader_of(request, reader, cost)).get(page_of(cost))

    assert response.status_code == 200
    assert shown(response, "kind") == "退货运费" and shown(response, "payer") == "礼品商"
    assert shown(response, "amount") == f"¥{cost.amount}" and shown(response, "state") == "已记录"


def test_another_suppliers_cost_is_not_found(cost, other_supplier_admin):
    assert logged_in(other_supplier_admin).get(page_of(cost)).status_code == 404


def test_a_supplier_does_not_open_a_cost_it_does_not_bear(request, delivered_order, logistics, now):
    borne_by_logistics = charge(delivered_order, actor=logistics, now=now, payer="logistics")

    assert logged_in(reader_of(request, "supplier_admin", borne_by_logistics)).get(page_of(borne_by_logistics)).status_code == 404


def test_a_member_may_not_open_a_cost(cost, delivered_order):
    assert logged_in(delivered_order.member.user).get(page_of(cost)).status_code == 403


def test_each_row_of_the_costs_list_links_to_its_page(cost, finance):
    listed = logged_in(finance).get("/logistics/extra-costs/").content.decode()

    assert f'href="{page_of(cost)}"' in listed


def test_the_order_links_to_its_page_for_staff_and_shows_as_text_for_the_supplier(request, cost, operator):
    as_operator = logged_in(operator).get(page_of(cost))
    as_supplier = logged_in(reader_of(request, "supplier_admin", cost)).get(page_of(cost))

    assert f'href="{reverse("operator-order", args=[cost.order_id])}"' in as_operator.content.decode()
    assert shown(as_supplier, "owner-order") == cost.order.number and "/order-admin/" not in as_supplier.content.decode()


def test_a_lot_fee_links_to_the_lot_for_the_supplier_too(request, lot, logistics, now):
    fee = costs.record_extra_cost(kind="handling", payer="supplier", supplier=lot.supplier, lot=lot, description="",
                                  actor=logistics, now=now)

    page = logged_in(reader_of(request, "supplier_admin", fee)).get(page_of(fee)).content.decode()

    assert f'href="/logistics/leftovers/{lot.pk}/"' in page


def test_a_return_cost_belongs_to_the_return_and_its_order_alike_on_its_page_the_list_and_the_download(
    delivered_order, logistics, now
):
    return_request = return_of(delivered_order, now=now)
    fee = costs.record_extra_cost(kind="return_freight", payer="supplier", supplier=delivered_order.supplier, order=delivered_order,
                                  return_request=return_request, description="", actor=logistics, now=now)
    client = logged_in(logistics)
    both = f"订单 {delivered_order.number} · 退换货 {return_request.number}"

    page = client.get(page_of(fee))
    listed = client.get("/logistics/extra-costs/")
    rows = downloaded(client.get("/logistics/extra-costs/export.csv"))

    assert (shown(page, "owner-order"), shown(page, "owner-return_request")) == (delivered_order.number, return_request.number)
    assert [label for label in ("订单", "退换货") if f"<th>{label}</th>" in page.content.decode()] == ["订单", "退换货"]
    assert shown(listed, "owners") == both
    assert dict(zip(rows[0], rows[1]))["所属"] == both


def test_the_tariff_shown_is_the_one_the_cost_was_priced_from(cost, operator, finance, now):
    tariff = Tariff.objects.get(kind="return_freight")
    was = tariff.amount
    costs.update_tariff(reason="按合同调整", tariff=tariff, amount=was + Decimal("5.00"), actor=operator, now=now + timedelta(hours=1))

    later = logged_in(finance).get(page_of(cost))

    assert shown(later, "tariff") == f"¥{was} 每单"
    assert 'href="/logistics/tariffs/?kind=return_freight"' in later.content.decode()  # staff open the tariff's history


def test_the_unit_price_shown_is_the_costs_amount_over_its_quantity_in_the_kinds_unit(request, lot, logistics, operator, now):
    handling = Tariff.objects.get(kind="handling")
    costs.update_tariff(reason="按合同调整", tariff=handling, amount=Decimal("1.20"), actor=operator, now=now)
    fee = costs.record_extra_cost(kind="handling", payer="supplier", supplier=lot.supplier, lot=lot, quantity=3, description="",
                                  actor=logistics, now=now)
    # the tariff changed again, its history written out of order (an earlier time): the cost keeps what it was charged
    costs.update_tariff(reason="按合同调整", tariff=handling, amount=Decimal("9.90"), actor=operator, now=now - timedelta(days=1))

    page = logged_in(reader_of(request, "supplier_admin", fee)).get(page_of(fee))

    assert fee.amount == Decimal("3.60")
    assert shown(page, "tariff") == "¥1.20 每件"
    assert "/logistics/tariffs/" not in page.content.decode()  # a supplier sees the price, not the tariff's history


def test_the_history_tells_who_recorded_and_who_voided_it_and_why(cost, logistics, finance, now):
    costs.void_extra_cost(cost=cost, actor=logistics, now=now, reason="重复录入")

    response = logged_in(finance).get(page_of(cost))

    history = response.content.decode().split('data-testid="history"', 1)[1]
    assert "重复录入" in history and history.count("<tr>") == 3  # the heading, recorded, voided
    assert "重复录入" in shown(response, "void-reason") and 'data-action="void"' not in response.content.decode()


def test_logistics_voids_the_cost_from_its_page_and_comes_back_to_it(cost, logistics):
    client = logged_in(logistics)
    assert 'data-action="void"' in client.get(page_of(cost)).content.decode()

    response = client.post(f"{page_of(cost)}void/", {"reason": "录错", "next": page_of(cost)})

    assert response.status_code == 302 and response.url == page_of(cost)
    assert ExtraCost.objects.get().state == "voided"


def test_a_void_without_a_reason_comes_back_to_the_page_with_the_error_next_to_the_reason(cost, logistics):
    response = logged_in(logistics).post(f"{page_of(cost)}void/", {"reason": " ", "next": page_of(cost)})

    assert response.status_code == 400 and list(field_errors(response)) == ["reason"]
    assert response.context["cost"] == cost and ExtraCost.objects.get().state == "recorded"


@pytest.mark.parametrize("reader", ["operator", "finance", "supplier_admin"])
def test_who_does_not_void_the_cost_is_offered_no_void(request, cost, reader):
    assert 'data-action="void"' not in logged_in(reader_of(request, reader, cost)).get(page_of(cost)).content.decode()


def test_the_statement_that_claimed_it_is_named_and_linked_for_finance_not_for_logistics(cost, logistics, finance, now):
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))

    as_finance = logged_in(finance).get(page_of(cost))
    as_logistics = logged_in(logistics).get(page_of(cost))

    assert "2026-10 结算单" in shown(as_finance, "claimed-by") and 'href="/settlement/statements/' in as_finance.content.decode()
    assert "2026-10 结算单" in shown(as_logistics, "claimed-by") and "/settlement/statements/" not in as_logistics.content.decode()


def test_a_supplier_reads_that_its_next_statement_being_prepared_carries_it_until_the_statement_is_issued(
    request, cost, finance, now
):
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))
    supplier_admin = reader_of(request, "supplier_admin", cost)
    BankAccount.objects.create(supplier=cost.supplier, bank_name="中国银行", account_name=cost.supplier.name,
                               account_number="6216600000001234", approved_at=now - timedelta(days=30))

    statement = Statement.objects.get(supplier=cost.supplier)

    drafted = logged_in(supplier_admin).get(page_of(cost))
    statements.issue_statement(statement=statement, actor=finance, now=now + timedelta(days=21))
    issued = logged_in(supplier_admin).get(page_of(cost))

    link = f'href="/settlement/statements/{statement.pk}/"'
    assert shown(drafted, "claimed-by") == "已计入 下期结算单（编制中）"
    assert "2026-10 结算单" not in drafted.content.decode() and link not in drafted.content.decode()
    assert shown(issued, "claimed-by") == "已计入 2026-10 结算单" and link in issued.content.decode()


def test_a_claimed_cost_voided_from_its_page_is_refused_there(cost, logistics, finance, now):
    generation.generate_now(month=date(2026, 10, 1), actor=finance, now=now + timedelta(days=20))

    response = logged_in(logistics).post(f"{page_of(cost)}void/", {"reason": "录错", "next": page_of(cost)})

    assert response.status_code == 409 and response.context["cost"] == cost
    assert "2026-10" in response.content.decode() and 'value="录错"' in response.content.decode()
    assert ExtraCost.objects.get().state == "recorded"
