"""Which adjustments a supplier's users read is decided once (`adjustments.visible_to`: approved ones): a line resolved
again after its adjustment was rejected shows the supplier neither the rejected adjustment's number nor its state, on
the reconciliation's page (the line and its 处理记录) or in the API (the lines and a line's resolutions/), and a
proposed one reads as waiting for finance's second approval (调整待复核); finance still reads every adjustment."""
import re

import pytest

from settlement.models import Adjustment, Resolution
from settlement.services import adjustments, reconciliation
from tests.portal import logged_in
from tests.settlement.conftest import LATER
from tests.settlement.test_reconciliation_earlier_answers import mismatch, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved_again(issued, supplier_admin, finance, finance_checker):
    """The amount difference accepted from the supplier, its adjustment rejected, then accepted again: a second
    adjustment waits for the checker."""
    line = reconciliation.resolve_line(line=mismatch(upload(issued, supplier_admin, now=LATER)), resolution=Resolution.ACCEPT_THEIRS,
                                       actor=finance, now=LATER)
    rejected = adjustments.reject_adjustment(adjustment=line.adjustment, actor=finance_checker, now=LATER, note="金额无依据")
    line.refresh_from_db()
    line = reconciliation.resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=LATER, note="补充签收单")
    return line, rejected, line.adjustment


def line_row(user, line) -> str:
    response = logged_in(user).get(f"/settlement/reconciliations/{line.reconciliation_id}/")
    assert response.status_code == 200
    return re.search(rf'<tr data-line="{line.pk}".*?</tr>', response.content.decode(), re.S).group(0)


def read_api(api, user, line) -> tuple[dict, list[dict]]:
    lines = api(user).get(f"/api/v1/reconciliations/{line.reconciliation_id}/lines/").json()["results"]
    resolutions = api(user).get(f"/api/v1/reconciliation-lines/{line.pk}/resolutions/").json()
    return next(found for found in lines if found["id"] == line.pk), resolutions


def test_a_supplier_reads_no_rejected_nor_proposed_adjustment_on_the_page_of_a_line_resolved_again(resolved_again, supplier_admin):
    line, rejected, proposed = resolved_again

    row = line_row(supplier_admin, line)

    assert rejected.number not in row and proposed.number not in row and "已驳回" not in row and "待审批" not in row
    assert 'data-testid="line-adjustment-waiting"' in row and "调整待复核" in row


def test_a_supplier_reads_no_rejected_nor_proposed_adjustment_in_the_api(resolved_again, supplier_admin, api):
    line, rejected, proposed = resolved_again

    shown, resolutions = read_api(api, supplier_admin, line)

    assert (shown["adjustment"], shown["adjustment_number"], shown["adjustment_awaiting_check"]) == (None, None, True)
    assert [(kept["adjustment"], kept["adjustment_number"], kept["adjustment_amount"], kept["adjustment_awaiting_check"])
            for kept in resolutions] == [(None, None, None, True)]
    assert rejected.number not in str(resolutions) and "rejected" not in str(resolutions)


def test_a_supplier_reads_the_approved_adjustment_of_a_line_resolved_again_but_not_the_rejected_one(
        resolved_again, supplier_admin, finance_checker, api):
    line, rejected, proposed = resolved_again
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=LATER)

    row = line_row(supplier_admin, line)
    shown, resolutions = read_api(api, supplier_admin, line)

    assert proposed.number in row and rejected.number not in row and "已驳回" not in row
    assert (shown["adjustment"], shown["adjustment_number"]) == (proposed.pk, proposed.number)
    assert [(kept["adjustment_number"], kept["adjustment_state"]) for kept in resolutions] == [(proposed.number, "approved")]


def test_finance_reads_every_adjustment_of_a_line_resolved_again(resolved_again, finance, api):
    line, rejected, proposed = resolved_again

    row = line_row(finance, line)
    shown, resolutions = read_api(api, finance, line)

    history = re.search(r'data-testid="resolution-history".*?</details>', row, re.S).group(0)
    assert rejected.number in history and "已驳回" in history and proposed.number in row
    assert shown["adjustment_number"] == proposed.number
    assert [(kept["adjustment_number"], kept["adjustment_state"]) for kept in resolutions] == [
        (rejected.number, "rejected"), (proposed.number, "proposed")]


def test_another_supplier_reads_neither_the_line_nor_its_resolutions(resolved_again, other_supplier_admin, api):
    line, _rejected, _proposed = resolved_again

    assert api(other_supplier_admin).get(f"/api/v1/reconciliation-lines/{line.pk}/resolutions/").status_code == 404
    assert api(other_supplier_admin).get(f"/api/v1/reconciliations/{line.reconciliation_id}/lines/").status_code == 404


def test_one_rule_says_which_adjustments_a_supplier_reads(resolved_again, supplier_admin, finance):
    _line, rejected, proposed = resolved_again

    assert adjustments.SUPPLIER_VISIBLE_STATES == {Adjustment.State.APPROVED}
    assert [adjustments.shown_to(found, supplier_admin) for found in (rejected, proposed)] == [None, None]
    assert [adjustments.shown_to(found, finance) for found in (rejected, proposed)] == [rejected, proposed]
    assert not Adjustment.objects.filter(adjustments.visible_to(supplier_admin)).filter(pk__in=[rejected.pk, proposed.pk]).exists()
