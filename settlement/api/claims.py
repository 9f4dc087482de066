"""A lost parcel's compensation on the logistics claim's API: finance proposes it again once its proposal was rejected or
withdrawn, and proposes its reversal again once the reversal of a compensation left standing (the parcel delivered
after all) was rejected or withdrawn — the API's of the claim page's buttons (`settlement.views_adjustments`)."""
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.permissions import require_role
from core.idempotency import idempotent
from logistics.api import returns as claim_api
from logistics.services import claims
from settlement.api.adjustments import AdjustmentSerializer
from settlement.services import adjustments, compensation


def _standing(claim) -> bool:
    return compensation.unreversed_compensation(claim) is not None


claim_api.compensation_stands.append(_standing)


class ClaimCompensationViewSet(viewsets.GenericViewSet):
    """Finance's compensation steps on a logistics claim (`/api/v1/logistics-claims/{id}/…`)."""

    serializer_class = AdjustmentSerializer

    def get_queryset(self):
        return claims.list_claims(user=self.request.user)

    def _answer(self, request, propose) -> Response:
        claim = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])  # a claim the caller may not read: 404
        require_role(request.user, compensation.FINANCE)
        adjustment = propose(claim=claim, actor=request.user, now=timezone.now())
        adjustment = adjustments.list_adjustments(actor=request.user).get(pk=adjustment.pk)
        return Response(AdjustmentSerializer(adjustment, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: AdjustmentSerializer})
    @action(detail=True, methods=["post"], url_path="propose-reversal")
    @idempotent
    def propose_reversal(self, request, pk=None):
        """Propose again the reversal of a compensation that stands though its parcel was delivered (the claim's
        `compensation_stands`), its reversal rejected or withdrawn: an `other` adjustment of the opposite amount, made
        by the caller, for another finance user to check (Idempotency-Key required). 409 `compensation_not_allowed`
        while a reversal waits or was approved, or none is due."""
        return self._answer(request, compensation.propose_reversal_again)

    @extend_schema(request=None, responses={201: AdjustmentSerializer})
    @action(detail=True, methods=["post"], url_path="propose-compensation")
    @idempotent
    def propose_compensation(self, request, pk=None):
        """Propose again the compensation of an accepted lost-parcel claim whose proposal was rejected or withdrawn,
        made by the caller, for another finance user to check (Idempotency-Key required). 409
        `compensation_not_allowed` while one waits or was approved, or the claim is no accepted lost parcel's."""
        return self._answer(request, compensation.propose_compensation_again)
