"""Access-matrix rows of a warehouse stock count (SPEC §4.3); see tests/access.py for the format. The matrix's `stock`
is 5 units of the supplier's gift at a warehouse, none reserved."""
from tests.access_rows.returns import row

ROWS: dict = {
    # logistics counts; operators and the gift's supplier read the stock (403); another supplier does not see it (404)
    ("stock-count", "POST"): row(
        {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 403, "supplier_staff": 403, "other_supplier": 404,
         "operator": 403, "logistics": 200, "finance": 403},
        obj="stock", writable={"on_hand", "reason", "liable", "counted_from"}, body={"on_hand": 4, "reason": "盘点", "liable": "logistics"},
    ),
}
