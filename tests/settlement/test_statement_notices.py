"""The supplier hears of each statement version issued and of its payment in the portal inbox as well as by SMS
(SPEC §4.11, §4.12): an SMS held for the quiet hours is no reason to miss a statement that confirms itself after
10 days."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import Notification
from settlement.services import adjustments, statements
from suppliers.models import Notice, Supplier
from tests.portal import logged_in
from tests.settlement.conftest import GENERATED_AT

pytestmark = pytest.mark.django_db
LATER = GENERATED_AT + timedelta(days=1)


def test_issuing_puts_a_notice_with_the_month_version_payable_and_confirm_by_date_in_the_inbox(issued):
    notice = Notice.objects.get(supplier=issued.supplier, kind="statement_issued")

    assert notice.title_text == "2026-10 结算单第 1 版已下发"
    assert "应付 ¥300.00。" in notice.body_text and "2026-11-11 10:00 前确认或提出异议" in notice.body_text
    assert notice.link == reverse("settlement-statement", args=[issued.pk])


def test_an_invoice_of_another_amount_is_refused_naming_both_amounts_as_pages_show_money(issued, supplier_admin):
    from core.errors import ValidationFailed

    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    with pytest.raises(ValidationFailed) as refused:
        statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.01")

    assert (refused.value.field, refused.value.detail) == ("invoice_amount", "发票金额 ¥300.01 与应付金额 ¥300.00 不一致")


def test_an_invoice_amount_typed_in_full_width_digits_is_read(issued, supplier_admin):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="３００．００")

    issued.refresh_from_db()
    assert (issued.state, issued.invoice_amount) == ("invoiced", Decimal("300.00"))


def test_the_statement_sms_names_the_payable_as_the_notice_does(issued):
    sms = Notification.objects.get(subject_type="settlement.statement", kind="statement_issued")

    assert "应付 ¥300.00，请在10天内确认" in sms.body


def test_the_statement_notice_is_texted_once_with_the_statements_own_sms(issued):
    notice = Notice.objects.get(kind="statement_issued")

    assert list(Notification.objects.filter(subject_type="settlement.statement").values_list("kind", flat=True)) == ["statement_issued"]
    assert not Notification.objects.filter(subject_type="suppliers.notice", subject_id=str(notice.pk)).exists()


def test_a_reissued_version_is_noticed_with_its_number_and_payable(issued, supplier_admin, finance, finance_checker):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算破损")
    adjustment = adjustments.propose_adjustment(supplier=issued.supplier, kind="dispute", amount="-20.00", reason="少算破损",
                                                statement=issued, actor=finance, now=LATER)
    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=LATER)

    statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=1))

    notice = Notice.objects.filter(supplier=issued.supplier).first()
    assert notice.title_text == "2026-10 结算单第 2 版已下发"
    assert "应付 ¥280.00。" in notice.body_text and "2026-11-12 03:00 前" in notice.body_text
    assert "下发说明" not in notice.body_text  # finance said nothing more than the version itself
    assert "下发说明" not in Notification.objects.filter(subject_type="settlement.statement").latest("pk").body


def _reissue_with_note(issued, *, supplier_admin, finance, note):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算破损")
    Notification.objects.all().delete()
    statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=1), reason=note)
    return Notice.objects.filter(supplier=issued.supplier).first(), Notification.objects.get(subject_type="settlement.statement")


def test_a_reissue_tells_the_supplier_finances_answer_to_its_dispute_in_the_notice_and_the_sms(issued, supplier_admin, finance):
    notice, sms = _reissue_with_note(issued, supplier_admin=supplier_admin, finance=finance, note="破损已核实由物流承担，金额不变。")

    assert notice.title_text == "2026-10 结算单第 2 版已下发"
    assert "下发说明：破损已核实由物流承担，金额不变。请于 2026-11-12 03:00 前" in notice.body_text
    assert "下发说明：破损已核实由物流承担，金额不变。请在10天内" in sms.body
    with translation.override("en"):
        assert "Finance's note: 破损已核实由物流承担，金额不变. Please confirm" in notice.body_label


def test_a_long_reissue_note_is_shortened_in_the_notice_and_the_sms_the_statement_page_keeping_it_whole(
    issued, supplier_admin, finance
):
    note = "核对明细：" + "第1行已按签收单更正；" * 40

    notice, sms = _reissue_with_note(issued, supplier_admin=supplier_admin, finance=finance, note=note)

    shown = notice.body_text.split("下发说明：")[1].split("。请于")[0]
    assert len(shown) == statements.NOTE_SHOWN and shown.endswith("…") and note.startswith(shown[:-1])
    assert len(sms.body) < 150 and "…。请在10天内" in sms.body
    page = logged_in(supplier_admin).get(reverse("settlement-statement", args=[issued.pk])).content.decode()
    assert note.strip() in page


def test_paying_puts_a_notice_with_the_amount_and_reference_in_the_inbox(issued, supplier_admin, finance, finance_checker):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)

    statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="HX20261102001")

    notice = Notice.objects.filter(supplier=issued.supplier).first()
    assert (notice.kind, notice.title_text) == ("statement_paid", "2026-10 结算单已付款")
    assert "付款 ¥300.00，" in notice.body_text and "HX20261102001" in notice.body_text and "2026-11-02" in notice.body_text
    assert notice.link == reverse("settlement-statement", args=[issued.pk])


def test_the_inbox_links_a_notice_to_the_page_it_is_about(issued, supplier_admin):
    response = logged_in(supplier_admin).get(reverse("supplier-notices"))

    assert f'<a href="{reverse("settlement-statement", args=[issued.pk])}">2026-10 结算单第 1 版已下发</a>' in response.content.decode()


@pytest.mark.parametrize(("setting", "texted"), [("action", ["statement_issued"]), ("none", [])])
def test_an_issued_statement_waits_for_the_suppliers_answer_so_it_is_texted_unless_the_supplier_wants_no_sms(
    draft, finance, setting, texted
):
    Supplier.objects.filter(pk=draft.supplier_id).update(sms_notices=setting)
    draft.refresh_from_db()

    statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT.replace(hour=10))

    assert Notice.objects.filter(supplier=draft.supplier, kind="statement_issued").exists()
    assert list(Notification.objects.filter(subject_type="settlement.statement").values_list("kind", flat=True)) == texted


def test_a_supplier_wanting_only_what_needs_its_action_is_not_texted_of_a_payment(issued, supplier_admin, finance, finance_checker):
    Supplier.objects.filter(pk=issued.supplier_id).update(sms_notices="action")
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    issued.refresh_from_db()

    statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="HX20261102001")

    assert Notice.objects.filter(supplier=issued.supplier, kind="statement_paid").exists()
    assert not Notification.objects.filter(kind="statement_paid").exists()


RECONCILIATION_FILE = "订单号,SKU,类型,数量,金额\nRO-X,SKU-X,配送,1,180.00\n".encode()


def _upload(statement, supplier_admin, now):
    from settlement.services.reconciliation import upload_reconciliation

    return upload_reconciliation(statement=statement, file_name="ours.csv", content=RECONCILIATION_FILE, actor=supplier_admin, now=now)


def test_a_first_upload_that_moves_the_deadline_tells_the_supplier_the_new_one_once(issued, supplier_admin):
    first, again = issued.issued_at + timedelta(days=2), issued.issued_at + timedelta(days=5)

    _upload(issued, supplier_admin, first)
    _upload(issued, supplier_admin, again)

    (notice,) = Notice.objects.filter(supplier=issued.supplier, kind="statement_deadline_moved")
    new_deadline = statements.respond_by(issued)
    assert new_deadline == first + timedelta(days=10)
    assert notice.title_text == "2026-10 结算单第 1 版答复期限已延至 2026-11-13 10:00"
    assert "请于 2026-11-13 10:00 前确认或提出异议" in notice.body_text
    assert notice.link == reverse("settlement-statement", args=[issued.pk])
    (sms,) = Notification.objects.filter(subject_type="settlement.statement", kind="statement_deadline_moved")
    assert "答复期限已延至 2026-11-13 10:00" in sms.body
    with translation.override("en"):
        assert notice.title_label == "2026-10 statement version 1: time to answer extended to 2026-11-13 10:00"


def test_an_upload_that_moves_no_deadline_tells_nothing(issued, supplier_admin):
    _upload(issued, supplier_admin, issued.issued_at + timedelta(days=10, hours=1))  # the time to answer is over already

    assert statements.respond_by(issued) == issued.issued_at + timedelta(days=10)
    assert not Notice.objects.filter(kind="statement_deadline_moved").exists()
    assert not Notification.objects.filter(kind="statement_deadline_moved").exists()
