"""Finance's decisions on a supplier's money reach the supplier (SPEC §4.12): an approved adjustment, a statement
confirmed for want of an answer, a receivable collected — each a notice in its inbox linking to the page, and an SMS to
its contact (a closed rectification case: test_cases). Finance's own work the supplier never sees (an
adjustment proposed, rejected or withdrawn) tells it nothing."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from settlement.services import adjustments, statements
from suppliers.models import Notice
from tests.helpers import only_notice
from tests.settlement.conftest import GENERATED_AT

pytestmark = pytest.mark.django_db
LATER = GENERATED_AT + timedelta(days=1)



def test_an_approved_adjustment_tells_the_supplier_its_amount_and_reason(issued, finance, finance_checker):
    adjustment = adjustments.propose_adjustment(supplier=issued.supplier, kind="compensation", amount="12.50", reason="包装补偿",
                                                actor=finance, now=LATER)
    assert not Notice.objects.filter(kind="adjustment_approved").exists()  # a proposal is finance's own work

    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=LATER, note="已核实")

    notice = only_notice(issued.supplier, "adjustment_approved")
    assert notice.title_text == f"调账 {adjustment.number} 已生效"
    assert notice.body_text == "补偿 ¥12.50：包装补偿。计入结算单。说明：已核实"
    assert notice.link == f"/settlement/adjustments/{adjustment.pk}/"
    with translation.override("en"):
        assert notice.body_label.startswith("Compensation ¥12.50: 包装补偿.")


def test_an_amount_typed_in_full_width_digits_is_read_and_the_notice_groups_it_as_pages_do(issued, finance, finance_checker):
    adjustment = adjustments.propose_adjustment(supplier=issued.supplier, kind="compensation", amount="１，７２０．００",
                                                reason="包装补偿", actor=finance, now=LATER)

    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=LATER, note="")

    assert adjustment.amount == Decimal("1720.00")
    assert only_notice(issued.supplier, "adjustment_approved").body_text.startswith("补偿 ¥1,720.00：包装补偿。")


def test_a_rejected_or_withdrawn_adjustment_tells_the_supplier_nothing(issued, finance, finance_checker):
    first, second = (adjustments.propose_adjustment(supplier=issued.supplier, kind="other", amount="1", reason="x", actor=finance, now=LATER)
                     for _ in range(2))
    adjustments.reject_adjustment(adjustment=first, actor=finance_checker, now=LATER, note="依据不足")
    adjustments.withdraw_adjustment(adjustment=second, actor=finance, now=LATER, reason="录错")

    assert not Notice.objects.filter(kind="adjustment_approved").exists()


def test_a_statement_confirmed_for_want_of_an_answer_tells_the_supplier(issued):
    statements.deem_confirmed(now=issued.issued_at + timedelta(days=10))

    notice = only_notice(issued.supplier, "statement_deemed_confirmed")
    assert notice.title_text == f"{issued.month:%Y-%m} 结算单已视同确认"
    assert notice.body_text == f"第 1 版下发后未在期限内确认或提出异议，已视同确认；应付 ¥{issued.payable}。"
    assert notice.link == f"/settlement/statements/{issued.pk}/"


def test_a_statement_the_supplier_confirms_itself_tells_it_nothing_more(issued, supplier_admin):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    assert list(Notice.objects.filter(supplier=issued.supplier, kind__startswith="statement").values_list("kind", flat=True)) == [
        "statement_issued"]


def test_a_collected_receivable_tells_the_supplier_the_amount_and_reference(receivable, finance):
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-0001", amount="30.00")

    notice = only_notice(receivable.supplier, "statement_collected")
    assert notice.body_text == f"收到 ¥30.00，收款凭证 CMB-IN-0001，收款日期 {LATER:%Y-%m-%d}；累计收回 ¥30.00，应收款已全部收回。"
    assert notice.link == f"/settlement/statements/{receivable.pk}/"


def test_a_receivable_collected_in_parts_tells_the_supplier_the_last_payment_and_the_total(receivable, finance):
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-0001", amount="10.00",
                                 collected_on=(LATER - timedelta(days=1)).date())
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-0002", amount="20.00")

    notice = only_notice(receivable.supplier, "statement_collected")
    assert notice.body_text == f"收到 ¥20.00，收款凭证 CMB-IN-0002，收款日期 {LATER:%Y-%m-%d}；累计收回 ¥30.00，应收款已全部收回。"
    with translation.override("en"):
        assert notice.body_label == (f"Received ¥20.00, reference CMB-IN-0002, on {LATER:%Y-%m-%d}; ¥30.00 collected in all, "
                                     "the receivable is fully collected.")
