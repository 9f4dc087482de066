"""API of adjustments (调账, SPEC §4.11): finance proposes, another finance user approves or rejects (maker-checker).

A supplier reads its own adjustments; another supplier's is a 404. The rules (who may decide, which statement a
dispute resolution joins) live in settlement.services.adjustments.
"""
import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api.fields import ActorField, RequiredText, ScopedKey
from core.api.filters import FilterSet, TimeFilter, YesNoFilter
from core.api.permissions import require_role
from core.api.transitions import RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.idempotency import idempotent
from core.roles import Role
from settlement.models import Adjustment, ReconciliationLine, Statement
from settlement.services import adjustments
from settlement.sources import source_choices
from suppliers.models import Supplier

FINANCE = frozenset({Role.FINANCE})


class AdjustmentSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    created_by = ActorField()
    reason = serializers.CharField(read_only=True, help_text="as written, in Chinese with its values (its statement line copies it)")
    reason_label = serializers.CharField(read_only=True, help_text="the reason in the request's language where the system wrote it")
    decided_by = ActorField()
    booked_statement = serializers.IntegerField(source="booked_statement_id", default=None, read_only=True,
                                                help_text="the statement whose line booked the approved adjustment, once one has "
                                                          "and the caller may open it (a supplier: not while it is a draft)")
    booking = serializers.SerializerMethodField(
        help_text="where it is or will be booked, as the adjustments page says it: booked (on `booked_statement`), "
                  "next_statement (on the supplier's next statement, still in preparation), next_version (once approved, "
                  "on the next version of the disputed `statement`), approval_month (once approved, on the statement of "
                  "the month it is approved in; see `joins_if_disputed`), or \"\" (rejected or withdrawn: never)")
    booking_label = serializers.SerializerMethodField(help_text="`booking` in the request's language, as the page says it")
    joins_if_disputed = serializers.SerializerMethodField(
        help_text="a reconciliation correction of an issued statement: that statement, whose dispute would take the "
                  "correction into its next version instead")

    class Meta:
        model = Adjustment
        fields = [
            "id", "number", "supplier", "supplier_name", "kind", "amount", "reason", "reason_label", "source_kind", "source_id", "statement",
            "state", "created_by", "created_at", "decided_by", "decided_at", "decision_note", "booked_statement", "booking",
            "booking_label", "joins_if_disputed",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": [*adjustments.BOOKINGS, ""]})
    def get_booking(self, adjustment: Adjustment) -> str:
        return adjustments.where_booked(adjustment).code

    @extend_schema_field(OpenApiTypes.STR)
    def get_booking_label(self, adjustment: Adjustment) -> str:
        return adjustments.where_booked(adjustment).label()

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_joins_if_disputed(self, adjustment: Adjustment) -> int | None:
        return adjustments.where_booked(adjustment).joins_if_disputed_id


class ProposeAdjustmentInput(serializers.Serializer):
    supplier = ScopedKey(Supplier, required=True)
    kind = serializers.ChoiceField(choices=[(kind, Adjustment.Kind(kind).label) for kind in adjustments.HAND_KINDS],
                                   help_text="a kind finance makes by hand (a carry correction is the system's); dispute only "
                                             "with a disputed `statement`")
    # text, parsed by the one rule of the portal and files (`parse_amount`): a DecimalField would also take "1e3"
    amount = serializers.CharField(max_length=30, help_text="plain decimal, at most two places, e.g. -180.00; positive adds to "
                                                            "the payable, negative deducts; a penalty is negative, a "
                                                            "compensation positive")
    reason = RequiredText(max_length=2000)
    source_kind = serializers.CharField(max_length=30, default="other", help_text="order, return, extra_cost, complaint, … or other")
    source_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                      help_text="an order or return number; an extra cost as its id, 12 or #12 (kept as #12)")
    statement = ScopedKey(Statement)
    reconciliation_lines = ScopedKey(ReconciliationLine, many=True, required=False, default=list,
                                     help_text="with a disputed statement: ids of its reconciliation lines this adjustment answers "
                                               "(they are resolved by it)")


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectionInput(serializers.Serializer):
    note = RequiredText(max_length=2000, help_text="why the adjustment is rejected")


class AdjustmentFilter(FilterSet):
    """The 调账 page's filters: source type, and the times adjustments were approved or rejected (the page's 审批日期,
    a payment run's month), the `_after` bound inclusive."""

    source_kind = django_filters.ChoiceFilter(choices=source_choices, help_text="the source type: order, return, extra_cost, …")
    decided_after = TimeFilter(field_name="decided_at", lookup_expr="gte")
    decided_before = TimeFilter(field_name="decided_at", lookup_expr="lt")
    waiting = YesNoFilter(method="filter_waiting", label="only those waiting for the caller's decision, as its navigation badge "
                                                          "counts them: another finance user's proposals (false: only the others)")

    class Meta:
        model = Adjustment
        fields = ["state", "kind", "supplier", "statement", "source_kind", "decided_after", "decided_before", "waiting"]

    def filter_waiting(self, queryset, name, value):
        return adjustments.waiting_to_check(queryset, self.request.user, value)


class AdjustmentViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Adjustments: finance proposes; another finance user approves or rejects; suppliers read their own."""

    serializer_class = AdjustmentSerializer
    filterset_class = AdjustmentFilter
    search_fields = adjustments.SEARCHED
    ordering_fields = ["created_at", "decided_at", "amount", "id"]

    def get_queryset(self):
        return adjustments.list_adjustments(actor=self.request.user)

    def get_serializer(self, instance=None, *args, **kwargs):
        """An adjustment a service returned (proposed, decided) is read again as the caller lists it, with where it is
        booked now (`adjustments.with_booking`)."""
        if isinstance(instance, Adjustment) and self.action != "retrieve":
            instance = self.get_queryset().get(pk=instance.pk)
        return super().get_serializer(instance, *args, **kwargs)

    @extend_schema(request=ProposeAdjustmentInput, responses={201: AdjustmentSerializer})
    @idempotent
    def create(self, request):
        """Propose an adjustment (Idempotency-Key required); naming a statement in dispute makes it a resolution of that
        dispute."""
        require_role(request.user, FINANCE)
        params = ProposeAdjustmentInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        adjustment = adjustments.propose_adjustment(**params.validated_data, actor=request.user, now=timezone.now())
        return Response(self.get_serializer(adjustment).data, status=status.HTTP_201_CREATED)

    approve = transition_action(adjustments.approve_adjustment, name="approve", roles=FINANCE, target="adjustment",
                                input_serializer=DecisionInput)
    reject = transition_action(adjustments.reject_adjustment, name="reject", roles=FINANCE, target="adjustment",
                               input_serializer=RejectionInput)
    withdraw = transition_action(adjustments.withdraw_adjustment, name="withdraw", roles=FINANCE, target="adjustment",
                                 input_serializer=RequiredReasonInput, check=adjustments.require_withdrawer)
