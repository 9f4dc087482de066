"""One definition of a parcel lost in transit (`claims.REPORTED_LOST`: a lost-parcel claim whose report stands), read by
the loss guards and by the re-delivery fee's failed attempts alike; the shipment's page finds a lost parcel's claim
through a selector."""
import pytest

from logistics.models import LogisticsClaim, Shipment
from logistics.selectors import get_lost_parcel_claim
from logistics.services import claims, costs
from points.services import orders
from tests.logistics.test_lost_parcel_withdrawal import lost_claim  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_parcel_whose_loss_report_stands_is_lost_everywhere_and_charged_no_redelivery_fee(lost_claim):  # noqa: F811
    shipment = Shipment.objects.get()

    assert claims.parcel_lost(shipment) and orders.goods_lost(shipment.order)
    assert list(costs.failed_deliveries(shipment.order)) == []


def test_a_failed_parcel_whose_loss_report_was_withdrawn_is_lost_nowhere(lost_claim):  # noqa: F811
    # a withdrawal delivers the parcel too; its failed state kept here shows each reader judging by the claim alone
    LogisticsClaim.objects.filter(pk=lost_claim.pk).update(state=LogisticsClaim.State.WITHDRAWN)
    shipment = Shipment.objects.get()

    assert not claims.parcel_lost(shipment) and not orders.goods_lost(shipment.order)
    assert list(costs.failed_deliveries(shipment.order)) == [shipment]


def test_staff_find_the_lost_parcels_claim_and_a_supplier_none(lost_claim, logistics, finance, supplier_admin):  # noqa: F811
    shipment = Shipment.objects.get()

    found = {user.role: get_lost_parcel_claim(user=user, shipment=shipment) for user in (logistics, finance, supplier_admin)}

    assert found == {logistics.role: lost_claim, finance.role: lost_claim, supplier_admin.role: None}


def test_a_parcel_in_transit_has_no_lost_parcels_claim_to_find(shipped, logistics):
    assert get_lost_parcel_claim(user=logistics, shipment=shipped) is None
