"""The migration that stores tracking numbers upper-case: every row whose normal form stays unique is normalised; two
rows of one carrier that differ only in case are left for a person to tell apart, never merged or failed on."""
import importlib

import pytest
from django.apps import apps

from logistics.models import Shipment
from tests.helpers import picked_and_shipped

pytestmark = pytest.mark.django_db
migration = importlib.import_module("logistics.migrations.0022_tracking_numbers_upper_case")


def test_lower_case_tracking_numbers_are_upper_cased_unless_another_parcel_of_the_carrier_holds_the_number(
    warehouse_shipment, dropship_shipment, logistics, supplier_staff, now, capsys,
):
    picked_and_shipped(shipment=warehouse_shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF1")
    picked_and_shipped(shipment=dropship_shipment, actor=supplier_staff, now=now, carrier="顺丰", tracking_number="SF2")
    Shipment.objects.filter(pk=dropship_shipment.pk).update(tracking_number="sf1")  # as typed before numbers were normalised
    lone = Shipment.objects.filter(pk=warehouse_shipment.pk)

    migration.upper_case(apps, None)
    colliding = Shipment.objects.get(pk=dropship_shipment.pk).tracking_number
    lone.update(tracking_number=" sf7 ")
    migration.upper_case(apps, None)

    assert colliding == "sf1" and "'sf1'" in capsys.readouterr().out
    assert lone.get().tracking_number == "SF7"
