"""Fixtures the complaint tests share (service, pages, privacy)."""
import pytest

from suppliers.models import Gift
from tests.factories import GiftFactory


@pytest.fixture
def gift(supplier):
    """A gift in the catalog of `supplier`: anyone may name it in a complaint."""
    return GiftFactory(supplier=supplier, name="龙井茶礼盒", state=Gift.State.ONLINE)
