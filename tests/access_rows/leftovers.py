"""Access-matrix rows of leftover lots; see tests/access.py for the format. The helpers are local: importing
tests.access here would be circular.

The matrix's lot is open (its gift retired with 4 units in the matrix warehouse): logistics may collect or dispose
of it and the operator may move it to clearance (200); the other staff roles are refused (403), supplier users
see it but may not act (403), members and another supplier are told it does not exist (404).
"""
READ = {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 200, "supplier_staff": 200, "other_supplier": 404,
        "operator": 200, "logistics": 200, "finance": 200}
ACT = READ | {"supplier_admin": 403, "supplier_staff": 403, "operator": 403, "logistics": 403, "finance": 403}


def _row(statuses: dict, *, obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None) -> dict:
    return {"status": dict(statuses), "object": obj, "writable": set(writable), "body": body or {}, "headers": {}}


ROWS: dict = {
    ("leftover-lot-list", "GET"): _row(READ | {"member": 200, "other_member": 200, "other_supplier": 200}),
    ("leftover-lot-detail", "GET"): _row(READ, obj="leftover_lot"),
    ("leftover-lot-history", "GET"): _row(READ, obj="leftover_lot"),
    ("leftover-lot-collect", "POST"): _row(ACT | {"logistics": 200}, obj="leftover_lot", writable={"quantity", "reason"}, body={"reason": "access matrix"}),
    ("leftover-lot-dispose", "POST"): _row(ACT | {"logistics": 200}, obj="leftover_lot", writable={"quantity", "reason"}, body={"reason": "access matrix"}),
    ("leftover-lot-clearance", "POST"): _row(
        ACT | {"operator": 200}, obj="leftover_lot", writable={"points_price", "settlement_price", "reason"},
        body={"points_price": 100, "settlement_price": "10.00"},
    ),
}


def world_objects(*, supplier, users: dict, now, objects: dict, **_) -> dict:
    """A gift of the matrix supplier with 4 units in the matrix warehouse, taken offline and retired: one open lot."""
    from logistics.models import LeftoverLot
    from suppliers.services import catalog, inventory
    from tests.factories import GiftFactory
    from tests.helpers import published

    gift = GiftFactory(supplier=supplier)
    operator = users["operator"]
    published(gift, actor=operator, at=now)
    catalog.delist_gift(gift=gift, actor=operator, now=now, reason_code="supplier_request", reason="运营下线")
    inventory.receive_stock(gift=gift, location=objects["warehouse"], quantity=4, at=now)
    catalog.retire_gift(gift=gift, actor=operator, now=now, reason="停产")
    return {"leftover_lot": LeftoverLot.objects.get(gift=gift)}
