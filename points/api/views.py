import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.downloads import serving
from core.api.errors import ErrorResponse429Serializer
from core.api.permissions import require_role
from core.api.transitions import RequiredReasonInput, TransitionHistoryMixin, step_answer, transition_action
from core.errors import PermissionDenied
from core.months import parse_month
from core.api.filters import FilterBackend, FilterSet, IdFilter, OrderingField, TimeFilter, query_names, read_query
from core.idempotency import HEADER, idempotent
from core.models import Program, Tier
from core.roles import OPERATORS, Role
from core.services import log_personal_data_access
from points.api.messages import MESSAGES_SCHEMA, MemberMessageSerializer, messages_page
from points.api.serializers import (
    BalanceSerializer,
    BulkCreditInput,
    CatalogGiftSerializer,
    ConfirmInput,
    CreditedSerializer,
    CorrectionInput,
    LedgerEntrySerializer,
    MemberDetailSerializer,
    MemberSerializer,
    MemberProfileSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    PlaceOrderInput,
    RedeliverInput,
)
from points.models import LedgerEntry, Member, RedemptionOrder
from points.privacy import may_see_contact
from points.selectors import ORDER_GIFT_SEARCH, booked_in, member_with_program, search_members, with_booking
from suppliers.api.views import PICTURE_SCHEMA
from suppliers.models import Gift
from points.services import credits, members, orders
from suppliers.selectors import list_catalog
from suppliers.validators import points_range_problem
from suppliers.services.gift_images import serve_image

MEMBER = frozenset({Role.MEMBER})


#: `?ordering=` of the catalog and of members (read with the other parameters: these lists order in their selectors)
CATALOG_ORDERINGS = {"points_price": "member_points", "created_at": "created_at"}
#: never by phone: the order of masked phones would give away their hidden digits, as the member page's headings don't
MEMBER_ORDERINGS = {"id": "id", "name": "name"}


def ordered(queryset, ordering: str, columns: dict[str, str]):
    """`queryset` in the `?ordering=` asked for (a key of `columns`, "-" descending), the id breaking ties; as it was
    when none is asked for."""
    if not ordering:
        return queryset
    descending = ordering.startswith("-")
    column = columns[ordering.lstrip("-")]
    return queryset.order_by(f"-{column}" if descending else column, "-id" if descending else "id")


class CatalogQuery(serializers.Serializer):
    category = serializers.CharField(required=False, allow_blank=True, default="", help_text="a category's code")
    min_points = serializers.IntegerField(required=False, error_messages={"invalid": gettext_lazy("积分范围须为整数")})
    max_points = serializers.IntegerField(required=False, error_messages={"invalid": gettext_lazy("积分范围须为整数")})
    q = serializers.CharField(required=False, allow_blank=True, default="", help_text="text in name or description")
    search = serializers.CharField(required=False, allow_blank=True, default="", help_text="the same as `q`, as other lists name it")
    ordering = OrderingField(*CATALOG_ORDERINGS, help_text="points_price: the price the member pays; created_at: -created_at "
                                                           "lists the newest first; default: cheapest first")

    def validate(self, attrs):
        if problem := points_range_problem(attrs.get("min_points"), attrs.get("max_points")):
            raise serializers.ValidationError({"max_points": problem})
        return attrs


class MemberQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", help_text="the whole phone or its last 4 digits, or any part of the name")
    search = serializers.CharField(required=False, allow_blank=True, default="", help_text="the same as `q`, as other lists name it")
    program = serializers.ChoiceField(choices=[Program.GOTONE, Program.MZONE], required=False, allow_blank=True, default="")
    tier = serializers.ChoiceField(choices=Tier.values, required=False, allow_blank=True, default="")
    ordering = OrderingField(*MEMBER_ORDERINGS, help_text="default: -id, the newest first")


def member_of(user) -> Member:
    """The caller's member profile with its program, in one query.

    :raises PermissionDenied: unless the user is a member with a member profile (a member-role account made in the
        admin has none)
    """
    require_role(user, MEMBER)
    if "member" in user._state.fields_cache:  # read with the API token (None: no profile)
        member = user._state.fields_cache["member"]
    else:
        member = member_with_program(user_id=user.pk)
        if member is not None:
            member.user = user
    if member is None:
        raise PermissionDenied(gettext_lazy("该账号没有会员资料，不能使用会员功能"))
    return member


class CatalogViewSet(viewsets.ReadOnlyModelViewSet):
    """The member's catalog: listed gifts of its program and tier, with the points price it would pay."""

    serializer_class = CatalogGiftSerializer
    filter_backends = [FilterBackend]  # no filters of its own: it refuses a parameter CatalogQuery does not read
    query_parameters = query_names(CatalogQuery)

    @extend_schema(parameters=[CatalogQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Gift.objects.none()
        member = member_of(self.request.user)
        if self.action != "list":
            return list_catalog(program=member.program, tier=member.tier)
        query = read_query(CatalogQuery, self.request)
        gifts = list_catalog(program=member.program, tier=member.tier, category=query["category"], text=query["q"] or query["search"],
                             min_points=query.get("min_points"), max_points=query.get("max_points"))
        return ordered(gifts, query["ordering"], CATALOG_ORDERINGS)

    @PICTURE_SCHEMA
    @action(detail=True, methods=["get"], url_path=r"images/(?P<index>[0-9]{1,3})", **serving("image/*"))
    def image(self, request, pk=None, index=None):
        """A picture of a listed gift, as the catalog's `images` address it (a web address is not served here)."""
        return serve_image(self.get_object(), int(index), size=request.query_params.get("size"))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated and self.request.user.role == Role.MEMBER:
            context["member"] = member_of(self.request.user)
        return context


def program_choices() -> list[tuple[str, str]]:
    return [(program.code, program.label) for program in Program.objects.order_by("pk")]


class OrderFilter(FilterSet):
    member = IdFilter(field_name="member")
    program = django_filters.ChoiceFilter(field_name="program__code", choices=program_choices, help_text="a points program's code")
    placed_after = TimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = TimeFilter(field_name="placed_at", lookup_expr="lt")
    booked_month = django_filters.CharFilter(method="in_booked_month", help_text=(
        "YYYY-MM: the orders whose delivery that month's statement books (recorded in the month, Asia/Shanghai: "
        "`delivery_recorded_at`, not the signing time)"))

    class Meta:
        model = RedemptionOrder
        fields = ["state", "fulfilment", "supplier", "gift", "member", "program", "placed_after", "placed_before", "booked_month"]

    def in_booked_month(self, queryset, name, value):
        return queryset.filter(**booked_in(parse_month(value, field=name)))  # a month it does not read: 400 naming it


class OrderViewSet(TransitionHistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Redemption orders: members their own, suppliers theirs, staff all; transitions as actions."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["number", *ORDER_GIFT_SEARCH]  # the page's 礼品 (SKU / 名称) is this `?search=`
    ordering_fields = ["placed_at", "id"]

    def get_queryset(self):
        return with_booking(RedemptionOrder.objects.visible_to(self.request.user).select_related("gift"), user=self.request.user)

    @extend_schema(responses=OrderDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        order = self.get_object()
        now = timezone.now()
        unmasked = may_see_contact(user=request.user, order=order, now=now)
        if unmasked and request.user.role != Role.MEMBER:
            log_personal_data_access(
                actor=request.user, subject=order, fields=["recipient_name", "recipient_phone", "address"], purpose="fulfilment", at=now
            )
        context = self.get_serializer_context() | {"unmasked_ids": {order.pk} if unmasked else set()}
        return Response(OrderDetailSerializer(order, context=context).data)

    @extend_schema(request=PlaceOrderInput, responses={201: OrderSerializer})
    @idempotent
    def create(self, request):
        """Place an order (Idempotency-Key required); below the SMS threshold it is confirmed at once."""
        member = member_of(request.user)
        params = PlaceOrderInput(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        order = orders.place_order(member=member, gift_id=data.pop("gift"), now=timezone.now(), actor=request.user, **data)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    confirm = transition_action(orders.confirm_order, name="confirm", roles=MEMBER, target="order", input_serializer=ConfirmInput)
    cancel = transition_action(orders.cancel_order, name="cancel", roles=orders.roles_for("cancel"), target="order")
    cancel_before_picking = transition_action(orders.cancel_before_picking, name="cancel_before_picking",
                                            roles=orders.roles_for("cancel_before_picking"), target="order",
                                            input_serializer=RequiredReasonInput)
    redeliver = transition_action(orders.redeliver_order, name="redeliver", roles=orders.roles_for("redeliver"), target="order",
                                  input_serializer=RedeliverInput)
    give_up = transition_action(orders.give_up_order, name="give_up", roles=orders.roles_for("give_up"), target="order",
                                input_serializer=RequiredReasonInput)

    @extend_schema(
        request=None, responses={200: OrderSerializer, 429: ErrorResponse429Serializer},
        parameters=[OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[429],
                                     description="seconds until a new code may be sent")],
    )
    @action(detail=True, methods=["post"], url_path="resend-code")
    def resend_code(self, request, pk=None):
        """Text a fresh confirmation code."""
        order = self.get_object()
        require_role(request.user, MEMBER)
        return step_answer(self, request, order, orders.resend_code(order=order, now=timezone.now()))


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    """Members for the operators' support: search by phone or name (`?q=`), program and tier; one member with its
    balance and upcoming expiries; corrections of its points."""

    serializer_class = MemberSerializer
    filter_backends = [FilterBackend]  # no filters of its own: it refuses a parameter MemberQuery does not read
    query_parameters = query_names(MemberQuery)

    @extend_schema(parameters=[MemberQuery])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Member.objects.none()
        require_role(self.request.user, OPERATORS)
        if self.action != "list":
            return search_members()
        query = read_query(MemberQuery, self.request)
        members = search_members(text=query["q"] or query["search"], program=query["program"], tier=query["tier"])
        return ordered(members, query["ordering"], MEMBER_ORDERINGS)

    @extend_schema(responses=MemberDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        member.summary = credits.balance_summary(member=member, now=timezone.now())
        return Response(MemberDetailSerializer(member).data)

    @MESSAGES_SCHEMA
    @action(detail=True, methods=["get"], url_name="message-list")  # not "member-messages": the member's own page is named so
    def messages(self, request, pk=None):
        """The member's texts, newest first, as its 短信记录 lists them (a confirmation code hidden)."""
        return messages_page(self, self.get_object())

    @extend_schema(request=CorrectionInput, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"], url_path="correct-points")
    @idempotent
    def correct_points(self, request, pk=None):
        """Correct the member's points (operators; Idempotency-Key required): the entry, with the balance after."""
        member = self.get_object()
        params = CorrectionInput(data=request.data)
        params.is_valid(raise_exception=True)
        entry = credits.correct_points(member=member, actor=request.user, now=timezone.now(),
                                       reference=f"api-{request.user.pk}-{request.headers[HEADER].strip()}"[:60], **params.validated_data)
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class LedgerFilter(FilterSet):
    """By kind, member and the time entries were posted (`at`, 我的积分's 日期), the `_after` bound inclusive."""

    posted_after = TimeFilter(field_name="at", lookup_expr="gte")
    posted_before = TimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = LedgerEntry
        fields = ["kind", "account__member", "posted_after", "posted_before"]


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Points history with reasons: members their own, operators any (filter by ?account__member=)."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter

    def get_queryset(self):
        return LedgerEntry.objects.visible_to(self.request.user).order_by("-at", "-id")


class BalanceView(APIView):
    """The member's balance and every upcoming expiry."""

    @extend_schema(responses=BalanceSerializer)
    def get(self, request):
        summary = credits.balance_summary(member=member_of(request.user), now=timezone.now())
        return Response(BalanceSerializer(summary).data)


class MemberProfileView(APIView):
    """The member's own profile; `reminders_opt_out` turns off the shipped, delivered, points-expiring and
    complaint-answered reminders (a failed delivery and a return's steps are still texted)."""

    @extend_schema(responses=MemberProfileSerializer)
    def get(self, request):
        return Response(MemberProfileSerializer(member_of(request.user)).data)

    @extend_schema(request=MemberProfileSerializer, responses=MemberProfileSerializer)
    def patch(self, request):
        member = member_of(request.user)
        params = MemberProfileSerializer(member, data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        if "reminders_opt_out" in params.validated_data:
            member = members.set_reminders_opt_out(member=member, opt_out=params.validated_data["reminders_opt_out"], actor=request.user)
        return Response(MemberProfileSerializer(member).data)


class MemberMessagesView(generics.GenericAPIView):
    """The signed-in member's texts, newest first (我的短信): sent, waiting out the quiet hours, or withheld by its
    opt-out, to whichever number it had then; a confirmation code hidden."""

    serializer_class = MemberMessageSerializer
    filter_backends = []  # no filter: `messages_page` refuses any parameter but the pages'

    @MESSAGES_SCHEMA
    def get(self, request):
        return messages_page(self, member_of(request.user))


#: crediting a batch answers: created now, or replayed with the earlier entries
CREDITED = {201: CreditedSerializer, 200: CreditedSerializer}


class BulkCreditView(APIView):
    """Operators credit points to many members in one idempotent batch."""

    @extend_schema(request=BulkCreditInput, responses=CREDITED)
    def post(self, request):
        require_role(request.user, OPERATORS)
        params = BulkCreditInput(data=request.data)
        params.is_valid(raise_exception=True)
        result = credits.credit_points_in_bulk(
            batch_id=params.validated_data["batch"], rows=params.validated_data["rows"], actor=request.user, now=timezone.now()
        )
        return _credited(result)


def _credited(result: credits.Credited) -> Response:
    """201 when the batch was credited now, 200 when it had been before (the entries then are the earlier ones)."""
    return Response(CreditedSerializer(result).data, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)
