"""Portal form of the provider integration: a carrier event reported by hand, parsed into what the carrier-event
service takes (the rules, such as a delivery needing its signer, live there)."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DayRangeFilter, ListFilter, SubmittedOnce, day_field
from core.validators import BusinessTimeField
from logistics.models import CarrierEvent
from logistics.models.costs import CostKind
from logistics.services import costs

# service field → form field, for the errors the carrier-event service reports
EVENT_FIELDS = {"payload.carrier": "carrier", "payload.signer": "signer", "payload.reason": "reason",
                "payload.order_number": "order_number"}
PAYLOAD_KEYS = ("carrier", "signer", "reason", "order_number")


class CarrierEventForm(SubmittedOnce):
    """One carrier event for a shipment, by its tracking number. The page's token becomes the event id, so a form
    sent twice is recorded once, as the provider's retries are (core.pages.create_with_form)."""

    tracking_number = forms.CharField(label=_("运单号"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=CarrierEvent.Kind.choices)
    occurred_at = BusinessTimeField(
        label=_("发生时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    carrier = forms.CharField(label=_("承运商"), max_length=40, required=False, help_text=_("发货事件填写"))
    signer = forms.CharField(label=_("签收人"), max_length=50, required=False, help_text=_("签收事件必填"))
    reason = forms.CharField(label=_("失败原因"), max_length=200, required=False, help_text=_("配送失败事件必填"))
    order_number = forms.CharField(label=_("订单号"), max_length=30, required=False,
                                   help_text=_("运单尚无此运单号时（发货前）填写，用于找到运单"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_tracking_number(self) -> str:
        return self.cleaned_data["tracking_number"].strip()

    def reported(self) -> dict:
        """The arguments of report_carrier_event besides the actor and now: the event as entered, and its id, the
        page's token (the same for the form sent again)."""
        data = self.cleaned_data
        payload = {key: data[key].strip() for key in PAYLOAD_KEYS if data[key].strip()}
        return {"event_id": f"portal-{data['token']}", "tracking_number": data["tracking_number"], "kind": data["kind"],
                "occurred_at": data["occurred_at"], "payload": payload}


class TariffChangeFilterForm(ListFilter):
    """The tariff changes of one kind of cost (GET); empty means all."""

    kind = forms.ChoiceField(label=_("费用类型"), required=False, choices=[("", _("全部")), *CostKind.choices])
    sorts = {"changed_at": "changed_at", "previous_amount": "previous_amount", "amount": "amount"}


class TariffForm(forms.Form):
    """A tariff's new price and why it changes; its unit is its kind's (`KIND_UNIT`), shown beside it, not asked. The
    price's bounds are the service's (`costs.update_tariff`), which refuses a price outside them; the page says them
    beside the field (`costs.tariff_bounds`) and the browser holds the input to them."""

    amount = forms.DecimalField(label=_("单价"), max_digits=10, decimal_places=2, widget=forms.NumberInput(
        attrs={"min": costs.MIN_TARIFF, "max": costs.MAX_TARIFF, "step": "0.01"}))
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("修改原因（必填）")}))


class CarrierEventFilterForm(DayRangeFilter):
    """The carrier events of one status or tracking number, received on the days chosen (GET); empty means all."""

    day_range = ("received_from", "received_to")
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *CarrierEvent.Status.choices])
    tracking_number = forms.CharField(label=_("运单号"), required=False, max_length=60)
    received_from = day_field(_("接收日期自"))
    received_to = day_field(_("至"))
    sorts = {"received_at": "received_at", "event_id": "event_id", "tracking_number": "tracking_number", "sequence": "sequence",
             "occurred_at": "occurred_at"}

    def values(self) -> dict:
        """The filters list_carrier_events takes (the days are `narrow`'s)."""
        data = super().values()
        return {name: data[name] for name in ("status", "tracking_number") if name in data}

    def narrow(self, rows, data: dict):
        return rows.filter(**self.day_lookups("received_at"))
