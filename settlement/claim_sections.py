"""A logistics claim's page shows the compensation it led to for the supplier (imported by SettlementConfig.ready)."""
from django.template.loader import render_to_string

from logistics import views_returns as claim_pages
from logistics.models import LogisticsClaim
from settlement.services.compensation import compensations_of


def compensation(request, claim) -> str:
    """A lost parcel's compensation adjustments (finance sees them; nothing for readers who may not)."""
    if claim.cause != LogisticsClaim.Cause.LOST_PARCEL:
        return ""
    found = list(compensations_of(claim=claim, actor=request.user))
    if not found:
        return ""
    return render_to_string("settlement/_claim_compensation.html", {"adjustments": found}, request=request)


claim_pages.claim_sections.append(compensation)
