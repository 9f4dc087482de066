"""A negative amount reads -¥101.00 wherever a page shows money, in English and Chinese (never ¥-101.00): the
statements list, a statement's page and a supplier's home page."""
from datetime import datetime

import pytest

from settlement.models import Statement
from settlement.services import adjustments, generation, statements
from tests.factories import SHANGHAI
from tests.portal import page_in
from tests.settlement.conftest import GENERATED_AT, OCTOBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(supplier, finance, finance_checker):
    """October's statement of a supplier whose only event is a penalty of ¥101.00, issued: a payable of -101.00."""
    penalty = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-101", reason="延迟发货",
                                             actor=finance, now=datetime(2026, 10, 20, tzinfo=SHANGHAI))
    adjustments.approve_adjustment(adjustment=penalty, actor=finance_checker, now=datetime(2026, 10, 21, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    statement = Statement.objects.get(supplier=supplier, month=OCTOBER)
    return statements.issue_statement(statement=statement, actor=finance, now=GENERATED_AT.replace(hour=10))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_negative_payable_reads_with_its_sign_before_the_currency_mark(owed, finance, supplier_admin, language):
    pages = [page_in(finance, "/settlement/statements/", language), page_in(finance, f"/settlement/statements/{owed.pk}/", language),
             page_in(supplier_admin, "/", language)]

    assert owed.payable == -101
    for page in pages:
        assert "-¥101.00" in page and "¥-" not in page
