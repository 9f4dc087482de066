from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import RequiredText
from core.api.serializers import HidesSettlementMoney, PrebuiltFields, hides_settlement_money
from core.api.transitions import ReasonInput
from core.masking import mask_address, mask_name, mask_phone
from core.roles import Role
from core.validators import MAX_ID, MOBILE_MESSAGE, MOBILE_PATTERN
from points import selectors
from points.models import LedgerEntry, Member, RedemptionOrder
from points.services.credits import CORRECTION_REASONS, CREDIT_REASONS
from points.services.orders import MAX_CODE_ATTEMPTS, MAX_QUANTITY, code_locked, waits_for_code
from suppliers.api.serializers import PictureUrls
from suppliers.models import Gift


class CatalogGiftSerializer(PictureUrls, serializers.ModelSerializer):
    """What a member sees of a gift: the points price it would pay, never the settlement price."""

    category = serializers.CharField(source="category.code")
    supplier_name = serializers.CharField(source="supplier.name")
    points_price = serializers.SerializerMethodField()
    available = serializers.IntegerField()
    max_per_order = serializers.IntegerField(source="per_order", help_text="the most one order can take (one warehouse supplies an order)")
    sold_out = serializers.SerializerMethodField()
    clearance = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField(help_text="the gift's pictures: web addresses")
    picture_route = "catalog-image"
    thumbnail_urls = serializers.SerializerMethodField(help_text="the same pictures at most 480 px a side, for lists and cards")

    class Meta:
        model = Gift
        fields = [
            "id", "sku", "name", "description", "category", "images", "thumbnail_urls", "specification", "warranty_text", "market_price",
            "supplier_name", "fulfilment", "points_price", "available", "max_per_order", "sold_out", "clearance",
        ]
        read_only_fields = fields

    def get_points_price(self, gift) -> int:
        from suppliers.selectors import member_points_price

        member = self.context["member"]
        return member_points_price(gift=gift, program=member.program, tier=member.tier, base=gift.points_base)

    def get_images(self, gift) -> list[str]:
        return self.picture_urls(gift)

    def get_sold_out(self, gift) -> bool:
        return gift.available <= 0

    def get_clearance(self, gift) -> bool:
        return gift.state == Gift.State.CLEARANCE


class PlaceOrderInput(PrebuiltFields, serializers.Serializer):
    """The placement's fields with the service's bounds, for the schema and the early 400; `place_order` decides."""

    gift = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="a gift of the member's catalog; another id is "
                                                                          "a 404 naming `gift`")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    recipient_name = serializers.CharField(max_length=50)
    recipient_phone = serializers.RegexField(MOBILE_PATTERN, error_messages={"invalid": MOBILE_MESSAGE})
    address = serializers.CharField(max_length=300)


class RedeliverInput(ReasonInput):
    """Another attempt after a failed delivery; a recipient field given corrects it (blank or left out: as it was), the
    rules those of placing an order (`redeliver_order` decides)."""

    recipient_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    recipient_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ConfirmInput(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", required=False, allow_blank=True, default="")


class OrderSerializer(HidesSettlementMoney, PrebuiltFields, serializers.ModelSerializer):
    """An order as its reader may see it: settlement figures only for the supplier, operators and finance, contact data masked
    for everyone but the member and the staff who must act on it."""

    settlement_money_fields = ("settlement_unit_price", "settlement_amount", "delivery_recorded_at", "statement_id",
                               "statement_month", "statement_version", "statement_in_preparation")

    gift_name = serializers.CharField(source="gift.name", read_only=True)
    recipient_name = serializers.SerializerMethodField()
    recipient_phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    code_locked = serializers.SerializerMethodField(help_text="five wrong SMS codes locked the order waiting for its code: "
                                                              "it can no longer be confirmed and expires at `expires_at`")
    code_tries_left = serializers.SerializerMethodField(help_text="wrong codes the member may still enter; null unless the "
                                                                  "order waits for its code")
    delivery_recorded_at = serializers.DateTimeField(
        read_only=True, help_text="when the delivery reached the platform: the time the supplier's statement books it by "
                                  "(its month, Asia/Shanghai, is `booked_month`), which may fall after `delivered_at`, the "
                                  "signing time; null until delivered")
    statement_id = serializers.SerializerMethodField(help_text="the statement booking the order's delivery line "
                                                               "(/api/v1/statements/{id}/); null while none the reader sees does")
    statement_month = serializers.SerializerMethodField(help_text="that statement's month, YYYY-MM")
    statement_version = serializers.SerializerMethodField(help_text="the statement's version the delivery line first "
                                                                    "appears in (every later version keeps it)")
    statement_in_preparation = serializers.SerializerMethodField(
        help_text="for the supplier's users: the delivery is booked on its next statement, a draft finance is preparing, "
                  "not issued yet (statement_id stays null until it is)")

    class Meta:
        model = RedemptionOrder
        fields = [
            "id", "number", "state", "gift", "gift_name", "supplier", "program", "quantity", "fulfilment", "points_unit_price",
            "tier_discount_percent", "clearance", "points_cost", "settlement_unit_price", "settlement_amount",
            "recipient_name", "recipient_phone", "address", "code_required", "code_locked", "code_tries_left", "placed_at",
            "expires_at", "confirmed_at",
            "shipped_at", "delivered_at", "delivered_automatically", "returned_quantity", "delivery_recorded_at",
            "statement_id", "statement_month", "statement_version", "statement_in_preparation",
        ]
        read_only_fields = fields

    def _unmasked(self, order) -> bool:
        """Unmasked only where the view allowed it (detail reads, logged) or for the member's own orders."""
        user = self.context["request"].user
        return user.role == Role.MEMBER or order.pk in self.context.get("unmasked_ids", ())

    def get_recipient_name(self, order) -> str:
        return order.recipient_name if self._unmasked(order) else mask_name(order.recipient_name)

    def get_recipient_phone(self, order) -> str:
        return order.recipient_phone if self._unmasked(order) else mask_phone(order.recipient_phone)

    def get_address(self, order) -> str:
        return order.address if self._unmasked(order) else mask_address(order.address)

    def get_code_locked(self, order) -> bool:
        return code_locked(order)

    def get_code_tries_left(self, order) -> int | None:
        return MAX_CODE_ATTEMPTS - order.code_attempts if waits_for_code(order) else None

    # the statement booking the delivery, as settlement annotates a reader's orders (points.selectors.with_booking)
    @extend_schema_field(OpenApiTypes.INT)
    def get_statement_id(self, order) -> int | None:
        return getattr(order, "booked_statement_id", None)

    @extend_schema_field(OpenApiTypes.STR)
    def get_statement_month(self, order) -> str | None:
        month = getattr(order, "booked_month", None)
        return f"{month:%Y-%m}" if month else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_statement_version(self, order) -> int | None:
        return getattr(order, "booked_version", None)

    def get_statement_in_preparation(self, order) -> bool:
        return bool(getattr(order, "booked_draft", False))


class ReturnOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["resellable", "defective", "transit_damage", "used"], help_text="the inspection's outcome")
    outcome_label = serializers.CharField(help_text="the outcome in the reader's language")
    units = serializers.IntegerField(help_text="units returned with this outcome")
    netted = serializers.IntegerField(help_text="of those, units netted off the supplier's statement (a negative return line)")
    claimed = serializers.IntegerField(help_text="of those, units that went to a logistics claim instead (transit damage: the "
                                                 "supplier is still paid for them)")


class OrderDetailSerializer(OrderSerializer):
    """One order, with what its returns came to for the supplier's statement (not for members or the logistics
    provider, as settlement figures)."""

    settlement_money_fields = (*OrderSerializer.settlement_money_fields, "return_outcomes")

    return_outcomes = serializers.SerializerMethodField(
        help_text="per inspection outcome of the order's returns: the units, those netted off the supplier's statement and "
                  "those claimed from the logistics provider")

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "return_outcomes"]
        read_only_fields = fields

    @extend_schema_field(ReturnOutcomeSerializer(many=True))
    def get_return_outcomes(self, order) -> list[dict]:
        return selectors.return_outcomes(order, user=self.context["request"].user) if not hides_settlement_money(self) else []


class LedgerEntrySerializer(serializers.ModelSerializer):
    source_id = serializers.SerializerMethodField(help_text="the source's id; empty for a member where it is a key made for "
                                                            "the system's use (a correction's request key, a credit file's hash)")

    def get_source_id(self, entry) -> str:
        request = self.context.get("request")
        return selectors.source_shown(entry, request.user if request else None)

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "points", "balance_after", "reason_code", "source_type", "source_id", "source_line", "at", "note"]
        read_only_fields = fields


class CreditedSerializer(serializers.Serializer):
    """A credited batch, from a JSON list or a file: 201 when credited now, 200 when the same rows had been (replayed)."""

    batch = serializers.CharField(help_text="the batch id given, or a file's hash of its rows")
    replayed = serializers.BooleanField(help_text="true: the batch had been credited before with the same rows; nothing new "
                                                  "was credited and `entries` are the earlier ones")
    entries = LedgerEntrySerializer(many=True)


class ExpirySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    points = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class BalanceSerializer(serializers.Serializer):
    """balance = earned − redeemed + adjusted − expired."""

    balance = serializers.IntegerField()
    earned = serializers.IntegerField()
    redeemed = serializers.IntegerField(help_text="points redeemed, net of the points refunded")
    adjusted = serializers.IntegerField(help_text="operators' corrections, net: negative when they took more than they gave")
    expired = serializers.IntegerField(help_text="points expired")
    upcoming_expiries = ExpirySerializer(many=True)


class MemberProfileSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "phone", "program", "tier", "reminders_opt_out"]
        read_only_fields = ["id", "name", "phone", "program", "tier"]


class MemberSerializer(serializers.ModelSerializer):
    """A member as the operators' support reads it: the phone masked (a search by the whole number finds it)."""

    phone = serializers.SerializerMethodField()
    program = serializers.CharField(source="program.code", read_only=True)
    balance = serializers.IntegerField(source="account.balance", default=0, read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "phone", "program", "tier", "reminders_opt_out", "balance"]
        read_only_fields = fields

    def get_phone(self, member) -> str:
        return mask_phone(member.phone)


class MemberDetailSerializer(MemberSerializer):
    summary = BalanceSerializer(read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "summary"]
        read_only_fields = fields


class CorrectionInput(serializers.Serializer):
    points = serializers.IntegerField(help_text="positive to credit, negative to deduct")
    reason_code = serializers.ChoiceField(choices=list(CORRECTION_REASONS))
    note = RequiredText(max_length=200)


class CreditRowInput(serializers.Serializer):
    phone = serializers.CharField(max_length=20)
    points = serializers.IntegerField()
    reason_code = serializers.ChoiceField(choices=list(CREDIT_REASONS), required=False, default="bulk_credit")


class BulkCreditInput(serializers.Serializer):
    batch = serializers.CharField(max_length=60)
    rows = CreditRowInput(many=True, allow_empty=False)
