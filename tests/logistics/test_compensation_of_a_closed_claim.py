"""A compensation names a claim the logistics provider may owe on (open, accepted or settled): once the loss report is
withdrawn (the parcel was delivered, and the supplier is paid for the delivery) or a claim rejected, finance may not
compensate the supplier for it by hand — refused naming `source_id`, nothing proposed."""
from datetime import timedelta

import pytest

from core.errors import ValidationFailed
from logistics.services import claims
from settlement.models import Adjustment
from settlement.services import adjustments
from tests.logistics.test_lost_parcel_withdrawal import lost_claim, withdraw  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def compensate(claim, finance, now):
    return adjustments.propose_adjustment(supplier=claim.order.supplier, kind="compensation", amount="360.00", reason="补偿",
                                          actor=finance, now=now, source_kind="claim", source_id=f"#{claim.pk}")


def test_a_compensation_for_a_claim_whose_loss_report_was_withdrawn_is_refused_naming_source_id(
        lost_claim, logistics, finance, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)

    with pytest.raises(ValidationFailed) as refused:
        compensate(lost_claim, finance, now)

    assert refused.value.field == "source_id"
    assert f"#{lost_claim.pk}" in refused.value.detail and "已撤回" in refused.value.detail
    assert not Adjustment.objects.exists()


def test_a_compensation_for_a_rejected_claim_is_refused_naming_source_id(delivered_order, finance, now):
    damage = claims.open_claim(order=delivered_order, cause="transit_damage", quantity=1, now=now)
    claims.reject_claim(claim=damage, actor=finance, now=now, reason="非运输损坏")

    with pytest.raises(ValidationFailed) as refused:
        compensate(damage, finance, now)

    assert refused.value.field == "source_id" and "已驳回" in refused.value.detail
    assert not Adjustment.objects.exists()


def test_another_kind_of_adjustment_may_still_name_a_withdrawn_claim(lost_claim, logistics, finance, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)

    other = adjustments.propose_adjustment(supplier=lost_claim.order.supplier, kind="other", amount="-20.00", reason="运费更正",
                                           actor=finance, now=now, source_kind="claim", source_id=f"#{lost_claim.pk}")

    assert other.source_id == f"#{lost_claim.pk}"


def test_an_accepted_claim_is_compensated_again_after_its_compensation_was_rejected(
        lost_claim, finance, finance_checker, now):  # noqa: F811
    claims.accept_claim(claim=lost_claim, actor=finance, now=now)
    adjustments.reject_adjustment(adjustment=Adjustment.objects.get(), actor=finance_checker, now=now, note="金额待核")

    again = compensate(lost_claim, finance, now + timedelta(minutes=1))

    assert again.state == "proposed"


def test_the_api_refuses_a_compensation_for_a_withdrawn_claim_400_naming_source_id(api, lost_claim, logistics, finance, now):  # noqa: F811
    withdraw(lost_claim, logistics, now)
    body = {"supplier": lost_claim.order.supplier_id, "kind": "compensation", "amount": "360.00", "reason": "补偿",
            "source_kind": "claim", "source_id": str(lost_claim.pk)}

    response = api(finance).post("/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="withdrawn-claim")

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["source_id"]
    assert not Adjustment.objects.exists()
