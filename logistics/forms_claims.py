"""Portal forms of a logistics claim's steps (reject, correct, settle, withdraw a loss report): they parse input into the shapes
`logistics.services.claims` takes; the rules (bounds, the note a different amount needs, the days allowed) live there."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import BusinessDayField, BusinessTimeField
from logistics.models import LogisticsClaim


def _text(label, *, required: bool = True, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, widget=forms.TextInput(attrs={"placeholder": label}))


def _amount(label, *, required: bool = True) -> forms.DecimalField:
    # bounds and cents are the service's to judge, so a page and the API refuse an amount with the same words
    return forms.DecimalField(label=label, required=required, max_digits=14, decimal_places=2,
                              widget=forms.NumberInput(attrs={"min": "0.01", "step": "0.01", "placeholder": label}))


class RejectClaimForm(forms.Form):
    reason = _text(_("驳回原因"))


class CorrectClaimForm(forms.Form):
    """The figures agreed with the provider; either left blank stays as it is."""

    amount = _amount(_("更正后金额"), required=False)
    quantity = forms.IntegerField(label=_("更正后数量"), required=False, min_value=1,
                                  widget=forms.NumberInput(attrs={"min": 1, "placeholder": _("更正后数量")}))
    reason = _text(_("更正原因"))


class SettleClaimForm(forms.Form):
    """The provider's payment of `claim`: its reference, the amount received (the claim's unless changed), the day it
    came in (today unless changed) and, when the amount differs from the claim's, why."""

    settlement_reference = _text(_("结清凭证号"), max_length=60)
    received_amount = _amount(_("实收金额"))
    received_date = BusinessDayField(label=_("到账日期"), initial=timezone.localdate, required=False,  # blank: today
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))  # the ISO day a date input holds
    settlement_note = _text(_("差额说明（实收与索赔金额不同时必填）"), required=False, max_length=300)

    def __init__(self, *args, claim: LogisticsClaim, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_amount"].initial = claim.amount  # paid in full, as usual: finance changes it only when not


class WithdrawLostReportForm(forms.Form):
    """The parcel reported lost turned up delivered: when it was signed for (the carrier's tracking, or the member's
    word), by whom (blank: its recipient), and how that is known."""

    signed_at = BusinessTimeField(
        label=_("签收时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local", "title": _("签收时间")}, format="%Y-%m-%dT%H:%M"),
    )
    signer = _text(_("签收人（默认收件人）"), required=False, max_length=50)
    reason = _text(_("撤回原因（如：承运商物流显示已签收、会员确认已收到）"), max_length=200)
