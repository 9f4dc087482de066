"""Extra costs (额外费用承担, SPEC §4.6): facts priced from the tariff when they are recorded, with the party who bears them.

Who records one (SPEC §3): operators for dropship orders, logistics staff for warehouse orders, inbound
stock and leftover lots; the system (actor None: beat jobs, return inspections) for any. The amount is
the tariff's price × quantity, rounded half-up to the fen and stored: a later tariff change never moves it.
"""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from core.errors import PermissionDenied, ValidationFailed
from core.roles import SUPPLIER_ROLES, Role
from logistics.errors import FeeAlreadyRecorded
from core.validators import BUSINESS_YEARS, validate_length
from logistics.models import ExtraCost, InboundShipment, LeftoverLot, ReturnRequest, Tariff
from logistics.models.costs import CostKind, Payer
from points.models import RedemptionOrder
from suppliers.models import Supplier

CENT = Decimal("0.01")
MAX_QUANTITY = 10_000


def price(*, tariff: Tariff, quantity: int) -> Decimal:
    """The tariff's price × quantity in CNY, two places, half-up."""
    return (tariff.amount * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def record_extra_cost(
    *, kind: str, payer: str, supplier: Supplier, order: RedemptionOrder | None = None,
    return_request: ReturnRequest | None = None, inbound: InboundShipment | None = None, lot: LeftoverLot | None = None,
    quantity: int = 1, fee_date: date | None = None, description: str, actor, now: datetime, refuse_repeat: bool = False,
) -> ExtraCost:
    """Record one extra cost priced from the tariff; a lot's fee for a day is recorded once (a repeat returns the first,
    or with `refuse_repeat` is refused, so someone who entered it by hand learns that nothing new was charged).

    :raises ValidationFailed: for an unknown kind or payer, a kind without a tariff, a bad quantity, a fee date outside the
        business years, a description longer than its column, nothing or more than one thing it belongs to,
        a return of another order, or a supplier other than the one of what it belongs to
    :raises PermissionDenied: unless the actor records costs of this kind of object (operators dropship, logistics the rest)
    :raises FeeAlreadyRecorded: with `refuse_repeat`, when the lot's fee of this kind for that day is already recorded
    """
    if kind not in CostKind.values:
        raise ValidationFailed(gettext("未知的费用类型"), field="kind")
    if payer not in Payer.values:
        raise ValidationFailed(gettext("未知的承担方"), field="payer")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(gettext("数量须为 1–%(max_quantity)s 的整数") % {"max_quantity": MAX_QUANTITY}, field="quantity")
    if fee_date is not None and fee_date.year not in BUSINESS_YEARS:
        message = gettext("计费日期须在 %(first_year)s–%(last_year)s 年")
        raise ValidationFailed(message % {"first_year": BUSINESS_YEARS[0], "last_year": BUSINESS_YEARS[-1]}, field="fee_date")
    description = validate_length(description, model=ExtraCost, column="description")
    if return_request is not None and order is not None and return_request.order_id != order.pk:
        raise ValidationFailed(gettext("退换货不属于该订单"), field="return_request")
    order = order or (return_request.order if return_request else None)
    owners = [obj for obj in (order, inbound, lot) if obj is not None]
    if not owners:
        raise ValidationFailed(gettext("请指定费用所属的订单、退换货、入库单或遗留批次"), field="order")
    if len(owners) > 1:  # one cost belongs to one thing, or it would be counted against each
        raise ValidationFailed(gettext("一笔费用只能属于一个订单（退换货）、入库单或遗留批次"), field="order")
    if any(obj.supplier_id != supplier.pk for obj in owners):
        raise ValidationFailed(gettext("费用的礼品商与所属对象不一致"), field="supplier")
    _check_recorder(actor, dropship=order is not None and order.fulfilment == "dropship")
    tariff = Tariff.objects.filter(kind=kind).first()
    if tariff is None:
        raise ValidationFailed(gettext("该费用类型没有费用标准"), field="kind")
    with transaction.atomic():
        if lot is not None and fee_date is not None:
            existing = ExtraCost.objects.filter(lot=lot, kind=kind, fee_date=fee_date).first()
            if existing is not None and refuse_repeat:
                raise _already_recorded(existing)
            if existing is not None:
                return existing
        return ExtraCost.objects.create(
            kind=kind, payer=payer, supplier=supplier, amount=price(tariff=tariff, quantity=quantity), quantity=quantity,
            order=order, return_request=return_request, inbound=inbound, lot=lot, fee_date=fee_date,
            description=description, recorded_at=now,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )


def _already_recorded(cost: ExtraCost) -> FeeAlreadyRecorded:
    message = gettext("遗留批次 #%(lot)s %(fee_date)s 的%(kind)s已记录（%(reference)s，¥%(amount)s），未重复收费")
    return FeeAlreadyRecorded(message % {"lot": cost.lot_id, "fee_date": f"{cost.fee_date:%Y-%m-%d}", "kind": cost.get_kind_display(),
                                         "reference": cost.reference, "amount": cost.amount}, field="fee_date", cost=cost.pk)


def _check_recorder(actor, *, dropship: bool) -> None:
    if actor is None or actor.is_superuser:
        return
    allowed = Role.OPERATOR if dropship else Role.LOGISTICS
    if actor.role != allowed:
        raise PermissionDenied(
            gettext("直发订单的额外费用由运营记录，其余由物流记录")
        )


def update_tariff(*, tariff: Tariff, amount: Decimal, actor, now: datetime, unit: str | None = None) -> Tariff:
    """Change a tariff's price (and unit); costs already recorded keep their stored amounts.

    :raises ValidationFailed: for a negative amount or more than two decimal places
    """
    if amount is None or amount < 0 or amount != amount.quantize(CENT):
        raise ValidationFailed(gettext("单价须为不小于0、最多两位小数的金额"), field="amount")
    tariff.amount = amount
    fields = ["amount"]
    if unit is not None:
        if not unit.strip():
            raise ValidationFailed(gettext("请填写计费单位"), field="unit")
        tariff.unit = unit.strip()
        fields.append("unit")
    tariff.save(update_fields=fields)
    return tariff


def list_extra_costs(*, user) -> QuerySet:
    """Extra costs the user may see: a supplier only those it bears, staff all."""
    costs = ExtraCost.objects.visible_to(user).select_related(
        "supplier", "order", "return_request", "inbound", "lot", "recorded_by"
    )
    return costs.filter(payer=Payer.SUPPLIER) if user.is_authenticated and user.role in SUPPLIER_ROLES else costs
