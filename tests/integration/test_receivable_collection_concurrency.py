"""Two finance users recording payments of one receivable at once on PostgreSQL: the statement's row lock serialises
reading what is outstanding and recording the payment, so the second acts on what the first committed — a payment
more than what is left then is refused naming the outstanding amount, and two that fit are both counted."""
from decimal import Decimal

from core.errors import ValidationFailed
from settlement.models import ReceivablePayment, Statement
from settlement.services import statements
from tests.integration.racing import hold, run_into
from tests.settlement.conftest import LATER, negative, receivable, supplier  # noqa: F401  (fixtures)


def paying(statement_id: int, actor, amount: str, reference: str):
    return lambda: statements.record_collection(statement=Statement.objects.get(pk=statement_id), actor=actor, now=LATER,
                                                reference=reference, amount=amount)


def test_two_payments_recorded_at_once_never_collect_more_than_is_owed(
    programs, receivable, finance, finance_checker, monkeypatch  # noqa: F811
):
    first, second = run_into(
        paying(receivable.pk, finance, "20.00", "CMB-IN-A"),
        hold(monkeypatch, statements, "apply_transition"),  # its payment written, the statement locked, not committed
        paying(receivable.pk, finance_checker, "20.00", "CMB-IN-B"),
    )

    assert first.error is None and isinstance(second.error, ValidationFailed)
    assert second.error.field == "collection_amount" and "10.00" in str(second.error.detail)
    collected = Statement.objects.get(pk=receivable.pk)
    assert (collected.state, collected.collected_amount, collected.outstanding) == ("closed", Decimal("20.00"), Decimal("10.00"))
    assert list(ReceivablePayment.objects.values_list("reference", "amount")) == [("CMB-IN-A", Decimal("20.00"))]


def test_two_part_payments_recorded_at_once_are_both_counted(
    programs, receivable, finance, finance_checker, monkeypatch  # noqa: F811
):
    first, second = run_into(
        paying(receivable.pk, finance, "10.00", "CMB-IN-A"),
        hold(monkeypatch, statements, "apply_transition"),
        paying(receivable.pk, finance_checker, "20.00", "CMB-IN-B"),
    )

    assert (first.error, second.error) == (None, None)
    collected = Statement.objects.get(pk=receivable.pk)
    assert (collected.state, collected.collected_amount, collected.outstanding) == ("collected", Decimal("30.00"), Decimal("0.00"))
    assert sorted(ReceivablePayment.objects.values_list("reference", flat=True)) == ["CMB-IN-A", "CMB-IN-B"]
