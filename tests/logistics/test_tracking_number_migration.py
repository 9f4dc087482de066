"""The migrations that store tracking numbers upper-case and full-width forms folded: every row whose normal form stays unique is normalised; two
rows of one carrier that differ only in case are left for a person to tell apart, never merged or failed on."""
import importlib

import pytest
from django.apps import apps

from logistics.models import Shipment
from tests.helpers import picked_and_shipped

pytestmark = pytest.mark.django_db
migration = importlib.import_module("logistics.migrations.0022_tracking_numbers_upper_case")
folding = importlib.import_module("logistics.migrations.0024_tracking_numbers_full_width_folded")


@pytest.mark.parametrize(("run", "colliding_typed", "lone_typed"), [
    (migration.upper_case, "sf1", " sf7 "),
    (folding.fold, "ＳＦ１", "ｓｆ７"),
], ids=["upper-cased", "full-width-folded"])
def test_tracking_numbers_are_normalised_unless_another_parcel_of_the_carrier_holds_the_normal_form(
    warehouse_shipment, dropship_shipment, logistics, supplier_staff, now, capsys, run, colliding_typed, lone_typed,
):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    picked_and_shipped(shipment=dropship_shipment, actor=supplier_staff, now=now, carrier="顺丰", tracking_number="SF2")
    Shipment.objects.filter(pk=dropship_shipment.pk).update(tracking_number=colliding_typed)  # as typed before numbers were normalised
    lone = Shipment.objects.filter(pk=warehouse_shipment.pk)

    run(apps, None)
    colliding = Shipment.objects.get(pk=dropship_shipment.pk).tracking_number
    lone.update(tracking_number=lone_typed)
    run(apps, None)

    assert colliding == colliding_typed and repr(colliding_typed) in capsys.readouterr().out
    assert lone.get().tracking_number == "SF7"
