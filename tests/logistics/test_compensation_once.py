"""A lost parcel's claim is compensated once: a second compensation for the claim is refused naming `source_id` while the
one its acceptance proposed is waiting or approved; accepting a claim finance compensated by hand proposes no second one."""
import pytest

from logistics.models import Shipment
from logistics.services import claims, shipments
from settlement.errors import SourceAlreadyAdjusted
from settlement.models import Adjustment
from settlement.services import adjustments
from tests.helpers import picked_and_shipped

pytestmark = pytest.mark.django_db


def reported_lost(order, logistics, now):
    """The order handed over, picked and shipped, then reported lost: its lost-parcel claim, open."""
    shipments.hand_over_warehouse_orders(key="LOST", actor=logistics, now=now)
    shipment = picked_and_shipped(shipment=Shipment.objects.get(order=order), actor=logistics, now=now,
                                  carrier="顺丰", tracking_number="SF-LOST")
    return claims.report_lost_parcel(shipment=shipment, actor=logistics, now=now)


@pytest.fixture
def compensated(confirmed_order, logistics, finance, now):
    """A lost parcel's claim accepted: its compensation waits for a second finance user."""
    claim = reported_lost(confirmed_order, logistics, now)
    claims.accept_claim(claim=claim, actor=finance, now=now)
    return claim


def test_a_second_compensation_for_a_claim_is_refused(compensated, finance, finance_checker, now):
    adjustments.approve_adjustment(adjustment=Adjustment.objects.get(), actor=finance_checker, now=now)

    with pytest.raises(SourceAlreadyAdjusted) as refused:
        adjustments.propose_adjustment(supplier=compensated.order.supplier, kind="compensation", amount="360.00", reason="补偿",
                                       actor=finance, now=now, source_kind="claim", source_id=str(compensated.pk))

    assert refused.value.field == "source_id" and f"物流索赔 #{compensated.pk}" in refused.value.detail
    assert Adjustment.objects.count() == 1


def test_accepting_a_claim_finance_compensated_by_hand_accepts_it_and_proposes_nothing_more(
        confirmed_order, logistics, finance, now):
    claim = reported_lost(confirmed_order, logistics, now)
    by_hand = adjustments.propose_adjustment(supplier=claim.order.supplier, kind="compensation", amount="360.00", reason="补偿",
                                             actor=finance, now=now, source_kind="claim", source_id=f"#{claim.pk}")

    claims.accept_claim(claim=claim, actor=finance, now=now)

    claim.refresh_from_db()
    assert claim.state == "accepted"
    assert list(Adjustment.objects.all()) == [by_hand]


def test_a_lost_parcel_claim_corrected_to_the_providers_figure_still_compensates_the_supplier_its_settlement_price(
        confirmed_order, logistics, finance, now):
    claim = reported_lost(confirmed_order, logistics, now)
    worth = claim.amount
    claims.correct_claim(claim=claim, actor=finance, now=now, amount=worth - 100, reason="保价上限")

    claims.accept_claim(claim=claim, actor=finance, now=now)

    claim.refresh_from_db()
    assert claim.amount == worth - 100
    assert Adjustment.objects.get().amount == worth == claims.settlement_value(confirmed_order, claim.quantity)
