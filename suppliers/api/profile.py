"""API of a supplier's paperwork (SPEC §4.1): contracts, qualifications, reviewed profile changes, bank accounts.

Every view starts from a scoped selector (another tenant's row: 404), checks the role (403),
validates its input (400) and makes one service call.
"""
import functools
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.api.downloads import STORED_FILE_TYPES, serving
from core.api.fields import BusinessDateField, ScopedKey
from core.api.filters import query_names, read_query
from core.api.permissions import require_role
from core.api.schema import stored_file_responses
from core.api.transitions import RejectionFields, RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.errors import NotFound, ValidationFailed
from core.files import serve
from core.roles import OPERATORS, SUPPLIER_ROLES, Role
from suppliers.models import BankAccount, Contract, ProfileChange, Qualification, Supplier
from suppliers.selectors_profile import (
    CONTRACT_SEARCHED,
    QUALIFICATION_SEARCHED,
    ExpiryStatus,
    change_value_for,
    profile_account_number_for,
    reads_bank_details,
    list_bank_accounts,
    list_contracts,
    list_profile_changes,
    list_qualifications,
)
from suppliers.services import contracts, profile, qualifications

SUPPLIER_ADMIN = frozenset({Role.SUPPLIER_ADMIN})
EXPIRY_STATUSES = [ExpiryStatus.VALID, ExpiryStatus.EXPIRING, ExpiryStatus.EXPIRED, ExpiryStatus.RENEWED]


# --- output -------------------------------------------------------------------------------------------------
@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class ScopedFileUrl(serializers.Field):
    """A stored file as the URL of the route that checks the caller may see it (`<basename>-file`), or null (also for
    a caller whose role `readable(user)` refuses it)."""

    def __init__(self, route: str, attribute: str = "file", *, readable=None, **kwargs):
        self.route, self.attribute, self.readable = route, attribute, readable
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        if not getattr(obj, self.attribute) or (self.readable and not self.readable(self.context["request"].user)):
            return None
        return reverse(self.route, kwargs={"pk": obj.pk}, request=self.context.get("request"))


class ContractSerializer(RejectionFields, serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    file = ScopedFileUrl("contract-file")
    programs = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Contract
        fields = ["id", "supplier", "supplier_name", "number", "start_date", "end_date", "programs", "payment_days",
                  "deposit_amount", "file", "state", "created_at", "rejection_reason", "rejection_reason_label"]
        read_only_fields = fields


class QualificationSerializer(RejectionFields, serializers.ModelSerializer):
    """A licence or certificate: `state` its review (pending, approved, rejected: only an approved one counts),
    `expiry_status` how its validity stands (null for one not approved, which counts for nothing)."""

    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    file = ScopedFileUrl("qualification-file")
    expiry_status = serializers.ChoiceField(choices=EXPIRY_STATUSES, read_only=True, allow_null=True)

    class Meta:
        model = Qualification
        fields = ["id", "supplier", "supplier_name", "kind", "certificate_type", "number", "issued_on", "expires_on", "file",
                  "uploaded_at", "warned_at", "expiry_handled_at", "expiry_status", "state", "rejection_reason", "rejection_reason_label"]
        read_only_fields = fields


class ProfileChangeSerializer(RejectionFields, serializers.ModelSerializer):
    """A change request with its `evidence` (the account-opening permit or bank proof, the new business licence; null
    for the supplier's staff); bank account numbers masked except for the supplier's admin, finance, and an operator
    reading one pending change on its own."""

    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", default=None, read_only=True)
    old_value = serializers.SerializerMethodField()
    new_value = serializers.SerializerMethodField()
    evidence = ScopedFileUrl("profile-change-evidence", attribute="evidence", readable=reads_bank_details)

    class Meta:
        model = ProfileChange
        fields = ["id", "supplier", "supplier_name", "field", "old_value", "new_value", "evidence", "state", "requested_by",
                  "requested_at", "decided_at", "rejection_reason", "rejection_reason_label"]
        read_only_fields = fields

    def get_old_value(self, change: ProfileChange) -> dict:
        return self._shown(change, change.old_value)

    def get_new_value(self, change: ProfileChange) -> dict:
        return self._shown(change, change.new_value)

    def _shown(self, change: ProfileChange, value: dict) -> dict:
        view = self.context.get("view")
        reviewing = change if getattr(view, "action", None) == "retrieve" else None
        return change_value_for(self.context["request"].user, value, reviewing=reviewing)


class BankAccountSerializer(serializers.ModelSerializer):
    """An approved account and when payments may start using it; the number masked except for the supplier's admin and
    finance."""

    account_number = serializers.SerializerMethodField()
    usable_from = serializers.DateTimeField(read_only=True)

    class Meta:
        model = BankAccount
        fields = ["id", "supplier", "bank_name", "account_name", "account_number", "approved_at", "usable_from"]
        read_only_fields = fields

    def get_account_number(self, account: BankAccount) -> str:
        return profile_account_number_for(self.context["request"].user, account.account_number)


# --- input --------------------------------------------------------------------------------------------------
class ContractInput(serializers.Serializer):
    supplier = ScopedKey(Supplier, allow_null=False, help_text="运营填写；礼品商默认为本企业 (operators only; suppliers get their own)")
    number = serializers.CharField(max_length=60)
    start_date = BusinessDateField()
    end_date = BusinessDateField()
    programs = serializers.ListField(child=serializers.SlugField(max_length=20), help_text="gotone and/or mzone")
    payment_days = serializers.IntegerField(min_value=0, max_value=365)
    deposit_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    file = serializers.FileField(required=False)


class QualificationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Qualification.Kind.choices)
    certificate_type = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    number = serializers.CharField(max_length=60)
    issued_on = BusinessDateField()
    expires_on = BusinessDateField()
    file = serializers.FileField()


class ProfileChangeInput(serializers.Serializer):
    """The field to change and its new value: bank_name + account_name + account_number, legal_name, credit_code (each
    with its `evidence` file, sent as multipart), or
    contact_name + contact_phone + contact_email (the contact: applied at once, no review), or address (applied at
    once, no review), or sms_notices (which notices also reach the contact by SMS: applied at once, no review)."""

    field = serializers.ChoiceField(choices=ProfileChange.Field.choices)
    bank_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    account_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    account_number = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    legal_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    contact_email = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    sms_notices = serializers.ChoiceField(
        choices=Supplier.SmsNotices.choices, required=False, allow_blank=True, default="",
        help_text="all (default), action (only notices that need the supplier's action) or none (inbox only)",
    )
    evidence = serializers.FileField(
        required=False, allow_null=True, default=None,
        help_text="必填于收款账户（开户许可证或银行开户证明）、企业名称和统一社会信用代码（新的营业执照）：PDF、JPEG、PNG 或 WebP，"
                  "不超过 10 MB (required for bank_account, legal_name and credit_code; multipart)",
    )


def _own_supplier(user) -> Supplier:
    return Supplier.objects.get(pk=user.supplier_id)


def _create_for_own_supplier(view, request, *, roles, params: type[serializers.Serializer], service: Callable) -> Response:
    """Role (403), input (400), one service call for the caller's own supplier, the created row as the view shows it (201)."""
    require_role(request.user, roles)
    values = params(data=request.data)
    values.is_valid(raise_exception=True)
    created = service(supplier=_own_supplier(request.user), actor=request.user, now=timezone.now(), **values.validated_data)
    return Response(view.get_serializer(view.get_queryset().get(pk=created.pk)).data, status=status.HTTP_201_CREATED)


# --- views --------------------------------------------------------------------------------------------------
class ContractViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Contracts: suppliers see their own and their admin may propose one; operators create and review them."""

    serializer_class = ContractSerializer
    filterset_fields = ["state", "supplier"]
    search_fields = CONTRACT_SEARCHED
    ordering_fields = ["id", "start_date", "end_date", "created_at"]

    def get_queryset(self):
        return list_contracts(actor=self.request.user)

    @extend_schema(responses=stored_file_responses())
    @action(detail=True, methods=["get"], url_path="file", **serving(*STORED_FILE_TYPES))
    def file(self, request, pk=None):
        """The signed contract's file, for the supplier itself and staff (404 when none is stored)."""
        return serve(self.get_object().file)

    @extend_schema(request=ContractInput, responses={201: ContractSerializer})
    def create(self, request):
        """Record a contract for review (operators for any supplier, a supplier admin for its own)."""
        require_role(request.user, OPERATORS | SUPPLIER_ADMIN)
        params = ContractInput(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        values = dict(params.validated_data)
        chosen = values.pop("supplier", None)
        if request.user.is_supplier_user:
            supplier = _own_supplier(request.user)
        elif chosen is None:
            raise ValidationFailed(gettext("请选择礼品商"), field="supplier")
        else:
            supplier = chosen
        contract = contracts.create_contract(supplier=supplier, actor=request.user, now=timezone.now(), **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=contract.pk)).data, status=status.HTTP_201_CREATED)

    approve = transition_action(contracts.approve_contract, name="approve", roles=contracts.DECIDERS, target="contract")
    reject = transition_action(contracts.reject_contract, name="reject", roles=contracts.DECIDERS, target="contract",
                               input_serializer=RequiredReasonInput)


class QualificationQuery(serializers.Serializer):
    expiry_status = serializers.ChoiceField(choices=EXPIRY_STATUSES, required=False, allow_blank=True, default="",
                                            help_text="valid, expiring (30 days), expired, renewed")


@functools.wraps(qualifications.approve_qualification)
def _approved_as_listed(*, qualification: Qualification, actor, now, **values) -> Qualification:
    # the qualification as its list shows it once approved: its expiry status, which it had none of while pending
    approved = qualifications.approve_qualification(qualification=qualification, actor=actor, now=now, **values)
    return list_qualifications(actor=actor, on=timezone.localdate(now)).get(pk=approved.pk)


@extend_schema_view(list=extend_schema(parameters=[QualificationQuery]))
class QualificationViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Licences and product certificates with their review state and expiry status; supplier users upload their own
    (multipart), which an operator approves or rejects."""

    serializer_class = QualificationSerializer
    filterset_fields = ["kind", "certificate_type", "supplier", "state"]
    search_fields = QUALIFICATION_SEARCHED
    query_parameters = query_names(QualificationQuery)
    ordering_fields = ["id", "expires_on", "uploaded_at"]

    def get_queryset(self):
        queryset = list_qualifications(actor=self.request.user, on=timezone.localdate())
        if self.action == "list" and (expiry := read_query(QualificationQuery, self.request)["expiry_status"]):
            queryset = queryset.filter(expiry_status=expiry)
        return queryset

    @extend_schema(responses=stored_file_responses())
    @action(detail=True, methods=["get"], url_path="file", **serving(*STORED_FILE_TYPES))
    def file(self, request, pk=None):
        """The certificate's file, for the supplier itself and staff."""
        return serve(self.get_object().file)

    @extend_schema(request=QualificationInput, responses={201: QualificationSerializer})
    def create(self, request):
        """Upload a licence or certificate (a renewal is simply a newer one), pending an operator's review."""
        return _create_for_own_supplier(
            self, request, roles=SUPPLIER_ROLES, params=QualificationInput, service=qualifications.upload_qualification
        )

    approve = transition_action(_approved_as_listed, name="approve", roles=qualifications.REVIEWERS, target="qualification")
    reject = transition_action(qualifications.reject_qualification, name="reject", roles=qualifications.REVIEWERS, target="qualification",
                            input_serializer=RequiredReasonInput)


class ProfileChangeViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reviewed changes of bank account, legal name and credit code: the supplier admin asks, an operator decides. The
    contact person, the address and the SMS setting are changed at once, without review, and kept in the same history."""

    serializer_class = ProfileChangeSerializer
    filterset_fields = ["state", "field", "supplier"]
    ordering_fields = ["id", "requested_at", "decided_at"]

    def get_queryset(self):
        return list_profile_changes(actor=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        """One change; the operator deciding a pending one reads its bank account numbers whole (the read is recorded)."""
        change = self.get_object()
        profile.record_review_read(change=change, actor=request.user, now=timezone.now())
        return Response(self.get_serializer(change).data)

    @extend_schema(responses=stored_file_responses())
    @action(detail=True, methods=["get"], url_path="evidence", **serving(*STORED_FILE_TYPES))
    def evidence(self, request, pk=None):
        """The change's evidence (the account-opening permit or bank proof, the new business licence), for the supplier's
        admin and the platform's staff (404 when none is stored, and for the supplier's staff)."""
        change = self.get_object()
        if not reads_bank_details(request.user):
            raise NotFound()
        return serve(change.evidence)

    @extend_schema(request=ProfileChangeInput, responses={201: ProfileChangeSerializer})
    def create(self, request):
        """Request a change of one field (supplier admin only); 409 while one of the same field is pending. A contact,
        address or SMS setting change is approved as it is made."""
        return _create_for_own_supplier(
            self, request, roles=SUPPLIER_ADMIN, params=ProfileChangeInput, service=profile.request_profile_change
        )

    approve = transition_action(profile.approve_profile_change, name="approve", roles=contracts.DECIDERS, target="change")
    reject = transition_action(profile.reject_profile_change, name="reject", roles=contracts.DECIDERS, target="change",
                               input_serializer=RequiredReasonInput)
    withdraw = transition_action(profile.withdraw_profile_change, name="withdraw", roles=SUPPLIER_ADMIN, target="change")


class BankAccountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Approved bank accounts, newest first; a statement pays the newest one usable on its issue date."""

    serializer_class = BankAccountSerializer
    filterset_fields = ["supplier"]

    def get_queryset(self):
        return list_bank_accounts(actor=self.request.user)
