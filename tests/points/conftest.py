"""Fixtures the complaint tests share (service, pages, privacy)."""
import pytest

from tests.factories import QualificationFactory
from tests.suppliers.profile_factories import gift_in_state


@pytest.fixture
def gift(supplier):
    """A gift in the catalog of `supplier` (licensed to list it): anyone may name it in a complaint."""
    QualificationFactory(supplier=supplier)
    return gift_in_state("online", supplier=supplier, name="龙井茶礼盒")
