"""Portal forms of defective units going back to their supplier: they parse input into the shapes the services take
(goods_back), which judge it and name each field in error."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import choice_filter, waiting_box
from core.roles import waiting_rows, waits_for
from logistics.models import GoodsBack
from logistics.services import goods_back
from suppliers.forms import SupplierFilter


def _text(label, *, required: bool = False, max_length: int = 2000) -> forms.CharField:
    """A one-line text field showing its label as a placeholder (action forms render without labels)."""
    return forms.CharField(label=label, required=required, max_length=max_length, widget=forms.TextInput(attrs={"placeholder": label}))


class SendForm(forms.Form):
    """How the units went: a carrier and its tracking number (the service requires them then), or collected."""

    method = forms.ChoiceField(label=_("退回方式"), choices=GoodsBack.Method.choices, initial=GoodsBack.Method.CARRIER)
    carrier = _text(_("承运商"), max_length=40)
    tracking_number = _text(_("运单号"), max_length=60)
    reason = _text(_("备注（选填）"))


class SendAgainForm(SendForm):
    reason = _text(_("重新发出原因（如补发缺少的件数）"))


class ReceiveForm(forms.Form):
    reason = _text(_("备注（选填）"))


class DisputeForm(forms.Form):
    reason = _text(_("异议说明（如缺少件数、未收到货品）"))


class GoodsBackFilterForm(SupplierFilter):
    """What waits for the reader (its navigation badge's rows), by state, way back, supplier (staff) and number."""

    waiting = waiting_box()
    state = choice_filter(_("状态"), GoodsBack.State.choices)
    method = choice_filter(_("退回方式"), GoodsBack.Method.choices)
    q = forms.CharField(label=_("单号"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": _("退回单号、退换货单号、运单号或礼品编码")}))
    field_order = ["waiting", "state", "method", "supplier", "q"]
    exact = {"state": "state", "method": "method", "supplier": "supplier"}
    search = ("number", "return_request__number", "tracking_number", "gift__sku", "gift__name")
    sorts = {"number": "number", "quantity": "quantity", "created_at": "created_at", "dispatched_at": "dispatched_at"}

    def __init__(self, *args, reader=None, **kwargs) -> None:
        super().__init__(*args, reader=reader, **kwargs)
        self.reader = reader
        if not waits_for(goods_back.goods_back_waiting, reader):
            del self.fields["waiting"]

    def narrow(self, queryset, data: dict):
        queryset = super().narrow(queryset, data)
        return waiting_rows(queryset, goods_back.goods_back_waiting, self.reader, data.get("waiting"))
