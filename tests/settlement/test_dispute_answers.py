"""A version issued after a dispute says what it answers, in its PDF and on the statement page: the dispute of the
version before it (the supplier's reason) and the dispute adjustments booked into it, also when finance left the
note blank; the same again when the PDF is rendered again after a later dispute."""
from datetime import timedelta

import pytest

from settlement.models import Statement, StatementVersion
from settlement.pdf import render_statement
from settlement.services import adjustments, statements
from tests.portal import logged_in, page_in
from tests.settlement.conftest import LATER
from tests.settlement.test_pdf import pages_of

pytestmark = pytest.mark.django_db


def answered(statement: Statement, *, amount: str, reason: str, admin, finance, finance_checker, at) -> Statement:
    """The statement disputed by its admin for `reason`, a dispute adjustment of `amount` approved, and version n+1
    issued without a note."""
    statements.dispute_statement(statement=statement, actor=admin, now=at, reason=reason)
    proposed = adjustments.propose_adjustment(supplier=statement.supplier, kind="dispute", amount=amount, reason="补记漏算配送",
                                              actor=finance, now=at + timedelta(hours=1), statement=statement)
    adjustments.approve_adjustment(adjustment=proposed, actor=finance_checker, now=at + timedelta(hours=2))
    return statements.reissue_statement(statement=statement, actor=finance, now=at + timedelta(hours=3))


@pytest.fixture
def reissued(issued, supplier_admin, finance, finance_checker) -> Statement:
    return answered(issued, amount="12.00", reason="少计一笔10月9日的配送", admin=supplier_admin, finance=finance,
                    finance_checker=finance_checker, at=LATER)


def _text(version: StatementVersion) -> str:
    return "\n".join(pages_of(render_statement(version)))


def test_a_version_reissued_without_a_note_prints_the_dispute_it_answers_and_its_dispute_adjustments(reissued):
    version = reissued.versions.get(number=2)
    number = reissued.dispute_adjustments.get().number

    with version.pdf.open("rb") as stored:
        text = "\n".join(pages_of(stored.read()))

    assert "答复第1版异议：少计一笔10月9日的配送" in text
    assert f"{number} 12.00" in text
    assert "下发说明 Reason —" not in text


def test_a_note_finance_gave_is_printed_beside_the_dispute_it_answers(issued, supplier_admin, finance):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="金额有误")
    statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=1), reason="核对无误，原样重发")

    text = _text(issued.versions.get(number=2))

    assert "下发说明 Reason 核对无误，原样重发" in text
    assert "答复第1版异议：金额有误" in text and "异议调账 Dispute adjustments 无 None" in text


def test_each_version_answers_its_own_dispute_even_rendered_again_after_a_later_one(reissued, supplier_admin, finance, finance_checker):
    second = reissued.versions.get(number=2)
    before = render_statement(second)
    answered(reissued, amount="-5.00", reason="退货冲减少了一件", admin=supplier_admin, finance=finance,
             finance_checker=finance_checker, at=LATER + timedelta(days=1))

    third = _text(reissued.versions.get(number=3))

    assert render_statement(StatementVersion.objects.get(pk=second.pk)) == before
    assert "答复第2版异议：退货冲减少了一件" in third and "少计一笔10月9日的配送" not in third
    assert "-5.00" in third and "12.00" not in third.split("异议调账 Dispute adjustments")[1].split("开户银行")[0]


def test_the_first_version_answers_no_dispute(issued):
    text = _text(issued.versions.get(number=1))

    assert "答复" not in text and "下发说明" not in text


@pytest.mark.parametrize("role", ["finance", "supplier_admin", "supplier_staff", "operator"])
def test_the_statement_page_says_what_each_version_answers(reissued, role, request):
    number = reissued.dispute_adjustments.get().number

    html = logged_in(request.getfixturevalue(role)).get(f"/settlement/statements/{reissued.pk}/").content.decode()

    note = html.split('data-version-note="2"')[1].split("</tr>")[0]
    assert "答复第1版异议：少计一笔10月9日的配送" in note and f"{number} ¥12.00" in note
    assert 'data-version-note="1"' not in html


def test_the_answer_reads_in_english(reissued, finance):
    html = page_in(finance, f"/settlement/statements/{reissued.pk}/", "en")

    assert "Answers the dispute of v1: 少计一笔10月9日的配送" in html and "Dispute adjustments booked in this version" in html


def test_another_suppliers_statement_is_not_found(reissued, other_supplier_admin):
    assert logged_in(other_supplier_admin).get(f"/settlement/statements/{reissued.pk}/").status_code == 404
