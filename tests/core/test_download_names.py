"""Every download is named after the reader's day (and, for the shipping template, minute) in the portal's time zone,
also in the hours when that is another day than UTC's."""
from datetime import datetime, timezone

import pytest

from logistics.services import bulk_shipping
from suppliers.services import catalog_io
from tests.factories import GiftFactory

pytestmark = pytest.mark.django_db

#: 07:30 on 16 October in Shanghai, still the 15th in UTC
EARLY_MORNING = datetime(2026, 10, 15, 23, 30, tzinfo=timezone.utc)


def test_the_shipping_template_is_named_after_the_local_day_and_minute(logistics):
    template = bulk_shipping.shipping_template(actor=logistics, file_format="csv", now=EARLY_MORNING)

    assert template.filename == "shipments-to-ship-20261016-0730.csv"


def test_a_catalog_export_is_named_after_the_local_day(supplier):
    GiftFactory(supplier=supplier)

    export = catalog_io.export_catalog(supplier=supplier, file_format="xlsx", now=EARLY_MORNING)

    assert export.filename == f"gifts-{supplier.pk}-20261016.xlsx"
