"""The settlement API: generation runs, statements and their workflow, adjustments, reconciliations. Who may do what,
bad input named by field with nothing changed, another supplier's rows a 404, and lists of a constant number of queries."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.fsm import history_of
from core.models import TransitionLog
from settlement.models import (
    Adjustment, Assessment, GenerationRun, Kpi, KpiSetting, PenaltyProposal, PenaltyRule, Reconciliation, Section, SourceKind, Statement, StatementLine,
)
from settlement.services import adjustments, generation, reconciliation, statements
from suppliers.models import BankAccount
from tests.factories import FIXED_NOW, SHANGHAI, SupplierUserFactory
from tests.helpers import assert_list_queries_constant, fresh_key
from tests.portal import listed

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)
CSV_HEADER = b"order_number,sku,kind,quantity,amount\n"


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """The API reads the clock: hold it at the fixed `now` (15 October 2026, so September has ended)."""
    time_machine.move_to(FIXED_NOW, tick=False)


def settled_september(supplier, *, maker, checker, now, amount: str = "500.00") -> Statement:
    """The supplier's draft September statement (payable `amount` + 180.00): one approved adjustment and one delivery
    line, and a usable bank account."""
    booked = adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount=amount, reason="补偿", actor=maker,
                                            now=datetime(2026, 9, 20, 10, tzinfo=SHANGHAI))
    adjustments.approve_adjustment(adjustment=booked, actor=checker, now=datetime(2026, 9, 21, 10, tzinfo=SHANGHAI))
    generation.generate_now(month=SEPTEMBER, actor=maker, now=now)
    BankAccount.objects.create(supplier=supplier, bank_name="招商银行", account_name=supplier.name,
                               account_number="6225880212345678", approved_at=now - timedelta(days=30))
    statement = Statement.objects.get(supplier=supplier, month=SEPTEMBER)
    StatementLine.objects.create(statement=statement, section=Section.DELIVERY, source_kind=SourceKind.ORDER, source_id=supplier.pk,
                                 order_number="RO-1", sku="SKU-1", quantity=1, amount=Decimal("180.00"),
                                 recorded_at=datetime(2026, 9, 10, tzinfo=SHANGHAI), contact="138****1234")
    generation.generate_now(month=SEPTEMBER, actor=maker, now=now)  # a re-run recomputes the draft's totals
    statement.refresh_from_db()
    return statement


@pytest.fixture
def draft(supplier, finance, finance_checker, now):
    return settled_september(supplier, maker=finance, checker=finance_checker, now=now)


@pytest.fixture
def issued(draft, finance, now):
    return statements.issue_statement(statement=draft, actor=finance, now=now)


@pytest.fixture
def confirmed(issued, supplier_admin, now):
    return statements.confirm_statement(statement=issued, actor=supplier_admin, now=now)


@pytest.fixture
def others_statement(other_supplier, finance, finance_checker, now):
    return settled_september(other_supplier, maker=finance, checker=finance_checker, now=now, amount="80.00")


def errors(response) -> list[tuple[str, str]]:
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def statement_url(statement, action: str = "") -> str:
    return f"/api/v1/statements/{statement.pk}/" + (f"{action}/" if action else "")


# --- generation runs -----------------------------------------------------------------------------------------------

def test_finance_starts_a_generation_and_follows_its_progress(api, supplier, finance, finance_checker, now,
                                                             django_capture_on_commit_callbacks):
    booked = adjustments.propose_adjustment(supplier=supplier, kind="other", amount="12.30", reason="x", actor=finance,
                                            now=datetime(2026, 9, 2, tzinfo=SHANGHAI))
    adjustments.approve_adjustment(adjustment=booked, actor=finance_checker, now=datetime(2026, 9, 3, tzinfo=SHANGHAI))

    with django_capture_on_commit_callbacks(execute=True):
        response = api(finance).post("/api/v1/statement-runs/", {"month": "2026-09"})

    assert response.status_code == 202, response.content
    assert (response.json()["month"], response.json()["status"]) == ("2026-09", "running")
    run = api(finance).get(f"/api/v1/statement-runs/{response.json()['id']}/").json()
    assert (run["status"], run["statements_created"], run["percent"], run["started_by"]) == ("finished", 1, 100, "finance")
    assert Statement.objects.get(supplier=supplier).payable == Decimal("12.30")


def test_a_run_no_worker_has_claimed_yet_shows_no_progress(api, supplier, finance, queued_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = api(finance).post("/api/v1/statement-runs/", {"month": "2026-09"}).json()

    run = api(finance).get(f"/api/v1/statement-runs/{started['id']}/").json()
    assert queued_tasks == [("settlement.tasks.generate_statements", {"run_id": started["id"]})]
    assert (run["status"], run["suppliers_total"], run["suppliers_done"], run["percent"]) == ("running", 0, 0, 0)


@pytest.mark.parametrize("written", ["2026-9", "２０２６-０９", "2026年9月", "202609"])
def test_a_run_is_started_for_a_month_written_any_usual_way(api, finance, queued_tasks, django_capture_on_commit_callbacks, written):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(finance).post("/api/v1/statement-runs/", {"month": written})

    assert response.status_code == 202 and response.json()["month"] == "2026-09"


@pytest.mark.parametrize(("month", "code"), [
    ("2026-13", "invalid"), ("2026-10", "invalid"), ("", "invalid"), ("9999-12", "invalid"), ("0001-01", "invalid"), ("0000-01", "invalid"), ("2026-009", "invalid"),
    ("２０２６-１３", "invalid"), ("２０２６年１０月", "invalid"),
])
def test_a_bad_or_unfinished_month_is_400_naming_it_and_starts_nothing(api, finance, month, code):
    response = api(finance).post("/api/v1/statement-runs/", {"month": month})

    assert response.status_code == 400
    assert errors(response) == [("month", code)]
    assert not GenerationRun.objects.exists()


@pytest.mark.parametrize("role", ["operator", "supplier_admin", "logistics", "member"])
def test_only_finance_generates_or_reads_runs(api, role, request):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)

    assert api(user).post("/api/v1/statement-runs/", {"month": "2026-09"}).status_code == 403
    assert api(user).get("/api/v1/statement-runs/").status_code == 403
    assert not GenerationRun.objects.exists()


# --- statements: reading -------------------------------------------------------------------------------------------

def test_finance_lists_every_statement_and_filters_them(api, draft, others_statement, finance):
    everything = api(finance).get("/api/v1/statements/").json()
    of_one = api(finance).get(f"/api/v1/statements/?supplier={draft.supplier_id}&month=2026-09&state=draft").json()
    of_none = api(finance).get("/api/v1/statements/?month=2026-08").json()

    assert everything["count"] == 2
    assert [row["id"] for row in of_one["results"]] == [draft.pk]
    assert of_one["results"][0]["payable"] == "680.00" and of_one["results"][0]["month"] == "2026-09"
    assert of_none["count"] == 0


def test_a_bad_month_filter_is_400(api, finance):
    response = api(finance).get("/api/v1/statements/?month=September")

    assert response.status_code == 400
    assert errors(response) == [("month", "invalid")]


def test_a_supplier_sees_only_its_own_statements(api, issued, others_statement, supplier_staff, other_supplier_admin):
    mine = api(supplier_staff).get("/api/v1/statements/").json()

    assert [row["id"] for row in mine["results"]] == [issued.pk]
    assert api(supplier_staff).get(statement_url(others_statement)).status_code == 404
    assert api(other_supplier_admin).get(statement_url(issued)).status_code == 404


def test_a_supplier_sees_its_statement_once_issued_not_while_finance_drafts_it(api, draft, finance, supplier_admin):
    from tests.portal import logged_in
    from tests.settlement.conftest import GENERATED_AT

    listed_while_draft = api(supplier_admin).get("/api/v1/statements/").json()["results"]
    while_draft = (api(supplier_admin).get(statement_url(draft)).status_code,
                   logged_in(supplier_admin).get(f"/settlement/statements/{draft.pk}/").status_code)
    statements.issue_statement(statement=draft, actor=finance, now=GENERATED_AT.replace(hour=10))

    assert listed_while_draft == [] and while_draft == (404, 404)
    assert api(supplier_admin).get(statement_url(draft)).status_code == 200


@pytest.mark.parametrize("role", ["member", "logistics"])
def test_members_and_logistics_see_no_statement(api, draft, role, request):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)

    assert api(user).get("/api/v1/statements/").json()["count"] == 0
    assert api(user).get(statement_url(draft)).status_code == 404


def test_the_detail_shows_each_version_with_its_totals_and_the_account_it_pays(api, issued, supplier_admin, finance, operator):
    body = api(supplier_admin).get(statement_url(issued)).json()

    assert (body["state"], body["version"], body["payable"]) == ("issued", 1, "680.00")
    [version] = body["versions"]
    assert (version["number"], version["adjustments"], version["deliveries"], version["payable"]) == (1, "500.00", "180.00", "680.00")
    assert version["has_pdf"] and len(version["pdf_sha256"]) == 64
    assert version["account_number"] == "6225880212345678"
    assert api(finance).get(statement_url(issued)).json()["versions"][0]["account_number"] == "6225880212345678"
    assert api(operator).get(statement_url(issued)).json()["versions"][0]["account_number"].endswith("5678")
    assert api(operator).get(statement_url(issued)).json()["versions"][0]["account_number"] != "6225880212345678"


def test_the_lines_of_a_version_are_paginated_and_filtered_by_section(api, issued, supplier_staff, other_supplier_admin):
    every = api(supplier_staff).get(statement_url(issued, "lines") + "?version=1&page_size=1").json()
    deliveries = api(supplier_staff).get(statement_url(issued, "lines") + "?section=delivery").json()

    assert every["count"] == 2 and len(every["results"]) == 1
    assert [(row["order_number"], row["amount"], row["contact"]) for row in deliveries["results"]] == [("RO-1", "180.00", "138****1234")]
    assert api(supplier_staff).get(statement_url(issued, "lines") + "?version=2").status_code == 404
    assert api(supplier_staff).get(statement_url(issued, "lines") + "?section=nope").status_code == 400
    assert api(other_supplier_admin).get(statement_url(issued, "lines")).status_code == 404


def test_the_stored_pdf_of_a_version_is_downloaded_by_its_readers_only(api, issued, supplier_admin, finance, other_supplier_admin,
                                                                     logistics, operator):
    url = statement_url(issued, "versions/1/pdf")

    response = api(supplier_admin).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert api(finance).get(url).status_code == 200
    assert api(other_supplier_admin).get(url).status_code == 404
    assert api(logistics).get(url).status_code == 404
    assert api(operator).get(url).status_code == 403  # the PDF prints the whole bank account number
    assert api(finance).get(statement_url(issued, "versions/2/pdf")).status_code == 404


def test_a_draft_has_no_pdf_yet(api, draft, finance):
    assert api(finance).get(statement_url(draft, "versions/1/pdf")).status_code == 404


def test_the_statement_list_runs_a_constant_number_of_queries(api, finance, now):
    from tests.factories import SupplierFactory

    def make_rows(n: int) -> None:
        for _ in range(n):
            Statement.objects.create(supplier=SupplierFactory(), month=SEPTEMBER, generated_at=now)

    assert_list_queries_constant(api(finance), "/api/v1/statements/", make_rows)


def test_the_adjustment_list_runs_a_constant_number_of_queries(api, supplier, finance, finance_checker, now):
    """Each row names its maker, its checker and the statement that booked it, without a query per row."""
    def make_rows(n: int) -> None:
        for _ in range(n):
            made = adjustments.propose_adjustment(supplier=supplier, kind="compensation", amount="10.00", reason="补偿",
                                                  actor=finance, now=now)
            adjustments.approve_adjustment(adjustment=made, actor=finance_checker, now=now)

    assert_list_queries_constant(api(finance), "/api/v1/adjustments/", make_rows)


# --- statements: the workflow --------------------------------------------------------------------------------------

def test_finance_issues_a_draft_and_the_history_says_who_and_when(api, draft, finance, supplier_admin):
    response = api(finance).post(statement_url(draft, "issue"), {"reason": "九月账单"})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "issued"
    history = api(supplier_admin).get(statement_url(draft, "history")).json()
    assert [(h["transition"], h["actor"], h["reason"]) for h in history] == [("generate", "财务人员", ""), ("issue", "财务人员", "九月账单")]  # staff by role
    assert api(finance).get(statement_url(draft, "history")).json()[1]["actor"] == "finance"


@pytest.mark.parametrize("role", ["operator", "supplier_admin", "logistics"])
def test_only_finance_issues(api, draft, role, request):
    response = api(request.getfixturevalue(role)).post(statement_url(draft, "issue"))

    assert response.status_code == (403 if role == "operator" else 404)  # a supplier does not see a draft at all
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_another_supplier_cannot_act_on_a_statement_it_cannot_see(api, issued, other_supplier_admin):
    response = api(other_supplier_admin).post(statement_url(issued, "confirm"))

    assert response.status_code == 404
    issued.refresh_from_db()
    assert issued.state == "issued"


def test_the_supplier_admin_confirms_and_enters_its_invoice_then_finance_approves_and_pays(api, issued, supplier_admin, finance,
                                                                                           finance_checker):
    assert api(supplier_admin).post(statement_url(issued, "confirm")).json()["state"] == "confirmed"

    invoiced = api(supplier_admin).post(statement_url(issued, "invoice"), {"invoice_number": "00123456", "invoice_amount": "680.00"})
    own_issue = api(finance).post(statement_url(issued, "approve-payment"))
    approved = api(finance_checker).post(statement_url(issued, "approve-payment"))
    own_approval = api(finance_checker).post(statement_url(issued, "pay"), {"payment_reference": "CMB-1", "payment_date": "2026-10-15"})
    assert (own_issue.status_code, own_approval.status_code) == (403, 403)
    paid = api(finance).post(statement_url(issued, "pay"), {"payment_reference": "CMB-1", "payment_date": "2026-10-15"})

    assert invoiced.status_code == approved.status_code == paid.status_code == 200, paid.content
    body = paid.json()
    assert (body["state"], body["invoice_number"], body["invoice_amount"]) == ("paid", "00123456", "680.00")
    assert (body["payment_reference"], body["payment_date"]) == ("CMB-1", "2026-10-15")


def test_a_payment_approval_sent_with_the_history_read_before_the_invoice_number_was_corrected_is_409_naming_the_change(
    api, confirmed, supplier_admin, finance_checker,
):
    api(supplier_admin).post(statement_url(confirmed, "invoice"), {"invoice_number": "00123456", "invoice_amount": "680.00"})
    seen = api(finance_checker).get(statement_url(confirmed, "history")).json()[-1]["id"]
    api(supplier_admin).post(statement_url(confirmed, "correct-invoice"), {"invoice_number": "00123457"})

    stale = api(finance_checker).post(statement_url(confirmed, "approve-payment"), {"seen": seen}, format="json")
    latest = api(finance_checker).get(statement_url(confirmed, "history")).json()[-1]["id"]
    fresh = api(finance_checker).post(statement_url(confirmed, "approve-payment"), {"seen": latest}, format="json")

    assert stale.status_code == 409 and errors(stale) == [(None, "changed_since_seen")]
    assert "更正发票号码" in stale.json()["errors"][0]["detail"]
    assert fresh.status_code == 200 and fresh.json()["state"] == "approved"


@pytest.mark.parametrize("seen", ["abc", {"id": 1}, [1], -1, "-1", "1.5", True, 10**20],
                         ids=["text", "object", "list", "negative", "negative-text", "decimal", "true", "beyond-any-id"])
def test_a_payment_approval_whose_seen_is_not_a_history_id_is_400_naming_seen_and_approves_nothing(
    api, confirmed, supplier_admin, finance_checker, seen
):
    api(supplier_admin).post(statement_url(confirmed, "invoice"), {"invoice_number": "00123456", "invoice_amount": "680.00"})

    refused = api(finance_checker).post(statement_url(confirmed, "approve-payment"), {"seen": seen}, format="json")

    assert refused.status_code == 400 and errors(refused) == [("seen", "invalid")]
    assert api(finance_checker).get(statement_url(confirmed)).json()["state"] == "invoiced"


def test_a_payment_approval_whose_seen_is_a_history_id_of_another_object_is_400_naming_seen(
    api, confirmed, supplier_admin, finance_checker
):
    api(supplier_admin).post(statement_url(confirmed, "invoice"), {"invoice_number": "00123456", "invoice_amount": "680.00"})
    own = set(history_of(confirmed).values_list("pk", flat=True))
    others = TransitionLog.objects.exclude(pk__in=own).filter(pk__lt=max(own)).values_list("pk", flat=True)

    refused = [api(finance_checker).post(statement_url(confirmed, "approve-payment"), {"seen": seen}, format="json")
               for seen in (others.first(), max(own) + 1)]

    assert [(response.status_code, errors(response)) for response in refused] == [(400, [("seen", "invalid")])] * 2
    assert api(finance_checker).get(statement_url(confirmed)).json()["state"] == "invoiced"


def test_a_payment_approval_with_a_blank_seen_is_judged_by_the_state_alone(api, confirmed, supplier_admin, finance_checker):
    api(supplier_admin).post(statement_url(confirmed, "invoice"), {"invoice_number": "00123456", "invoice_amount": "680.00"})

    approved = api(finance_checker).post(statement_url(confirmed, "approve-payment"), {"seen": " "}, format="json")

    assert approved.status_code == 200 and approved.json()["state"] == "approved"


def test_an_issued_statement_says_by_when_it_is_deemed_confirmed_and_a_confirmed_one_does_not(api, issued, supplier_admin):
    deadline = datetime.fromisoformat(api(supplier_admin).get(statement_url(issued)).json()["respond_by"])
    confirmed = api(supplier_admin).post(statement_url(issued, "confirm")).json()

    assert deadline == issued.issued_at + timedelta(days=10) and confirmed["respond_by"] is None


def test_once_the_time_to_answer_is_over_a_late_upload_leaves_respond_by_and_a_dispute_is_409_deemed_confirmed(
        api, issued, supplier_admin, time_machine):
    deadline = issued.issued_at + timedelta(days=10)
    time_machine.move_to(deadline + timedelta(hours=1), tick=False)

    uploaded = upload(api, supplier_admin, issued, CSV_HEADER + b"RO-1,SKU-1,delivery,1,180.00\n")
    disputed = api(supplier_admin).post(statement_url(issued, "dispute"), {"reason": "少算一单"})
    shown = api(supplier_admin).get(statement_url(issued)).json()

    assert uploaded.status_code == 201, uploaded.content
    assert disputed.status_code == 409
    assert [(e["code"], e["attr"]) for e in disputed.json()["errors"]] == [("deemed_confirmed", "respond_by")]
    assert (shown["state"], datetime.fromisoformat(shown["respond_by"])) == ("issued", deadline)


def test_finance_lists_the_receivables_and_records_a_collection(api, receivable, finance, supplier_admin):
    listed = api(finance).get("/api/v1/statements/?receivable=true").json()
    refused = api(supplier_admin).post(statement_url(receivable, "record-collection"), {"collection_reference": "X"})
    no_reference = api(finance).post(statement_url(receivable, "record-collection"), {"collection_reference": "", "collection_amount": "30.00"})
    collected = api(finance).post(statement_url(receivable, "record-collection"), {"collection_reference": "CMB-IN-1", "collection_amount": "30.00"})

    assert [row["id"] for row in listed["results"]] == [receivable.pk]
    assert (refused.status_code, no_reference.status_code, collected.status_code) == (403, 400, 200)
    body = collected.json()
    assert (body["state"], body["collection_reference"], body["collection_date"], body["collected_by"]) == (
        "collected", "CMB-IN-1", "2026-10-15", "finance")


def test_the_receivable_filter_takes_yes_or_no_in_any_spelling(api, receivable, finance):
    listed = {value: [row["id"] for row in api(finance).get("/api/v1/statements/", {"receivable": value}).json()["results"]]
              for value in ("True", "1", "yes", "false", "0", "")}

    assert listed["True"] == listed["1"] == listed["yes"] == [receivable.pk]
    assert receivable.pk not in listed["false"] and listed["false"] == listed["0"]
    assert receivable.pk in listed[""]  # empty: no filter


@pytest.mark.parametrize("value", ["maybe", "2", "t rue"])
def test_a_yes_no_filter_with_another_word_is_400_naming_it(api, receivable, finance, operator, value):
    statements = api(finance).get("/api/v1/statements/", {"receivable": value})
    rules = api(operator).get("/api/v1/penalty-rules/", {"active": value})

    assert (statements.status_code, rules.status_code) == (400, 400)
    assert errors(statements) == [("receivable", "invalid")] and errors(rules) == [("active", "invalid")]


def test_supplier_staff_may_not_confirm(api, issued, supplier_staff):
    assert api(supplier_staff).post(statement_url(issued, "confirm")).status_code == 403
    issued.refresh_from_db()
    assert issued.state == "issued"


def test_an_invoice_that_differs_from_the_payable_is_400_and_changes_nothing(api, confirmed, supplier_admin):
    response = api(supplier_admin).post(statement_url(confirmed, "invoice"), {"invoice_number": "04412345", "invoice_amount": "679.99"})

    assert response.status_code == 400
    assert errors(response) == [("invoice_amount", "invalid")]
    confirmed.refresh_from_db()
    assert (confirmed.state, confirmed.invoice_number) == ("confirmed", "")


def test_an_invoice_number_of_the_wrong_length_is_400_naming_it_and_changes_nothing(api, confirmed, supplier_admin):
    response = api(supplier_admin).post(statement_url(confirmed, "invoice"), {"invoice_number": "INV-1", "invoice_amount": "680.00"})

    assert response.status_code == 400 and errors(response) == [("invoice_number", "invalid")]
    assert "INV-1" in response.json()["errors"][0]["detail"]
    confirmed.refresh_from_db()
    assert (confirmed.state, confirmed.invoice_number) == ("confirmed", "")


def test_a_payment_in_the_future_is_400(api, confirmed, supplier_admin, finance, finance_checker, now):
    statements.invoice_statement(statement=confirmed, actor=supplier_admin, now=now, number="04412345", amount="680.00")
    statements.approve_payment(statement=confirmed, actor=finance_checker, now=now)

    response = api(finance).post(statement_url(confirmed, "pay"), {"payment_reference": "X", "payment_date": "2026-10-16"})

    assert response.status_code == 400
    assert errors(response) == [("payment_date", "invalid")]


def test_a_dispute_needs_a_reason_and_is_answered_with_a_new_version(api, issued, supplier_admin, finance, finance_checker, now):
    assert api(supplier_admin).post(statement_url(issued, "dispute"), {}).status_code == 400
    assert api(supplier_admin).post(statement_url(issued, "dispute"), {"reason": "少算一单"}).json()["state"] == "disputed"
    created = api(finance).post("/api/v1/adjustments/", {
        "supplier": issued.supplier_id, "kind": "dispute", "amount": "180.00", "reason": "补记一单", "statement": issued.pk,
    }, **fresh_key())
    assert api(finance_checker).post(f"/api/v1/adjustments/{created.json()['id']}/approve/").status_code == 200

    response = api(finance).post(statement_url(issued, "reissue"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["version"], body["payable"]) == ("issued", 2, "860.00")
    assert [v["number"] for v in body["versions"]] == [1, 2]
    assert body["versions"][0]["payable"] == "680.00"


def test_an_illegal_transition_is_409_and_changes_nothing(api, draft, supplier_admin, finance):
    response = api(finance).post(statement_url(draft, "approve-payment"))

    assert response.status_code == 409
    assert errors(response)[0][1] == "invalid_transition"
    draft.refresh_from_db()
    assert draft.state == "draft" and [log.transition for log in history_of(draft)] == ["generate"]


# --- adjustments ---------------------------------------------------------------------------------------------------

def propose(api, user, supplier, **fields):
    body = {"supplier": supplier.pk, "kind": "penalty", "amount": "-118.80", "reason": "延迟发货"} | fields
    return api(user).post("/api/v1/adjustments/", body, **fresh_key())


def test_finance_proposes_an_adjustment_and_another_finance_user_approves_it(api, supplier, finance, finance_checker):
    created = propose(api, finance, supplier)

    assert created.status_code == 201, created.content
    assert (created.json()["state"], created.json()["amount"], created.json()["created_by"]) == ("proposed", "-118.80", "finance")
    own = api(finance).post(f"/api/v1/adjustments/{created.json()['id']}/approve/")
    assert own.status_code == 403
    approved = api(finance_checker).post(f"/api/v1/adjustments/{created.json()['id']}/approve/", {"note": "同意"})
    assert approved.status_code == 200
    assert (approved.json()["state"], approved.json()["decided_by"], approved.json()["decision_note"]) == ("approved", "finance2", "同意")
    history = api(finance).get(f"/api/v1/adjustments/{created.json()['id']}/history/").json()
    assert [(h["transition"], h["actor"]) for h in history] == [("create", "finance"), ("approve", "finance2")]


@pytest.mark.parametrize(("step", "user", "field"), [("withdraw", "finance", "reason"), ("reject", "finance_checker", "note")])
def test_an_empty_or_blank_reason_or_note_is_refused_as_a_missing_one_is(api, supplier, finance, finance_checker, step, user, field):
    created = propose(api, finance, supplier).json()
    client = api({"finance": finance, "finance_checker": finance_checker}[user])
    url = f"/api/v1/adjustments/{created['id']}/{step}/"

    answers = [client.post(url, body).json()["errors"] for body in ({}, {field: ""}, {field: "   "})]

    assert [[(error["attr"], error["code"]) for error in answer] for answer in answers] == [[(field, "required")]] * 3
    assert answers[0][0]["detail"] == answers[1][0]["detail"] == answers[2][0]["detail"] == "该字段是必填项。"
    assert Adjustment.objects.get(pk=created["id"]).state == "proposed"


def test_a_rejection_needs_a_note(api, supplier, finance, finance_checker):
    created = propose(api, finance, supplier).json()

    refused = api(finance_checker).post(f"/api/v1/adjustments/{created['id']}/reject/", {})
    rejected = api(finance_checker).post(f"/api/v1/adjustments/{created['id']}/reject/", {"note": "依据不足"})

    assert refused.status_code == 400 and errors(refused) == [("note", "required")]
    assert rejected.json()["state"] == "rejected"


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "0"}, "amount"), ({"amount": "1.234"}, "amount"), ({"amount": "-10000000.01"}, "amount"), ({"kind": "bonus"}, "kind"),
    ({"reason": ""}, "reason"), ({"source_kind": "order", "source_id": "RO-NONE"}, "source_id"), ({"source_kind": "nothing"}, "source_kind"),
])
def test_a_bad_adjustment_is_400_naming_the_field_and_writes_nothing(api, supplier, finance, body, field):
    response = api(finance).post("/api/v1/adjustments/", {"supplier": supplier.pk, "kind": "penalty", "amount": "-118.80",
                                                          "reason": "延迟发货"} | body, **fresh_key())

    assert response.status_code == 400
    assert field in {attr for attr, _code in errors(response)}
    assert not Adjustment.objects.exists()


def test_an_adjustment_bad_in_amount_and_source_at_once_names_both(api, supplier, finance):
    response = propose(api, finance, supplier, amount="abc", source_kind="order", source_id="RO-NONE")

    assert response.status_code == 400
    assert errors(response) == [("amount", "invalid"), ("source_id", "invalid")]
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize(("kind", "amount", "named"), [
    ("penalty", "1000.00", "负数"), ("penalty", "+0.01", "负数"), ("compensation", "-500.00", "正数"),
])
def test_an_adjustment_against_the_sign_its_kind_implies_is_400_naming_amount_and_writes_nothing(
    api, supplier, finance, kind, amount, named,
):
    response = propose(api, finance, supplier, kind=kind, amount=amount)

    assert response.status_code == 400
    assert errors(response) == [("amount", "invalid")]
    assert named in response.json()["errors"][0]["detail"] and str(Adjustment.Kind(kind).label) in response.json()["errors"][0]["detail"]
    assert not Adjustment.objects.exists()


def test_the_sign_rule_is_explained_in_english_too(api, supplier, finance):
    response = api(finance).post("/api/v1/adjustments/", {"supplier": supplier.pk, "kind": "penalty", "amount": "1000.00",
                                                          "reason": "延迟发货"}, HTTP_ACCEPT_LANGUAGE="en", **fresh_key())

    assert response.status_code == 400
    assert "must be negative" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(("kind", "amount"), [("penalty", "-1000.00"), ("compensation", "500.00"), ("other", "20.00"),
                                              ("other", "-20.00"), ("reconciliation", "-3.00"), ("reconciliation", "3.00")])
def test_an_adjustment_with_the_sign_its_kind_allows_is_proposed(api, supplier, finance, kind, amount):
    response = propose(api, finance, supplier, kind=kind, amount=amount)

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == amount


@pytest.mark.parametrize(("kind", "named"), [("carry_correction", "carry_correction"), ("dispute", "异议调整")])
def test_a_kind_only_the_system_or_a_disputed_statement_makes_is_400_naming_the_kind_and_writes_nothing(api, supplier, finance,
                                                                                                       kind, named):
    response = propose(api, finance, supplier, kind=kind)

    assert response.status_code == 400 and errors(response) == [("kind", "invalid" if kind == "dispute" else "invalid_choice")]
    assert named in response.json()["errors"][0]["detail"]
    assert not Adjustment.objects.exists()


def test_the_service_refuses_a_carry_correction_made_by_hand_naming_its_kind(supplier, finance):
    with pytest.raises(ValidationFailed) as refused:
        adjustments.propose_adjustment(supplier=supplier, kind="carry_correction", amount="-10.00", reason="手工结转", actor=finance,
                                       now=FIXED_NOW)

    assert refused.value.field == "kind" and "结转更正" in refused.value.detail
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize("role", ["operator", "supplier_admin", "logistics"])
def test_only_finance_proposes_adjustments(api, supplier, role, request):
    assert propose(api, request.getfixturevalue(role), supplier).status_code == 403
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize("field", ["supplier", "statement"])
def test_an_adjustment_naming_a_row_that_does_not_exist_is_404_naming_the_field_and_writes_nothing(api, supplier, finance,
                                                                                                   field):
    response = api(finance).post("/api/v1/adjustments/", {"supplier": supplier.pk, "kind": "penalty", "amount": "-118.80",
                                                          "reason": "延迟发货"} | {field: 999_999}, **fresh_key())

    assert response.status_code == 404 and errors(response) == [(field, "not_found")]
    assert not Adjustment.objects.exists()


def test_a_supplier_reads_its_own_approved_adjustments_only(api, supplier, other_supplier, finance, finance_checker, supplier_staff,
                                                             operator):
    mine = propose(api, finance, supplier).json()
    pending = propose(api, finance, supplier).json()
    theirs = propose(api, finance, other_supplier).json()
    for adjustment in (mine, theirs):
        assert api(finance_checker).post(f"/api/v1/adjustments/{adjustment['id']}/approve/").status_code == 200

    listed = api(supplier_staff).get("/api/v1/adjustments/").json()

    assert [row["id"] for row in listed["results"]] == [mine["id"]]
    assert api(supplier_staff).get(f"/api/v1/adjustments/{theirs['id']}/").status_code == 404
    assert api(supplier_staff).get(f"/api/v1/adjustments/{pending['id']}/").status_code == 404  # finance's work in progress
    assert api(supplier_staff).post(f"/api/v1/adjustments/{mine['id']}/approve/").status_code in (403, 409)
    assert api(operator).get("/api/v1/adjustments/?state=approved").json()["count"] == 2


# --- reconciliations -----------------------------------------------------------------------------------------------

def upload(api, user, statement, content: bytes, name: str = "ours.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api(user).post("/api/v1/reconciliations/", {"statement": statement.pk, "file": SimpleUploadedFile(name, content)},
                          format="multipart")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"], ids=["0 bytes", "a BOM only"])
def test_an_empty_reconciliation_file_is_400_empty_file_naming_the_file(api, issued, supplier_admin, content):
    response = upload(api, supplier_admin, issued, content)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("file", "empty_file")]
    assert not issued.reconciliations.exists()


def test_the_reconciliation_list_runs_a_constant_number_of_queries(api, issued, supplier_admin, finance):
    """Every upload of the same version is listed, the earlier ones superseded, without a query per row."""
    content = CSV_HEADER + b"RO-1,SKU-1,delivery,1,180.00\n"

    def make_rows(n: int) -> None:
        for _ in range(n):
            assert upload(api, supplier_admin, issued, content).status_code == 201

    assert_list_queries_constant(api(finance), "/api/v1/reconciliations/", make_rows)
    assert [row["superseded"] for row in api(finance).get("/api/v1/reconciliations/?page_size=50").json()["results"]].count(False) == 1


def test_the_supplier_admin_uploads_its_statement_and_sees_the_categories(api, issued, supplier_admin):
    content = CSV_HEADER + b"RO-1,SKU-1,delivery,1,180.00\nRO-9,SKU-9,delivery,1,10.00\n"

    response = upload(api, supplier_admin, issued, content)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["row_count"], body["month"], body["version"], body["file_name"]) == (2, "2026-09", 1, "ours.csv")
    assert body["summary"]["matched"] == {"count": 1, "ours": "180.00", "theirs": "180.00", "ours_gross": "180.00", "theirs_gross": "180.00"}
    assert body["summary"]["missing_in_ours"]["count"] == 1


def test_a_bad_file_is_400_naming_the_cell_and_writes_nothing(api, issued, supplier_admin):
    response = upload(api, supplier_admin, issued, CSV_HEADER + b"RO-1,SKU-1,gift,x,180.00\n")

    assert response.status_code == 400
    assert {attr for attr, _code in errors(response)} == {"rows.2.kind", "rows.2.quantity"}
    assert not Reconciliation.objects.exists()


def test_a_draft_cannot_be_reconciled(api, draft, supplier_admin):
    response = upload(api, supplier_admin, draft, CSV_HEADER + b"RO-1,SKU-1,delivery,1,180.00\n")

    assert response.status_code == 409
    assert not Reconciliation.objects.exists()


def test_only_the_suppliers_admin_uploads_for_its_statement(api, issued, supplier_staff, finance):
    content = CSV_HEADER + b"RO-1,SKU-1,delivery,1,180.00\n"

    assert upload(api, supplier_staff, issued, content).status_code == 403
    assert upload(api, finance, issued, content).status_code == 403
    assert not Reconciliation.objects.exists()


def test_another_suppliers_statement_named_in_an_upload_is_404_as_in_a_url_and_writes_nothing(api, issued, other_supplier_admin):
    response = upload(api, other_supplier_admin, issued, CSV_HEADER + b"RO-1,SKU-1,delivery,1,180.00\n")

    assert response.status_code == 404
    assert errors(response) == [("statement", "not_found")]
    assert not Reconciliation.objects.exists()


@pytest.fixture
def uploaded(issued, supplier_admin, now):
    content = CSV_HEADER + b"RO-1,SKU-1,delivery,1,170.00\nRO-9,SKU-9,delivery,1,10.00\nRO-1,SKU-1,delivery,1,180.00\n"
    return reconciliation.upload_reconciliation(statement=issued, file_name="ours.csv", content=content, actor=supplier_admin,
                                                now=now)


def test_finance_and_the_supplier_read_the_lines_by_category(api, uploaded, finance, supplier_staff, other_supplier_admin,
                                                             logistics):
    url = f"/api/v1/reconciliations/{uploaded.pk}/lines/"

    every = api(finance).get(url).json()
    mismatched = api(supplier_staff).get(url + "?category=amount_mismatch").json()

    assert [row["category"] for row in every["results"]] == ["amount_mismatch", "missing_in_ours", "duplicate"]
    assert [(r["amount"], r["our_amount"]) for r in mismatched["results"]] == [("170.00", "180.00")]
    assert api(finance).get(url + "?category=nope").status_code == 400
    assert api(other_supplier_admin).get(url).status_code == 404
    assert api(logistics).get(f"/api/v1/reconciliations/{uploaded.pk}/").status_code == 404
    assert api(supplier_staff).get("/api/v1/reconciliations/").json()["count"] == 1
    assert api(other_supplier_admin).get("/api/v1/reconciliations/").json()["count"] == 0


def test_finance_accepts_the_suppliers_figure_which_proposes_an_adjustment(api, uploaded, finance, supplier_admin):
    line = uploaded.lines.get(category="amount_mismatch")

    response = api(finance).post(f"/api/v1/reconciliation-lines/{line.pk}/resolve/", {"resolution": "accept_theirs", "note": "按对方"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["resolution"], body["resolved_by"], body["note"]) == ("accept_theirs", "finance", "按对方")
    assert Adjustment.objects.get(pk=body["adjustment"]).amount == Decimal("-10.00")
    unresolved = api(finance).get(f"/api/v1/reconciliations/{uploaded.pk}/lines/?unresolved=1").json()
    assert line.pk not in [row["id"] for row in unresolved["results"]] and unresolved["count"] == 2
    again = api(finance).post(f"/api/v1/reconciliation-lines/{line.pk}/resolve/", {"resolution": "write_off"})
    assert again.status_code == 409


def test_the_reconciliation_page_and_the_api_list_the_same_lines_for_unresolved_yes_and_no(api, uploaded, finance):
    resolved = uploaded.lines.get(category="amount_mismatch")
    reconciliation.resolve_line(line=resolved, resolution="write_off", actor=finance, now=FIXED_NOW, note="核对无误")
    still_open = sorted(uploaded.lines.exclude(pk=resolved.pk).values_list("pk", flat=True))

    page = {word: listed(finance, f"/settlement/reconciliations/{uploaded.pk}/", unresolved=word) for word in ("true", "false", "")}
    lines = {word: listed(finance, f"/api/v1/reconciliations/{uploaded.pk}/lines/", unresolved=word) for word in ("true", "false", "")}
    refused = api(finance).get(f"/api/v1/reconciliations/{uploaded.pk}/lines/", {"unresolved": "maybe"})

    assert page == lines == {"true": still_open, "false": [resolved.pk], "": sorted([*still_open, resolved.pk])}
    assert refused.status_code == 400 and [error["attr"] for error in refused.json()["errors"]] == ["unresolved"]


def test_only_finance_resolves_and_another_supplier_is_told_the_line_does_not_exist(api, uploaded, supplier_admin, operator,
                                                                                  other_supplier_admin):
    line = uploaded.lines.get(category="missing_in_ours")
    url = f"/api/v1/reconciliation-lines/{line.pk}/resolve/"

    assert api(supplier_admin).post(url, {"resolution": "write_off"}).status_code == 403
    assert api(operator).post(url, {"resolution": "write_off"}).status_code == 403
    assert api(other_supplier_admin).post(url, {"resolution": "write_off"}).status_code == 404
    assert api(supplier_admin).get(f"/api/v1/reconciliation-lines/{line.pk}/").json()["resolution"] == ""


def test_an_unknown_resolution_is_400(api, uploaded, finance):
    line = uploaded.lines.get(category="missing_in_ours")

    response = api(finance).post(f"/api/v1/reconciliation-lines/{line.pk}/resolve/", {"resolution": "ignore"})

    assert response.status_code == 400
    assert errors(response) == [("resolution", "invalid_choice")]


def test_a_supplier_user_of_the_statement_sees_the_reconciliation_detail(api, uploaded, supplier_admin):
    staff = SupplierUserFactory(username="another_staff", role="supplier_staff", supplier=uploaded.supplier)

    body = api(staff).get(f"/api/v1/reconciliations/{uploaded.pk}/").json()

    assert (body["id"], body["supplier"], body["uploaded_by"]) == (uploaded.pk, uploaded.supplier_id, "supplier_admin")


def test_an_operator_adds_a_penalty_rule_and_switches_it_off_through_the_api(api, operator):
    client = api(operator)

    created = client.post("/api/v1/penalty-rules/", {"kpi": "defect_rate", "threshold": "0.08", "deduction": "800",
                                                     "description": "质量退货率高于8%，扣款800元", "reason": "质量退货偏多"}, format="json")
    switched = client.patch(f"/api/v1/penalty-rules/{created.json()['id']}/", {"active": False, "reason": "改用新规则"}, format="json")
    listed = client.get("/api/v1/penalty-rules/?active=true").json()

    assert created.status_code == 201 and (created.json()["amount"], created.json()["kpi_name"]) == ("-800.00", "质量退货率")
    assert switched.status_code == 200 and switched.json()["active"] is False
    assert created.json()["id"] not in {rule["id"] for rule in listed} and len(listed) == 3


def test_a_bad_penalty_rule_is_400_naming_the_field(api, operator):
    response = api(operator).post("/api/v1/penalty-rules/", {"kpi": "speed", "threshold": "0.1", "deduction": "1", "description": "x"},
                                  format="json")

    assert response.status_code == 400 and errors(response) == [("kpi", "invalid_choice")]


@pytest.mark.parametrize(("body", "field"), [
    ({"kpi": "defect_rate", "threshold": "0.5", "deduction": "0"}, "deduction"),
    ({"kpi": "defect_rate", "threshold": "0.5", "deduction": "-800"}, "deduction"),
    ({"kpi": "defect_rate", "threshold": "8", "deduction": "800"}, "threshold"),
    ({"kpi": "complaint_rate", "threshold": "10001", "deduction": "800"}, "threshold"),
])
def test_a_penalty_rule_out_of_its_kpis_range_is_400_naming_the_field(api, operator, body, field):
    response = api(operator).post("/api/v1/penalty-rules/", body | {"description": "不应保存"}, format="json")

    assert response.status_code == 400 and errors(response) == [(field, "invalid")]
    assert not PenaltyRule.objects.filter(description="不应保存").exists()


def test_a_supplier_cannot_add_a_penalty_rule(api, supplier_admin):
    response = api(supplier_admin).post("/api/v1/penalty-rules/", {"kpi": "defect_rate", "threshold": "0.5", "deduction": "800",
                                                                  "description": "不应保存"}, format="json")

    assert response.status_code == 403 and not PenaltyRule.objects.filter(description="不应保存").exists()


def test_the_penalty_proposal_list_runs_a_constant_number_of_queries(api, supplier, finance, finance_checker, now):
    """Each row names its supplier, month, rule, adjustment and who asked to dismiss it and who did, without a query
    per row."""
    rule = PenaltyRule.objects.filter(kpi=Kpi.DEFECT_RATE).first()
    months = (date(2020 + n // 12, n % 12 + 1, 1) for n in range(100))

    def make_rows(n: int) -> None:
        for index in range(n):
            assessed = Assessment.objects.create(supplier=supplier, month=next(months), score=Decimal("40"), computed_at=now)
            decided = ({"state": "dismissed", "dismissal_requested_by": finance, "dismissed_by": finance_checker} if index % 2 else
                       {"state": "accepted", "adjustment": adjustments.propose_adjustment(
                           supplier=supplier, kind="penalty", amount=str(rule.amount), reason="考核扣款", actor=finance, now=now)})
            PenaltyProposal.objects.create(assessment=assessed, rule=rule, supplier=supplier, value=Decimal("0.5"),
                                           amount=rule.amount, created_at=now, **decided)

    assert_list_queries_constant(api(finance), "/api/v1/penalty-proposals/", make_rows)


def kpi_settings_stored() -> dict:
    return {s.kpi: (str(s.weight), str(s.target)) for s in KpiSetting.objects.all()}


def test_an_operator_changes_several_kpi_settings_together_through_the_api(api, operator):
    response = api(operator).patch("/api/v1/kpi-settings/change/", {
        "on_time_dispatch": {"weight": "30", "target": "0.9"}, "complaint_rate": {"target": "3.5"}, "reason": "年度调整"}, format="json")

    assert response.status_code == 200
    assert {row["kpi"]: (row["weight"], row["target"]) for row in response.json()} == kpi_settings_stored()
    assert kpi_settings_stored()["on_time_dispatch"] == ("30.00", "0.9000")
    assert kpi_settings_stored()["complaint_rate"] == ("20.00", "3.5000")


@pytest.mark.parametrize(("body", "field"), [
    ({"on_time_dispatch": {"weight": "-1"}}, "on_time_dispatch.weight"),
    ({"defect_rate": {"target": "2"}}, "defect_rate.target"),
    ({"complaint_rate": {"target": "10001"}}, "complaint_rate.target"),
    ({kpi: {"weight": "0"} for kpi in Kpi.values}, "weight"),
    ({"speed": {"weight": "10"}}, "speed"),
])
def test_bad_kpi_settings_are_a_400_naming_the_kpi_and_field_and_change_nothing(api, operator, body, field):
    before = kpi_settings_stored()

    response = api(operator).patch("/api/v1/kpi-settings/change/", {"complaint_sla": {"weight": "40"}, "reason": "年度调整"} | body,
                                   format="json")

    assert response.status_code == 400 and [attr for attr, _code in errors(response)] == [field]
    assert kpi_settings_stored() == before


def test_one_kpi_setting_is_checked_against_its_own_range_through_the_api(api, operator):
    setting = KpiSetting.objects.get(kpi=Kpi.DEFECT_RATE)

    refused = api(operator).patch(f"/api/v1/kpi-settings/{setting.pk}/", {"target": "2", "reason": "年度调整"}, format="json")
    changed = api(operator).patch(f"/api/v1/kpi-settings/{setting.pk}/", {"target": "0.03", "reason": "年度调整"}, format="json")

    assert refused.status_code == 400 and errors(refused) == [("defect_rate.target", "invalid")]
    assert changed.status_code == 200 and (changed.json()["weight"], changed.json()["target"]) == ("15.00", "0.0300")


def test_a_supplier_cannot_change_kpi_settings_through_the_api(api, supplier_admin):
    before = kpi_settings_stored()

    response = api(supplier_admin).patch("/api/v1/kpi-settings/change/", {"on_time_dispatch": {"weight": "30"}}, format="json")

    assert response.status_code == 403 and kpi_settings_stored() == before


def test_switching_a_penalty_rule_needs_a_boolean_and_changes_nothing_otherwise(api, operator):
    rule_id = api(operator).get("/api/v1/penalty-rules/").json()[0]["id"]

    response = api(operator).patch(f"/api/v1/penalty-rules/{rule_id}/", {"active": "perhaps"}, format="json")

    assert response.status_code == 400 and errors(response) == [("active", "invalid")]
    assert api(operator).get(f"/api/v1/penalty-rules/{rule_id}/").json()["active"] is True


def test_a_retried_adjustment_is_proposed_once_and_a_reused_key_with_another_body_is_refused(api, supplier, finance):
    body = {"supplier": supplier.pk, "kind": "penalty", "amount": "-118.80", "reason": "延迟发货"}
    key = fresh_key()

    first = api(finance).post("/api/v1/adjustments/", body, **key)
    retried = api(finance).post("/api/v1/adjustments/", body, **key)
    other = api(finance).post("/api/v1/adjustments/", body | {"amount": "-1.00"}, **key)
    missing = api(finance).post("/api/v1/adjustments/", body)

    assert first.status_code == retried.status_code == 201 and retried["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == first.json()["id"] and Adjustment.objects.count() == 1
    assert other.status_code == 422 and missing.status_code == 400


# --- a difference is paid once; withdrawing; the amount rule ---------------------------------------------------------

def test_a_second_upload_supersedes_the_first_and_a_line_answered_already_is_409(api, uploaded, issued, supplier_admin, finance):
    first_line = uploaded.lines.get(category="missing_in_ours")
    assert api(finance).post(f"/api/v1/reconciliation-lines/{first_line.pk}/resolve/", {"resolution": "carry_forward"}).status_code == 200
    content = CSV_HEADER + b"RO-1,SKU-1,delivery,1,170.00\nRO-9,SKU-9,delivery,1,10.00\n"

    again = upload(api, supplier_admin, issued, content)
    twin = Reconciliation.objects.get(pk=again.json()["id"]).lines.get(category="missing_in_ours")
    refused = api(finance).post(f"/api/v1/reconciliation-lines/{twin.pk}/resolve/", {"resolution": "carry_forward"})
    old = api(finance).get(f"/api/v1/reconciliations/{uploaded.pk}/").json()
    stale = uploaded.lines.get(category="amount_mismatch")

    assert again.status_code == 201 and (again.json()["superseded"], again.json()["open"]) == (False, True)
    assert (old["superseded"], old["superseded_by"], old["open"]) == (True, again.json()["id"], False)
    assert refused.status_code == 409 and "不能重复调账" in refused.json()["errors"][0]["detail"]
    assert api(finance).post(f"/api/v1/reconciliation-lines/{stale.pk}/resolve/", {"resolution": "accept_ours"}).status_code == 409
    assert api(finance).get(f"/api/v1/reconciliation-lines/{stale.pk}/").json()["open"] is False
    assert Adjustment.objects.filter(kind="reconciliation").count() == 1
    assert [row["id"] for row in api(finance).get("/api/v1/reconciliations/").json()["results"]] == [again.json()["id"], uploaded.pk]


def test_a_dispute_adjustment_names_the_reconciliation_lines_it_answers(api, uploaded, issued, supplier_admin, finance,
                                                                        other_supplier_admin, now):
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=now, reason="少算一单")
    claim = uploaded.lines.get(category="missing_in_ours")
    body = {"kind": "dispute", "amount": "10.00", "reason": "补记", "statement": issued.pk}

    created = propose(api, finance, issued.supplier, **body, reconciliation_lines=[claim.pk])
    again = propose(api, finance, issued.supplier, **body, reconciliation_lines=[claim.pk])
    line = api(finance).get(f"/api/v1/reconciliation-lines/{claim.pk}/").json()

    assert created.status_code == 201, created.content
    assert (line["resolution"], line["adjustment"], line["open"]) == ("accept_theirs", created.json()["id"], False)
    assert again.status_code == 400 and errors(again) == [("reconciliation_lines", "invalid")]
    assert Adjustment.objects.filter(kind="dispute").count() == 1


def test_a_dispute_adjustment_naming_a_line_of_another_statement_is_400(api, issued, finance, finance_checker, other_supplier,
                                                                  other_supplier_admin, supplier_admin, now):
    theirs = statements.issue_statement(statement=settled_september(other_supplier, maker=finance, checker=finance_checker, now=now),
                                        actor=finance, now=now)
    found = reconciliation.upload_reconciliation(statement=theirs, file_name="x.csv", content=CSV_HEADER + b"RO-7,SKU-7,delivery,1,1.00\n",
                                                 actor=other_supplier_admin, now=now)
    statements.dispute_statement(statement=issued, actor=supplier_admin, now=now, reason="少算一单")

    response = propose(api, finance, issued.supplier, kind="dispute", amount="1.00", reason="x", statement=issued.pk,
                       reconciliation_lines=[found.lines.get(order_number="RO-7").pk])

    assert response.status_code == 400 and errors(response) == [("reconciliation_lines", "invalid")]
    assert not Adjustment.objects.filter(kind="dispute").exists()


def test_only_the_maker_withdraws_a_pending_adjustment_with_a_reason(api, supplier, finance, finance_checker, supplier_admin):
    created = propose(api, finance, supplier).json()
    url = f"/api/v1/adjustments/{created['id']}/withdraw/"

    assert api(finance_checker).post(url, {"reason": "x"}).status_code == 403
    assert api(supplier_admin).post(url, {"reason": "x"}).status_code == 404  # a proposal is finance's internal work
    missing = api(finance).post(url, {})
    assert missing.status_code == 400 and errors(missing) == [("reason", "required")]
    withdrawn = api(finance).post(url, {"reason": "金额有误"})
    history = api(finance).get(f"/api/v1/adjustments/{created['id']}/history/").json()

    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert [(h["transition"], h["actor"], h["reason"]) for h in history] == [("create", "finance", ""), ("withdraw", "finance", "金额有误")]
    assert api(finance).post(url, {"reason": "again"}).status_code == 409
    assert api(finance_checker).post(f"/api/v1/adjustments/{created['id']}/approve/").status_code == 409


def test_an_approved_adjustment_names_the_statement_that_booked_it(api, draft, finance):
    rows = api(finance).get("/api/v1/adjustments/").json()["results"]

    assert [(row["state"], row["booked_statement"]) for row in rows] == [("approved", draft.pk)]


@pytest.mark.parametrize(("amount", "stored"), [("1e3", None), ("1E+3", None), ("NaN", None), ("¥1,000.00", "1000.00"), ("-50元", "-50.00")])
def test_the_api_reads_an_amount_by_the_same_rule_as_the_portal(api, supplier, finance, amount, stored):
    response = propose(api, finance, supplier, kind="other", amount=amount)

    if stored is None:
        assert response.status_code == 400 and errors(response) == [("amount", "invalid")]
        assert "如 -180.00" in response.json()["errors"][0]["detail"] and not Adjustment.objects.exists()
    else:
        assert response.status_code == 201 and response.json()["amount"] == stored


def test_an_applicant_is_not_adjusted_through_the_api(api, finance):
    from tests.factories import ApplicantFactory

    response = propose(api, finance, ApplicantFactory())

    assert response.status_code == 400 and errors(response) == [("supplier", "invalid")]


def test_a_supplier_reads_no_statement_for_an_adjustment_booked_on_a_draft(api, draft, supplier_admin):
    rows = api(supplier_admin).get("/api/v1/adjustments/").json()["results"]

    assert [(row["state"], row["booked_statement"]) for row in rows] == [("approved", None)]


def test_the_api_says_where_an_adjustment_is_booked_as_each_reader_may_know_it(api, draft, supplier_admin, finance,
                                                                                 other_supplier_admin):
    booked = Adjustment.objects.get(supplier=draft.supplier)
    url = f"/api/v1/adjustments/{booked.pk}/"

    for_supplier, for_finance = api(supplier_admin).get(url).json(), api(finance).get(url).json()
    in_english = api(supplier_admin).get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    for_another_supplier = api(other_supplier_admin).get(url)

    assert (for_supplier["booking"], for_supplier["booked_statement"], for_supplier["booking_label"]) == (
        "next_statement", None, "下期结算单（编制中）")  # a draft is finance's work: not named to the supplier
    assert in_english["booking_label"] == "Next statement (in preparation)"
    assert (for_finance["booking"], for_finance["booked_statement"], for_finance["booking_label"]) == ("booked", draft.pk, "计入的结算单：2026-09 v1（待出具）")
    assert for_supplier["joins_if_disputed"] is for_finance["joins_if_disputed"] is None
    assert for_another_supplier.status_code == 404


def test_an_adjustment_proposed_or_decided_through_the_api_says_where_it_will_be_booked(api, supplier, finance, finance_checker):
    created = propose(api, finance, supplier).json()
    rejected = api(finance_checker).post(f"/api/v1/adjustments/{created['id']}/reject/", {"note": "金额有误"}).json()

    assert (created["booking"], created["booking_label"]) == ("approval_month", "审批后计入审批当月的结算单")
    assert (rejected["state"], rejected["booking"], rejected["booking_label"], rejected["booked_statement"]) == ("rejected", "", "", None)


def test_the_api_corrects_an_invoice_number_for_the_supplier_admin_only(api, confirmed, supplier_admin, supplier_staff, other_supplier_admin):
    statements.invoice_statement(statement=confirmed, actor=supplier_admin, now=confirmed.confirmed_at, number="33012345",
                                 amount=confirmed.payable)
    url = f"/api/v1/statements/{confirmed.pk}/correct-invoice/"

    by_staff = api(supplier_staff).post(url, {"invoice_number": "33012346"}, format="json")
    by_other = api(other_supplier_admin).post(url, {"invoice_number": "33012346"}, format="json")
    corrected = api(supplier_admin).post(url, {"invoice_number": "33012346", "reason": "少录一位"}, format="json")
    history = api(supplier_admin).get(f"/api/v1/statements/{confirmed.pk}/history/").json()

    assert (by_staff.status_code, by_other.status_code) == (403, 404)
    assert (corrected.status_code, corrected.json()["invoice_number"], corrected.json()["state"]) == (200, "33012346", "invoiced")
    assert (history[-1]["transition"], history[-1]["reason"]) == ("correct_invoice", "33012345 → 33012346：少录一位")
