"""The statement workflow (SPEC §4.11): every transition, the illegal ones, versions that never change, maker-checker
adjustments, invoices equal to the payable, deemed confirmation, carry-forward and receivables."""
import html
import re
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
import pdfplumber
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import apply_transition, history_of
from core.models import Notification
from settlement.errors import DeemedConfirmed
from settlement.models import Adjustment, GenerationRun, Section, Statement, StatementLine
from settlement.services import adjustments, generation, statements
from suppliers.events import SupplierTerminated
from suppliers.models import Notice
from suppliers.services import onboarding
from tests.creation import assert_history_begins_with_creation
from tests.conftest import client_for
from tests.portal import logged_in, page_in
from tests.factories import SHANGHAI, SupplierFactory, SupplierUserFactory, contracted
from tests.settlement.conftest import GENERATED_AT, LATER, OCTOBER, booked_order, issued_october, paying_account

pytestmark = pytest.mark.django_db
NOVEMBER, DECEMBER = generation.next_month(OCTOBER), generation.next_month(generation.next_month(OCTOBER))
DECEMBER_2ND = datetime(2026, 12, 2, 10, tzinfo=SHANGHAI)


def state_of(statement) -> str:
    statement.refresh_from_db()
    return statement.state


def dispute_adjustment(statement, *, maker, checker, amount="-20.00"):
    adjustment = adjustments.propose_adjustment(supplier=statement.supplier, kind="dispute", amount=amount, reason="少算破损",
                                                statement=statement, actor=maker, now=LATER)
    return adjustments.approve_adjustment(adjustment=adjustment, actor=checker, now=LATER)


# --- generation -------------------------------------------------------------------------------------------------

def test_generation_makes_a_draft_with_its_first_version_and_totals(draft):
    version = draft.versions.get()
    assert (draft.state, draft.version, draft.payable) == ("draft", 1, Decimal("300.00"))
    assert (version.deliveries, version.payable, version.line_count) == (Decimal("300.00"), Decimal("300.00"), 2)


def test_a_month_that_has_not_ended_cannot_be_generated(finance):
    with pytest.raises(ValidationFailed) as error:
        generation.start_generation(month=OCTOBER, actor=finance, now=datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI))
    assert error.value.field == "month"
    assert not GenerationRun.objects.exists()


def test_a_month_may_be_generated_from_midnight_opening_the_next_month_and_not_a_moment_before(finance):
    cutoff = generation.cutoff_of(OCTOBER)
    assert cutoff == datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI)

    with pytest.raises(ValidationFailed):
        generation.start_generation(month=OCTOBER, actor=finance, now=cutoff - timedelta(microseconds=1))
    run = generation.start_generation(month=OCTOBER, actor=finance, now=cutoff)

    assert list(GenerationRun.objects.values_list("pk", "month")) == [(run.pk, OCTOBER)]


def test_a_run_records_its_progress(draft):
    run = GenerationRun.objects.get()
    assert (run.status, run.suppliers_total, run.suppliers_done, run.percent, run.lines_claimed) == ("finished", 1, 1, 100, 2)


def test_generation_queries_do_not_grow_with_the_number_of_orders(supplier, finance):
    ContentType.objects.get_for_model(Statement)  # read once per process (the generation log's), not per generation
    counts = []
    for month, orders in ((OCTOBER, 2), (generation.next_month(OCTOBER), 30)):
        for n in range(orders):
            booked_order(supplier, "10.00", recorded_at=generation.month_start(month) + timedelta(hours=1, minutes=n))
        with CaptureQueriesContext(connection) as queries:
            generation.generate_now(month=month, actor=finance, now=generation.cutoff_of(month) + timedelta(hours=2))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Statement.objects.get(month=generation.next_month(OCTOBER)).payable == Decimal("300.00")


def test_a_months_statements_begin_their_history_generated_by_who_started_the_run_logged_in_one_insert(finance):
    suppliers = SupplierFactory.create_batch(4)
    for supplier in suppliers:
        booked_order(supplier, "10.00", recorded_at=datetime(2026, 10, 10, tzinfo=SHANGHAI))

    with CaptureQueriesContext(connection) as queries:
        generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)

    logged = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "core_transitionlog"')]
    generated = list(Statement.objects.filter(month=OCTOBER))
    assert len(generated) == 4 and len(logged) == 1
    for statement in generated:
        assert_history_begins_with_creation(statement)
        assert (history_of(statement).get().actor, history_of(statement).get().at) == (finance, GENERATED_AT)


def test_an_issued_statement_takes_no_new_line_when_the_month_is_generated_again(issued, finance):
    booked_order(issued.supplier, "50.00", recorded_at=datetime(2026, 10, 20, tzinfo=SHANGHAI))  # e.g. restored from a backup

    generation.generate_now(month=OCTOBER, actor=finance, now=LATER)

    issued.refresh_from_db()
    assert (issued.payable, issued.lines.count()) == (Decimal("300.00"), 2)


def test_an_unclaimed_earlier_event_is_booked_by_the_next_month_generated(supplier, finance):
    booked_order(supplier, "70.00", recorded_at=datetime(2026, 9, 30, 23, 0, tzinfo=SHANGHAI))

    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)

    assert Statement.objects.get(month=OCTOBER).payable == Decimal("70.00")


def test_a_delivery_recorded_at_midnight_opening_the_next_month_is_booked_on_the_next_months_statement(supplier, finance):
    booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 31, 23, 59, 59, tzinfo=SHANGHAI))
    booked_order(supplier, "40.00", recorded_at=datetime(2026, 11, 1, 0, 0, tzinfo=SHANGHAI))

    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    assert Statement.objects.get(month=OCTOBER).payable == Decimal("100.00")
    assert Statement.objects.get(month=NOVEMBER).payable == Decimal("40.00")


# --- issue ------------------------------------------------------------------------------------------------------

def test_issuing_freezes_the_version_with_its_bank_account_and_pdf(issued, finance):
    version = issued.versions.get()
    assert (issued.state, issued.issued_at) == ("issued", GENERATED_AT.replace(hour=10))
    assert (version.account_number, version.issued_by, len(version.pdf_sha256)) == ("6216600000001234", finance, 64)
    assert Notification.objects.filter(kind="statement_issued", phone=issued.supplier.contact_phone).exists()


def test_a_positive_payable_cannot_be_issued_without_an_account_approved_seven_days_before(draft, finance):
    draft.supplier.bank_accounts.update(approved_at=GENERATED_AT - timedelta(days=6, hours=23))

    with pytest.raises(ValidationFailed) as error:
        statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT)

    assert (error.value.field, state_of(draft)) == ("bank_account", "draft")


def test_the_account_approved_just_seven_days_before_is_the_one_paid(draft, finance):
    newer = paying_account(draft.supplier)
    newer.account_number, newer.approved_at = "6216600000009999", GENERATED_AT - timedelta(days=7)
    newer.save()

    statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT)

    assert draft.versions.get().account_number == "6216600000009999"


@pytest.mark.parametrize("role", ["operator", "supplier_admin", "logistics", "member"])
def test_only_finance_issues(draft, role, request):
    actor = request.getfixturevalue(role) if role != "member" else request.getfixturevalue("member").user
    with pytest.raises(PermissionDenied):
        statements.issue_statement(statement=draft, actor=actor, now=LATER)
    assert state_of(draft) == "draft"


# --- the supplier's answer ----------------------------------------------------------------------------------------

def test_the_supplier_admin_confirms(issued, supplier_admin):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    issued.refresh_from_db()
    assert (issued.state, issued.confirmed_at, issued.deemed_confirmed) == ("confirmed", LATER, False)
    assert [log.actor for log in history_of(issued)][-1] == supplier_admin


@pytest.mark.parametrize("who", ["supplier_staff", "other_supplier_admin", "finance"])
def test_only_the_suppliers_own_admin_confirms_or_disputes(issued, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        statements.confirm_statement(statement=issued, actor=actor, now=LATER)
    with pytest.raises(PermissionDenied):
        statements.dispute_statement(statement=issued, actor=actor, now=LATER, reason="金额不对")
    assert state_of(issued) == "issued"


def test_a_dispute_needs_a_reason(issued, supplier_admin):
    with pytest.raises(ValidationFailed) as error:
        statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="  ")
    assert (error.value.field, state_of(issued)) == ("reason", "issued")


def test_a_dispute_is_answered_by_a_new_version_and_the_issued_one_never_changes(issued, supplier_admin, finance, finance_checker):
    v1 = issued.versions.get()
    frozen = (v1.payable, v1.line_count, v1.pdf_sha256, v1.pdf.read())
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="10月9日订单少算破损")
    dispute_adjustment(issued, maker=finance, checker=finance_checker)

    statements.reissue_statement(statement=issued, actor=finance, now=LATER + timedelta(hours=1), reason="按异议调减")

    issued.refresh_from_db()
    v1.refresh_from_db()
    v2 = issued.versions.get(number=2)
    assert (issued.state, issued.version, issued.payable, issued.dispute_reason) == ("issued", 2, Decimal("280.00"), "10月9日订单少算破损")
    assert (v2.adjustments, v2.payable, v2.line_count) == (Decimal("-20.00"), Decimal("280.00"), 3)
    assert (v1.payable, v1.line_count, v1.pdf_sha256, v1.pdf.read()) == frozen
    assert v2.pdf_sha256 != v1.pdf_sha256
    assert statements.version_lines(v1).count() == 2


def test_a_dispute_adjustment_waits_for_the_next_version_not_the_next_month(issued, supplier_admin, finance, finance_checker):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算")
    dispute_adjustment(issued, maker=finance, checker=finance_checker)

    generation.generate_now(month=generation.next_month(OCTOBER), actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    line = StatementLine.objects.get(section=Section.ADJUSTMENT)
    assert (line.statement_id, line.version) == (issued.pk, 2)


def test_a_dispute_adjustment_needs_a_statement_in_dispute(issued, finance):
    with pytest.raises(ValidationFailed) as error:
        adjustments.propose_adjustment(supplier=issued.supplier, kind="dispute", amount="-5", reason="x", statement=issued,
                                       actor=finance, now=LATER)
    assert error.value.field == "statement"


def test_a_statement_is_not_reissued_while_a_dispute_adjustment_waits_for_its_checker(issued, supplier_admin, finance, finance_checker):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算")
    waiting = adjustments.propose_adjustment(supplier=issued.supplier, kind="dispute", amount="5", reason="补差", statement=issued,
                                             actor=finance, now=LATER)

    with pytest.raises(ValidationFailed) as refused:
        statements.reissue_statement(statement=issued, actor=finance, now=LATER)
    adjustments.approve_adjustment(adjustment=waiting, actor=finance_checker, now=LATER)
    statements.reissue_statement(statement=issued, actor=finance, now=LATER)

    issued.refresh_from_db()
    assert refused.value.field == "adjustments" and "1 笔异议调账待审批" in refused.value.detail
    assert (issued.state, issued.version, issued.payable) == ("issued", 2, Decimal("305.00"))
    assert [line.section for line in statements.version_lines(statements.current_version(issued))] == ["delivery", "delivery", "adjustment"]


def test_a_version_that_changes_nothing_is_reissued_only_with_a_reason_its_pdf_prints(issued, supplier_admin, finance):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算")
    assert statements.pending_version(issued)["changed"] is False

    with pytest.raises(ValidationFailed) as error:
        statements.reissue_statement(statement=issued, actor=finance, now=LATER, reason=" ")
    assert (error.value.field, state_of(issued)) == ("reason", "disputed")
    statements.reissue_statement(statement=issued, actor=finance, now=LATER, reason="核对签收记录无误，维持原金额")

    v2 = issued.versions.get(number=2)
    with pdfplumber.open(v2.pdf.open("rb")) as document:
        text = "\n".join(page.extract_text() for page in document.pages)
    assert v2.reason == "核对签收记录无误，维持原金额"
    assert "Supersedes v1 (应付 Payable 300.00)" in text and "核对签收记录无误，维持原金额" in text


def test_the_pending_version_shows_what_the_approved_dispute_adjustments_change(issued, supplier_admin, finance, finance_checker):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算")
    dispute_adjustment(issued, maker=finance, checker=finance_checker)

    pending = statements.pending_version(issued)

    assert (pending["number"], pending["adjustments"], pending["payable"], pending["changed"]) == (2, Decimal("-20.00"), Decimal("280.00"), True)


def test_reissuing_needs_a_dispute(issued, finance):
    with pytest.raises(InvalidTransition):
        statements.reissue_statement(statement=issued, actor=finance, now=LATER)
    assert issued.versions.count() == 1


def issued_on(days: list[int], *, finance) -> list[Statement]:
    """October statements of as many suppliers, each issued that many days after generation."""
    suppliers = [contracted(SupplierFactory()) for _ in days]
    for supplier in suppliers:
        paying_account(supplier)
        booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    return [statements.issue_statement(statement=Statement.objects.get(supplier=supplier, month=OCTOBER), actor=finance,
                                       now=GENERATED_AT + timedelta(days=day)) for supplier, day in zip(suppliers, days, strict=True)]


def test_deeming_statements_confirmed_tells_their_suppliers_in_queries_that_do_not_grow_with_the_statements(finance):
    alone, *together = issued_on([1, 2, 2, 2], finance=finance)
    statements.deem_confirmed(now=GENERATED_AT)  # once before counting: what a process reads once (content types) is read

    with CaptureQueriesContext(connection) as one:
        first = statements.deem_confirmed(now=alone.issued_at + timedelta(days=10))
    with CaptureQueriesContext(connection) as three:
        then = statements.deem_confirmed(now=together[0].issued_at + timedelta(days=10))

    assert (first, sorted(then)) == ([alone.pk], sorted(statement.pk for statement in together))
    assert len(one.captured_queries) == len(three.captured_queries), "\n".join(q["sql"] for q in three.captured_queries)
    told = Notice.objects.filter(kind="statement_deemed_confirmed")
    assert sorted(told.values_list("supplier_id", flat=True)) == sorted(s.supplier_id for s in [alone, *together])
    texted = Notification.objects.filter(kind="supplier_notice", subject_id__in=[str(pk) for pk in told.values_list("pk", flat=True)])
    assert sorted(texted.values_list("phone", flat=True)) == sorted(s.supplier.contact_phone for s in [alone, *together])
    assert set(texted.values_list("body", flat=True)) == {"【积分商城礼品商平台】2026-10 结算单已视同确认"}


def test_a_statement_deemed_confirmed_tells_its_supplier_once(issued):
    statements.deem_confirmed(now=issued.issued_at + timedelta(days=10))
    statements.deem_confirmed(now=issued.issued_at + timedelta(days=10))
    statements.deem_confirmed(now=issued.issued_at + timedelta(days=11))

    notice = Notice.objects.get(kind="statement_deemed_confirmed")
    assert Notification.objects.filter(kind="supplier_notice", subject_id=str(notice.pk)).count() == 1
    assert [log.transition for log in history_of(issued)][-1] == "confirm"


def test_a_negative_payable_deemed_confirmed_after_termination_closes_as_a_receivable(negative, operator):
    supplier = negative.supplier
    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=LATER, reason="合同到期不再续约")

    statements.deem_confirmed(now=negative.issued_at + timedelta(days=10))

    negative.refresh_from_db()
    assert (negative.state, negative.deemed_confirmed, negative.receivable) == ("closed", True, True)
    assert history_of(negative).get(transition="close").reason == statements.OWED_AFTER_TERMINATION


def test_a_negative_payable_deemed_confirmed_closes_to_be_carried_forward(negative):
    statements.deem_confirmed(now=negative.issued_at + timedelta(days=10))

    negative.refresh_from_db()
    assert (negative.state, negative.deemed_confirmed, negative.receivable) == ("closed", True, False)
    assert history_of(negative).get(transition="close").reason == statements.CARRIED_INTO_NEXT


def test_ten_days_without_an_answer_count_as_confirmed(issued):
    assert statements.deem_confirmed(now=issued.issued_at + timedelta(days=10) - timedelta(seconds=1)) == []

    assert statements.deem_confirmed(now=issued.issued_at + timedelta(days=10)) == [issued.pk]

    issued.refresh_from_db()
    assert (issued.state, issued.deemed_confirmed) == ("confirmed", True)
    assert statements.deem_confirmed(now=issued.issued_at + timedelta(days=11)) == []


def test_a_reconciliation_upload_is_a_supplier_action_that_holds_off_deemed_confirmation_for_ten_days(issued, supplier_admin):
    from settlement.services.reconciliation import upload_reconciliation

    uploaded_at = issued.issued_at + timedelta(days=2)
    content = "订单号,SKU,类型,数量,金额\nRO-X,SKU-X,配送,1,180.00\n".encode()
    upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin, now=uploaded_at)

    assert statements.deem_confirmed(now=issued.issued_at + timedelta(days=10)) == []
    assert statements.deem_confirmed(now=uploaded_at + timedelta(days=10)) == [issued.pk]


def test_uploading_again_does_not_put_deemed_confirmation_off_past_ten_days_from_the_first_upload(issued, supplier_admin):
    from settlement.services.reconciliation import upload_reconciliation

    content = "订单号,SKU,类型,数量,金额\nRO-X,SKU-X,配送,1,180.00\n".encode()
    first = issued.issued_at + timedelta(days=2)
    for days in (2, 8, 11):
        upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin,
                              now=issued.issued_at + timedelta(days=days))

    assert statements.respond_by(issued) == first + timedelta(days=10)
    assert statements.deem_confirmed(now=first + timedelta(days=10) - timedelta(seconds=1)) == []
    assert statements.deem_confirmed(now=first + timedelta(days=10)) == [issued.pk]


@pytest.mark.parametrize(("uploaded_after", "respond_by_after"), [
    (timedelta(days=10) - timedelta(seconds=1), timedelta(days=20) - timedelta(seconds=1)),
    (timedelta(days=10), timedelta(days=10)),
    (timedelta(days=10, hours=1), timedelta(days=10)),
], ids=["a second before the 10 days", "at the 10 days", "an hour after the 10 days"])
def test_only_a_first_upload_within_ten_days_of_issue_puts_deemed_confirmation_off(issued, supplier_admin, uploaded_after,
                                                                                   respond_by_after):
    from settlement.services.reconciliation import upload_reconciliation
    uploaded_at = issued.issued_at + uploaded_after
    content = "订单号,SKU,类型,数量,金额\nRO-X,SKU-X,配送,1,180.00\n".encode()

    upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin, now=uploaded_at)
    respond_by = statements.respond_by(issued)
    confirmed_by_next_beat = statements.deem_confirmed(now=uploaded_at + timedelta(hours=16))

    assert issued.reconciliations.count() == 1  # a late file is matched all the same
    assert respond_by == issued.issued_at + respond_by_after
    assert confirmed_by_next_beat == ([] if respond_by_after > uploaded_after else [issued.pk])


def test_a_dispute_once_the_time_to_answer_is_over_is_refused_before_the_beat_confirms_and_changes_nothing(issued, supplier_admin):
    deadline = issued.issued_at + timedelta(days=10)

    with pytest.raises(DeemedConfirmed) as error:
        statements.dispute_statement(statement=issued, actor=supplier_admin, now=deadline, reason="金额不对")

    assert (error.value.code, error.value.status, error.value.field) == ("deemed_confirmed", 409, "respond_by")
    assert "2026-11-11 10:00" in error.value.detail  # the deadline, in Shanghai time
    issued.refresh_from_db()
    assert (issued.state, issued.dispute_reason, [log.transition for log in history_of(issued)][-1]) == ("issued", "", "issue")
    assert statements.deem_confirmed(now=deadline + timedelta(hours=1)) == [issued.pk]


def test_a_dispute_within_ten_days_of_the_first_upload_is_taken_after_ten_days_from_issue(issued, supplier_admin):
    from settlement.services.reconciliation import upload_reconciliation

    content = "订单号,SKU,类型,数量,金额\nRO-X,SKU-X,配送,1,180.00\n".encode()
    upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin,
                          now=issued.issued_at + timedelta(days=9))

    statements.dispute_statement(statement=issued, actor=supplier_admin, now=issued.issued_at + timedelta(days=18), reason="金额不对")

    assert state_of(issued) == "disputed"


def test_an_issued_statement_tells_when_it_is_deemed_confirmed_and_an_answered_one_does_not(issued, supplier_admin):
    assert statements.respond_by(issued) == issued.issued_at + timedelta(days=10)
    listed, = statements.list_statements(actor=supplier_admin)
    assert listed.respond_by == issued.issued_at + timedelta(days=10)

    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    issued.refresh_from_db()
    listed, = statements.list_statements(actor=supplier_admin)
    assert statements.respond_by(issued) is None and listed.respond_by is None


# --- invoice, approval, payment ---------------------------------------------------------------------------------

def test_invoice_approval_and_payment(issued, supplier_admin, finance, finance_checker):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="HX20261102001")

    issued.refresh_from_db()
    assert (issued.state, issued.invoice_number, issued.invoice_amount) == ("paid", "04412345", Decimal("300.00"))
    assert (issued.payment_reference, issued.payment_date) == ("HX20261102001", LATER.date())
    assert [log.transition for log in history_of(issued)] == ["generate", "issue", "confirm", "invoice", "approve_payment", "pay"]
    assert [log.reason for log in history_of(issued)][3:] == ["04412345", "", "HX20261102001"]  # the number, in any language


@pytest.mark.parametrize(("amount", "field"), [("299.99", "invoice_amount"), ("abc", "invoice_amount"), ("300.001", "invoice_amount")])
def test_an_invoice_other_than_the_payable_is_refused(issued, supplier_admin, amount, field):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    with pytest.raises(ValidationFailed) as error:
        statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount=amount)
    assert (error.value.field, state_of(issued)) == (field, "confirmed")


def test_an_invoice_needs_its_number(issued, supplier_admin):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    with pytest.raises(ValidationFailed) as error:
        statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number=" ", amount="300.00")
    assert error.value.field == "invoice_number"


@pytest.mark.parametrize("number", ["0441234", "044123456", "0441234A", "0441-2345", "1234567890123456789", "123456789012345678901",
                                    "０４４１２３４５"])
def test_an_invoice_number_of_other_than_8_or_20_digits_is_refused_naming_it(issued, supplier_admin, number):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    with pytest.raises(ValidationFailed) as error:
        statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number=number, amount="300.00")

    assert error.value.field == "invoice_number" and number in str(error.value)
    assert (state_of(issued), Statement.objects.get(pk=issued.pk).invoice_number) == ("confirmed", "")


@pytest.mark.parametrize("number", ["04412345", "26332000000012345678"])
def test_a_vat_invoice_of_8_digits_and_a_fully_digital_one_of_20_are_taken(issued, supplier_admin, number):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number=f" {number} ", amount="300.00")

    issued.refresh_from_db()
    assert (issued.state, issued.invoice_number) == ("invoiced", number)


def test_a_payment_needs_a_reference_and_a_date_not_in_the_future(issued, supplier_admin, finance, finance_checker):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    with pytest.raises(ValidationFailed) as no_reference:
        statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="")
    with pytest.raises(ValidationFailed) as future:
        statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="R1", paid_on=LATER.date() + timedelta(days=1))
    assert (no_reference.value.field, future.value.field, state_of(issued)) == ("payment_reference", "payment_date", "approved")


def test_a_payment_cannot_be_dated_before_its_approval(issued, supplier_admin, finance, finance_checker):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)

    with pytest.raises(ValidationFailed) as too_early:
        statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="R1", paid_on=LATER.date() - timedelta(days=1))
    statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="R1", paid_on=LATER.date())

    assert too_early.value.field == "payment_date" and state_of(issued) == "paid"


def test_the_issuer_cannot_approve_the_payment_nor_the_approver_pay_it(issued, supplier_admin, finance, finance_checker):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")

    with pytest.raises(PermissionDenied):
        statements.approve_payment(statement=issued, actor=finance, now=LATER)  # finance issued it
    assert state_of(issued) == "invoiced"
    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    with pytest.raises(PermissionDenied):
        statements.pay_statement(statement=issued, actor=finance_checker, now=LATER, reference="R1")
    assert state_of(issued) == "approved"
    statements.pay_statement(statement=issued, actor=finance, now=LATER, reference="R1")

    issued.refresh_from_db()
    assert (issued.state, issued.issued_by, issued.payment_approved_by, issued.paid_by) == ("paid", finance, finance_checker, finance)


def test_the_issuer_of_a_new_version_is_the_one_who_may_not_approve_its_payment(issued, supplier_admin, finance, finance_checker):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算")
    statements.reissue_statement(statement=issued, actor=finance_checker, now=LATER, reason="核对无误，原样重发")
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")

    with pytest.raises(PermissionDenied):
        statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    assert statements.approve_payment(statement=issued, actor=finance, now=LATER).state == "approved"


def test_the_database_refuses_an_issuer_who_approves_or_an_approver_who_pays(issued, finance, finance_checker):
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=issued.pk).update(payment_approved_by=finance)
    Statement.objects.filter(pk=issued.pk).update(payment_approved_by=finance_checker)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=issued.pk).update(paid_by=finance_checker)


def test_a_payment_step_waits_only_for_the_finance_users_who_may_take_it(issued, supplier_admin, finance, finance_checker):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")
    assert (statements.statements_waiting(finance), statements.statements_waiting(finance_checker)) == (0, 1)

    statements.approve_payment(statement=issued, actor=finance_checker, now=LATER)
    assert (statements.statements_waiting(finance), statements.statements_waiting(finance_checker)) == (1, 0)


def test_one_invoice_number_settles_one_statement_of_a_supplier(issued, supplier, supplier_admin, finance):
    booked_order(supplier, "50.00", recorded_at=datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER.replace(month=11), actor=finance, now=GENERATED_AT.replace(month=12))
    Statement.objects.filter(supplier=supplier, month=OCTOBER.replace(month=11)).update(invoice_number="04412345")
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    with pytest.raises(ValidationFailed) as reused:
        statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number=" 04412345 ", amount="300.00")
    with pytest.raises(ValidationFailed) as too_long:
        statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="9" * 41, amount="300.00")

    assert (reused.value.field, too_long.value.field, state_of(issued)) == ("invoice_number", "invoice_number", "confirmed")
    with pytest.raises(IntegrityError):
        Statement.objects.filter(pk=issued.pk).update(invoice_number="04412345")


# --- every state refuses what it does not allow ------------------------------------------------------------------

ILLEGAL = {
    "draft": ["confirm", "dispute", "reissue", "invoice", "approve_payment", "pay", "close"],
    "issued": ["issue", "reissue", "invoice", "approve_payment", "pay", "close"],
    "disputed": ["issue", "confirm", "dispute", "invoice", "approve_payment", "pay", "close"],
    "confirmed": ["issue", "confirm", "dispute", "reissue", "approve_payment", "pay", "close"],  # close: payable > 0
    "invoiced": ["issue", "confirm", "dispute", "reissue", "invoice", "pay", "close"],
    "approved": ["issue", "confirm", "dispute", "reissue", "invoice", "approve_payment", "close"],
    "paid": ["issue", "confirm", "dispute", "reissue", "invoice", "approve_payment", "pay", "close"],
}
ARGUMENTS = {
    "issue": {"issued_at": LATER, "issued_by": None}, "confirm": {"confirmed_at": LATER}, "dispute": {"dispute_reason": "x"},
    "reissue": {"version": 9, "payable": Decimal("1"), "issued_at": LATER, "issued_by": None}, "invoice": {"number": "1", "amount": Decimal("1"), "invoiced_at": LATER},
    "approve_payment": {"approved_at": LATER, "approved_by": None}, "pay": {"reference": "R", "paid_on": LATER.date(), "paid_by": None},
    "close": {"closed_at": LATER, "receivable": False},
}
PATH = {
    "draft": [], "issued": ["issue"], "disputed": ["issue", "dispute"], "confirmed": ["issue", "confirm"],
    "invoiced": ["issue", "confirm", "invoice"], "approved": ["issue", "confirm", "invoice", "approve_payment"],
    "paid": ["issue", "confirm", "invoice", "approve_payment", "pay"],
}


def take_step(statement, name: str, *, finance, finance_checker, supplier_admin) -> None:
    """One step of PATH through the statements service, by whoever takes it."""
    {
        "issue": lambda: statements.issue_statement(statement=statement, actor=finance, now=LATER),
        "dispute": lambda: statements.dispute_statement(statement=statement, actor=supplier_admin, now=LATER, reason="金额不符"),
        "confirm": lambda: statements.confirm_statement(statement=statement, actor=supplier_admin, now=LATER),
        "invoice": lambda: statements.invoice_statement(statement=statement, actor=supplier_admin, now=LATER, number="04412345",
                                                        amount=statement.payable),
        "approve_payment": lambda: statements.approve_payment(statement=statement, actor=finance_checker, now=LATER),
        "pay": lambda: statements.pay_statement(statement=statement, actor=finance, now=LATER, reference="HX1"),
    }[name]()


@pytest.mark.parametrize(("state", "illegal"), [(state, name) for state, names in ILLEGAL.items() for name in names])
def test_an_illegal_statement_transition_is_refused_and_changes_nothing(
    draft, finance, finance_checker, supplier_admin, state, illegal,
):
    for name in PATH[state]:
        take_step(draft, name, finance=finance, finance_checker=finance_checker, supplier_admin=supplier_admin)
        draft.refresh_from_db()
    before = (draft.state, draft.version, draft.payable, history_of(draft).count())

    with pytest.raises(InvalidTransition):
        apply_transition(draft, illegal, actor=finance, at=LATER, **ARGUMENTS[illegal])

    draft.refresh_from_db()
    assert (draft.state, draft.version, draft.payable, history_of(draft).count()) == before


# --- nothing payable: close, carry forward, receivable ----------------------------------------------------------

def test_confirming_nothing_payable_closes_and_the_negative_payable_opens_the_next_statement(negative, supplier_admin, finance):
    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)
    booked_order(negative.supplier, "100.00", recorded_at=datetime(2026, 11, 5, tzinfo=SHANGHAI))

    generation.generate_now(month=generation.next_month(OCTOBER), actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    negative.refresh_from_db()
    november = Statement.objects.get(month=generation.next_month(OCTOBER))
    assert (negative.state, negative.payable, negative.receivable) == ("closed", Decimal("-30.00"), False)
    assert (november.versions.get().carried_forward, november.payable) == (Decimal("-30.00"), Decimal("70.00"))


@pytest.fixture
def nothing_payable(supplier, finance, finance_checker):
    """The supplier's October statement, issued: an 80.00 delivery and an 80.00 penalty, so a payable of exactly zero."""
    return issued_october(supplier, delivered="80.00", penalty="-80.00", finance=finance, finance_checker=finance_checker)


def test_confirming_a_payable_of_exactly_zero_closes_the_statement(nothing_payable, supplier_admin):
    statements.confirm_statement(statement=nothing_payable, actor=supplier_admin, now=LATER)

    nothing_payable.refresh_from_db()
    assert (nothing_payable.state, nothing_payable.payable, nothing_payable.receivable) == ("closed", Decimal("0.00"), False)


def test_a_payable_of_exactly_zero_deemed_confirmed_closes_the_statement(nothing_payable):
    statements.deem_confirmed(now=GENERATED_AT + timedelta(days=10))

    nothing_payable.refresh_from_db()
    assert (nothing_payable.state, nothing_payable.deemed_confirmed, nothing_payable.payable) == ("closed", True, Decimal("0.00"))


def test_the_reason_a_statement_closed_reads_in_the_readers_language(negative, supplier_admin):
    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)

    closed = history_of(negative).get(transition="close")
    with translation.override("en"):
        english = closed.reason_label
    assert (closed.reason_label, english) == ("应付金额不大于零，结转下期", "Nothing payable: carried into the next statement")


def test_the_close_after_a_supplier_confirms_nothing_payable_is_the_systems_step_not_the_suppliers(negative, supplier_admin, api):
    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)

    confirmed, closed = list(history_of(negative))[-2:]
    assert (confirmed.transition, confirmed.actor) == ("confirm", supplier_admin)
    assert (closed.transition, closed.actor, closed.at, closed.reason) == ("close", None, LATER, statements.CARRIED_INTO_NEXT)
    history = api(supplier_admin).get(f"/api/v1/statements/{negative.pk}/history/").json()
    assert [(entry["transition"], entry["actor"]) for entry in history][-2:] == [("confirm", supplier_admin.username), ("close", None)]


def test_the_months_chart_counts_issued_positive_payables_and_shows_carried_amounts_apart(negative, supplier, finance):
    other = SupplierFactory()
    paying_account(other)
    booked_order(other, "250.00", recorded_at=datetime(2026, 10, 4, tzinfo=SHANGHAI))
    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)  # the other supplier's October: a draft
    assert statements.monthly_payables(actor=finance, months=1, until=OCTOBER) == [
        {"month": OCTOBER, "payable": Decimal("0.00"), "carried": Decimal("-30.00"), "receivable": Decimal("0.00")}]

    statements.issue_statement(statement=Statement.objects.get(supplier=other), actor=finance, now=GENERATED_AT)

    assert statements.monthly_payables(actor=finance, months=1, until=OCTOBER) == [
        {"month": OCTOBER, "payable": Decimal("250.00"), "carried": Decimal("-30.00"), "receivable": Decimal("0.00")}]


def test_the_months_chart_and_table_show_a_month_without_issued_statements_at_zero_not_leave_it_out(supplier, finance, time_machine):
    paying_account(supplier)
    september = generation.previous_month(OCTOBER)
    for month, amount in ((september, "120.00"), (NOVEMBER, "300.00")):
        booked_order(supplier, amount, recorded_at=generation.month_start(month) + timedelta(days=2))
        generation.generate_now(month=month, actor=finance, now=generation.cutoff_of(month) + timedelta(hours=2))
        statements.issue_statement(statement=Statement.objects.get(month=month), actor=finance, now=generation.cutoff_of(month) + timedelta(hours=3))

    payables = statements.monthly_payables(actor=finance, months=4, until=NOVEMBER)
    time_machine.move_to(DECEMBER_2ND, tick=False)
    page = logged_in(finance).get("/settlement/months/").content.decode()

    assert [(row["month"], row["payable"]) for row in payables] == [
        (generation.previous_month(september), Decimal("0.00")), (september, Decimal("120.00")),
        (OCTOBER, Decimal("0.00")), (NOVEMBER, Decimal("300.00"))]
    assert '<g data-label="2026-10" data-value="0.00">' in page and '<tr data-payable-month="2026-10">' in page
    # to this month (December, nothing issued for it yet) at zero: twelve months from January
    assert '<g data-label="2026-12" data-value="0.00">' in page and '<tr data-payable-month="2026-12">' in page
    assert page.count('<tr data-payable-month="') == 12 and '<tr data-payable-month="2026-01">' in page


def test_the_months_run_to_this_month_at_zero_after_the_last_issued_one(issued, finance):
    payables = statements.monthly_payables(actor=finance, months=4, until=DECEMBER_2ND.date())

    assert [(row["month"], row["payable"]) for row in payables] == [
        (generation.previous_month(OCTOBER), Decimal("0.00")), (OCTOBER, issued.payable), (NOVEMBER, Decimal("0.00")),
        (DECEMBER, Decimal("0.00"))]


def test_no_issued_statement_gives_no_months(draft, finance):
    assert statements.monthly_payables(actor=finance, months=12, until=OCTOBER) == []


def test_the_months_table_shows_a_terminated_suppliers_receivable_apart_from_what_is_carried_forward_even_once_collected(
    receivable, finance, finance_checker,
):
    owed = statements.monthly_payables(actor=finance, months=1, until=OCTOBER)
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="CMB-IN-0001", amount="30.00")
    collected = statements.monthly_payables(actor=finance, months=1, until=OCTOBER)
    page = logged_in(finance).get("/settlement/months/").content.decode()

    assert owed == collected == [{"month": OCTOBER, "payable": Decimal("0.00"), "carried": Decimal("0.00"), "receivable": Decimal("30.00")}]
    assert '<td class="num" data-testid="carried">¥0.00</td>' in page
    assert re.search(r'data-testid="receivable"><a href="/settlement/statements/\?month=2026-10&amp;receivable=1">¥30.00</a>', page)


def test_a_negative_payable_is_carried_forward_once(negative, supplier_admin, finance):
    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)
    for month in (generation.next_month(OCTOBER), generation.next_month(generation.next_month(OCTOBER))):
        booked_order(negative.supplier, "1.00", recorded_at=generation.month_start(month) + timedelta(days=1))
        generation.generate_now(month=month, actor=finance, now=generation.cutoff_of(month) + timedelta(hours=2))

    assert StatementLine.objects.filter(section=Section.CARRIED_FORWARD).count() == 1


def test_a_negative_payable_alone_makes_the_next_months_statement(negative, supplier_admin, finance):
    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)

    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    november = Statement.objects.get(month=NOVEMBER)
    assert (november.supplier_id, november.payable) == (negative.supplier_id, Decimal("-30.00"))
    assert [(line.section, line.source_id) for line in november.lines.all()] == [("carried_forward", negative.pk)]


def carried_then_disputed(negative, *, supplier_admin, finance, finance_checker, amount):
    """October disputed within its 10 days, its -30.00 carried into November while the dispute is open, then October
    answered by a version `amount` different."""
    statements.dispute_statement(statement=negative, actor=supplier_admin, now=datetime(2026, 11, 5, 10, tzinfo=SHANGHAI),
                                 reason="罚款过多")
    booked_order(negative.supplier, "100.00", recorded_at=datetime(2026, 11, 5, tzinfo=SHANGHAI))
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))
    adjustment = adjustments.propose_adjustment(supplier=negative.supplier, kind="dispute", amount=amount, reason="罚款减半",
                                                statement=negative, actor=finance, now=DECEMBER_2ND)
    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=DECEMBER_2ND)
    return statements.reissue_statement(statement=negative, actor=finance, now=DECEMBER_2ND)


def test_a_later_version_of_a_carried_payable_is_corrected_by_an_adjustment_for_a_checker(negative, supplier_admin, finance,
                                                                                         finance_checker):
    negative = carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker, amount="10.00")

    correction = Adjustment.objects.get(kind="carry_correction")
    november = Statement.objects.get(month=NOVEMBER)
    assert (negative.payable, november.payable) == (Decimal("-20.00"), Decimal("70.00"))  # November carried -30.00, October now says -20.00
    assert (correction.amount, correction.state, correction.created_by, correction.source_kind, correction.source_id) == (
        Decimal("10.00"), "proposed", finance, "statement", str(negative.pk))
    assert "应付 -¥20.00" in correction.reason and "合计 -¥30.00" in correction.reason

    adjustments.approve_adjustment(adjustment=correction, actor=finance_checker, now=DECEMBER_2ND)
    generation.generate_now(month=DECEMBER, actor=finance, now=datetime(2027, 1, 1, 2, tzinfo=SHANGHAI))
    december = Statement.objects.get(month=DECEMBER)
    assert [(line.section, line.amount) for line in december.lines.all()] == [("adjustment", Decimal("10.00"))]


CORRECTED_IN_ENGLISH = ("2026-10 statement version 2: payable -¥20.00, carried forward and approved corrections -¥30.00"
                        " (the new version changed a payable already carried forward)")


def test_a_carry_corrections_reason_reads_in_the_readers_language_on_its_page_and_in_the_api(negative, supplier_admin, finance,
                                                                                           finance_checker):
    carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker, amount="10.00")
    correction = Adjustment.objects.get(kind="carry_correction")

    english_page = html.unescape(page_in(finance, f"/settlement/adjustments/{correction.pk}/", "en"))
    chinese_page = page_in(finance, f"/settlement/adjustments/{correction.pk}/", "zh-hans")
    english = client_for(finance).get(f"/api/v1/adjustments/{correction.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()

    chinese = "2026-10 结算单第 2 版应付 -¥20.00，已结转及已审批更正合计 -¥30.00（新版本改变了已结转的应付）"
    assert (correction.reason, correction.reason_id) == (chinese, statements.CARRY_CORRECTED)
    assert CORRECTED_IN_ENGLISH in english_page and "结算单第" not in english_page
    assert chinese in chinese_page
    assert (english["reason"], english["reason_label"]) == (chinese, CORRECTED_IN_ENGLISH)


def test_carry_corrections_written_as_text_read_in_english_where_the_text_is_the_systems_own(negative, supplier_admin, finance,
                                                                                            finance_checker):
    from django.apps import apps
    as_messages = import_module("settlement.migrations.0021_carry_correction_reason_message").carry_corrections_as_messages
    carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker, amount="10.00")
    correction = adjustments.approve_adjustment(adjustment=Adjustment.objects.get(kind="carry_correction"), actor=finance_checker,
                                                now=DECEMBER_2ND)
    generation.generate_now(month=DECEMBER, actor=finance, now=datetime(2027, 1, 1, 2, tzinfo=SHANGHAI))
    written = "2026-10 结算单第 2 版应付 -20.00，已结转及已审批更正合计 -30.00 (version 2 changed a payable already carried forward)"
    Adjustment.objects.filter(pk=correction.pk).update(reason=written, reason_id="", reason_params=None)
    line = StatementLine.objects.filter(source_kind="adjustment", source_id=correction.pk)
    line.update(description=f"{correction.number} carry_correction {written}", message_id="", message_params=None)

    as_messages(apps, None)

    correction.refresh_from_db()
    assert (correction.reason, correction.reason_id) == (written, statements.CARRY_CORRECTED)  # as written, kept
    assert (line.get().message_id, line.get().message_params) == (statements.CARRY_CORRECTED, correction.reason_params)
    with translation.override("en"):
        assert correction.reason_label == CORRECTED_IN_ENGLISH.replace("¥", "")  # its amounts as they were written
    older = "2026-10 结算单第 2 版应付 -20.00，此前已结转 -30.00 (version 2 changed a payable already carried forward)"
    Adjustment.objects.filter(pk=correction.pk).update(reason=older, reason_id="", reason_params=None)
    as_messages(apps, None)
    assert Adjustment.objects.values_list("reason", "reason_id", "reason_params").get(pk=correction.pk) == (older, "", None)  # as it is


def test_a_carried_payable_that_turns_positive_is_carried_back_in_full(negative, supplier_admin, finance, finance_checker):
    paying_account(negative.supplier)
    negative = carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker, amount="80.00")

    assert negative.payable == Decimal("50.00")  # October is now owed to the supplier: nothing of it stays carried
    assert Adjustment.objects.get(kind="carry_correction").amount == Decimal("30.00")


def test_a_rejected_correction_is_proposed_again_by_the_next_version(negative, supplier_admin, finance, finance_checker):
    negative = carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker, amount="10.00")
    first = Adjustment.objects.get(kind="carry_correction")
    adjustments.reject_adjustment(adjustment=first, actor=finance_checker, now=DECEMBER_2ND, note="金额待核")

    statements.dispute_statement(statement=negative, actor=supplier_admin, now=DECEMBER_2ND, reason="仍有异议")
    dispute_adjustment(negative, maker=finance, checker=finance_checker, amount="5.00")
    negative = statements.reissue_statement(statement=negative, actor=finance, now=DECEMBER_2ND)

    proposed = Adjustment.objects.get(kind="carry_correction", state="proposed")
    assert (negative.payable, proposed.amount) == (Decimal("-15.00"), Decimal("15.00"))


def test_a_waiting_correction_is_withdrawn_by_the_next_versions_which_counts_only_approved_ones(negative, supplier_admin, finance,
                                                                                                 finance_checker):
    negative = carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker,
                                     amount="10.00")  # -20.00: +10.00 proposed
    first = Adjustment.objects.get(kind="carry_correction")
    statements.dispute_statement(statement=negative, actor=supplier_admin, now=DECEMBER_2ND, reason="罚款其实无误")
    dispute_adjustment(negative, maker=finance, checker=finance_checker, amount="-10.00")
    negative = statements.reissue_statement(statement=negative, actor=finance, now=DECEMBER_2ND)  # back to -30.00

    first.refresh_from_db()
    assert (negative.payable, first.state) == (Decimal("-30.00"), "withdrawn")
    assert not Adjustment.objects.filter(kind="carry_correction", state="proposed").exists()  # -30.00 is what was carried
    with pytest.raises(InvalidTransition):
        adjustments.approve_adjustment(adjustment=first, actor=finance_checker, now=DECEMBER_2ND)


def test_a_later_version_after_an_approved_correction_proposes_only_what_is_left(negative, supplier_admin, finance,
                                                                                 finance_checker):
    negative = carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker,
                                     amount="10.00")
    adjustments.approve_adjustment(adjustment=Adjustment.objects.get(kind="carry_correction"), actor=finance_checker, now=DECEMBER_2ND)
    statements.dispute_statement(statement=negative, actor=supplier_admin, now=DECEMBER_2ND, reason="罚款其实无误")
    dispute_adjustment(negative, maker=finance, checker=finance_checker, amount="-10.00")
    negative = statements.reissue_statement(statement=negative, actor=finance, now=DECEMBER_2ND)

    proposed = Adjustment.objects.get(kind="carry_correction", state="proposed")
    assert (negative.payable, proposed.amount) == (Decimal("-30.00"), Decimal("-10.00"))  # -30 carried +10 approved -10 = -30


def test_a_payable_already_carried_is_not_also_a_receivable_after_termination(negative, supplier_admin, finance, operator):
    booked_order(negative.supplier, "1.00", recorded_at=datetime(2026, 11, 5, tzinfo=SHANGHAI))
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))
    supplier = negative.supplier
    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=DECEMBER_2ND, reason="合同到期不再续约")
    november = statements.issue_statement(statement=Statement.objects.get(month=NOVEMBER), actor=finance, now=DECEMBER_2ND)

    october = statements.confirm_statement(statement=negative, actor=supplier_admin, now=DECEMBER_2ND)
    november = statements.confirm_statement(statement=november, actor=supplier_admin, now=DECEMBER_2ND)

    assert (october.state, october.receivable) == ("closed", False)  # November carries it
    assert (november.state, november.payable, november.receivable) == ("closed", Decimal("-29.00"), True)


def test_a_version_that_keeps_the_carried_amount_books_nothing(negative, supplier_admin, finance, finance_checker):
    negative = carried_then_disputed(negative, supplier_admin=supplier_admin, finance=finance, finance_checker=finance_checker, amount="10.00")
    statements.dispute_statement(statement=negative, actor=supplier_admin, now=DECEMBER_2ND, reason="再核")
    dispute_adjustment(negative, maker=finance, checker=finance_checker, amount="0.01")
    dispute_adjustment(negative, maker=finance, checker=finance_checker, amount="-0.01")
    statements.reissue_statement(statement=negative, actor=finance, now=DECEMBER_2ND)

    assert Adjustment.objects.filter(kind="carry_correction").count() == 1  # the pending one already covers the difference


def test_a_payable_not_yet_carried_is_carried_at_its_latest_version_without_a_correction(negative, supplier_admin, finance,
                                                                                        finance_checker):
    statements.dispute_statement(statement=negative, actor=supplier_admin, now=LATER, reason="罚款过多")
    dispute_adjustment(negative, maker=finance, checker=finance_checker, amount="10.00")
    statements.reissue_statement(statement=negative, actor=finance, now=LATER)

    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    assert Statement.objects.get(month=NOVEMBER).payable == Decimal("-20.00")
    assert not Adjustment.objects.filter(kind="carry_correction").exists()


def test_after_termination_a_negative_payable_becomes_a_receivable(negative, supplier_admin, finance, operator):
    supplier = negative.supplier
    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=LATER, reason="合同到期不再续约")

    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)
    generation.generate_now(month=generation.next_month(OCTOBER), actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    negative.refresh_from_db()
    assert (negative.state, negative.receivable) == ("closed", True)
    assert not StatementLine.objects.filter(section=Section.CARRIED_FORWARD).exists()


def test_a_negative_payable_closed_before_termination_and_not_carried_yet_becomes_a_receivable_at_termination(
    negative, supplier_admin, finance, operator,
):
    october = statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)  # closed, to carry forward
    assert (october.state, october.receivable) == ("closed", False)
    supplier = negative.supplier

    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=DECEMBER_2ND, reason="合同到期不再续约")
    booked_order(supplier, "1.00", recorded_at=datetime(2026, 11, 5, tzinfo=SHANGHAI))
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 3, 2, tzinfo=SHANGHAI))

    october.refresh_from_db()
    assert (october.state, october.receivable, october.payable) == ("closed", True, Decimal("-30.00"))
    assert list(statements.list_statements(actor=finance, receivable=True)) == [october]
    owed = history_of(october).last()
    assert (owed.transition, owed.actor, owed.at, owed.reason) == ("owe", operator, DECEMBER_2ND, "应付金额为负，已终止合作，转为应收")
    assert not StatementLine.objects.filter(section=Section.CARRIED_FORWARD).exists()  # owed once, not also carried


def test_a_negative_payable_a_later_statement_already_carries_is_not_owed_twice_at_termination(negative, supplier_admin, finance, operator):
    october = statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)
    booked_order(negative.supplier, "1.00", recorded_at=datetime(2026, 11, 5, tzinfo=SHANGHAI))
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))  # carries October
    supplier = negative.supplier

    onboarding.terminate_supplier(supplier=supplier, actor=operator, now=DECEMBER_2ND, reason="合同到期不再续约")

    october.refresh_from_db()
    assert (october.state, october.receivable) == ("closed", False)
    assert Statement.objects.get(month=NOVEMBER).payable == Decimal("-29.00")


def test_finance_lists_the_receivables_and_records_their_collection(receivable, finance, finance_checker):
    assert list(statements.list_statements(actor=finance, receivable=True)) == [receivable]
    with pytest.raises(ValidationFailed) as no_reference:
        statements.record_collection(statement=receivable, actor=finance, now=LATER, reference=" ", amount="30.00")
    with pytest.raises(ValidationFailed) as future:
        statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="R1", amount="30.00",
                                     collected_on=LATER.date() + timedelta(days=1))
    assert (no_reference.value.field, future.value.field, state_of(receivable)) == ("collection_reference", "collection_date", "closed")

    statements.record_collection(statement=receivable, actor=finance_checker, now=LATER, reference="CMB-IN-0001", amount="30.00")

    receivable.refresh_from_db()
    assert (receivable.state, receivable.collection_reference, receivable.collection_date, receivable.collected_by) == (
        "collected", "CMB-IN-0001", LATER.date(), finance_checker)
    collected = history_of(receivable).get(transition="record_collection")
    assert collected.actor == finance_checker and "CMB-IN-0001" in collected.reason_label
    assert list(statements.list_statements(actor=finance, receivable=True, state="closed")) == []


def test_a_statement_closed_by_carrying_its_payable_forward_is_not_collected(negative, supplier_admin, finance):
    statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)

    with pytest.raises(InvalidTransition):
        statements.record_collection(statement=negative, actor=finance, now=LATER, reference="R1", amount="30.00")
    assert state_of(negative) == "closed" and not statements.list_statements(actor=finance, receivable=True).exists()


def test_a_receivable_is_collected_once_and_only_by_finance(receivable, supplier_admin, finance):
    with pytest.raises(PermissionDenied):
        statements.record_collection(statement=receivable, actor=supplier_admin, now=LATER, reference="R1", amount="30.00")
    statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="R1", amount="30.00")
    with pytest.raises(InvalidTransition):
        statements.record_collection(statement=receivable, actor=finance, now=LATER, reference="R2", amount="30.00")


# --- adjustments: maker-checker ---------------------------------------------------------------------------------

def test_the_creator_of_an_adjustment_cannot_approve_or_reject_it(supplier, finance):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="15.5", reason="补差", actor=finance, now=LATER)

    with pytest.raises(PermissionDenied):
        adjustments.approve_adjustment(adjustment=adjustment, actor=finance, now=LATER)
    with pytest.raises(PermissionDenied):
        adjustments.reject_adjustment(adjustment=adjustment, actor=finance, now=LATER, note="不同意")

    adjustment.refresh_from_db()
    assert (adjustment.state, adjustment.amount) == ("proposed", Decimal("15.50"))


def test_a_superuser_who_is_not_finance_can_neither_check_nor_make_adjustments(api, supplier, finance, operator):
    operator.is_superuser = True
    operator.save()
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="15.5", reason="补差", actor=finance, now=LATER)

    with pytest.raises(PermissionDenied):
        adjustments.approve_adjustment(adjustment=adjustment, actor=operator, now=LATER)
    with pytest.raises(PermissionDenied):
        adjustments.propose_adjustment(supplier=supplier, kind="other", amount="1", reason="x", actor=operator, now=LATER)
    through_api = api(operator).post(f"/api/v1/adjustments/{adjustment.pk}/approve/", {})

    adjustment.refresh_from_db()
    assert through_api.status_code == 403 and adjustment.state == "proposed"
    assert Adjustment.objects.count() == 1


def test_the_database_refuses_a_maker_who_checks_himself(supplier, finance):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="1", reason="x", actor=finance, now=LATER)
    with pytest.raises(IntegrityError):
        Adjustment.objects.filter(pk=adjustment.pk).update(decided_by=finance)


def test_an_adjustment_is_booked_by_its_approval_time(supplier, finance, finance_checker):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10", reason="x", actor=finance,
                                                now=datetime(2026, 10, 31, 23, 0, tzinfo=SHANGHAI))
    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=datetime(2026, 11, 1, 0, 1, tzinfo=SHANGHAI))
    booked_order(supplier, "100.00", recorded_at=datetime(2026, 10, 3, tzinfo=SHANGHAI))

    generation.generate_now(month=OCTOBER, actor=finance, now=GENERATED_AT)
    generation.generate_now(month=generation.next_month(OCTOBER), actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    line = StatementLine.objects.get(section=Section.ADJUSTMENT)
    assert line.statement.month == generation.next_month(OCTOBER)


def test_an_adjustment_line_says_what_kind_it_is_and_why_wherever_it_is_booked(issued, supplier_admin, finance, finance_checker):
    from settlement.pdf import describe

    penalty = adjustments.propose_adjustment(supplier=issued.supplier, kind="penalty", amount="-10", reason="延迟发货 3 单，按合同第 8 条" + "。" * 300,
                                             actor=finance, now=LATER)
    adjustments.approve_adjustment(adjustment=penalty, actor=finance_checker, now=LATER)
    generation.generate_now(month=NOVEMBER, actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="少算")
    answer = dispute_adjustment(issued, maker=finance, checker=finance_checker)

    booked = StatementLine.objects.get(source_kind="adjustment", source_id=penalty.pk)
    joined = StatementLine.objects.get(source_kind="adjustment", source_id=answer.pk)
    shown = describe(section=booked.section, source_kind=booked.source_kind, description=booked.description)
    assert shown.startswith(f"{penalty.number} 违约扣款：延迟发货 3 单，按合同第 8 条") and shown.endswith("。…")
    assert len(booked.description) < 300
    assert booked.description == penalty.line_description()  # the month's claim (SQL) and a dispute answer write the same
    assert describe(section=joined.section, source_kind=joined.source_kind, description=joined.description) == f"{answer.number} 异议调整：少算破损"


def test_a_rejected_adjustment_is_never_booked(supplier, finance, finance_checker):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-10", reason="x", actor=finance, now=LATER)
    adjustments.reject_adjustment(adjustment=adjustment, actor=finance_checker, now=LATER, note="证据不足")
    booked_order(supplier, "1.00", recorded_at=LATER)

    generation.generate_now(month=generation.next_month(OCTOBER), actor=finance, now=datetime(2026, 12, 1, 2, tzinfo=SHANGHAI))

    assert not StatementLine.objects.filter(section=Section.ADJUSTMENT).exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": "0"}, "amount"), ({"amount": "1.234"}, "amount"), ({"amount": "x"}, "amount"), ({"reason": " "}, "reason"),
    ({"kind": "bonus"}, "kind"), ({"source_kind": "order", "source_id": "RO-NOPE"}, "source_id"), ({"source_kind": "nope"}, "source_kind"),
])
def test_a_bad_adjustment_names_its_field_and_writes_nothing(supplier, finance, changes, field):
    values = {"kind": "other", "amount": "10", "reason": "补差", "source_kind": "other", "source_id": "", **changes}
    with pytest.raises(ValidationFailed) as error:
        adjustments.propose_adjustment(supplier=supplier, actor=finance, now=LATER, **values)
    assert (error.value.field, Adjustment.objects.count()) == (field, 0)


@pytest.mark.parametrize("amount", ["10000000.01", "-10000000.01", "99999999"])
def test_an_adjustment_beyond_ten_million_either_way_is_refused_naming_the_amount(supplier, finance, amount):
    with pytest.raises(ValidationFailed) as error:
        adjustments.propose_adjustment(supplier=supplier, kind="other", amount=amount, reason="补差", actor=finance, now=LATER)

    assert (error.value.field, Adjustment.objects.count()) == ("amount", 0)
    assert "10,000,000" in str(error.value)


@pytest.mark.parametrize("amount", ["10000000.00", "-10000000"])
def test_an_adjustment_of_exactly_ten_million_either_way_is_proposed(supplier, finance, amount):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount=amount, reason="补差", actor=finance, now=LATER)

    assert abs(adjustment.amount) == Decimal("10000000.00")


def test_an_adjustment_refers_to_an_order_of_the_same_supplier_only(supplier, finance):
    own = booked_order(supplier, "1.00", recorded_at=LATER)
    foreign = booked_order(SupplierFactory(), "1.00", recorded_at=LATER)

    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="1", reason="x", actor=finance, now=LATER,
                                                source_kind="order", source_id=own.number)
    with pytest.raises(ValidationFailed):
        adjustments.propose_adjustment(supplier=supplier, kind="other", amount="1", reason="x", actor=finance, now=LATER,
                                       source_kind="order", source_id=foreign.number)
    assert (adjustment.source_kind, adjustment.source_id) == ("order", own.number)


def test_only_finance_proposes_adjustments(supplier, operator):
    admin = SupplierUserFactory(username="adm", role="supplier_admin", supplier=supplier)
    for actor in (operator, admin):
        with pytest.raises(PermissionDenied):
            adjustments.propose_adjustment(supplier=supplier, kind="other", amount="1", reason="x", actor=actor, now=LATER)


def test_a_statement_waits_on_the_navigation_of_the_party_who_acts_next(issued, supplier_admin, supplier_staff, finance, operator):
    def waiting() -> list[int]:
        return [statements.statements_waiting(user) for user in (supplier_admin, supplier_staff, finance, operator)]

    assert waiting() == [1, 0, 0, 0]  # issued: the supplier's admin confirms or disputes

    statements.dispute_statement(statement=issued, actor=supplier_admin, now=LATER, reason="金额不符")

    assert waiting() == [0, 0, 1, 0]  # disputed: finance answers


def test_a_confirmed_statement_still_waits_for_the_suppliers_invoice(issued, supplier_admin, finance):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)

    assert (statements.statements_waiting(supplier_admin), statements.statements_waiting(finance)) == (1, 0)


def test_a_proposed_adjustment_waits_for_a_checker_not_for_its_maker(supplier, finance, finance_checker, supplier_admin):
    adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount="20", reason="破损补偿", actor=finance, now=LATER)

    assert [adjustments.adjustments_to_check(user) for user in (finance, finance_checker, supplier_admin)] == [0, 1, 0]


def test_only_a_waiting_adjustment_can_be_withdrawn(supplier, finance, finance_checker):
    adjustment = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="5", reason="补差", actor=finance, now=LATER)
    adjustments.approve_adjustment(adjustment=adjustment, actor=finance_checker, now=LATER)

    with pytest.raises(InvalidTransition):
        adjustments.withdraw_adjustment(adjustment=adjustment, actor=finance, now=LATER, reason="金额算错")

    adjustment.refresh_from_db()
    assert adjustment.state == "approved"


@pytest.fixture
def invoiced(issued, supplier_admin):
    statements.confirm_statement(statement=issued, actor=supplier_admin, now=LATER)
    return statements.invoice_statement(statement=issued, actor=supplier_admin, now=LATER, number="04412345", amount="300.00")


def test_the_supplier_admin_corrects_a_mistyped_invoice_number_and_the_history_keeps_both(invoiced, supplier_admin):
    statements.correct_invoice_number(statement=invoiced, actor=supplier_admin, now=LATER, number="04412354", reason="数字顺序录错")

    invoiced.refresh_from_db()
    assert (invoiced.state, invoiced.invoice_number, invoiced.invoice_amount) == ("invoiced", "04412354", Decimal("300.00"))
    last = list(history_of(invoiced))[-1]
    assert (last.transition, last.actor, last.reason_text) == ("correct_invoice", supplier_admin, "04412345 → 04412354：数字顺序录错")
    with translation.override("en"):
        assert last.reason_label == "04412345 → 04412354: 数字顺序录错"  # the colon of the reader's language


def test_an_invoice_number_is_not_corrected_once_the_payment_is_approved(invoiced, supplier_admin, finance_checker):
    statements.approve_payment(statement=invoiced, actor=finance_checker, now=LATER)

    with pytest.raises(InvalidTransition):
        statements.correct_invoice_number(statement=invoiced, actor=supplier_admin, now=LATER, number="04412354")

    invoiced.refresh_from_db()
    assert (invoiced.state, invoiced.invoice_number) == ("approved", "04412345")


@pytest.mark.parametrize("number", [" ", "04412345"])
def test_an_empty_or_unchanged_invoice_number_is_refused_naming_the_field(invoiced, supplier_admin, number):
    with pytest.raises(ValidationFailed) as error:
        statements.correct_invoice_number(statement=invoiced, actor=supplier_admin, now=LATER, number=number)

    assert error.value.field == "invoice_number"
    assert [log.transition for log in history_of(invoiced)][-1] == "invoice"


def test_an_invoice_number_is_not_corrected_to_one_of_the_wrong_length(invoiced, supplier_admin):
    with pytest.raises(ValidationFailed) as error:
        statements.correct_invoice_number(statement=invoiced, actor=supplier_admin, now=LATER, number="0441234")

    invoiced.refresh_from_db()
    assert error.value.field == "invoice_number" and "0441234" in str(error.value)
    assert (invoiced.invoice_number, [log.transition for log in history_of(invoiced)][-1]) == ("04412345", "invoice")


def test_supplier_staff_may_not_correct_the_invoice_number(invoiced, supplier_staff):
    with pytest.raises(PermissionDenied):
        statements.correct_invoice_number(statement=invoiced, actor=supplier_staff, now=LATER, number="04412354")

    invoiced.refresh_from_db()
    assert invoiced.invoice_number == "04412345"


def test_only_a_closed_negative_payable_not_yet_owed_can_be_owed(negative, supplier_admin, operator):
    terminated = SupplierTerminated(supplier_id=negative.supplier_id, actor_id=operator.pk, at=LATER)
    with pytest.raises(InvalidTransition):  # issued, not closed: the model refuses what termination never asks of it
        apply_transition(negative, "owe", actor=operator, at=LATER)
    october = statements.confirm_statement(statement=negative, actor=supplier_admin, now=LATER)
    owed = statements.owe_closed_negative_payables(terminated)
    owed_again = statements.owe_closed_negative_payables(terminated)  # the termination told twice

    with pytest.raises(InvalidTransition):  # owed already
        apply_transition(Statement.objects.get(pk=october.pk), "owe", actor=operator, at=LATER)
    assert (owed, owed_again) == ([october.pk], [])
    assert Statement.objects.get(pk=october.pk).receivable is True
    assert [log.transition for log in history_of(october)].count("owe") == 1
