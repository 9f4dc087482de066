"""The declared access matrix: for every API route and method, the status each role gets.

Roles: anon, member, other_member, supplier_admin, supplier_staff, other_supplier (admin of another
supplier, calling on the first supplier's object), operator, logistics, finance.
`writable` lists the request fields the route accepts (compared with the OpenAPI schema);
`body` is what the matrix sends. A new route without a row fails tests/test_access_matrix.py.
"""
ROLES = ["anon", "member", "other_member", "supplier_admin", "supplier_staff", "other_supplier", "operator", "logistics", "finance"]
AUTHENTICATED = {role: 200 for role in ROLES if role != "anon"} | {"anon": 401}
REASON = {"reason": "access matrix"}


def row(
    statuses: dict, *, obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None, headers: dict | None = None,
    **overrides,
) -> dict:
    return {"status": statuses | overrides, "object": obj, "writable": set(writable), "body": body or {}, "headers": headers or {}}


def supplier_transition(operator_status: int) -> dict:
    return row(
        {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 403, "supplier_staff": 403, "other_supplier": 404,
         "operator": operator_status, "logistics": 403, "finance": 403},
        obj="supplier", writable={"reason"}, body=REASON,
    )


SUPPLIER_READ = {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 200, "supplier_staff": 200,
                 "other_supplier": 404, "operator": 200, "logistics": 200, "finance": 200}
NOTICE_READ = {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 200, "supplier_staff": 200,
               "other_supplier": 404, "operator": 200, "logistics": 404, "finance": 404}

GIFT_READ = SUPPLIER_READ
GIFT_FIELDS = {"sku", "name", "description", "category", "images", "specification", "warranty_text", "market_price",
               "settlement_price", "fulfilment", "min_tier", "tier_discounts", "points_prices"}
NEW_GIFT = {"sku": "NEW-1", "name": "新礼品", "category": "tea", "market_price": "10.00", "settlement_price": "5.00",
            "points_prices": {"gotone": 100}}


def gift_action(*, supplier: int | None = None, operator: int | None = None, body: dict | None = None, writable=frozenset({"reason"})) -> dict:
    """A gift action: roles it is for get `supplier`/`operator`, others 403; other tenants and members 404."""
    statuses = {"anon": 401, "member": 404, "other_member": 404, "other_supplier": 404, "logistics": 403, "finance": 403,
                "supplier_admin": supplier or 403, "supplier_staff": supplier or 403, "operator": operator or 403}
    return row(statuses, obj="gift", writable=writable, body=body or REASON)


MEMBERS_ONLY = {role: 403 for role in ROLES} | {"anon": 401, "member": 200, "other_member": 200}
OPERATOR_ONLY = {role: 403 for role in ROLES} | {"anon": 401, "operator": 200}
ORDER_READ = {"anon": 401, "member": 200, "other_member": 404, "supplier_admin": 200, "supplier_staff": 200, "other_supplier": 404,
              "operator": 200, "logistics": 200, "finance": 200}


def order_action(*, member: int | None = None, operator: int | None = None, body: dict | None = None, writable=frozenset({"reason"})) -> dict:
    statuses = {"anon": 401, "member": member or 403, "other_member": 404, "supplier_admin": 403, "supplier_staff": 403,
                "other_supplier": 404, "operator": operator or 403, "logistics": 403, "finance": 403}
    return row(statuses, obj="order", writable=writable, body=body or REASON)


MATRIX: dict[tuple[str, str], dict] = {
    ("me", "GET"): row(AUTHENTICATED),
    ("auth-token", "POST"): row({role: 200 for role in ROLES}, writable={"username", "password"},
                                body={"username": "operator", "password": "pass12345"}),
    ("auth-token", "DELETE"): row({role: 204 for role in ROLES} | {"anon": 401}),
    ("supplier-list", "GET"): row(AUTHENTICATED),
    ("supplier-detail", "GET"): row(SUPPLIER_READ, obj="supplier"),
    ("supplier-history", "GET"): row(SUPPLIER_READ, obj="supplier"),
    # the matrix's supplier is active (its gifts are listed): suspend and terminate are allowed, the rest are 409
    ("supplier-start-review", "POST"): supplier_transition(409),
    ("supplier-approve", "POST"): supplier_transition(409),
    ("supplier-reject", "POST"): supplier_transition(409),
    ("supplier-suspend", "POST"): supplier_transition(200),
    ("supplier-reactivate", "POST"): supplier_transition(409),
    ("supplier-terminate", "POST"): supplier_transition(200),
    ("supplier-application-list", "POST"): row(
        {role: 201 for role in ROLES},
        writable={"name", "credit_code", "contact_name", "contact_phone", "contact_email", "address", "username", "password",
                  "licence_file", "licence_issued_on", "licence_expires_on"},
        body={"name": "新申请礼品商有限公司", "credit_code": "91350100M000100Y43", "contact_name": "王", "contact_phone": "13911112222",
              "username": "applicant", "password": "tea-garden-2026"},
    ),
    ("gift-list", "GET"): row(AUTHENTICATED),
    ("gift-detail", "GET"): row(GIFT_READ, obj="gift"),
    ("gift-image", "GET"): row(GIFT_READ, obj="gift"),
    # multipart only: the matrix posts JSON, so a supplier of the gift gets 415 (the 200/202/400 are in test_gift_images)
    ("gift-upload-images", "POST"): row({"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 415, "supplier_staff": 415,
                                         "other_supplier": 404, "operator": 403, "logistics": 403, "finance": 403}, obj="gift"),
    ("gift-history", "GET"): row(GIFT_READ, obj="gift"),
    # the matrix's gift is submitted: approve and reject are allowed, the rest are 409
    ("gift-submit", "POST"): gift_action(supplier=409),
    ("gift-rework", "POST"): gift_action(supplier=409),
    ("gift-request-relisting", "POST"): gift_action(supplier=409),
    ("gift-approve", "POST"): gift_action(operator=200),
    ("gift-reject", "POST"): gift_action(operator=200),
    ("gift-publish", "POST"): gift_action(operator=409),
    ("gift-delist", "POST"): gift_action(supplier=409, operator=409, body={"reason_code": "supplier_request", "reason": "礼品商申请"},
                                         writable={"reason_code", "reason"}),
    ("gift-start-clearance", "POST"): gift_action(operator=409, body={"points_price": 100, "settlement_price": "10.00"},
                                                  writable={"points_price", "settlement_price", "reason"}),
    ("gift-retire", "POST"): gift_action(operator=409),
    # the matrix's gift ships from a warehouse: only a dropship gift's own stock is counted (and kept safe) by its supplier
    ("gift-stock-count", "POST"): gift_action(supplier=400, body={"available": 3, "reason": "盘点"}, writable={"available", "reason", "counted_from"}),
    ("gift-own-safety-stock", "POST"): gift_action(supplier=400, body={"safety_stock": 3}, writable={"safety_stock"}),
    ("gift-list", "POST"): row(
        {"anon": 401, "member": 403, "other_member": 403, "supplier_admin": 201, "supplier_staff": 201, "other_supplier": 201,
         "operator": 403, "logistics": 403, "finance": 403},
        writable=GIFT_FIELDS, body=NEW_GIFT,
    ),
    ("gift-detail", "PATCH"): gift_action(supplier=409, body={"name": "改名"}, writable=GIFT_FIELDS),
    ("gift-schedule", "POST"): gift_action(operator=409, body={"publish_at": "2030-01-01T00:00:00+08:00"}, writable={"publish_at"}),
    ("gift-cancel-schedule", "POST"): gift_action(operator=409),  # the matrix's gift is submitted, with no time to go online
    ("gift-revision-list", "GET"): row(AUTHENTICATED),
    ("gift-revision-detail", "GET"): row(SUPPLIER_READ, obj="revision"),
    ("gift-revision-history", "GET"): row(SUPPLIER_READ, obj="revision"),
    ("gift-revision-approve", "POST"): gift_action(operator=200) | {"object": "revision"},
    ("gift-revision-reject", "POST"): gift_action(operator=200) | {"object": "revision"},
    ("gift-revision-withdraw", "POST"): gift_action(supplier=200) | {"object": "revision"},
    ("category-list", "GET"): row(AUTHENTICATED),
    ("category-detail", "GET"): row(AUTHENTICATED, obj="category"),
    # everyone reads the categories, so anyone else who tries to write one is refused (403), not kept in the dark (404)
    ("category-list", "POST"): row({role: 403 for role in ROLES} | {"anon": 401, "operator": 201},
                                   writable={"code", "name", "name_en", "required_certificates"},
                                   body={"code": "matrix", "name": "矩阵类别", "required_certificates": ["3C"]}),
    ("category-detail", "PATCH"): row({role: 403 for role in ROLES} | {"anon": 401, "operator": 200}, obj="category",
                                      writable={"code", "name", "name_en", "required_certificates"}, body={"name_en": "Tea"}),
    ("location-list", "GET"): row(AUTHENTICATED),
    ("location-detail", "GET"): row(AUTHENTICATED | {"member": 404, "other_member": 404}, obj="warehouse"),
    ("stock-list", "GET"): row(AUTHENTICATED),
    ("stock-detail", "GET"): row(SUPPLIER_READ, obj="stock"),
    ("stock-safety-stock", "POST"): row(
        {"anon": 401, "member": 404, "other_member": 404, "supplier_admin": 403, "supplier_staff": 403, "other_supplier": 404,
         "operator": 200, "logistics": 200, "finance": 403},
        obj="stock", writable={"safety_stock"}, body={"safety_stock": 3},
    ),
    # who set a safety stock level when: staff and the gift's supplier (another's gifts' are left out), not members
    ("safety-stock-change-list", "GET"): row(AUTHENTICATED | {"member": 403, "other_member": 403}),
    ("stock-movement-list", "GET"): row(AUTHENTICATED),
    ("stock-movement-detail", "GET"): row(SUPPLIER_READ, obj="movement"),
    ("replenishment-request-list", "GET"): row(AUTHENTICATED),
    ("replenishment-request-detail", "GET"): row(SUPPLIER_READ, obj="replenishment"),
    ("replenishment-request-history", "GET"): row(SUPPLIER_READ, obj="replenishment"),
    ("catalog-list", "GET"): row(MEMBERS_ONLY),
    ("catalog-detail", "GET"): row(MEMBERS_ONLY, obj="listed"),
    ("catalog-image", "GET"): row(MEMBERS_ONLY, obj="listed"),
    ("order-list", "GET"): row(AUTHENTICATED),
    ("order-list", "POST"): row(
        {role: 403 for role in ROLES} | {"anon": 401, "member": 201, "other_member": 201},
        writable={"gift", "quantity", "recipient_name", "recipient_phone", "address"},
        body={"gift": "{listed}", "quantity": 1, "recipient_name": "刘洋", "recipient_phone": "13800138000", "address": "杭州市文三路100号"},
        headers={"HTTP_IDEMPOTENCY_KEY": "matrix-1"},
    ),
    ("order-detail", "GET"): row(ORDER_READ, obj="order"),
    ("order-history", "GET"): row(ORDER_READ, obj="order"),
    # the matrix's order is confirmed: members and operators may cancel it; the other transitions are 409
    ("order-confirm", "POST"): order_action(member=409, body={"code": "123456"}, writable={"code"}),
    ("order-cancel", "POST"): order_action(member=200, operator=200),
    ("order-cancel-before-picking", "POST"): order_action(operator=409),
    ("order-redeliver", "POST"): order_action(operator=409, writable={"reason", "recipient_name", "recipient_phone", "address"}),
    ("order-give-up", "POST"): order_action(operator=409),
    ("order-resend-code", "POST"): order_action(member=409, writable=frozenset()),
    ("ledger-entry-list", "GET"): row(AUTHENTICATED),
    ("ledger-entry-detail", "GET"): row(
        {"anon": 401, "member": 200, "other_member": 404, "supplier_admin": 404, "supplier_staff": 404, "other_supplier": 404,
         "operator": 200, "logistics": 404, "finance": 404},
        obj="entry",
    ),
    ("points-balance", "GET"): row(MEMBERS_ONLY),
    ("member-list", "GET"): row(OPERATOR_ONLY),
    ("member-detail", "GET"): row(OPERATOR_ONLY, obj="member"),
    ("member-correct-points", "POST"): row(
        OPERATOR_ONLY | {"operator": 201}, obj="member", writable={"points", "reason_code", "note"},
        body={"points": 100, "reason_code": "goodwill", "note": "配送延误补偿"}, headers={"HTTP_IDEMPOTENCY_KEY": "matrix-correction"},
    ),
    ("points-credits", "POST"): row(
        {role: 403 for role in ROLES} | {"anon": 401, "operator": 201}, writable={"batch", "rows"},
        body={"batch": "MATRIX-CREDIT", "rows": [{"phone": "{member_phone}", "points": 10}]},
    ),
    ("member-profile", "GET"): row(MEMBERS_ONLY),
    ("member-profile", "PATCH"): row(MEMBERS_ONLY, writable={"reminders_opt_out"}, body={"reminders_opt_out": True}),
    ("notice-list", "GET"): row(AUTHENTICATED),
    ("notice-detail", "GET"): row(NOTICE_READ, obj="notice"),
    ("notice-mark-read", "POST"): row(NOTICE_READ | {"operator": 403}, obj="notice"),
}


def _merge_area_rows() -> None:
    from tests.access_rows import EXTRA_ROWS

    overlap = set(MATRIX) & set(EXTRA_ROWS)
    assert not overlap, f"routes declared twice: {overlap}"
    MATRIX.update(EXTRA_ROWS)


_merge_area_rows()
