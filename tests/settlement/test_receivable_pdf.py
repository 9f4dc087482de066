"""A statement issued as a receivable (a terminated supplier's negative payable, owed to the platform) prints on its PDF
where the supplier pays it: the platform's receiving account (RECEIVABLE_PAY_TO) as it was at issue, or, with none
configured, to pay as finance instructs; a statement the platform pays prints no such line."""
from datetime import datetime

import pytest

from settlement.models import StatementVersion
from settlement.pdf import render_statement
from settlement.services import statements
from suppliers.services import onboarding
from tests.factories import SHANGHAI
from tests.settlement.conftest import issued_october
from tests.settlement.test_pdf import pages_of

pytestmark = pytest.mark.django_db

ACCOUNT = "户名 积分商城运营中心，开户行 招商银行北京分行，账号 110900000000001"
TERMINATED_AT = datetime(2026, 10, 25, 10, tzinfo=SHANGHAI)


def printed(statement) -> str:
    version = statements.current_version(statement)
    with version.pdf.open("rb") as pdf:
        return "\n".join(pages_of(pdf.read()))


@pytest.fixture
def issued_owing(supplier, operator, finance, finance_checker):
    """Issue the October statement of a supplier terminated before it was generated: a 50.00 delivery and an 80.00
    penalty, a receivable of 30.00."""
    def issue():
        onboarding.terminate_supplier(supplier=supplier, actor=operator, now=TERMINATED_AT, reason="合同到期不再续约")
        return issued_october(supplier, delivered="50.00", penalty="-80.00", finance=finance, finance_checker=finance_checker)
    return issue


def test_a_receivable_statements_pdf_prints_the_platforms_receiving_account(issued_owing, settings):
    settings.RECEIVABLE_PAY_TO = ACCOUNT

    text = printed(issued_owing())

    assert "付款至 Pay to" in text and "110900000000001" in text and "请按财务通知付款" not in text


def test_with_no_receiving_account_configured_a_receivable_statements_pdf_asks_to_pay_as_finance_instructs(issued_owing, settings):
    settings.RECEIVABLE_PAY_TO = ""

    text = printed(issued_owing())

    assert "付款至 Pay to 请按财务通知付款 Pay as finance instructs" in text


def test_the_receiving_account_is_frozen_into_the_pdf_at_issue(issued_owing, settings):
    settings.RECEIVABLE_PAY_TO = ACCOUNT
    statement = issued_owing()
    version = statements.current_version(statement)
    settings.RECEIVABLE_PAY_TO = "户名 另一个账户，账号 220000000000002"

    again = render_statement(StatementVersion.objects.get(pk=version.pk))

    assert "110900000000001" in "\n".join(pages_of(again)) and "220000000000002" not in "\n".join(pages_of(again))
    with version.pdf.open("rb") as pdf:
        assert pdf.read() == again


def test_a_statement_the_platform_pays_prints_no_pay_to(issued, settings):
    settings.RECEIVABLE_PAY_TO = ACCOUNT

    text = printed(issued)

    assert "付款至" not in text and "110900000000001" not in text


def test_a_negative_payable_of_a_supplier_still_cooperating_is_carried_and_prints_no_pay_to(negative, settings):
    settings.RECEIVABLE_PAY_TO = ACCOUNT

    text = printed(negative)

    assert "付款至" not in text and "请按财务通知付款" not in text
