"""Access-matrix rows of returns, extra costs, tariffs and logistics claims; see tests/access.py for the format.
The helpers are local: importing tests.access here would be circular.

`world_objects` delivers a second order of the member's (two units of the listed gift, placed half an hour before
the matrix's own `order`, so a one-order handoff batch takes it and leaves `order` confirmed), then opens a
requested return of one unit, a supplier-borne extra cost and a transit-damage claim on it. The order is delivered
at the wall-clock time, since the API checks the return window against the real clock.

The matrix sends static bodies, so the creates that name an object (an extra cost's order, a lost parcel's
shipment) name one that does not exist: the roles allowed past the role check get 404 on that field (as for an id in
a URL); the 201s are in tests/logistics/test_api_returns.py.
"""
ROLES = [
    "anon", "member", "other_member", "supplier_admin", "supplier_staff", "other_supplier", "operator", "logistics", "finance"
]
AUTHENTICATED = {role: 200 for role in ROLES if role != "anon"} | {"anon": 401}
REASON = {"reason": "access matrix"}
MISSING = 999_999


def row(
    statuses: dict, *, obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None, headers: dict | None = None,
) -> dict:
    return {"status": dict(statuses), "object": obj, "writable": set(writable), "body": body or {}, "headers": headers or {}}


def only(
    allowed: dict, *, seen_by: set[str], obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None,
    headers: dict | None = None,
) -> dict:
    """Roles in `allowed` get their status; the others get 403 where they can see the object (`seen_by`), else 404."""
    statuses = {role: 403 if role in seen_by else 404 for role in ROLES} | {"anon": 401} | allowed
    return row(statuses, obj=obj, writable=writable, body=body, headers=headers)


EVERYONE = set(ROLES) - {"anon"}
STAFF = {"operator", "logistics", "finance"}
RETURN_SEEN_BY = {"member", "supplier_admin", "supplier_staff"} | STAFF
COST_SEEN_BY = {"supplier_admin", "supplier_staff"} | STAFF
TARIFF_READERS = {"supplier_admin", "supplier_staff", "other_supplier"} | STAFF


def seen(roles: set[str], *, obj: str) -> dict:
    return only({role: 200 for role in roles}, seen_by=roles, obj=obj)


ROWS: dict = {
    ("return-list", "GET"): row(AUTHENTICATED),
    ("return-detail", "GET"): seen(RETURN_SEEN_BY, obj="return"),
    ("return-history", "GET"): seen(RETURN_SEEN_BY, obj="return"),
    # the matrix's return is requested, of a warehouse order: the operator approves or rejects it (200); receiving and
    # inspecting are 409 for logistics, and 403 for the supplier (receives dropship returns only) and the operator
    # (inspects dropship returns only)
    ("return-approve", "POST"): only({"operator": 200}, seen_by=RETURN_SEEN_BY, obj="return", writable={"reason"}, body=REASON),
    ("return-reject", "POST"): only({"operator": 200}, seen_by=RETURN_SEEN_BY, obj="return", writable={"reason"}, body=REASON),
    ("return-receive", "POST"): only({"logistics": 409}, seen_by=RETURN_SEEN_BY, obj="return", writable={"received_quantity", "reason", "evidence"}, body=REASON),
    ("return-inspect", "POST"): only(
        {"logistics": 409}, seen_by=RETURN_SEEN_BY, obj="return", writable={"outcome", "reason", "refund_if_no_replacement", "evidence"}, body={"outcome": "resellable"}
    ),
    # splitting units off waits for the return's receipt (409 for logistics, who inspects warehouse returns)
    ("return-split", "POST"): only(
        {"logistics": 409}, seen_by=RETURN_SEEN_BY, obj="return", writable={"quantity", "reason"}, body={"quantity": 1} | REASON
    ),
    # the member's photo of the matrix's return: whoever sees the return fetches it; anyone else is told it does not exist
    ("return-evidence-file", "GET"): row({role: 200 if role in RETURN_SEEN_BY else 404 for role in ROLES} | {"anon": 401}, obj="return_evidence"),
    # sending refused goods back again waits for a failed parcel back (409 for logistics); the supplier sends back
    # dropship returns only (403)
    ("return-send-back-again", "POST"): only(
        {"logistics": 409}, seen_by=RETURN_SEEN_BY, obj="return", writable={"reason"}, body=REASON
    ),
    # re-shipping an exchange's replacement, or refunding instead, waits for the replacement to have failed (409 for the
    # operator: the matrix's return is requested)
    ("return-reship-replacement", "POST"): only(
        {"operator": 409}, seen_by=RETURN_SEEN_BY, obj="return", writable={"reason", "recipient_name", "recipient_phone", "address"},
        body=REASON,
    ),
    ("return-refund-instead", "POST"): only({"operator": 409}, seen_by=RETURN_SEEN_BY, obj="return", writable={"reason"}, body=REASON),
    # a return of the member's own delivered order; suppliers see the order but may not ask for its return
    ("order-returns", "POST"): only(
        {"member": 201}, seen_by={"member", "supplier_admin", "supplier_staff"} | STAFF, obj="return_order",
        writable={"quantity", "reason", "remedy", "description", "evidence"}, body={"quantity": 1, "reason": "unused"},
    ),
    ("extra-cost-list", "GET"): row(AUTHENTICATED),
    ("extra-cost-detail", "GET"): seen(COST_SEEN_BY, obj="extra_cost"),
    ("extra-cost-list", "POST"): only(
        {"logistics": 404, "operator": 404}, seen_by=EVERYONE,
        writable={"kind", "payer", "order", "return_request", "inbound", "lot", "quantity", "fee_date", "description"},
        body={"kind": "handling", "payer": "supplier", "order": MISSING}, headers={"HTTP_IDEMPOTENCY_KEY": "matrix-cost"},
    ),
    ("extra-cost-history", "GET"): seen(COST_SEEN_BY, obj="extra_cost"),
    # the matrix's cost is of a warehouse order: logistics voids it (200); the operator voids dropship orders' only (403)
    ("extra-cost-void", "POST"): only({"logistics": 200}, seen_by=COST_SEEN_BY, obj="extra_cost", writable={"reason"}, body=REASON),
    ("tariff-list", "GET"): only({role: 200 for role in TARIFF_READERS}, seen_by=EVERYONE),
    ("tariff-detail", "GET"): only({role: 200 for role in TARIFF_READERS}, seen_by=EVERYONE, obj="tariff"),
    ("tariff-detail", "PATCH"): only(
        {"operator": 200}, seen_by=EVERYONE, obj="tariff", writable={"amount", "reason", "unit"}, body={"amount": "13.00", "reason": "快递涨价"}
    ),
    ("logistics-claim-list", "GET"): row(AUTHENTICATED),
    ("logistics-claim-detail", "GET"): seen(STAFF, obj="claim"),
    ("logistics-claim-history", "GET"): seen(STAFF, obj="claim"),
    # the matrix's claim is open: finance accepts it (200); settling comes after acceptance (409)
    ("logistics-claim-accept", "POST"): only({"finance": 200}, seen_by=STAFF, obj="claim", writable={"reason"}, body=REASON),
    ("logistics-claim-settle", "POST"): only(
        {"finance": 409}, seen_by=STAFF, obj="claim",
        writable={"settlement_reference", "received_amount", "received_date", "settlement_note", "reason"},
        body={"settlement_reference": "PAY-MATRIX"},
    ),
    # while the claim is open finance corrects its figures or rejects it (a transit-damage claim may be rejected)
    ("logistics-claim-correct", "POST"): only(
        {"finance": 200}, seen_by=STAFF, obj="claim", writable={"amount", "quantity", "reason"}, body={"amount": "1.00"} | REASON
    ),
    ("logistics-claim-reject", "POST"): only({"finance": 200}, seen_by=STAFF, obj="claim", writable={"reason"}, body=REASON),
    # logistics staff or an operator withdraw a lost parcel's report: the matrix's claim is a transit damage's (409)
    ("logistics-claim-withdraw", "POST"): only(
        {"logistics": 409, "operator": 409}, seen_by=STAFF, obj="claim", writable={"signed_at", "signer", "reason"}, body=REASON
    ),
    # finance proposes a lost parcel's compensation, or its reversal, again: the matrix's claim is a transit damage's (409)
    ("logistics-claim-propose-compensation", "POST"): only(
        {"finance": 409}, seen_by=STAFF, obj="claim", headers={"HTTP_IDEMPOTENCY_KEY": "matrix-compensation"}),
    ("logistics-claim-propose-reversal", "POST"): only(
        {"finance": 409}, seen_by=STAFF, obj="claim", headers={"HTTP_IDEMPOTENCY_KEY": "matrix-reversal"}),
    ("logistics-claim-report-lost-parcel", "POST"): only(
        {"logistics": 404, "operator": 404}, seen_by=EVERYONE, writable={"shipment"}, body={"shipment": MISSING}
    ),
}


def world_objects(*, supplier, users: dict, now, objects: dict, **_) -> dict:
    """A delivered order of the member's with a requested return (with a photo), a supplier-borne extra cost and an open
    claim."""
    import io
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from django.utils import timezone

    from logistics.models import Shipment, Tariff
    from logistics.services import claims, costs, returns, shipments
    from tests.helpers import picked_and_shipped
    from points.services import orders

    logistics = users["logistics"]
    earlier = now - timedelta(minutes=30)
    order = orders.place_order(member=users["member"].member, gift_id=objects["listed"].pk, quantity=2, now=earlier,
                               recipient_name="刘洋", recipient_phone="13800138000", address="杭州市文三路100号")
    shipments.hand_over_warehouse_orders(key="matrix-returns", actor=logistics, now=now, limit=1)
    shipment = Shipment.objects.get(order=order)
    picked_and_shipped(shipment=shipment, actor=logistics, now=now, carrier="顺丰", tracking_number="SF-MATRIX-RETURNS")
    shipments.deliver_shipment(shipment=shipment, actor=logistics, now=max(now, timezone.now()), signer="刘洋")
    order.refresh_from_db()
    picture = io.BytesIO()
    Image.new("RGB", (8, 8)).save(picture, "PNG")
    return_request = returns.request_return(
        order=order, actor=users["member"], now=order.delivered_at, quantity=1, reason="unused",
        evidence=[SimpleUploadedFile("matrix.png", picture.getvalue())],
    )
    cost = costs.record_extra_cost(kind="return_freight", payer="supplier", supplier=supplier, order=order, description="退货运费",
                                   actor=logistics, now=now)
    claim = claims.open_claim(order=order, cause="transit_damage", quantity=1, now=now)
    return {"return_order": order, "return": return_request, "return_evidence": return_request.evidence.get(), "extra_cost": cost, "claim": claim,
            "tariff": Tariff.objects.get(kind="return_freight")}
