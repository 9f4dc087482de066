"""Clearance prices (下线礼品促销, SPEC §4.2): a gift sold off is sold below its normal price, never for nothing.

One rule, checked wherever either side is set: starting a clearance (also of a retired gift's leftovers) names the
clearance fields; a supplier's revision that would lower a clearance gift's normal price to or below its clearance
price names the normal price fields.
"""
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext

from core.errors import refuse
from suppliers.errors import NothingToClear
from suppliers.models import Gift, StockRecord
from suppliers.services.locks import lock_gift


def check_clearance_prices(
    *, points_price: int | None, settlement_price: Decimal | str | None, normal_points_prices: Iterable[int],
    normal_settlement_price: Decimal | str, on_normal_side: bool = False,
) -> None:
    """A clearance points price above zero and below every normal points price of the gift, a clearance settlement
    price above zero and below the normal settlement price. `on_normal_side`: the normal prices are what is being set,
    so the errors name `points_prices` / `settlement_price` instead of the clearance fields `points_price` /
    `settlement_price`.

    :raises ValidationFailed: naming each field in breach
    """
    lowest_points = min(normal_points_prices, default=None)
    normal_settlement = Decimal(str(normal_settlement_price))
    clearance_settlement = None if settlement_price is None else Decimal(str(settlement_price))
    sides = [  # clearance value, lowest normal value, (field, message) when the clearance is set, when the normal price is
        (points_price, lowest_points, ("points_price", gettext("清仓积分价须大于0且低于正常积分价 %(normal)s")),
         ("points_prices", gettext("积分价须高于当前清仓积分价 %(clearance)s"))),
        (clearance_settlement, normal_settlement, ("settlement_price", gettext("清仓结算价须大于0且低于正常结算价 %(normal)s")),
         ("settlement_price", gettext("结算价须高于当前清仓结算价 %(clearance)s"))),
    ]
    errors = []
    for clearance, normal, on_clearance, on_normal in sides:
        if clearance is not None and (clearance <= 0 or (normal is not None and clearance >= normal)):
            field, message = on_normal if on_normal_side else on_clearance
            errors.append((field, "not_below_normal", message % {"normal": normal, "clearance": clearance}))
    refuse(errors)


def check_new_clearance(gift: Gift, *, points_price: int, settlement_price: Decimal) -> None:
    """Clearance prices about to be set on `gift`, against its normal prices. :raises ValidationFailed:"""
    check_clearance_prices(
        points_price=points_price, settlement_price=settlement_price,
        normal_points_prices=[price.points_price for price in gift.prices.all()], normal_settlement_price=gift.settlement_price,
    )


def check_normal_prices(gift: Gift, changes: dict) -> None:
    """Normal prices a change would give a gift on clearance, against its clearance prices (another state has none in
    force: a later clearance sets its own). :raises ValidationFailed: on `points_prices` / `settlement_price`"""
    if gift.state != Gift.State.CLEARANCE or not {"points_prices", "settlement_price"} & set(changes):
        return
    points = changes.get("points_prices") or {price.program.code: price.points_price for price in gift.prices.all()}
    check_clearance_prices(
        points_price=gift.clearance_points_price, settlement_price=gift.clearance_settlement_price,
        normal_points_prices=points.values(), normal_settlement_price=changes.get("settlement_price", gift.settlement_price),
        on_normal_side=True,
    )


def check_stock_to_clear(gift: Gift) -> None:
    """A clearance sells off stock that is there: with no unit on hand at any location the gift would sit on
    clearance selling nothing (the system retires a clearance gift once its stock is used up). :raises NothingToClear:

    Called in the clearance's transaction: the gift, then its stock, locked in the order every stock path takes them, so
    a last unit leaving meanwhile is counted gone (its write committed first) or finds the gift on clearance and retires it.
    """
    lock_gift(gift.pk)
    if not StockRecord.objects.select_for_update().filter(gift=gift, on_hand__gt=0).exists():
        raise NothingToClear()
