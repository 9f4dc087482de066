"""Access-matrix rows of catalog import and export; see tests/access.py for the format.

The matrix sends JSON, so an allowed role's import is 415 (the upload is multipart, and the schema has no JSON
body, hence no writable fields) and an allowed role's export asks for an unknown format and gets 400: both show
the role got past the check without a file download, which the matrix's field snapshot cannot read. The 200s
are in tests/suppliers/test_api_catalog_io.py.
"""


def _statuses(*, supplier_users: int, operator: int) -> dict:
    return {"anon": 401, "member": 403, "other_member": 403, "supplier_admin": supplier_users, "supplier_staff": supplier_users,
            "other_supplier": supplier_users, "operator": operator, "logistics": 403, "finance": 403}


def _row(statuses: dict, *, body: dict) -> dict:
    return {"status": statuses, "object": None, "writable": set(), "body": body, "headers": {}}


ROWS: dict = {
    ("gift-import", "POST"): _row(_statuses(supplier_users=415, operator=403), body={}),
    ("gift-export", "GET"): _row(_statuses(supplier_users=400, operator=400), body={"file_format": "pdf"}),
}
