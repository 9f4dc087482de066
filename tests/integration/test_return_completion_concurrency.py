"""A member asking to return an order while the beat completes it (SPEC §4.5: delivered → completed only with no open
return), on PostgreSQL: whichever locks the order first wins, and the order never ends completed with a return open."""
from datetime import timedelta

from core import fsm
from core.errors import ValidationFailed
from logistics.models import ReturnRequest
from logistics.services import returns
from points.models import RedemptionOrder
from points.services import orders
from tests.integration.racing import hold, run_into
from tests.logistics.conftest import confirmed_order, delivered_order  # noqa: F401  (fixtures)

COMPLETE_AFTER = timedelta(days=15)


def ask_to_return(order, member, at):
    return lambda: returns.request_return(order=order, actor=member.user, now=at, quantity=1, reason="defective")


def test_a_return_asked_for_first_holds_the_order_the_beat_then_completes(programs, delivered_order, rich_member, monkeypatch):  # noqa: F811
    at = delivered_order.delivered_at + COMPLETE_AFTER

    # the request has locked the order and written the return, not yet committed, when the beat comes
    asked, completing = run_into(ask_to_return(delivered_order, rich_member, at), hold(monkeypatch, returns, "_tell_member"),
                                 lambda: orders.complete_orders(now=at))

    assert asked.error is None and completing.error is None, (asked.error, completing.error)
    assert completing.result == []
    assert RedemptionOrder.objects.get(pk=delivered_order.pk).state == "delivered"
    assert ReturnRequest.objects.get(order=delivered_order).state == "requested"


def test_a_return_asked_for_as_the_beat_completes_the_order_is_refused(programs, delivered_order, rich_member, monkeypatch):  # noqa: F811
    at = delivered_order.delivered_at + COMPLETE_AFTER
    read_delivered = RedemptionOrder.objects.get(pk=delivered_order.pk)  # what the member's request read

    # the beat has completed the order, not yet committed, when the request locks it
    completing, asked = run_into(lambda: orders.complete_orders(now=at), hold(monkeypatch, fsm, "_user_or_none"),
                                 ask_to_return(read_delivered, rich_member, at))

    assert completing.result == [delivered_order.pk]
    assert isinstance(asked.error, ValidationFailed) and asked.error.field == "order"
    assert RedemptionOrder.objects.get(pk=delivered_order.pk).state == "completed"
    assert not ReturnRequest.objects.exists()
