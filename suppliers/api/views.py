from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.api.transitions import TransitionHistoryMixin, transition_action
from core.api.permissions import require_role
from core.roles import SUPPLIER_ROLES, Role
from suppliers.api.serializers import (
    ClearanceInput,
    DelistInput,
    GiftSerializer,
    NoticeSerializer,
    SupplierApplicationInput,
    SupplierSerializer,
)
from suppliers.models import Gift, Notice, Supplier
from suppliers.services import catalog, notices, onboarding

OPERATOR = frozenset({Role.OPERATOR})


class SupplierViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Suppliers: a supplier user sees its own, staff see all; operators drive the lifecycle."""

    serializer_class = SupplierSerializer
    filterset_fields = ["state"]
    search_fields = ["name", "credit_code"]
    ordering_fields = ["id", "name", "applied_at"]

    def get_queryset(self):
        return Supplier.objects.visible_to(self.request.user)

    start_review = transition_action(onboarding.start_supplier_review, name="start_review", roles=OPERATOR, target="supplier")
    approve = transition_action(onboarding.approve_supplier, name="approve", roles=OPERATOR, target="supplier")
    reject = transition_action(onboarding.reject_supplier, name="reject", roles=OPERATOR, target="supplier")
    suspend = transition_action(onboarding.suspend_supplier, name="suspend", roles=OPERATOR, target="supplier")
    reactivate = transition_action(onboarding.reactivate_supplier, name="reactivate", roles=OPERATOR, target="supplier")
    terminate = transition_action(onboarding.terminate_supplier, name="terminate", roles=OPERATOR, target="supplier")


class SupplierApplicationViewSet(viewsets.GenericViewSet):
    """The public supplier application form (anyone may apply)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = SupplierApplicationInput

    @extend_schema(request=SupplierApplicationInput, responses={201: SupplierSerializer})
    def create(self, request):
        params = SupplierApplicationInput(data=request.data)
        params.is_valid(raise_exception=True)
        supplier = onboarding.apply_as_supplier(**params.validated_data, now=timezone.now())
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The supplier's inbox; unread first filter with ?unread=true."""

    serializer_class = NoticeSerializer

    def get_queryset(self):
        queryset = Notice.objects.visible_to(self.request.user)
        if self.request.query_params.get("unread") in {"1", "true"}:
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notice = self.get_object()
        require_role(request.user, SUPPLIER_ROLES)
        notice = notices.mark_notice_read(notice_id=notice.pk, actor=request.user, now=timezone.now())
        return Response(NoticeSerializer(notice).data)


SUPPLIER_USERS = SUPPLIER_ROLES


class GiftViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Gifts: suppliers see their own, staff all; the catalog workflow of SPEC §4.2 as actions."""

    serializer_class = GiftSerializer
    filterset_fields = ["state", "fulfilment", "category__code"]
    search_fields = ["sku", "name"]
    ordering_fields = ["id", "sku", "name", "created_at"]

    def get_queryset(self):
        return Gift.objects.visible_to(self.request.user).select_related("category").prefetch_related("prices__program")

    submit = transition_action(catalog.submit_gift, name="submit", roles=SUPPLIER_USERS, target="gift")
    rework = transition_action(catalog.rework_gift, name="rework", roles=SUPPLIER_USERS, target="gift")
    request_relisting = transition_action(catalog.request_relisting, name="request_relisting", roles=SUPPLIER_USERS, target="gift")
    approve = transition_action(catalog.approve_gift, name="approve", roles=OPERATOR, target="gift")
    reject = transition_action(catalog.reject_gift, name="reject", roles=OPERATOR, target="gift")
    publish = transition_action(catalog.publish_gift, name="publish", roles=OPERATOR, target="gift")
    delist = transition_action(
        catalog.delist_gift, name="delist", roles=OPERATOR | SUPPLIER_USERS, target="gift", input_serializer=DelistInput
    )
    start_clearance = transition_action(
        catalog.start_clearance, name="start_clearance", roles=OPERATOR, target="gift", input_serializer=ClearanceInput
    )
    retire = transition_action(catalog.retire_gift, name="retire", roles=OPERATOR, target="gift")
