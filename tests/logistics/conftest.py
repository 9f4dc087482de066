"""Confirmed orders ready for logistics."""
import pytest

from points.services import orders
from tests.points.conftest import ADDRESS, listed_gift, rich_member  # noqa: F401  (fixtures reused here)


@pytest.fixture
def confirmed_order(rich_member, listed_gift, now):  # noqa: F811
    return orders.place_order(member=rich_member, gift_id=listed_gift.pk, quantity=2, now=now, **ADDRESS)
