"""API of rectification cases and re-evaluations (整改单, 复评, SPEC §4.10).

Operators open cases, send answers back or close them, and decide re-evaluations; a supplier's users answer its
own cases and read its re-evaluation outcomes (another supplier's is a 404); finance reads everything. The rules
live in settlement.services.cases and settlement.services.re_evaluation.
"""
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api.fields import ActorField, BusinessDateField, RequiredText, ScopedKey
from core.api.filters import reads_yes_no, yes_no
from core.api.permissions import require_role
from core.api.transitions import RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.idempotency import idempotent
from core.roles import OPERATORS, SUPPLIER_ROLES
from core.validators import REASON_MAX_LENGTH
from settlement.models import Assessment, ReEvaluation, RectificationCase
from settlement.services import cases, re_evaluation
from suppliers.models import Supplier



class RectificationCaseSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    opened_by = ActorField()
    overdue = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = RectificationCase
        fields = ["id", "number", "supplier", "supplier_name", "kind", "reason", "deadline", "overdue", "state", "opened_at",
                  "opened_by", "assessment", "answer", "answered_at", "closed_at"]
        read_only_fields = fields


class OpenCaseInput(serializers.Serializer):
    supplier = ScopedKey(Supplier, required=True)
    kind = serializers.ChoiceField(choices=RectificationCase.Kind.choices)
    reason = RequiredText(max_length=REASON_MAX_LENGTH)
    deadline = BusinessDateField(help_text="a day after today")
    assessment = ScopedKey(Assessment)


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=10000)


class SendBackInput(serializers.Serializer):
    reason = RequiredText(max_length=REASON_MAX_LENGTH)
    deadline = BusinessDateField(required=False, allow_null=True, default=None, help_text="a new deadline, if any")


@reads_yes_no(overdue="only cases past their deadline (false: only the others)")
class RectificationCaseViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Warnings and rectification demands with deadlines, overdue first; `?overdue=true` lists only overdue ones."""

    serializer_class = RectificationCaseSerializer
    filterset_fields = ["state", "kind", "supplier"]
    search_fields = cases.SEARCHED

    def get_queryset(self):
        queryset = cases.list_cases(actor=self.request.user, now=timezone.now())
        if (overdue := yes_no(self.request, "overdue")) is not None:
            queryset = queryset.filter(overdue=overdue)
        return queryset

    @extend_schema(request=OpenCaseInput, responses={201: RectificationCaseSerializer})
    @idempotent
    def create(self, request):
        """Open a warning or a rectification demand with a deadline; the supplier is told by inbox and SMS
        (Idempotency-Key required: a retry replays the first answer)."""
        require_role(request.user, OPERATORS)
        params = OpenCaseInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        case = cases.open_case(**params.validated_data, actor=request.user, now=timezone.now())
        return Response(RectificationCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    answer = transition_action(cases.answer_case, name="answer", roles=SUPPLIER_ROLES, target="case", input_serializer=AnswerInput,
                                transition="submit_answer")
    send_back = transition_action(cases.send_back_case, name="send_back", roles=OPERATORS, target="case",
                                  input_serializer=SendBackInput)
    close = transition_action(cases.close_case, name="close", roles=OPERATORS, target="case", input_serializer=RequiredReasonInput)


class ReEvaluationSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    contract_number = serializers.CharField(source="contract.number", default=None, read_only=True)
    decided_by = ActorField()
    overdue = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = ReEvaluation
        fields = ["id", "supplier", "supplier_name", "contract", "contract_number", "due_on", "overdue", "state", "created_at",
                  "average_score", "proposed", "decision", "decided_at", "decided_by", "note"]
        read_only_fields = fields


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReEvaluation.Decision.choices)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                 help_text="required unless renewing")


@reads_yes_no(overdue="only re-evaluations past their due day (false: only the others)")
class ReEvaluationViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Re-evaluations (复评), overdue first; an operator decides renew, rectify, suspend or terminate."""

    serializer_class = ReEvaluationSerializer
    filterset_fields = ["state", "supplier", "decision", "proposed"]

    def get_queryset(self):
        queryset = re_evaluation.list_re_evaluations(actor=self.request.user, now=timezone.now())
        if (overdue := yes_no(self.request, "overdue")) is not None:
            queryset = queryset.filter(overdue=overdue)
        return queryset

    decide = transition_action(re_evaluation.decide_re_evaluation, name="decide", roles=OPERATORS, target="re_evaluation",
                               input_serializer=DecideInput)
