"""Adjustments (调账, SPEC §4.11): finance proposes, another finance user approves (maker-checker).

An approved adjustment is booked by its approval time on the next statement generated for that month, except a
dispute resolution (`statement` set), which becomes a line of the disputed statement's next version at once. A dispute
resolution may name the reconciliation lines it answers: they are resolved by it, so the same difference is not
adjusted a second time from the reconciliation. The maker may withdraw a proposal until it is decided.
"""
import re
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from core.errors import PermissionDenied, Problems, ValidationFailed
from core.fsm import apply_transition, log_creation
from core.numbers import create_numbered
from core.roles import SUPPLIER_ROLES, Role, waiting_for, waiting_rows
from core.texts import Message, stored, yuan
from core.validators import folded, required_text
from points.models import RedemptionOrder
from settlement.models import Adjustment, LineResolution, PenaltyProposal, Reconciliation, ReconciliationLine, Resolution, Section, SourceKind, Statement, StatementLine, StatementVersion
from settlement.models.reconciliation import ANSWERING
from settlement.models.statements import ZERO
from settlement.services.locking import locked_statements
from settlement.services.pending import not_adjustable_reason, with_pending
from settlement.sources import check_source, require_adjustable
from settlement.errors import LineAlreadyAnswered, SourceAlreadyAdjusted
from suppliers.models import Contract, Supplier
from suppliers.services.locks import lock_suppliers
from suppliers.services.notices import decision_note, send_notice

CENT = Decimal("0.01")
AMOUNT_DIGITS = 14  # before the point: amounts are stored with 16 digits, two after the point
AMOUNT = re.compile(r"[+-]?([0-9]+)(?:\.[0-9]+)?")
#: currency marks a typed or exported amount may carry: ￥10.00, ¥360.00, 10.00元, RMB 10 (stripped before parsing)
CURRENCY = re.compile(r"^(?:[￥¥]|RMB|CNY)\s*|\s*元$", re.IGNORECASE)
#: kinds only the system proposes: a carry correction follows a payable changed by a new version (`propose_carry_correction`)
SYSTEM_KINDS = frozenset({Adjustment.Kind.CARRY_CORRECTION})
#: kinds finance proposes by hand, in the order of `Adjustment.Kind`; a dispute adjustment only for a statement in dispute
HAND_KINDS = [kind for kind in Adjustment.Kind.values if kind not in SYSTEM_KINDS]
#: the largest adjustment finance may propose either way; a carry correction follows a payable and is not capped
ADJUSTMENT_LIMIT = Decimal("10000000")
#: kinds whose name implies the direction of the payable: a penalty deducts from it, a compensation adds to it; the
#: other kinds correct a figure either way
SIGN_OF_KIND = {Adjustment.Kind.PENALTY: -1, Adjustment.Kind.COMPENSATION: 1}


def require_finance(actor) -> None:
    """Money decisions are finance's alone: a superuser of another role (the operators' admin) is no exception, so
    maker-checker cannot be passed by an account that is not one of the finance users. :raises PermissionDenied:"""
    if getattr(actor, "role", None) != Role.FINANCE:
        raise PermissionDenied(gettext("仅财务人员可以执行此操作"))


def parse_amount(value, *, field: str = "amount", allow_zero: bool = False, example: str = "-180.00") -> Decimal:
    """A money amount in plain decimal notation (ASCII digits, thousands commas and a currency mark — ￥, ¥, 元 —
    allowed; full-width forms as a Chinese input method types them, １７２０．００, read as their plain ones, NFKC, as a
    month field reads them), at most two decimals; the one rule of the portal, the API and files. Decimal() alone would
    also take exponents, underscores, other scripts' digits, NaN and Infinity. `example`: the amount a refusal shows as one that
    reads, of the sign the field takes (an adjustment's either; an invoice's positive).
    :raises ValidationFailed:"""
    text = folded(str(value)).replace(",", "")
    sign = text[:1] if text[:1] in "+-" else ""
    text = sign + CURRENCY.sub("", text[len(sign):]).strip()
    whole = AMOUNT.fullmatch(text)
    if not whole:
        raise ValidationFailed(gettext("金额格式不正确，应为数字，最多两位小数，如 %(example)s") % {"example": example}, field=field)
    if len(whole[1].lstrip("0")) > AMOUNT_DIGITS:  # counted before Decimal(), which a million digits would keep busy
        raise ValidationFailed(gettext("金额过大，整数部分最多 %(money_digits)s 位") % {"money_digits": AMOUNT_DIGITS}, field=field)
    amount = Decimal(text)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(gettext("金额最多两位小数"), field=field)
    if amount == 0 and not allow_zero:
        raise ValidationFailed(gettext("金额不能为零"), field=field)
    return amount.quantize(CENT)


def check_sign(*, kind: str, amount: Decimal) -> None:
    """A penalty reduces the payable (negative amount), a compensation increases it (positive): the sign a kind implies
    (`SIGN_OF_KIND`). :raises ValidationFailed: naming `amount`"""
    sign = SIGN_OF_KIND.get(kind)
    if sign is None or (amount > 0) == (sign > 0):
        return
    label = Adjustment.Kind(kind).label
    if sign < 0:
        message = gettext("「%(kind)s」减少应付，金额须为负数，如 -%(example)s") % {"kind": label, "example": abs(amount)}
    else:
        message = gettext("「%(kind)s」增加应付，金额须为正数，如 %(example)s") % {"kind": label, "example": abs(amount)}
    raise ValidationFailed(message, field="amount")


def answered_already(*, statement_id: int, lines) -> None:
    """Refuse adjusting a reconciliation line whose order, SKU and kind an adjustment proposed or approved already
    answers on the same statement (from any of its reconciliations, or a dispute adjustment naming it): the
    difference would be paid twice. The caller holds the statement's row lock, its supplier's taken first
    (`locking.locked_statements`: proposing a dispute answer, resolving a line): it serialises two finance users answering
    the same difference at once. :raises LineAlreadyAnswered: naming the adjustment"""
    keys = Q()
    for line in lines:
        keys |= Q(order_number=line.order_number, sku=line.sku, kind=line.kind)
    if not keys:
        return
    answered = ReconciliationLine.objects.filter(
        keys, reconciliation__statement_id=statement_id, adjustment__state__in=ANSWERING,
    ).select_related("adjustment").order_by("pk").first()
    if answered is not None:
        adjustment = answered.adjustment
        message = gettext("%(order)s %(sku)s %(kind)s 已由调账 %(number)s（%(state)s）处理，不能重复调账") % {
            "order": answered.order_number, "sku": answered.sku, "kind": answered.get_kind_display(),
            "number": adjustment.number, "state": adjustment.get_state_display()}
        raise LineAlreadyAnswered(message, field="line")


def _answered_lines(*, statement: Statement | None, lines, amount) -> list[ReconciliationLine]:
    """The reconciliation lines a dispute adjustment of `amount` answers, locked: open discrepancies of that statement's
    current reconciliations that an adjustment may answer, whose differences add up to the amount (the lines are
    resolved by accepting the supplier's figures). :raises ValidationFailed: :raises LineAlreadyAnswered:"""
    ids = [getattr(line, "pk", line) for line in lines or ()]
    if not ids:
        return []
    if statement is None:
        raise ValidationFailed(gettext("只有异议调整可以关联对账明细"), field="reconciliation_lines")
    found = list(with_pending(ReconciliationLine.objects.select_for_update(of=("self",)).select_related(
        "reconciliation__statement", "reconciliation__version", "adjustment")).filter(pk__in=ids, reconciliation__statement=statement))
    for line in found:
        if line.open and not line.adjustable:
            raise ValidationFailed(not_adjustable_reason(line), field="reconciliation_lines")
    usable = [line for line in found if line.open]
    if len(usable) != len(set(ids)):
        raise ValidationFailed(gettext("只能关联该结算单当前对账中待处理的差异明细"), field="reconciliation_lines")
    answered_already(statement_id=statement.pk, lines=usable)
    differences = sum((line.difference for line in usable), start=ZERO)
    if differences != amount:
        raise ValidationFailed(gettext("所关联对账明细的差额合计 %(total)s，调账金额须与之相同（差额 = 礼品商金额 − 平台金额）")
                               % {"total": yuan(differences)}, field="amount")
    return usable


#: the (kind, source kind) pairs adjusted once per source: a monthly assessment's penalty (its proposals' penalties, or a
#: manual one, would deduct it twice) and a lost-parcel claim's compensation (it would be paid twice). Other sources are
#: adjusted again with reason — a later dispute of the same order, a second correction of an extra cost, a penalty for
#: another breach on the same order — and reconciliation lines are answered once by `answered_already`.
ONCE_PER_SOURCE = frozenset({(Adjustment.Kind.PENALTY, "assessment"), (Adjustment.Kind.COMPENSATION, "claim")})


def adjusted_already(*, supplier: Supplier, kind: str, source_kind: str, source_id: str, beside_proposals: bool = False) -> None:
    """Refuse a second adjustment of a kind adjusted once per source (`ONCE_PER_SOURCE`) for the same source of the
    supplier while one is proposed or approved (a manual penalty for an assessment whose proposal became one, a second
    compensation for a claim); a rejected or withdrawn one is no obstacle. `beside_proposals`: a penalty accepted from
    an assessment's proposal, beside the penalties of its other proposals (one per rule broken). The caller holds the
    supplier's row lock, which serialises two finance users proposing the same at once.
    :raises SourceAlreadyAdjusted: naming the adjustment, `attr` `source_id` (the request's field)"""
    if not source_id or (kind, source_kind) not in ONCE_PER_SOURCE:
        return
    standing = Adjustment.objects.filter(supplier=supplier, kind=kind, source_kind=source_kind, source_id=source_id, state__in=ANSWERING)
    if beside_proposals:
        standing = standing.exclude(Exists(PenaltyProposal.objects.filter(adjustment=OuterRef("pk"))))
    found = standing.order_by("pk").first()
    if found is not None:
        message = gettext("%(source)s 已有%(kind)s调账 %(number)s（%(state)s），不能重复调账") % {
            "source": found.source_text, "kind": found.get_kind_display(), "number": found.number, "state": found.get_state_display()}
        raise SourceAlreadyAdjusted(message, field="source_id")


def adjustable_suppliers() -> QuerySet[Supplier]:
    """Suppliers an adjustment may name: those that ever had an approved contract, a statement or a redemption order
    (an applicant has nothing to adjust)."""
    return Supplier.objects.filter(
        Exists(Contract.objects.filter(supplier=OuterRef("pk"), state=Contract.State.APPROVED))
        | Exists(Statement.objects.filter(supplier=OuterRef("pk")))
        | Exists(RedemptionOrder.objects.filter(supplier=OuterRef("pk"))))


def ever_settled(supplier: Supplier) -> bool:
    return adjustable_suppliers().filter(pk=supplier.pk).exists()


def propose_adjustment(
    *, supplier: Supplier, kind: str, amount, reason: str, actor, now: datetime, source_kind: str = "other",
    source_id: str = "", statement: Statement | None = None, reconciliation_lines=(), beside_proposals: bool = False,
) -> Adjustment:
    """Propose an adjustment of a kind finance makes by hand (`HAND_KINDS`); a `statement` in dispute makes it a
    resolution of that dispute, and resolves the `reconciliation_lines` (lines or ids) of that statement it answers. A
    `reason` the system writes is a `core.texts.Message`: kept in Chinese for its statement line, and read in each
    reader's language on pages. Not for a source another adjustment of the kind already adjusts (`adjusted_already`;
    `beside_proposals` as it takes it).

    :raises PermissionDenied: not finance :raises ValidationFailed: a bad field, named (a kind only the system proposes
    names `kind`) :raises LineAlreadyAnswered: a line already answered by another adjustment
    :raises SourceAlreadyAdjusted: the source adjusted already
    """
    require_finance(actor)
    if kind in SYSTEM_KINDS:
        message = gettext("「%(kind)s」由系统在结算单重新下发时生成，不能手工创建") % {"kind": Adjustment.Kind(kind).label}
        raise ValidationFailed(message, field="kind")
    return _propose(supplier=supplier, kind=kind, amount=amount, reason=reason, actor=actor, now=now, source_kind=source_kind,
                    source_id=source_id, statement=statement, reconciliation_lines=reconciliation_lines,
                    beside_proposals=beside_proposals)


def propose_carry_correction(*, statement: Statement, amount, reason: str, actor, now: datetime) -> Adjustment:
    """Propose the correction of a carried negative payable that a new version of `statement` changed (made by
    `statements.correct_carried` only; uncapped: it follows a payable). :raises PermissionDenied: not finance"""
    require_finance(actor)
    return _propose(supplier=statement.supplier, kind=Adjustment.Kind.CARRY_CORRECTION, amount=amount, reason=reason, actor=actor,
                    now=now, source_kind="statement", source_id=str(statement.pk))


def propose_reversal(*, adjustment: Adjustment, reason: Message, now: datetime, actor=None) -> Adjustment:
    """Propose, for a checker, the reversal of an approved adjustment whose ground the system found gone (a lost parcel's
    compensation once its loss report is withdrawn): the same amount with the opposite sign for the same supplier and
    source, of the kind `other` (the adjustment's own kind may imply the sign it reverses), made by `actor` (finance
    proposing it again after a checker rejected it), else in the name of the adjustment's maker as the system wrote it,
    so that any other finance user checks it. In the caller's transaction.
    :raises ValidationFailed: unless the adjustment is approved"""
    if adjustment.state != Adjustment.State.APPROVED:
        raise ValidationFailed(gettext("只有已审批的调账可以冲销"), field="adjustment")
    return _propose(supplier=adjustment.supplier, kind=Adjustment.Kind.OTHER, amount=-adjustment.amount, reason=reason,
                    actor=actor or adjustment.created_by, now=now, source_kind=adjustment.source_kind, source_id=adjustment.source_id)


def _propose(
    *, supplier: Supplier, kind: str, amount, reason: str, actor, now: datetime, source_kind: str = "other",
    source_id: str = "", statement: Statement | None = None, reconciliation_lines=(), beside_proposals: bool = False,
) -> Adjustment:
    if kind not in Adjustment.Kind.values:
        raise ValidationFailed(gettext("未知的调账类型 %(kind)s") % {"kind": kind}, field="kind")
    if not ever_settled(supplier):
        raise ValidationFailed(gettext("该礼品商没有生效的合同或结算单，不能调账"), field="supplier")
    if kind == Adjustment.Kind.DISPUTE and statement is None:
        raise ValidationFailed(gettext("异议调整须针对有异议的结算单，请在结算单页面发起"), field="kind")
    problems = Problems()  # the amount, the reason and the source named at once
    with problems.check():
        amount = parse_amount(amount)
        check_sign(kind=kind, amount=amount)
        if abs(amount) > ADJUSTMENT_LIMIT and kind != Adjustment.Kind.CARRY_CORRECTION:
            raise ValidationFailed(gettext("调账金额不能超过 ±%(limit)s") % {"limit": yuan(ADJUSTMENT_LIMIT)}, field="amount")
    with problems.check():
        required_text(reason, message=gettext("请填写调账原因"))
    with problems.check():
        reference = check_source(kind=source_kind, reference=source_id, supplier_id=supplier.pk)
    problems.refuse()
    reason_id, reason_params = stored(reason) if isinstance(reason, Message) else ("", None)
    with transaction.atomic():
        lock_suppliers([supplier.pk])  # first, as whoever books the supplier's money locks it
        adjusted_already(supplier=supplier, kind=kind, source_kind=source_kind, source_id=reference, beside_proposals=beside_proposals)
        require_adjustable(adjustment_kind=kind, amount=amount, source_kind=source_kind, reference=reference, supplier_id=supplier.pk)
        if statement is not None:
            _require_in_dispute(statement, supplier=supplier)
        answered = _answered_lines(statement=statement, lines=reconciliation_lines, amount=amount)
        adjustment = create_numbered(
            Adjustment, prefix="AJ", now=now, supplier=supplier, kind=kind, amount=amount, reason=reason.strip(), reason_id=reason_id,
            reason_params=reason_params, source_kind=source_kind, source_id=reference, statement=statement, created_by=actor, created_at=now,
        )
        log_creation(adjustment, "create", actor=actor, at=now)
        note, note_params = stored(Message(gettext_noop("由异议调整 %(number)s 处理"), number=adjustment.number))
        ReconciliationLine.objects.filter(pk__in=[line.pk for line in answered]).update(
            resolution=Resolution.ACCEPT_THEIRS, resolved_by=actor, resolved_at=now, adjustment=adjustment, note=note, note_params=note_params,
        )
        LineResolution.objects.bulk_create(
            LineResolution(line=line, resolution=Resolution.ACCEPT_THEIRS, resolved_by=actor, resolved_at=now, adjustment=adjustment, note=note,
                           note_params=note_params)
            for line in answered
        )
    return adjustment


def _require_in_dispute(statement: Statement, *, supplier: Supplier) -> None:
    """:raises ValidationFailed: unless the statement is the supplier's and in dispute, read under its row lock, the
    supplier's taken first as whoever books its money does (`locking.locked_statements`): a reissue answering the dispute
    locks both too, so it waits for a proposal under way and then sees it waiting for its checker. Resolving a
    reconciliation line as the dispute's answer locks both before its line too."""
    locked = locked_statements(supplier_id=supplier.pk).filter(pk=statement.pk)
    if locked.values_list("state", flat=True).first() != Statement.State.DISPUTED:
        raise ValidationFailed(gettext("只能针对该礼品商有异议的结算单调账"), field="statement")


def _require_checker(actor, adjustment: Adjustment) -> None:
    """Maker-checker: a finance user other than the adjustment's creator decides it (`adjustments_to_check` counts what
    that leaves each user). :raises PermissionDenied:"""
    require_finance(actor)
    if adjustment.created_by_id == actor.pk:
        raise PermissionDenied(gettext("调账需由创建人以外的财务人员审批"))


def approve_adjustment(*, adjustment: Adjustment, actor, now: datetime, note: str = "") -> Adjustment:
    """Approve (checker ≠ maker); a dispute resolution joins its statement's next version at once.

    :raises PermissionDenied: not finance, or the creator :raises InvalidTransition: :raises ValidationFailed:
    """
    _require_checker(actor, adjustment)
    with transaction.atomic():
        statement = _disputed_statement_of(adjustment)
        if statement is not None and statement.state != Statement.State.DISPUTED:
            raise ValidationFailed(gettext("结算单已不在异议状态"), field="statement")
        apply_transition(adjustment, "approve", actor=actor, at=now, reason=note, decided_by=actor, decided_at=now, note=note)
        if statement is not None:
            book_on_next_version(adjustment, statement=statement)
        _tell_approved(adjustment, now=now, note=note)
    return adjustment


def _disputed_statement_of(adjustment: Adjustment) -> Statement | None:
    """The statement whose dispute the adjustment answers, locked, with `adjustment.statement_id` read again under the
    lock: a reconciliation correction joins a dispute of its statement raised since it was proposed
    (`reconciliation.book_corrections_on_dispute`, which locks the statement first too), so that statement is locked
    before the adjustment's own statement is read; its supplier is locked before it (`locking.locked_statements`), as
    whoever books the supplier's money does."""
    candidate = adjustment.statement_id
    if candidate is None and adjustment.source_kind == "reconciliation":
        candidate = Reconciliation.objects.filter(pk=adjustment.source_id).values_list("statement_id", flat=True).first()
    if candidate is None:
        return None
    statement = locked_statements(supplier_id=adjustment.supplier_id).get(pk=candidate)
    adjustment.statement_id = Adjustment.objects.filter(pk=adjustment.pk).values_list("statement_id", flat=True).get()
    return statement if adjustment.statement_id == statement.pk else None


def book_on_next_version(adjustment: Adjustment, *, statement: Statement) -> StatementLine:
    """The approved dispute resolution as a line of the disputed statement's next version, recorded at its approval."""
    return StatementLine.objects.create(
        statement=statement, version=statement.version + 1, section=Section.ADJUSTMENT, source_kind=SourceKind.ADJUSTMENT,
        source_id=adjustment.pk, amount=adjustment.amount, recorded_at=adjustment.decided_at, description=adjustment.line_description(),
        message_id=adjustment.reason_id, message_params=adjustment.reason_params,
    )


def _tell_approved(adjustment: Adjustment, *, now: datetime, note: str) -> None:
    """The supplier sees an adjustment once approved (proposals, rejections and withdrawals are finance's own work)."""
    reason = Message(adjustment.reason_id, **(adjustment.reason_params or {})) if adjustment.reason_id else adjustment.reason
    send_notice(supplier=adjustment.supplier, kind="adjustment_approved", title=gettext_noop("调账 %(number)s 已生效"),
                body=gettext_noop("%(kind)s %(amount)s：%(reason)s。计入结算单。%(note)s"), now=now,
                params={"number": adjustment.number, "kind": Adjustment.Kind(adjustment.kind).label, "amount": yuan(adjustment.amount),
                        "reason": reason, "note": decision_note(note)},
                link=reverse("settlement-adjustment", args=[adjustment.pk]))


def reject_adjustment(*, adjustment: Adjustment, actor, now: datetime, note: str) -> Adjustment:
    """Reject (checker ≠ maker), all or nothing: a penalty proposal accepted into the adjustment is reopened with it, by
    the checker, now, the rejection in its history, and waits for finance again.

    :raises PermissionDenied: not finance, or the creator :raises ValidationFailed: no reason :raises InvalidTransition:
    """
    _require_checker(actor, adjustment)
    required_text(note, field="note", message=gettext("请填写驳回原因"))
    with transaction.atomic():
        lock_suppliers([adjustment.supplier_id])  # before the proposal's row, as deciding a penalty proposal locks them
        penalty = PenaltyProposal.objects.select_for_update().filter(adjustment=adjustment, state=PenaltyProposal.State.ACCEPTED).first()
        apply_transition(adjustment, "reject", actor=actor, at=now, reason=note, decided_by=actor, decided_at=now, note=note.strip())
        if penalty is not None:
            apply_transition(penalty, "reopen", actor=actor, at=now, reason=rejection_reason(adjustment))
    return adjustment


def rejection_reason(adjustment: Adjustment) -> Message:
    """Why a penalty proposal accepted into the rejected adjustment is open again: the adjustment and the checker's note."""
    return Message(gettext_noop("调账 %(number)s 已驳回：%(note)s"), number=adjustment.number, note=adjustment.decision_note)


def require_withdrawer(actor, adjustment: Adjustment) -> None:
    """:raises PermissionDenied: unless `actor` is the finance user who created the adjustment (checked before the reason)"""
    require_finance(actor)
    if adjustment.created_by_id != actor.pk:
        raise PermissionDenied(gettext("只有调账的创建人可以撤回"))


def withdraw_adjustment(*, adjustment: Adjustment, actor, now: datetime, reason: str) -> Adjustment:
    """The maker withdraws its own proposal before it is decided; reconciliation lines it resolved are open again.

    :raises PermissionDenied: not finance, or not the creator :raises ValidationFailed: no reason
    :raises InvalidTransition: no longer pending
    """
    require_withdrawer(actor, adjustment)
    required_text(reason, message=gettext("请填写撤回原因"))
    return apply_transition(adjustment, "withdraw", actor=actor, at=now, reason=reason.strip())


#: the states of the adjustments a supplier's users read: approved ones. Proposals, rejections and withdrawals are
#: finance's own work; a line or answer whose adjustment is still proposed reads as waiting for finance's second
#: approval (`SUPPLIER_TOLD_STATES`).
SUPPLIER_VISIBLE_STATES = frozenset({Adjustment.State.APPROVED})
#: the states of the adjustments a supplier's users are told of without reading them: a proposal waiting for its
#: checker (调整待复核), never its number nor its amount until approved
SUPPLIER_TOLD_STATES = frozenset({Adjustment.State.PROPOSED})


def reads_every_adjustment(actor) -> bool:
    """Finance and operators read adjustments in every state; a supplier's users only `SUPPLIER_VISIBLE_STATES`."""
    return bool(getattr(actor, "is_superuser", False) or getattr(actor, "role", None) not in SUPPLIER_ROLES)


def visible_to(actor, *, through: str = "") -> Q:
    """The adjustments the actor may read by their state (`through` a relation, e.g. "adjustment__": the rows whose
    adjustment it may read, and those with none); whose supplier they are is `Adjustment.objects.visible_to`'s."""
    if reads_every_adjustment(actor):
        return ~Q(pk__in=[])
    readable = Q(**{f"{through}state__in": SUPPLIER_VISIBLE_STATES})
    return Q(**{f"{through.removesuffix('__')}__isnull": True}) | readable if through else readable


def shown_to(adjustment: Adjustment | None, actor) -> Adjustment | None:
    """The adjustment if the actor may read it by its state (`visible_to`), else None."""
    if adjustment is None or not (reads_every_adjustment(actor) or adjustment.state in SUPPLIER_VISIBLE_STATES):
        return None
    return adjustment


def told_of(actor, *, through: str = "") -> Q:
    """`visible_to`, and for a supplier's users also the adjustments they are told wait for their checker
    (`awaiting_check`): the answers whose adjustment they may read or know to be waiting for finance's second approval."""
    if reads_every_adjustment(actor):
        return visible_to(actor, through=through)
    return visible_to(actor, through=through) | Q(**{f"{through}state__in": SUPPLIER_TOLD_STATES})


def awaiting_check(adjustment: Adjustment | None, actor) -> bool:
    """Whether the actor is told only that the adjustment waits for its checker (调整待复核), not what it is: one it may
    not read (`shown_to`) in `SUPPLIER_TOLD_STATES`."""
    return adjustment is not None and shown_to(adjustment, actor) is None and adjustment.state in SUPPLIER_TOLD_STATES


# what the adjustments page's text filter and the API's `?search=` find an adjustment by
SEARCHED = ("number", "supplier__name", "reason", "source_id")


def list_adjustments(*, actor, state: str = "", supplier_id: int | None = None, waiting: bool | None = None):
    """Adjustments the actor may see, with where each is booked (`with_booking`); a supplier sees only approved ones
    (proposals are finance's internal work). `waiting`: only those waiting for the actor's decision, as its navigation
    badge counts them (`adjustments_to_check`; False: the others)."""
    adjustments = with_booking(Adjustment.objects.visible_to(actor).filter(visible_to(actor))
                               .select_related("supplier", "created_by", "decided_by", "statement"), actor=actor)
    if state:
        adjustments = adjustments.filter(state=state)
    if supplier_id:
        adjustments = adjustments.filter(supplier_id=supplier_id)
    return waiting_to_check(adjustments, actor, waiting)


def adjustment_totals(adjustments: QuerySet[Adjustment]) -> dict:
    """The footer of a list of adjustments, over all of them, in one query, state by state: the approved ones' number
    and sum (`approved`, `approved_amount`: what statements book), the proposed ones' apart (`proposed`,
    `proposed_amount`: not booked, may still be rejected), and how many were rejected or withdrawn (`dropped`: never
    booked, summed in none)."""
    State = Adjustment.State
    sums = {}
    for name, states in (("approved", [State.APPROVED]), ("proposed", [State.PROPOSED])):
        sums |= {name: Count("pk", filter=Q(state__in=states)),
                 f"{name}_amount": Sum("amount", filter=Q(state__in=states), default=ZERO)}
    return adjustments.order_by().aggregate(**sums, dropped=Count("pk", filter=Q(state__in=[State.REJECTED, State.WITHDRAWN])))


def waiting_to_check(adjustments: QuerySet[Adjustment], actor, waiting: bool | None) -> QuerySet[Adjustment]:
    """The adjustments waiting for the actor's decision (True: what its navigation badge counts, `adjustments_to_check`),
    the others (False) or all (None)."""
    return waiting_rows(adjustments, adjustments_to_check, actor, waiting)


def with_booking(adjustments: QuerySet[Adjustment], *, actor) -> QuerySet[Adjustment]:
    """The adjustments annotated with what `where_booked` reads, as the actor may know it: `booked_statement_id`, the
    statement whose line booked an approved one, when the actor may open it (none until a statement claims it);
    `booked_on_draft`, booked on a draft the actor may not see yet (a supplier's next statement being prepared);
    `joins_if_disputed_id`, the reconciled statement whose dispute would take a correction into its next version."""
    booking = StatementLine.objects.filter(source_kind=SourceKind.ADJUSTMENT, source_id=OuterRef("pk"))
    supplier = getattr(actor, "role", None) in SUPPLIER_ROLES
    on_draft = Q(statement__state=Statement.State.DRAFT)
    shown = booking.exclude(on_draft) if supplier else booking
    # a reconciliation correction accepted from the file of an issued statement: a dispute of it takes the correction
    # into its next version, unless a statement books it first (`reconciliation.book_corrections_on_dispute`)
    corrected = ReconciliationLine.objects.filter(
        adjustment=OuterRef("pk"), resolution=Resolution.ACCEPT_THEIRS, reconciliation__statement__state=Statement.State.ISSUED)
    booked = adjustments.annotate(
        booked_statement_id=Subquery(shown.values("statement_id")[:1]),
        booked_on_draft=Exists(booking.filter(on_draft)) if supplier else Value(False),
        joins_if_disputed_id=Subquery(corrected.values("reconciliation__statement_id")[:1]))
    # the month of the statement booking it, the version first holding its line, and whether that version is issued
    # yet (a dispute's correction is booked on the next version, issued only once finance reissues the statement)
    line = booking.filter(statement_id=OuterRef("booked_statement_id"))
    booked = booked.annotate(booked_month=Subquery(line.values("statement__month")[:1]), booked_version=Subquery(line.values("version")[:1]))
    return booked.annotate(booked_version_issued=Exists(StatementVersion.objects.filter(
        statement_id=OuterRef("booked_statement_id"), number=OuterRef("booked_version"), issued_at__isnull=False)))


#: where an adjustment is or will be booked (`Booking.code`), said to its reader
BOOKINGS = {
    "booked": gettext_noop("计入的结算单：%(month)s %(version)s"),  # on `booked_statement_id`, a statement the reader may open
    "next_statement": gettext_noop("下期结算单（编制中）"),  # on a draft the reader may not open yet (a supplier's)
    "next_version": gettext_noop("审批后计入该结算单第 %(number)s 版"),  # a dispute resolution: the disputed statement's next version
    "approval_month": gettext_noop("审批后计入审批当月的结算单"),
}
#: said after "approval_month" of a reconciliation correction whose reconciled statement is still issued
JOINS_IF_DISPUTED = gettext_noop("；若%(statement)s被提出异议，则改计入其下一版本")


class Booking(NamedTuple):
    """Where an adjustment is or will be booked, as its reader may know it: `code` one of BOOKINGS, "" when it never
    will be (rejected or withdrawn); `statement_id` the statement that booked it ("booked") or whose next version it
    joins ("next_version", `version` that version); `joins_if_disputed_id` the reconciled statement whose dispute would
    take it instead."""

    code: str
    statement_id: int | None = None
    version: int | None = None
    joins_if_disputed_id: int | None = None
    month: date | None = None
    issued: bool = True

    @property
    def statement(self) -> str:
        """The statement that booked it ("booked"), by its month and version: 2026-10 v2, or 2026-10 v2（待出具） while
        that version is not issued yet."""
        return f"{self.month:%Y-%m} {self.version_shown}" if self.month else ""

    @property
    def version_shown(self) -> str:
        return f"v{self.version}" if self.issued else gettext("v%(number)s（待出具）") % {"number": self.version}

    def label(self, *, escape=str, reconciled: str | None = None) -> str:
        """What the booking says in the reader's language; `reconciled` names the reconciled statement (the page: a
        link, with `escape` for the rest of the text, the whole then HTML)."""
        if not self.code:
            return ""
        text = escape(gettext(BOOKINGS[self.code])) % {"number": self.version, "month": f"{self.month:%Y-%m}" if self.month else "",
                                                       "version": escape(self.version_shown)}
        if self.joins_if_disputed_id:
            text += escape(gettext(JOINS_IF_DISPUTED)) % {"statement": reconciled or gettext("所对账的结算单")}
        return text


def where_booked(adjustment: Adjustment) -> Booking:
    """Where an adjustment listed by `list_adjustments` (its annotations) is or will be booked: the one rule of the
    adjustments pages and the API."""
    if adjustment.booked_statement_id:
        return Booking("booked", statement_id=adjustment.booked_statement_id, version=adjustment.booked_version,
                       month=adjustment.booked_month, issued=adjustment.booked_version_issued)
    if adjustment.booked_on_draft:
        return Booking("next_statement")
    if adjustment.state not in ANSWERING:
        return Booking("")
    if adjustment.statement_id:
        return Booking("next_version", statement_id=adjustment.statement_id, version=adjustment.statement.version + 1)
    return Booking("approval_month", joins_if_disputed_id=adjustment.joins_if_disputed_id)


@waiting_for({Role.FINANCE})
def adjustments_to_check(user) -> QuerySet:
    """Proposed adjustments this finance user may decide: those another user made (`_require_checker`)."""
    return Adjustment.objects.filter(state=Adjustment.State.PROPOSED).exclude(created_by=user)

