"""The steps finance takes on a logistics claim's page besides accepting it (SPEC §4.6): correct its figures or reject it
while it is open, and settle it with what was received. The claim pages (views_returns) offer every step of their
`CLAIM_ACTIONS` the claim's state allows; this module adds these there (imported by LogisticsConfig.ready)."""
from django.utils.translation import gettext_lazy

from logistics import views_returns as claim_pages
from logistics.forms_claims import CorrectClaimForm, RejectClaimForm, SettleClaimForm
from logistics.services import claims

Action = claim_pages.ReturnAction

claim_pages.CLAIM_ACTIONS.update({
    "correct": Action(gettext_lazy("更正金额/数量"), claims.correct_claim, CorrectClaimForm),
    "reject": Action(gettext_lazy("驳回索赔"), claims.reject_claim, RejectClaimForm, "danger",
                     confirm=gettext_lazy("驳回后物流商不再赔付此索赔，确定驳回？")),
    "settle": Action(gettext_lazy("结清"), claims.settle_claim, SettleClaimForm),
})
