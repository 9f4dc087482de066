"""Access-matrix rows of the goods flow (inbound shipments, handoff batches, shipments); see tests/access.py for the
format.

`world_objects` adds an announced inbound shipment of the supplier's listed gift, and a handoff batch holding a
second order of the member's for that gift, whose warehouse shipment waits for picking. The matrix's own
`order` stays confirmed: the second order is placed an hour earlier, so a one-order batch takes it first. The helpers
are the returns area's (importing tests.access here would be circular).
"""
from tests.access_rows.returns import AUTHENTICATED, REASON, ROLES, only, row

MATRIX_WAREHOUSE = "WH-MATRIX"

INBOUND_SEEN_BY = {"supplier_admin", "supplier_staff", "operator", "logistics"}
BATCH_SEEN_BY = {"operator", "logistics"}
SHIPMENT_SEEN_BY = {"member", "supplier_admin", "supplier_staff", "operator", "logistics", "finance"}
# creating is not about an object: every signed-in role can "see" the collection
EVERYONE = set(ROLES) - {"anon"}
SHIPPERS = {"supplier_admin", "supplier_staff", "other_supplier", "logistics"}

ANNOUNCEMENT = {"gift": "{listed}", "location": MATRIX_WAREHOUSE, "quantity": 5, "expected_on": "{in_a_month}"}

ROWS: dict = {
    ("inbound-shipment-list", "GET"): row(AUTHENTICATED),
    # the other supplier names the matrix supplier's gift, which it cannot see: 404 on `gift`
    ("inbound-shipment-list", "POST"): only(
        {"supplier_admin": 201, "supplier_staff": 201, "other_supplier": 404}, seen_by=EVERYONE,
        writable={"gift", "location", "quantity", "expected_on", "replenishment_request", "note"}, body=ANNOUNCEMENT,
        headers={"HTTP_IDEMPOTENCY_KEY": "matrix-inbound"},
    ),
    ("inbound-shipment-detail", "GET"): only({role: 200 for role in INBOUND_SEEN_BY}, seen_by=INBOUND_SEEN_BY, obj="inbound"),
    ("inbound-shipment-history", "GET"): only({role: 200 for role in INBOUND_SEEN_BY}, seen_by=INBOUND_SEEN_BY, obj="inbound"),
    ("inbound-shipment-receive", "POST"): only(
        {"logistics": 200}, seen_by=INBOUND_SEEN_BY, obj="inbound", writable={"counted_quantity", "damaged_quantity", "extra_quantity", "reason"},
        body={"counted_quantity": 5, "damaged_quantity": 1},
    ),
    # the matrix's inbound shipment is announced: putting it away is 409
    ("inbound-shipment-put-away", "POST"): only({"logistics": 409}, seen_by=INBOUND_SEEN_BY, obj="inbound", writable={"reason", "shelf"},
                                                 body=REASON),
    # the matrix's inbound shipment is announced: its supplier may withdraw it, with a reason
    ("inbound-shipment-withdraw", "POST"): only({"supplier_admin": 200, "supplier_staff": 200}, seen_by=INBOUND_SEEN_BY, obj="inbound",
                                                writable={"reason"}, body=REASON),
    ("handoff-batch-list", "GET"): row(AUTHENTICATED),
    ("handoff-batch-list", "POST"): only({"operator": 201, "logistics": 201}, seen_by=EVERYONE, writable={"key"}, body={"key": "matrix-batch"}),
    ("handoff-batch-detail", "GET"): only({"operator": 200, "logistics": 200}, seen_by=BATCH_SEEN_BY, obj="handoff_batch"),
    ("shipment-list", "GET"): row(AUTHENTICATED),
    ("shipment-detail", "GET"): only({role: 200 for role in SHIPMENT_SEEN_BY}, seen_by=SHIPMENT_SEEN_BY, obj="shipment"),
    ("shipment-history", "GET"): only({role: 200 for role in SHIPMENT_SEEN_BY}, seen_by=SHIPMENT_SEEN_BY, obj="shipment"),
    # the matrix's shipment is a warehouse one waiting for picking: logistics may pick it; shipping it before picking,
    # delivering, failing and confirming receipt are 409; suppliers never drive a warehouse shipment (403)
    ("shipment-pick", "POST"): only({"logistics": 200}, seen_by=SHIPMENT_SEEN_BY, obj="shipment", writable={"reason"}, body=REASON),
    ("shipment-ship", "POST"): only({"logistics": 409}, seen_by=SHIPMENT_SEEN_BY, obj="shipment", writable={"carrier", "tracking_number"},
                                    body={"carrier": "顺丰", "tracking_number": "SF-MATRIX"}),
    ("shipment-correct-tracking", "POST"): only({"logistics": 409}, seen_by=SHIPMENT_SEEN_BY, obj="shipment",
                                                writable={"carrier", "tracking_number", "reason"},
                                                body={"carrier": "顺丰", "tracking_number": "SF-FIXED", "reason": "录入错误"}),
    ("shipment-deliver", "POST"): only(
        {"logistics": 409}, seen_by=SHIPMENT_SEEN_BY, obj="shipment", writable={"signer", "signed_at"}, body={"signer": "刘洋"}
    ),
    ("shipment-fail", "POST"): only({"logistics": 409}, seen_by=SHIPMENT_SEEN_BY, obj="shipment", writable={"reason"}, body={"reason": "拒收"}),
    ("shipment-confirm-receipt", "POST"): only({"member": 409}, seen_by=SHIPMENT_SEEN_BY, obj="shipment"),
    # shipping by file: logistics and suppliers, each its own uploads (the matrix's is the supplier's: logistics, like the
    # other supplier, finds none). The matrix sends JSON, so a shipper's upload is 415 (the upload is multipart; the
    # schema has no JSON body, hence no writable fields); the uploads that ship are in tests/logistics/test_api_shipping_files.py
    ("shipment-upload-list", "GET"): only({role: 200 for role in SHIPPERS}, seen_by=EVERYONE),
    ("shipment-upload-list", "POST"): only({role: 415 for role in SHIPPERS}, seen_by=EVERYONE),
    ("shipment-upload-detail", "GET"): only({"supplier_admin": 200, "supplier_staff": 200}, seen_by=EVERYONE - SHIPPERS, obj="shipment_upload"),
    ("shipment-upload-template", "GET"): only({role: 200 for role in SHIPPERS}, seen_by=EVERYONE),
}


def world_objects(*, supplier, users: dict, now, objects: dict, **_) -> dict:
    """An announced inbound shipment, a handoff batch and the warehouse shipment in it, and a file of waybills the
    supplier shipped its dropship parcels by, all of the matrix's supplier."""
    from datetime import timedelta

    from logistics.models import Shipment, ShipmentUpload
    from logistics.services import inbound, shipments
    from points.services import orders
    from suppliers.services import inventory
    from tests.factories import WarehouseFactory

    listed, warehouse = objects["listed"], objects["warehouse"]
    WarehouseFactory(code=MATRIX_WAREHOUSE, name="矩阵仓")
    announced = inbound.announce_inbound(supplier=supplier, gift_id=listed.pk, location_id=warehouse.pk, quantity=5,
                                         expected_on=now.date(), actor=users["supplier_staff"], now=now)
    inventory.receive_stock(gift=listed, location=warehouse, quantity=1, at=now)  # the unit the order below takes
    earlier = now - timedelta(hours=1)
    order = orders.place_order(member=users["member"].member, gift_id=listed.pk, quantity=1, now=earlier,
                               recipient_name="刘洋", recipient_phone="13800138000", address="杭州市文三路100号")
    batch = shipments.hand_over_warehouse_orders(key="matrix-world", actor=users["logistics"], now=now, limit=1)
    upload = ShipmentUpload.objects.create(file_name="waybills.csv", supplier=supplier, uploaded_by=users["supplier_staff"], uploaded_at=now,
                                           row_count=0, status="shipped", finished_at=now)
    return {"inbound": announced, "handoff_batch": batch, "shipment": Shipment.objects.get(order=order), "shipment_upload": upload}
