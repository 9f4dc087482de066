"""Access-matrix rows of settlement: generation runs, statements, adjustments, reconciliations; see tests/access.py for
the format. The helpers are the returns area's (importing tests.access here would be circular).

`world_objects` books an adjustment approved in September 2026 for the matrix's supplier, generates September (so the
supplier has one statement), issues it with the bank account approved a month before, at the wall-clock time (a
dispute is refused once 10 days have passed since issue, by the real clock), uploads a reconciliation file with one
line we never booked, and proposes a second adjustment (by another finance user, so the matrix's finance user may
decide it).

The matrix sends static JSON, so: an upload is 415 for the supplier admins (the upload is multipart); a new
adjustment names a supplier that does not exist (404 for finance); the PDF route names a version that has no PDF
(404 to everyone who may download one, as the matrix cannot read a download; 403 to operators, who read the statement
but not its PDF, which prints the whole bank account number). The 201s and the PDF are in tests/settlement/test_api.py.
"""
from tests.access_rows.returns import AUTHENTICATED, EVERYONE, MISSING, REASON, only, row

SETTLEMENT_READERS = {"supplier_admin", "supplier_staff", "operator", "finance"}
STAFF_READERS = {"operator", "finance"}


def seen(*, obj: str) -> dict:
    return only({role: 200 for role in SETTLEMENT_READERS}, seen_by=SETTLEMENT_READERS, obj=obj)


def statement_action(allowed: dict, *, writable=frozenset({"reason"}), body: dict | None = None) -> dict:
    return only(allowed, seen_by=SETTLEMENT_READERS, obj="statement", writable=writable, body=body or REASON)


ROWS: dict = {
    ("statement-run-list", "GET"): only({"finance": 200}, seen_by=EVERYONE),
    ("statement-run-list", "POST"): only({"finance": 202}, seen_by=EVERYONE, writable={"month"}, body={"month": "2020-01"}),
    ("statement-run-detail", "GET"): only({"finance": 200}, seen_by=EVERYONE, obj="statement_run"),
    ("statement-list", "GET"): row(AUTHENTICATED),
    ("statement-detail", "GET"): seen(obj="statement"),
    ("statement-history", "GET"): seen(obj="statement"),
    ("statement-lines", "GET"): seen(obj="statement"),
    ("statement-pdf", "GET"): only({"operator": 403}, seen_by=set(), obj="statement_without_pdf"),
    # the matrix's statement is issued: its supplier admin confirms or disputes it (200); the rest are 409
    ("statement-issue", "POST"): statement_action({"finance": 409}),
    ("statement-reissue", "POST"): statement_action({"finance": 409}),
    ("statement-confirm", "POST"): statement_action({"supplier_admin": 200}),
    ("statement-dispute", "POST"): statement_action({"supplier_admin": 200}),
    ("statement-invoice", "POST"): statement_action(
        {"supplier_admin": 409}, writable={"invoice_number", "invoice_amount"},
        body={"invoice_number": "99990001", "invoice_amount": "500.00"},
    ),
    # the matrix's statement is not invoiced: a correction of its invoice number is 409
    ("statement-correct-invoice", "POST"): statement_action(
        {"supplier_admin": 409}, writable={"invoice_number", "reason"}, body={"invoice_number": "99990002"},
    ),
    ("statement-approve-payment", "POST"): statement_action({"finance": 409}),
    ("statement-pay", "POST"): statement_action(
        {"finance": 409}, writable={"payment_reference", "payment_date"}, body={"payment_reference": "PAY-MATRIX"}
    ),
    ("statement-record-collection", "POST"): statement_action(
        {"finance": 409}, writable={"collection_reference", "collection_date", "collection_amount"},
        body={"collection_reference": "COL-MATRIX", "collection_amount": "30.00"},
    ),
    ("adjustment-list", "GET"): row(AUTHENTICATED),
    ("adjustment-list", "POST"): only(
        {"finance": 404}, seen_by=EVERYONE,
        writable={"supplier", "kind", "amount", "reason", "source_kind", "source_id", "statement", "reconciliation_lines"},
        body={"supplier": MISSING, "kind": "penalty", "amount": "-100.00", "reason": "access matrix"},
        headers={"HTTP_IDEMPOTENCY_KEY": "matrix-adjustment"},
    ),
    ("adjustment-detail", "GET"): seen(obj="booked_adjustment"),
    ("adjustment-history", "GET"): seen(obj="booked_adjustment"),
    # the matrix's proposed adjustment is another finance user's: the matrix's finance user decides it; suppliers see
    # only approved adjustments, so for them it is not there
    ("adjustment-approve", "POST"): only({"finance": 200}, seen_by=STAFF_READERS, obj="adjustment", writable={"note"}),
    ("adjustment-reject", "POST"): only(
        {"finance": 200}, seen_by=STAFF_READERS, obj="adjustment", writable={"note"}, body={"note": "access matrix"}
    ),
    # only its maker (another finance user) withdraws it: the matrix's finance user is refused
    ("adjustment-withdraw", "POST"): only(
        {"finance": 403}, seen_by=STAFF_READERS, obj="adjustment", writable={"reason"}, body={"reason": "access matrix"}
    ),
    ("reconciliation-list", "GET"): row(AUTHENTICATED),
    ("reconciliation-list", "POST"): only({"supplier_admin": 415, "other_supplier": 415}, seen_by=EVERYONE),
    ("reconciliation-detail", "GET"): seen(obj="reconciliation"),
    ("reconciliation-lines", "GET"): seen(obj="reconciliation"),
    ("reconciliation-line-detail", "GET"): seen(obj="reconciliation_line"),
    ("reconciliation-line-resolutions", "GET"): seen(obj="reconciliation_line"),
    ("reconciliation-line-resolve", "POST"): only(
        {"finance": 200}, seen_by=SETTLEMENT_READERS, obj="reconciliation_line", writable={"resolution", "note"},
        body={"resolution": "write_off", "note": "access matrix"},
    ),
}


def world_objects(*, supplier, users: dict, now, objects: dict, **_) -> dict:
    """An issued September statement of the matrix's supplier, a reconciliation of it, and a proposed adjustment."""
    from datetime import date, datetime, timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from settlement.models import Statement
    from settlement.services import adjustments, generation, reconciliation, statements
    from suppliers.models import BankAccount
    from tests.factories import SHANGHAI, UserFactory

    finance, maker = users["finance"], UserFactory(username="finance_maker", role="finance")
    booked = adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount="500.00", reason="补偿", actor=maker,
                                            now=datetime(2026, 9, 20, 10, tzinfo=SHANGHAI))
    adjustments.approve_adjustment(adjustment=booked, actor=finance, now=datetime(2026, 9, 21, 10, tzinfo=SHANGHAI))
    run = generation.generate_now(month=date(2026, 9, 1), actor=finance, now=now)
    BankAccount.objects.create(supplier=supplier, bank_name="招商银行", account_name=supplier.name,
                               account_number="6225880212345678", approved_at=now - timedelta(days=30))
    issued_at = max(now, timezone.now())  # the supplier may answer until 10 days after it, by the real clock
    statement = statements.issue_statement(statement=Statement.objects.get(supplier=supplier), actor=finance, now=issued_at)
    uploaded = reconciliation.upload_reconciliation(
        statement=statement, file_name="ours.csv", content=b"order_number,sku,kind,quantity,amount\nRO-MATRIX,SKU-M,delivery,1,10.00\n",
        actor=users["supplier_admin"], now=issued_at,
    )
    proposed = adjustments.propose_adjustment(supplier=supplier, kind="penalty", amount="-100.00", reason="迟发", actor=maker, now=now)
    return {
        "statement_run": run, "statement": statement, "statement_without_pdf": SimpleNamespace(pk=statement.pk, number=2),
        "adjustment": proposed, "booked_adjustment": booked, "reconciliation": uploaded, "reconciliation_line": uploaded.lines.get(category="missing_in_ours"),
    }
