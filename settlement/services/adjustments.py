"""Adjustments (调账, SPEC §4.11): finance proposes, another finance user approves (maker-checker).

An approved adjustment is booked by its approval time on the next statement generated for that month, except a
dispute resolution (`statement` set), which becomes a line of the disputed statement's next version at once.
"""
import re
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from core.errors import PermissionDenied, ValidationFailed
from core.fsm import apply_transition
from core.numbers import create_numbered
from core.roles import SUPPLIER_ROLES, Role, waiting_for
from settlement.models import Adjustment, Section, SourceKind, Statement, StatementLine
from settlement.sources import check_source
from suppliers.models import Supplier

CENT = Decimal("0.01")
AMOUNT_DIGITS = 14  # before the point: amounts are stored with 16 digits, two after the point
AMOUNT = re.compile(r"[+-]?([0-9]+)(?:\.[0-9]+)?")


def require_finance(actor) -> None:
    """Money decisions are finance's alone: a superuser of another role (the operators' admin) is no exception, so
    maker-checker cannot be passed by an account that is not one of the finance users. :raises PermissionDenied:"""
    if getattr(actor, "role", None) != Role.FINANCE:
        raise PermissionDenied(gettext("仅财务人员可以执行此操作"))


def parse_amount(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A money amount in plain decimal notation (ASCII digits, thousands commas allowed), at most two decimals.
    Decimal() alone would also take exponents, underscores, other scripts' digits, NaN and Infinity.
    :raises ValidationFailed:"""
    text = str(value).strip().replace(",", "")
    whole = AMOUNT.fullmatch(text)
    if not whole:
        raise ValidationFailed(gettext("金额格式不正确"), field=field)
    if len(whole[1].lstrip("0")) > AMOUNT_DIGITS:  # counted before Decimal(), which a million digits would keep busy
        raise ValidationFailed(gettext("金额过大，整数部分最多 %(money_digits)s 位") % {"money_digits": AMOUNT_DIGITS}, field=field)
    amount = Decimal(text)
    if amount != amount.quantize(CENT):
        raise ValidationFailed(gettext("金额最多两位小数"), field=field)
    if amount == 0 and not allow_zero:
        raise ValidationFailed(gettext("金额不能为零"), field=field)
    return amount.quantize(CENT)


def propose_adjustment(
    *, supplier: Supplier, kind: str, amount, reason: str, actor, now: datetime, source_kind: str = "other",
    source_id: str = "", statement: Statement | None = None,
) -> Adjustment:
    """Propose an adjustment; a `statement` in dispute makes it a resolution of that dispute.

    :raises PermissionDenied: not finance :raises ValidationFailed: a bad field, named
    """
    require_finance(actor)
    if kind not in Adjustment.Kind.values:
        raise ValidationFailed(gettext("未知的调账类型 %(kind)s") % {"kind": kind}, field="kind")
    amount = parse_amount(amount)
    if not (reason or "").strip():
        raise ValidationFailed(gettext("请填写调账原因"), field="reason")
    reference = check_source(kind=source_kind, reference=source_id, supplier_id=supplier.pk)
    in_dispute = Statement.objects.filter(pk=getattr(statement, "pk", None), supplier=supplier, state=Statement.State.DISPUTED)
    if statement is not None and not in_dispute.exists():
        raise ValidationFailed(gettext("只能针对该礼品商有异议的结算单调账"),
                               field="statement")
    return create_numbered(
        Adjustment, prefix="AJ", now=now, supplier=supplier, kind=kind, amount=amount, reason=reason.strip(),
        source_kind=source_kind, source_id=reference, statement=statement, created_by=actor, created_at=now,
    )


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
        statement = None
        if adjustment.statement_id:
            statement = Statement.objects.select_for_update().get(pk=adjustment.statement_id)
            if statement.state != Statement.State.DISPUTED:
                raise ValidationFailed(gettext("结算单已不在异议状态"), field="statement")
        apply_transition(adjustment, "approve", actor=actor, at=now, reason=note, decided_by=actor, decided_at=now, note=note)
        if statement is not None:
            StatementLine.objects.create(
                statement=statement, version=statement.version + 1, section=Section.ADJUSTMENT, source_kind=SourceKind.ADJUSTMENT,
                source_id=adjustment.pk, amount=adjustment.amount, recorded_at=now, description=adjustment.line_description(),
            )
    return adjustment


def reject_adjustment(*, adjustment: Adjustment, actor, now: datetime, note: str) -> Adjustment:
    """:raises PermissionDenied: not finance, or the creator :raises ValidationFailed: no reason :raises InvalidTransition:"""
    _require_checker(actor, adjustment)
    if not (note or "").strip():
        raise ValidationFailed(gettext("请填写驳回原因"), field="note")
    return apply_transition(adjustment, "reject", actor=actor, at=now, reason=note, decided_by=actor, decided_at=now, note=note.strip())


def list_adjustments(*, actor, state: str = "", supplier_id: int | None = None):
    """Adjustments the actor may see; a supplier sees only approved ones (proposals are finance's internal work)."""
    adjustments = Adjustment.objects.visible_to(actor).select_related("supplier", "created_by", "decided_by", "statement")
    if getattr(actor, "role", None) in SUPPLIER_ROLES:
        adjustments = adjustments.filter(state=Adjustment.State.APPROVED)
    if state:
        adjustments = adjustments.filter(state=state)
    if supplier_id:
        adjustments = adjustments.filter(supplier_id=supplier_id)
    return adjustments


@waiting_for({Role.FINANCE})
def adjustments_to_check(user) -> int:
    """Proposed adjustments this finance user may decide: those another user made (`_require_checker`)."""
    return Adjustment.objects.filter(state=Adjustment.State.PROPOSED).exclude(created_by=user).count()
