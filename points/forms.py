"""Portal forms of the member pages: they parse input into the shapes the points services take; the rules live there."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import SubmittedOnce
from points.models import RedemptionOrder
from suppliers.models import Category
from suppliers.selectors import list_catalog


class CatalogFilterForm(forms.Form):
    """The catalog's filters; a bound that does not parse is shown next to its field and ignored."""

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

    def selection(self) -> dict:
        """Keyword arguments for suppliers.selectors.list_catalog (only the filters that parsed)."""
        self.is_valid()
        data = self.cleaned_data
        category = data.get("category")
        return {
            "category": category.code if category else None,
            "min_points": data.get("min_points"),
            "max_points": data.get("max_points"),
            "text": (data.get("q") or "").strip() or None,
        }


class RedeemForm(SubmittedOnce):
    """A redemption as the member enters it; place_order checks quantity, recipient and address. Sent twice (a double
    click, a re-sent request), it places one order."""

    quantity = forms.IntegerField(label=_("数量"), initial=1, widget=forms.NumberInput(attrs={"min": 1}))
    recipient_name = forms.CharField(label=_("收件人"), max_length=50, required=False)
    recipient_phone = forms.CharField(label=_("收件电话"), max_length=20, required=False)
    address = forms.CharField(label=_("收货地址"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(forms.Form):
    code = forms.RegexField(
        label=_("短信验证码"), regex=r"^\d{6}$", error_messages={"invalid": _("请输入6位数字验证码")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 6}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因（选填）"), max_length=200, required=False)


class OrderFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *RedemptionOrder.State.choices], required=False)


class RemindersForm(forms.Form):
    reminders_opt_out = forms.BooleanField(
        label=_("退订非紧急短信提醒"), required=False,
        help_text=_("发货、签收、积分到期等提醒将不再发送；验证码、积分扣减与退还通知仍会发送。"),
    )
