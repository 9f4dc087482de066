"""A logistics claim's page shows the compensation it led to for the supplier (imported by SettlementConfig.ready)."""
from django.template.loader import render_to_string

from core.roles import has_role
from logistics import views_returns as claim_pages
from logistics.models import LogisticsClaim
from settlement.services.compensation import compensations_of, may_propose_again, may_propose_reversal_again, standing_compensation
from settlement.views_statements import ADJUSTMENT_READERS


def compensation(request, claim) -> str:
    """A lost parcel's compensation adjustments (finance and operators see them; nothing for readers who may not), each
    linked to its page for those who may open it, and for finance the button to propose it again
    once the last proposal was rejected or withdrawn; a compensation left standing for a parcel delivered after all,
    its reversal rejected, said so, with finance's button to propose the reversal again."""
    if claim.cause != LogisticsClaim.Cause.LOST_PARCEL:
        return ""
    found = list(compensations_of(claim=claim, actor=request.user))
    if not found:
        return ""
    again = may_propose_again(claim, request.user)
    context = {"adjustments": found, "claim": claim, "again": again, "linked": has_role(request.user, ADJUSTMENT_READERS),
               "standing": standing_compensation(claim=claim), "reverse_again": may_propose_reversal_again(claim, request.user)}
    return render_to_string("settlement/_claim_compensation.html", context, request=request)


claim_pages.claim_sections.append(compensation)
