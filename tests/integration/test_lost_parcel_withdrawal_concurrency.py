"""A lost parcel's report withdrawn while finance proposes a compensation for its claim by hand, on PostgreSQL: both
lock the supplier first, so the later one waits for the earlier and then sees what it did — a compensation standing
(the withdrawal refused) or the claim withdrawn (the compensation refused). Never both: the supplier would be paid for
the delivery and compensated for its loss."""

from core.errors import ValidationFailed
from logistics.models import LogisticsClaim
from logistics.services import shipments
from settlement.errors import CompensationStands
from settlement.models import Adjustment
from settlement.services import adjustments
from tests.integration.racing import hold, run_into
from tests.logistics.conftest import confirmed_order, supplier  # noqa: F401  (fixtures)
from tests.logistics.test_lost_parcel_withdrawal import lost_claim, withdraw  # noqa: F401  (fixture)


def compensating(claim, finance, now):
    return lambda: adjustments.propose_adjustment(
        supplier=claim.order.supplier, kind="compensation", amount="360.00", reason="补偿", actor=finance, now=now,
        source_kind="claim", source_id=f"#{claim.pk}")


def test_a_compensation_proposed_while_the_report_is_being_withdrawn_is_refused(
        programs, lost_claim, logistics, finance, now, monkeypatch):  # noqa: F811
    withdrawing, proposing = run_into(
        lambda: withdraw(LogisticsClaim.objects.get(pk=lost_claim.pk), logistics, now),
        hold(monkeypatch, shipments, "deliver_after_all"),  # no compensation found standing, nothing written yet
        compensating(lost_claim, finance, now),
    )

    assert withdrawing.error is None and isinstance(proposing.error, ValidationFailed), proposing.error
    assert proposing.error.field == "source_id"
    assert LogisticsClaim.objects.get().state == "withdrawn" and not Adjustment.objects.exists()


def test_a_report_withdrawn_while_a_compensation_is_being_proposed_is_refused(
        programs, lost_claim, logistics, finance, now, monkeypatch):  # noqa: F811
    proposing, withdrawing = run_into(
        compensating(lost_claim, finance, now),
        hold(monkeypatch, adjustments, "create_numbered"),  # the claim read as open, the compensation not yet made
        lambda: withdraw(LogisticsClaim.objects.get(pk=lost_claim.pk), logistics, now),
    )

    assert proposing.error is None and isinstance(withdrawing.error, CompensationStands), withdrawing.error
    assert LogisticsClaim.objects.get().state == "open"
    assert list(Adjustment.objects.values_list("kind", "state")) == [("compensation", "proposed")]
