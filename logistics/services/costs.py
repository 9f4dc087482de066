"""Extra costs (额外费用承担, SPEC §4.6): facts priced from the tariff in force when they fall due, with the party who bears them.

Who records one (SPEC §3): operators for dropship orders, logistics staff for warehouse orders, inbound
stock and leftover lots; the system (actor None: beat jobs, return inspections) for any. The amount is
the price in force when the cost fell due (`priced_at`) × quantity, rounded half-up to the fen and stored: a later
tariff change never moves it.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from core.changes import changed_by, required_reason
from core.errors import PermissionDenied, ValidationFailed, refuse
from core.fsm import apply_transition, log_creation
from core.models import TransitionLog
from core.roles import SUPPLIER_ROLES, Role, has_role, require_role
from core.texts import Message, listed, stored, yuan
from logistics.errors import CostOnStatement, FeeAlreadyRecorded
from logistics.services.claims import reported_lost
from core.validators import length_error, required_text, validate_length, years_error
from logistics.models import (
    ExtraCost, InboundShipment, LeftoverLot, ReturnRequest, Shipment, Tariff, TariffChange,
)
from logistics.models.costs import KIND_UNIT, CostKind, Payer, TariffUnit
from points.models import RedemptionOrder
from suppliers.models import Supplier
from suppliers.services.locks import lock_suppliers
from suppliers.services.notices import send_notice

CENT = Decimal("0.01")
MAX_QUANTITY = 10_000
TARIFF_SETTERS = frozenset({Role.OPERATOR})
TARIFF_HISTORY_READERS = frozenset({Role.OPERATOR, Role.LOGISTICS, Role.FINANCE})
#: when a leftover lot's storage fee for a day falls due: the daily run's time (config beat schedule, SPEC §4.8)
STORAGE_DUE_AT = time(0, 10)


def may_set_tariff(user) -> bool:
    """Whether the user may change the tariff (`set_tariff` refuses anyone else)."""
    return has_role(user, TARIFF_SETTERS)


def price(*, tariff: Tariff, quantity: int, at: datetime | None = None) -> Decimal:
    """The tariff's price (at `at`: the one then in force, see `amount_in_force`; else its current one) × quantity in
    CNY, two places, half-up."""
    amount = tariff.amount if at is None else amount_in_force(tariff, at)
    return (amount * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_in_force(tariff: Tariff, at: datetime) -> Decimal:
    """The tariff's price at `at`: what its first change after `at` changed it from, else its current price."""
    later = tariff.changes.filter(changed_at__gt=at).order_by("changed_at", "id").first()
    return later.previous_amount if later else tariff.amount


def priced_at(*, kind: str, fee_date: date | None, now: datetime) -> datetime:
    """When a cost falls due, the moment whose tariff prices it and by which it is booked (its `recorded_at`): a lot's
    storage fee for day D at 00:10 on day D, when the daily run records it, so that a day charged later (a run missed,
    a lot closed) keeps that day's price and its month (the fee for 30 November on November's statement); any other
    cost when it is recorded."""
    if kind == CostKind.STORAGE and fee_date is not None:
        return min(now, timezone.make_aware(datetime.combine(fee_date, STORAGE_DUE_AT)))
    return now


def record_extra_cost(
    *, kind: str, payer: str, supplier: Supplier | None = None, order: RedemptionOrder | None = None,
    return_request: ReturnRequest | None = None, inbound: InboundShipment | None = None, lot: LeftoverLot | None = None,
    quantity: int = 1, fee_date: date | None = None, description: str, actor, now: datetime, refuse_repeat: bool = False,
) -> ExtraCost:
    """Record one extra cost priced from the tariff in force when it fell due and booked then (`priced_at`); a lot's fee for a day is recorded once (a repeat returns the first,
    or with `refuse_repeat` is refused, so someone who entered it by hand learns that nothing new was charged). The cost is
    the supplier's of what it belongs to (`supplier`, when given, must be that one).

    A kind fits only what can have caused it (`KIND_OWNERS`): a re-delivery fee an order whose delivery failed (one per
    failed attempt, none for a parcel reported lost, which is never re-delivered), return freight an order or its return, a storage fee an open leftover lot for a day after its
    collection deadline, a disposal fee a lot disposed of, in whole or in part (once), a handling fee the units of an inbound shipment, an order
    or an open lot. A cost counts the kind's unit (one per order, lot or lot-day; a handling fee at most the units
    there are), and its fee date is neither after today nor before what it belongs to existed.

    :raises ValidationFailed: for an unknown kind or payer, a kind without a tariff, a bad quantity, a fee date outside the
        business years, a description longer than its column, nothing or more than one thing it belongs to,
        a return of another order, a supplier other than the one of what it belongs to, or a kind that does not fit
        what it belongs to (naming that field; the values entered and what the cost belongs to are named all at once),
        a lot that has ended, a quantity not in the kind's unit, or a fee date after today or before what it belongs to
        existed
    :raises PermissionDenied: unless the actor records costs of this kind of object (operators dropship, logistics the rest)
    :raises FeeAlreadyRecorded: with `refuse_repeat`, when the lot's fee of this kind for that day is already recorded;
        always for a second re-delivery fee of one failed attempt or a second disposal fee of a lot
    """
    description_id, description_params = stored(description) if isinstance(description, Message) else ("", None)
    _check_entered(kind=kind, payer=payer, quantity=quantity, fee_date=fee_date, description=description,
                   order=order, return_request=return_request, inbound=inbound, lot=lot)
    description = (description or "").strip()
    order = order or (return_request.order if return_request else None)
    owners = [obj for obj in (order, inbound, lot) if obj is not None]
    supplier = supplier or owners[0].supplier  # exactly one owner, as checked
    if any(obj.supplier_id != supplier.pk for obj in owners):
        raise ValidationFailed(gettext("费用的礼品商与所属对象不一致"), field="supplier")
    require_cost_recorder(actor, order=order)
    _check_kind_fits(kind=kind, quantity=quantity, fee_date=fee_date, order=order, inbound=inbound, lot=lot, now=now)
    tariff = Tariff.objects.filter(kind=kind).first()
    if tariff is None:
        raise ValidationFailed(gettext("该费用类型没有费用标准"), field="kind")
    with transaction.atomic():
        _check_not_charged_twice(kind=kind, order=order, lot=lot)
        if lot is not None and fee_date is not None:
            existing = ExtraCost.objects.filter(lot=lot, kind=kind, fee_date=fee_date).first()
            if existing is not None and refuse_repeat:
                raise _already_recorded(existing)
            if existing is not None:
                return existing
        due = priced_at(kind=kind, fee_date=fee_date, now=now)
        try:
            with transaction.atomic():
                cost = ExtraCost.objects.create(
                    kind=kind, payer=payer, supplier=supplier, amount=price(tariff=tariff, quantity=quantity, at=due),
                    quantity=quantity, order=order, return_request=return_request, inbound=inbound, lot=lot, fee_date=fee_date,
                    description=description, description_id=description_id, description_params=description_params,
                    recorded_at=due, recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
        except IntegrityError:  # the lot's disposal fee recorded since the check (disposal_fee_once_per_lot)
            fee = ExtraCost.objects.filter(lot=lot, kind=CostKind.DISPOSAL, state=ExtraCost.State.RECORDED).first()
            if kind != CostKind.DISPOSAL or fee is None:
                raise
            raise _disposal_already_charged(lot=lot, fee=fee) from None
        log_creation(cost, "record", actor=actor, at=now)
        return cost


def record_extra_cost_by_hand(*, description: str, payer: str, actor, now: datetime, **values) -> ExtraCost:
    """An extra cost logistics staff or an operator enter (page and API): as `record_extra_cost` with `refuse_repeat`,
    but saying what it is for (`description`, required, shown to whoever bears it); a cost charged to the supplier is
    told to it in its inbox, with the amount, what it is for and a link to the cost's page, as a voided one is.

    :raises ValidationFailed: code `required` naming `description` when it is missing or blank; as record_extra_cost
    """
    if isinstance(description, str) and not isinstance(description, Message):
        required_text(description, field="description", message=gettext("请说明费用原因"))
    with transaction.atomic():
        cost = record_extra_cost(description=description, payer=payer, actor=actor, now=now, refuse_repeat=True, **values)
        if cost.payer == Payer.SUPPLIER:
            _tell_supplier_charged(cost, now=now)
    return cost


def _tell_supplier_charged(cost: ExtraCost, *, now: datetime) -> None:
    """A cost the supplier is to bear, entered by hand: it hears what and why, with a link to the cost's page (where
    it may see it voided later, with its history)."""
    send_notice(
        supplier=cost.supplier, kind="extra_cost_charged", now=now, title=gettext_noop("新增额外费用 %(reference)s"),
        body=gettext_noop("%(kind)s %(amount)s 由您承担，将计入结算单。说明：%(description)s"),
        params={"reference": cost.reference, "kind": CostKind(cost.kind).label, "amount": yuan(cost.amount),
                "description": cost.description},
        link=reverse("logistics-extra-cost", args=[cost.pk]),
    )


def _check_entered(*, kind: str, payer: str, quantity, fee_date: date | None, description: str, order, return_request, inbound,
                   lot) -> None:
    """Check each value entered on its own and what the cost belongs to.

    :raises ValidationFailed: naming every field in error at once (a form shows them all)
    """
    problems = []
    if kind not in CostKind.values:
        problems.append(("kind", "invalid", gettext("未知的费用类型")))
    if payer not in Payer.values:
        problems.append(("payer", "invalid", gettext("未知的承担方")))
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        problems.append(("quantity", "invalid", gettext("数量须为 1–%(max_quantity)s 的整数") % {"max_quantity": MAX_QUANTITY}))
    if message := years_error(fee_date):
        problems.append(("fee_date", "invalid", message))
    if message := length_error(description, model=ExtraCost, column="description"):
        problems.append(("description", "invalid", message))
    if return_request is not None and order is not None and return_request.order_id != order.pk:
        problems.append(("return_request", "invalid", gettext("退换货不属于该订单")))
    owners = [obj for obj in (order or return_request, inbound, lot) if obj is not None]
    if not owners:
        problems.append(("order", "required", gettext("请指定费用所属的订单、退换货、入库单或遗留批次")))
    elif len(owners) > 1:  # one cost belongs to one thing, or it would be counted against each
        problems.append(("order", "invalid", gettext("一笔费用只能属于一个订单（退换货）、入库单或遗留批次")))
    refuse(problems)


def _owner_field(*, order, inbound, lot) -> str:
    return "lot" if lot is not None else "inbound" if inbound is not None else "order"


#: What each kind of cost can belong to (SPEC §4.6, §4.8): a re-delivery fee and return freight an order (or its
#: return), storage and disposal a leftover lot, a handling fee the units of an inbound shipment, an order or a lot.
KIND_OWNERS = {
    CostKind.REDELIVERY: ("order",),
    CostKind.STORAGE: ("lot",),
    CostKind.RETURN_FREIGHT: ("order",),
    CostKind.DISPOSAL: ("lot",),
    CostKind.HANDLING: ("inbound", "order", "lot"),
}
OWNER_LABELS = {"order": gettext_lazy("订单"), "inbound": gettext_lazy("入库单"), "lot": gettext_lazy("遗留礼品批次")}
#: kinds priced per unit of what they belong to; the others once per order, per lot, or (storage) per lot and day
PER_UNIT = frozenset({CostKind.HANDLING})


def _check_kind_fits(*, kind: str, quantity: int, fee_date: date | None, order: RedemptionOrder | None,
                     inbound: InboundShipment | None, lot: LeftoverLot | None, now: datetime) -> None:
    """A cost of each kind belongs only to what can have caused it, while it can: never to a lot that has ended (but
    for the disposal fee of a disposed one), a disposal fee only to a lot some of whose units were disposed of, counted
    in the kind's unit, dated neither after today nor before what it belongs to existed.

    :raises ValidationFailed: naming what it belongs to when the kind does not fit it; else naming every field in
        error (`lot`, `quantity`, `fee_date`) at once
    """
    field = _owner_field(order=order, inbound=inbound, lot=lot)
    if field not in KIND_OWNERS[kind]:
        message = gettext("%(kind)s不能记在%(owner)s上，只能记在%(owners)s上")
        raise ValidationFailed(message % {"kind": CostKind(kind).label, "owner": OWNER_LABELS[field],
                                          "owners": listed(OWNER_LABELS[name] for name in KIND_OWNERS[kind])}, field=field)
    if kind == CostKind.REDELIVERY and not redelivered_attempts(order).exists():
        if failed_deliveries(order).exists():
            message = gettext("订单 %(number)s 配送失败后尚未重新配送，不能记二次配送费：运营安排重新配送后再记")
        elif order.shipments.filter(state=Shipment.State.FAILED).exists():
            message = gettext("订单 %(number)s 的包裹已报告丢失，不会重新配送，不能记二次配送费")
        else:
            message = gettext("订单 %(number)s 没有配送失败的记录，不能记二次配送费")
        raise ValidationFailed(message % {"number": order.number}, field="order")
    if kind == CostKind.DISPOSAL and not _has_disposed_units(lot):
        message = gettext("遗留批次 #%(lot)s 尚未销毁处置，不能记销毁处置费")
        raise ValidationFailed(message % {"lot": lot.pk}, field="lot")
    problems = []
    if lot is not None and lot.state != LeftoverLot.State.OPEN and kind != CostKind.DISPOSAL:
        message = gettext("遗留批次 #%(lot)s 已结束（%(state)s），不能再记费用")
        problems.append(("lot", "invalid", message % {"lot": lot.pk, "state": lot.get_state_display()}))
    if message := _quantity_error(kind=kind, quantity=quantity, owner=lot or inbound or order, field=field):
        problems.append(("quantity", "invalid", message))
    if message := _fee_date_error(kind=kind, fee_date=fee_date, owner=lot or inbound or order, field=field, now=now):
        problems.append(("fee_date", "invalid", message))
    refuse(problems)


def failed_deliveries(order: RedemptionOrder) -> QuerySet:
    """The order's failed delivery attempts that a re-delivery fee may be charged for: not a parcel reported lost
    (`claims.reported_lost`), which is never re-delivered (the order is given up) and which the logistics provider owes."""
    return order.shipments.filter(state=Shipment.State.FAILED).exclude(reported_lost())


def redelivered_attempts(order: RedemptionOrder) -> QuerySet:
    """The order's failed delivery attempts (`failed_deliveries`) that were actually delivered again: a parcel of the
    same purpose made after it (the order's own after its own — the operator's re-delivery —, an exchange's replacement
    after the same return's). A re-delivery fee is charged per such attempt, never for a failure not re-delivered."""
    own_again = Exists(Shipment.objects.filter(order=OuterRef("order_id"), pk__gt=OuterRef("pk"), replacement_for__isnull=True,
                                               send_back_for__isnull=True))
    replacement_again = Exists(Shipment.objects.filter(replacement_for=OuterRef("replacement_for_id"), pk__gt=OuterRef("pk")))
    return failed_deliveries(order).filter(
        Q(own_again, replacement_for__isnull=True, send_back_for__isnull=True) | Q(replacement_again, replacement_for__isnull=False)
    )


def _has_disposed_units(lot: LeftoverLot) -> bool:
    """Whether the lot was disposed of, or some of its units were (its history has a partial disposal, the lot open
    with the rest): what its one disposal fee is charged for."""
    return lot.state == LeftoverLot.State.DISPOSED or TransitionLog.objects.of(lot).filter(transition="dispose_part").exists()


def _units_of(owner) -> int:
    """How many units an order, a lot or an inbound shipment (as announced, or as counted if more) holds."""
    if isinstance(owner, InboundShipment):
        return max(owner.announced_quantity, owner.counted_quantity or 0)
    return owner.quantity


def _quantity_error(*, kind: str, quantity: int, owner, field: str) -> str | None:
    if kind not in PER_UNIT:
        return None if quantity == 1 else gettext("%(kind)s按次计费，数量须为 1") % {"kind": CostKind(kind).label}
    units = _units_of(owner)
    if quantity > units:
        message = gettext("%(kind)s按件计费，数量不能超过该%(owner)s的 %(units)s 件")
        return message % {"kind": CostKind(kind).label, "owner": OWNER_LABELS[field], "units": units}
    return None


def _fee_date_error(*, kind: str, fee_date: date | None, owner, field: str, now: datetime) -> str | None:
    """Storage is charged by the day, from the day after the lot's collection deadline (SPEC §4.8)."""
    if fee_date is None:
        return gettext("仓储费按天计费，请填写计费日期") if kind == CostKind.STORAGE else None
    if fee_date > timezone.localdate(now):
        return gettext("计费日期不能晚于今天")
    existed = timezone.localdate(_created_at(owner))
    if fee_date < existed:
        message = gettext("计费日期不能早于该%(owner)s的创建日期 %(date)s")
        return message % {"owner": OWNER_LABELS[field], "date": f"{existed:%Y-%m-%d}"}
    if kind == CostKind.STORAGE and fee_date < owner.past_deadline_from:
        return gettext("仓储费从取回期限 %(date)s 的次日起计") % {"date": f"{owner.collect_by:%Y-%m-%d}"}
    return None


def _created_at(owner) -> datetime:
    if isinstance(owner, InboundShipment):
        return owner.announced_at
    return owner.placed_at if isinstance(owner, RedemptionOrder) else owner.created_at


def _check_not_charged_twice(*, kind: str, order: RedemptionOrder | None, lot: LeftoverLot | None) -> None:
    """One re-delivery fee per failed delivery of an order, one disposal fee per lot (voided ones do not count).

    :raises FeeAlreadyRecorded: naming the cost already recorded
    """
    recorded = ExtraCost.objects.filter(kind=kind, state=ExtraCost.State.RECORDED).order_by("recorded_at", "pk")
    if kind == CostKind.REDELIVERY:
        RedemptionOrder.objects.select_for_update().filter(pk=order.pk).first()  # two clerks charging at once: one waits
        fees = list(recorded.filter(order=order))
        if len(fees) >= redelivered_attempts(order).count():
            message = gettext("订单 %(number)s 每次重新配送的二次配送费均已记录（%(reference)s），未重复收费")
            raise FeeAlreadyRecorded(message % {"number": order.number, "reference": fees[-1].reference}, field="order",
                                     cost=fees[-1].pk)
    if kind == CostKind.DISPOSAL:
        LeftoverLot.objects.select_for_update().filter(pk=lot.pk).first()  # two clerks charging at once: one waits
        fee = recorded.filter(lot=lot).first()
        if fee is not None:
            raise _disposal_already_charged(lot=lot, fee=fee)


def _disposal_already_charged(*, lot: LeftoverLot, fee: ExtraCost) -> FeeAlreadyRecorded:
    message = gettext("遗留批次 #%(lot)s 的销毁处置费已记录（%(reference)s），未重复收费")
    return FeeAlreadyRecorded(message % {"lot": lot.pk, "reference": fee.reference}, field="lot", cost=fee.pk)


#: A function per higher app telling whether a cost is already on one of its documents (settlement registers one:
#: an issued statement never changes, so a cost it carries is corrected by an adjustment, not voided).
booked_elsewhere: list[Callable[[ExtraCost], str | None]] = []


def require_cost_recorder(actor, *, cost: ExtraCost | None = None, order: RedemptionOrder | None = None,
                          return_request: ReturnRequest | None = None) -> None:
    """Whether `actor` records (and voids) the costs of a recorded `cost`, or of what a new one belongs to (`order`, or
    the order of `return_request`; an inbound shipment or a lot: logistics'), checked before anything else it sends.

    :raises PermissionDenied: unless operators for a dropship order, logistics for the rest
    """
    order = order or (return_request.order if return_request else None)
    dropship = _of_dropship_order(cost) if cost is not None else order is not None and order.fulfilment == "dropship"
    _check_recorder(actor, dropship=dropship)


def void_extra_cost(*, cost: ExtraCost, actor, now: datetime, reason: str) -> ExtraCost:
    """Void a cost recorded in error: it stays listed with who voided it, when and why, and counts in no total and
    no statement from then on.

    :raises ValidationFailed: without a reason, or one longer than 300 characters
    :raises PermissionDenied: unless the actor records costs of this kind of object
    :raises CostOnStatement: if a statement already carries the cost (correct it by an adjustment)
    :raises InvalidTransition: if the cost is already voided
    """
    require_cost_recorder(actor, cost=cost)
    written = validate_length(reason, model=ExtraCost, column="void_reason", field="reason")
    required_text(written, message=gettext("请说明作废原因"))
    reason = reason if isinstance(reason, Message) else written  # the system's reason reads in each reader's language
    with transaction.atomic():
        lock_suppliers([cost.supplier_id])  # as statement generation does before claiming: a cost claimed meanwhile is seen
        cost = ExtraCost.objects.select_for_update().get(pk=cost.pk)
        for booked in booked_elsewhere:
            if where := booked(cost):
                message = gettext("费用 %(reference)s 已计入%(where)s，请通过调账更正")
                raise CostOnStatement(message % {"reference": cost.reference, "where": where}, field="cost")
        cost = apply_transition(cost, "void", actor=actor, at=now, reason=reason, voided_at=now,
                                voided_by=actor if getattr(actor, "is_authenticated", False) else None, void_reason=reason)
        if cost.payer == Payer.SUPPLIER:
            _tell_supplier_voided(cost, now=now)
        return cost


def _tell_supplier_voided(cost: ExtraCost, *, now: datetime) -> None:
    """A cost the supplier was to bear, voided: it hears it will not be billed, and why, with a link to the cost's page
    (where it shows as voided, with its history)."""
    send_notice(
        supplier=cost.supplier, kind="extra_cost_voided", now=now, title=gettext_noop("额外费用 %(reference)s 已作废"),
        body=gettext_noop("%(kind)s %(amount)s 不再向您收取，也不计入结算单。作废原因：%(reason)s"),
        params={"reference": cost.reference, "kind": CostKind(cost.kind).label, "amount": yuan(cost.amount), "reason": cost.void_reason},
        link=reverse("logistics-extra-cost", args=[cost.pk]),
    )


@dataclass(frozen=True)
class UnitPrice:
    """What one unit of a cost was charged: its amount per unit of its kind (`KIND_UNIT`)."""

    amount: Decimal
    unit: TariffUnit

    @property
    def unit_label(self) -> str:
        return self.unit.label


def unit_price(cost: ExtraCost) -> UnitPrice | None:
    """The price the cost was charged at: its amount over its quantity (two places), per its kind's unit — what the
    cost itself says, whatever the tariff has become since; None for a cost of no quantity. No query."""
    if not cost.quantity:
        return None
    return UnitPrice(amount=(cost.amount / cost.quantity).quantize(CENT), unit=KIND_UNIT[CostKind(cost.kind)])


def total_amount(costs: QuerySet[ExtraCost]) -> Decimal:
    """What the costs add up to, voided ones left out."""
    return costs.filter(state=ExtraCost.State.RECORDED).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def _already_recorded(cost: ExtraCost) -> FeeAlreadyRecorded:
    message = gettext("遗留批次 #%(lot)s %(fee_date)s 的%(kind)s已记录（%(reference)s，%(amount)s），未重复收费")
    return FeeAlreadyRecorded(message % {"lot": cost.lot_id, "fee_date": f"{cost.fee_date:%Y-%m-%d}", "kind": cost.get_kind_display(),
                                         "reference": cost.reference, "amount": yuan(cost.amount)}, field="fee_date", cost=cost.pk)


def records_costs(actor, *, dropship: bool) -> bool:
    """Whether the actor records (and voids) the costs of a dropship order (operators) or of anything else (logistics
    staff); the system (None) records any."""
    return actor is None or actor.is_superuser or actor.role == (Role.OPERATOR if dropship else Role.LOGISTICS)


def may_void(*, user, cost: ExtraCost) -> bool:
    """Whether the user may void the cost: it is still recorded and the user records costs of what it belongs to."""
    return cost.state == ExtraCost.State.RECORDED and records_costs(user, dropship=_of_dropship_order(cost))


def _of_dropship_order(cost: ExtraCost) -> bool:
    return cost.order_id is not None and cost.order.fulfilment == "dropship"


def _check_recorder(actor, *, dropship: bool) -> None:
    if not records_costs(actor, dropship=dropship):
        raise PermissionDenied(
            gettext("直发订单的额外费用由运营记录，其余由物流记录")
        )


#: the bounds of a tariff's price, per order, unit, lot or lot and day: a fee is never free (no tariff at all is no
#: cost recorded) and never more than this, which a mistyped price (a handling fee of ¥99,999,999 charged per damaged
#: unit) exceeds; well inside what the column holds (max_digits=10)
MIN_TARIFF, MAX_TARIFF = Decimal("0.01"), Decimal("10000.00")


def update_tariff(*, tariff: Tariff, amount: Decimal, actor, now: datetime, reason: str, unit: str | None = None) -> Tariff:
    """Change a tariff's price, keeping what it was with who changed it, when and why; costs already recorded keep
    their stored amounts. The unit is the kind's (`KIND_UNIT`: what its costs are counted in); `unit`, when given, must
    be it. The same price again changes nothing, is kept nowhere and needs no reason.

    :raises PermissionDenied: unless the actor is an operator
    :raises ValidationFailed: for an amount outside MIN_TARIFF–MAX_TARIFF or with more than two decimal places, a unit
        other than the kind's, a change with no reason, or a reason too long
    """
    require_role(actor, TARIFF_SETTERS, gettext("仅运营人员可以修改费用标准"))
    if amount is None or not MIN_TARIFF <= amount <= MAX_TARIFF or amount != amount.quantize(CENT):
        raise ValidationFailed(tariff_bounds(), field="amount")
    reason = validate_length(reason, model=TariffChange, column="reason")
    fixed = KIND_UNIT[CostKind(tariff.kind)]
    if unit is not None and unit != fixed:
        message = gettext("%(kind)s的计费单位固定为 %(code)s（%(unit)s），不能更改")
        raise ValidationFailed(message % {"kind": CostKind(tariff.kind).label, "code": fixed.value, "unit": fixed.label}, field="unit")
    with transaction.atomic():
        current = Tariff.objects.select_for_update().get(pk=tariff.pk)
        previous = (current.amount, current.unit)
        tariff.amount, tariff.unit = amount, fixed.value
        if (tariff.amount, tariff.unit) != previous:
            reason = required_reason(reason)  # a change says why; the same price again needs nothing
            tariff.save(update_fields=["amount", "unit"])
            TariffChange.objects.create(
                tariff=tariff, previous_amount=previous[0], previous_unit=previous[1], amount=tariff.amount, unit=tariff.unit,
                changed_at=now, changed_by=changed_by(actor), reason=reason,
            )
    return tariff


def tariff_bounds() -> str:
    """What a tariff's price may be, as the form shows it beside the price and a refusal says it."""
    return gettext("单价须为 %(min)s–%(max)s 元、最多两位小数") % {"min": MIN_TARIFF, "max": f"{MAX_TARIFF:,}"}


def list_tariff_changes(*, actor, kind: str = "") -> QuerySet[TariffChange]:
    """The changes of the tariffs (of one `kind`), newest first, with who made them: for staff only.

    :raises PermissionDenied: for anyone else (a supplier sees the current tariff, not who set it when)
    """
    require_role(actor, TARIFF_HISTORY_READERS)
    changes = TariffChange.objects.visible_to(actor).select_related("tariff", "changed_by")
    return changes.filter(tariff__kind=kind) if kind else changes


# what the extra costs page's text filter and the API's `?search=` find a cost by, as claims are found
SEARCHED = ("order__number", "order__shipments__tracking_number", "return_request__number")


def list_extra_costs(*, user) -> QuerySet:
    """Extra costs the user may see: a supplier only those it bears, staff all."""
    costs = ExtraCost.objects.visible_to(user).select_related(
        "supplier", "order", "return_request", "inbound", "lot", "recorded_by", "voided_by"
    )
    return costs.filter(payer=Payer.SUPPLIER) if user.is_authenticated and user.role in SUPPLIER_ROLES else costs
