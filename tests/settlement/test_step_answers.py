"""A settlement step's answer is the statement or adjustment as its own GET gives it to the same caller."""
from decimal import Decimal

import pytest

from settlement.services import adjustments
from tests.factories import FIXED_NOW
from tests.helpers import answered_as_read

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def test_finance_issuing_a_statement_reads_it_as_its_page_does(api, draft, finance):
    answer, read = answered_as_read(api(finance), f"/api/v1/statements/{draft.pk}/", "issue", {})

    assert answer == read and answer["state"] == "issued"


def test_the_supplier_admin_confirming_a_statement_reads_it_as_its_page_does(api, issued, supplier_admin):
    answer, read = answered_as_read(api(supplier_admin), f"/api/v1/statements/{issued.pk}/", "confirm", {})

    assert answer == read and answer["state"] == "confirmed"


def test_the_checker_approving_an_adjustment_reads_it_as_its_page_does(api, supplier, finance, finance_checker, now):
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="other", amount=Decimal("-50.00"), reason="包装不符",
                                              actor=finance, now=now)

    answer, read = answered_as_read(api(finance_checker), f"/api/v1/adjustments/{proposed.pk}/", "approve", {"note": "同意"})

    assert answer == read and answer["state"] == "approved"
