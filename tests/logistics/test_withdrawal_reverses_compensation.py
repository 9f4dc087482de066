"""A loss report withdrawn once finance approved a compensation for its open claim: the parcel was delivered, so the
supplier is paid for the delivery, and the approved compensation (which no one may withdraw or reject any more) is
answered by its reversal, proposed in the same transaction for finance's checker; both booked, they net to zero."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import PermissionDenied, ValidationFailed
from logistics.models import LogisticsClaim
from settlement.errors import CompensationStands
from settlement.models import Adjustment, Statement, StatementLine
from settlement.services import adjustments, compensation, generation
from tests.logistics.test_lost_parcel_withdrawal import lost_claim, states, withdraw  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(lost_claim, finance, finance_checker, now) -> Adjustment:  # noqa: F811
    """A compensation finance proposed by hand for the open claim, approved by another finance user."""
    by_hand = adjustments.propose_adjustment(supplier=lost_claim.order.supplier, kind="compensation", amount="360.00",
                                             reason="补偿", actor=finance, now=now, source_kind="claim", source_id=f"#{lost_claim.pk}")
    return adjustments.approve_adjustment(adjustment=by_hand, actor=finance_checker, now=now)


def test_withdrawing_the_report_proposes_the_reversal_of_the_approved_compensation(
        lost_claim, approved, logistics, finance, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)

    reversal = Adjustment.objects.exclude(pk=approved.pk).get()
    assert states(lost_claim) == ("withdrawn", "delivered", "delivered")
    assert (reversal.supplier, reversal.kind, reversal.amount, reversal.state) == (approved.supplier, "other", Decimal("-360.00"), "proposed")
    assert (reversal.source_kind, reversal.source_id, reversal.created_by, reversal.created_at) == ("claim", f"#{lost_claim.pk}", finance, now)
    assert approved.number in reversal.reason and lost_claim.order.number in reversal.reason
    assert Adjustment.objects.get(pk=approved.pk).state == "approved"


def test_the_reversed_compensation_no_longer_stands(lost_claim, approved, logistics, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)

    assert not compensation._standing(LogisticsClaim.objects.get()).exists()


def test_a_proposed_compensation_still_stands_in_the_way_and_nothing_is_reversed(lost_claim, logistics, finance, now):  # noqa: F811
    adjustments.propose_adjustment(supplier=lost_claim.order.supplier, kind="compensation", amount="360.00", reason="补偿",
                                   actor=finance, now=now, source_kind="claim", source_id=f"#{lost_claim.pk}")

    with pytest.raises(CompensationStands):
        withdraw(lost_claim, logistics, now)

    assert Adjustment.objects.count() == 1 and states(lost_claim) == ("open", "failed", "delivery_failed")


def test_a_withdrawal_refused_for_bad_input_proposes_no_reversal(lost_claim, approved, logistics, now):  # noqa: F811
    with pytest.raises(ValidationFailed):
        withdraw(lost_claim, logistics, now, signed_at=now + timedelta(minutes=1))

    assert list(Adjustment.objects.all()) == [approved]
    assert states(lost_claim) == ("open", "failed", "delivery_failed")


def test_the_compensation_and_its_reversal_book_to_zero_beside_the_delivery(
        lost_claim, approved, logistics, finance, finance_checker, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)
    reversal = Adjustment.objects.exclude(pk=approved.pk).get()
    adjustments.approve_adjustment(adjustment=reversal, actor=finance_checker, now=now)

    month = now.date().replace(day=1)
    generation.generate_now(month=month, actor=finance, now=generation.cutoff_of(month) + timedelta(hours=2))

    statement = Statement.objects.get(supplier=lost_claim.order.supplier)
    booked = sorted(StatementLine.objects.filter(statement=statement, section="adjustment").values_list("amount", flat=True))
    delivered = StatementLine.objects.filter(statement=statement, section="delivery").values_list("amount", flat=True)
    assert booked == [Decimal("-360.00"), Decimal("360.00")] and sum(booked) == 0
    assert list(delivered) == [lost_claim.amount]  # the supplier is paid for the delivery, once


def test_the_reversal_is_checked_by_another_finance_user_than_the_compensations_maker(
        lost_claim, approved, logistics, finance, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)
    reversal = Adjustment.objects.exclude(pk=approved.pk).get()

    with pytest.raises(PermissionDenied):
        adjustments.approve_adjustment(adjustment=reversal, actor=finance, now=now)

    assert Adjustment.objects.get(pk=reversal.pk).state == "proposed"
