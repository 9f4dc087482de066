from django.utils import timezone
from rest_framework import serializers

from core.api.fields import ActorField, BusinessDateField, BusinessDateTimeField
from core.masking import mask_phone
from core.models import Tier
from core.api.serializers import HidesSettlementMoney, hides_settlement_money
from core.api.transitions import RejectionFields
from core.validators import MAX_ID, MOBILE_MESSAGE, MOBILE_PATTERN
from suppliers.services import categories
from suppliers.services.catalog import MANUAL_DELIST_REASONS
from suppliers.services.qualifications import publication_blockers
from suppliers.services.gift_images import absolute_urls, image_urls, thumbnail_url
from suppliers.models import (
    Category,
    Gift,
    GiftRevision,
    Location,
    Notice,
    ReplenishmentRequest,
    SafetyStockChange,
    StockMovement,
    StockRecord,
    Supplier,
)


class SupplierSerializer(serializers.ModelSerializer):
    """A supplier; `sms_notices` which of its notices also reach its contact by SMS (all, action, none), which its admin
    changes through a profile change (field sms_notices, applied at once)."""

    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Supplier
        fields = ["id", "name", "credit_code", "contact_name", "contact_phone", "contact_email", "address", "sms_notices", "state",
                  "applied_at"]
        read_only_fields = fields

    def get_contact_phone(self, supplier: Supplier) -> str:
        return mask_phone(supplier.contact_phone)


class SupplierApplicationInput(serializers.Serializer):
    """An application (JSON, or multipart with its business licence: `licence_file` with `licence_issued_on` and
    `licence_expires_on`, reviewed with the application). The licence is optional, all three or none: the service
    decides (`onboarding.apply_as_supplier`), as for the portal's page."""

    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18, min_length=18)
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.RegexField(MOBILE_PATTERN, error_messages={"invalid": MOBILE_MESSAGE})
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$")
    password = serializers.CharField(max_length=128, write_only=True, help_text="checked by the password validators (the service)")
    licence_file = serializers.FileField(
        required=False, help_text="营业执照：PDF 或扫描件，不超过 10 MB (the business licence; optional, but sent with both dates)")
    licence_issued_on = BusinessDateField(required=False, help_text="required with `licence_file`")
    licence_expires_on = BusinessDateField(required=False, help_text="required with `licence_file`; not already past")


class NoticeSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="title_text", read_only=True, help_text="as sent, in Chinese with its values")
    title_label = serializers.CharField(read_only=True, help_text="in the request's language")
    body = serializers.CharField(source="body_text", read_only=True, help_text="as sent, in Chinese with its values")
    body_label = serializers.CharField(read_only=True, help_text="in the request's language")

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "title_label", "body", "body_label", "link", "created_at", "read_at"]
        read_only_fields = fields


class GiftPriceSerializer(serializers.Serializer):
    program = serializers.CharField(source="program.code")
    points_price = serializers.IntegerField()


class PictureUrls:
    """A gift serializer's picture addresses, through the view `picture_route` (which checks who may see them), and
    their thumbnails' (`thumbnail_urls`); both lists come from one look at the storage."""

    picture_route = "gift-image"

    def picture_urls(self, gift, *, thumbnails: bool = False) -> list[str]:
        known = gift.__dict__.setdefault("_picture_urls", {})
        if self.picture_route not in known:
            known[self.picture_route] = image_urls(gift, self.picture_route)
        urls = known[self.picture_route]
        return absolute_urls(self.context.get("request"), [thumbnail_url(url) for url in urls] if thumbnails else urls)

    def get_thumbnail_urls(self, gift) -> list[str]:
        return self.picture_urls(gift, thumbnails=True)


SETTLEMENT_FIELDS = ("settlement_price", "clearance_settlement_price")


def _blocked(gifts) -> dict[int, str]:
    """Why each approved gift of `gifts` cannot go online today, by id (`publication_blockers`)."""
    return publication_blockers([gift for gift in gifts if gift.state == Gift.State.APPROVED], on=timezone.localdate())


class GiftListSerializer(serializers.ListSerializer):
    """Gifts, what blocks the approved ones read for all of them at once."""

    def to_representation(self, data):
        gifts = list(data.all() if hasattr(data, "all") else data)
        self._context["qualification_blocked"] = _blocked(gifts)
        return super().to_representation(gifts)


class GiftSerializer(HidesSettlementMoney, PictureUrls, serializers.ModelSerializer):
    """A supplier's, operator's or finance clerk's view of a gift, settlement prices included; the logistics provider's
    leaves them out (members use the catalog)."""

    settlement_money_fields = SETTLEMENT_FIELDS

    category = serializers.CharField(source="category.code")
    prices = GiftPriceSerializer(many=True)
    image_urls = serializers.SerializerMethodField(help_text="where each of `images` can be fetched: a web address, or this API's picture")
    thumbnail_urls = serializers.SerializerMethodField(help_text="the same pictures at most 480 px a side, for lists and cards")
    qualification_blocked = serializers.SerializerMethodField(help_text=(
        "an approved gift's supplier lacks a qualification its category needs (expired or missing): why, as publishing or "
        "scheduling it would answer 409 `qualification_blocked`; empty when it may go online, and for a gift in another state"))

    class Meta:
        model = Gift
        fields = [
            "id", "supplier", "sku", "name", "description", "category", "images", "image_urls", "thumbnail_urls", "specification", "warranty_text",
            "market_price", "settlement_price", "fulfilment", "min_tier", "tier_discounts", "prices", "state",
            "delist_reason", "clearance_points_price", "clearance_settlement_price", "publish_at", "created_at", "qualification_blocked",
        ]
        read_only_fields = fields
        list_serializer_class = GiftListSerializer

    def get_qualification_blocked(self, gift) -> str:
        blocked = self.context.get("qualification_blocked")
        return (_blocked([gift]) if blocked is None else blocked).get(gift.pk, "")


    def get_image_urls(self, gift) -> list[str]:
        return self.picture_urls(gift)



class DelistInput(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=MANUAL_DELIST_REASONS)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ClearanceInput(serializers.Serializer):
    points_price = serializers.IntegerField(min_value=1)
    settlement_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class GiftInput(serializers.Serializer):
    """Create (all required) or edit (partial) a gift; the service validates the domain rules."""

    sku = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.SlugField()
    images = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    specification = serializers.CharField(required=False, allow_blank=True)
    warranty_text = serializers.CharField(required=False, allow_blank=True)
    market_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    settlement_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    fulfilment = serializers.ChoiceField(choices=Gift.Fulfilment.choices, required=False)
    min_tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    tier_discounts = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=99), required=False)
    points_prices = serializers.DictField(child=serializers.IntegerField(min_value=1))


class GiftRevisionSerializer(RejectionFields, serializers.ModelSerializer):
    """A proposed change of a gift; a new settlement price in it is left out for the logistics provider."""

    gift_sku = serializers.CharField(source="gift.sku", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", default=None, read_only=True)

    class Meta:
        model = GiftRevision
        fields = ["id", "gift", "gift_sku", "changes", "state", "requested_by", "requested_at", "decided_at", "rejection_reason",
                  "rejection_reason_label"]
        read_only_fields = fields

    def to_representation(self, revision) -> dict:
        data = super().to_representation(revision)
        if hides_settlement_money(self):
            data["changes"] = {key: value for key, value in data["changes"].items() if key not in SETTLEMENT_FIELDS}
        return data


class ScheduleInput(serializers.Serializer):
    publish_at = BusinessDateTimeField()


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "required_certificates"]
        read_only_fields = fields


class CategoryInput(serializers.Serializer):
    """A category's fields as sent, each judged by the service's own rule (`suppliers.services.categories`: presence,
    lengths, the code's form and that it is free) along with its type, so that one answer names every bad field."""

    code = serializers.CharField(required=False, allow_blank=True, default="", help_text="set once, when the category is added")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    name_en = serializers.CharField(required=False, allow_blank=True, default="")
    required_certificates = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False, default=list)

    def validate_code(self, value: str) -> str:
        return value if self.partial else judged(value, categories.code_problem(value))  # a change keeps its code

    def validate_name(self, value: str) -> str:
        return judged(value, categories.name_problem("name", value))

    def validate_name_en(self, value: str) -> str:
        return judged(value, categories.name_problem("name_en", value))

    def validate_required_certificates(self, value: list[str]) -> list[str]:
        _certificates, message = categories.read_certificates(value)
        return judged(value, ("invalid", message) if message else None)


def judged(value, problem: tuple[str, str] | None):
    """`value`, unless a service's rule found a `problem` (error code, message) with it: then refused naming the field,
    along with the input's other bad fields (a field-level check of an input serializer calls the service's rule)."""
    if problem:
        raise serializers.ValidationError(problem[1], code=problem[0])
    return value


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "code", "name", "kind", "supplier"]
        read_only_fields = fields


class StockRecordSerializer(serializers.ModelSerializer):
    gift_sku = serializers.CharField(source="gift.sku")
    location_code = serializers.CharField(source="location.code")
    available = serializers.IntegerField()

    class Meta:
        model = StockRecord
        fields = ["id", "gift", "gift_sku", "location", "location_code", "on_hand", "reserved", "available", "safety_stock"]
        read_only_fields = fields


class SafetyStockChangeSerializer(serializers.ModelSerializer):
    gift = serializers.IntegerField(source="record.gift_id", read_only=True)
    gift_sku = serializers.CharField(source="record.gift.sku", read_only=True)
    location = serializers.IntegerField(source="record.location_id", read_only=True)
    location_code = serializers.CharField(source="record.location.code", read_only=True)
    changed_by = ActorField(help_text="null for the system; a supplier's user reads the platform's staff by role")

    class Meta:
        model = SafetyStockChange
        fields = ["id", "gift", "gift_sku", "location", "location_code", "previous_safety_stock", "safety_stock", "changed_at",
                  "changed_by", "reason"]
        read_only_fields = fields


class SafetyStockChangeQuery(serializers.Serializer):
    gift = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
                                    help_text="only this gift's changes; another's gift or no gift gives an empty list")


class StockMovementSerializer(serializers.ModelSerializer):
    note = serializers.CharField(source="note_text", read_only=True, help_text="as written, in Chinese with its values")
    note_label = serializers.CharField(read_only=True, help_text="in the request's language where the system wrote it")
    source_number = serializers.CharField(read_only=True, help_text="the source's number as the pages show it: an order's, a "
                                          "return's (an exchange's replacement too) or an inbound shipment's; empty for a leftover lot")

    class Meta:
        model = StockMovement
        fields = ["id", "gift", "location", "kind", "on_hand_delta", "reserved_delta", "at", "source_type", "source_id", "source_number",
                  "note", "note_label", "liable"]
        read_only_fields = fields


class ReplenishmentRequestSerializer(serializers.ModelSerializer):
    gift_sku = serializers.CharField(source="gift.sku", read_only=True)

    class Meta:
        model = ReplenishmentRequest
        fields = ["id", "gift", "gift_sku", "location", "quantity", "raised_at", "due_date", "met_at", "state"]
        read_only_fields = fields
