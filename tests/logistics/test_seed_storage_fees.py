"""`manage.py seed_demo`'s leftover lot is charged storage as the daily run would have charged it, whatever the hour of
the seeding: each test seeds at its own time, on a database of its own (not the seeded world of test_seed_logistics)."""
from datetime import datetime, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from logistics.models import ExtraCost, Tariff, TariffChange
from logistics.services import costs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seeded_at", [time(0, 40), time(15, 0)])  # the operator's raise just after today's run, or hours after
def test_the_lots_storage_fees_are_recorded_as_the_daily_run_would_at_0010_on_each_day_at_the_price_then(time_machine, seeded_at):
    """SPEC §4.8: the fee for day D recorded at 00:10 on day D, priced from the tariff in force then (the operator's
    raise comes after today's run)."""
    time_machine.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), seeded_at)), tick=True)
    call_command("seed_demo", stdout=StringIO())
    fees = ExtraCost.objects.filter(kind="storage").order_by("fee_date")
    storage, raised = Tariff.objects.get(kind="storage"), TariffChange.objects.get()

    assert fees.count() == 3 and len({fee.recorded_at for fee in fees}) == 3
    for fee in fees:
        assert timezone.localtime(fee.recorded_at) == timezone.make_aware(datetime.combine(fee.fee_date, time(0, 10)))
        assert fee.amount == costs.amount_in_force(storage, fee.recorded_at)
    assert fees.last().fee_date == timezone.localdate(raised.changed_at) and fees.last().recorded_at < raised.changed_at
