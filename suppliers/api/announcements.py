"""API of announcements and meeting notices (SPEC §4.9).

Operators publish and follow acknowledgements under `announcements/` (only they may use it); suppliers find their
copies under `announcement-deliveries/` (another supplier's copy is a 404), mark them read and acknowledge them
once (acknowledging again changes nothing and answers the first acknowledgement). The rules live in suppliers.services.announcements.
"""
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.fields import BusinessDateTimeField
from core.api.filters import reads_yes_no, yes_no
from core.api.permissions import require_role, roles
from core.idempotency import idempotent
from core.roles import SUPPLIER_ROLES, Role
from suppliers.models import Announcement, AnnouncementDelivery
from suppliers.services import announcements

ANNOUNCEMENT_FIELDS = ["id", "kind", "title", "body", "meeting_at", "place", "agenda", "to_all", "published_at"]


class AnnouncementSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(source="published_by.username", default=None, read_only=True)
    delivered_count = serializers.IntegerField(read_only=True, default=0)
    acknowledged_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Announcement
        fields = [*ANNOUNCEMENT_FIELDS, "published_by", "delivered_count", "acknowledged_count"]
        read_only_fields = fields


class PendingSupplierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    contact_phone = serializers.CharField()


class AnnouncementDetailSerializer(AnnouncementSerializer):
    not_acknowledged = serializers.SerializerMethodField()

    class Meta(AnnouncementSerializer.Meta):
        fields = [*AnnouncementSerializer.Meta.fields, "not_acknowledged"]
        read_only_fields = fields

    @extend_schema_field(PendingSupplierSerializer(many=True))
    def get_not_acknowledged(self, announcement) -> list:
        return PendingSupplierSerializer(announcements.not_acknowledged(announcement=announcement), many=True).data


class PublishInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Announcement.Kind.choices, default=Announcement.Kind.ANNOUNCEMENT)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10000)
    meeting_at = BusinessDateTimeField(required=False, allow_null=True, default=None, help_text="required for a meeting, not in the past")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="required for a meeting")
    agenda = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="", help_text="required for a meeting")
    to_all = serializers.BooleanField(default=True, help_text="every active supplier; false: the chosen `suppliers`")
    suppliers = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                      help_text="ids of active or suspended suppliers (any other is a 400)")


class AnnouncementViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Announcements and meeting notices: operators publish them and see who has not acknowledged."""

    permission_classes = [IsAuthenticated, roles(Role.OPERATOR)]
    filterset_fields = ["kind", "to_all"]
    search_fields = ["title"]
    ordering_fields = ["published_at", "id"]

    def get_queryset(self):
        return announcements.list_announcements(actor=self.request.user)

    def get_serializer_class(self):
        return AnnouncementDetailSerializer if self.action == "retrieve" else AnnouncementSerializer

    @extend_schema(request=PublishInput, responses={201: AnnouncementDetailSerializer})
    @idempotent
    def create(self, request):
        """Publish to every active supplier or to the chosen ones; a meeting needs a time, a place and an agenda
        (Idempotency-Key required: a retry replays the first answer, the suppliers texted once)."""
        params = PublishInput(data=request.data)
        params.is_valid(raise_exception=True)
        announcement = announcements.publish_announcement(**params.validated_data, actor=request.user, now=timezone.now())
        published = self.get_queryset().get(pk=announcement.pk)
        return Response(AnnouncementDetailSerializer(published).data, status=status.HTTP_201_CREATED)


class DeliveredAnnouncementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Announcement
        fields = ANNOUNCEMENT_FIELDS
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    announcement = DeliveredAnnouncementSerializer(read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, read_only=True)

    class Meta:
        model = AnnouncementDelivery
        fields = ["id", "announcement", "supplier", "supplier_name", "read_at", "acknowledged_at", "acknowledged_by"]
        read_only_fields = fields


@reads_yes_no(unread="only deliveries not yet read (false: only read ones)",
              acknowledged="only acknowledged deliveries (false: only those not yet acknowledged)")
class AnnouncementDeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Announcements as each supplier received them (a supplier sees its own, unread first; operators all);
    `?unread=true` and `?acknowledged=false` filter."""

    serializer_class = DeliverySerializer
    filterset_fields = ["announcement", "supplier"]

    def get_queryset(self):
        deliveries = announcements.list_deliveries(actor=self.request.user)
        if (unread := yes_no(self.request, "unread")) is not None:
            deliveries = deliveries.filter(read_at__isnull=unread)
        if (acknowledged := yes_no(self.request, "acknowledged")) is not None:
            deliveries = deliveries.filter(acknowledged_at__isnull=not acknowledged)
        return deliveries

    def _act(self, request, service):
        delivery = self.get_object()
        require_role(request.user, SUPPLIER_ROLES)
        return Response(DeliverySerializer(service(delivery=delivery, actor=request.user, now=timezone.now())).data)

    @extend_schema(request=None, summary="Mark the supplier's copy read (opening it again keeps the first time).")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        return self._act(request, announcements.mark_read)

    @extend_schema(request=None, summary="Acknowledge the announcement for the supplier, once (again: the first acknowledgement, unchanged).")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(request, announcements.acknowledge)
