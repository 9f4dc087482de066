"""A reconciliation difference answered by an adjustment that waits for its checker (maker-checker) reads to the supplier
as answered and waiting for finance's second approval (调整待复核), on the reconciliation's page and in the API (the
line, its resolutions/), with neither the adjustment's number nor its amount until the checker approves it; then the
supplier reads both. Finance reads the proposal whole all along; another supplier reads none of it."""
import re
from datetime import timedelta

import pytest

from settlement.models import Resolution
from settlement.services import adjustments, reconciliation
from tests.portal import logged_in
from tests.settlement.conftest import LATER
from tests.settlement.test_reconciliation_earlier_answers import mismatch, upload
from tests.settlement.test_reconciliation_supplier_adjustments import line_row, read_api

pytestmark = pytest.mark.django_db
AMOUNT = "¥20.00"  # the supplier's 120.00 against our 100.00


@pytest.fixture
def answered(issued, supplier_admin, finance):
    """The amount difference accepted from the supplier: an adjustment of 20.00 waits for the checker."""
    line = mismatch(upload(issued, supplier_admin, now=LATER))
    return reconciliation.resolve_line(line=line, resolution=Resolution.ACCEPT_THEIRS, actor=finance, now=LATER, note="按签收单")


def test_the_supplier_reads_on_the_page_that_the_line_was_answered_and_awaits_the_second_approval(answered, supplier_admin):
    row = line_row(supplier_admin, answered)

    assert re.search(r'data-testid="line-adjustment-waiting">.*?调整待复核', row, re.S)
    assert 'data-testid="resolution">以礼品商为准（调账）' in row and "待财务处理" not in row
    assert answered.adjustment.number not in row and AMOUNT not in row and "adjustment-amount" not in row


def test_the_supplier_reads_in_the_api_the_answer_awaiting_the_second_approval_without_number_or_amount(answered, supplier_admin, api):
    shown, resolutions = read_api(api, supplier_admin, answered)

    assert (shown["resolution"], shown["adjustment_awaiting_check"]) == ("accept_theirs", True)
    assert (shown["adjustment"], shown["adjustment_number"], shown["adjustment_amount"]) == (None, None, None)
    assert [(kept["resolution"], kept["adjustment_state"], kept["adjustment_awaiting_check"]) for kept in resolutions] == [
        ("accept_theirs", "proposed", True)]
    assert [(kept["adjustment"], kept["adjustment_number"], kept["adjustment_amount"]) for kept in resolutions] == [(None, None, None)]


def test_once_approved_the_supplier_reads_the_adjustment_with_its_amount(answered, supplier_admin, finance_checker, api):
    approved = adjustments.approve_adjustment(adjustment=answered.adjustment, actor=finance_checker, now=LATER)

    row = line_row(supplier_admin, answered)
    shown, resolutions = read_api(api, supplier_admin, answered)

    line_adjustment = re.search(r'data-testid="line-adjustment">(.*?)</small>', row, re.S).group(1)
    assert approved.number in line_adjustment and AMOUNT in line_adjustment and "调整待复核" not in row
    assert (shown["adjustment_number"], shown["adjustment_amount"], shown["adjustment_awaiting_check"]) == (approved.number, "20.00", False)
    assert [(kept["adjustment_number"], kept["adjustment_amount"], kept["adjustment_awaiting_check"]) for kept in resolutions] == [
        (approved.number, "20.00", False)]


def test_finance_reads_the_proposal_with_its_number_and_amount_while_it_waits(answered, finance, api):
    row = line_row(finance, answered)
    shown, resolutions = read_api(api, finance, answered)

    assert answered.adjustment.number in row and AMOUNT in row and "调整待复核" not in row
    assert (shown["adjustment_number"], shown["adjustment_amount"], shown["adjustment_awaiting_check"]) == (
        answered.adjustment.number, "20.00", False)
    assert [(kept["adjustment_state"], kept["adjustment_amount"]) for kept in resolutions] == [("proposed", "20.00")]


def test_the_supplier_reads_an_earlier_files_answer_awaiting_the_second_approval_beside_the_file_uploaded_again(
        answered, issued, supplier_admin, api):
    again = upload(issued, supplier_admin, now=LATER + timedelta(hours=1))

    row = line_row(supplier_admin, mismatch(again))
    (earlier,) = api(supplier_admin).get(f"/api/v1/reconciliations/{again.pk}/").json()["earlier_answers"]

    listed = re.search(r'data-testid="earlier-answers">(.*?)</details>', row, re.S).group(1)
    assert "调整待复核" in listed and answered.adjustment.number not in listed and AMOUNT not in listed
    assert (earlier["resolution"], earlier["adjustment_awaiting_check"], earlier["adjustment_number"], earlier["adjustment_amount"]) == (
        "accept_theirs", True, None, None)


def test_another_supplier_reads_neither_the_line_nor_its_resolutions(answered, other_supplier_admin, api):
    assert api(other_supplier_admin).get(f"/api/v1/reconciliation-lines/{answered.pk}/resolutions/").status_code == 404
    assert api(other_supplier_admin).get(f"/api/v1/reconciliation-lines/{answered.pk}/").status_code == 404
    assert logged_in(other_supplier_admin).get(f"/settlement/reconciliations/{answered.reconciliation_id}/").status_code == 404
