"""The statement workflow (SPEC §4.11): issue, confirm or dispute, reissue, invoice, approve, pay, close.

Issuing freezes a version: its totals, the bank account it pays (approved at least 7 days before) and its PDF
with the SHA-256. A dispute is answered with dispute adjustments that join the next version, which is issued
in turn; earlier versions stay as they were. An issued version with no supplier answer for 10 days is deemed
confirmed (beat) and may no longer be disputed; a reconciliation upload within those 10 days moves that deadline
once, to 10 days after the first upload. Confirming a statement with nothing payable closes it; a negative payable is
carried into the next statement, or, once the supplier is terminated, owed by the supplier as a receivable.
"""
import hashlib
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.db.models import BooleanField, Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import jobs
from core.errors import PermissionDenied, ValidationFailed
from core.files import kept_only_if_done
from core.events import actor_of, subscribe
from core.fsm import apply_transition, bulk_transition, require_transition
from core.models import TransitionLog
from core.roles import SUPPLIER_ROLES, Role, waiting_rows, waiting_for
from core.selectors import answering
from core.validators import required_text, validate_length
from core.notifications import one_line
from core.texts import Message, labelled_message, moment, yuan
from settlement.models import (
    SECTION_TOTALS, Adjustment, ReceivablePayment, Section, SourceKind, Statement, StatementLine,
    StatementVersion,
)
from settlement.services.adjustments import list_adjustments, parse_amount, propose_carry_correction, require_finance
from settlement.services.deadlines import DEEMED_CONFIRMED_AFTER, respond_by, with_respond_by  # noqa: F401  (callers read them here)
from settlement.services.generation import chart_months, version_totals
from settlement.services.locking import lock_statement
from settlement.services.reconciliation import book_corrections_on_dispute
from settlement.errors import DeemedConfirmed
from suppliers.events import SupplierTerminated
from suppliers.models import BankAccount, ProfileChange, Supplier
from suppliers.services import contracts
from suppliers.services.notices import Sms, send_inbox_notices, send_notice
from suppliers.selectors_profile import latest_bank_account, payable_account, pending_profile_changes, shows_account_numbers

State = Statement.State
ZERO = Decimal("0.00")


def may_download_pdf(actor) -> bool:
    """A statement PDF prints the whole bank account number: only those who may see it (the supplier itself, finance)
    download it; operators read the statement with the number masked."""
    return shows_account_numbers(actor)


def require_pdf_reader(actor) -> None:
    """:raises PermissionDenied: unless `actor` may download statement PDFs"""
    if not may_download_pdf(actor):
        raise PermissionDenied(gettext("结算单 PDF 含完整银行账号，无权下载"))


def require_supplier_admin(actor, statement: Statement) -> None:
    """:raises PermissionDenied: unless the actor administers the statement's supplier"""
    if not (getattr(actor, "role", None) == Role.SUPPLIER_ADMIN and actor.supplier_id == statement.supplier_id):
        raise PermissionDenied(gettext("仅礼品商管理员可以处理结算单"))


def current_version(statement: Statement) -> StatementVersion:
    return statement.versions.get(number=statement.version)


# --- issuing --------------------------------------------------------------------------------------------------

def issue_statement(*, statement: Statement, actor, now: datetime, reason: str = "") -> Statement:
    """Issue a draft: freeze version 1 with its bank account and PDF. :raises PermissionDenied: :raises ValidationFailed:
    :raises InvalidTransition:"""
    require_finance(actor)
    with kept_only_if_done() as stored, transaction.atomic():
        statement = lock_statement(statement)
        version = current_version(statement)
        version.reason = (reason or "").strip()
        fresh = not version.pdf  # the PDF of a version issued already (the issue then refused) is not this call's to delete
        _freeze(version, statement=statement, actor=actor, now=now)
        if fresh:
            stored(version.pdf)
        apply_transition(statement, "issue", actor=actor, at=now, reason=reason, issued_at=now, issued_by=actor)
        _tell_supplier(statement, kind="statement_issued", now=now)
    return statement


def pending_version(statement: Statement) -> dict:
    """What version n+1 of a disputed statement would say if issued now: its section totals, line count and payable
    (the lines so far plus the dispute adjustments approved since), and `changed`: whether it differs from version n."""
    number = statement.version + 1
    figures = version_totals([statement.pk], up_to={statement.pk: number})[statement.pk]
    current = current_version(statement)
    changed = any(figures[field] != getattr(current, field) for field in ("line_count", "payable", *SECTION_TOTALS.values()))
    return figures | {"number": number, "changed": changed}


def reissue_needs_reason(pending: dict) -> bool:
    """Whether reissuing needs its reason, given the version it would issue (`pending_version`): a version like the
    current one is issued again only with it (the answer to the dispute is then the reason)."""
    return not pending["changed"]


def reissue_refusal(statement: Statement) -> str:
    """Why a disputed statement may not be reissued yet: a dispute adjustment still waits for its checker (it could
    then never join a version). '' when nothing stands in the way; the statement page says it before the step."""
    waiting = Adjustment.objects.filter(statement=statement, state=Adjustment.State.PROPOSED).count()
    if waiting:
        return gettext("还有 %(waiting)s 笔异议调账待审批，请先审批或驳回") % {"waiting": waiting}
    return ""


def reissue_statement(*, statement: Statement, actor, now: datetime, reason: str = "") -> Statement:
    """Answer a dispute with version n+1: the lines so far plus the dispute adjustments approved since. Not while a
    dispute adjustment still waits for its checker: it could then never join a version; and a version that changes
    nothing needs a reason (the answer to the dispute is then the reason). The version keeps its reason, which its
    PDF prints with the version it supersedes.

    :raises PermissionDenied: :raises ValidationFailed: :raises InvalidTransition:
    """
    require_finance(actor)
    reason = (reason or "").strip()
    with kept_only_if_done() as stored, transaction.atomic():
        statement = lock_statement(statement)
        require_transition(statement, "reissue")
        if refusal := reissue_refusal(statement):
            raise ValidationFailed(refusal, field="adjustments")
        pending = pending_version(statement)
        if reissue_needs_reason(pending):
            required_text(reason, message=gettext("新版本与当前版本相同，请说明原样重新下发的原因"))
        figures = {key: pending[key] for key in ("line_count", "payable", *SECTION_TOTALS.values())}
        version = StatementVersion.objects.create(statement=statement, number=pending["number"], created_at=now, reason=reason,
                                                  **figures)
        _freeze(version, statement=statement, actor=actor, now=now)
        stored(version.pdf)
        apply_transition(statement, "reissue", actor=actor, at=now, reason=reason, version=version.number, payable=version.payable,
                         issued_at=now, issued_by=actor)
        correct_carried(statement, actor=actor, now=now)
        _tell_supplier(statement, kind="statement_issued", now=now, note=reason)
    return statement


#: a carry correction's reason (`correct_carried`); settlement migration 0021 gave it to corrections written before as text
CARRY_CORRECTED = gettext_noop("%(month)s 结算单第 %(version)s 版应付 %(payable)s，已结转及已审批更正合计 %(booked)s（新版本改变了已结转的应付）")


def correct_carried(statement: Statement, *, actor, now: datetime) -> Adjustment | None:
    """A negative payable already carried into a later statement is not carried again when a new version changes it:
    the difference is booked as an adjustment (SPEC §4.11), proposed by `actor` for another finance user to check and
    booked, like any adjustment, by its approval time. The difference is measured against the carried amount and the
    corrections approved so far; a correction still waiting for its checker is withdrawn, superseded by this one, so
    at most one waits and no two are approved for the same change. Returns the proposal, or None when the carried
    amount is still right."""
    carried = carried_line(statement)
    if carried is None:
        return None
    corrections = list(carry_corrections(statement).select_for_update())  # read once, locked: a checker's approval waits
    booked = carried.amount + sum(c.amount for c in corrections if c.state == Adjustment.State.APPROVED)
    difference = min(statement.payable, 0) - booked
    waiting = [c for c in corrections if c.state == Adjustment.State.PROPOSED]
    if [correction.amount for correction in waiting] == ([difference] if difference else []):
        return None  # what waits for the checker is still right
    for correction in waiting:
        apply_transition(correction, "withdraw", actor=actor, at=now,
                         reason=Message(gettext_noop("由第 %(version)s 版的更正取代"), version=statement.version))
    if not difference:
        return None
    return propose_carry_correction(
        statement=statement, amount=difference, actor=actor, now=now,
        reason=Message(CARRY_CORRECTED, month=f"{statement.month:%Y-%m}", version=statement.version, payable=yuan(statement.payable),
                       booked=yuan(booked)),
    )


def account_on_issue(statement: Statement, *, now: datetime) -> BankAccount | None:
    """The bank account a version of the statement issued at `now` pays, snapshotted then: the supplier's latest approved
    at least 7 days before (`payable_account`); the one rule of issuing and of the draft's page, which shows it ahead."""
    return payable_account(supplier=statement.supplier, at=now)


class AccountChanges(NamedTuple):
    """What may change the account a draft would pay before it is issued: a newer account approved but not usable yet
    (`usable`, usable from `usable.usable_from()`), and a change of bank account waiting for an operator's review
    (`requested`)."""

    usable: BankAccount | None
    requested: ProfileChange | None


def account_changes(statement: Statement, *, now: datetime) -> AccountChanges:
    """What `account_on_issue` does not take yet: the supplier's latest approved account when issuing at `now` would not pay
    it (approved less than 7 days before), and its bank account change pending review, if any."""
    latest = latest_bank_account(supplier=statement.supplier)
    requested = pending_profile_changes(supplier=statement.supplier).filter(field=ProfileChange.Field.BANK_ACCOUNT).first()
    return AccountChanges(latest if latest is not None and latest.usable_from() > now else None, requested)


def _freeze(version: StatementVersion, *, statement: Statement, actor, now: datetime) -> None:
    """Snapshot the bank account (and, for a receivable, the platform's receiving account it is paid to) and render the
    PDF of a version about to be issued. :raises ValidationFailed:"""
    account = account_on_issue(statement, now=now)
    if account is None and version.payable > 0:
        raise ValidationFailed(gettext("礼品商没有审核通过满7天的收款账户，不能下发"),
                               field="bank_account")
    version.issued_at, version.issued_by = now, actor
    if account is not None:
        version.bank_account = account
        version.bank_name, version.account_name, version.account_number = account.bank_name, account.account_name, account.account_number
    version.owed = owed_on_issue(version, statement=statement)
    version.pay_to = settings.RECEIVABLE_PAY_TO if version.owed else ""
    inline = version.line_count <= settings.STATEMENT_PDF_INLINE_LINES
    version.pdf_queued_at = None if inline else now
    version.save()
    if inline:
        store_pdf(version)
    else:
        from settlement.tasks import render_statement_pdf

        jobs.publish_on_commit(render_statement_pdf, version_id=version.pk)


def store_pdf(version: StatementVersion) -> StatementVersion:
    """Render the version's PDF once and keep it with its SHA-256 (a stored PDF is never rendered again). Renders that
    come at once (a retry, beat, finance's button) each render to bytes, but only the first to lock the row with no PDF
    stored writes the file: no second copy printing the bank account is left in the storage."""
    if version.pdf:
        return version
    from settlement.pdf import render_statement

    content = render_statement(version)
    statement = version.statement
    with kept_only_if_done() as stored, transaction.atomic():
        locked = StatementVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.pdf:
            locked.pdf_sha256 = hashlib.sha256(content).hexdigest()
            locked.pdf.save(f"statement-{statement.supplier_id}-{statement.month:%Y%m}-v{version.number}.pdf",
                            ContentFile(content), save=False)
            stored(locked.pdf)
            locked.pdf_failed_at, locked.pdf_error = None, ""
            locked.save(update_fields=["pdf", "pdf_sha256", "pdf_failed_at", "pdf_error"])
    version.pdf, version.pdf_sha256 = locked.pdf.name, locked.pdf_sha256
    version.pdf_failed_at, version.pdf_error = locked.pdf_failed_at, locked.pdf_error
    return version


# --- the supplier's answer ------------------------------------------------------------------------------------

def confirm_statement(*, statement: Statement, actor, now: datetime, reason: str = "") -> Statement:
    """The supplier admin confirms the issued version; with nothing payable the statement closes at once.

    :raises PermissionDenied: :raises InvalidTransition:
    """
    require_supplier_admin(actor, statement)
    with transaction.atomic():
        statement = lock_statement(statement)
        apply_transition(statement, "confirm", actor=actor, at=now, reason=reason, confirmed_at=now)
        _close_if_nothing_payable(statement, now=now)
    return statement


def answer_time_over(deadline: datetime | None, *, now: datetime) -> datetime | None:
    """The issued version's time to answer (`deadline`, its `respond_by`) once it is over at `now`: the version is
    deemed confirmed from then on, even before the 02:30 beat records it. None while the supplier may still answer, or
    unless issued (no deadline)."""
    return deadline if deadline is not None and deadline <= now else None


def dispute_refusal(deadline: datetime | None, *, now: datetime) -> str:
    """Why the supplier may no longer dispute the issued version whose time to answer ends at `deadline` (its
    `respond_by`; `answer_time_over`); '' while it may. The statement page says it instead of offering the step."""
    if deadline := answer_time_over(deadline, now=now):
        return gettext("答复期限 %(deadline)s 已过，视同确认，不能再提出异议") % {"deadline": moment(deadline)}
    return ""


def dispute_statement(*, statement: Statement, actor, now: datetime, reason: str) -> Statement:
    """The supplier admin disputes the issued version; the reconciliation corrections of this statement no statement has
    booked yet join the next version that answers it (`book_corrections_on_dispute`).

    :raises PermissionDenied: :raises ValidationFailed: without a reason :raises InvalidTransition:
    :raises DeemedConfirmed: its time to answer is over (`dispute_refusal`)"""
    require_supplier_admin(actor, statement)
    required_text(reason, message=gettext("请说明异议"))
    with transaction.atomic():
        statement = lock_statement(statement)
        if refusal := dispute_refusal(respond_by(statement), now=now):
            raise DeemedConfirmed(refusal, field="respond_by")
        apply_transition(statement, "dispute", actor=actor, at=now, reason=reason.strip(), dispute_reason=reason.strip())
        book_corrections_on_dispute(statement)
    return statement


def deem_confirmed(*, now: datetime) -> list[int]:
    """Confirm, flagged as deemed, every issued version with no supplier answer by its deadline (beat): 10 days after
    issue, or 10 days after the supplier's first reconciliation upload for it when that upload comes within the 10 days
    after issue (a later first upload leaves the deadline where it was; `with_respond_by`); those with nothing payable
    close. Set-based, all or nothing: the deadline is read again with the rows locked, so a statement the supplier
    answered meanwhile is left alone, and each statement confirmed, and only those, tells its supplier once (a notice
    and its SMS, written together for all). The queries do not grow with the number of statements. Returns the ids
    confirmed."""
    due = with_respond_by(Statement.objects.filter(state=State.ISSUED)).filter(respond_by__lte=now)
    with transaction.atomic():
        confirmed = bulk_transition(due, "confirm", actor=None, at=now, reason=gettext_noop("下发10天未处理，视同确认"),
                                    values={"confirmed_at": now, "deemed_confirmed": True})
        _close_all_with_nothing_payable(Statement.objects.filter(pk__in=confirmed), now=now)
        told = Statement.objects.filter(pk__in=confirmed).order_by("pk").only("pk", "state", "supplier_id", "month", "version", "payable")
        send_inbox_notices([(statement.supplier_id, _named(statement), reverse("settlement-statement", args=[statement.pk]))
                            for statement in told], kind="statement_deemed_confirmed", title=gettext_noop("%(month)s 结算单已视同确认"),
                           body=gettext_noop("第 %(version)s 版下发后未在期限内确认或提出异议，已视同确认；应付 %(payable)s。"),
                           now=now, sms=True)
    return confirmed


OWED_AFTER_TERMINATION = gettext_noop("应付金额为负，已终止合作，转为应收")
CARRIED_INTO_NEXT = gettext_noop("应付金额不大于零，结转下期")


def owed_on_closing() -> Q:
    """The statements that close as a receivable: a negative payable of a terminated supplier that no later statement
    carries already."""
    return Q(payable__lt=0) & _owed_if_negative()


def _owed_if_negative() -> Q:
    """The statements whose negative payable the supplier owes: of a terminated supplier, carried by no later statement."""
    carried = StatementLine.objects.filter(source_kind=SourceKind.STATEMENT).values("source_id")
    return Q(supplier__state=Supplier.State.TERMINATED) & ~Q(pk__in=carried)


def owed_on_issue(version: StatementVersion, *, statement: Statement) -> bool:
    """Whether the version, issued now, is a receivable: its payable negative and owed as `owed_on_closing` says (the
    statement's mirrored payable is the previous version's until a reissue is applied)."""
    return version.payable < 0 and Statement.objects.filter(_owed_if_negative(), pk=statement.pk).exists()


def _close_if_nothing_payable(statement: Statement, *, now: datetime) -> None:
    """Close a statement just confirmed with nothing payable: the system's step (whoever confirmed it), with its fixed
    reason, carried into the next month or owed."""
    if statement.payable <= 0:
        receivable = Statement.objects.filter(owed_on_closing(), pk=statement.pk).exists()
        why = OWED_AFTER_TERMINATION if receivable else CARRIED_INTO_NEXT
        apply_transition(statement, "close", actor=None, at=now, reason=why, closed_at=now, receivable=receivable)


def _close_all_with_nothing_payable(confirmed: QuerySet[Statement], *, now: datetime) -> None:
    """`_close_if_nothing_payable` for many confirmed statements at once, set-based."""
    nothing_payable = confirmed.filter(payable__lte=0)
    owed = list(nothing_payable.filter(owed_on_closing()).values_list("pk", flat=True))  # ids: the rows locked are statements only
    bulk_transition(nothing_payable.filter(pk__in=owed), "close", actor=None, at=now, reason=OWED_AFTER_TERMINATION,
                    values={"closed_at": now, "receivable": True}, conditions_met=True)
    bulk_transition(nothing_payable.exclude(pk__in=owed), "close", actor=None, at=now, reason=CARRIED_INTO_NEXT,
                    values={"closed_at": now, "receivable": False}, conditions_met=True)


@subscribe(SupplierTerminated)
def owe_closed_negative_payables(event: SupplierTerminated) -> list[int]:
    """SPEC §4.11: after termination a negative payable becomes a receivable on the supplier. A statement closed
    before the termination to carry its negative payable forward, and not carried yet, is owed now (no statement of
    a terminated supplier carries it any more)."""
    carried = StatementLine.objects.filter(source_kind=SourceKind.STATEMENT).values("source_id")
    owed = (Statement.objects.filter(supplier_id=event.supplier_id, state=State.CLOSED, payable__lt=0, receivable=False)
            .exclude(pk__in=carried).order_by("month"))
    actor = actor_of(event)
    for statement in owed:
        apply_transition(statement, "owe", actor=actor, at=event.at, reason=OWED_AFTER_TERMINATION)
    return [statement.pk for statement in owed]


# --- invoice and payment --------------------------------------------------------------------------------------

def invoice_statement(*, statement: Statement, actor, now: datetime, number: str, amount) -> Statement:
    """The supplier admin enters its VAT invoice, whose amount must equal the payable.

    :raises PermissionDenied: :raises ValidationFailed: :raises InvalidTransition:
    """
    require_supplier_admin(actor, statement)
    number = _invoice_number(number)
    amount = parse_amount(amount, field="invoice_amount", example="1280.00")
    with transaction.atomic():
        statement = lock_statement(statement)
        _refuse_number_used_elsewhere(statement, number)
        if statement.state == State.CONFIRMED and amount != statement.payable:
            message = gettext("发票金额 %(amount)s 与应付金额 %(payable)s 不一致") % {"amount": yuan(amount), "payable": yuan(statement.payable)}
            raise ValidationFailed(message, field="invoice_amount")
        days = contracts.payment_term(supplier=statement.supplier, on=timezone.localdate(now))
        due_on = timezone.localdate(now) + timedelta(days=days) if days is not None else None
        apply_transition(statement, "invoice", actor=actor, at=now, reason=number, number=number, amount=amount,
                         invoiced_at=now, payment_days=days, payment_due_on=due_on)
    return statement


#: the states in which a statement's payment is still to be made once it is invoiced
AWAITING_PAYMENT = (State.INVOICED, State.APPROVED)


def overdue_payments(today: date) -> Q:
    """The statements whose payment is past its due day on `today`: invoiced or approved, not yet paid, and due (the
    contract's term from the invoice) before `today`."""
    return Q(state__in=AWAITING_PAYMENT, payment_due_on__lt=today)


def with_payment_overdue(statements: QuerySet[Statement], *, today: date) -> QuerySet[Statement]:
    """The statements annotated `payment_overdue`: whether each is among `overdue_payments(today)`."""
    late = Case(When(overdue_payments(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    return statements.annotate(payment_overdue=late)


def payment_overdue(statement: Statement, *, today: date) -> bool:
    """Whether the statement's payment is past its due day (`overdue_payments`): a statement read by `list_statements`
    carries the answer for the day it was read on; any other is asked of the database for `today`."""
    if "payment_overdue" in statement.__dict__:  # annotated
        return statement.payment_overdue
    return with_payment_overdue(Statement.objects.filter(pk=statement.pk), today=today).values_list("payment_overdue", flat=True).get()


def correct_invoice_number(*, statement: Statement, actor, now: datetime, number: str, reason: str = "") -> Statement:
    """The supplier admin corrects a mistyped invoice number until the payment is approved; the history keeps the old
    and the new number (and why, when given). The amount is not corrected: it must equal the payable anyway.

    :raises PermissionDenied: :raises ValidationFailed: an empty number, the same one, or one used on another statement
    :raises InvalidTransition: unless the statement is invoiced (once the payment is approved, finance has checked it)
    """
    require_supplier_admin(actor, statement)
    number = _invoice_number(number)
    with transaction.atomic():
        statement = lock_statement(statement)
        if number == statement.invoice_number:
            raise ValidationFailed(gettext("新的发票号码与原号码相同"), field="invoice_number")
        _refuse_number_used_elsewhere(statement, number)
        was = statement.invoice_number
        change = f"{was} → {number}"
        note = labelled_message(change, reason.strip()) if (reason or "").strip() else change
        apply_transition(statement, "correct_invoice", actor=actor, at=now, reason=note, number=number)
    return statement


#: the digits of a VAT invoice number: 8 on a paper or electronic VAT invoice, 20 on a fully digital e-invoice (全电发票)
VAT_INVOICE_DIGITS, DIGITAL_INVOICE_DIGITS = 8, 20
INVOICE_NUMBER = re.compile(rf"[0-9]{{{VAT_INVOICE_DIGITS}}}|[0-9]{{{DIGITAL_INVOICE_DIGITS}}}")


def invoice_number_rule() -> str:
    """What an invoice number must be, as its field's help text and its error say it."""
    return gettext("%(vat)s位（增值税发票）或%(digital)s位（全电发票）数字") % {"vat": VAT_INVOICE_DIGITS, "digital": DIGITAL_INVOICE_DIGITS}


def _invoice_number(number: str) -> str:
    number = (number or "").strip()
    if not number:
        raise ValidationFailed(gettext("请填写发票号码"), field="invoice_number")
    if not INVOICE_NUMBER.fullmatch(number):
        message = gettext("发票号码 %(number)s 无效：应为%(rule)s") % {"number": number[:40], "rule": invoice_number_rule()}
        raise ValidationFailed(message, field="invoice_number")
    return number


def _refuse_number_used_elsewhere(statement: Statement, number: str) -> None:
    if Statement.objects.filter(supplier_id=statement.supplier_id, invoice_number=number).exclude(pk=statement.pk).exists():
        raise ValidationFailed(gettext("发票号码 %(number)s 已用于另一张结算单") % {"number": number}, field="invoice_number")


def payment_refusal(statement: Statement, actor, step: str) -> str:
    """Why `actor` may not take the payment `step` ("approve_payment" or "pay") on the statement: separation of duties
    (SPEC §4.11) has the payment approved by a finance user other than the one who issued the current version, and
    paid by one other than its approver. '' when nothing stands in the way."""
    if step == "approve_payment" and statement.issued_by_id and statement.issued_by_id == actor.pk:
        return gettext("付款审批需由下发人以外的财务人员进行")
    if step == "pay" and statement.payment_approved_by_id and statement.payment_approved_by_id == actor.pk:
        return gettext("登记付款需由付款审批人以外的财务人员进行")
    return ""


def _require_other_finance(statement: Statement, actor, step: str) -> None:
    """:raises InvalidTransition: the step is not one the statement's state allows :raises PermissionDenied: the
    person whose own step this one checks (`payment_refusal`)"""
    require_transition(statement, step)
    if refusal := payment_refusal(statement, actor, step):
        raise PermissionDenied(refusal)


def approve_payment(*, statement: Statement, actor, now: datetime, reason: str = "") -> Statement:
    """Approve the payment of an invoiced statement; the approver is not the issuer of its current version.

    :raises PermissionDenied: :raises InvalidTransition:"""
    require_finance(actor)
    with transaction.atomic():
        statement = lock_statement(statement)
        _require_other_finance(statement, actor, "approve_payment")
        return apply_transition(statement, "approve_payment", actor=actor, at=now, reason=reason, approved_at=now,
                                approved_by=actor)


def pay_statement(*, statement: Statement, actor, now: datetime, reference: str, paid_on: date | None = None) -> Statement:
    """Record the payment with its bank reference and date; the payer is not the payment's approver.

    :raises PermissionDenied: :raises ValidationFailed: :raises InvalidTransition:"""
    require_finance(actor)
    reference, paid_on = _bank_record(reference, paid_on, now=now, fields=("payment_reference", "payment_date"),
                                      messages=(gettext("请填写付款凭证号"), gettext("付款日期不能晚于今天")))
    with transaction.atomic():
        statement = lock_statement(statement)
        _require_other_finance(statement, actor, "pay")
        if statement.payment_approved_at and paid_on < timezone.localtime(statement.payment_approved_at).date():
            raise ValidationFailed(gettext("付款日期不能早于付款审批日期"),
                                   field="payment_date")
        apply_transition(statement, "pay", actor=actor, at=now, reason=reference, reference=reference, paid_on=paid_on,
                         paid_by=actor)
        _tell_supplier(statement, kind="statement_paid", now=now, reference=reference)
    return statement


def _bank_record(reference: str, on: date | None, *, now: datetime, fields: tuple[str, str], messages: tuple[str, str]):
    """A bank reference (required, within its column) and the date of the transfer (today if not given, never later),
    each refused with its own message naming its field. :raises ValidationFailed:"""
    reference_field, date_field = fields
    reference = validate_length((reference or "").strip(), model=Statement, column=reference_field)
    if not reference:
        raise ValidationFailed(messages[0], field=reference_field)
    today = timezone.localtime(now).date()
    if (on or today) > today:
        raise ValidationFailed(messages[1], field=date_field)
    return reference, on or today


def record_collection(*, statement: Statement, actor, now: datetime, reference: str, amount, collected_on: date | None = None) -> Statement:
    """Record a payment a terminated supplier made towards what it owes (a statement closed as a receivable), by a
    finance user: the bank reference, the amount received (more than zero, at most what is still outstanding) and the
    day it was received (today if not given, never later). The receivable stays closed, owing the rest, until a payment
    collects all that is outstanding: then it is collected (应收已收回) and the supplier told. Each payment is kept
    (`ReceivablePayment`) and logged in the statement's history. The statement's row is locked first, so that two
    finance users recording at once never collect more than is owed.

    :raises PermissionDenied: :raises ValidationFailed: naming `collection_amount` (with the outstanding amount),
    `collection_reference` or `collection_date` :raises InvalidTransition: not a receivable, or collected already"""
    require_finance(actor)
    reference, collected_on = _bank_record(reference, collected_on, now=now, fields=("collection_reference", "collection_date"),
                                           messages=(gettext("请填写收款凭证号"), gettext("收款日期不能晚于今天")))
    amount = parse_amount(amount, field="collection_amount", example="350.00")
    with transaction.atomic():
        statement = lock_statement(statement)
        require_transition(statement, "record_collection")
        outstanding = statement.outstanding
        if not ZERO < amount <= outstanding:
            message = (gettext("收款金额须大于零，尚未收回 %(outstanding)s") if amount <= ZERO
                       else gettext("收款金额 %(amount)s 超过尚未收回的应收金额 %(outstanding)s"))
            raise ValidationFailed(message % {"amount": yuan(amount), "outstanding": yuan(outstanding)}, field="collection_amount")
        ReceivablePayment.objects.create(statement=statement, amount=amount, received_on=collected_on, reference=reference,
                                         recorded_by=actor, recorded_at=now)
        said = {"amount": yuan(amount), "reference": reference, "collected_on": f"{collected_on:%Y-%m-%d}"}
        if amount < outstanding:
            left = yuan(outstanding - amount)
            apply_transition(statement, "record_part_payment", actor=actor, at=now, amount=amount, reason=Message(
                gettext_noop("收款 %(amount)s（凭证 %(reference)s，%(collected_on)s 收到），尚未收回 %(left)s"), left=left, **said))
            return statement
        apply_transition(statement, "record_collection", actor=actor, at=now, reference=reference, collected_on=collected_on,
                         collected_by=actor, amount=amount, reason=Message(
                             gettext_noop("收款 %(amount)s（凭证 %(reference)s，%(collected_on)s 收到），应收款已全部收回"), **said))
        _tell_plainly(statement, kind="statement_collected", now=now, title=gettext_noop("%(month)s 结算单应收款已收到"),
                      body=gettext_noop("收到 %(amount)s，收款凭证 %(reference)s，收款日期 %(collected_on)s；累计收回 %(collected)s，应收款已全部收回。"),
                      collected=yuan(-statement.payable), **said)
    return statement


def receivable_payments(statement: Statement | None = None) -> QuerySet[ReceivablePayment]:
    """The payments recorded towards a receivable (any, without `statement`: to prefetch for many), oldest first, with who
    recorded each."""
    payments = ReceivablePayment.objects.filter(statement=statement) if statement is not None else ReceivablePayment.objects.all()
    return payments.select_related("recorded_by").order_by("recorded_at", "id")


# --- reading --------------------------------------------------------------------------------------------------

def carried_line(statement: Statement) -> StatementLine | None:
    """The line of a later statement that carried this statement's negative payable, if one did (with that statement)."""
    return StatementLine.objects.select_related("statement").filter(source_kind=SourceKind.STATEMENT, source_id=statement.pk).first()


def carry_corrections(statement: Statement, *, actor=None) -> QuerySet[Adjustment]:
    """The adjustments that corrected this statement's carried payable after a later version changed it (as `actor`
    may list them, when given: a supplier sees approved ones only)."""
    corrections = Adjustment.objects if actor is None else list_adjustments(actor=actor)
    return corrections.filter(kind=Adjustment.Kind.CARRY_CORRECTION, source_kind="statement", source_id=str(statement.pk))


class DisputeAnswer(NamedTuple):
    """What a version after the first answers: the dispute of version `disputed` (the supplier's `reason`) and the dispute
    adjustments booked into it (`adjustments`: (number, amount), by number)."""

    disputed: int
    reason: str
    adjustments: list[tuple[str, Decimal]]


def dispute_answers(statement: Statement) -> dict[int, DisputeAnswer]:
    """{version number: the DisputeAnswer it is} of each version after the first (and of the version that will answer a
    dispute still open), in two queries whatever the number of versions. A version is disputed once at most and each dispute is answered by the next version, so the k-th dispute
    logged is version k's, answered by version k + 1: what a version answers never changes, and its PDF rendered again
    prints the same (a later dispute rewrites `Statement.dispute_reason`, not the log)."""
    reasons = TransitionLog.objects.of(statement).filter(transition="dispute").order_by("at", "id").values_list("reason", flat=True)
    booked = StatementLine.objects.filter(statement=statement, source_kind=SourceKind.ADJUSTMENT, source_id=OuterRef("pk"))
    adjustments = (Adjustment.objects.filter(statement=statement).annotate(booked_in=Subquery(booked.values("version")[:1]))
                   .filter(booked_in__gt=1).order_by("number").values_list("booked_in", "number", "amount"))
    booked_in: dict[int, list[tuple[str, Decimal]]] = {}
    for version, number, amount in adjustments:
        booked_in.setdefault(version, []).append((number, amount))
    return {disputed + 1: DisputeAnswer(disputed, reason, booked_in.get(disputed + 1, []))
            for disputed, reason in enumerate(reasons, start=1)}


HIDDEN_FROM_SUPPLIERS = frozenset({Statement.State.DRAFT})  # finance's work in progress


def statement_states(*, actor) -> list[tuple[str, str]]:
    """(value, label) of the statement states the actor may see statements in: a supplier never sees a draft."""
    hidden = HIDDEN_FROM_SUPPLIERS if getattr(actor, "role", None) in SUPPLIER_ROLES else frozenset()
    return [(value, label) for value, label in Statement.State.choices if value not in hidden]


# what the statements page's text filter and the API's `?search=` find a statement by: its supplier, its invoice and
# the bank references of its payment and of a receivable's collection (a statement has no number of its own)
SEARCHED = ("supplier__name", "invoice_number", "payment_reference", "collection_reference")
LINE_SEARCHED = ("order_number", "sku")  # and a version's lines by their order and gift


def waiting_for_step(statements: QuerySet, actor, waiting: bool | None) -> QuerySet:
    """The statements waiting for the actor's step (True: what its navigation badge counts, `statements_waiting`), the
    others (False), or all (None): the page's and the API's 待我处理 filter."""
    return waiting_rows(statements, statements_waiting, actor, waiting)


def list_statements(*, actor, month: date | None = None, state: str = "", supplier_id: int | None = None,
                    receivable: bool | None = None, overdue: bool | None = None, awaiting_payment: bool | None = None,
                    waiting: bool | None = None, today: date | None = None) -> QuerySet[Statement]:
    """The statements the actor may see; a supplier sees a statement once it is issued (a draft is finance's work).
    Each is annotated `payment_overdue` (`with_payment_overdue` on `today`, the local date by default); `receivable`,
    `overdue` and `awaiting_payment` narrow them as `narrow_statements` does, `waiting` to those waiting for the
    actor's step (`statements_waiting`, what the navigation badge counts; False: the others)."""
    today = today or timezone.localdate()
    statements = narrow_statements(with_payment_overdue(with_respond_by(
        Statement.objects.visible_to(actor).select_related("supplier", "issued_by", "payment_approved_by", "paid_by", "collected_by")
    ), today=today), receivable=receivable, overdue=overdue, awaiting_payment=awaiting_payment)
    statements = waiting_for_step(statements, actor, waiting)
    if getattr(actor, "role", None) in SUPPLIER_ROLES:
        statements = statements.exclude(state__in=HIDDEN_FROM_SUPPLIERS)
    if month:
        statements = statements.filter(month=month)
    if state:
        statements = statements.filter(state=state)
    if supplier_id:
        statements = statements.filter(supplier_id=supplier_id)
    return statements


def narrow_statements(statements: QuerySet[Statement], *, receivable: bool | None = None,
                      overdue: bool | None = None, awaiting_payment: bool | None = None) -> QuerySet[Statement]:
    """The statements (of `list_statements`, annotated `payment_overdue`) by the yes/no filters of the page and the API
    (`core.selectors.answering`: None is no filter, False only those not): `receivable`, closed as receivables of
    terminated suppliers (collected or not: filter by `state`); `overdue`, their payment past its due day;
    `awaiting_payment`, invoiced or approved and not yet paid (AWAITING_PAYMENT)."""
    statements = answering(statements, Q(state__in=AWAITING_PAYMENT), awaiting_payment)
    return answering(answering(statements, Q(receivable=True), receivable), Q(payment_overdue=True), overdue)


def outstanding_receivables(*, actor) -> QuerySet[Statement]:
    """The receivables the actor may see still owing something (`TO_COLLECT`: closed as receivables, not collected),
    oldest month first; their amounts (`receivable_amount`, `outstanding`) read no more rows."""
    return Statement.objects.visible_to(actor).filter(TO_COLLECT).order_by("month", "pk")


def paid_between(start: date | None, end: date | None) -> dict:
    """Lookups keeping the statements paid on a day from `start` to `end` (both included; a missing bound left out, none:
    no lookups, so that an unpaid statement stays listed)."""
    bounds = {"payment_date__gte": start, "payment_date__lte": end}
    return {lookup: day for lookup, day in bounds.items() if day}


def with_paying_account(statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """The statements annotated with the bank account their current version pays (`paying_bank_name`,
    `paying_account_name`, `paying_account_number`; empty before one is snapshotted at issue), in the same query."""
    current = StatementVersion.objects.filter(statement=OuterRef("pk"), number=OuterRef("version"))
    return statements.annotate(**{f"paying_{field}": Subquery(current.values(field)[:1])
                                  for field in ("bank_name", "account_name", "account_number")})


#: what statements add up to wherever their payables are summed (the months page, its chart, the statements list's
#: footer): what is payable (`paid`, the positive payables), what is carried forward instead (`carried`, negative
#: payables not owed back) and what terminated suppliers owe back (`owed`, negative payables closed as receivables),
#: each of the statements issued only: a draft is finance's work in progress and counts in none
PAYABLE_SUMS = {
    name: Sum("payable", filter=~Q(state=State.DRAFT) & which, default=ZERO) for name, which in (
        ("paid", Q(payable__gt=0)), ("carried", Q(payable__lt=0, receivable=False)), ("owed", Q(payable__lt=0, receivable=True)))
}


def statement_totals(statements: QuerySet[Statement]) -> dict:
    """The footer of a list of statements, over all of them, in one query, summed as the months page sums a month
    (`PAYABLE_SUMS`): how many are issued and what they add up to — `payable`, `carried`, `receivable` (positive, as
    owed back) —, and apart, how many drafts there are and the sum of their payables, counted in none of those."""
    draft = Q(state=State.DRAFT)
    sums = statements.order_by().aggregate(
        issued=Count("pk", filter=~draft), drafts=Count("pk", filter=draft),
        drafts_payable=Sum("payable", filter=draft, default=ZERO), **PAYABLE_SUMS)
    return {"issued": sums["issued"], "payable": sums["paid"], "carried": sums["carried"], "receivable": -sums["owed"],
            "drafts": sums["drafts"], "drafts_payable": sums["drafts_payable"]}


def monthly_payables(*, actor, months: int, until: date) -> list[dict]:
    """The `months` months up to the month of `until` (today: the current month, though nothing is issued for it yet),
    oldest first, a month without issued statements at zero (none at all: no months): what is payable (the positive
    payables of the statements' issued versions) and, apart from it, what was carried forward (their negative payables,
    which are not paid but carried into the next statement) and what terminated suppliers owe instead (`receivable`: the
    negative payables closed as receivables, collected or not, as a positive amount owed; never carried). A draft is
    finance's work in progress and counts in none."""
    issued = list_statements(actor=actor).exclude(state=State.DRAFT).order_by()
    rows = issued.values("month").annotate(**PAYABLE_SUMS).order_by("-month")[:months]
    by_month = {row["month"]: row for row in rows}  # the last `months` months with any hold every one of the window's
    if not by_month:
        return []
    nothing = {"paid": ZERO, "carried": ZERO, "owed": ZERO}
    return [{"month": month, "payable": row["paid"], "carried": row["carried"], "receivable": -row["owed"]}
            for month in chart_months(latest=max(by_month), until=until, count=months) for row in [by_month.get(month, nothing)]]


#: a line's section as the statement orders them (deliveries, returns, extra costs, adjustments, carried forward)
SECTION_ORDER = Case(*(When(section=section, then=Value(n)) for n, section in enumerate(Section.values)), output_field=IntegerField())


def version_lines(version: StatementVersion) -> QuerySet:
    """The lines of one version: the statement's lines first claimed in it or an earlier one, section by section in
    the statement's order (`SECTION_ORDER`), as the PDF prints them."""
    return version.statement.lines.filter(version__lte=version.number).order_by(SECTION_ORDER, "recorded_at", "id")


def _tell_supplier(statement: Statement, *, kind: str, now: datetime, note: str = "", **context) -> None:
    """A notice in the supplier's inbox, linking to the statement, and the statement's own SMS as the supplier's SMS
    setting allows (a reminder held for the quiet hours is no reason to miss a statement that confirms itself after 10 days).
    `note`: finance's note (下发说明) reissuing a disputed statement, its answer to the dispute, in both."""
    sms = Sms(kind, _named(statement) | context, statement)
    if kind == "statement_paid":
        title = gettext_noop("%(month)s 结算单已付款")
        body = gettext_noop("第 %(version)s 版，付款 %(payable)s，付款凭证 %(reference)s，付款日期 %(payment_date)s。")
        params = {"reference": context["reference"], "payment_date": f"{statement.payment_date:%Y-%m-%d}"}
    else:
        title = gettext_noop("%(month)s 结算单第 %(version)s 版已下发")
        body = gettext_noop("应付 %(payable)s。请于 %(confirm_by)s 前确认或提出异议，逾期未处理视为确认。")
        params = {"confirm_by": moment(now + DEEMED_CONFIRMED_AFTER)}
        if note.strip():
            body = gettext_noop("应付 %(payable)s。下发说明：%(note)s。请于 %(confirm_by)s 前确认或提出异议，逾期未处理视为确认。")
            params["note"] = _note_shown(note)
            sms = Sms("statement_reissued", _named(statement) | {"note": one_line(note)}, statement)
    _tell_plainly(statement, kind=kind, now=now, title=title, body=body, sms=sms, **params)


#: how much of finance's note (下发说明) a reissue's notice carries: the statement's page shows it whole
NOTE_SHOWN = 200


def _note_shown(note: str) -> str:
    """Finance's note as a notice body carries it: on one line, its closing full stop dropped (the body ends the
    sentence), cut to NOTE_SHOWN characters with an ellipsis."""
    line = " ".join(note.split()).rstrip("。.")
    return line if len(line) <= NOTE_SHOWN else line[:NOTE_SHOWN - 1] + "…"


def _tell_plainly(statement: Statement, *, kind: str, now: datetime, title: str, body: str, sms: bool | Sms = True, **params) -> None:
    """A notice of a statement's step, linking to the statement (`sms`: an SMS of its own, as `send_notice` takes); `title` and
    `body` may name %(month)s, %(version)s and %(payable)s besides `params`."""
    send_notice(supplier=statement.supplier, kind=kind, title=title, body=body, now=now, sms=sms,
                params=_named(statement) | params, link=reverse("settlement-statement", args=[statement.pk]))


def _named(statement: Statement) -> dict:
    """What a statement's notice and SMS name it by: its month, version and payable amount."""
    return {"month": f"{statement.month:%Y-%m}", "version": statement.version, "payable": yuan(statement.payable)}


#: the states in which a statement waits for each party: finance answers disputes, approves invoiced statements and pays;
#: the supplier's admin confirms or disputes an issued one and enters the invoice of a confirmed one
WAITING_FOR = {Role.FINANCE: (State.DISPUTED, State.INVOICED, State.APPROVED), Role.SUPPLIER_ADMIN: (State.ISSUED, State.CONFIRMED)}
#: a receivable of a terminated supplier not collected yet: it waits for finance to record its collection (登记收款)
TO_COLLECT = Q(state=State.CLOSED, receivable=True)


@waiting_for(WAITING_FOR.keys())
def statements_waiting(user) -> QuerySet:
    """The statements waiting for the user's step (finance's: those to collect too, `TO_COLLECT`); finance is not waited
    for on a payment step it may not take (`payment_refusal`): approving what it issued, paying what it approved."""
    steps = Q(state__in=WAITING_FOR[user.role])
    if user.role == Role.FINANCE:
        steps |= TO_COLLECT
    waiting = Statement.objects.visible_to(user).filter(steps)
    if user.role == Role.FINANCE:
        waiting = waiting.exclude(state=State.INVOICED, issued_by=user).exclude(state=State.APPROVED, payment_approved_by=user)
    return waiting
