"""API of reconciliation (对账, SPEC §4.11): the supplier admin uploads its own statement, finance resolves each
discrepancy. The matching and the resolutions live in settlement.services.reconciliation; a supplier sees its own
reconciliations, finance and operators all; another supplier's is a 404.
"""
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.fields import ActorField, ScopedKey, TableFileField, YesNo
from core.api.filters import read_sub_list_query
from core.api.permissions import require_role
from core.api.transitions import transition_action
from core.roles import Role
from settlement.api.statements import MonthField
from settlement.models import Category, LineResolution, Reconciliation, ReconciliationLine, Resolution, Statement
from settlement.services import adjustments, reconciliation, reconciliation_history
from settlement.services.pending import with_pending

FINANCE = frozenset({Role.FINANCE})
SUPPLIER_ADMIN = frozenset({Role.SUPPLIER_ADMIN})


class CategoryTotalSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    ours = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="the platform's total (平台)")
    theirs = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="the supplier's total, from its file (礼品商)")
    # a summary stored before migration 0030 gave these may lack them (one written meanwhile): read as none, not a 500
    ours_gross = serializers.DecimalField(max_digits=16, decimal_places=2, default="0.00",
                                          help_text="the platform's amounts added regardless of sign (+180 and −180: 360.00)")
    theirs_gross = serializers.DecimalField(max_digits=16, decimal_places=2, default="0.00",
                                            help_text="the supplier's amounts added regardless of sign")


class ReconciliationSerializer(serializers.ModelSerializer):
    month = MonthField(source="statement.month", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", default=None, read_only=True)
    summary = serializers.DictField(child=CategoryTotalSerializer(), read_only=True,
                                    help_text="count and totals of every category: ours the platform's, theirs the supplier's, "
                                              "signed and gross")
    superseded = serializers.BooleanField(read_only=True, help_text="the statement was reissued or a later file uploaded for the "
                                                                    "same version: its lines are no longer resolved")
    superseded_by = serializers.PrimaryKeyRelatedField(read_only=True, help_text="the later file for the same version, if any")
    open = serializers.BooleanField(read_only=True, help_text="not superseded, with discrepancies still to resolve")

    class Meta:
        model = Reconciliation
        fields = [
            "id", "statement", "month", "version", "supplier", "supplier_name", "file_name", "uploaded_by", "uploaded_at",
            "row_count", "summary", "superseded", "superseded_by", "open",
        ]
        read_only_fields = fields


AWAITING_CHECK_HELP = ("the answer's adjustment waits for finance's second approval (调整待复核): a supplier's users then read "
                       "neither its number nor its amount, only this")


def _adjustment_as_read(data: dict, answered, user) -> dict:
    """An answer's (a line's, a resolution's) adjustment as the user may read it (`adjustments.shown_to`): a supplier's
    users read an approved one, and of one waiting for its checker only `adjustment_awaiting_check`."""
    if adjustments.shown_to(answered.adjustment, user) is None:
        data["adjustment"] = data["adjustment_number"] = data["adjustment_amount"] = None
    return data


class ReconciliationLineSerializer(serializers.ModelSerializer):
    resolved_by = ActorField()
    adjustment_number = serializers.CharField(source="adjustment.number", default=None, read_only=True,
                                              help_text="null for a supplier's users until the adjustment is approved")
    adjustment_amount = serializers.DecimalField(source="adjustment.amount", max_digits=16, decimal_places=2, default=None,
                                                 read_only=True, help_text="null for a supplier's users until the adjustment is approved")
    adjustment_awaiting_check = serializers.SerializerMethodField(help_text=AWAITING_CHECK_HELP)
    open = serializers.BooleanField(read_only=True, help_text="a discrepancy still to resolve (never, or its adjustment was rejected "
                                                              "or withdrawn); never one of a superseded reconciliation")
    resolutions = serializers.SerializerMethodField(help_text="the resolutions this line accepts: an adjusting one only where "
                                                            "there is a difference an adjustment may settle")
    note = serializers.CharField(source="note_text", read_only=True, help_text="as written (Chinese), with its values")
    note_label = serializers.CharField(read_only=True, help_text="in the request's language where the system wrote it")
    booked_in = serializers.SerializerMethodField(help_text="other_period: the statement of another month that booked the line "
                                                            "(`statement`, `month`, `version` it first appears in), as the page says "
                                                            "已计入 2026-09 结算单 v1; a draft's `statement` and `version` are "
                                                            "null for a supplier's users (编制中); null otherwise")

    class Meta:
        model = ReconciliationLine
        fields = [
            "id", "reconciliation", "row", "order_number", "sku", "kind", "quantity", "amount", "our_quantity", "our_amount",
            "category", "booked_later", "resolution", "resolved_by", "resolved_at", "note", "note_label", "adjustment", "adjustment_number",
            "adjustment_amount", "adjustment_awaiting_check", "open",
            "resolutions", "booked_in",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "quantity": {"help_text": "the supplier's figure, from its file (礼品商)"}, "amount": {"help_text": "the supplier's figure, from its file (礼品商)"},
            "booked_later": {"help_text": "when the file was uploaded, the line's key had an event the platform recorded that no "
                                          "statement had booked (other_period; or a mismatch whose difference includes it): it is "
                                          "booked by a later statement (由之后的结算单记账), so no adjusting resolution is offered"},
            "our_quantity": {"help_text": "the platform's figure (平台)"}, "our_amount": {"help_text": "the platform's figure (平台)"},
            "resolution": {"help_text": "the latest resolution (with resolved_by, resolved_at, note, adjustment); every one is kept in "
                                        "its resolutions/"},
        }

    def get_adjustment_awaiting_check(self, line) -> bool:
        return adjustments.awaiting_check(line.adjustment, self.context["request"].user)

    def get_resolutions(self, line) -> list[str]:
        return [value for value, _label in line.resolutions]

    def to_representation(self, line):
        return _adjustment_as_read(super().to_representation(line), line, self.context["request"].user)

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "statement": {"type": "integer"}, "month": {"type": "string"}, "version": {"type": "integer"}}})
    def get_booked_in(self, line) -> dict | None:
        booked = line.booked_in_for(self.context["request"].user)
        if booked is None:
            return None
        return {"statement": booked.statement_id, "month": f"{booked.month:%Y-%m}", "version": booked.version}


class LineResolutionSerializer(serializers.ModelSerializer):
    resolution_label = serializers.CharField(source="get_resolution_display", read_only=True, help_text="in the request's language")
    resolved_by = ActorField()
    note = serializers.CharField(source="note_text", read_only=True, help_text="as written (Chinese), with its values")
    note_label = serializers.CharField(read_only=True, help_text="in the request's language where the system wrote it")
    adjustment_number = serializers.CharField(source="adjustment.number", default=None, read_only=True,
                                              help_text="null for a supplier's users until the adjustment is approved")
    adjustment_amount = serializers.DecimalField(source="adjustment.amount", max_digits=16, decimal_places=2, default=None,
                                                 read_only=True, help_text="null for a supplier's users until the adjustment is approved")
    adjustment_state = serializers.CharField(source="adjustment.state", default=None, read_only=True,
                                             help_text="rejected or withdrawn: why the line was resolved again after it; "
                                                       "proposed: waiting for its checker")
    adjustment_awaiting_check = serializers.SerializerMethodField(help_text=AWAITING_CHECK_HELP)

    class Meta:
        model = LineResolution
        fields = ["id", "resolution", "resolution_label", "resolved_by", "resolved_at", "note", "note_label", "adjustment", "adjustment_number",
                  "adjustment_amount", "adjustment_state", "adjustment_awaiting_check"]
        read_only_fields = fields

    def get_adjustment_awaiting_check(self, resolution) -> bool:
        return adjustments.awaiting_check(resolution.adjustment, self.context["request"].user)

    def to_representation(self, resolution):
        return _adjustment_as_read(super().to_representation(resolution), resolution, self.context["request"].user)


class EarlierAnswerSerializer(LineResolutionSerializer):
    """An answer given on an earlier file of the statement to a difference of this reconciliation."""

    line = serializers.IntegerField(source="answered_line.id", read_only=True, help_text="the line of this reconciliation it answers")
    order_number = serializers.CharField(source="line.order_number", read_only=True)
    sku = serializers.CharField(source="line.sku", read_only=True)
    kind = serializers.CharField(source="line.kind", read_only=True)
    reconciliation = serializers.IntegerField(source="line.reconciliation_id", read_only=True, help_text="the earlier reconciliation")
    file_name = serializers.CharField(source="line.reconciliation.file_name", read_only=True)
    version = serializers.IntegerField(source="line.reconciliation.version.number", read_only=True,
                                       help_text="the statement version the earlier file was matched against")
    decision_note = serializers.CharField(source="shown_decision_note", read_only=True,
                                          help_text="the checker's note on its adjustment (finance and operators; empty for a supplier)")

    class Meta(LineResolutionSerializer.Meta):
        fields = ["line", "order_number", "sku", "kind", "reconciliation", "file_name", "version",
                  *LineResolutionSerializer.Meta.fields, "decision_note"]
        read_only_fields = fields


class ReconciliationDetailSerializer(ReconciliationSerializer):
    """A reconciliation with the answers given on the statement's earlier files to its differences."""

    earlier_answers = serializers.SerializerMethodField(
        help_text="for a file uploaded again: how each of its differences was answered on the statement's earlier files (the "
                  "same order, SKU and kind), line by line in file order, oldest first, as its page shows them beside the "
                  "line; a supplier reads only answers with no adjustment or an approved one, without the checker's note")

    class Meta(ReconciliationSerializer.Meta):
        fields = [*ReconciliationSerializer.Meta.fields, "earlier_answers"]
        read_only_fields = fields

    @extend_schema_field(EarlierAnswerSerializer(many=True))
    def get_earlier_answers(self, found: Reconciliation) -> list:
        answers = reconciliation_history.earlier_answers(reconciliation=found, actor=self.context["request"].user)
        return EarlierAnswerSerializer(answers, many=True, context=self.context).data


class UploadInput(serializers.Serializer):
    statement = ScopedKey(Statement, required=True)
    file = TableFileField(help_text="CSV or XLSX: order number, SKU, line kind (delivery, return, replacement), "
                                           "signed quantity, amount")


UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {
        "statement": {"type": "integer"},
        "file": {"type": "string", "format": "binary", "description": UploadInput().fields["file"].help_text},
    },
    "required": ["statement", "file"],
}


class LinesQuery(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    unresolved = YesNo(help_text="only discrepancies still to resolve (`open`); false: only the other lines")


class ResolveInput(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                 help_text="why; required for accept_ours and write_off (a 400 `required` naming `note`)")


class ReconciliationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reconciliations: the supplier admin uploads its file for a statement; it and finance read the outcome."""

    serializer_class = ReconciliationSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["statement", "supplier"]
    ordering_fields = ["uploaded_at", "id"]

    def get_queryset(self):
        return reconciliation.list_reconciliations(actor=self.request.user)

    def get_serializer_class(self):
        return ReconciliationDetailSerializer if self.action == "retrieve" else ReconciliationSerializer


    @extend_schema(request={"multipart/form-data": UPLOAD_SCHEMA}, responses={201: ReconciliationSerializer})
    def create(self, request):
        """Match the supplier's own statement (CSV/XLSX) against the current version of ours; a 400 names each bad
        cell as `rows.<row>.<column>`."""
        require_role(request.user, SUPPLIER_ADMIN)
        params = UploadInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        result = reconciliation.upload_reconciliation(
            statement=params.validated_data["statement"], file_name=upload.name,
            content=upload.read(reconciliation.RECONCILIATION_FILE.max_bytes + 1), actor=request.user, now=timezone.now(),
        )
        return Response(ReconciliationSerializer(self.get_queryset().get(pk=result.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[LinesQuery], responses=ReconciliationLineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def lines(self, request, pk=None):
        """The lines in file order, ours the file lacks last; of one `category`, or only the `unresolved` ones."""
        query = read_sub_list_query(LinesQuery, self)
        lines = reconciliation.reconciliation_lines(reconciliation=self.get_object(), **query)
        page = ReconciliationLineSerializer(self.paginate_queryset(lines), many=True, context=self.get_serializer_context())
        return self.get_paginated_response(page.data)


class ReconciliationLineViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One line of a reconciliation; finance resolves a discrepancy, again once the adjustment it proposed is rejected or
    withdrawn; its resolutions/ keeps every resolution."""

    serializer_class = ReconciliationLineSerializer

    def get_queryset(self):
        return with_pending(ReconciliationLine.objects.visible_to(self.request.user).select_related(
            "adjustment", "resolved_by", "reconciliation__statement", "reconciliation__version", "our_line__statement"))

    resolve = transition_action(reconciliation.resolve_line, name="resolve", roles=FINANCE, target="line",
                                input_serializer=ResolveInput, transition=None)  # a line has no state machine: its adjustment says

    @extend_schema(responses=LineResolutionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # every resolution, as a plain list; history/ is for transitions
    def resolutions(self, request, pk=None):
        """Every resolution of the line, oldest first: who, when, how, the note, the adjustment it proposed and its state
        (a rejected or withdrawn one is why the line was resolved again); a supplier's users read those with no adjustment
        or an approved one, and one whose adjustment waits for its checker with neither its number nor its amount
        (`adjustment_awaiting_check`)."""
        resolutions = reconciliation.line_resolutions(actor=request.user).filter(line=self.get_object())
        return Response(LineResolutionSerializer(resolutions, many=True, context=self.get_serializer_context()).data)
