import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from django.utils.translation import gettext
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from core.api.changes import ChangesViewSet
from core.api.errors import ErrorResponse429Serializer
from core.api.conditional import CONDITIONAL_UPDATE, ConditionalUpdates, stored_values
from core.api.downloads import serving
from core.api.fields import RequiredText
from core.api.transitions import RequiredReasonInput, TransitionHistoryMixin, transition_action
from core.api.filters import FilterSet, reads_yes_no, yes_no
from core.api.permissions import require_role
from core.errors import ValidationFailed
from core.fsm import require_transition
from core.roles import OPERATORS, SUPPLIER_ROLES
from core.selectors import all_words
from suppliers.api.serializers import (
    CategoryInput,
    CategorySerializer,
    ClearanceInput,
    DelistInput,
    GiftInput,
    GiftRevisionSerializer,
    GiftSerializer,
    LocationSerializer,
    ReplenishmentRequestSerializer,
    SafetyStockChangeQuery,
    SafetyStockChangeSerializer,
    ScheduleInput,
    StockMovementSerializer,
    StockRecordSerializer,
    NoticeSerializer,
    SupplierApplicationInput,
    SupplierSerializer,
)
from suppliers.models import (
    Category,
    Gift,
    GiftRevision,
    Location,
    ReplenishmentRequest,
    StockMovement,
    StockRecord,
    Supplier,
)
from suppliers.selectors import (
    GIFT_SEARCH, RETIRED_AND_EMPTY, SUPPLIER_SEARCHED, list_locations, list_revisions, list_safety_stock_changes, matching,
    movements_matching,
)
from suppliers.services import catalog, categories, gift_images, inventory, notices, onboarding, revisions



class SupplierViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Suppliers: a supplier user sees its own, staff see all; operators drive the lifecycle."""

    serializer_class = SupplierSerializer
    filterset_fields = ["state"]
    search_fields = SUPPLIER_SEARCHED
    ordering_fields = ["id", "name", "applied_at"]

    def get_queryset(self):
        return Supplier.objects.visible_to(self.request.user)

    start_review = transition_action(onboarding.start_supplier_review, name="start_review", roles=OPERATORS, target="supplier")
    approve = transition_action(onboarding.approve_supplier, name="approve", roles=OPERATORS, target="supplier")
    reject = transition_action(onboarding.reject_supplier, name="reject", roles=OPERATORS, target="supplier",
                               input_serializer=RequiredReasonInput)
    suspend = transition_action(onboarding.suspend_supplier, name="suspend", roles=OPERATORS, target="supplier",
                                input_serializer=RequiredReasonInput)
    reactivate = transition_action(onboarding.reactivate_supplier, name="reactivate", roles=OPERATORS, target="supplier")
    terminate = transition_action(onboarding.terminate_supplier, name="terminate", roles=OPERATORS, target="supplier",
                                  input_serializer=RequiredReasonInput)


class SupplierApplicationViewSet(viewsets.GenericViewSet):
    """The public supplier application form (anyone may apply)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = SupplierApplicationInput

    @extend_schema(
        request=SupplierApplicationInput, responses={201: SupplierSerializer, 429: ErrorResponse429Serializer},
        parameters=[OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[429],
                                     description="seconds until the client address may apply again")],
    )
    def create(self, request):
        """Apply as a supplier. Every application counts towards its client address's limit before anything in it is
        checked (SUPPLIER_APPLICATIONS_PER_CLIENT within LOGIN_LOCKOUT_MINUTES, then 429 `too_many_applications`
        with Retry-After for that long): a username or credit code already taken is a 400 on its field, and the limit
        keeps those answers from being mined."""
        now = timezone.now()
        onboarding.limit_applications(request=request, now=now)
        params = SupplierApplicationInput(data=request.data)
        params.is_valid(raise_exception=True)
        supplier = onboarding.apply_as_supplier(**params.validated_data, now=now)
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)


@reads_yes_no(unread="only unread notices (false: only read ones)",
              action="only notices asking the supplier to act (false: the others), as 仅需礼品商处理的 on the page")
class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The supplier's inbox; unread first filter with ?unread=true; words of the title, text or supplier with
    ?search=; staff reading every inbox narrow it to a supplier with ?supplier=."""

    serializer_class = NoticeSerializer
    filterset_fields = ["kind", "supplier"]
    search_fields = notices.NOTICE_SEARCHED

    def get_queryset(self):
        rows = notices.list_notices(actor=self.request.user, unread=yes_no(self.request, "unread"))
        return notices.asking_action(rows, yes_no(self.request, "action"))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notice = self.get_object()
        require_role(request.user, SUPPLIER_ROLES)
        notice = notices.mark_notice_read(notice_id=notice.pk, actor=request.user, now=timezone.now())
        return Response(NoticeSerializer(notice).data)


SUPPLIER_USERS = SUPPLIER_ROLES
#: The schema of a gift picture's route, the catalog's included.
PICTURE_SCHEMA = extend_schema(
    parameters=[OpenApiParameter("size", str, enum=[gift_images.THUMBNAIL], description="thumb: the picture at most 480 px a side, as WebP")],
    responses={(200, "image/*"): OpenApiTypes.BINARY},
)


class StockCountInput(serializers.Serializer):
    available = serializers.IntegerField(min_value=0, max_value=inventory.MAX_OWN_STOCK, help_text="units ready to ship, reserved ones not counted")
    reason = RequiredText(max_length=StockMovement._meta.get_field("note").max_length,
                                   help_text="why, e.g. 盘点 or 到货; kept as the movement's note")
    counted_from = serializers.IntegerField(
        min_value=0, max_value=inventory.MAX_OWN_STOCK, required=False,
        help_text="the available units the count was made from (as last read): when they have changed since, the count is "
                  "refused, 409 `stock_changed`, and books nothing",
    )


class WarehouseCountInput(serializers.Serializer):
    on_hand = serializers.IntegerField(min_value=0, max_value=inventory.MAX_OWN_STOCK,
                                       help_text="units counted on the shelf, those reserved for orders included (never fewer than them)")
    reason = RequiredText(max_length=StockMovement._meta.get_field("note").max_length,
                          help_text="why, e.g. 月度盘点, a unit damaged on the shelf or missing; kept as the movement's note")
    liable = serializers.ChoiceField(choices=StockMovement.Liable.choices, required=False, allow_blank=True, default="",
                                     help_text="who answers for a shortfall (required when the count is below the units on hand)")
    counted_from = serializers.IntegerField(
        min_value=0, max_value=inventory.MAX_OWN_STOCK, required=False,
        help_text="the units on hand the count was made from (as last read): when they have changed since, the count is refused, "
                  "409 `stock_changed`, and books nothing",
    )


class SafetyStockInput(serializers.Serializer):
    safety_stock = serializers.IntegerField(min_value=0, max_value=inventory.MAX_OWN_STOCK)  # what the service takes


class GiftFilter(FilterSet):
    category = django_filters.CharFilter(field_name="category__code", label="a category's code (as the catalog's `?category=`)")

    class Meta:
        model = Gift
        fields = ["state", "fulfilment", "supplier", "category", "category__code"]


class GiftViewSet(ConditionalUpdates, TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Gifts: suppliers see and edit their own, staff see all; the catalog workflow of SPEC §4.2 as actions. A gift
    read carries its ETag, which an edit may send as If-Match."""

    serializer_class = GiftSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = GiftFilter
    search_fields = ["sku", "name"]  # as `search_rows` reads them
    ordering_fields = ["id", "sku", "name", "created_at"]

    def get_queryset(self):
        return Gift.objects.visible_to(self.request.user).select_related("category").prefetch_related("prices__program")

    def search_rows(self, rows, text: str):
        """`?search=`: each word in the SKU or name, full-width forms read as plain ones, as the gift pages search."""
        return rows.filter(all_words(text, GIFT_SEARCH))

    def version_values(self, gift: Gift) -> dict:
        """What a gift stores: its row and its points prices."""
        return stored_values(gift) | {"points_prices": sorted((price.program_id, price.points_price) for price in gift.prices.all())}

    @PICTURE_SCHEMA
    @action(detail=True, methods=["get"], url_path=r"images/(?P<index>[0-9]{1,3})", **serving("image/*"))
    def image(self, request, pk=None, index=None):
        """A stored picture of the gift, as `image_urls` address it (`thumbnail_urls` add `size=thumb`)."""
        return gift_images.serve_image(self.get_object(), int(index), size=request.query_params.get("size"))

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "upload": {"type": "array", "items": {"type": "string", "format": "binary"}}}, "required": ["upload"]}},
        responses={200: GiftSerializer, 202: GiftRevisionSerializer})
    @action(detail=True, methods=["post"], url_path="images", parser_classes=[MultiPartParser])
    def upload_images(self, request, pk=None):
        """Add pictures (multipart `upload`, one or more JPEG, PNG or WebP files) after the gift's own: in place on a
        draft (200), as a reviewed revision of an approved or listed gift (202)."""
        gift = self.get_object()
        require_role(request.user, SUPPLIER_USERS)
        uploads = request.FILES.getlist("upload")
        if not uploads:
            raise ValidationFailed(gettext("请选择要上传的图片"), field="upload")
        result = revisions.edit_gift(gift=gift, actor=request.user, now=timezone.now(), changes={}, uploads=uploads)
        if isinstance(result, GiftRevision):
            return Response(GiftRevisionSerializer(result).data, status=status.HTTP_202_ACCEPTED)
        return Response(GiftSerializer(self.get_queryset().get(pk=result.pk), context={"request": request}).data)

    @extend_schema(request=GiftInput, responses={201: GiftSerializer})
    def create(self, request):
        """Create a draft gift in the caller's catalog."""
        require_role(request.user, SUPPLIER_USERS)
        params = GiftInput(data=request.data)
        params.is_valid(raise_exception=True)
        supplier = Supplier.objects.get(pk=request.user.supplier_id)
        gift = catalog.create_gift(supplier=supplier, actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(GiftSerializer(gift).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GiftInput(partial=True), parameters=CONDITIONAL_UPDATE["parameters"],
                   responses={200: GiftSerializer, 202: GiftRevisionSerializer, **CONDITIONAL_UPDATE["responses"]})
    def partial_update(self, request, pk=None):
        """Edit a draft in place (200, with the gift's new ETag), or propose a reviewed revision of an approved or
        listed gift (202); with If-Match, only while the gift is as read (else 412)."""
        gift = self.get_object()
        require_role(request.user, SUPPLIER_USERS)
        with self.unchanged_since_read(request, gift) as current:
            params = GiftInput(data=request.data, partial=True)
            params.is_valid(raise_exception=True)
            changes = {k: v for k, v in params.validated_data.items() if k != "sku"}
            result = revisions.edit_gift(gift=current, actor=request.user, now=timezone.now(), changes=changes)
            if isinstance(result, GiftRevision):
                return Response(GiftRevisionSerializer(result).data, status=status.HTTP_202_ACCEPTED)
            # tagged while the row is still locked: the tag is of this edit, not of a colleague's made after it
            edited = self.get_queryset().get(pk=result.pk)
            return self.tagged(request, Response(GiftSerializer(edited).data), edited)

    schedule = transition_action(
        revisions.schedule_publication, name="schedule", roles=OPERATORS, target="gift", input_serializer=ScheduleInput, transition="publish"
    )
    cancel_schedule = transition_action(
        revisions.cancel_publication_schedule, name="cancel_schedule", roles=OPERATORS, target="gift", input_serializer=RequiredReasonInput,
        check=lambda user, gift: require_transition(gift, "cancel_schedule"),  # no schedule to cancel: 409 before the reason is read
    )
    submit = transition_action(catalog.submit_gift, name="submit", roles=SUPPLIER_USERS, target="gift")
    rework = transition_action(catalog.rework_gift, name="rework", roles=SUPPLIER_USERS, target="gift")
    request_relisting = transition_action(catalog.request_relisting, name="request_relisting", roles=SUPPLIER_USERS, target="gift")
    approve = transition_action(catalog.approve_gift, name="approve", roles=OPERATORS, target="gift")
    reject = transition_action(catalog.reject_gift, name="reject", roles=OPERATORS, target="gift", input_serializer=RequiredReasonInput)
    publish = transition_action(catalog.publish_gift, name="publish", roles=OPERATORS, target="gift")
    delist = transition_action(
        catalog.delist_gift, name="delist", roles=OPERATORS | SUPPLIER_USERS, target="gift", input_serializer=DelistInput
    )
    start_clearance = transition_action(
        catalog.start_clearance, name="start_clearance", roles=OPERATORS, target="gift", input_serializer=ClearanceInput
    )
    retire = transition_action(catalog.retire_gift, name="retire", roles=OPERATORS, target="gift", input_serializer=RequiredReasonInput)

    @extend_schema(request=StockCountInput, responses=StockRecordSerializer)
    @action(detail=True, methods=["post"], url_path="stock-count")
    def stock_count(self, request, pk=None):
        """A dropship supplier states the units of this gift it has ready to ship from its own location and why (盘点,
        到货…): the difference is booked as received or written off, with the reason as the movement's note."""
        return self._own_stock(request, StockCountInput, inventory.count_own_stock)

    @extend_schema(request=SafetyStockInput, responses=StockRecordSerializer)
    @action(detail=True, methods=["post"], url_path="own-safety-stock")
    def own_safety_stock(self, request, pk=None):
        """A dropship supplier sets this gift's safety stock at its own location: no replenishment request there, but a
        notice when a reservation or count takes the available units below it."""
        return self._own_stock(request, SafetyStockInput, inventory.set_own_safety_stock)

    def _own_stock(self, request, params: type[serializers.Serializer], service) -> Response:
        """Gift (404), role (403), input (400), one service call on the supplier's own stock of it; the stock record."""
        gift = self.get_object()
        require_role(request.user, SUPPLIER_USERS)
        values = params(data=request.data)
        values.is_valid(raise_exception=True)
        record = service(gift=gift, actor=request.user, now=timezone.now(), **values.validated_data)
        return Response(StockRecordSerializer(StockRecord.objects.select_related("gift", "location").get(pk=record.pk)).data)


class GiftRevisionViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Reviewed edits of listed gifts: suppliers see their own, operators approve or reject."""

    serializer_class = GiftRevisionSerializer
    filterset_fields = ["state", "gift"]

    def get_queryset(self):
        return list_revisions(actor=self.request.user)

    approve = transition_action(revisions.approve_revision, name="approve", roles=OPERATORS, target="revision")
    reject = transition_action(revisions.reject_revision, name="reject", roles=OPERATORS, target="revision",
                               input_serializer=RequiredReasonInput)
    withdraw = transition_action(revisions.withdraw_revision, name="withdraw", roles=SUPPLIER_ROLES, target="revision")


class CategoryViewSet(ConditionalUpdates, viewsets.ReadOnlyModelViewSet):
    """Gift categories and the product certificates each requires (everyone reads them; operators add and change them,
    a change sending the ETag read as If-Match)."""

    serializer_class = CategorySerializer
    queryset = Category.objects.all()
    lookup_field = "code"
    pagination_class = None

    @extend_schema(request=CategoryInput, responses={201: CategorySerializer})
    def create(self, request):
        """Add a category: its code (set once), names and required certificates."""
        require_role(request.user, OPERATORS)
        params = CategoryInput(data=request.data)
        params.is_valid(raise_exception=True)
        category = categories.save_category(actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CategoryInput, parameters=CONDITIONAL_UPDATE["parameters"],
                   responses={200: CategorySerializer, **CONDITIONAL_UPDATE["responses"]})
    def partial_update(self, request, code=None):
        """Change a category's names or required certificates (the fields sent; its code stays); with If-Match, only
        while the category is as read (else 412). Answers with its new ETag."""
        category = self.get_object()
        require_role(request.user, OPERATORS)
        with self.unchanged_since_read(request, category) as current:
            params = CategoryInput(data=request.data, partial=True)
            params.is_valid(raise_exception=True)
            category = categories.save_category(actor=request.user, now=timezone.now(), category=current, **params.validated_data)
            return self.tagged(request, Response(CategorySerializer(category).data), category)


class LocationViewSet(viewsets.ReadOnlyModelViewSet):
    """The logistics provider's warehouses, and for a supplier its own dropship location."""

    serializer_class = LocationSerializer
    filterset_fields = ["kind"]
    queryset = Location.objects.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Location.objects.all()
        return list_locations(user=self.request.user)


@reads_yes_no(retired="also a retired gift's records holding nothing, which the list leaves out otherwise (as 库存's 含已退市且无库存的记录)")
class StockRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per gift per location (on hand, reserved, available, safety stock); the list leaves out a retired gift's
    records holding nothing unless ?retired=true (one is still read by its id)."""

    serializer_class = StockRecordSerializer
    filterset_fields = ["gift", "location"]
    search_fields = ["gift__sku", "gift__name", "gift__supplier__name"]  # as `search_rows` reads them

    def get_queryset(self):
        rows = StockRecord.objects.visible_to(self.request.user).select_related("gift", "location")
        if self.action == "list" and not yes_no(self.request, "retired"):
            rows = rows.exclude(RETIRED_AND_EMPTY)
        return rows

    def search_rows(self, rows, text: str):
        """`?search=`: the stock page's text filter (`suppliers.selectors.matching`)."""
        return rows.filter(matching(text, "gift__"))

    @extend_schema(request=SafetyStockInput, responses=StockRecordSerializer)
    @action(detail=True, methods=["post"], url_path="safety-stock")
    def safety_stock(self, request, pk=None):
        """Set the safety stock; a level already below it raises a replenishment request."""
        record = self.get_object()
        require_role(request.user, inventory.SAFETY_STOCK_SETTERS)
        params = SafetyStockInput(data=request.data)
        params.is_valid(raise_exception=True)
        inventory.set_safety_stock(gift=record.gift, location=record.location, at=timezone.now(), actor=request.user,
                                   **params.validated_data)
        return Response(StockRecordSerializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(request=WarehouseCountInput, responses=StockRecordSerializer)
    @action(detail=True, methods=["post"], url_path="count")
    def count(self, request, pk=None):
        """Logistics staff count the units on hand at a warehouse: the difference is booked as a 盘点更正 movement with the
        reason and, for a shortfall, who is liable; the supplier is told. A count below the reserved units is refused."""
        record = self.get_object()
        require_role(request.user, inventory.WAREHOUSE_COUNTERS)
        params = WarehouseCountInput(data=request.data)
        params.is_valid(raise_exception=True)
        inventory.count_warehouse_stock(record=record, actor=request.user, now=timezone.now(), **params.validated_data)
        return Response(StockRecordSerializer(self.get_queryset().get(pk=record.pk)).data)


class SafetyStockChangeViewSet(ChangesViewSet):
    """Each change of a safety stock level, newest first: the gift and location, the level before and after, who set it
    and when (a supplier's users: their own gifts' only)."""

    serializer_class = SafetyStockChangeSerializer
    query = SafetyStockChangeQuery

    def changes(self, *, gift: int | None):
        return list_safety_stock_changes(actor=self.request.user, gift_id=gift)


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """Every stock movement, newest first (stock can be rebuilt from these)."""

    serializer_class = StockMovementSerializer
    filterset_fields = ["gift", "location", "kind"]
    search_fields = ["gift__sku", "gift__name", "gift__supplier__name", "source_id"]  # documents `search`: see search_rows

    def get_queryset(self):
        return inventory.with_source_numbers(StockMovement.objects.visible_to(self.request.user))

    def search_rows(self, rows, text):
        """`?search=` finds what the movements page's text filter lists (`suppliers.selectors.movements_matching`)."""
        return rows.filter(movements_matching(text))


class ReplenishmentRequestViewSet(TransitionHistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Replenishment requests (补货) raised when stock falls below safety stock."""

    serializer_class = ReplenishmentRequestSerializer
    filterset_fields = ["state", "gift", "location"]

    def get_queryset(self):
        return ReplenishmentRequest.objects.visible_to(self.request.user).select_related("gift")
