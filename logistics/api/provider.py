"""The logistics provider's API (SPEC §4.6): carrier events, one per request, through a signed webhook or through
the token API as a logistics user, and the list of events with their status for logistics staff and operators; the
changes made to the provider's tariff of extra costs, for staff.

A recorded event answers 200 when applied (also on a retry) and 202 while it waits for its predecessor; an event
the shipment cannot take is stored as rejected and answers 409 `carrier_event_rejected`.
"""
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.changes import ChangesViewSet
from core.api.fields import ActorField, BusinessDateTimeField
from core.api.parsers import JSONParser
from core.api.filters import FilterSet
from core.api.errors import ErrorResponse409Serializer
from core.errors import DomainError
from core.api.permissions import require_role
from core.masking import mask_name
from core.roles import Role
from logistics import signing
from logistics.api.flow import TrackingNumberFilter
from logistics.errors import BadSignature, CarrierEventRejected, EventIdReused, SequenceTaken, StaleRequest, UnknownShipment
from logistics.models import CarrierEvent, TariffChange
from logistics.models.costs import CostKind
from logistics.services import carrier_events, costs

SENDERS = frozenset({Role.LOGISTICS})
READERS = frozenset({Role.LOGISTICS, Role.OPERATOR})


class CarrierEventInput(serializers.Serializer):
    event_id = serializers.CharField(max_length=80, help_text="稳定的事件编号，重试时不变 (stable across retries; applied once)")
    tracking_number = serializers.CharField(max_length=60)
    sequence = serializers.IntegerField(min_value=1, max_value=carrier_events.MAX_SEQUENCE,
                                        help_text="该运单的事件序号，从1开始 (per tracking number, from 1, no gaps)")
    kind = serializers.ChoiceField(choices=CarrierEvent.Kind.choices)
    occurred_at = BusinessDateTimeField()
    payload = serializers.DictField(
        required=False, default=dict,
        help_text="carrier (shipped), signer (delivered, required), reason (failed), order_number (before the waybill is known)",
    )


class CarrierEventSerializer(serializers.ModelSerializer):
    """An event as recorded; the signer's name in the payload is masked."""

    # plain text here: the choice set is documented once, on the input (one enum component, no naming collision)
    kind = serializers.CharField(read_only=True, help_text="picked, shipped, delivered or failed")
    payload = serializers.SerializerMethodField()
    shipment_state = serializers.CharField(source="shipment.state", default=None, read_only=True)

    class Meta:
        model = CarrierEvent
        fields = ["id", "event_id", "tracking_number", "sequence", "kind", "occurred_at", "payload", "received_at", "status",
                  "detail", "shipment", "shipment_state"]
        read_only_fields = fields

    def get_payload(self, event: CarrierEvent) -> dict:
        payload = dict(event.payload)
        if payload.get("signer"):
            payload["signer"] = mask_name(str(payload["signer"]))
        return payload


class SignatureErrorResponse(ErrorResponse409Serializer):
    """bad_signature (403), stale_request (401)"""


class CarrierEventErrorResponse(ErrorResponse409Serializer):
    """unknown_shipment (404), carrier_event_rejected and event_sequence_taken (409), event_id_reused (422)"""


def refusal(serializer, description: str, *errors: tuple[type[DomainError], str]) -> OpenApiResponse:
    """A response answering with these errors (each with the field it names), shown as examples in place of the
    generic one of its status."""
    examples = [OpenApiExample(error.code, value={"type": "client_error", "errors": [
        {"code": error.code, "detail": str(error.default_detail), "attr": attr}]}) for error, attr in errors]
    return OpenApiResponse(serializer, description=description, examples=examples)


RECORDED = {
    200: CarrierEventSerializer,
    202: CarrierEventSerializer,
    404: refusal(CarrierEventErrorResponse, "unknown_shipment: no shipment has the tracking number (nor is the order named "
                 "in payload.order_number waiting for its waybill); nothing is stored: retry later with the same event_id",
                 (UnknownShipment, "tracking_number")),
    409: refusal(CarrierEventErrorResponse, "carrier_event_rejected: stored as rejected, the shipment cannot take it (e.g. "
                 "delivered before shipped), and a retry answers the same; event_sequence_taken: another event_id holds this "
                 "sequence of the tracking number; concurrent_update: the shipment changed meanwhile, retry",
                 (CarrierEventRejected, "kind"), (SequenceTaken, "sequence")),
    422: refusal(CarrierEventErrorResponse, "event_id_reused: the event_id was sent before with other content",
                 (EventIdReused, "event_id")),
}
SIGNED = RECORDED | {
    401: refusal(SignatureErrorResponse, "stale_request: X-Timestamp more than 300 s from our clock",
                 (StaleRequest, signing.TIMESTAMP_HEADER)),
    403: refusal(SignatureErrorResponse, "bad_signature: a missing or malformed X-Signature or X-Timestamp, or a signature "
                 "that does not match", (BadSignature, signing.SIGNATURE_HEADER)),
}


def _record(request, *, actor) -> Response:
    params = CarrierEventInput(data=request.data)
    params.is_valid(raise_exception=True)
    event = carrier_events.record_carrier_event(**params.validated_data, now=timezone.now(), actor=actor)
    return Response(CarrierEventSerializer(event).data, status=202 if event.status == CarrierEvent.Status.WAITING else 200)


class ProviderWebhookView(APIView):
    """The provider's webhook: no session or token; the HMAC signature of each attempt authenticates it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        request=CarrierEventInput, responses=SIGNED, auth=[],
        parameters=[
            OpenApiParameter(signing.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
                             description='"sha256=" + hex HMAC-SHA256 of f"{X-Timestamp}.{raw body}" with the shared secret'),
            OpenApiParameter(signing.TIMESTAMP_HEADER, int, OpenApiParameter.HEADER, required=True,
                             description="this attempt's send time in Unix seconds; stale after 300 s"),
        ],
    )
    def post(self, request):
        """Record one carrier event signed by the provider (403 bad_signature, 401 stale_request)."""
        signing.verify(body=request.body, signature=request.headers.get(signing.SIGNATURE_HEADER),
                       timestamp=request.headers.get(signing.TIMESTAMP_HEADER), now=timezone.now())
        return _record(request, actor=None)


class CarrierEventFilter(FilterSet):
    tracking_number = TrackingNumberFilter(label="the tracking number, in any case")

    class Meta:
        model = CarrierEvent
        fields = ["tracking_number", "status", "kind"]


class CarrierEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Carrier events with their status (logistics staff and operators); the provider's system posts them as a logistics user."""

    serializer_class = CarrierEventSerializer
    filterset_class = CarrierEventFilter
    ordering_fields = ["received_at", "occurred_at", "sequence"]

    def get_queryset(self):
        return carrier_events.list_carrier_events(actor=self.request.user)

    def list(self, request, *args, **kwargs):
        require_role(request.user, READERS)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CarrierEventInput, responses=RECORDED)
    def create(self, request):
        """Record one carrier event (logistics role)."""
        require_role(request.user, SENDERS)
        return _record(request, actor=request.user)


class TariffChangeSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="tariff.kind", read_only=True, help_text="the kind of extra cost whose tariff changed")
    previous_unit_label = serializers.CharField(source="get_previous_unit_display", read_only=True, help_text="in the request's language")
    unit_label = serializers.CharField(source="get_unit_display", read_only=True, help_text="in the request's language")
    changed_by = ActorField()

    class Meta:
        model = TariffChange
        fields = ["id", "kind", "previous_amount", "previous_unit", "previous_unit_label", "amount", "unit", "unit_label", "changed_at",
                  "changed_by", "reason"]
        read_only_fields = fields


class TariffChangeQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CostKind.choices, required=False, allow_blank=True, default="")


class TariffChangeViewSet(ChangesViewSet):
    """Each change of the tariff of extra costs, newest first: the price and unit before and after, who, when and why (staff)."""

    serializer_class = TariffChangeSerializer
    query = TariffChangeQuery

    def changes(self, *, kind: str):
        return costs.list_tariff_changes(actor=self.request.user, kind=kind)
