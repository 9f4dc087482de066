"""The adjustment a reconciliation line's resolution proposed, on the line, as each reader may read it: finance sees why
the checker rejected it; a supplier's users never read a rejected or withdrawn one nor its note (as under 此前对账的处理),
an approved one with its note (as on its page), and their adjustments list, approved adjustments only, offers only the
states they can see."""
import re

import pytest

from settlement.models import Adjustment
from settlement.services import adjustments, reconciliation
from tests.portal import logged_in
from tests.settlement.conftest import LATER
from tests.settlement.test_reconciliation_earlier_answers import mismatch, upload

pytestmark = pytest.mark.django_db
ADJUSTMENTS = "/settlement/adjustments/"


@pytest.fixture
def resolved(issued, supplier_admin, finance):
    """The supplier's file's amount difference, accepted from the supplier: its adjustment waits for the checker."""
    found = upload(issued, supplier_admin, now=LATER)
    return reconciliation.resolve_line(line=mismatch(found), resolution="accept_theirs", actor=finance, now=LATER)


def line_cell(user, line) -> str:
    response = logged_in(user).get(f"/settlement/reconciliations/{line.reconciliation_id}/")
    assert response.status_code == 200
    return re.search(rf'<tr data-line="{line.pk}".*?</tr>', response.content.decode(), re.S).group(0)


def test_finance_reads_why_the_checker_rejected_the_lines_adjustment_on_the_line(resolved, finance, finance_checker):
    rejected = adjustments.reject_adjustment(adjustment=resolved.adjustment, actor=finance_checker, now=LATER, note="金额无依据")

    shown = re.search(r'data-testid="line-adjustment">(.*?)</small>', line_cell(finance, resolved), re.S).group(1)

    assert rejected.number in shown and "已驳回" in shown and "（金额无依据）" in shown


@pytest.mark.parametrize("step", ["reject", "withdraw"])
def test_a_supplier_reads_neither_a_rejected_or_withdrawn_adjustment_nor_its_note_on_its_line(
        resolved, finance, finance_checker, supplier_admin, step):
    rejected = (adjustments.reject_adjustment(adjustment=resolved.adjustment, actor=finance_checker, now=LATER, note="金额无依据")
                if step == "reject" else
                adjustments.withdraw_adjustment(adjustment=resolved.adjustment, actor=finance, now=LATER, reason="金额无依据"))

    row = line_cell(supplier_admin, resolved)

    assert rejected.number not in row and "金额无依据" not in row and "line-adjustment" not in row
    assert "待财务处理" in row


def test_a_supplier_reads_the_approved_adjustment_on_its_line_with_the_checkers_note_as_on_its_page(
        resolved, finance_checker, supplier_admin):
    approved = adjustments.approve_adjustment(adjustment=resolved.adjustment, actor=finance_checker, now=LATER, note="已核对签收单")

    shown = re.search(r'data-testid="line-adjustment">(.*?)</small>', line_cell(supplier_admin, resolved), re.S).group(1)

    assert approved.number in shown and "已审批" in shown and "（已核对签收单）" in shown


def test_another_supplier_opens_no_suppliers_reconciliation(resolved, other_supplier_admin):
    assert logged_in(other_supplier_admin).get(f"/settlement/reconciliations/{resolved.reconciliation_id}/").status_code == 404


def state_choices(user) -> list[str]:
    form = logged_in(user).get(ADJUSTMENTS).context["filters"]
    return [value for value, _label in form.fields["state"].choices]


def test_a_suppliers_adjustments_list_offers_only_the_approved_state(supplier_admin, supplier_staff, finance):
    assert state_choices(supplier_admin) == state_choices(supplier_staff) == ["", Adjustment.State.APPROVED]
    assert state_choices(finance) == ["", *Adjustment.State.values]


def test_a_supplier_asking_for_adjustments_in_a_state_it_never_sees_is_told_so(supplier_admin, resolved, finance_checker):
    adjustments.reject_adjustment(adjustment=resolved.adjustment, actor=finance_checker, now=LATER, note="金额无依据")

    response = logged_in(supplier_admin).get(ADJUSTMENTS, {"state": "rejected"})

    assert response.status_code == 400 and 'data-testid="error-state"' in response.content.decode()
    assert response.context["page_obj"].paginator.count == 0


def test_a_supplier_lists_its_approved_adjustments_by_state(supplier_admin, other_supplier_admin, resolved, finance_checker):
    approved = adjustments.approve_adjustment(adjustment=resolved.adjustment, actor=finance_checker, now=LATER)

    mine = logged_in(supplier_admin).get(ADJUSTMENTS, {"state": "approved"}).context["page_obj"]
    theirs = logged_in(other_supplier_admin).get(ADJUSTMENTS, {"state": "approved"}).context["page_obj"]

    assert [row.pk for row in mine] == [approved.pk] and list(theirs) == []
