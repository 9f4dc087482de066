"""Portal forms of the goods flow: they parse input into the arguments the services take; the rules live there."""
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from core.months import booked_month_filter
from core.forms import DayRangeFilter, SubmittedOnce, day_field, waiting_box, yes_no_box
from core.roles import waiting_rows, waits_for
from core.selectors import answering
from core.validators import BusinessDayField, BusinessTimeField, IdField

from logistics.models import HandoffItem, InboundShipment, Shipment
from logistics.selectors import awaiting_decision, search_shipments, unshipped
from logistics.services.inbound import ANNOUNCEABLE_STATES, inbound_waiting
from logistics.services.ship_by import overdue_to_ship
from points.models import RedemptionOrder
from points.selectors import booked_in
from suppliers.models import Gift, Location, ReplenishmentRequest, Supplier


class AnnounceForm(SubmittedOnce):
    """An inbound announcement by a supplier user: its own warehouse gifts that can sell (by name, with the SKU), the
    warehouses, its open replenishment requests."""

    gift = forms.ModelChoiceField(label=_("礼品"), queryset=Gift.objects.none())
    location = forms.ModelChoiceField(label=_("入库仓"), queryset=Location.objects.filter(kind=Location.Kind.WAREHOUSE))
    quantity = forms.IntegerField(label=_("预报数量"))
    expected_on = BusinessDayField(label=_("预计到货日期"), widget=forms.DateInput(attrs={"type": "date"}))
    replenishment_request = forms.ModelChoiceField(label=_("对应补货申请"), queryset=ReplenishmentRequest.objects.none(), required=False,
                                                   empty_label=_("无"))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        gifts = Gift.objects.visible_to(user).filter(fulfilment=Gift.Fulfilment.WAREHOUSE, state__in=ANNOUNCEABLE_STATES)
        self.fields["gift"].queryset = gifts.order_by("name", "sku")
        self.fields["gift"].label_from_instance = lambda gift: f"{gift.name} · {gift.sku}"
        requests = ReplenishmentRequest.objects.visible_to(user).filter(state=ReplenishmentRequest.State.OPEN)
        self.fields["replenishment_request"].queryset = requests.select_related("gift", "location")
        self.fields["replenishment_request"].label_from_instance = lambda r: f"{r.gift.sku} @ {r.location.label} · {r.quantity} · {r.due_date:%Y-%m-%d}"

    def values(self) -> dict:
        """The keyword arguments of announce_inbound besides supplier, actor and now."""
        data = self.cleaned_data
        request = data["replenishment_request"]
        return {"gift_id": data["gift"].pk, "location_id": data["location"].pk, "quantity": data["quantity"], "expected_on": data["expected_on"],
                "replenishment_request_id": request.pk if request else None, "note": data["note"]}


# service argument → form field, for errors a service reports
ANNOUNCE_FIELDS = {"gift_id": "gift", "location_id": "location", "replenishment_request_id": "replenishment_request"}


class ReceiveForm(forms.Form):
    counted_quantity = forms.IntegerField(label=_("实收数量"), widget=forms.NumberInput(attrs={"placeholder": _("实收数量")}))
    damaged_quantity = forms.IntegerField(label=_("破损数量"), initial=0, widget=forms.NumberInput(attrs={"placeholder": _("破损数量")}))
    # units beyond the announcement, not taken in: the supplier is told to announce them
    extra_quantity = forms.IntegerField(label=_("多到数量"), initial=0, required=False, widget=forms.NumberInput(attrs={"placeholder": _("多到数量")}))
    reason = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": _("备注")}))

    def clean_extra_quantity(self) -> int:
        return self.cleaned_data["extra_quantity"] or 0


class PutAwayForm(forms.Form):
    """Where the goods went and a note, both optional: kept in the step's history."""

    shelf = forms.CharField(label=_("货位"), required=False, max_length=40, widget=forms.TextInput(attrs={"placeholder": _("货位")}))
    reason = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": _("备注")}))


class WithdrawInboundForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=2000, widget=forms.TextInput(attrs={"placeholder": _("撤回原因")}))


class NoInput(forms.Form):
    pass


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("承运商"), max_length=40, widget=forms.TextInput(attrs={"placeholder": _("承运商")}))
    tracking_number = forms.CharField(label=_("运单号"), max_length=60, widget=forms.TextInput(attrs={"placeholder": _("运单号")}))


class ShippingFileForm(forms.Form):
    file = forms.FileField(label=_("运单文件"), help_text=_("CSV（UTF-8 或 GBK）或 XLSX，列见下表"))


class CorrectTrackingForm(ShipForm):
    reason = forms.CharField(label=_("更正原因"), max_length=2000, widget=forms.TextInput(attrs={"placeholder": _("更正原因")}))


class DeliverForm(forms.Form):
    signer = forms.CharField(label=_("签收人"), max_length=50, widget=forms.TextInput(attrs={"placeholder": _("签收人")}))
    signed_at = BusinessTimeField(
        label=_("签收时间（默认现在）"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "title": _("签收时间（默认现在）")}, format="%Y-%m-%dT%H:%M"),
    )


class FailForm(forms.Form):
    reason = forms.CharField(label=_("失败原因"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("失败原因")}))


class ShipmentFilterForm(DayRangeFilter):
    """The filters above a shipment table (GET); empty means all. The days are those the shipment was created on."""

    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("运单号 / 订单号")}))
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + Shipment.State.choices)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部"))] + Shipment.Kind.choices)
    warehouse = forms.ModelChoiceField(label=_("发货仓"), required=False, empty_label=_("全部"),
                                       queryset=Location.objects.filter(kind=Location.Kind.WAREHOUSE).order_by("code"))
    date_from = day_field(_("创建日期自"))
    date_to = day_field(_("至"))
    batch = IdField(label=_("交接批次"), required=False, widget=forms.HiddenInput)
    awaiting_decision = yes_no_box(_("仅看待重新配送或放弃"))
    unshipped = yes_no_box(_("仅看未发出"))
    overdue = yes_no_box(_("仅看逾期未发"))
    # a staff's, a supplier's dropship and a member's parcels: each page's headings sort by those of its columns
    sorts = {"order_number": "order__number", "quantity": "quantity", "tracking_number": "tracking_number",
             "created_at": "created_at", "shipped_at": "shipped_at", "delivered_at": "delivered_at"}

    def __init__(self, *args, with_kind: bool = True, dropship_only: bool = False, now=None, reader=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now, self.reader = now, reader  # 仅看未发出 lists only what the reader ships (selectors.unshipped)
        if not with_kind:  # a supplier's or a member's list: one kind of parcel, or no business with warehouses or failures
            del self.fields["kind"], self.fields["warehouse"], self.fields["awaiting_decision"]
        if dropship_only:  # offer no state a dropship shipment is never in (picked)
            self.fields["state"].choices = [("", _("全部"))] + Shipment.dropship_state_choices()
        else:  # the ship-by time is the dropship supplier's
            del self.fields["overdue"]

    def narrow(self, rows, data: dict):
        rows = search_shipments(rows, data.get("q") or "")
        if data.get("state"):
            rows = rows.filter(state=data["state"])
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("warehouse"):
            rows = rows.filter(order__location=data["warehouse"])
        if data.get("batch"):
            rows = rows.filter(order__handoff_item__batch=data["batch"])
        rows = awaiting_decision(rows, data.get("awaiting_decision"))
        rows = unshipped(rows, data.get("unshipped"), reader=self.reader)
        rows = answering(rows, overdue_to_ship(self.now), data.get("overdue")) if "overdue" in self.fields else rows
        return rows.filter(**self.day_lookups("created_at"))


class HandoffFilterForm(DayRangeFilter):
    """The filters above the handoff batches (GET): a batch number, a supplier whose orders it holds, the days it was
    handed over on. Empty means all."""

    q = forms.CharField(label=_("交接批次号"), required=False, max_length=30)
    supplier = forms.ModelChoiceField(label=_("礼品商"), queryset=Supplier.objects.order_by("name"), required=False, empty_label=_("全部"))
    date_from = day_field(_("交接日期自"))
    date_to = day_field(_("至"))
    sorts = {"number": "number", "created_at": "created_at", "order_count": "order_count"}

    def narrow(self, rows, data: dict):
        """The batches matching the filters, each still counting all its orders (not only the supplier's)."""
        if q := (data.get("q") or "").strip():
            rows = rows.filter(number__icontains=q)
        if data.get("supplier"):
            rows = rows.filter(Exists(HandoffItem.objects.filter(batch=OuterRef("pk"), order__supplier=data["supplier"])))
        return rows.filter(**self.day_lookups("created_at"))


class OrderFilterForm(DayRangeFilter):
    """The filters above a supplier's order table (GET): number, state, fulfilment, a gift by SKU or name and the days
    the order was placed on, the month its delivery is booked in (记账月份: the statement's month, SPEC §4.11); empty
    means all."""

    q = forms.CharField(label=_("订单号"), required=False)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + RedemptionOrder.State.choices)
    fulfilment = forms.ChoiceField(label=_("履约方式"), required=False, choices=[("", _("全部"))] + Gift.Fulfilment.choices)
    gift = forms.CharField(label=_("礼品（SKU / 名称）"), required=False, max_length=60)
    date_from = day_field(_("下单日期自"))
    date_to = day_field(_("至"))
    booked_month = booked_month_filter()
    sorts = {"number": "number", "quantity": "quantity", "placed_at": "placed_at", "shipped_at": "shipped_at",
             "delivered_at": "delivered_at"}

    def narrow(self, rows, data: dict):
        if gift := (data.get("gift") or "").strip():
            rows = rows.filter(Q(gift__sku__icontains=gift) | Q(gift__name__icontains=gift))
        rows = rows.filter(**self.day_lookups("placed_at"), **(booked_in(data["booked_month"]) if data.get("booked_month") else {}))
        if data.get("q"):
            rows = rows.filter(number__icontains=data["q"].strip())
        if data.get("state"):
            rows = rows.filter(state=data["state"])
        if data.get("fulfilment"):
            rows = rows.filter(fulfilment=data["fulfilment"])
        return rows


class InboundFilterForm(DayRangeFilter):
    """The filters above an inbound table (GET): text, state, the warehouse it is announced to, the days it is
    expected on and, for logistics, those waiting for it (仅看待我处理: what its navigation badge counts, which the badge
    links to); empty means all."""

    day_range = ("expected_from", "expected_to")
    waiting = waiting_box()
    q = forms.CharField(label=_("搜索"), required=False, widget=forms.TextInput(attrs={"placeholder": _("入库单号 / SKU / 礼品商")}))
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + InboundShipment.State.choices)
    warehouse = forms.ModelChoiceField(label=_("入库仓"), required=False, empty_label=_("全部"),
                                       queryset=Location.objects.filter(kind=Location.Kind.WAREHOUSE).order_by("code"))
    expected_from = day_field(_("预计到货自"))
    expected_to = day_field(_("至"))
    sorts = {"number": "number", "supplier": "supplier__name", "gift": "gift__sku", "announced_quantity": "announced_quantity",
             "expected_on": "expected_on", "counted_quantity": "counted_quantity"}

    def __init__(self, *args, reader=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reader = reader
        if not waits_for(inbound_waiting, reader):
            del self.fields["waiting"]

    def narrow(self, rows, data: dict):
        if "waiting" in self.fields:
            rows = waiting_rows(rows, inbound_waiting, self.reader, data.get("waiting"))
        if data.get("q"):
            rows = rows.filter(Q(number__icontains=data["q"]) | Q(gift__sku__icontains=data["q"]) | Q(supplier__name__icontains=data["q"]))
        if data.get("state"):
            rows = rows.filter(state=data["state"])
        if data.get("warehouse"):
            rows = rows.filter(location=data["warehouse"])
        return rows.filter(**self.date_lookups("expected_on"))
