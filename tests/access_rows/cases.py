"""Access-matrix rows of rectification cases and re-evaluations; see tests/access.py for the format. The helpers are
the returns area's (importing tests.access here would be circular).

`world_objects` opens a rectification case against the matrix's supplier (open: its users answer it, an operator
closes it, sending it back is 409) and a re-evaluation due for it (an operator renews it). Suppliers, operators and
finance see them; logistics does not. A new case names a supplier that does not exist: the operator gets 404 (the
201 is in tests/settlement/test_cases.py).
"""
from tests.access_rows.returns import AUTHENTICATED, MISSING, REASON, only, row

READERS = {"supplier_admin", "supplier_staff", "operator", "finance"}


def seen(*, obj: str) -> dict:
    return only({role: 200 for role in READERS}, seen_by=READERS, obj=obj)


ROWS: dict = {
    ("rectification-case-list", "GET"): row(AUTHENTICATED),
    ("rectification-case-list", "POST"): only(
        {"operator": 404}, seen_by=set(AUTHENTICATED) - {"anon"}, writable={"supplier", "kind", "reason", "deadline", "assessment"},
        body={"supplier": MISSING, "kind": "warning", "reason": "access matrix", "deadline": "2099-01-01"},
        headers={"HTTP_IDEMPOTENCY_KEY": "matrix-case"},
    ),
    ("rectification-case-detail", "GET"): seen(obj="case"),
    ("rectification-case-history", "GET"): seen(obj="case"),
    ("rectification-case-answer", "POST"): only(
        {"supplier_admin": 200, "supplier_staff": 200}, seen_by=READERS, obj="case", writable={"answer"},
        body={"answer": "已整改"},
    ),
    ("rectification-case-send-back", "POST"): only(
        {"operator": 409}, seen_by=READERS, obj="case", writable={"reason", "deadline"}, body=REASON
    ),
    ("rectification-case-close", "POST"): only({"operator": 200}, seen_by=READERS, obj="case", writable={"reason"}, body=REASON),
    ("re-evaluation-list", "GET"): row(AUTHENTICATED),
    ("re-evaluation-detail", "GET"): seen(obj="re_evaluation"),
    ("re-evaluation-history", "GET"): seen(obj="re_evaluation"),
    ("re-evaluation-decide", "POST"): only(
        {"operator": 200}, seen_by=READERS, obj="re_evaluation", writable={"decision", "note"}, body={"decision": "renew"}
    ),
}


def world_objects(*, supplier, users: dict, now, **_) -> dict:
    """An open rectification case and a due re-evaluation of the matrix's supplier."""
    from datetime import timedelta

    from settlement.models import ReEvaluation
    from settlement.services import cases

    case = cases.open_case(supplier=supplier, kind="rectification", reason="发货超时", deadline=now.date() + timedelta(days=30),
                           actor=users["operator"], now=now)
    due = ReEvaluation.objects.create(supplier=supplier, due_on=now.date() + timedelta(days=30), created_at=now, proposed="renew")
    return {"case": case, "re_evaluation": due}
