"""A supplier's row as the lock of what books its money: generating its statements, issuing or reissuing one, voiding
a cost it bears (docs/architecture.md, Locking). Whoever locks a supplier's statement or a source of its lines locks the
supplier first, so each of them sees what the other committed rather than a state the other is about to change.

A gift's row as the lock of its stock and its workflow: whoever takes the gift and its stock records locks the gift first
(docs/architecture.md, Locking)."""
from collections.abc import Iterable

from suppliers.models import Gift, Supplier


def lock_suppliers(supplier_ids: Iterable[int]) -> None:
    """Lock the suppliers' rows until the transaction ends, in id order (two transactions locking several never
    deadlock), FOR NO KEY UPDATE: rows referring to a supplier (a notice, a cost) are still written meanwhile."""
    ids = sorted(set(supplier_ids))
    if ids:
        list(Supplier.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def lock_gift(gift_id: int, **conditions) -> Gift | None:
    """The gift's row, locked until the transaction ends FOR NO KEY UPDATE (movements, orders and inbound shipments
    referring to it are still written meanwhile) and read again, if it meets `conditions` (a state, a fulfilment); None,
    locking nothing, if it does not. Taken before the gift's stock records wherever a path takes both."""
    return Gift.objects.select_for_update(no_key=True).filter(pk=gift_id, **conditions).first()


def locked_supplier(supplier_id: int) -> Supplier:
    """The supplier re-read under its row lock (`lock_suppliers`), until the transaction ends: its state is the one a
    step driving its FSM acts on, not what an object read before the lock says."""
    return Supplier.objects.select_for_update(no_key=True).get(pk=supplier_id)
