"""A listed, stocked gift and a member with points, for order tests."""
from datetime import datetime

import pytest

from core.fsm import apply_transition
from points.services import ledger
from suppliers.services import inventory
from tests.factories import SHANGHAI, GiftFactory, WarehouseFactory


@pytest.fixture
def listed_gift(operator, now):
    """GoTone 1500 / M-Zone 1200 points, settlement 180.00, 10 units in one warehouse."""
    gift = GiftFactory()
    for name in ("submit", "approve", "publish"):
        apply_transition(gift, name, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-ORD"), quantity=10, at=now)
    return gift


@pytest.fixture
def rich_member(member, now):
    """The gold GoTone member with 50 000 points earned this year."""
    ledger.earn_points(member=member, points=50_000, source=ledger.Source("batch", "SETUP"), at=datetime(2026, 1, 5, tzinfo=SHANGHAI))
    return member


ADDRESS = {"recipient_name": "刘洋", "recipient_phone": "13800138000", "address": "浙江省杭州市西湖区文三路100号"}
