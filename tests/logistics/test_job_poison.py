"""Beat jobs of logistics (SPEC §4.6, §4.8): one shipment or lot that fails is left for the next run and never stops the
others; the next run does it, and a second run does nothing twice."""
from datetime import timedelta

import pytest

from core.errors import ConcurrentUpdate
from logistics.models import ExtraCost, Shipment
from logistics.services import costs, leftovers, shipments
from tests.helpers import picked_and_shipped, unresolved_failures
from tests.logistics.leftover_world import DEADLINE, at_0010

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shipped(two_handed_over, logistics, now) -> tuple[Shipment, Shipment]:
    first, second = two_handed_over
    for number, shipment in enumerate(two_handed_over):
        picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number=f"SF20{number}")
    return first, second


def test_a_shipment_changed_underneath_is_left_for_the_next_run_and_the_others_are_delivered(two_shipped, now, monkeypatch):
    first, second = two_shipped
    real = shipments.deliver_shipment

    def deliver(*, shipment, **kwargs):
        if shipment.pk == first.pk:
            raise ConcurrentUpdate()
        return real(shipment=shipment, **kwargs)

    monkeypatch.setattr(shipments, "deliver_shipment", deliver)
    due = now + timedelta(days=14)

    delivered = shipments.auto_deliver_shipments(now=due)

    assert delivered == [second.pk]
    assert dict(Shipment.objects.values_list("pk", "state")) == {first.pk: "shipped", second.pk: "delivered"}
    assert unresolved_failures("logistics.auto_deliver_shipments") == {f"logistics.shipment:{first.pk}": 1}
    monkeypatch.undo()
    assert shipments.auto_deliver_shipments(now=due + timedelta(hours=1)) == [first.pk]
    assert unresolved_failures("logistics.auto_deliver_shipments") == {}
    assert shipments.auto_deliver_shipments(now=due + timedelta(hours=2)) == []


def test_a_lot_whose_fee_fails_is_charged_by_the_next_run_and_the_others_today(lots, monkeypatch):
    first, second = lots
    real = costs.record_extra_cost

    def record(*, lot, **kwargs):
        if lot.pk == first.pk:
            raise RuntimeError("tariff row locked")
        return real(lot=lot, **kwargs)

    monkeypatch.setattr(costs, "record_extra_cost", record)
    day = at_0010(DEADLINE + timedelta(days=1))

    charged = leftovers.charge_storage_fees(now=day)

    assert [fee.lot_id for fee in charged] == [second.pk]
    assert not ExtraCost.objects.filter(lot=first).exists()
    assert unresolved_failures("logistics.charge_storage_fees") == {f"logistics.leftoverlot:{first.pk}": 1}
    monkeypatch.undo()
    assert [fee.lot_id for fee in leftovers.charge_storage_fees(now=day.replace(hour=9))] == [first.pk]
    assert unresolved_failures("logistics.charge_storage_fees") == {}
    assert leftovers.charge_storage_fees(now=day.replace(hour=10)) == []
    assert ExtraCost.objects.filter(kind="storage").count() == 2
