"""API of complaints and suggestions (SPEC §4.9): open, triage, respond, resolve, reopen, remind, suggestions.

Each view parses its input, makes one service call and renders; the rules live in points.services.complaints.
Reads start from its scoped list, so a complaint the caller may not see (another member's, one triaged to
another supplier or to another party) is a 404.
"""
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import ScopedKey
from core.api.filters import FilterSet, TimeFilter, YesNoFilter
from core.api.permissions import require_role
from core.api.transitions import ReasonInput, RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.idempotency import idempotent
from core.models.transitions import actor_label_for
from core.roles import OPERATORS, SUPPLIER_ROLES, Role
from core.validators import REASON_MAX_LENGTH
from points.models import Complaint, ComplaintReminder, Member, RedemptionOrder
from points.models.complaints import Party
from points.privacy import ComplainantContact, complainant_contact, read_complainant_contact
from points.selectors import search_complaints
from points.services import complaints
from suppliers.models import Gift, Supplier

MEMBER = frozenset({Role.MEMBER})


class ReminderSerializer(serializers.ModelSerializer):
    """An operator's reminder (催办) to the supplier or logistics provider of an escalated complaint: who sent it, when and why."""

    sent_by = serializers.SerializerMethodField(help_text="who sent it, as the reader may see it (to a supplier's user: 运营人员)")

    class Meta:
        model = ComplaintReminder
        fields = ["sent_at", "sent_by", "reason"]

    def get_sent_by(self, reminder) -> str:
        return actor_label_for(reminder.sent_by, self.context["request"].user)


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint; the complainant's contact as `points.privacy.complainant_contact` shows it to the reader (masked in a
    list for all but the member, in full on the complaint's own read only for those who must act on its order). One
    who reads it only as its opener gets no deadline, overdue or waits_for (`progress_shown`, as on the portal)."""

    order_number = serializers.CharField(source="order.number", default=None, read_only=True)
    gift_name = serializers.CharField(source="gift.name", default=None, read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", default=None, read_only=True)
    member_name = serializers.SerializerMethodField(help_text="the order's recipient snapshot (else the member's name), masked unless the reader may see it")
    member_phone = serializers.SerializerMethodField(help_text="the order's recipient phone snapshot (else the member's), masked unless the reader may see it")
    overdue = serializers.SerializerMethodField()
    waits_for = serializers.SerializerMethodField(help_text="whose move it is: triage (the operator), supplier, logistics, operator, member, or empty")
    reminders = serializers.SerializerMethodField(help_text="the operators' reminders (催办) to the responsible supplier or logistics provider, oldest first; empty for a member")

    class Meta:
        model = Complaint
        fields = [
            "id", "number", "kind", "channel", "state", "title", "description", "member", "member_name", "member_phone",
            "order", "order_number", "gift", "gift_name", "supplier", "supplier_name", "contact_name", "contact_phone",
            "responsible", "waits_for", "deadline", "overdue", "response", "responded_at", "resolved_at", "auto_resolved",
            "opened_at", "reminders",
        ]
        read_only_fields = fields

    def _contact(self, complaint) -> ComplainantContact:
        """The contact the view read for this complaint (one complaint's read), else as a list shows it."""
        read = self.context.get("contact")
        if read is not None:
            return read
        return complainant_contact(complaint=complaint, user=self.context["request"].user, now=timezone.now(), listing=True)

    def get_member_name(self, complaint) -> str:
        return self._contact(complaint).member_name

    def get_member_phone(self, complaint) -> str:
        return self._contact(complaint).member_phone

    def _progress(self, complaint) -> complaints.Progress:
        """The complaint's progress as the reader may see it, decided once per complaint (three fields read it)."""
        if getattr(complaint, "_progress_shown", None) is None:
            complaint._progress_shown = complaints.progress_shown(user=self.context["request"].user, complaint=complaint, now=timezone.now())
        return complaint._progress_shown

    def get_overdue(self, complaint) -> bool:
        return self._progress(complaint).overdue

    def get_waits_for(self, complaint) -> str:
        return self._progress(complaint).waits_for

    @extend_schema_field(ReminderSerializer(many=True))
    def get_reminders(self, complaint) -> list:
        return ReminderSerializer(complaints.reminders_of(complaint, self.context["request"].user), many=True, context=self.context).data

    def to_representation(self, complaint):
        data = super().to_representation(complaint)
        contact = self._contact(complaint)
        data["contact_name"], data["contact_phone"] = contact.contact_name, contact.contact_phone
        if self._progress(complaint).deadline is None:
            data["deadline"] = None
        return data


class Complainable(ScopedKey):
    """A gift or supplier the caller may name in a complaint (`rows(user)`); any other id is a 404 naming the field."""

    def __init__(self, model, *, rows, **kwargs) -> None:
        self.rows = rows
        super().__init__(model, **kwargs)

    def get_queryset(self):
        return self.rows(self.context["request"].user)


class OpenComplaintInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000)
    order = ScopedKey(RedemptionOrder, default=None)
    gift = Complainable(Gift, rows=complaints.complainable_gifts, default=None)
    supplier = Complainable(Supplier, rows=complaints.complainable_suppliers, default=None)
    member = ScopedKey(Member, default=None, help_text="hotline: the member calling (left out: the order's member when an order is named)")
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class SuggestionInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000)


class TriageInput(serializers.Serializer):
    responsible = serializers.ChoiceField(choices=Party.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class RespondInput(serializers.Serializer):
    response = serializers.CharField(max_length=4000)


TARGET = "complaint"


class ComplaintFilter(FilterSet):
    waiting = YesNoFilter(method="filter_waiting", label="only those waiting for the caller, as its 投诉处理 badge counts them "
                                                          "(a member's 我的投诉 badge: those answered, waiting for it to accept "
                                                          "the answer) (false: only the others)")
    late = YesNoFilter(method="filter_late", label="only those past their deadline unanswered (overdue or escalated), as the "
                                                    "desk's 仅超时 (false: only the others)")
    opened_after = TimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = TimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Complaint
        fields = ["state", "responsible", "kind", "channel", "supplier", "order", "member", "waiting", "late", "opened_after",
                  "opened_before"]

    def filter_waiting(self, queryset, name, value):
        return complaints.waiting_for_caller(queryset, self.request.user, value)

    def filter_late(self, queryset, name, value):
        return complaints.by_lateness(queryset, now=timezone.now(), late=value)


class ComplaintViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Complaints and suggestions, in the queue's order (chased, overdue, escalated, then by deadline): members their own, a
    supplier those triaged to it and its suggestions, logistics staff those triaged to logistics, operators all."""

    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    search_fields = ["number", "title", "order__number", "gift__sku", "gift__name"]  # as `search_rows` reads them
    ordering_fields = ["opened_at", "deadline", "id"]
    pages_by_id = True  # a page joins its member, order, gift and supplier and counts the reminders of its own complaints only

    def get_queryset(self):
        rows = complaints.list_complaints(user=self.request.user, now=timezone.now())
        return complaints.with_reminders(rows)

    def search_rows(self, rows, text: str):
        """`?search=`: each word in the number, title, order number or gift, or (operators) a phone as typed, as the
        desk searches (`points.selectors.search_complaints`)."""
        return search_complaints(rows, user=self.request.user, text=text)

    def retrieve(self, request, *args, **kwargs):
        """One complaint, the complainant's contact in full where the reader must act on its order (the read logged)."""
        complaint = self.get_object()
        contact = read_complainant_contact(complaint=complaint, user=request.user, now=timezone.now())
        return Response(self.get_serializer(complaint, context=self.get_serializer_context() | {"contact": contact}).data)

    @extend_schema(request=OpenComplaintInput, responses={201: ComplaintSerializer})
    @idempotent
    def create(self, request):
        """Open a complaint: a member's own, an operator's on a member's behalf, anyone's about a supplier
        (Idempotency-Key required: a retry replays the first answer). One who may open none is refused (403) before
        its input is read, as the page for complaining about a supplier refuses it."""
        complaints.complaint_channel(request.user)
        params = OpenComplaintInput(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        complaint = complaints.open_complaint(actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(self.get_serializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SuggestionInput, responses={201: ComplaintSerializer})
    @action(detail=False, methods=["post"])
    @idempotent
    def suggest(self, request):
        """A supplier's suggestion to the operator, no deadline (Idempotency-Key required: a retry replays the first answer)."""
        require_role(request.user, SUPPLIER_ROLES)
        params = SuggestionInput(data=request.data)
        params.is_valid(raise_exception=True)
        suggestion = complaints.send_suggestion(actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(self.get_serializer(suggestion).data, status=status.HTTP_201_CREATED)

    triage = transition_action(
        complaints.triage_complaint, name="triage", roles=OPERATORS, target=TARGET, input_serializer=TriageInput
    )
    respond = transition_action(
        complaints.respond_to_complaint, name="respond", roles=complaints.RESPONDER_ROLES, target=TARGET,
        input_serializer=RespondInput, check=complaints.require_responder,
    )
    take = transition_action(complaints.take_complaint, name="take", roles=OPERATORS, target=TARGET, input_serializer=ReasonInput,
                             transition="triage")
    resolve = transition_action(complaints.resolve_complaint, name="resolve", roles=MEMBER, target=TARGET, input_serializer=ReasonInput)
    reopen = transition_action(complaints.reopen_complaint, name="reopen", roles=MEMBER, target=TARGET, input_serializer=ReasonInput)
    dispute = transition_action(complaints.dispute_answer, name="dispute", roles=MEMBER, target=TARGET,
                                input_serializer=RequiredReasonInput)
    remind = transition_action(complaints.remind_responsible, name="remind", roles=OPERATORS, target=TARGET, input_serializer=ReasonInput,
                               transition=None)
