"""Events a supplier's reconciliation line may name that are still to come (SPEC §4.11): an order not delivered yet, a
return not closed, a replacement not delivered. The booking rule books each when it is recorded, so a line naming one
is a timing difference, never adjusted while it is pending: the adjustment and that statement would both pay it. Read
live, in the same query as the lines, so a line becomes adjustable again once its order ends without the event."""
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from logistics.selectors import replacements_awaiting_delivery, returns_still_open
from points.selectors import orders_awaiting_delivery


def pending_event() -> Q:
    """A line (`ReconciliationLine`) naming an event of its supplier that may still be recorded: its order's delivery
    (`RedemptionOrder.AWAITING_DELIVERY`), a return of the order still open, or a replacement still to be delivered."""
    supplier, number, sku = OuterRef("reconciliation__supplier_id"), OuterRef("order_number"), OuterRef("sku")
    orders = orders_awaiting_delivery().filter(supplier_id=supplier, number=number, gift__sku=sku)
    of_order = {"supplier_id": supplier, "order__number": number, "order__gift__sku": sku}
    return (Q(Exists(orders), kind="delivery") | Q(Exists(returns_still_open().filter(**of_order)), kind="return")
            | Q(Exists(replacements_awaiting_delivery().filter(**of_order)), kind="replacement"))


def with_pending(lines: QuerySet) -> QuerySet:
    """The lines each annotated `awaiting` (`pending_event`), which `ReconciliationLine.adjustable` reads."""
    return lines.annotate(awaiting=ExpressionWrapper(pending_event(), output_field=BooleanField()))
