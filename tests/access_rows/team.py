"""Access-matrix rows of a supplier admin's team (`team-members/`); see tests/access.py for the format.

Only a supplier admin has a team: every other role is refused (403), another supplier's admin does not find the
matrix's supplier's staff account (404). The rows act on the matrix's staff account, active: disabling it and
resetting its password are allowed, enabling it is 409.
"""
ROLES = ["anon", "member", "other_member", "supplier_admin", "supplier_staff", "other_supplier", "operator", "logistics", "finance"]
NOT_AN_ADMIN = {role: 403 for role in ROLES} | {"anon": 401}


def _row(statuses: dict, *, obj: str | None = "staff_membership", writable: set[str] = frozenset(), body: dict | None = None) -> dict:
    return {"status": NOT_AN_ADMIN | statuses, "object": obj, "writable": set(writable), "body": body or {}, "headers": {}}


def _step(admin_status: int, *, writable: set[str], body: dict) -> dict:
    return _row({"supplier_admin": admin_status, "other_supplier": 404}, writable=writable, body=body)


READ = {"supplier_admin": 200, "other_supplier": 404}

ROWS: dict = {
    ("team-member-list", "GET"): _row({"supplier_admin": 200, "other_supplier": 200}, obj=None),
    ("team-member-list", "POST"): _row(
        {"supplier_admin": 201, "other_supplier": 201}, obj=None, writable={"username", "name", "phone", "password"},
        body={"username": "matrix-staff", "name": "张伟", "phone": "13912345678", "password": "ship-it-2026"},
    ),
    ("team-member-detail", "GET"): _row(READ),
    ("team-member-history", "GET"): _row(READ),
    ("team-member-disable", "POST"): _step(200, writable={"reason"}, body={"reason": "access matrix"}),
    ("team-member-enable", "POST"): _step(409, writable={"reason"}, body={"reason": "access matrix"}),
    ("team-member-reset-password", "POST"): _step(200, writable={"password"}, body={"password": "new-tea-garden-2026"}),
}


def world_objects(*, users: dict, **_) -> dict:
    """The matrix's staff account's membership."""
    return {"staff_membership": users["supplier_staff"].supplier_membership}
