"""API of monthly statements and their generation (SPEC §4.11).

Each view parses its input, makes one service call and renders; the rules live in settlement.services. Reads start
from the services' scoped lists, so another supplier's statement is a 404; a role that may not act is a 403.
"""
import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import jobs
from core.api.downloads import serving
from core.api.fields import ActorField, BusinessDateField, RequiredText
from core.api.filters import FilterSet, YesNoFilter, read_sub_list_query
from core.api.permissions import require_role
from core.api.transitions import ReasonInput, TransitionHistoryMixin, transition_action
from core.files import serve
from core.roles import Role
from core.selectors import searched
from settlement.models import GenerationRun, ReceivablePayment, Section, Statement, StatementLine, StatementVersion
from settlement.pdf import described
from settlement.services import generation, statements
from settlement.tasks import generate_statements
from suppliers.selectors_profile import account_number_for

FINANCE = frozenset({Role.FINANCE})
SUPPLIER_ADMIN = frozenset({Role.SUPPLIER_ADMIN})


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-10"})
class MonthField(serializers.Field):
    """A month as `YYYY-MM` (stored as its first day)."""

    def to_representation(self, value) -> str:
        return f"{value:%Y-%m}"

    def to_internal_value(self, data):
        return generation.parse_month(str(data), field=self.field_name)


# --- generation runs ---------------------------------------------------------------------------------------------

class GenerationRunSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    started_by = serializers.CharField(source="started_by.username", default=None, read_only=True)

    class Meta:
        model = GenerationRun
        fields = [
            "id", "month", "status", "suppliers_total", "suppliers_done", "percent", "statements_created", "lines_claimed",
            "started_at", "finished_at", "started_by", "error",
        ]
        read_only_fields = fields


class StartGenerationInput(serializers.Serializer):
    month = MonthField(help_text="the month to settle, YYYY-MM; it must have ended")


class GenerationRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Generations of a month's statements with their progress (finance); POST starts one on demand."""

    serializer_class = GenerationRunSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status"]

    def get_queryset(self):
        if not getattr(self, "swagger_fake_view", False):
            require_role(self.request.user, FINANCE)
        return GenerationRun.objects.visible_to(self.request.user).select_related("started_by")

    @extend_schema(request=StartGenerationInput, responses={202: GenerationRunSerializer})
    def create(self, request):
        """Generate a month's statements in the background (202): follow the run's progress on its detail."""
        require_role(request.user, FINANCE)
        params = StartGenerationInput(data=request.data)
        params.is_valid(raise_exception=True)
        run = generation.start_generation(month=params.validated_data["month"], actor=request.user, now=timezone.now())
        jobs.publish_on_commit(generate_statements, run_id=run.pk)
        return Response(GenerationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


# --- statements --------------------------------------------------------------------------------------------------

class StatementSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    month = MonthField(read_only=True)
    issued_by = ActorField()
    payment_approved_by = ActorField()
    paid_by = ActorField()
    collected_by = ActorField()
    respond_by = serializers.SerializerMethodField(help_text="when an issued statement is deemed confirmed without an answer")
    payment_overdue = serializers.SerializerMethodField(help_text="invoiced or approved, unpaid and past `payment_due_on`")
    outstanding = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, allow_null=True,
                                           help_text="a receivable: what the supplier still owes of it (-payable less "
                                                     "`collected_amount`), 0.00 once collected; null for any other statement")

    class Meta:
        model = Statement
        fields = [
            "id", "supplier", "supplier_name", "month", "version", "state", "payable", "generated_at", "issued_at", "issued_by",
            "respond_by", "confirmed_at", "deemed_confirmed", "dispute_reason", "invoice_number", "invoice_amount", "invoiced_at",
            "payment_days", "payment_due_on", "payment_overdue", "payment_approved_at", "payment_approved_by", "payment_reference", "payment_date", "paid_by", "closed_at", "receivable",
            "collection_reference", "collection_date", "collected_by", "collected_amount", "outstanding",
        ]
        read_only_fields = fields


    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_respond_by(self, statement) -> str | None:
        deadline = statements.respond_by(statement)
        return None if deadline is None else serializers.DateTimeField().to_representation(deadline)


    def get_payment_overdue(self, statement) -> bool:
        return statements.payment_overdue(statement, today=timezone.localdate())


class StatementVersionSerializer(serializers.ModelSerializer):
    """One version's totals and the bank account it pays (the number whole for the supplier itself and finance)."""

    issued_by = ActorField()
    account_number = serializers.SerializerMethodField()
    has_pdf = serializers.SerializerMethodField()
    pdf_status = serializers.ChoiceField(
        choices=["stored", "rendering", "failed", ""], read_only=True,
        help_text="stored; rendering (issued, its PDF on its way); failed (its render gave up after its retries and is tried "
                  "again by the system); empty before issue",
    )

    class Meta:
        model = StatementVersion
        fields = [
            "number", "deliveries", "returns", "extra_costs", "adjustments", "carried_forward", "payable", "line_count",
            "created_at", "issued_at", "issued_by", "reason", "bank_name", "account_name", "account_number", "has_pdf", "pdf_sha256",
            "pdf_status",
        ]
        read_only_fields = fields

    def get_account_number(self, version: StatementVersion) -> str:
        return account_number_for(self.context["request"].user, version.account_number) if version.account_number else ""

    def get_has_pdf(self, version: StatementVersion) -> bool:
        return bool(version.pdf)


class ReceivablePaymentSerializer(serializers.ModelSerializer):
    """A payment recorded towards a receivable."""

    recorded_by = ActorField()

    class Meta:
        model = ReceivablePayment
        fields = ["id", "amount", "received_on", "reference", "recorded_by", "recorded_at"]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    """A statement with every version's totals, the current one last, and a receivable's payments, oldest first."""

    versions = StatementVersionSerializer(many=True, read_only=True)
    receivable_payments = ReceivablePaymentSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "versions", "receivable_payments"]
        read_only_fields = fields


class StatementLineSerializer(serializers.ModelSerializer):
    description_label = serializers.SerializerMethodField(
        help_text="the line's description as the statement page shows it, in the request's language where the system wrote it")

    class Meta:
        model = StatementLine
        fields = [
            "id", "version", "section", "source_kind", "source_id", "order_number", "sku", "quantity", "amount", "recorded_at",
            "contact", "description", "description_label", "reference", "note",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_description_label(self, line: StatementLine) -> str:
        return described(line)


class StatementFilter(FilterSet):
    month = django_filters.CharFilter(method="filter_month", label="YYYY-MM")
    receivable = YesNoFilter(method="filter_yes_no", label="only receivables of terminated suppliers (false: only the others)")
    overdue = YesNoFilter(method="filter_yes_no", label="only payments past their due day (false: only the others)")
    awaiting_payment = YesNoFilter(method="filter_yes_no", label="only those invoiced or approved, awaiting payment (false: only the others)")
    waiting = YesNoFilter(method="filter_waiting", label="only those waiting for the caller's step, as its navigation badge counts "
                                                          "them (false: only the others)")

    class Meta:
        model = Statement
        fields = ["month", "state", "supplier", "receivable", "overdue", "awaiting_payment", "waiting"]

    def filter_month(self, queryset, name, value):
        return queryset.filter(month=generation.parse_month(value))

    def filter_yes_no(self, queryset, name, value):
        """As the statements page narrows them (`narrow_statements`)."""
        return statements.narrow_statements(queryset, **{name: value})

    def filter_waiting(self, queryset, name, value):
        return statements.waiting_for_step(queryset, self.request.user, value)


class LinesQuery(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text="a version number; the current one if omitted")
    section = serializers.ChoiceField(choices=Section.choices, required=False)
    # not `search`, which the statements' own search reads: it would look for the statement by it
    q = serializers.CharField(required=False, allow_blank=True, max_length=60,
                              help_text="words each in the order number or SKU, as the statement page's filter finds them")


class DisputeInput(serializers.Serializer):
    reason = RequiredText(max_length=2000, help_text="what the supplier disagrees with")


class InvoiceInput(serializers.Serializer):
    invoice_number = serializers.CharField(source="number", max_length=40)
    invoice_amount = serializers.DecimalField(source="amount", max_digits=16, decimal_places=2,
                                              help_text="must equal the payable")


class CorrectInvoiceInput(serializers.Serializer):
    invoice_number = serializers.CharField(source="number", max_length=40, help_text="the right number")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class PayInput(serializers.Serializer):
    payment_reference = serializers.CharField(source="reference", max_length=60)
    payment_date = BusinessDateField(source="paid_on", required=False, allow_null=True, default=None,
                                         help_text="today if omitted; never in the future")


class CollectionInput(serializers.Serializer):
    collection_reference = serializers.CharField(source="reference", max_length=60)
    # text, parsed by the one rule of amounts (`parse_amount`)
    collection_amount = serializers.CharField(source="amount", max_length=30, help_text="the amount received (e.g. 150.00): "
                                              "more than zero and at most `outstanding`, else 400 naming it and the "
                                              "outstanding amount; the payment that leaves nothing outstanding collects "
                                              "the receivable")
    collection_date = BusinessDateField(source="collected_on", required=False, allow_null=True, default=None,
                                            help_text="today if omitted; never in the future")


TARGET = "statement"


class StatementViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Statements: a supplier sees its own, finance and operators all; the workflow of SPEC §4.11 as actions."""

    filterset_class = StatementFilter
    search_fields = statements.SEARCHED
    ordering_fields = ["month", "payable", "issued_at", "id"]
    pages_by_id = True  # a deep page joins its users and looks up `respond_by` for its own statements only

    def get_queryset(self):
        queryset = statements.list_statements(actor=self.request.user)
        if self.action != "list":
            queryset = queryset.prefetch_related("versions__issued_by", Prefetch(
                "receivable_payments", queryset=statements.receivable_payments()))
        return queryset

    def get_serializer_class(self):
        return StatementSerializer if self.action == "list" else StatementDetailSerializer

    @extend_schema(parameters=[LinesQuery], responses=StatementLineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def lines(self, request, pk=None):
        """The lines of one version (the current one unless `version` is given), by section."""
        statement = self.get_object()
        query = read_sub_list_query(LinesQuery, self)
        version = get_object_or_404(statement.versions, number=query.get("version", statement.version))
        lines = statements.version_lines(version)
        if query.get("section"):
            lines = lines.filter(section=query["section"])
        lines = searched(lines, query.get("q"), statements.LINE_SEARCHED)
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(StatementLineSerializer(page, many=True).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)/pdf", **serving("application/pdf"))
    def pdf(self, request, pk=None, number=None):
        """The stored PDF of an issued version, as rendered at issue (404 until it is rendered); it prints the whole bank
        account number, so only those who may see account numbers download it (operators read the masked JSON)."""
        statement = self.get_object()
        statements.require_pdf_reader(request.user)
        version = get_object_or_404(statement.versions, number=number)
        return serve(version.pdf, as_attachment=True)

    issue = transition_action(statements.issue_statement, name="issue", roles=FINANCE, target=TARGET)
    reissue = transition_action(statements.reissue_statement, name="reissue", roles=FINANCE, target=TARGET)
    confirm = transition_action(statements.confirm_statement, name="confirm", roles=SUPPLIER_ADMIN, target=TARGET)
    dispute = transition_action(statements.dispute_statement, name="dispute", roles=SUPPLIER_ADMIN, target=TARGET,
                                input_serializer=DisputeInput)
    invoice = transition_action(statements.invoice_statement, name="invoice", roles=SUPPLIER_ADMIN, target=TARGET,
                                input_serializer=InvoiceInput)
    correct_invoice = transition_action(statements.correct_invoice_number, name="correct_invoice", roles=SUPPLIER_ADMIN, target=TARGET,
                                        input_serializer=CorrectInvoiceInput)
    approve_payment = transition_action(statements.approve_payment, name="approve_payment", roles=FINANCE, target=TARGET,
                                        input_serializer=ReasonInput)
    pay = transition_action(statements.pay_statement, name="pay", roles=FINANCE, target=TARGET, input_serializer=PayInput)
    record_collection = transition_action(statements.record_collection, name="record_collection", roles=FINANCE, target=TARGET,
                                          input_serializer=CollectionInput)
