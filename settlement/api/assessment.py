"""API of monthly assessments (SPEC §4.10): scores with KPI results, computing a month, penalty and suspension proposals,
KPI settings, penalty rules.

Suppliers read their own assessments and proposals (another supplier's is a 404); operators and finance compute a
month; finance decides penalties (into adjustments another finance user approves); operators decide suspensions and
tune the KPI settings and penalty rules. The rules live in settlement.services.assessment and
settlement.services.assessment_rules.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import ActorField
from core.api.filters import query_names, read_query
from core.api.changes import ChangesViewSet
from core.api.conditional import CONDITIONAL_SET_UPDATE, CONDITIONAL_UPDATE, ConditionalUpdates, SetOfRecords
from core.api.permissions import require_role
from core.api.transitions import ReasonInput, RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.roles import OPERATORS, Role
from settlement.api.statements import MonthField
from settlement.models import (
    Assessment, Kpi, KpiResult, KpiSetting, KpiSettingChange, PenaltyProposal, PenaltyRule, PenaltyRuleChange, SuspensionProposal,
)
from settlement.services import assessment, assessment_rules

FINANCE = frozenset({Role.FINANCE})
STAFF = Assessment.visibility.staff  # who reads every supplier's assessment, as the portal's pages


class KpiResultSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_kpi_display", read_only=True)

    class Meta:
        model = KpiResult
        fields = ["kpi", "name", "numerator", "denominator", "value", "target", "weight", "attainment"]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    kpi_results = KpiResultSerializer(source="results", many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "supplier", "supplier_name", "month", "score", "computed_at", "kpi_results"]
        read_only_fields = fields


class ComputeInput(serializers.Serializer):
    month = MonthField(help_text="the month to assess, YYYY-MM; it must have ended")


class KeptSupplierSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(source="pk")
    supplier_name = serializers.CharField(source="name")


class ComputeOutput(serializers.Serializer):
    month = MonthField()
    assessed = serializers.IntegerField(help_text="suppliers assessed")
    kept = KeptSupplierSerializer(many=True, help_text="suppliers whose results of the month were kept as they were, not "
                                  "recomputed: one of their penalty or suspension proposals of the month is decided")


class OptionalMonthField(MonthField):
    """A month to filter by, `YYYY-MM`; blank: no filter."""

    def to_internal_value(self, data):
        return super().to_internal_value(data) if str(data).strip() else None


class AssessmentQuery(serializers.Serializer):
    month = OptionalMonthField(required=False, default=None, help_text="only the assessments of this month, YYYY-MM (a bad one: 400 "
                                                                         "naming `month`)")


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly assessments with their KPI results; a supplier sees its own. POST compute/ assesses a month on demand."""

    serializer_class = AssessmentSerializer
    filterset_fields = ["supplier"]
    ordering_fields = ["month", "score", "id"]
    query_parameters = query_names(AssessmentQuery)

    @extend_schema(parameters=[AssessmentQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        month = read_query(AssessmentQuery, self.request)["month"] if self.action == "list" else None
        return assessment.list_assessments(actor=self.request.user, month=month).prefetch_related("results")

    @extend_schema(request=ComputeInput, responses={200: ComputeOutput})
    @action(detail=False, methods=["post"])
    def compute(self, request):
        """Assess every supplier with activity in the month (idempotent: a recomputation replaces the results, except
        those of the suppliers with a decided proposal of the month, kept and listed in `kept`)."""
        require_role(request.user, STAFF)
        params = ComputeInput(data=request.data)
        params.is_valid(raise_exception=True)
        month = params.validated_data["month"]
        done = assessment.compute_month(month=month, now=timezone.now())
        return Response(ComputeOutput({"month": month, "assessed": len(done.assessed), "kept": done.kept}).data)


class PenaltyProposalSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    month = MonthField(source="assessment.month", read_only=True)
    kpi = serializers.CharField(source="rule.kpi", read_only=True)
    rule = serializers.CharField(source="rule.description", read_only=True)
    threshold = serializers.DecimalField(source="rule.threshold", max_digits=9, decimal_places=4, read_only=True)
    adjustment_number = serializers.CharField(source="adjustment.number", default=None, read_only=True)
    dismissal_requested_by = serializers.CharField(source="dismissal_requested_by.username", default=None, read_only=True)
    dismissed_by = serializers.CharField(source="dismissed_by.username", default=None, read_only=True)

    class Meta:
        model = PenaltyProposal
        fields = ["id", "supplier", "supplier_name", "assessment", "month", "kpi", "rule", "threshold", "value", "amount",
                  "state", "created_at", "adjustment", "adjustment_number", "note", "dismissal_requested_by", "dismissed_by"]
        read_only_fields = fields


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PenaltyProposalViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Penalty proposals (one per breached rule and assessment): finance accepts one into an adjustment (reopened when
    the checker rejects it) or asks to dismiss it, which another finance user confirms or declines."""

    serializer_class = PenaltyProposalSerializer
    filterset_fields = ["state", "supplier", "assessment"]
    ordering_fields = ["created_at", "amount", "id"]

    def get_queryset(self):
        return assessment.list_penalty_proposals(actor=self.request.user)

    accept = transition_action(assessment.accept_penalty, name="accept", roles=FINANCE, target="proposal",
                               input_serializer=NoteInput)
    dismiss = transition_action(assessment.dismiss_penalty, name="dismiss", roles=FINANCE, target="proposal",
                                input_serializer=RequiredReasonInput, transition="request_dismissal")
    confirm_dismissal = transition_action(assessment.confirm_penalty_dismissal, name="confirm_dismissal", roles=FINANCE,
                                          target="proposal", input_serializer=ReasonInput, transition="dismiss")
    decline_dismissal = transition_action(assessment.decline_penalty_dismissal, name="decline_dismissal", roles=FINANCE,
                                          target="proposal", input_serializer=RequiredReasonInput)


class SuspensionProposalSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    supplier_state = serializers.CharField(source="supplier.state", read_only=True)
    month = MonthField(source="assessment.month", read_only=True)
    score = serializers.DecimalField(source="assessment.score", max_digits=5, decimal_places=2, read_only=True)

    class Meta:
        model = SuspensionProposal
        fields = ["id", "supplier", "supplier_name", "supplier_state", "assessment", "month", "score", "state", "created_at",
                  "note"]
        read_only_fields = fields


class SuspensionProposalViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Suspension proposals (two months under the threshold): an operator suspends the supplier or dismisses them."""

    serializer_class = SuspensionProposalSerializer
    filterset_fields = ["state", "supplier"]
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        return assessment.list_suspension_proposals(actor=self.request.user)

    accept = transition_action(assessment.accept_suspension, name="accept", roles=OPERATORS, target="proposal")
    dismiss = transition_action(assessment.dismiss_suspension, name="dismiss", roles=OPERATORS, target="proposal",
                                input_serializer=RequiredReasonInput)


class KpiSettingSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_kpi_display", read_only=True)

    class Meta:
        model = KpiSetting
        fields = ["id", "kpi", "name", "weight", "target", "higher_is_better"]
        read_only_fields = ["id", "kpi", "name", "higher_is_better"]


REASON_HELP = "why (required for a change, 200 characters at most): kept with the change, who made it and when"


def reason_field() -> serializers.CharField:
    """The reason a change of the settings or rules gives; required by the service when something changes (a 400
    `required` naming `reason`), so the same values again need none."""
    return serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text=REASON_HELP)


class KpiFiguresInput(serializers.Serializer):
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                      help_text="0–100; the weights together must not all be 0")
    target = serializers.DecimalField(max_digits=9, decimal_places=4, required=False,
                                      help_text="a ratio 0–1 (0.95 is 95%); the complaint rate 0–10000 per 1,000 deliveries")


class KpiSettingInput(KpiFiguresInput):
    reason = reason_field()


class KpiSettingsInput(serializers.Serializer):
    """Any of the KPIs, each with its weight and/or target, and why: {"complaint_rate": {"target": "3"}, …, "reason": "…"}."""

    def get_fields(self):
        return {kpi: KpiFiguresInput(required=False) for kpi in Kpi.values} | {"reason": reason_field()}

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(Kpi.values) - {"reason"})
        if unknown:
            raise serializers.ValidationError({name: gettext("未知的考核指标 %(kpi)s") % {"kpi": name} for name in unknown})
        if not set(attrs) - {"reason"}:
            raise serializers.ValidationError(gettext("请至少填写一项考核指标"))
        return attrs


class KpiSettingViewSet(ConditionalUpdates, SetOfRecords, viewsets.ReadOnlyModelViewSet):
    """The weight and target of each KPI (operators and finance read them; operators change them with PATCH, one KPI
    at a time or several together with PATCH change/). Every change is checked against the whole set (not every
    weight 0) and saved all or nothing; errors name `<kpi>.weight`, `<kpi>.target`, or `weight` for the set. A KPI's
    read carries its ETag, the list one of the whole set, each taken back as If-Match by the change it guards."""

    serializer_class = KpiSettingSerializer
    pagination_class = None
    set_name = KpiSetting._meta.verbose_name_plural

    queryset = KpiSetting.objects.order_by("pk")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_role(request.user, STAFF)

    def record_name(self, setting: KpiSetting) -> str:
        return setting.get_kpi_display()

    def lock_set(self) -> list[KpiSetting]:
        return assessment_rules.lock_kpi_settings()

    @contextmanager
    def unchanged_since_read(self, request, obj: KpiSetting) -> Iterator[KpiSetting]:
        """As for any record, with the whole set locked first, in the order every change of the settings locks it."""
        with transaction.atomic():
            self.lock_set()
            with super().unchanged_since_read(request, obj) as current:
                yield current

    @extend_schema(request=KpiSettingInput, parameters=CONDITIONAL_UPDATE["parameters"],
                   responses={200: KpiSettingSerializer, **CONDITIONAL_UPDATE["responses"]})
    def partial_update(self, request, pk=None):
        """Change a KPI's weight and/or target; later computations use them. With If-Match, only while the KPI's
        setting is as read (else 412); answers with its new ETag."""
        setting = self.get_object()
        require_role(request.user, OPERATORS)
        with self.unchanged_since_read(request, setting) as current:
            params = KpiSettingInput(data=request.data)
            params.is_valid(raise_exception=True)
            figures = dict(params.validated_data)
            reason = figures.pop("reason")
            assessment_rules.update_kpi_settings(actor=request.user, now=timezone.now(), values={current.kpi: figures}, reason=reason)
            current.refresh_from_db()  # tagged while the row is still locked: the tag is of this change
            return self.tagged(request, Response(KpiSettingSerializer(current).data), current)

    @extend_schema(request=KpiSettingsInput, parameters=CONDITIONAL_SET_UPDATE["parameters"],
                   responses={200: KpiSettingSerializer(many=True), **CONDITIONAL_SET_UPDATE["responses"]})
    @action(detail=False, methods=["patch"])
    def change(self, request):
        """Change several KPIs together, all or nothing; returns every KPI's setting. With If-Match, only while no
        KPI's setting has changed since the list was read (else 412, nothing written); answers with the set's new ETag."""
        require_role(request.user, OPERATORS)
        with self.set_unchanged_since_read(request):
            params = KpiSettingsInput(data=request.data)
            params.is_valid(raise_exception=True)
            values = dict(params.validated_data)
            reason = values.pop("reason")
            assessment_rules.update_kpi_settings(actor=request.user, now=timezone.now(), values=values, reason=reason)
            rows = list(self.get_queryset())  # tagged while the rows are still locked: the tag is of this change
            return self.set_tagged(request, Response(KpiSettingSerializer(rows, many=True).data), rows)


class PenaltyRuleSerializer(serializers.ModelSerializer):
    kpi_name = serializers.CharField(source="get_kpi_display", read_only=True)

    class Meta:
        model = PenaltyRule
        fields = ["id", "kpi", "kpi_name", "threshold", "amount", "description", "active"]
        read_only_fields = fields


class PenaltyRuleInput(serializers.Serializer):
    kpi = serializers.ChoiceField(choices=Kpi.choices)
    threshold = serializers.DecimalField(max_digits=9, decimal_places=4,
                                         help_text="in the KPI's range: a ratio 0–1, the complaint rate 0–10000 per 1,000")
    deduction = serializers.DecimalField(max_digits=12, decimal_places=2,
                                         help_text="yuan deducted per breach, positive; the rule's amount is its negative")
    description = serializers.CharField(max_length=200)
    reason = reason_field()


class ActiveInput(serializers.Serializer):
    active = serializers.BooleanField()
    reason = reason_field()


class PenaltyRuleViewSet(viewsets.ReadOnlyModelViewSet):
    """The penalty rules (operators and finance read them; operators add rules and switch them on or off). A rule never
    changes once made, since its proposals show its threshold: to change one, add its successor and deactivate it."""

    serializer_class = PenaltyRuleSerializer
    pagination_class = None
    queryset = PenaltyRule.objects.order_by("kpi", "threshold", "pk")
    filterset_fields = ["kpi", "active"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_role(request.user, STAFF)

    @extend_schema(request=PenaltyRuleInput, responses={201: PenaltyRuleSerializer})
    def create(self, request):
        """Add a rule; later computations apply it."""
        require_role(request.user, OPERATORS)
        params = PenaltyRuleInput(data=request.data)
        params.is_valid(raise_exception=True)
        rule = assessment_rules.create_penalty_rule(actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(PenaltyRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActiveInput, responses={200: PenaltyRuleSerializer})
    def partial_update(self, request, pk=None):
        """Switch a rule off (or on again), saying why; the proposals it already made stay."""
        rule = self.get_object()
        require_role(request.user, OPERATORS)
        params = ActiveInput(data=request.data)
        params.is_valid(raise_exception=True)
        rule = assessment_rules.set_penalty_rule_active(rule=rule, actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(PenaltyRuleSerializer(rule).data)


class KpiSettingChangeSerializer(serializers.ModelSerializer):
    kpi_name = serializers.CharField(source="get_kpi_display", read_only=True, help_text="in the request's language")
    changed_by = ActorField()

    class Meta:
        model = KpiSettingChange
        fields = ["id", "kpi", "kpi_name", "previous_weight", "previous_target", "weight", "target", "changed_at", "changed_by", "reason"]
        read_only_fields = fields


class KpiSettingChangeQuery(serializers.Serializer):
    kpi = serializers.ChoiceField(choices=Kpi.choices, required=False, allow_blank=True, default="", help_text="only this KPI's changes")


class KpiSettingChangeViewSet(ChangesViewSet):
    """Each change of the KPI settings, newest first: the weight and target before and after, who, when and why (staff)."""

    serializer_class = KpiSettingChangeSerializer
    query = KpiSettingChangeQuery

    def changes(self, *, kpi: str):
        return assessment_rules.list_kpi_setting_changes(actor=self.request.user, kpi=kpi)


class PenaltyRuleChangeSerializer(serializers.ModelSerializer):
    rule_description = serializers.CharField(source="rule.description", read_only=True)
    action = serializers.CharField(read_only=True, help_text="added, deactivated or reactivated")
    action_label = serializers.CharField(read_only=True, help_text="in the request's language")
    changed_by = ActorField()

    class Meta:
        model = PenaltyRuleChange
        fields = ["id", "rule", "rule_description", "action", "action_label", "previous_active", "active", "changed_at", "changed_by",
                  "reason"]
        read_only_fields = fields
        extra_kwargs = {"previous_active": {"help_text": "null when the change added the rule"}}


class PenaltyRuleChangeQuery(serializers.Serializer):
    rule = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, help_text="only this rule's changes")


class PenaltyRuleChangeViewSet(ChangesViewSet):
    """Each change of the penalty rules, newest first: added, switched off or on again, who, when and why (staff)."""

    serializer_class = PenaltyRuleChangeSerializer
    query = PenaltyRuleChangeQuery

    def changes(self, *, rule: int | None):
        return assessment_rules.list_penalty_rule_changes(actor=self.request.user, rule_id=rule)
