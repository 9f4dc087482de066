"""A parcel the logistics provider lost was the supplier's consignment and is never delivered, so no statement would
pay for it: accepting the lost-parcel claim proposes a compensation adjustment to the supplier for the claim's amount,
which another finance user approves and the next statement books."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import Conflict, PermissionDenied, ValidationFailed
from logistics.models import Shipment
from logistics.services import claims, shipments
from settlement.models import Adjustment, Statement, StatementLine
from settlement.services import adjustments, compensation, generation
from tests.factories import ready_to_activate
from tests.helpers import picked_and_shipped
from tests.portal import logged_in, page_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_claim(confirmed_order, logistics, now):
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(order=confirmed_order), actor=logistics, now=now,
                                  carrier="顺丰", tracking_number="SF-LOST")
    return claims.report_lost_parcel(shipment=shipment, actor=logistics, now=now)


def test_accepting_a_lost_parcel_claim_proposes_the_suppliers_compensation_made_by_the_accepting_clerk(lost_claim, finance, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)

    compensation = Adjustment.objects.get()
    assert (compensation.supplier, compensation.kind, compensation.amount, compensation.state) == (
        lost_claim.order.supplier, "compensation", Decimal("360.00"), "proposed")
    assert (compensation.source_kind, compensation.source_id, compensation.created_by) == ("claim", f"#{lost_claim.pk}", finance)
    assert lost_claim.order.number in compensation.reason


def test_the_approved_compensation_is_booked_on_the_suppliers_next_statement(lost_claim, finance, finance_checker, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    adjustments.approve_adjustment(adjustment=Adjustment.objects.get(), actor=finance_checker, now=now)

    month = now.date().replace(day=1)
    generation.generate_now(month=month, actor=finance, now=generation.cutoff_of(month) + timedelta(hours=2))

    statement = Statement.objects.get(supplier=lost_claim.order.supplier)
    booked = StatementLine.objects.filter(statement=statement, section="adjustment")
    assert [line.amount for line in booked] == [Decimal("360.00")]
    assert not StatementLine.objects.filter(statement=statement, section="delivery").exists()  # never delivered


def test_a_transit_damage_claim_proposes_no_compensation(delivered_order, finance, now):
    claim = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)

    claims.accept_claim(claim=claim, actor=finance, now=now)

    assert not Adjustment.objects.exists()  # the delivery was paid; the supplier lost nothing


def test_a_compensation_may_name_only_a_claim_on_the_suppliers_own_orders(lost_claim, other_supplier, finance, now):
    ready_to_activate(other_supplier)  # a supplier under contract, so only the source is wrong

    with pytest.raises(ValidationFailed) as refused:
        adjustments.propose_adjustment(supplier=other_supplier, kind="compensation", amount="360.00", reason="补偿",
                                       actor=finance, now=now, source_kind="claim", source_id=str(lost_claim.pk))

    assert refused.value.field == "source_id"
    adjustments.propose_adjustment(supplier=lost_claim.order.supplier, kind="compensation", amount="360.00", reason="补偿",
                                   actor=finance, now=now, source_kind="claim", source_id=str(lost_claim.pk))
    assert Adjustment.objects.get().source_id == f"#{lost_claim.pk}"  # typed without the #, kept as the claim page shows it


def test_the_claim_page_links_finance_to_the_compensation_and_shows_logistics_none(lost_claim, finance, logistics, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    number = Adjustment.objects.get().number

    finance_page = logged_in(finance).get(f"/logistics/claims/{lost_claim.pk}/").content.decode()
    logistics_page = logged_in(logistics).get(f"/logistics/claims/{lost_claim.pk}/").content.decode()

    assert 'data-testid="compensation"' in finance_page and number in finance_page
    assert 'data-testid="compensation"' not in logistics_page and number not in logistics_page


def test_an_operator_reads_the_compensation_on_the_claim_page_linked_to_the_adjustment_it_opens(lost_claim, finance, operator, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    adjustment = Adjustment.objects.get()

    page = logged_in(operator).get(f"/logistics/claims/{lost_claim.pk}/").content.decode()
    opened = logged_in(operator).get(f"/settlement/adjustments/{adjustment.pk}/")

    assert 'data-testid="compensation"' in page and adjustment.number in page
    assert f'href="/settlement/adjustments/{adjustment.pk}/"' in page and opened.status_code == 200
    assert f'href="/settlement/adjustments/{adjustment.pk}/"' in logged_in(finance).get(f"/logistics/claims/{lost_claim.pk}/").content.decode()


def test_a_rejected_compensation_is_proposed_again_by_finance_once(lost_claim, finance, finance_checker, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    with pytest.raises(Conflict):  # the first still waits for its checker
        compensation.propose_compensation_again(claim=lost_claim, actor=finance, now=now)
    adjustments.reject_adjustment(adjustment=Adjustment.objects.get(), actor=finance_checker, now=now, note="金额待核")

    again = compensation.propose_compensation_again(claim=lost_claim, actor=finance_checker, now=now)

    assert (again.state, again.amount, again.created_by, again.source_id) == ("proposed", Decimal("360.00"), finance_checker, f"#{lost_claim.pk}")
    with pytest.raises(Conflict):
        compensation.propose_compensation_again(claim=lost_claim, actor=finance, now=now)
    assert Adjustment.objects.count() == 2


def test_only_an_accepted_lost_parcel_claim_is_compensated_again_and_only_by_finance(lost_claim, operator, finance, now):
    with pytest.raises(Conflict):  # not accepted yet
        compensation.propose_compensation_again(claim=lost_claim, actor=finance, now=now)
    damage = claims.open_claim(order=lost_claim.order, cause="transit_damage", quantity=1, now=now)
    claims.accept_claim(claim=damage, actor=finance, now=now)
    with pytest.raises(Conflict):
        compensation.propose_compensation_again(claim=damage, actor=finance, now=now)
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    adjustments.withdraw_adjustment(adjustment=Adjustment.objects.get(), actor=finance, now=now, reason="金额待核")
    with pytest.raises(PermissionDenied):
        compensation.propose_compensation_again(claim=lost_claim, actor=operator, now=now)
    assert Adjustment.objects.count() == 1


def test_finance_proposes_it_again_from_the_claim_page(lost_claim, finance, finance_checker, logistics, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    adjustments.reject_adjustment(adjustment=Adjustment.objects.get(), actor=finance_checker, now=now, note="金额待核")
    page = f"/logistics/claims/{lost_claim.pk}/"

    assert 'data-action="compensate-again"' in logged_in(finance).get(page).content.decode()
    assert logged_in(logistics).post(f"/settlement/claims/{lost_claim.pk}/compensation/").status_code == 403
    assert logged_in(finance).post(f"/settlement/claims/{lost_claim.pk + 1000}/compensation/").status_code == 404
    response = logged_in(finance).post(f"/settlement/claims/{lost_claim.pk}/compensation/")

    assert response.status_code == 302 and response["Location"] == page
    assert list(Adjustment.objects.order_by("pk").values_list("state", flat=True)) == ["rejected", "proposed"]
    assert 'data-action="compensate-again"' not in logged_in(finance).get(page).content.decode()


def test_the_claim_page_refuses_a_second_compensation_while_the_first_stands(lost_claim, finance, now):
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)

    response = logged_in(finance).post(f"/settlement/claims/{lost_claim.pk}/compensation/", follow=True)

    assert "补偿调账仍待审批或已通过" in response.content.decode()
    assert list(Adjustment.objects.values_list("state", flat=True)) == ["proposed"]


def test_a_lost_parcels_failure_reason_reads_in_english_on_its_shipment_page(lost_claim, logistics):
    page = page_in(logistics, f"/logistics/shipments/{lost_claim.shipment_id}/", "en")

    assert 'data-testid="failure-reason">Lost parcel</td>' in page
