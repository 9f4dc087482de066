"""Access-matrix rows of credit files; see tests/access.py for the format. The helpers are local: importing tests.access
here would be circular.

Credit files are operators' only: every other role is refused (403) before any file is looked up, and anyone not
signed in is 401. The matrix's file is a preview of one row crediting the matrix member: the operator confirms or
cancels it (200). The matrix sends JSON, so the operator's upload is 415 (a file comes as multipart, and the schema
has no JSON body, hence no writable fields); the 201 is in tests/points/test_api_credit_files.py.
"""
REFUSED = {"anon": 401, "member": 403, "other_member": 403, "supplier_admin": 403, "supplier_staff": 403, "other_supplier": 403,
           "logistics": 403, "finance": 403}


def _row(statuses: dict, *, obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None) -> dict:
    return {"status": dict(statuses), "object": obj, "writable": set(writable), "body": body or {}, "headers": {}}


ROWS: dict = {
    ("credit-file-list", "GET"): _row(REFUSED | {"operator": 200}),
    ("credit-file-list", "POST"): _row(REFUSED | {"operator": 415}),
    ("credit-file-detail", "GET"): _row(REFUSED | {"operator": 200}, obj="credit_file"),
    ("credit-file-history", "GET"): _row(REFUSED | {"operator": 200}, obj="credit_file"),
    ("credit-file-confirm", "POST"): _row(REFUSED | {"operator": 200}, obj="credit_file", writable={"reason"}, body={"reason": "access matrix"}),
    ("credit-file-cancel", "POST"): _row(REFUSED | {"operator": 200}, obj="credit_file", writable={"reason"}, body={"reason": "access matrix"}),
}


def world_objects(*, users: dict, now, objects: dict, **_) -> dict:
    """A credit file of one row (10 points to the matrix member) uploaded by the matrix operator just now: a preview
    (the API confirms at the time now, and a preview uploaded a day or more before is discarded instead: 409)."""
    from django.utils import timezone

    from points.services import credit_uploads

    content = f"手机号,积分\n{objects['member_phone']},10\n".encode()
    return {"credit_file": credit_uploads.upload_credit_file(actor=users["operator"], now=timezone.now(), file_name="matrix.csv",
                                                             content=content)}
