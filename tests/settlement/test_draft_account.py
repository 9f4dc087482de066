"""A draft statement's page shows the bank account issuing it now would pay (the rule issuing applies:
`statements.account_on_issue`), and what may still change it: a newer account not usable yet, a change waiting for
review."""
# ruff: noqa: F811  (the statement fixtures are imported from test_portal and requested by name)
from datetime import timedelta

import pytest

from settlement.services import statements
from suppliers.models import BankAccount, ProfileChange
from tests.factories import FIXED_NOW
from tests.portal import logged_in, page_in
from tests.settlement.test_portal import draft  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(FIXED_NOW, tick=False)


def account_cell(user, statement) -> str:
    html = logged_in(user).get(f"/settlement/statements/{statement.pk}/").content.decode()
    return html.split('data-testid="account-on-issue"')[1].split("</td>")[0] if 'data-testid="account-on-issue"' in html else ""


def test_finance_reads_on_a_draft_the_account_issuing_pays_and_issuing_pays_it(draft, finance):
    number = f"622202123456{draft.supplier.pk:04d}"

    shown = account_cell(finance, draft)
    statements.issue_statement(statement=draft, actor=finance, now=FIXED_NOW)

    assert "中国工商银行杭州分行" in shown and number in shown and "下发时将采用此账户" in shown
    assert draft.versions.get(number=1).account_number == number
    assert account_cell(finance, draft) == ""  # issued: the version's own snapshot, as before


def test_an_operator_reads_the_drafts_account_masked(draft, operator):
    shown = account_cell(operator, draft)

    assert f"************{draft.supplier.pk:04d}" in shown and f"622202123456{draft.supplier.pk:04d}" not in shown


def test_a_newer_account_not_usable_yet_is_noted_and_issuing_still_pays_the_older_one(draft, finance):
    BankAccount.objects.create(supplier=draft.supplier, bank_name="招商银行", account_name=draft.supplier.name,
                               account_number="6214830000009999", approved_at=FIXED_NOW - timedelta(days=2))

    shown = account_cell(finance, draft)
    statements.issue_statement(statement=draft, actor=finance, now=FIXED_NOW)

    assert "中国工商银行杭州分行" in shown and "新账户 6214830000009999 已审核通过，2026-10-20 10:00 起方可用于付款" in shown
    assert draft.versions.get(number=1).bank_name == "中国工商银行杭州分行"


def test_a_bank_account_change_pending_review_is_noted(draft, finance):
    ProfileChange.objects.create(supplier=draft.supplier, field=ProfileChange.Field.BANK_ACCOUNT, old_value={},
                                 new_value={"bank_name": "招商银行", "account_name": "x", "account_number": "6214830000009999"},
                                 requested_at=FIXED_NOW - timedelta(hours=3))

    shown = account_cell(finance, draft)

    assert "收款账户变更待审核（2026-10-15 07:00 提交）" in shown and "6214830000009999" not in shown


def test_a_draft_without_a_usable_account_says_it_cannot_be_issued(draft, finance):
    BankAccount.objects.filter(supplier=draft.supplier).update(approved_at=FIXED_NOW - timedelta(days=1))

    shown = account_cell(finance, draft)

    assert "无审核通过满7天的收款账户" in shown and "应付为正，暂不能下发" in shown


def test_the_drafts_account_reads_in_english(draft, finance):
    html = page_in(finance, f"/settlement/statements/{draft.pk}/", "en")

    assert "Issuing pays this account" in html


def test_a_supplier_does_not_open_its_draft(draft, supplier_admin):
    assert logged_in(supplier_admin).get(f"/settlement/statements/{draft.pk}/").status_code == 404
