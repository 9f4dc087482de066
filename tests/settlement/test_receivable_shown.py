"""What a terminated supplier whose statement became a receivable reads of it: on its home page and on the statement's
page, what it owes and what is still outstanding (or the day it was collected) and how to pay it, never its own bank
account as the account paid; the payables chart says its negative payable became a receivable rather than that it
was carried forward. Finance reads the same figures; a supplier whose statement is payable reads its pages as before."""
import re
from datetime import datetime

import pytest

from settlement.services import statements
from tests.factories import SHANGHAI
from tests.portal import logged_in, shown
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db
NEXT_JANUARY = datetime(2027, 1, 5, 10, tzinfo=SHANGHAI)
PAY_AS_TOLD = "请按财务通知付款"


def collect(receivable, finance, amount: str) -> None:
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-A", amount=amount,
                                 collected_on=LATER.date())


def test_the_supplier_sees_on_its_home_page_what_it_owes_and_what_is_still_outstanding(receivable, finance, supplier_admin):
    collect(receivable, finance, "12.00")

    home = logged_in(supplier_admin).get("/")

    assert shown(home, "receivable") == "应收 ¥30.00，尚未收回 ¥18.00"
    assert PAY_AS_TOLD in shown(home, "pay-to")


ACCOUNT = "户名 积分商城运营中心，开户行 招商银行北京分行，账号 110900000000001"


def test_with_the_platforms_receiving_account_configured_the_supplier_is_told_to_pay_into_it(receivable, supplier_admin, settings):
    settings.RECEIVABLE_PAY_TO = ACCOUNT

    pages = [logged_in(supplier_admin).get(path) for path in ("/", f"/settlement/statements/{receivable.pk}/")]

    for page in pages:
        assert ACCOUNT in shown(page, "pay-to") and PAY_AS_TOLD not in shown(page, "pay-to")


def test_the_supplier_and_finance_read_the_same_outstanding_and_how_to_pay_on_the_statements_page(receivable, finance, supplier_admin):
    collect(receivable, finance, "12.00")

    pages = [logged_in(user).get(f"/settlement/statements/{receivable.pk}/") for user in (supplier_admin, finance)]

    for page in pages:
        assert shown(page, "receivable") == "应收 ¥30.00，尚未收回 ¥18.00"
        assert PAY_AS_TOLD in shown(page, "pay-to")
        heading = re.search(r'data-testid="account-heading">(.*?)</th>', page.content.decode()).group(1)
        assert heading == "礼品商账户（转为应收，不付款）"


def test_a_collected_receivable_shows_the_day_it_was_collected_and_no_longer_asks_for_payment(receivable, finance, supplier_admin):
    collect(receivable, finance, "30.00")

    home = logged_in(supplier_admin).get("/")
    page = logged_in(supplier_admin).get(f"/settlement/statements/{receivable.pk}/")

    for response in (home, page):
        assert shown(response, "receivable") == f"应收 ¥30.00，已于 {LATER:%Y-%m-%d} 收回"
        assert 'data-testid="pay-to"' not in response.content.decode() and "尚未收回" not in shown(response, "receivable")


def test_the_payables_chart_of_a_supplier_owing_a_receivable_says_it_is_owed_not_carried(receivable, supplier_admin, time_machine):
    time_machine.move_to(NEXT_JANUARY, tick=False)

    home = logged_in(supplier_admin).get("/")

    caption = home.content.decode().split('data-testid="home-payables-caption"')[1].split("</p>")[0]
    assert "结转下期" not in caption and "转为应收" in caption
    assert shown(home, "home-receivables") == "2026-10 转为应收 ¥30.00"


def test_a_supplier_whose_statement_is_payable_reads_its_pages_as_before(issued, supplier_admin, time_machine):
    time_machine.move_to(NEXT_JANUARY, tick=False)

    home = logged_in(supplier_admin).get("/").content.decode()
    page = logged_in(supplier_admin).get(f"/settlement/statements/{issued.pk}/").content.decode()

    assert "仅计已下发版本的正应付金额；负应付结转下期，不计入图中。" in home
    for marker in ('data-testid="receivable"', 'data-testid="pay-to"', 'data-testid="home-receivables"', "转为应收"):
        assert marker not in home and marker not in page
    assert re.search(r'data-testid="account-heading">收款账户</th>', page)


def test_another_supplier_gets_404_for_the_receivables_page_and_sees_none_of_it_at_home(receivable, other_supplier_admin):
    home = logged_in(other_supplier_admin).get("/").content.decode()

    assert logged_in(other_supplier_admin).get(f"/settlement/statements/{receivable.pk}/").status_code == 404
    assert 'data-testid="receivable"' not in home and "¥30.00" not in home
