"""A difference the checker rejected comes back with its history when the supplier uploads its file again: the new
line of the same statement, order, SKU and kind shows how the earlier file's line was resolved and the adjustment
rejected, and an adjustment proposed for it again shows the rejected one on its approval row."""
import re
from datetime import timedelta

import pytest

from points.models import RedemptionOrder
from settlement.models import Adjustment, Reconciliation
from settlement.services import adjustments, reconciliation, reconciliation_history
from tests.portal import logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


def upload(statement, supplier_admin, *, now):
    """The supplier's file claiming 120.00 for the 100.00 delivery, the other as we booked it."""
    first, second = RedemptionOrder.objects.filter(supplier=statement.supplier).order_by("delivery_recorded_at")
    content = f"订单号,SKU,类型,数量,金额\n{first.number},{first.gift.sku},配送,1,120.00\n{second.number},{second.gift.sku},配送,1,200.00\n"
    return reconciliation.upload_reconciliation(statement=statement, file_name="ours.csv", content=content.encode(), actor=supplier_admin,
                                                now=now)


def mismatch(found):
    return found.lines.get(category="amount_mismatch")


@pytest.fixture
def rejected(issued, supplier_admin, finance, finance_checker) -> Adjustment:
    """The difference accepted from the supplier's first file, its adjustment rejected by the checker."""
    line = reconciliation.resolve_line(line=mismatch(upload(issued, supplier_admin, now=LATER)), resolution="accept_theirs",
                                       actor=finance, now=LATER)
    return adjustments.reject_adjustment(adjustment=line.adjustment, actor=finance_checker, now=LATER, note="金额无依据")


@pytest.fixture
def uploaded_again(rejected, issued, supplier_admin):
    return upload(issued, supplier_admin, now=LATER + timedelta(hours=1))


def test_the_new_line_holds_the_earlier_files_answers(rejected, uploaded_again, finance):
    line = mismatch(uploaded_again)

    reconciliation_history.note_earlier_answers([line], reconciliation=uploaded_again, actor=finance)

    assert [(kept.resolution, kept.adjustment) for kept in line.earlier_answers] == [("accept_theirs", rejected)]


def test_the_reconciliation_page_shows_the_rejected_adjustment_beside_the_line_that_came_back(rejected, uploaded_again, finance):
    line = mismatch(uploaded_again)
    page = logged_in(finance).get(f"/settlement/reconciliations/{uploaded_again.pk}/").content.decode()

    row = re.search(rf'<tr data-line="{line.pk}".*?</tr>', page, re.S).group(0)
    earlier = re.search(r'data-testid="earlier-answers">(.*?)</details>', row, re.S).group(1)
    assert rejected.number in earlier and "已驳回" in earlier and "金额无依据" in earlier and "以礼品商为准（调账）" in earlier
    matched = re.search(r'<tr data-line="\d+" data-category="matched".*?</tr>', page, re.S).group(0)
    assert "earlier-answers" not in matched


def test_the_adjustment_proposed_again_shows_the_rejected_one_on_its_approval_row(rejected, uploaded_again, finance, finance_checker):
    again = reconciliation.resolve_line(line=mismatch(uploaded_again), resolution="accept_theirs", actor=finance,
                                        now=LATER + timedelta(hours=2)).adjustment

    page = logged_in(finance_checker).get("/settlement/adjustments/", {"state": "proposed"}).content.decode()
    detail = logged_in(finance_checker).get(f"/settlement/adjustments/{again.pk}/").content.decode()

    for shown in (page, detail):
        row = re.search(rf'<tr data-number="{again.number}".*?</tr>', shown, re.S).group(0)
        hint = re.search(r'data-testid="earlier-rejections">(.*?)</small>', row, re.S).group(1)
        assert rejected.number in hint and "已驳回" in hint and "金额无依据" in hint


def test_a_supplier_reads_no_rejected_adjustment_on_its_adjustments(rejected, uploaded_again, finance, finance_checker, supplier_admin):
    again = reconciliation.resolve_line(line=mismatch(uploaded_again), resolution="accept_theirs", actor=finance,
                                        now=LATER + timedelta(hours=2)).adjustment
    adjustments.approve_adjustment(adjustment=again, actor=finance_checker, now=LATER + timedelta(hours=3))

    page = logged_in(supplier_admin).get(f"/settlement/adjustments/{again.pk}/").content.decode()

    assert "earlier-rejections" not in page and rejected.number not in page


def test_a_supplier_reads_no_rejected_adjustment_nor_the_checkers_note_beside_the_line(rejected, uploaded_again, supplier_admin):
    line = mismatch(uploaded_again)

    page = logged_in(supplier_admin).get(f"/settlement/reconciliations/{uploaded_again.pk}/").content.decode()

    row = re.search(rf'<tr data-line="{line.pk}".*?</tr>', page, re.S).group(0)
    assert "earlier-answers" not in row
    assert rejected.number not in page and "金额无依据" not in page


def test_a_supplier_reads_an_earlier_approved_answer_with_the_checkers_note_as_on_the_adjustments_page(issued, supplier_admin, finance, finance_checker):
    line = reconciliation.resolve_line(line=mismatch(upload(issued, supplier_admin, now=LATER)), resolution="accept_theirs",
                                       actor=finance, now=LATER)
    approved = adjustments.approve_adjustment(adjustment=line.adjustment, actor=finance_checker, now=LATER, note="内部核对意见")
    again = upload(issued, supplier_admin, now=LATER + timedelta(hours=1))
    came_back = mismatch(again)

    reconciliation_history.note_earlier_answers([came_back], reconciliation=again, actor=supplier_admin)

    assert [kept.adjustment for kept in came_back.earlier_answers] == [approved]
    assert [kept.shown_decision_note for kept in came_back.earlier_answers] == ["内部核对意见"]


def test_a_superseded_files_line_lists_no_later_files_answer_as_earlier(rejected, uploaded_again, finance):
    reconciliation.resolve_line(line=mismatch(uploaded_again), resolution="accept_ours", actor=finance, now=LATER + timedelta(hours=2),
                                note="以平台为准")
    first = Reconciliation.objects.exclude(pk=uploaded_again.pk).get()
    line = mismatch(first)

    reconciliation_history.note_earlier_answers([line], reconciliation=first, actor=finance)
    page = logged_in(finance).get(f"/settlement/reconciliations/{first.pk}/").content.decode()

    assert line.earlier_answers == []
    assert "earlier-answers" not in page
