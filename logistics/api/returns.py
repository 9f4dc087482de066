"""API of returns and exchanges, extra costs, tariffs and logistics claims (SPEC §4.6, §4.7).

Each view parses its input, makes one service call and renders; the rules live in logistics.services.
Reads start from the services' scoped lists, so another tenant's return or cost is a 404.
"""
from functools import partial
from pathlib import Path

import django_filters
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.api.downloads import STORED_FILE_TYPES, negotiation
from core.api.fields import ActorField, BusinessDateField, BusinessDateTimeField, RequiredText, ScopedKey
from core.api.filters import FilterSet, IdFilter, TimeFilter, YesNoFilter
from core.api.permissions import require_role
from core.api.schema import stored_file_responses
from core.api.serializers import HidesSettlementMoney
from core.api.transitions import ReasonInput, RejectionFields, RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.files import MAX_DOCUMENT_BYTES, serve
from core.idempotency import idempotent
from core.roles import OPERATORS, STAFF_ROLES, SUPPLIER_ROLES, Role, has_role
from logistics.models import ExtraCost, ReturnEvidence, InboundShipment, LeftoverLot, LogisticsClaim, ReturnRequest, Shipment, Tariff
from logistics.models.costs import KIND_UNIT, CostKind, Payer, TariffUnit
from logistics.services import claims, costs, return_split, returns
from logistics.services.return_evidence import MAX_FILES as MAX_EVIDENCE_FILES
from points.models import RedemptionOrder

MEMBER = frozenset({Role.MEMBER})
LOGISTICS = frozenset({Role.LOGISTICS})


# --- returns -----------------------------------------------------------------------------------------------------

class ReplacementSerializer(serializers.ModelSerializer):
    """A parcel of a return: an exchange's replacement, or refused goods sent back to the member."""

    class Meta:
        model = Shipment
        fields = ["id", "state", "quantity", "carrier", "tracking_number", "shipped_at", "delivered_at", "failure_reason"]
        read_only_fields = fields


class ReturnEvidenceSerializer(serializers.ModelSerializer):
    """A picture or PDF of the return's goods: `stage` who sent it (request: the member; receipt: whoever recorded the
    goods' arrival; inspection: the inspector), `url` where those who see the return fetch it."""

    url = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    class Meta:
        model = ReturnEvidence
        fields = ["id", "stage", "name", "url", "uploaded_at"]
        read_only_fields = fields

    def get_url(self, evidence) -> str:
        return reverse("return-evidence-file", kwargs={"pk": evidence.pk}, request=self.context.get("request"))

    def get_name(self, evidence) -> str:
        return Path(evidence.file.name).name


class ReturnPartSerializer(serializers.ModelSerializer):
    """A return split off this one (`split`): its units are inspected on their own."""

    class Meta:
        model = ReturnRequest
        fields = ["id", "number", "quantity", "state"]
        read_only_fields = fields


class ReturnSerializer(HidesSettlementMoney, serializers.ModelSerializer):
    settlement_money_fields = ("settlement_amount",)

    order_number = serializers.CharField(source="order.number", read_only=True)
    gift_name = serializers.CharField(source="order.gift.name", read_only=True)
    fulfilment = serializers.CharField(source="order.fulfilment", read_only=True)
    refunded_points = serializers.SerializerMethodField()
    replacements = ReplacementSerializer(source="replacement_shipments", many=True, read_only=True)
    evidence = ReturnEvidenceSerializer(many=True, read_only=True)
    split_from_number = serializers.CharField(
        source="split_from.number", default=None, read_only=True, help_text="the return this one was split off (拆自), else null",
    )
    split_parts = ReturnPartSerializer(many=True, read_only=True, help_text="the returns split off this one (拆出)")
    sent_back = ReplacementSerializer(
        source="send_back_shipments", many=True, read_only=True,
        help_text="a return refused at inspection: the parcel taking the goods back to the member",
    )

    class Meta:
        model = ReturnRequest
        fields = [
            "id", "number", "order", "order_number", "gift_name", "supplier", "fulfilment", "quantity", "received_quantity",
            "reason", "remedy", "description", "state", "requested_at", "received_at", "inspected_at", "closed_at", "outcome", "liable",
            "settlement_amount", "refunded_points", "replacements", "sent_back", "evidence", "split_from", "split_from_number",
            "split_parts",
        ]
        read_only_fields = fields

    def get_refunded_points(self, return_request) -> int:
        return return_request.refund_entry.points if return_request.refund_entry_id else 0


def evidence_input(who: str) -> serializers.ListField:
    """Files sent as multipart under `evidence` (repeated); each judged by the return service, which names a refused one."""
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text=f"{who}: pictures (JPEG, PNG, WebP) or PDFs of at most {MAX_DOCUMENT_BYTES // 2**20} MB each, at most {MAX_EVIDENCE_FILES}, sent as multipart",
    )


class RequestReturnInput(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)
    reason = serializers.ChoiceField(choices=ReturnRequest.Reason.choices)
    remedy = serializers.ChoiceField(choices=ReturnRequest.Remedy.choices, default=ReturnRequest.Remedy.REFUND)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    evidence = evidence_input("the member's photos of the goods")


class ReceiveInput(ReasonInput):
    received_quantity = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="units that arrived, 1 … the return's quantity (left out or null: all of them); fewer need a `reason`, "
                  "and the return then resolves for these units only",
    )
    evidence = evidence_input("what arrived, for the inspector")


class SendBackAgainInput(serializers.Serializer):
    reason = RequiredText(max_length=2000, help_text="why the goods go back again (the last parcel back failed: e.g. the address corrected)")


class FailedReplacementInput(serializers.Serializer):
    reason = RequiredText(
        max_length=2000, help_text="why the operator ships another replacement or refunds the points instead (e.g. the address corrected)"
    )


class ReshipReplacementInput(FailedReplacementInput):
    """Another replacement after a failed one; a recipient field given corrects it (blank or left out: as the failed
    parcel had it), the rules those of placing an order (`reship_replacement` decides)."""

    recipient_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    recipient_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class InspectInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReturnRequest.Outcome.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    refund_if_no_replacement = serializers.BooleanField(
        required=False, default=False,
        help_text="an exchange the order's location has no unit to replace is refunded instead (else refused, 409 out_of_stock)",
    )
    evidence = evidence_input("the inspector's")


class SplitInput(serializers.Serializer):
    quantity = serializers.IntegerField(help_text="units of those received split off into a new return: 1 … one fewer than received")
    reason = RequiredText(max_length=2000, help_text="why the units are inspected apart (e.g. one damaged in transit, the others unused)")


TARGET = "return_request"


class ReturnFilter(FilterSet):
    fulfilment = django_filters.ChoiceFilter(field_name="order__fulfilment", choices=RedemptionOrder._meta.get_field("fulfilment").choices,
                                             label="the order's fulfilment (as the orders' `?fulfilment=`)")
    requested_after = TimeFilter(field_name="requested_at", lookup_expr="gte")
    requested_before = TimeFilter(field_name="requested_at", lookup_expr="lt")
    replacement_failed = YesNoFilter(method="filter_replacement_failed",
                                     label="only the exchanges whose latest replacement failed, as the page's 仅看换货配送失败 "
                                           "(false: only the others)")

    class Meta:
        model = ReturnRequest
        fields = ["state", "reason", "outcome", "order", "supplier", "fulfilment", "order__fulfilment", "requested_after",
                  "requested_before", "replacement_failed"]

    def filter_replacement_failed(self, queryset, name, value):
        return returns.by_failed_replacement(queryset, value)


class ReturnViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Returns and exchanges: members their own, suppliers theirs, staff all; the workflow of SPEC §4.7 as actions."""

    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter
    search_fields = ["number", "order__number"]
    ordering_fields = ["requested_at", "id"]
    pages_by_id = True  # a page joins the order, gift, supplier and refund of its own returns only

    def get_queryset(self):
        return returns.list_returns(user=self.request.user)

    def transition_history(self, return_request):
        return returns.return_history(return_request)

    approve = transition_action(returns.approve_return, name="approve", roles=returns.roles_for("approve"), target=TARGET, check=partial(returns.require_may_act, step="approve"))
    reject = transition_action(returns.reject_return, name="reject", roles=returns.roles_for("reject"), target=TARGET, check=partial(returns.require_may_act, step="reject"),
                               input_serializer=RequiredReasonInput)
    receive = transition_action(returns.receive_return, name="receive", roles=returns.roles_for("receive"), target=TARGET, check=partial(returns.require_may_act, step="receive"),
                                input_serializer=ReceiveInput)
    inspect = transition_action(
        returns.inspect_return, name="inspect", roles=returns.roles_for("inspect"), target=TARGET, check=partial(returns.require_may_act, step="inspect"), input_serializer=InspectInput
    )
    split = transition_action(
        return_split.split_return, name="split", roles=returns.roles_for("split"), target=TARGET, check=partial(returns.require_may_act, step="split"),
        input_serializer=SplitInput,
    )
    send_back_again = transition_action(
        returns.send_back_again, name="send_back_again", roles=returns.roles_for("send_back_again"), target=TARGET, check=partial(returns.require_may_act, step="send_back_again"),
        input_serializer=SendBackAgainInput,
    )
    reship_replacement = transition_action(
        returns.reship_replacement, name="reship_replacement", roles=returns.roles_for("reship_replacement"), target=TARGET, check=partial(returns.require_may_act, step="reship_replacement"),
        input_serializer=ReshipReplacementInput,
    )
    refund_instead = transition_action(
        returns.refund_instead, name="refund_instead", roles=returns.roles_for("refund_instead"), target=TARGET, check=partial(returns.require_may_act, step="refund_instead"),
        input_serializer=FailedReplacementInput,
    )


class ReturnEvidenceFileView(generics.GenericAPIView):
    """GET /return-evidence/{id}/: a return's picture or PDF, for those who see the return (its member, its supplier,
    staff); anyone else a 404."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = negotiation(*STORED_FILE_TYPES)

    def get_queryset(self):
        return returns.list_evidence(user=self.request.user)

    @extend_schema(responses=stored_file_responses())
    def get(self, request, pk=None):
        evidence = self.get_object()
        return serve(evidence.file, content_type=evidence.content_type)


class OrderReturnsView(generics.GenericAPIView):
    """POST /orders/{id}/returns/: the member asks to return or exchange units of its delivered order."""

    serializer_class = RequestReturnInput

    def get_queryset(self):
        return RedemptionOrder.objects.visible_to(self.request.user)

    @extend_schema(request=RequestReturnInput, responses={201: ReturnSerializer})
    def post(self, request, pk=None):
        order = self.get_object()
        require_role(request.user, MEMBER)
        params = RequestReturnInput(data=request.data)
        params.is_valid(raise_exception=True)
        return_request = returns.request_return(order=order, actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(ReturnSerializer(return_request, context={"request": request}).data, status=status.HTTP_201_CREATED)


# --- extra costs and tariffs -------------------------------------------------------------------------------------

class ExtraCostSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    order_number = serializers.CharField(source="order.number", default=None, read_only=True)
    return_number = serializers.CharField(source="return_request.number", default=None, read_only=True)
    recorded_by = ActorField(help_text="who recorded the cost (null: the system)")
    voided_by = ActorField()
    description_label = serializers.CharField(read_only=True,
                                              help_text="the description in the request's language where the system wrote it")

    class Meta:
        model = ExtraCost
        fields = [
            "id", "kind", "payer", "supplier", "supplier_name", "amount", "quantity", "order", "order_number", "return_request",
            "return_number", "inbound", "lot", "fee_date", "description", "description_label", "recorded_at", "recorded_by", "state", "voided_at",
            "voided_by", "void_reason",
        ]
        read_only_fields = fields


class CostOwnerInput(serializers.Serializer):
    """What a cost belongs to, read first: who records it depends on it."""

    order = ScopedKey(RedemptionOrder)
    return_request = ScopedKey(ReturnRequest)
    inbound = ScopedKey(InboundShipment)
    lot = ScopedKey(LeftoverLot)


class RecordExtraCostInput(CostOwnerInput):
    kind = serializers.ChoiceField(choices=CostKind.choices)
    payer = serializers.ChoiceField(choices=Payer.choices)
    quantity = serializers.IntegerField(min_value=1, max_value=costs.MAX_QUANTITY, default=1)
    fee_date = BusinessDateField(required=False, allow_null=True, default=None)
    description = RequiredText(max_length=300, help_text="what the cost is for (shown to whoever bears it)")

    def validate(self, data):
        if not any(data.get(name) for name in ("order", "return_request", "inbound", "lot")):
            raise serializers.ValidationError({"order": gettext("请指定费用所属的订单、退换货、入库单或遗留批次")})
        return data


class VoidExtraCostInput(serializers.Serializer):
    reason = RequiredText(max_length=300, help_text="why the cost was recorded in error (kept with it)")


class ExtraCostFilter(FilterSet):
    recorded_after = TimeFilter(field_name="recorded_at", lookup_expr="gte")
    recorded_before = TimeFilter(field_name="recorded_at", lookup_expr="lt")

    class Meta:
        model = ExtraCost
        fields = ["kind", "payer", "supplier", "order", "return_request", "lot", "inbound", "state", "recorded_after", "recorded_before"]


class ExtraCostViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Extra costs: a supplier sees those it bears, staff all; logistics (warehouse) and operators (dropship) record them
    and void one recorded in error (it stays listed, counted nowhere)."""

    serializer_class = ExtraCostSerializer
    filterset_class = ExtraCostFilter
    search_fields = costs.SEARCHED
    ordering_fields = ["recorded_at", "id"]

    def get_queryset(self):
        return costs.list_extra_costs(user=self.request.user)

    @extend_schema(request=RecordExtraCostInput, responses={201: ExtraCostSerializer})
    @idempotent
    def create(self, request):
        """Record an extra cost priced from the tariff (Idempotency-Key required); a lot's fee of a kind for a day already
        recorded is 409 `fee_already_recorded` (attr `fee_date`, the detail names the cost recorded), nothing charged again."""
        require_role(request.user, LOGISTICS | OPERATORS)
        # who records it depends on what it belongs to: judged first, when that is given and valid (else it is named
        # below with every other bad field)
        owner = CostOwnerInput(data=request.data, context={"request": request})
        if owner.is_valid() and any(owner.validated_data.values()):
            costs.require_cost_recorder(request.user, order=owner.validated_data.get("order"),
                                        return_request=owner.validated_data.get("return_request"))
        params = RecordExtraCostInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        cost = costs.record_extra_cost_by_hand(**params.validated_data, actor=request.user, now=timezone.now())
        return Response(ExtraCostSerializer(cost).data, status=status.HTTP_201_CREATED)

    void = transition_action(costs.void_extra_cost, name="void", roles=LOGISTICS | OPERATORS, target="cost", input_serializer=VoidExtraCostInput,
                             check=lambda user, cost: costs.require_cost_recorder(user, cost=cost))


class TariffSerializer(serializers.ModelSerializer):
    unit_label = serializers.CharField(source="get_unit_display", read_only=True, help_text="the unit in the request's language")

    class Meta:
        model = Tariff
        fields = ["kind", "amount", "unit", "unit_label"]
        read_only_fields = ["kind"]


class TariffInput(serializers.Serializer):
    """A tariff's new price and why; its bounds are the service's (`costs.update_tariff`), refused there naming the field."""

    amount = serializers.DecimalField(max_digits=10, decimal_places=2,
                                      help_text=f"{costs.MIN_TARIFF}–{costs.MAX_TARIFF} yuan, at most two decimal places")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                   help_text="why the price changes (required): kept in the tariff's history")
    unit = serializers.ChoiceField(
        choices=TariffUnit.choices, required=False,
        help_text="what the price is charged per, fixed by the kind (" + ", ".join(f"{kind}: {unit}" for kind, unit in KIND_UNIT.items())
        + "); optional, any other unit is refused",
    )


class TariffViewSet(viewsets.ReadOnlyModelViewSet):
    """The price list of extra costs; operators change it (recorded costs keep their amounts)."""

    serializer_class = TariffSerializer
    lookup_field = "kind"
    pagination_class = None
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        if not getattr(self, "swagger_fake_view", False):
            require_role(self.request.user, {Role.OPERATOR, Role.LOGISTICS, Role.FINANCE, *SUPPLIER_ROLES})
        return Tariff.objects.all()

    @extend_schema(request=TariffInput, responses=TariffSerializer)
    def partial_update(self, request, kind=None):
        tariff = self.get_object()
        require_role(request.user, OPERATORS)
        params = TariffInput(data=request.data)
        params.is_valid(raise_exception=True)
        tariff = costs.update_tariff(tariff=tariff, actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(TariffSerializer(tariff).data)


# --- logistics claims --------------------------------------------------------------------------------------------

#: whether a lost parcel's compensation stands though the parcel was delivered after all, its reversal rejected or
#: withdrawn (settlement answers: `settlement.api.claims`)
compensation_stands: list = []


class ClaimSerializer(RejectionFields, serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    supplier = serializers.IntegerField(source="order.supplier_id", read_only=True)
    supplier_name = serializers.CharField(source="order.supplier.name", read_only=True)
    gift_name = serializers.CharField(source="order.gift.name", read_only=True)
    return_number = serializers.CharField(source="return_request.number", default=None, read_only=True)
    reported_by = serializers.CharField(
        source="reported_by.username", default=None, read_only=True,
        help_text="who reported the lost parcel or found the transit damage inspecting the return (null: opened by the system)",
    )

    compensation_stands = serializers.SerializerMethodField(
        help_text="a lost parcel delivered after all whose supplier's compensation still stands, its reversal rejected or "
                  "withdrawn: finance proposes the reversal again (`propose-reversal`); null for suppliers")

    class Meta:
        model = LogisticsClaim
        fields = [
            "id", "order", "order_number", "supplier", "supplier_name", "gift_name", "return_request", "return_number", "cause",
            "quantity", "amount", "state", "opened_at", "reported_by", "settled_at", "settlement_reference", "received_amount",
            "received_date", "settlement_note", "rejection_reason", "rejection_reason_label", "compensation_stands",
        ]
        read_only_fields = fields

    def get_compensation_stands(self, claim) -> bool | None:
        request = self.context.get("request")
        if request is None or not has_role(request.user, STAFF_ROLES):
            return None
        return any(stands(claim) for stands in compensation_stands)


class ClaimFilter(FilterSet):
    supplier = IdFilter(field_name="order__supplier")
    opened_after = TimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = TimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = LogisticsClaim
        fields = ["state", "cause", "supplier", "order", "opened_after", "opened_before"]


class SettleInput(serializers.Serializer):
    settlement_reference = serializers.CharField(max_length=60)
    received_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, default=None, allow_null=True,
        help_text="the amount the provider paid (default: the claim's amount, in full)",
    )
    received_date = BusinessDateField(required=False, default=None, allow_null=True,
                                      help_text="the day it was received (default: today; never a later day)")
    settlement_note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="why the amount received differs (required then)",
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CorrectInput(serializers.Serializer):
    """The figures agreed with the provider (either left out: unchanged) and why."""

    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=None, allow_null=True)
    quantity = serializers.IntegerField(required=False, default=None, allow_null=True, min_value=1)
    reason = RequiredText(max_length=2000)


class LostParcelInput(serializers.Serializer):
    shipment = ScopedKey(Shipment, required=True)


class WithdrawLostReportInput(serializers.Serializer):
    """The parcel reported lost turned up delivered: when it was signed for, by whom, and how that is known."""

    signed_at = BusinessDateTimeField(help_text="when the parcel was signed for: not in the future, not before it was shipped")
    signer = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                   help_text="who signed for it (default: the parcel's recipient)")
    reason = RequiredText(max_length=200, help_text="how the delivery is known (the carrier's tracking, the member's word)")


class LogisticsClaimViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Claims on the logistics provider (transit damage, lost parcels): finance accepts, corrects, rejects and settles them;
    logistics staff or an operator report a parcel lost, and withdraw the report when it turns up delivered."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    search_fields = claims.SEARCHED
    ordering_fields = ["opened_at", "amount", "id"]

    def get_queryset(self):
        return claims.list_claims(user=self.request.user)

    accept = transition_action(claims.accept_claim, name="accept", roles=claims.SETTLERS, target="claim", input_serializer=ReasonInput)
    settle = transition_action(claims.settle_claim, name="settle", roles=claims.SETTLERS, target="claim", input_serializer=SettleInput)
    correct = transition_action(claims.correct_claim, name="correct", roles=claims.SETTLERS, target="claim", input_serializer=CorrectInput)
    reject = transition_action(
        claims.reject_claim, name="reject", roles=claims.SETTLERS, target="claim", input_serializer=RequiredReasonInput
    )
    withdraw = transition_action(
        claims.withdraw_lost_parcel_report, name="withdraw", roles=claims.REPORTERS, target="claim",
        input_serializer=WithdrawLostReportInput, check=lambda user, claim: claims.require_withdrawable(claim),
    )

    @extend_schema(request=LostParcelInput, responses={201: ClaimSerializer})
    @action(detail=False, methods=["post"], url_path="report-lost-parcel")
    def report_lost_parcel(self, request):
        """A shipped parcel never arrived: open a lost-parcel claim (logistics staff or an operator)."""
        require_role(request.user, claims.REPORTERS)
        params = LostParcelInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        claim = claims.report_lost_parcel(shipment=params.validated_data["shipment"], actor=request.user, now=timezone.now())
        return Response(self.get_serializer(claim).data, status=status.HTTP_201_CREATED)
