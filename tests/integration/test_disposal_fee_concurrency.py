"""A leftover lot's disposal fee recorded twice at once on PostgreSQL (two clerks, or a clerk and the disposal itself):
the second waits for the first on the lot and is refused as already recorded, so the lot is charged once."""
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.roles import Role
from logistics.errors import FeeAlreadyRecorded
from logistics.models import ExtraCost, LeftoverLot, Tariff
from logistics.services import costs
from tests.factories import GiftFactory, UserFactory, WarehouseFactory
from tests.integration.racing import hold, run_into


def test_a_disposal_fee_recorded_twice_at_once_is_charged_once(programs, monkeypatch):
    now = timezone.now()
    clerk = UserFactory(username="logistics", role=Role.LOGISTICS)
    gift = GiftFactory()
    lot = LeftoverLot.objects.create(supplier=gift.supplier, gift=gift, location=WarehouseFactory(code="WH-DISPOSE"), quantity=3,
                                     created_at=now - timedelta(days=40), collect_by=date.today() - timedelta(days=5),
                                     state=LeftoverLot.State.DISPOSED)
    Tariff.objects.update_or_create(kind="disposal", defaults={"amount": Decimal("20.00"), "unit": "lot"})

    def charge():
        return costs.record_extra_cost(kind="disposal", payer="supplier", supplier=gift.supplier, description="销毁处置费",
                                       lot=LeftoverLot.objects.get(pk=lot.pk), actor=clerk, now=now)

    # the first has found no fee recorded and is about to price its own when the second comes in
    first, second = run_into(charge, hold(monkeypatch, costs, "priced_at"), charge)

    assert first.error is None, first.error
    assert isinstance(second.error, FeeAlreadyRecorded) and second.error.status == 409
    assert list(ExtraCost.objects.filter(lot=lot, kind="disposal")) == [first.result]
