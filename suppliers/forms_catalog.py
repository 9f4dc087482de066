"""Portal forms of the gift catalog: they parse input into the shapes the catalog services take; the rules live there."""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from core.files import accepted_types
from core.forms import DayRangeFilter, EditsShownValues, ListFilter, choice_filter, day_field, yes_no_box
from core.models import Program, Tier
from core.selectors import all_words, answering
from core.texts import listed
from core.validators import BusinessTimeField, whole_number
from suppliers.forms import SupplierFilter
from suppliers.models import Category, Gift, Location, ReplenishmentRequest, StockMovement
from suppliers.selectors import GIFT_SEARCH
from suppliers.services.catalog import MANUAL_DELIST_REASONS, change_in_review
from suppliers.services import pending_uploads
from suppliers.services.inventory import MAX_OWN_STOCK
from suppliers.services.gift_images import FORMATS as IMAGE_FORMATS, check_image, too_many_images

PROGRAM_FIELDS = {Program.GOTONE: "points_gotone", Program.MZONE: "points_mzone"}
TIER_FIELDS = {Tier.SILVER: "discount_silver", Tier.GOLD: "discount_gold", Tier.DIAMOND: "discount_diamond"}
# where a service error about a composite value is shown
SERVICE_FIELDS = {"points_prices": "points_gotone", "tier_discounts": "discount_silver"}
PLAIN_FIELDS = [
    "name", "description", "category", "specification", "warranty_text", "market_price", "settlement_price", "fulfilment", "min_tier",
]


def _money(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, min_value=0)


def _text(label) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several pictures in one field (Django's documented pattern); each is checked by the gift-image service."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": accepted_types(IMAGE_FORMATS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        one = super().clean
        uploads = [one(item, initial) for item in data] if isinstance(data, list | tuple) else [one(data, initial)]
        uploads = [upload for upload in uploads if upload]
        if message := too_many_images(len(uploads)):  # before any is decoded; the gift's own count in the service
            raise forms.ValidationError(message)
        for upload in uploads:
            try:
                check_image(upload)
            except ValidationFailed as error:
                raise forms.ValidationError(error.detail) from None
        return uploads


class GiftForm(EditsShownValues, forms.Form):
    """A gift's data as the supplier enters it; `values()` gives the keyword arguments of create_gift / edit_gift.
    Editing, it carries the values it showed and `changes()` holds only what the user changed (EditsShownValues)."""

    only_edited = False  # `values()` assembles the service's values from every field

    sku = forms.CharField(label=_("SKU"), max_length=60)
    name = forms.CharField(label=_("名称"), max_length=200)
    description = _text(_("描述"))
    category = forms.ModelChoiceField(label=_("类别"), queryset=Category.objects.all(), empty_label=None)
    images = forms.CharField(label=_("图片"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("已有图片，每行一个（上传的图片或网址）；删去一行即删除该图片"))
    # pictures kept from a refused submission; cleaned before `upload`, so an error it puts there keeps the new choice
    pending = forms.CharField(required=False, widget=forms.HiddenInput)
    upload = MultipleImageField(label=_("上传图片"), required=False, help_text=_("JPEG、PNG 或 WebP，每张不超过 5 MB，可多选"))
    specification = _text(_("规格"))
    warranty_text = _text(_("保修说明"))
    market_price = _money(_("市场价（元）"))
    settlement_price = _money(_("结算价（元）"))
    fulfilment = forms.ChoiceField(label=_("履约方式"), choices=Gift.Fulfilment.choices)
    min_tier = forms.ChoiceField(label=_("最低会员等级"), choices=Tier.choices)
    discount_silver = forms.IntegerField(label=_("银卡积分折扣（%）"), required=False, min_value=0, max_value=99)
    discount_gold = forms.IntegerField(label=_("金卡积分折扣（%）"), required=False, min_value=0, max_value=99)
    discount_diamond = forms.IntegerField(label=_("钻石卡积分折扣（%）"), required=False, min_value=0, max_value=99)
    points_gotone = forms.IntegerField(label=_("全球通积分价"), required=False, min_value=1)
    points_mzone = forms.IntegerField(label=_("动感地带积分价"), required=False, min_value=1)

    def __init__(self, *args, supplier_id: int, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.supplier_id = supplier_id
        if editing:
            del self.fields["sku"]  # the SKU identifies the gift and is not editable
            self.track_shown()

    def clean_pending(self) -> list[pending_uploads.PendingUpload]:
        try:
            return pending_uploads.from_token(self.cleaned_data["pending"], supplier_id=self.supplier_id)
        except ValidationFailed as error:
            self.add_error("upload", error.detail)
            return []

    def has_uploads(self) -> bool:
        return bool(self.cleaned_data["upload"] or self.cleaned_data["pending"])

    @contextmanager
    def uploads(self) -> Iterator[list]:
        """The pictures to store with the gift: those kept from a refused submission, then those chosen now."""
        kept = pending_uploads.opened(self.cleaned_data["pending"])
        try:
            yield [*kept, *self.cleaned_data["upload"]]
        finally:
            for file in kept:
                file.close()

    def uploads_saved(self) -> None:
        """The gift has its pictures: the kept copies go."""
        pending_uploads.discard(self.cleaned_data["pending"])

    def keep_uploads(self) -> None:
        """A refused form keeps the pictures chosen (with those kept before) for the next submission and says so
        beside the picture field; pictures it cannot keep (a refused one among them) are named as not saved."""
        if not self.is_bound or not self.errors:
            return
        kept = list(self.cleaned_data.get("pending") or [])
        chosen = self.cleaned_data.get("upload") or []
        posted = len([upload for upload in self.files.getlist("upload") if upload])
        lost = 0 if chosen or posted < 2 else posted  # one refused picture is named by its own error
        try:
            kept += pending_uploads.keep(supplier_id=self.supplier_id, uploads=chosen)
        except (OSError, ValidationFailed):
            lost = len(chosen)
        if lost:
            self.add_error("upload", ngettext("%(count)s 张图片未保存，请重新选择", "%(count)s 张图片未保存，请重新选择", lost) % {"count": lost})
        self.data = self.data.copy()
        self.data["pending"] = pending_uploads.token(kept)
        if kept:
            names = listed(upload.filename for upload in kept)
            self["upload"].help_text = ngettext("已保留 %(count)s 张图片（%(names)s），提交时一并保存，无需重新选择",
                                                   "已保留 %(count)s 张图片（%(names)s），提交时一并保存，无需重新选择", len(kept)) % {
                "count": len(kept), "names": names,
            }

    @staticmethod
    def initial_from(gift: Gift) -> dict[str, Any]:
        """The form's initial data for an existing gift (prices from its prefetched `prices`)."""
        current = current_values(gift)
        initial = {name: current[name] for name in PLAIN_FIELDS} | {"images": "\n".join(current["images"])}
        initial |= {field: current["tier_discounts"].get(tier) for tier, field in TIER_FIELDS.items()}
        return initial | {field: current["points_prices"].get(code) for code, field in PROGRAM_FIELDS.items()}

    def values(self) -> dict[str, Any]:
        """The cleaned data shaped for the catalog services (text with \\n line ends, as browsers send \\r\\n)."""
        data = self.cleaned_data
        values = {name: _lines(data[name]) if isinstance(data[name], str) else data[name] for name in PLAIN_FIELDS}
        if "sku" in self.fields:
            values["sku"] = data["sku"]
        values["images"] = [line.strip() for line in data["images"].splitlines() if line.strip()]
        values["tier_discounts"] = {tier: data[field] for tier, field in TIER_FIELDS.items() if data[field] is not None}
        values["points_prices"] = {code: data[field] for code, field in PROGRAM_FIELDS.items() if data[field] is not None}
        return values

    def changes(self, gift: Gift) -> dict[str, Any]:
        """What the supplier changed on the form (`edited`) and differs from the gift as it is, so a revision holds only
        that and a change someone made meanwhile to another field stays: a discount or a points price changes alone,
        the gift's others kept."""
        current, values, edited = current_values(gift), self.values(), self.edited
        wanted = {key: values[key] for key in [*PLAIN_FIELDS, "images"] if key in edited}
        for key, fields in (("tier_discounts", TIER_FIELDS), ("points_prices", PROGRAM_FIELDS)):
            merged = dict(current[key])
            for code, field in fields.items():
                if field in edited:
                    merged.pop(code, None)
                    if code in values[key]:
                        merged[code] = values[key][code]
            wanted[key] = merged
        return {key: value for key, value in wanted.items() if current[key] != value}


def current_values(gift: Gift) -> dict[str, Any]:
    """A gift's editable data in the shape of GiftForm.values()."""
    return {name: getattr(gift, name) for name in PLAIN_FIELDS} | {
        "images": list(gift.images or []),
        "tier_discounts": dict(gift.tier_discounts or {}),
        "points_prices": {price.program.code: price.points_price for price in gift.prices.all()},
    }


def _lines(text: str) -> str:
    return "\n".join(text.splitlines())


class ReviewQueueFilter(ListFilter):
    """The search above the operators' review queues (GET): a text with a NUL byte is an error next to it."""

    q = forms.CharField(label=_("搜索"), required=False)

    @staticmethod
    def of_queue(queue: str) -> type["ReviewQueueFilter"]:
        """The filters of the tab `queue` shows, with the columns its headings sort it by."""
        return RevisionQueueFilter if queue == "revisions" else GiftQueueFilter


class GiftQueueFilter(ReviewQueueFilter):
    """The review page's tabs of gifts (submitted, approved)."""

    sorts = {"sku": "sku", "name": "name", "supplier": "supplier__name", "settlement_price": "settlement_price"}


class RevisionQueueFilter(ReviewQueueFilter):
    """The review page's tab of changes to listed gifts."""

    sorts = {"gift": "gift__sku", "supplier": "gift__supplier__name", "requested_at": "requested_at"}


class FilterForm(SupplierFilter):
    """The filters above a gift table (GET); empty means all. `reader`: staff get the supplier filter."""

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("SKU / 名称")}))
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + Gift.State.choices)
    category = forms.ModelChoiceField(label=_("类别"), required=False, queryset=Category.objects.all(), to_field_name="code", empty_label=_("全部"))
    fulfilment = forms.ChoiceField(label=_("履约方式"), required=False, choices=[("", _("全部"))] + Gift.Fulfilment.choices)
    change_in_review = yes_no_box(_("仅看修改待审核"))
    field_order = ["q", "state", "category", "fulfilment", "supplier", "change_in_review"]
    exact = {}
    sorts = {"sku": "sku", "name": "name", "supplier": "supplier__name", "settlement_price": "settlement_price"}

    def narrow(self, gifts, data: dict):
        if data.get("q"):
            gifts = gifts.filter(all_words(data["q"], GIFT_SEARCH))
        if data.get("state"):
            gifts = gifts.filter(state=data["state"])
        if data.get("category"):
            gifts = gifts.filter(category=data["category"])
        if data.get("fulfilment"):
            gifts = gifts.filter(fulfilment=data["fulfilment"])
        if data.get("supplier"):
            gifts = gifts.filter(supplier=data["supplier"])
        return answering(gifts, Q(change_in_review()), data.get("change_in_review"))


class LocationFilter(ListFilter):
    """A filter by location (warehouse, or a supplier's own): those the user's stock can be at."""

    location = forms.ModelChoiceField(label=_("库位"), queryset=Location.objects.none(), required=False, empty_label=_("全部"))

    def __init__(self, *args, supplier_id: int | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        locations = Location.objects.order_by("kind", "code")
        if supplier_id is not None:  # the warehouses, and its own location only (not other suppliers')
            locations = locations.filter(Q(kind=Location.Kind.WAREHOUSE) | Q(supplier_id=supplier_id))
        self.fields["location"].queryset = locations


def location_kind_filter() -> forms.ChoiceField:
    """A filter by the kind of location: the warehouses, or the suppliers' own (the home page's stock panel links to
    the stock and movement pages filtered as it counts)."""
    return forms.ChoiceField(label=_("库位类型"), choices=[("", _("全部")), *Location.Kind.choices], required=False)


class StockFilterForm(LocationFilter):
    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("SKU / 名称")}))
    location_kind = location_kind_filter()
    low = yes_no_box(_("仅低于安全库存"))
    retired = yes_no_box(_("含已退市且无库存的记录"))
    field_order = ["q", "location", "location_kind", "low", "retired"]
    sorts = {"gift": "gift__sku", "on_hand": "on_hand", "reserved": "reserved", "available": "available_units",
             "safety_stock": "safety_stock"}


class ReplenishmentFilterForm(LocationFilter):
    """Replenishment requests by gift, location and state."""

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("SKU / 名称")}))
    state = choice_filter(_("状态"), ReplenishmentRequest.State.choices)
    field_order = ["q", "location", "state"]
    sorts = {"gift": "gift__sku", "quantity": "quantity", "raised_at": "raised_at", "due_date": "due_date", "met_at": "met_at"}


def _units_input(label) -> forms.CharField:
    """A count of units typed in a row of the stock page: the text as typed, a whole number from 0 (see `whole_units`)
    for the service to take or refuse next to the field."""
    return forms.CharField(label=label, required=False, strip=True,
                           widget=forms.NumberInput(attrs={"min": 0, "aria-label": label, "required": True}))


def whole_units(text: str | None) -> int | None:
    """The units typed, or None when not a whole number from 0 to MAX_OWN_STOCK (the service then says what it takes)."""
    return whole_number(text or "", limit=MAX_OWN_STOCK)


class OwnStockCountForm(forms.Form):
    """A dropship supplier's count of one gift's units at its own location, with why (one row of the stock page), and
    the available units the row showed (`counted_from`: the service refuses the count when they changed since)."""

    available = _units_input(_("盘点数量"))
    reason = forms.CharField(label=_("盘点原因"), required=False, widget=forms.TextInput(
        attrs={"maxlength": 200, "placeholder": _("原因，如盘点、到货"), "aria-label": _("盘点原因"), "required": True}))
    counted_from = forms.IntegerField(min_value=0, max_value=MAX_OWN_STOCK, widget=forms.HiddenInput, error_messages=dict.fromkeys(
        ("required", "invalid", "min_value", "max_value"), _("页面已过期，请刷新后重新盘点")))

    def clean_available(self) -> int | None:
        return whole_units(self.cleaned_data["available"])


class WarehouseCountForm(forms.Form):
    """Logistics staff's count of one gift's units on hand at a warehouse, why, who is liable for a shortfall, and the
    units on hand the page showed (`counted_from`: the service refuses the count when they changed since)."""

    on_hand = _units_input(_("盘点在库数量"))
    reason = forms.CharField(label=_("盘点原因"), required=False, widget=forms.TextInput(
        attrs={"maxlength": 200, "placeholder": _("如月度盘点、货架破损、丢失"), "required": True}))
    liable = forms.ChoiceField(label=_("短少责任方"), required=False, choices=[("", _("（盘亏时必选）")), *StockMovement.Liable.choices])
    counted_from = forms.IntegerField(min_value=0, max_value=MAX_OWN_STOCK, widget=forms.HiddenInput, error_messages=dict.fromkeys(
        ("required", "invalid", "min_value", "max_value"), _("页面已过期，请刷新后重新盘点")))

    def clean_on_hand(self) -> int | None:
        return whole_units(self.cleaned_data["on_hand"])


class SafetyStockForm(forms.Form):
    """The safety stock of one gift at one location (one row of the stock page): a dropship supplier's at its own
    location, logistics' or an operator's at a warehouse."""

    safety_stock = _units_input(_("安全库存"))

    def clean_safety_stock(self) -> int | None:
        return whole_units(self.cleaned_data["safety_stock"])


class MovementFilterForm(LocationFilter, DayRangeFilter):
    """Stock movements by gift (searched, or one gift as a row of the stock page links to it) or source (an order's or a
    return's number), location, kind and day."""

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("SKU / 名称 / 订单号或退换货单号")}))
    location_kind = location_kind_filter()
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部")), *StockMovement.Kind.choices], required=False)
    date_from = day_field(_("日期自"))
    date_to = day_field(_("至"))
    gift = forms.ModelChoiceField(label=_("礼品"), queryset=Gift.objects.none(), required=False, widget=forms.HiddenInput)
    field_order = ["q", "location", "location_kind", "kind", "date_from", "date_to"]
    sorts = {"at": "at", "gift": "gift__sku", "on_hand_delta": "on_hand_delta", "reserved_delta": "reserved_delta"}

    def __init__(self, *args, supplier_id: int | None, **kwargs) -> None:
        super().__init__(*args, supplier_id=supplier_id, **kwargs)
        gifts = Gift.objects.all() if supplier_id is None else Gift.objects.filter(supplier_id=supplier_id)  # not another's
        self.fields["gift"].queryset = gifts


# Forms of the gift actions: each parses the keyword arguments its service takes besides gift, actor and now.

def _reason(required_label=_("原因"), placeholder=None) -> forms.CharField:
    attrs = {"placeholder": placeholder or required_label}
    return forms.CharField(label=required_label, required=False, max_length=2000, widget=forms.TextInput(attrs=attrs))


class NoInput(forms.Form):
    pass


class ReasonInput(forms.Form):
    reason = _reason()


class RequiredReasonInput(forms.Form):
    """A step that needs a reason, as the API's (core.api.transitions.RequiredReasonInput): the page asks for it, and
    the service refuses a blank one next to the field once the step is allowed (a gift that has no such step is
    refused first, 409, whatever the reason)."""

    reason = _reason(placeholder=_("原因（必填）"))


class DelistInput(forms.Form):
    """The operator picks the reason and says why (none is chosen or written for it)."""

    reason_code = forms.ChoiceField(label=_("下线原因"), choices=[("", _("请选择下线原因")), *MANUAL_DELIST_REASONS])
    reason = _reason(_("说明"))


class ClearanceInput(forms.Form):
    points_price = forms.IntegerField(label=_("清仓积分价"), min_value=1, widget=forms.NumberInput(attrs={"placeholder": _("清仓积分价")}))
    settlement_price = forms.DecimalField(
        label=_("清仓结算价"), max_digits=12, decimal_places=2, min_value=0, widget=forms.NumberInput(attrs={"placeholder": _("清仓结算价"), "step": "0.01"})
    )
    reason = _reason()


class ScheduleInput(forms.Form):
    publish_at = BusinessTimeField(label=_("计划上线时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class CategoryForm(EditsShownValues, forms.Form):
    """A gift category: the code only when adding one (it is set once); the certificates as text, one per line or
    separated by commas. Changing one, it carries the values it showed and gives only those the user changed
    (EditsShownValues), which save_category changes, keeping the others."""

    # presence and lengths are the service's rules, so that every bad field is named at once
    code = forms.CharField(label=_("代码"), required=False, help_text=_("小写字母、数字和连字符，如 tea；添加后不能修改"))
    name = forms.CharField(label=_("名称"), required=False)
    name_en = forms.CharField(label=_("英文名称"), required=False, help_text=_("英文页面显示；留空则显示中文名称"))
    required_certificates = forms.CharField(
        label=_("所需产品资质"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("该类礼品须具备的证书种类，每行一种或用逗号分隔，如 3C、食品生产许可"),
    )

    def __init__(self, *args, category: Category | None = None, **kwargs) -> None:
        if category is not None:
            kwargs.setdefault("initial", {"name": category.name, "name_en": category.name_en,
                                          "required_certificates": "\n".join(category.required_certificates or [])})
        super().__init__(*args, **kwargs)
        if category is not None:
            del self.fields["code"]
            self.track_shown()

    def clean_required_certificates(self) -> list[str]:
        text = self.cleaned_data["required_certificates"]
        return [part for part in re.split(r"[\n,，、;；]+", text) if part.strip()]
