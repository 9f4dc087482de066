"""Contracts and the activation requirements of a supplier (SPEC §4.1)."""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.errors import ValidationFailed
from core.files import check_document
from core.fsm import apply_transition, log_creation
from core.models import Program
from core.roles import Role, waiting_for
from core.texts import listed
from core.validators import required_text
from suppliers.errors import ProgramNotContracted
from suppliers.models import Contract, Qualification, Supplier
from suppliers.services.notices import decision_note, send_notice

DECIDERS = frozenset({Role.OPERATOR})  # who approves or rejects a contract or a supplier's profile change
REJECTION_BODY = gettext_noop("驳回原因：%(reason)s")  # a notice's body telling the supplier why its request was refused


def create_contract(
    *, supplier: Supplier, actor, now: datetime, number: str, start_date: date, end_date: date, programs: list[str],
    payment_days: int, deposit_amount: Decimal, file=None,
) -> Contract:
    """Record a contract for review; its number is unique among all suppliers' contracts (the operator numbers them).

    :raises ValidationFailed: for dates out of order, no programs or a number already used
    """
    number = number.strip()
    if end_date <= start_date:
        raise ValidationFailed(gettext("结束日期须晚于开始日期"), field="end_date")
    chosen = list(Program.objects.filter(code__in=programs))
    if not chosen or len(chosen) != len(set(programs)):
        raise ValidationFailed(gettext("请选择有效的积分计划"), field="programs")
    if Contract.objects.filter(number=number).exists():
        raise _number_taken()
    if file:
        check_document(file)
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                supplier=supplier, number=number, start_date=start_date, end_date=end_date, payment_days=payment_days,
                deposit_amount=deposit_amount, created_at=now, **({"file": file} if file else {}),
            )
            contract.programs.set(chosen)
            log_creation(contract, "create", actor=actor, at=now)
    except IntegrityError as exc:  # a contract with this number was written since the check
        raise _number_taken() from exc
    return contract


def _number_taken() -> ValidationFailed:
    return ValidationFailed(gettext("合同编号已存在"), field="number", errors=[("number", "taken", gettext("合同编号已存在"))])


def approve_contract(*, contract: Contract, actor, now: datetime, reason: str = "") -> Contract:
    """Approve a pending contract, telling the supplier. :raises InvalidTransition:"""
    with transaction.atomic():
        apply_transition(contract, "approve", actor=actor, at=now, reason=reason)
        send_notice(supplier=contract.supplier, kind="contract_approved", title=gettext_noop("合同 %(number)s 已通过审核"),
                    body=gettext_noop("合同期 %(start)s 至 %(end)s。%(note)s"), now=now, link=reverse("supplier-paperwork"),
                    params={"number": contract.number, "start": f"{contract.start_date:%Y-%m-%d}", "end": f"{contract.end_date:%Y-%m-%d}",
                            "note": decision_note(reason)})
    return contract


def reject_contract(*, contract: Contract, actor, now: datetime, reason: str = "") -> Contract:
    """Reject a pending contract with a reason, which goes to the supplier's inbox. :raises ValidationFailed: :raises InvalidTransition:"""
    required_text(reason, message=gettext("请填写驳回原因"))
    with transaction.atomic():
        apply_transition(contract, "reject", actor=actor, at=now, reason=reason)
        send_notice(supplier=contract.supplier, kind="contract_rejected", title=gettext_noop("合同 %(number)s 未通过审核"),
                    body=REJECTION_BODY, params={"number": contract.number, "reason": reason.strip()}, now=now,
                    link=reverse("supplier-paperwork"))
    return contract


def current_contract(*, supplier: Supplier, on: date) -> Contract | None:
    """The approved contract in force on `on`, if any."""
    return (
        Contract.objects.filter(supplier=supplier, state=Contract.State.APPROVED, start_date__lte=on, end_date__gte=on)
        .order_by("-end_date")
        .first()
    )


def governing_contract(*, supplier: Supplier, on: date) -> Contract | None:
    """The contract whose terms hold on `on`: the one in force, else the last approved one that started before it (its
    terms still bind what the parties do after it lapsed); None for a supplier that never had an approved contract."""
    return current_contract(supplier=supplier, on=on) or (
        Contract.objects.filter(supplier=supplier, state=Contract.State.APPROVED, start_date__lte=on).order_by("-end_date").first())


def payment_term(*, supplier: Supplier, on: date) -> int | None:
    """The payment term in days of the contract governing `on` (`governing_contract`); None without one."""
    contract = governing_contract(supplier=supplier, on=on)
    return contract.payment_days if contract else None


def check_contracted_programs(*, supplier: Supplier, program_codes, on: date) -> None:
    """A gift is priced only in the programs its supplier's contract serves (SPEC §4.1: the contract names the
    programs served), the one governing `on` (`governing_contract`: in force, or the last one when it lapsed). A
    supplier that never had an approved contract, as an applicant, is not held to one: activation asks for it.
    :raises ProgramNotContracted: naming `points_prices` and each program left out"""
    contract = governing_contract(supplier=supplier, on=on)
    if contract is None:
        return
    served = {program.code for program in contract.programs.all()}
    unserved = list(Program.objects.filter(code__in=set(program_codes) - served).order_by("code"))
    if unserved:
        message = gettext("合同 %(number)s 不包含积分计划「%(programs)s」，不能在该计划定价")
        raise ProgramNotContracted(message % {"number": contract.number, "programs": listed(p.label for p in unserved)},
                                   field="points_prices")


def _licences(supplier: Supplier):
    return Qualification.objects.filter(supplier=supplier, kind=Qualification.Kind.BUSINESS_LICENCE)


def valid_licence(*, supplier: Supplier, on: date) -> Qualification | None:
    """The approved business licence valid on `on`, if any."""
    return _licences(supplier).valid_on(on).order_by("-expires_on").first()


@dataclass(frozen=True)
class Requirement:
    """One thing a supplier's activation needs (SPEC §4.1) and where it stands: `met`, else `missing` says what is
    missing; `row` is the contract or licence that meets it, else the one on its way (waiting for review, or approved
    and not in force yet), else None."""

    field: str
    met: bool
    missing: str
    row: Contract | Qualification | None


def activation_requirements(*, supplier: Supplier, now: datetime) -> list[Requirement]:
    """What `active` needs, each with where it stands today: an approved contract in force (its term, programs,
    payment days and deposit) and a valid business licence that has been reviewed."""
    today = timezone.localdate(now)
    contract = current_contract(supplier=supplier, on=today)
    coming = None if contract else (
        Contract.objects.filter(supplier=supplier, state__in=[Contract.State.PENDING, Contract.State.APPROVED], end_date__gte=today)
        .order_by("-created_at", "-pk").first())
    licence = valid_licence(supplier=supplier, on=today)
    waiting = None if licence else _licences(supplier).current_on(today).filter(state=Qualification.State.PENDING).order_by("-pk").first()
    if licence:
        licence_missing = ""
    else:
        licence_missing = gettext("营业执照待审核，请先审核通过") if waiting else gettext("缺少有效的营业执照")
    return [
        Requirement("contract", contract is not None, "" if contract else gettext("缺少已生效的合同"), contract or coming),
        Requirement("business_licence", licence is not None, licence_missing, licence or waiting),
    ]


def activation_missing(*, supplier: Supplier, now: datetime) -> list[tuple[str, str]]:
    """(field, message) for each requirement of `active` the supplier does not meet today."""
    return [(need.field, need.missing) for need in activation_requirements(supplier=supplier, now=now) if not need.met]


@waiting_for(DECIDERS)
def contracts_waiting(user) -> QuerySet:
    """Contracts pending the operator's review."""
    return Contract.objects.filter(state=Contract.State.PENDING)
