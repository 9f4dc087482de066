"""API of leftover lots (遗留礼品, SPEC §4.8): suppliers read their own, staff all; logistics records collection and
disposal, the operator moves a lot (and its gift) to clearance.

Every view starts from the scoped selector (another tenant's lot: 404), checks the role (403), validates its
input (400) and makes one service call (an illegal transition: 409).
"""
from collections.abc import Callable
from functools import wraps

from django.utils import timezone
from rest_framework import serializers, viewsets

from core.api.fields import RequiredText
from core.api.filters import FilterSet, YesNoFilter
from core.api.transitions import ReasonInput, TransitionHistoryMixin, transition_action
from core.roles import OPERATORS, Role
from logistics.models import LeftoverLot
from logistics.services import leftovers

LOGISTICS = frozenset({Role.LOGISTICS})


class LeftoverLotSerializer(serializers.ModelSerializer):
    """A lot with its deadline and what it has cost the supplier so far (storage days charged, all its fees)."""

    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    gift_sku = serializers.CharField(source="gift.sku", read_only=True)
    gift_name = serializers.CharField(source="gift.name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    storage_days = serializers.IntegerField(read_only=True)
    fee_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = LeftoverLot
        fields = ["id", "supplier", "supplier_name", "gift", "gift_sku", "gift_name", "location", "location_name", "quantity",
                  "state", "created_at", "collect_by", "closed_at", "storage_days", "fee_amount"]
        read_only_fields = fields


class LeftoverCollectionInput(ReasonInput):
    quantity = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                        help_text="units collected (default all: the lot closes); fewer leave the rest in the open lot")


class LeftoverDisposalInput(serializers.Serializer):
    quantity = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                        help_text="units disposed of (default all: the lot closes); fewer leave the rest in the open lot. "
                                                  "The disposal fee is charged once per lot, at its first disposal")
    reason = RequiredText(max_length=2000, help_text="why the lot is disposed of (kept in its history)")


class LeftoverClearanceInput(serializers.Serializer):
    points_price = serializers.IntegerField(min_value=1, help_text="清仓积分价 (points per unit while in clearance)")
    settlement_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, help_text="清仓结算价 (CNY per unit)")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def _as_listed(service: Callable) -> Callable:
    """The service, answering with the lot as the list shows it (its fees included)."""

    @wraps(service)
    def call(*, lot: LeftoverLot, actor, **params) -> LeftoverLot:
        return leftovers.list_leftover_lots(actor=actor).get(pk=service(lot=lot, actor=actor, **params).pk)

    return call


class LeftoverLotFilter(FilterSet):
    overdue = YesNoFilter(method="filter_overdue",
                          label="only the lots still open after their collection deadline, charged storage daily, as the lot "
                                "list's 仅看逾期未取回 (false: only the others)")

    class Meta:
        model = LeftoverLot
        fields = ["state", "supplier", "gift", "location", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return leftovers.past_deadline(queryset, value, today=timezone.localdate())


class LeftoverLotViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Leftover lots of retired gifts, one per warehouse, with their collection deadline and fees so far."""

    serializer_class = LeftoverLotSerializer
    filterset_class = LeftoverLotFilter
    search_fields = ["gift__sku", "gift__name"]
    ordering_fields = ["id", "collect_by", "created_at"]

    def get_queryset(self):
        return leftovers.list_leftover_lots(actor=self.request.user)

    collect = transition_action(_as_listed(leftovers.collect_lot), name="collect", roles=LOGISTICS, target="lot", input_serializer=LeftoverCollectionInput)
    dispose = transition_action(
        _as_listed(leftovers.dispose_lot), name="dispose", roles=LOGISTICS, target="lot", input_serializer=LeftoverDisposalInput
    )
    clearance = transition_action(
        _as_listed(leftovers.clear_leftovers), name="clearance", roles=OPERATORS, target="lot", input_serializer=LeftoverClearanceInput,
        transition="move_to_clearance",
    )
