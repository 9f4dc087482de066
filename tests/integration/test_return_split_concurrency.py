"""Splitting a received return while it is inspected (SPEC §4.7), on PostgreSQL: both lock the order, then the return,
so whichever locks first wins and the other is refused; the units received, the points refunded and the stock moved
always add up to what arrived, refunded once."""
from decimal import Decimal

from core.errors import ConcurrentUpdate, InvalidTransition
from logistics.models import ReturnRequest
from logistics.services import return_split, returns
from points.models import LedgerEntry, PointsAccount, RedemptionOrder
from suppliers.models import StockMovement
from tests.integration.racing import hold, run_into
from tests.logistics.conftest import confirmed_order, delivered_order, two_received  # noqa: F401  (fixtures)

UNIT_POINTS = 1500


def splitting(return_request, logistics, now):
    return lambda: return_split.split_return(return_request=return_request, actor=logistics, now=now, quantity=1,
                                             reason="一件外箱压坏，另一件完好")


def inspecting(return_request, logistics, now):
    return lambda: returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="resellable")


def figures(order: RedemptionOrder, balance_before: int) -> tuple:
    """What the race left: each return's (state, units named, units received), the refunds' points, the units
    returned to stock, the points the member gained and the order's (state, units returned)."""
    order.refresh_from_db()
    gained = PointsAccount.objects.get(member=order.member).balance - balance_before
    return (
        list(ReturnRequest.objects.order_by("pk").values_list("state", "quantity", "received_quantity")),
        list(LedgerEntry.objects.filter(kind="refund", source_type="return").values_list("points", flat=True)),
        sum(StockMovement.objects.filter(source_type="return").values_list("on_hand_delta", flat=True)),
        gained, (order.state, order.returned_quantity),
    )


def test_a_split_first_makes_the_inspection_of_the_units_it_read_refused(programs, two_received, logistics, now, monkeypatch):  # noqa: F811
    read_by_inspector = ReturnRequest.objects.get(pk=two_received.pk)  # both units, as the inspector saw them
    balance = PointsAccount.objects.get(member=two_received.order.member).balance

    # the split has locked the order and the return and made the part, not yet committed, when the inspection comes
    split, inspected = run_into(splitting(two_received, logistics, now), hold(monkeypatch, return_split, "notify"),
                                inspecting(read_by_inspector, logistics, now))

    assert split.error is None and isinstance(inspected.error, ConcurrentUpdate), (split.error, inspected.error)
    assert figures(two_received.order, balance) == ([("received", 1, 1), ("received", 1, 1)], [], 0, 0, ("delivered", 0))


def test_an_inspection_first_makes_the_split_refused(programs, two_received, logistics, now, monkeypatch):  # noqa: F811
    read_by_splitter = ReturnRequest.objects.get(pk=two_received.pk)
    balance = PointsAccount.objects.get(member=two_received.order.member).balance

    # the inspection has locked the order, refunded and restocked both units, not yet committed, when the split comes
    inspected, split = run_into(inspecting(two_received, logistics, now), hold(monkeypatch, returns, "_tell_member"),
                                splitting(read_by_splitter, logistics, now))

    assert inspected.error is None and isinstance(split.error, InvalidTransition), (inspected.error, split.error)
    assert figures(two_received.order, balance) == (
        [("refunded", 2, 2)], [2 * UNIT_POINTS], 2, 2 * UNIT_POINTS, ("returned", 2))
    assert ReturnRequest.objects.get().settlement_amount == Decimal("-360.00")
