"""Whether a supplier's state lets its gifts move (SPEC §4.1): an applicant, one under review or one in cooperation
sends gifts to review; only one in cooperation (`active`: an approved contract, a valid licence) has them approved,
listed, scheduled for listing or sold off at clearance."""
from django.utils.translation import gettext

from suppliers.errors import SupplierNotCooperating
from suppliers.models import Gift

#: the states from which a gift's next step (review, listing, clearance) waits on its supplier's state
HELD_BY_SUPPLIER = frozenset({Gift.State.DRAFT, Gift.State.SUBMITTED, Gift.State.APPROVED, Gift.State.OFFLINE})


def supplier_hold(gift: Gift, *, listing: bool = True) -> str:
    """Why the gift's supplier stops it going towards sale now (approval, listing, clearance), or to review with
    `listing=False`; "" when nothing does. The page of an applicant's draft says nothing: its next step is review."""
    supplier = gift.supplier
    if gift.state not in HELD_BY_SUPPLIER or supplier.offers_gifts():
        return ""
    if not supplier.submits_gifts():
        return gettext("礼品商「%(supplier)s」当前为「%(state)s」：恢复合作前，礼品不能送审、上架或清仓") % {
            "supplier": supplier.name, "state": supplier.get_state_display()}
    if not listing or gift.state == Gift.State.DRAFT:
        return ""
    return gettext("礼品商「%(supplier)s」当前为「%(state)s」：合作生效前，礼品可以送审，但不能审核通过、上架或清仓") % {
        "supplier": supplier.name, "state": supplier.get_state_display()}


def check_supplier(gift: Gift, *, listing: bool = True) -> None:
    """Say first why the Gift transitions' supplier condition (`supplier_offers` for a step towards sale,
    `supplier_submits` for one to review, `listing=False`) would refuse.

    :raises SupplierNotCooperating: naming the supplier's state
    """
    if hold := supplier_hold(gift, listing=listing):
        raise SupplierNotCooperating(hold)
