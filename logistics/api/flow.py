"""API of the goods flow (SPEC §4.6): inbound shipments, handoff batches and shipments.

Every lookup starts from `visible_to(user)` (another tenant's row: 404); a role that may not act is 403, bad input
400 naming the field, an illegal transition 409. Contact data on a shipment is masked except on the detail read of
someone who must act on it (`shipments.may_see_parcel_contact`), and that read is logged.
"""
from collections.abc import Callable

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from core.api.fields import BusinessDateField, BusinessDateTimeField, CodeKey, RequiredText, ScopedKey
from core.api.filters import FilterSet, IdFilter, TimeFilter, YesNoFilter
from core.api.permissions import require_role
from core.api.transitions import TransitionHistoryMixin, transition_action
from core.errors import PermissionDenied
from core.idempotency import idempotent
from core.roles import SUPPLIER_ROLES, Role
from core.services import log_personal_data_access
from logistics.carriers import tracking_key
from logistics.models import HandoffBatch, InboundShipment, Shipment
from logistics.selectors import awaiting_decision, search_shipments, unshipped
from logistics.services import inbound, shipments
from suppliers.models import Gift, Location, Supplier
from suppliers.selectors import list_locations

LOGISTICS = frozenset({Role.LOGISTICS})
HANDOFF_STAFF = frozenset({Role.LOGISTICS, Role.OPERATOR})
MEMBER = frozenset({Role.MEMBER})


# inbound shipments

class InboundShipmentSerializer(serializers.ModelSerializer):
    gift_sku = serializers.CharField(source="gift.sku", read_only=True)
    gift_name = serializers.CharField(source="gift.name", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    shortage = serializers.IntegerField(read_only=True)

    class Meta:
        model = InboundShipment
        fields = [
            "id", "number", "state", "supplier", "gift", "gift_sku", "gift_name", "location", "location_name", "replenishment_request",
            "announced_quantity", "expected_on", "announced_at", "counted_quantity", "damaged_quantity", "extra_quantity", "shortage",
            "received_at", "put_away_at", "cancelled_at", "note",
        ]
        read_only_fields = fields


class InboundAnnounceInput(serializers.Serializer):
    gift = ScopedKey(Gift, required=True)
    location = CodeKey(slug_field="code", queryset=Location.objects.all(), scope=list_locations, help_text="warehouse code (another code: 404 `not_found`)")
    quantity = serializers.IntegerField()
    expected_on = BusinessDateField()
    replenishment_request = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class InboundReceiveInput(serializers.Serializer):
    counted_quantity = serializers.IntegerField()
    damaged_quantity = serializers.IntegerField(required=False, default=0)
    extra_quantity = serializers.IntegerField(required=False, default=0, help_text="units that came beyond the announcement, not "
                                              "taken in: the supplier is told to announce them (only when all announced units came)")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InboundPutAwayInput(serializers.Serializer):
    shelf = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                  help_text="the shelf location the goods went to (kept in the history)")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InboundWithdrawInput(serializers.Serializer):
    reason = RequiredText(max_length=2000, help_text="why the announced goods will not come")


class InboundShipmentViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Inbound stock: suppliers announce their own, see them and withdraw one not received; logistics receives and puts away."""

    serializer_class = InboundShipmentSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["state", "gift", "replenishment_request"]
    search_fields = ["number", "gift__sku", "gift__name"]
    ordering_fields = ["announced_at", "expected_on", "id"]

    def get_queryset(self):
        return InboundShipment.objects.visible_to(self.request.user).select_related("gift", "location")

    @extend_schema(request=InboundAnnounceInput, responses={201: InboundShipmentSerializer})
    @idempotent
    def create(self, request):
        """Announce an inbound shipment of one of the caller's warehouse gifts (Idempotency-Key required: a retry replays
        the first answer)."""
        require_role(request.user, SUPPLIER_ROLES)
        params = InboundAnnounceInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        shipment = inbound.announce_inbound(
            supplier=Supplier.objects.get(pk=request.user.supplier_id), gift_id=data["gift"].pk, location_id=data["location"].pk,
            quantity=data["quantity"], expected_on=data["expected_on"], replenishment_request_id=data["replenishment_request"],
            note=data["note"], actor=request.user, now=timezone.now(),
        )
        return Response(InboundShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)

    receive = transition_action(inbound.receive_inbound, name="receive", roles=LOGISTICS, target="inbound", input_serializer=InboundReceiveInput)
    put_away = transition_action(inbound.put_away_inbound, name="put_away", roles=LOGISTICS, target="inbound",
                                 input_serializer=InboundPutAwayInput)
    withdraw = transition_action(inbound.withdraw_inbound, name="withdraw", roles=SUPPLIER_ROLES, target="inbound",
                                 input_serializer=InboundWithdrawInput)


# handoff batches

class HandoffBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)
    order_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = HandoffBatch
        fields = ["id", "number", "key", "created_at", "created_by", "order_count"]
        read_only_fields = fields


class HandoffBatchInput(serializers.Serializer):
    key = serializers.CharField(max_length=80, help_text="a retried request with the same key returns the same batch")


class HandoffBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Handoff batches: every confirmed warehouse order goes to the logistics provider once, in one batch."""

    serializer_class = HandoffBatchSerializer
    http_method_names = ["get", "post", "head", "options"]
    search_fields = ["number", "key"]

    def get_queryset(self):
        return shipments.handoff_batches(self.request.user)

    @extend_schema(request=HandoffBatchInput, responses={201: HandoffBatchSerializer, 200: HandoffBatchSerializer})
    def create(self, request):
        """Hand over every confirmed warehouse order not yet handed over (201); a retry with the same key returns that batch (200)."""
        require_role(request.user, HANDOFF_STAFF)
        params = HandoffBatchInput(data=request.data)
        params.is_valid(raise_exception=True)
        replay = HandoffBatch.objects.filter(key=params.validated_data["key"].strip()).exists()
        batch = shipments.hand_over_warehouse_orders(key=params.validated_data["key"], actor=request.user, now=timezone.now())
        return Response(self.get_serializer(self.get_queryset().get(pk=batch.pk)).data,
                        status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


# shipments

class ShipmentSerializer(serializers.ModelSerializer):
    """A shipment with the recipient it goes to (its order's, or one corrected for a re-delivery), masked unless the view
    unmasked it (`unmasked_ids`) or the reader is the member."""

    order_number = serializers.CharField(source="order.number", read_only=True)
    gift_name = serializers.CharField(source="order.gift.name", read_only=True)
    # the shipment's kind is its order's fulfilment; one name (and one enum) for both
    fulfilment = serializers.ChoiceField(source="kind", choices=Shipment.Kind.choices, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id", "order", "order_number", "gift_name", "supplier", "fulfilment", "state", "quantity", "replacement_for", "carrier",
            "tracking_number", "signer", "failure_reason", "created_at", "picked_at", "shipped_at", "delivered_at",
            "recipient_name", "recipient_phone", "address",
        ]
        read_only_fields = fields

    def to_representation(self, shipment):
        data = super().to_representation(shipment)
        user = self.context["request"].user
        # a member reads only its own parcels, whose contact it may always see (points.privacy.may_see_contact)
        unmasked = user.role == Role.MEMBER or shipment.pk in self.context.get("unmasked_ids", ())
        data |= dict(zip(shipments.CONTACT_FIELDS, shipments.contact_shown(shipment, unmasked=unmasked), strict=True))
        data["signer"] = shipments.signer_shown(shipment, unmasked=unmasked)
        return data


class ShipmentShipInput(serializers.Serializer):
    # both required, and judged together by the service (`shipments.tidy_waybill`), so that one answer names both
    carrier = serializers.CharField(max_length=40, allow_blank=True)
    tracking_number = serializers.CharField(max_length=60, allow_blank=True)


class ShipmentCorrectTrackingInput(ShipmentShipInput):
    reason = RequiredText(max_length=2000, help_text="why the number is corrected (kept in the history with the old and the new)")


class ShipmentDeliverInput(serializers.Serializer):
    signer = serializers.CharField(max_length=50)
    signed_at = BusinessDateTimeField(
        required=False, allow_null=True, default=None,
        help_text="when the parcel was signed for (default: now); not in the future, not before it was shipped",
    )


class ShipmentFailInput(serializers.Serializer):
    reason = RequiredText(max_length=200)


class ShipmentReceiptInput(serializers.Serializer):
    pass


class TrackingNumberFilter(django_filters.CharFilter):
    """A tracking number as stored (`tracking_key`): typed in any case, with spaces around it."""

    def filter(self, qs, value):
        return super().filter(qs, tracking_key(value) if value else value)


class ShipmentFilter(FilterSet):
    fulfilment = django_filters.ChoiceFilter(field_name="kind", choices=Shipment.Kind.choices)
    batch = IdFilter(field_name="order__handoff_item__batch", label="handoff batch id")
    warehouse = IdFilter(field_name="order__location", label="warehouse (location) id the order ships from")
    created_after = TimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimeFilter(field_name="created_at", lookup_expr="lt")
    tracking_number = TrackingNumberFilter(label="the tracking number, in any case")
    awaiting_decision = YesNoFilter(method="filter_awaiting_decision",
                                    label="only the failed parcels the operator has still to re-deliver or give up, as the "
                                          "shipment list's 仅看待重新配送或放弃 (false: only the others)")
    unshipped = YesNoFilter(method="filter_unshipped",
                            label="only the parcels not shipped yet (created or picked), as the shipment list's 仅看未发出 "
                                  "(for logistics staff only the kinds it ships: warehouse parcels; false: only the others)")

    class Meta:
        model = Shipment
        fields = ["state", "fulfilment", "order", "batch", "warehouse", "created_after", "created_before", "tracking_number",
                  "awaiting_decision", "unshipped"]

    def filter_awaiting_decision(self, queryset, name, value):
        return awaiting_decision(queryset, value)

    def filter_unshipped(self, queryset, name, value):
        return unshipped(queryset, value, reader=self.request.user)


def by_hand(action: str) -> Callable:
    """A check refusing (403, before the shipment's state is judged) a user whose role may not `action` a shipment of
    its kind by hand."""

    def check(user, shipment: Shipment) -> None:
        if not shipments.may_drive_by_hand(user=user, shipment=shipment, action=action):
            raise PermissionDenied()

    return check


class ShipmentViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Shipments: a supplier sees its own, a member its own, staff all. Logistics picks, ships, delivers and fails
    warehouse shipments; a dropship supplier only ships its own; the member confirms receipt."""

    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    search_fields = ["tracking_number", "order__number"]  # as `search_rows` reads them
    ordering_fields = ["created_at", "shipped_at", "id"]

    def get_queryset(self):
        return Shipment.objects.visible_to(self.request.user).select_related("order__gift")

    def search_rows(self, rows, text: str):
        """`?search=`: a tracking number as people type it, or an order number (`search_shipments`)."""
        return search_shipments(rows, text)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def get_serializer(self, instance=None, *args, **kwargs):
        """One shipment (its own address, or a step's answer: the updated resource) as its reader may read it: the
        recipient whole where they must act on it (`shipments.may_see_parcel_contact`), that read logged; a list's
        rows masked."""
        if isinstance(instance, Shipment):
            user, now = self.request.user, timezone.now()
            unmasked = shipments.may_see_parcel_contact(user=user, shipment=instance, now=now)
            if unmasked and user.role != Role.MEMBER:
                log_personal_data_access(actor=user, subject=instance.order, fields=shipments.CONTACT_FIELDS, purpose="shipment", at=now)
            kwargs["context"] = self.get_serializer_context() | {"unmasked_ids": {instance.pk} if unmasked else set()}
        return super().get_serializer(instance, *args, **kwargs)

    pick = transition_action(shipments.pick_shipment, name="pick", check=by_hand("pick"), roles=LOGISTICS, target="shipment")
    ship = transition_action(shipments.ship_shipment, name="ship", check=by_hand("ship"), roles=LOGISTICS | SUPPLIER_ROLES,
                             target="shipment", input_serializer=ShipmentShipInput)
    correct_tracking = transition_action(shipments.correct_tracking, name="correct_tracking", check=by_hand("correct_tracking"),
                                         roles=LOGISTICS | SUPPLIER_ROLES, target="shipment", input_serializer=ShipmentCorrectTrackingInput)
    deliver = transition_action(shipments.deliver_shipment, name="deliver", check=by_hand("deliver"), roles=LOGISTICS,
                                target="shipment", input_serializer=ShipmentDeliverInput)
    fail = transition_action(shipments.fail_shipment, name="fail", check=by_hand("fail"), roles=LOGISTICS, target="shipment",
                             input_serializer=ShipmentFailInput)
    confirm_receipt = transition_action(shipments.confirm_shipment_receipt, name="confirm_receipt", roles=MEMBER, target="shipment",
                                        input_serializer=ShipmentReceiptInput, transition="deliver")

