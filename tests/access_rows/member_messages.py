"""Access-matrix rows of the texts written for members; see tests/access.py for the format.

A member reads its own (`member/messages/`: whoever signs in as a member reads its own, none of another's); an operator
reads any member's on the member's record (`members/{id}/messages/`); every other role is refused (403), as for the
member's record itself.
"""
ROLES = ["anon", "member", "other_member", "supplier_admin", "supplier_staff", "other_supplier", "operator", "logistics", "finance"]
REFUSED = {role: 403 for role in ROLES} | {"anon": 401}


def _row(statuses: dict, *, obj: str | None = None) -> dict:
    return {"status": REFUSED | statuses, "object": obj, "writable": set(), "body": {}, "headers": {}}


ROWS: dict = {
    ("member-own-messages", "GET"): _row({"member": 200, "other_member": 200}),
    ("member-message-list", "GET"): _row({"operator": 200}, obj="member"),
}
