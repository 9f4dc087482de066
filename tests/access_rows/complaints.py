"""Access-matrix rows of complaints and suggestions; see tests/access.py for the format. The helpers are the returns
area's (importing tests.access here would be circular).

`world_objects` opens the member's complaint about its order (of the matrix's supplier) and has the operator triage it
to the supplier: the supplier's users answer it (200), nobody else may; the member, the supplier's users and
operators see it, logistics staff (it is not theirs), finance and the other tenants get 404.

The matrix's new complaint names the listed gift of the matrix's supplier with a contact: members and operators (a
hotline complaint) open it, as do the other supplier, logistics and finance (public); the supplier's own users may
not complain about themselves (400).
"""
from tests.access_rows.returns import AUTHENTICATED, EVERYONE, REASON, only, row

COMPLAINT_SEEN_BY = {"member", "supplier_admin", "supplier_staff", "operator"}
NEW_COMPLAINT = {"title": "茶叶受潮", "description": "access matrix", "gift": "{listed}", "contact_name": "王先生",
                 "contact_phone": "13900001111"}


def seen(*, obj: str) -> dict:
    return only({role: 200 for role in COMPLAINT_SEEN_BY}, seen_by=COMPLAINT_SEEN_BY, obj=obj)


def complaint_action(allowed: dict, *, writable=frozenset({"reason"}), body: dict | None = None) -> dict:
    return only(allowed, seen_by=COMPLAINT_SEEN_BY, obj="complaint", writable=writable, body=body or REASON)


ROWS: dict = {
    ("complaint-list", "GET"): row(AUTHENTICATED),
    ("complaint-list", "POST"): only(
        {role: 201 for role in EVERYONE} | {"supplier_admin": 400, "supplier_staff": 400}, seen_by=EVERYONE,
        writable={"title", "description", "order", "gift", "supplier", "member", "contact_name", "contact_phone"},
        body=NEW_COMPLAINT, headers={"HTTP_IDEMPOTENCY_KEY": "matrix-complaint"},
    ),
    ("complaint-suggest", "POST"): only(
        {"supplier_admin": 201, "supplier_staff": 201, "other_supplier": 201}, seen_by=EVERYONE,
        writable={"title", "description"}, body={"title": "增加对账模板", "description": "access matrix"},
        headers={"HTTP_IDEMPOTENCY_KEY": "matrix-suggestion"},
    ),
    ("complaint-detail", "GET"): seen(obj="complaint"),
    ("complaint-history", "GET"): seen(obj="complaint"),
    # the matrix's complaint is triaged to the supplier: its users answer it; triaging or taking it again, resolving,
    # disputing the answer (仍未解决), reopening and chasing it (催办: only once escalated) are 409
    ("complaint-triage", "POST"): complaint_action({"operator": 409}, writable={"responsible", "reason"},
                                                   body={"responsible": "operator"}),
    ("complaint-take", "POST"): complaint_action({"operator": 409}),
    ("complaint-respond", "POST"): complaint_action(
        {"supplier_admin": 200, "supplier_staff": 200}, writable={"response"}, body={"response": "已补发"}
    ),
    ("complaint-resolve", "POST"): complaint_action({"member": 409}),
    ("complaint-reopen", "POST"): complaint_action({"member": 409}),
    ("complaint-dispute", "POST"): complaint_action({"member": 409}, body={"reason": "仍未收到补发"}),
    ("complaint-remind", "POST"): complaint_action({"operator": 409}),
}


def world_objects(*, users: dict, now, objects: dict, **_) -> dict:
    """The member's complaint about its order, triaged to the supplier."""
    from points.services import complaints

    complaint = complaints.open_complaint(actor=users["member"], now=now, order=objects["order"], title="未发货", description="…")
    complaints.triage_complaint(complaint=complaint, actor=users["operator"], now=now, responsible="supplier")
    return {"complaint": complaint}
