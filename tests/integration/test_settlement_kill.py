"""Statement generation killed (SIGKILL) halfway and run again gives exactly what a clean run gives (SPEC §4.11).

The generating process is `manage.py generate_statements` in a subprocess against the test database, one supplier per
transaction; it is killed once some suppliers are done. The rerun completes the month; then the month is wiped and
generated cleanly, and both results must be identical line for line, with every event claimed once.
"""
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from points.models import RedemptionOrder
from settlement.models import GenerationRun, Statement, StatementLine, StatementVersion
from settlement.services import generation
from suppliers.models import Gift, Supplier
from tests.factories import SHANGHAI, GiftFactory, MemberFactory, SupplierFactory
from tests.integration.conftest import worker_database_url
from tests.settlement.conftest import ADDRESS

pytestmark = pytest.mark.django_db(transaction=True)
OCTOBER = date(2026, 10, 1)
SUPPLIERS, ORDERS_EACH = 150, 4


def seed() -> int:
    """SUPPLIERS suppliers with ORDERS_EACH deliveries in October each (bulk rows); returns the number of orders."""
    member = MemberFactory()
    suppliers = SupplierFactory.create_batch(SUPPLIERS)
    gifts = [GiftFactory(supplier=supplier, points={}) for supplier in suppliers]
    orders = [
        RedemptionOrder(
            number=f"RO{n:06d}{i:02d}", member=member, gift=gift, supplier_id=gift.supplier_id, program=member.program, quantity=1,
            fulfilment="warehouse", points_unit_price=100, points_cost=100, settlement_unit_price=Decimal(f"{n % 97}.25"),
            settlement_amount=Decimal(f"{n % 97}.25"), state="delivered", placed_at=recorded, expires_at=recorded,
            delivered_at=recorded, delivery_recorded_at=recorded, **ADDRESS,
        )
        for n, gift in enumerate(gifts)
        for i in range(ORDERS_EACH)
        for recorded in [datetime(2026, 10, 1 + i, 12, 0, tzinfo=SHANGHAI)]
    ]
    RedemptionOrder.objects.bulk_create(orders)
    return len(orders)


def snapshot() -> tuple[list, list]:
    lines = sorted(StatementLine.objects.filter(statement__month=OCTOBER).values_list(
        "statement__supplier_id", "section", "source_kind", "source_id", "amount", "version"))
    totals = sorted(StatementVersion.objects.filter(statement__month=OCTOBER).values_list(
        "statement__supplier_id", "number", "deliveries", "payable", "line_count"))
    return lines, totals


def start_generating() -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "generate_statements", "--month", "2026-10", "--chunk", "1"],
        cwd=Path(settings.BASE_DIR), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def test_a_generation_killed_halfway_then_rerun_equals_a_clean_run(programs):
    events = seed()
    process = start_generating()
    deadline = time.monotonic() + 60
    while not GenerationRun.objects.filter(suppliers_done__gte=10).exists():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the generation made no progress"
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    killed = GenerationRun.objects.get()
    assert killed.status == "running" and 10 <= killed.suppliers_done < SUPPLIERS  # it really died halfway
    done_before = StatementLine.objects.count()
    assert 0 < done_before < events

    generation.generate_now(month=OCTOBER, actor=None, now=datetime(2026, 11, 1, 3, 0, tzinfo=SHANGHAI))
    resumed = snapshot()
    StatementLine.objects.all().delete()
    StatementVersion.objects.all().delete()
    Statement.objects.all().delete()
    generation.generate_now(month=OCTOBER, actor=None, now=datetime(2026, 11, 1, 4, 0, tzinfo=SHANGHAI))

    assert resumed == snapshot()
    assert len(resumed[0]) == events == len({(kind, source) for _, _, kind, source, _, _ in resumed[0]})
    assert Statement.objects.count() == Supplier.objects.count() == Gift.objects.count() == SUPPLIERS
