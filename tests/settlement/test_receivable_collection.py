"""Recording a receivable's collection (登记收款) in part payments: each takes the amount received (more than zero,
never more than is still outstanding: refused naming the field and the outstanding amount, nothing recorded), the day
it was received (never later than today) and the bank reference; the receivable stays closed owing the rest until a
payment leaves nothing outstanding, when it is collected. Each payment is in the statement's history (who, when, the
reference) and listed on its page and in the API; the outstanding amount is shown on the page, in the list and in the
API."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.fsm import history_of
from settlement.models import ReceivablePayment
from settlement.services import statements
from tests.portal import field_errors, logged_in
from tests.settlement.conftest import LATER

pytestmark = pytest.mark.django_db


def collect(receivable, actor, amount: str, reference: str = "CMB-IN-A", **kwargs):
    return statements.record_collection(statement=receivable, actor=actor, now=LATER, reference=reference, amount=amount, **kwargs)


def test_a_part_payment_leaves_the_receivable_closed_owing_the_rest_and_is_in_its_history(receivable, finance):
    collect(receivable, finance, "12.50", collected_on=LATER.date() - timedelta(days=1))

    receivable.refresh_from_db()
    assert (receivable.state, receivable.collected_amount, receivable.outstanding) == ("closed", Decimal("12.50"), Decimal("17.50"))
    payment = ReceivablePayment.objects.get()
    assert (payment.amount, payment.received_on, payment.reference, payment.recorded_by, payment.recorded_at) == (
        Decimal("12.50"), LATER.date() - timedelta(days=1), "CMB-IN-A", finance, LATER)
    step = history_of(receivable).get(transition="record_part_payment")
    assert (step.actor, step.at, step.source_state, step.target_state) == (finance, LATER, "closed", "closed")
    assert step.reason_label == "收款 ¥12.50（凭证 CMB-IN-A，2026-11-01 收到），尚未收回 ¥17.50"


def test_the_payment_that_leaves_nothing_outstanding_collects_the_receivable(receivable, finance, finance_checker):
    collect(receivable, finance, "10.00", reference="CMB-IN-A")
    collect(receivable, finance_checker, "20.00", reference="CMB-IN-B")

    receivable.refresh_from_db()
    assert (receivable.state, receivable.outstanding, receivable.collection_reference, receivable.collected_by) == (
        "collected", Decimal("0.00"), "CMB-IN-B", finance_checker)
    assert [(s.transition, s.actor) for s in history_of(receivable).filter(transition__startswith="record_")] == [
        ("record_part_payment", finance), ("record_collection", finance_checker)]
    assert list(statements.receivable_payments(receivable).values_list("reference", flat=True)) == ["CMB-IN-A", "CMB-IN-B"]
    with pytest.raises(InvalidTransition):
        collect(receivable, finance, "0.01")


@pytest.mark.parametrize("amount", ["30.01", "-5.00"])
def test_an_amount_over_the_outstanding_or_not_positive_is_refused_naming_it_and_the_outstanding(receivable, finance, amount):
    collect(receivable, finance, "10.00")

    with pytest.raises(ValidationFailed) as refused:
        collect(receivable, finance, "20.01" if amount == "30.01" else amount, reference="CMB-IN-B")

    receivable.refresh_from_db()
    assert refused.value.field == "collection_amount" and "20.00" in str(refused.value.detail)
    assert (receivable.state, receivable.collected_amount, ReceivablePayment.objects.count()) == ("closed", Decimal("10.00"), 1)


@pytest.mark.parametrize("amount", ["0", "0.00", "1.234", "abc"])
def test_a_zero_or_unreadable_amount_is_refused_on_the_amount(receivable, finance, amount):
    with pytest.raises(ValidationFailed) as refused:
        collect(receivable, finance, amount)

    assert refused.value.field == "collection_amount" and not ReceivablePayment.objects.exists()


def test_a_payment_received_in_the_future_or_recorded_by_a_supplier_is_refused(receivable, finance, supplier_admin):
    with pytest.raises(ValidationFailed) as future:
        collect(receivable, finance, "5.00", collected_on=LATER.date() + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        collect(receivable, supplier_admin, "5.00")

    receivable.refresh_from_db()
    assert future.value.field == "collection_date" and receivable.collected_amount == 0 and not ReceivablePayment.objects.exists()


# --- portal --------------------------------------------------------------------------------------------------------

def test_the_statement_page_records_a_part_payment_and_shows_the_outstanding_and_the_payments(receivable, finance):
    client = logged_in(finance)

    page = client.get(f"/settlement/statements/{receivable.pk}/").content.decode()
    done = client.post(f"/settlement/statements/{receivable.pk}/record_collection/",
                       {"reference": "CMB-IN-7", "amount": "12.00", "collected_on": f"{LATER:%Y-%m-%d}"})
    after = client.get(f"/settlement/statements/{receivable.pk}/").content.decode()

    form = re.search(r'<form[^>]*data-testid="action-record_collection".*?</form>', page, re.S).group(0)
    assert 'name="amount"' in form and "收款金额" in form and "return confirm(" in form
    assert done.status_code == 302
    assert "应收 ¥30.00，尚未收回 ¥18.00" in after
    payments = re.search(r'data-testid="receivable-payments".*?</table>', after, re.S).group(0)
    assert "CMB-IN-7" in payments and "12.00" in payments and finance.username in payments
    assert "登记部分收款" in after and 'data-testid="action-record_collection"' in after


def test_the_statement_page_refuses_more_than_the_outstanding_next_to_the_amount(receivable, finance):
    wrong = logged_in(finance).post(f"/settlement/statements/{receivable.pk}/record_collection/", {"reference": "CMB-IN-7", "amount": "30.01"})

    receivable.refresh_from_db()
    assert wrong.status_code == 400 and "30.00" in field_errors(wrong)["amount"]
    assert (receivable.state, receivable.collected_amount) == ("closed", 0)


def test_the_supplier_reads_its_receivables_outstanding_and_payments_without_finances_names(receivable, finance, supplier_admin):
    collect(receivable, finance, "12.00")

    page = logged_in(supplier_admin).get(f"/settlement/statements/{receivable.pk}/").content.decode()
    listed = logged_in(supplier_admin).get("/settlement/statements/?receivable=on").content.decode()

    assert "应收 ¥30.00，尚未收回 ¥18.00" in page and "CMB-IN-A" in page
    assert finance.username not in page and 'data-testid="action-record_collection"' not in page
    assert re.search(r'data-testid="outstanding">尚未收回 ¥?18\.00', listed)


def test_another_supplier_gets_404_for_the_receivables_page(receivable, other_supplier_admin):
    assert logged_in(other_supplier_admin).get(f"/settlement/statements/{receivable.pk}/").status_code == 404


# --- API -----------------------------------------------------------------------------------------------------------

def test_finance_records_part_payments_in_the_api_and_reads_the_outstanding(receivable, finance, api):
    url = f"/api/v1/statements/{receivable.pk}/record-collection/"

    part = api(finance).post(url, {"collection_reference": "CMB-IN-7", "collection_amount": "12.00"})
    over = api(finance).post(url, {"collection_reference": "CMB-IN-8", "collection_amount": "18.01"})
    rest = api(finance).post(url, {"collection_reference": "CMB-IN-8", "collection_amount": "18.00"})

    assert (part.status_code, part.json()["state"], part.json()["outstanding"], part.json()["collected_amount"]) == (
        200, "closed", "18.00", "12.00")
    assert [(p["amount"], p["reference"], p["recorded_by"]) for p in part.json()["receivable_payments"]] == [
        ("12.00", "CMB-IN-7", finance.username)]
    error = over.json()["errors"][0]
    assert (over.status_code, error["attr"]) == (400, "collection_amount") and "18.00" in error["detail"]
    assert (rest.status_code, rest.json()["state"], rest.json()["outstanding"]) == (200, "collected", "0.00")


def test_the_api_list_shows_each_receivables_outstanding_and_null_for_other_statements(receivable, other_issued, finance, api):
    collect(receivable, finance, "12.00")

    listed = api(finance).get("/api/v1/statements/").json()["results"]

    assert {row["id"]: row["outstanding"] for row in listed} == {receivable.pk: "18.00", other_issued.pk: None}


def test_the_supplier_reads_its_receivables_payments_by_role_and_another_supplier_gets_404(
    receivable, finance, supplier_admin, other_supplier_admin, api
):
    collect(receivable, finance, "12.00")

    own = api(supplier_admin).get(f"/api/v1/statements/{receivable.pk}/")
    other = api(other_supplier_admin).get(f"/api/v1/statements/{receivable.pk}/")
    recording = api(other_supplier_admin).post(f"/api/v1/statements/{receivable.pk}/record-collection/",
                                               {"collection_reference": "X", "collection_amount": "1.00"})

    assert own.status_code == 200 and own.json()["outstanding"] == "18.00"
    assert [(p["reference"], p["recorded_by"]) for p in own.json()["receivable_payments"]] == [("CMB-IN-A", "财务人员")]
    assert (other.status_code, recording.status_code) == (404, 404)


@pytest.mark.parametrize(("role", "status"), [("supplier_admin", 403), ("operator", 403), ("logistics", 404)])
def test_only_finance_records_a_payment_in_the_api(receivable, api, request, role, status):
    refused = api(request.getfixturevalue(role)).post(f"/api/v1/statements/{receivable.pk}/record-collection/",
                                                       {"collection_reference": "X", "collection_amount": "1.00"})

    receivable.refresh_from_db()
    assert refused.status_code == status and receivable.collected_amount == 0 and not ReceivablePayment.objects.exists()
