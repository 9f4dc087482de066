"""Portal forms of the member pages: they parse input into the shapes the points services take; the rules live there."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.days import on_days
from core.months import booked_month_filter
from core.models import Program
from core.forms import DayRangeFilter, ListFilter, SubmittedOnce, choice_filter, day_field, yes_no_box
from core.validators import IdField
from points.models import LedgerEntry, RedemptionOrder
from core.selectors import answering
from points.selectors import AWAITING_HANDOFF, booked_in, orders_matching, orders_of_gifts
from suppliers.models import Category, Gift, Supplier
from suppliers.selectors import list_catalog
from suppliers.validators import points_range_problem


class CatalogFilterForm(ListFilter):
    """The catalog's filters."""

    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.order_by("name"), to_field_name="code", required=False, empty_label=_("全部")
    )
    min_points = forms.IntegerField(label=_("最低积分"), required=False, min_value=0)
    max_points = forms.IntegerField(label=_("最高积分"), required=False, min_value=0)
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)

    def __init__(self, *args, program=None, tier: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if program is not None:  # only the categories the member's catalog has gifts in
            listed = list_catalog(program=program, tier=tier).values("category_id")
            self.fields["category"].queryset = Category.objects.filter(pk__in=listed).order_by("name")

    def clean(self):
        data = super().clean()
        if problem := points_range_problem(data.get("min_points"), data.get("max_points")):
            self.add_error("max_points", problem)
        return data

    def values(self) -> dict:
        """Keyword arguments for suppliers.selectors.list_catalog."""
        data = super().values()
        category = data.get("category")
        return {
            "category": category.code if category else None,
            "min_points": data.get("min_points"),
            "max_points": data.get("max_points"),
            "text": (data.get("q") or "").strip() or None,
        }


class RedeemForm(SubmittedOnce):
    """A redemption as the member enters it. The form only reads the values: place_order checks quantity, recipient
    and address together, so every field's mistake shows at once. Sent twice (a double click, a re-sent request), it
    places one order."""

    quantity = forms.CharField(label=_("数量"), initial=1, required=False, widget=forms.NumberInput(attrs={"min": 1}))
    recipient_name = forms.CharField(label=_("收件人"), required=False, widget=forms.TextInput(attrs={"maxlength": 50}))
    recipient_phone = forms.CharField(label=_("收件电话"), required=False, widget=forms.TextInput(attrs={"maxlength": 20}))
    address = forms.CharField(label=_("收货地址"), required=False, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}))

    def clean_quantity(self) -> int | None:
        """A whole number as typed; anything else None, which place_order refuses next to the field."""
        text = self.cleaned_data["quantity"]
        return int(text) if text.isascii() and text.isdigit() else None


class ConfirmForm(forms.Form):
    code = forms.RegexField(
        label=_("短信验证码"), regex=r"^\d{6}$", error_messages={"invalid": _("请输入6位数字验证码")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因（选填）"), max_length=200, required=False)


class OrderReasonForm(forms.Form):
    """An operator's step on an order that may say why (kept in the order's history)."""

    reason = forms.CharField(label=_("原因（选填）"), max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("原因（选填）")}))


class RedeliverForm(OrderReasonForm):
    """Another attempt after a failed delivery, to the recipient corrected where a value is entered (blank: as it was)."""

    recipient_name = forms.CharField(label=_("更正收件人"), max_length=50, required=False,
                                     widget=forms.TextInput(attrs={"placeholder": _("更正收件人（选填）")}))
    recipient_phone = forms.CharField(label=_("更正收件电话"), max_length=20, required=False,
                                      widget=forms.TextInput(attrs={"placeholder": _("更正收件电话（选填）")}))
    address = forms.CharField(label=_("更正收货地址"), max_length=300, required=False,
                              widget=forms.TextInput(attrs={"placeholder": _("更正收货地址（选填）")}))


class RequiredReasonForm(forms.Form):
    """An operator's step on an order that must say why (cancelling before picking, giving up): the service refuses a
    blank one, its error shown next to the field."""

    reason = forms.CharField(label=_("原因"), max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("原因（必填）")}))


#: the columns of an order list that sort it (the API's `placed_at`, the others the order's fields)
ORDER_SORTS = {"number": "number", "gift": "gift__name", "quantity": "quantity", "points_cost": "points_cost",
               "placed_at": "placed_at"}


class OrderFilterForm(ListFilter):
    state = choice_filter(_("状态"), RedemptionOrder.State.choices)
    sorts = ORDER_SORTS

    def narrow(self, rows, data: dict):
        return rows.filter(state=data["state"]) if data["state"] else rows


class StaffOrderFilterForm(DayRangeFilter):
    """The filters above the staff's table of every order (GET): state, an order number or a member's phone (or its last
    digits: `orders_matching`), supplier, the days it was placed on, the day it was confirmed (the day the home page's
    redemptions count it on), the month its delivery is booked in (the statement's month, SPEC §4.11), those waiting for handover, and the member a member's page links with (hidden). Empty means all."""

    state = choice_filter(_("状态"), RedemptionOrder.State.choices)
    q = forms.CharField(label=_("订单号 / 手机号"), required=False, max_length=30,
                        widget=forms.TextInput(attrs={"placeholder": _("订单号、手机号或其后4位")}))
    supplier = forms.ModelChoiceField(label=_("礼品商"), queryset=Supplier.objects.order_by("name"), required=False, empty_label=_("全部"))
    date_from = day_field(_("下单日期自"))
    date_to = day_field(_("至"))
    confirmed_on = day_field(_("确认日期"))
    booked_month = booked_month_filter()
    gift = forms.CharField(label=_("礼品"), required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": _("SKU / 名称")}))
    fulfilment = choice_filter(_("履约方式"), Gift.Fulfilment.choices)
    program = choice_filter(_("积分计划"), [])
    member = IdField(label=_("会员"), required=False, widget=forms.HiddenInput)
    awaiting_handoff = yes_no_box(_("仅看待交接"))  # what the handoff page's 待交接订单 links to
    sorts = ORDER_SORTS | {"supplier": "supplier__name"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部")), *((program.code, program.label) for program in Program.objects.order_by("pk"))]

    def narrow(self, rows, data: dict):
        if q := (data.get("q") or "").strip():
            rows = rows.filter(orders_matching(q))
        if gift := (data.get("gift") or "").strip():
            rows = rows.filter(orders_of_gifts(gift))
        filters = {"state": data.get("state"), "supplier": data.get("supplier"), "member_id": data.get("member"),
                   "fulfilment": data.get("fulfilment"), "program__code": data.get("program")}
        confirmed = on_days("confirmed_at", data["confirmed_on"], data["confirmed_on"]) if data.get("confirmed_on") else {}
        booked = booked_in(data["booked_month"]) if data.get("booked_month") else {}
        rows = answering(rows, AWAITING_HANDOFF, data.get("awaiting_handoff"))
        return rows.filter(**{key: value for key, value in filters.items() if value}, **self.day_lookups("placed_at"), **confirmed, **booked)


class LedgerFilterForm(DayRangeFilter):
    """The member's points ledger by kind and by the days its entries were posted on, as the API's `?kind=` lists them."""

    kind = choice_filter(_("类型"), LedgerEntry.Kind.choices)
    date_from = day_field(_("日期自"))
    date_to = day_field(_("至"))
    exact = {"kind": "kind"}
    sorts = {"at": "at", "points": "points"}

    def narrow(self, rows, data: dict):
        return super().narrow(rows, data).filter(**self.day_lookups("at"))


class RemindersForm(forms.Form):
    reminders_opt_out = forms.BooleanField(
        label=_("退订非紧急短信提醒"), required=False,
        help_text=_("发货、签收、积分到期和投诉答复提醒将不再发送；验证码、积分扣减与退还、配送失败和退换货进度仍会发送。"),
    )
