"""Fixtures the complaint tests share (service, pages, privacy)."""
import pytest

from tests.helpers import gift_in_state


@pytest.fixture
def gift(licensed_supplier):
    """A gift in the catalog of `supplier`: anyone may name it in a complaint."""
    return gift_in_state("online", supplier=licensed_supplier, name="龙井茶礼盒")
