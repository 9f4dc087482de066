"""Portal forms of returns, extra costs and claims: they parse input into the shapes the services take; the rules live there."""
from django import forms

from core.errors import ValidationFailed
from core.files import accepted_types
from core.forms import DayRangeFilter, SubmittedOnce, choice_filter, day_field, waiting_box, yes_no_box
from core.numbers import typed_number
from core.roles import STAFF_ROLES, has_role, waiting_rows, waits_for
from core.validators import BusinessDayField, IdField, typed_phone
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from logistics.models import InboundShipment, LeftoverLot, LogisticsClaim, ReturnRequest, Shipment
from logistics.models.costs import CostKind, Payer
from logistics.services import claims, costs, return_evidence, returns, shipments
from points.models import RedemptionOrder
from points.selectors import phone_matching
from suppliers.forms import SupplierFilter
from suppliers.models import Supplier


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Pictures or PDFs of a return's goods, several in one field (Django's documented pattern); the return service
    judges them (return_evidence), so that a page and the API refuse the same files with the same words."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accepted_types()}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None) -> list:
        one = super().clean
        uploads = [one(item, initial) for item in data] if isinstance(data, list | tuple) else [one(data, initial)]
        return [upload for upload in uploads if upload]


def _evidence() -> EvidenceField:
    return EvidenceField(label=format_lazy(_("照片或 PDF 凭证（选填，最多 {limit} 个）"), limit=return_evidence.MAX_FILES))


class ReturnRequestForm(SubmittedOnce):
    # not required here: the service names a missing quantity together with everything else wrong (request_return)
    quantity = forms.IntegerField(label=_("退换数量"), initial=1, required=False, widget=forms.NumberInput(attrs={"min": 1}))
    reason = forms.ChoiceField(label=_("原因"), choices=ReturnRequest.Reason.choices)
    remedy = forms.ChoiceField(label=_("诉求"), choices=ReturnRequest.Remedy.choices)
    description = forms.CharField(
        label=_("说明（选填）"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = _evidence()


def _note(label, *, required: bool = True) -> forms.CharField:
    """A one-line text field that shows its label as a placeholder (action forms render without labels)."""
    return forms.CharField(label=label, required=required, max_length=2000, widget=forms.TextInput(attrs={"placeholder": label}))


class ReasonForm(forms.Form):
    reason = _note(_("备注（选填）"), required=False)


class ReceiveForm(forms.Form):
    """What arrived: how many units (all the return names unless changed; blank: all), a note, required when fewer came
    (the service says so next to the field), and pictures."""

    received_quantity = forms.IntegerField(label=_("实收数量"), required=False)
    reason = _note(_("备注（少于申请数量时必填）"), required=False)
    evidence = _evidence()

    def __init__(self, *args, return_request: ReturnRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["received_quantity"]
        field.initial = return_request.quantity
        field.widget.attrs.update({"min": 1, "max": return_request.quantity, "title": field.label})


class RejectForm(forms.Form):
    reason = _note(_("拒绝原因"))


class SendBackAgainForm(forms.Form):
    reason = _note(_("重新寄回原因（如地址已更正）"))


class ReshipReplacementForm(forms.Form):
    """Another replacement after a failed one, to its recipient corrected where a value is entered (blank: as it was);
    each field's placeholder shows the value it corrects, masked as the operator reads contact data (SPEC §4.13)."""

    reason = _note(_("重新发出原因（如地址已更正）"))
    recipient_name = forms.CharField(label=_("更正收件人"), max_length=50, required=False)
    recipient_phone = forms.CharField(label=_("更正收件电话"), max_length=20, required=False)
    address = forms.CharField(label=_("更正收货地址"), max_length=300, required=False)

    def __init__(self, *args, return_request: ReturnRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        failed = return_request.failed_replacement()
        current = returns.replacement_recipient(failed) if failed else {}
        for field, mask in shipments.CONTACT_MASKS.items():
            shown = mask(current.get(field, ""))
            self.fields[field].widget.attrs["placeholder"] = (
                format_lazy(_("{label}（选填，现为 {current}）"), label=self.fields[field].label, current=shown) if shown
                else format_lazy(_("{label}（选填）"), label=self.fields[field].label)
            )


class RefundInsteadForm(forms.Form):
    reason = _note(_("改为退积分的原因"))


class SplitForm(forms.Form):
    """Units of those received that differ from the others, split off to be inspected apart, and why (both required;
    the service judges the number, next to the field)."""

    quantity = forms.IntegerField(label=_("拆出数量"))
    reason = _note(_("拆分原因（必填）"))

    def __init__(self, *args, return_request: ReturnRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["quantity"]
        field.widget.attrs.update({"min": 1, "max": max(returns.most_split_off(return_request), 1), "title": field.label})


class InspectForm(forms.Form):
    # no outcome chosen until the inspector picks one: none is assumed
    outcome = forms.ChoiceField(label=_("检验结论"), choices=[("", _("请选择…")), *ReturnRequest.Outcome.choices])
    reason = _note(_("检验说明（选填）"), required=False)
    evidence = _evidence()
    refund_if_no_replacement = forms.BooleanField(label=_("换货无库存时改为退积分"), required=False)

    def __init__(self, *args, return_request: ReturnRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if return_request.remedy != ReturnRequest.Remedy.EXCHANGE:  # only an exchange can lack a replacement
            del self.fields["refund_if_no_replacement"]


class ReturnFilterForm(SupplierFilter, DayRangeFilter):
    """Returns waiting for the reader (待我处理: those its navigation badge counts, which the badge links to), by state,
    fulfilment, number, day requested and, for staff (a supplier sees its own only), supplier: `?supplier=` is where a
    supplier's page links, the hidden `?member=` where the operator's member page does. Staff find a return by its
    member's phone too, as the staff's order list finds orders (`points.selectors.phone_matching`: the number as typed
    or its last 4 digits); a supplier's users, who read members' phones masked, by numbers only."""

    day_range = ("requested_from", "requested_to")
    waiting = waiting_box()
    state = choice_filter(_("状态"), ReturnRequest.State.choices)
    fulfilment = choice_filter(_("履约方式"), [("warehouse", _("物流仓发货")), ("dropship", _("礼品商直发"))])
    q = forms.CharField(label=_("单号"), required=False, max_length=40)
    requested_from = day_field(_("申请日期自"))
    requested_to = day_field(_("至"))
    replacement_failed = yes_no_box(_("仅看换货配送失败"))
    member = IdField(label=_("会员"), required=False, widget=forms.HiddenInput)
    field_order = ["waiting", "state", "fulfilment", "supplier", "q", "requested_from", "requested_to", "replacement_failed"]
    exact = {}
    sorts = {"number": "number", "order_number": "order__number", "quantity": "quantity", "requested_at": "requested_at"}

    def __init__(self, *args, reader=None, **kwargs) -> None:
        super().__init__(*args, reader=reader, **kwargs)
        self.reader = reader
        self.by_phone = has_role(reader, STAFF_ROLES)
        if self.by_phone:
            self.fields["q"].label = _("单号 / 手机号")
            self.fields["q"].widget.attrs["placeholder"] = _("退换货单号、订单号、手机号或其后4位")
        if not waits_for(returns.returns_waiting, reader):
            del self.fields["waiting"]

    def narrow(self, queryset, data: dict):
        queryset = queryset.filter(**self.day_lookups("requested_at"))
        if data.get("supplier"):
            queryset = queryset.filter(supplier=data["supplier"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("member"):
            queryset = queryset.filter(order__member_id=data["member"])
        queryset = returns.by_failed_replacement(queryset, data.get("replacement_failed"))
        queryset = waiting_rows(queryset, returns.returns_waiting, self.reader, data.get("waiting"))
        if data.get("fulfilment"):
            queryset = queryset.filter(order__fulfilment=data["fulfilment"])
        if text := (data.get("q") or "").strip():
            matching = Q(number__icontains=text) | Q(order__number__icontains=text)
            if self.by_phone and (by_phone := phone_matching(typed_phone(text), "order__member__phone")):
                matching |= by_phone
            queryset = queryset.filter(matching)
        return queryset


class ExtraCostForm(SubmittedOnce):
    """An extra cost as logistics staff or an operator enter it; what it belongs to is named by number, among what they see."""

    kind = forms.ChoiceField(label=_("费用类型"), choices=CostKind.choices)
    payer = forms.ChoiceField(label=_("承担方"), choices=Payer.choices)
    order_number = forms.CharField(label=_("订单号"), required=False, max_length=30)
    inbound_number = forms.CharField(label=_("入库单号"), required=False, max_length=30)
    lot = forms.IntegerField(label=_("遗留礼品批次编号"), required=False, min_value=1)
    quantity = forms.IntegerField(label=_("数量"), initial=1, min_value=1, max_value=costs.MAX_QUANTITY)  # as the API's
    fee_date = BusinessDayField(label=_("计费日期（选填）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("说明"), max_length=300, help_text=_("费用因何产生：承担方会看到"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        lookups = {
            "order_number": (RedemptionOrder, "number", "order"),
            "inbound_number": (InboundShipment, "number", "inbound"),
            "lot": (LeftoverLot, "pk", "lot"),
        }
        for field, (model, key, name) in lookups.items():
            value = typed_number(data.get(field)) if key == "number" else data.get(field)  # "ro2026…" is RO2026…
            if value in (None, ""):
                data[name] = None
                continue
            data[name] = model.objects.visible_to(self.user).filter(**{key: value}).first()
            if data[name] is None:
                self.add_error(field, _("未找到"))
        owner = data.get("order") or data.get("inbound") or data.get("lot")
        if owner is None and not any(self.has_error(field) for field in lookups):  # one named but not found says so already
            self.add_error("order_number", _("请填写订单号、入库单号或遗留礼品批次编号"))
        return data

    def values(self) -> dict:
        """Keyword arguments of record_extra_cost_by_hand."""
        keys = ["kind", "payer", "order", "inbound", "lot", "quantity", "fee_date", "description"]
        return {key: self.cleaned_data[key] for key in keys}


def _number_search() -> forms.CharField:
    """The text filter of the costs and claims pages, on the numbers their readers hold."""
    return forms.CharField(label=_("搜索"), required=False, max_length=60,
                           widget=forms.TextInput(attrs={"placeholder": _("订单号 / 运单号 / 退换货单号")}))


class CostFilterForm(SupplierFilter, DayRangeFilter):
    """Extra costs by kind, payer, supplier (staff only: a supplier sees only its own anyway) and recorded day."""

    day_range = ("recorded_from", "recorded_to")
    kind = choice_filter(_("费用类型"), CostKind.choices)
    payer = choice_filter(_("承担方"), Payer.choices)
    recorded_from = day_field(_("记录日期自"))
    recorded_to = day_field(_("至"))
    q = _number_search()
    search = costs.SEARCHED
    field_order = ["kind", "payer", "supplier", "recorded_from", "recorded_to", "q"]
    exact = {}
    # a cost's number (编号) is its id's (cost_reference)
    sorts = {"id": "id", "recorded_at": "recorded_at", "supplier": "supplier__name", "quantity": "quantity", "amount": "amount"}

    def narrow(self, queryset, data: dict):
        filters = {"kind": data.get("kind"), "payer": data.get("payer"), "supplier": data.get("supplier")}
        return super().narrow(queryset.filter(**{key: value for key, value in filters.items() if value}, **self.day_lookups("recorded_at")), data)


class ClaimFilterForm(DayRangeFilter):
    day_range = ("opened_from", "opened_to")
    state = choice_filter(_("状态"), LogisticsClaim.State.choices)
    cause = choice_filter(_("原因"), LogisticsClaim.Cause.choices)
    supplier = forms.ModelChoiceField(
        label=_("礼品商"), queryset=Supplier.objects.order_by("name"), required=False, empty_label=_("全部")
    )
    opened_from = day_field(_("创建日期自"))
    opened_to = day_field(_("至"))
    q = _number_search()
    search = claims.SEARCHED
    sorts = {"opened_at": "opened_at", "order_number": "order__number", "supplier": "order__supplier__name", "quantity": "quantity",
             "amount": "amount"}

    def narrow(self, queryset, data: dict):
        filters = {"state": data.get("state"), "cause": data.get("cause"), "order__supplier": data.get("supplier")}
        return super().narrow(queryset.filter(**{key: value for key, value in filters.items() if value}, **self.day_lookups("opened_at")), data)


class VoidCostForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=300, widget=forms.TextInput(attrs={"placeholder": _("作废原因")}))


class LostParcelForm(forms.Form):
    """The parcel reported lost, named by its tracking number (and its carrier when several carriers use the number)."""

    tracking_number = forms.CharField(label=_("运单号"), max_length=60)
    carrier = forms.CharField(label=_("承运商（运单号重复时必填）"), max_length=40, required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        if "tracking_number" not in data:
            return data
        try:
            shipment = shipments.find_by_tracking_number(
                Shipment.objects.visible_to(self.user), tracking_number=data["tracking_number"], carrier=data.get("carrier")
            )
        except ValidationFailed as ambiguous:
            self.add_error("carrier", ambiguous.detail)
            return data
        if shipment is None:
            self.add_error("tracking_number", _("未找到该运单号的运单"))
        data["shipment"] = shipment
        return data
