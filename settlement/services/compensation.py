"""Compensating a supplier for consignment the logistics provider lost (SPEC §4.3, §4.6, §4.11).

Warehouse stock stays the supplier's until it is delivered, and the operator pays for a unit only on delivery: a
parcel lost in transit is never delivered, so it would never be paid. When finance accepts the lost-parcel claim on
the logistics provider (the provider owes the settlement price × quantity), settlement proposes a compensation
adjustment for the same amount, made by the finance user who accepted the claim; another finance user approves it
(maker-checker) and the next statement books it.
"""
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.events import subscribe
from core.texts import Message
from logistics.events import LostParcelClaimAccepted
from logistics.models import LogisticsClaim
from settlement.models import Adjustment
from settlement.services.adjustments import list_adjustments, propose_adjustment
from settlement.sources import register_source

SOURCE_KIND = "claim"


def claim_reference(claim: LogisticsClaim) -> str:
    return f"#{claim.pk}"


def _find_claim(supplier_id: int, reference: str) -> LogisticsClaim | None:
    pk = reference.removeprefix("#").strip()
    return LogisticsClaim.objects.filter(order__supplier_id=supplier_id, pk=pk).first() if pk.isdigit() else None


register_source(SOURCE_KIND, _("物流索赔"), _find_claim, shown=claim_reference)


@subscribe(LostParcelClaimAccepted)
def propose_lost_parcel_compensation(event: LostParcelClaimAccepted) -> Adjustment:
    claim = LogisticsClaim.objects.select_related("order__supplier").get(pk=event.claim_id)
    reason = Message(gettext_noop("包裹丢失补偿：订单 %(order)s 的 %(quantity)s 件寄售货品在途丢失，物流商已确认赔付"),
                     order=claim.order.number, quantity=claim.quantity)
    return propose_adjustment(
        supplier=claim.order.supplier, kind=Adjustment.Kind.COMPENSATION, amount=claim.amount, reason=reason,
        actor=get_user_model().objects.filter(pk=event.actor_id).first(),  # none: refused as not finance
        now=event.at, source_kind=SOURCE_KIND, source_id=claim_reference(claim),
    )


def compensations_of(*, claim: LogisticsClaim, actor):
    """The compensation adjustments a claim led to, as the actor may see them."""
    return list_adjustments(actor=actor).filter(source_kind=SOURCE_KIND, source_id=claim_reference(claim)).order_by("pk")
