"""The statement page's steps say what they need: a reissue's note is required (and labelled so) when the new version
would be the same as the current one."""
import re
from datetime import datetime

import pytest

from settlement.services import adjustments, statements
from tests.factories import SHANGHAI
from tests.portal import logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputed(issued, supplier_admin):
    return statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算一笔")


def action_form(user, statement, name: str) -> str:
    page = logged_in(user).get(f"/settlement/statements/{statement.pk}/").content.decode()
    return re.search(rf'<form[^>]*data-testid="action-{name}".*?</form>', page, re.S).group(0)


def reason_input(form: str) -> str:
    return re.search(r'<input[^>]*name="reason"[^>]*>', form).group(0)


def test_the_reissue_of_an_unchanged_version_asks_for_its_reason_as_required(disputed, finance):
    form = action_form(finance, disputed, "reissue")

    assert "原样重新下发的原因（必填）" in form and "备注（选填）" not in form
    assert " required" in reason_input(form)


def test_the_reissue_of_a_changed_version_keeps_its_note_optional(disputed, finance, finance_checker):
    proposed = adjustments.propose_adjustment(supplier=disputed.supplier, kind="dispute", amount="20.00", reason="补计", actor=finance,
                                              now=LATER, statement=disputed)
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=datetime(2026, 11, 3, tzinfo=SHANGHAI))

    form = action_form(finance, disputed, "reissue")

    assert "备注（选填）" in form and "必填" not in form
    assert " required" not in reason_input(form)


def test_the_statement_page_reads_the_new_versions_figures_once(disputed, finance, monkeypatch):
    calls, real = [], statements.version_totals
    monkeypatch.setattr(statements, "version_totals", lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))

    form = action_form(finance, disputed, "reissue")

    assert "原样重新下发的原因（必填）" in form and len(calls) == 1
