"""Access-matrix rows of supplier paperwork (contracts, qualifications, profile changes, bank accounts);
see tests/access.py for the format. The helpers are local: importing tests.access here would be circular.

The rows act on objects that `world_objects` creates; the matrix's `world` fixture adds them with
`objects |= profile.world_objects(supplier=supplier, users=users, now=now)`.
"""
ROLES = [
    "anon", "member", "other_member", "supplier_admin", "supplier_staff", "other_supplier", "operator", "logistics", "finance"
]
AUTHENTICATED = {role: 200 for role in ROLES if role != "anon"} | {"anon": 401}
NOT_THEIRS = {"anon": 401, "member": 404, "other_member": 404, "other_supplier": 404}
REASON = {"reason": "access matrix"}


def row(statuses: dict, *, obj: str | None = None, writable: set[str] = frozenset(), body: dict | None = None) -> dict:
    return {"status": dict(statuses), "object": obj, "writable": set(writable), "body": body or {}, "headers": {}}


def read(obj: str, *, staff: set[str]) -> dict:
    """Supplier users read their own; `staff` read all; everyone else is told it does not exist."""
    others = {"operator", "logistics", "finance"} - staff
    statuses = NOT_THEIRS | {"supplier_admin": 200, "supplier_staff": 200} | {r: 200 for r in staff} | {r: 404 for r in others}
    return row(statuses, obj=obj)


def decide(obj: str, *, seen_by: set[str]) -> dict:
    """An operator's decision on a pending object; roles that can see it but may not decide get 403."""
    others = {"logistics", "finance"}
    statuses = NOT_THEIRS | {"supplier_admin": 403, "supplier_staff": 403, "operator": 200}
    return row(statuses | {r: 403 if r in seen_by else 404 for r in others}, obj=obj, writable={"reason"}, body=REASON)


def create(statuses: dict, *, writable: set[str], body: dict) -> dict:
    forbidden = {role: 403 for role in ROLES if role != "anon"} | {"anon": 401}
    return row(forbidden | statuses, writable=writable, body=body)


CONTRACT_FIELDS = {"supplier", "number", "start_date", "end_date", "programs", "payment_days", "deposit_amount", "file"}
NEW_CONTRACT = {"number": "HT-MATRIX-1", "start_date": "2027-01-01", "end_date": "2028-01-01", "programs": ["gotone"],
                "payment_days": 30, "deposit_amount": "1000.00"}
QUALIFICATION_FIELDS = {"kind", "certificate_type", "number", "issued_on", "expires_on", "file"}
CHANGE_FIELDS = {"field", "bank_name", "account_name", "account_number", "legal_name", "credit_code", "contact_name", "contact_phone", "contact_email", "address",
                 "sms_notices", "evidence"}
REVIEWERS = {"operator", "finance"}  # the logistics provider sees no contract, licence or profile change

ROWS: dict = {
    ("contract-list", "GET"): row(AUTHENTICATED),
    # the body names no supplier: a supplier admin proposes for its own, an operator must choose one (400)
    ("contract-list", "POST"): create({"supplier_admin": 201, "other_supplier": 201, "operator": 400}, writable=CONTRACT_FIELDS,
                                      body=NEW_CONTRACT),
    ("contract-detail", "GET"): read("contract", staff=REVIEWERS),
    ("contract-history", "GET"): read("contract", staff=REVIEWERS),
    ("contract-file", "GET"): read("contract", staff=REVIEWERS),
    ("contract-approve", "POST"): decide("contract", seen_by=REVIEWERS),
    ("contract-reject", "POST"): decide("contract", seen_by=REVIEWERS),
    ("qualification-list", "GET"): row(AUTHENTICATED),
    # a JSON body carries no file: supplier users get 400 (file), every other role 403
    ("qualification-list", "POST"): create(
        {"supplier_admin": 400, "supplier_staff": 400, "other_supplier": 400}, writable=QUALIFICATION_FIELDS,
        body={"kind": "business_licence", "number": "LIC-MATRIX", "issued_on": "2026-01-01", "expires_on": "2030-01-01"},
    ),
    ("qualification-detail", "GET"): read("qualification", staff=REVIEWERS),
    ("qualification-history", "GET"): read("qualification", staff=REVIEWERS),
    ("qualification-file", "GET"): read("qualification", staff=REVIEWERS),
    ("qualification-approve", "POST"): decide("pending_qualification", seen_by=REVIEWERS),
    ("qualification-reject", "POST"): decide("pending_qualification", seen_by=REVIEWERS),
    ("profile-change-list", "GET"): row(AUTHENTICATED),
    # a JSON body carries no file, and a reviewed change needs its evidence: the matrix asks for one needing none
    ("profile-change-list", "POST"): create({"supplier_admin": 201, "other_supplier": 201}, writable=CHANGE_FIELDS,
                                            body={"field": "address", "address": "浙江省杭州市矩阵路 1 号"}),
    ("profile-change-detail", "GET"): read("profile_change", staff=REVIEWERS),
    ("profile-change-history", "GET"): read("profile_change", staff=REVIEWERS),
    # the evidence (a bank proof, a licence) is the supplier admin's business, not its staff's
    ("profile-change-evidence", "GET"): row(read("profile_change", staff=REVIEWERS)["status"] | {"supplier_staff": 404}, obj="profile_change"),
    ("profile-change-approve", "POST"): decide("profile_change", seen_by=REVIEWERS),
    ("profile-change-reject", "POST"): decide("profile_change", seen_by=REVIEWERS),
    # only whoever may request a change (the supplier's admin) takes it back
    ("profile-change-withdraw", "POST"): row(
        NOT_THEIRS | {"supplier_admin": 200, "supplier_staff": 403, "operator": 403, "finance": 403, "logistics": 404},
        obj="profile_change", writable={"reason"}, body=REASON,
    ),
    ("bank-account-list", "GET"): row(AUTHENTICATED),
}


def world_objects(*, supplier, users: dict, now, **_) -> dict:
    """A pending contract with its file, the supplier's licence and its renewal waiting for review, a pending legal-name
    change with its new licence and an approved bank account."""
    from django.core.files.base import ContentFile

    from suppliers.services import profile, qualifications
    from tests.factories import ContractFactory
    from tests.suppliers.profile_factories import BankAccountFactory

    BankAccountFactory(supplier=supplier)
    change = profile.request_profile_change(
        supplier=supplier, actor=users["supplier_admin"], now=now, field="legal_name", legal_name="矩阵测试更名有限公司",
        evidence=ContentFile(b"%PDF-1.4 new licence", name="licence.pdf"),
    )
    pending_contract = ContractFactory(supplier=supplier)
    pending_contract.file.save("contract.pdf", ContentFile(b"%PDF-1.4 contract"))
    licence = supplier.qualifications.get()
    renewal = qualifications.upload_qualification(
        supplier=supplier, actor=users["supplier_staff"], now=now, kind="business_licence", number=supplier.credit_code,
        issued_on=now.date(), expires_on=now.date().replace(year=now.year + 5),
        file=ContentFile(b"%PDF-1.4 renewal", name="licence.pdf"),
    )
    return {"contract": pending_contract, "qualification": licence, "pending_qualification": renewal, "profile_change": change}
