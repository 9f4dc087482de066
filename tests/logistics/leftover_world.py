"""The leftover-gift world the leftovers tests share: a gift retired on 2026-10-15 with stock in three warehouses and at
the supplier's own location (the fixtures are in tests/logistics/conftest.py)."""
from datetime import datetime, time, timedelta

from suppliers.models import Gift, StockRecord
from suppliers.services import catalog
from tests.factories import SHANGHAI, GiftFactory
from tests.helpers import published

RETIRED_ON = datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)
DEADLINE = RETIRED_ON.date() + timedelta(days=30)


def at_0010(day) -> datetime:
    return datetime.combine(day, time(0, 10), tzinfo=SHANGHAI)


def offline_gift(operator, now, **fields) -> Gift:
    """A gift taken offline at the supplier's request: the state `retire` starts from."""
    gift = GiftFactory(**fields)
    published(gift, actor=operator, at=now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code=Gift.DelistReason.SUPPLIER_REQUEST, reason="运营下线")
    return gift


def on_hand(lot) -> int:
    """The units on hand of the lot's gift at its warehouse."""
    return StockRecord.objects.get(gift=lot.gift, location=lot.location).on_hand
