"""API of defective units going back to their supplier (退回礼品商, SPEC §4.7): logistics staff list and dispatch them,
the supplier's users list their own and confirm receipt or object, operators read.

Every view starts from the scoped selector (another supplier's: 404), checks the role (403), the state (409), its
input (400) and makes one service call.
"""
import django_filters
from rest_framework import serializers, viewsets

from core.api.fields import RequiredText
from core.api.filters import FilterSet, TimeFilter
from core.api.transitions import ReasonInput, TransitionHistoryMixin, transition_action
from core.roles import SUPPLIER_ROLES, Role
from logistics.models import GoodsBack
from logistics.selectors import list_goods_back
from logistics.services import goods_back

LOGISTICS = frozenset({Role.LOGISTICS})


class GoodsBackSerializer(serializers.ModelSerializer):
    """Units owed back, how and when they were sent, and, while disputed, the supplier's note."""

    return_number = serializers.CharField(source="return_request.number", read_only=True)
    order_number = serializers.CharField(source="return_request.order.number", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    gift_sku = serializers.CharField(source="gift.sku", read_only=True)
    gift_name = serializers.CharField(source="gift.name", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    dispute_note = serializers.CharField(source="objection.reason_text", default=None, allow_null=True, read_only=True,
                                         help_text="while disputed: the supplier's note (who and when: its history), else null")

    class Meta:
        model = GoodsBack
        fields = ["id", "number", "return_request", "return_number", "order_number", "supplier", "supplier_name", "gift", "gift_sku",
                  "gift_name", "location", "location_name", "quantity", "state", "method", "carrier", "tracking_number", "created_at",
                  "dispatched_at", "received_at", "dispute_note"]
        read_only_fields = fields


class GoodsBackSendInput(ReasonInput):
    method = serializers.ChoiceField(choices=GoodsBack.Method.choices, help_text="carrier: sent by a carrier; collected: the supplier took them at the warehouse")
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=40, default="", help_text="with method carrier")
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=60, default="", help_text="with method carrier")


class GoodsBackSendAgainInput(GoodsBackSendInput):
    reason = RequiredText(max_length=2000, help_text="why they go again (e.g. the units the supplier found missing)")


class GoodsBackDisputeInput(serializers.Serializer):
    reason = RequiredText(max_length=2000, help_text="what differs from what is owed (kept in the history, shown while disputed)")


class GoodsBackFilter(FilterSet):
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")
    return_number = django_filters.CharFilter(field_name="return_request__number", label="the return's number (退换货单号)")

    class Meta:
        model = GoodsBack
        fields = ["state", "method", "supplier", "location", "gift", "return_request", "return_number", "created_after", "created_before"]


class GoodsBackViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Defective units owed back to their supplier after a warehouse return's inspection, and their way back."""

    serializer_class = GoodsBackSerializer
    filterset_class = GoodsBackFilter
    search_fields = ["number", "return_request__number", "tracking_number", "gift__sku", "gift__name"]
    ordering_fields = ["created_at", "dispatched_at", "id"]

    def get_queryset(self):
        return list_goods_back(user=self.request.user)

    send = transition_action(goods_back.dispatch_goods_back, name="send", roles=LOGISTICS, target="goods",
                                       input_serializer=GoodsBackSendInput)
    send_again = transition_action(goods_back.dispatch_goods_back_again, name="send_again", roles=LOGISTICS, target="goods",
                                       input_serializer=GoodsBackSendAgainInput)
    receive = transition_action(goods_back.receive_goods_back, name="receive", roles=SUPPLIER_ROLES, target="goods")
    dispute = transition_action(goods_back.dispute_goods_back, name="dispute", roles=SUPPLIER_ROLES, target="goods",
                                input_serializer=GoodsBackDisputeInput)
