"""Portal forms of complaints and suggestions: they parse input into the shapes the services take; the rules live there."""
from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DayRangeFilter, ListFilter, SubmittedOnce, choice_filter, day_field, waiting_box, yes_no_box
from core.numbers import typed_number
from core.validators import MOBILE_MESSAGE, MOBILE_PATTERN, REASON_MAX_LENGTH, IdField, id_or_none, typed_phone
from points.models import Complaint, Member, RedemptionOrder
from points.models.complaints import Party
from points.services.complaints import complainable_gifts, complainable_suppliers, suppliers_to_complain_about, triage_parties
from suppliers.forms import SupplierFilter
from suppliers.models import Gift, Supplier


def _text(label, *, rows: int = 4, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=4000, widget=forms.Textarea(attrs={"rows": rows}))


RECENT_ORDERS = 50  # the orders a member's complaint form lists; any other own order is still taken (from its page)


class _Listed(ModelChoiceIterator):
    """The choices a select lists: `rows`, not every row the field accepts."""

    def __init__(self, field, rows) -> None:
        super().__init__(field)
        self.queryset = rows


class MemberComplaintForm(SubmittedOnce):
    """A member's complaint about one of its orders, a gift or a supplier (or none: about the service); a complaint
    opened from an order names the order's supplier until the member chooses otherwise."""

    order = forms.ModelChoiceField(label=_("相关订单（选填）"), queryset=RedemptionOrder.objects.none(), required=False)
    gift = forms.ModelChoiceField(label=_("相关礼品（选填）"), queryset=Gift.objects.none(), required=False)
    supplier = forms.ModelChoiceField(label=_("被投诉礼品商（选填）"), queryset=Supplier.objects.none(), required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = _text(_("投诉内容"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        orders = RedemptionOrder.objects.visible_to(user).filter(member_id=user.member_id).select_related("gift")
        field = self.fields["order"]
        field.queryset = orders  # any own order is taken; the member's latest are listed, with the one chosen
        field.label_from_instance = lambda order: f"{order.number} · {order.gift.name}"
        field.help_text = gettext("列出最近 %(count)s 笔订单；更早的订单请在订单页面点击「投诉该订单」") % {"count": RECENT_ORDERS}
        listed = Q(pk__in=orders.order_by("-placed_at", "-id").values("pk")[:RECENT_ORDERS])
        if chosen := id_or_none(self["order"].value()):
            listed |= Q(pk=chosen)
        field.widget.choices = _Listed(field, orders.filter(listed).order_by("-placed_at", "-id"))
        self.fields["gift"].queryset = complainable_gifts(user).order_by("name")
        self.fields["supplier"].queryset = complainable_suppliers(user).order_by("name")
        if not self.is_bound and self.initial.get("order") and not self.initial.get("supplier"):
            order = orders.filter(pk=self.initial["order"]).first()
            self.initial["supplier"] = order.supplier_id if order else None


class HotlineComplaintForm(SubmittedOnce):
    """An operator records a caller's complaint: the member by phone (or the member page's, `member`), the order's member
    when an order number is given, or a contact name and phone; a member calling from another phone is recorded with
    that phone as the caller's."""

    member = IdField(required=False, widget=forms.HiddenInput)  # the member page's 登记投诉 names its member
    member_phone = forms.CharField(label=_("会员手机号（选填）"), max_length=20, required=False)
    contact_name = forms.CharField(label=_("来电人（非会员，或会员用其他电话来电时）"), max_length=50, required=False)
    contact_phone = forms.RegexField(
        label=_("来电电话（非会员，或会员用其他电话来电时）"), regex=MOBILE_PATTERN, error_messages={"invalid": MOBILE_MESSAGE},
        max_length=20, required=False,
    )
    order_number = forms.CharField(label=_("订单号（选填，会员取自订单）"), max_length=40, required=False)
    gift = forms.ModelChoiceField(label=_("相关礼品（选填）"), queryset=Gift.objects.order_by("name"), required=False)
    supplier = forms.ModelChoiceField(label=_("被投诉礼品商（选填）"), queryset=Supplier.objects.order_by("name"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    description = _text(_("投诉内容"))
    field_order = ["member_phone", "order_number", "contact_name", "contact_phone"]

    def named_member(self) -> Member | None:
        """The member the form was opened for (the member page's link), shown by name and masked phone, or None."""
        if not hasattr(self, "_named"):
            self._named = Member.objects.filter(pk=pk).first() if (pk := id_or_none(self["member"].value())) else None
        return self._named

    def clean(self):
        data = super().clean()
        phone = (data.get("member_phone") or "").strip()
        data["member"] = self.named_member()
        if id_or_none(self["member"].value()) and data["member"] is None:
            self.add_error("member_phone", _("没有该会员"))
        if phone:
            typed = Member.objects.filter(phone=typed_phone(phone) or phone).first()  # "+86 138-0013-8001" too
            if typed is None:
                self.add_error("member_phone", _("没有该手机号的会员"))
            elif data["member"] is not None and typed != data["member"]:
                self.add_error("member_phone", _("手机号不是该会员的"))
            data["member"] = typed
        number = typed_number(data.get("order_number"))  # "ro2026…" is RO2026…
        data["order"] = None
        if number:
            data["order"] = RedemptionOrder.objects.filter(number=number).first()
            if data["order"] is None:
                self.add_error("order_number", _("没有该订单"))
        return data

    def values(self) -> dict:
        """The keyword arguments of complaints.open_complaint."""
        data = self.cleaned_data
        names = ("member", "order", "gift", "supplier", "contact_name", "contact_phone", "title", "description")
        return {name: data.get(name) for name in names}


class SupplierComplaintForm(SubmittedOnce):
    """A complaint about a supplier by a supplier's user (about another supplier), logistics or finance staff."""

    supplier = forms.ModelChoiceField(label=_("被投诉礼品商"), queryset=Supplier.objects.none())
    title = forms.CharField(label=_("标题"), max_length=200)
    description = _text(_("投诉内容"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers_to_complain_about(user).order_by("name")


class SuggestionForm(SubmittedOnce):
    title = forms.CharField(label=_("标题"), max_length=200)
    description = _text(_("建议内容"))


class ActionForm(forms.Form):
    """The form of one step on a complaint: it may offer what depends on the complaint."""

    def __init__(self, *args, complaint: Complaint, **kwargs) -> None:
        super().__init__(*args, **kwargs)


class TriageForm(ActionForm):
    responsible = forms.ChoiceField(label=_("责任方"), choices=Party.choices)
    reason = forms.CharField(label=_("分派说明（选填）"), required=False, max_length=REASON_MAX_LENGTH)

    def __init__(self, *args, complaint: Complaint, **kwargs) -> None:
        super().__init__(*args, complaint=complaint, **kwargs)
        parties = triage_parties(complaint)
        self.fields["responsible"].choices = [(value, label) for value, label in Party.choices if value in parties]


class RespondForm(ActionForm):
    response = _text(_("答复内容"), rows=3)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("说明（选填）"), required=False, max_length=REASON_MAX_LENGTH)


class DisputeForm(ActionForm):
    """仍未解决: the member says why the answer did not solve it (the service refuses a blank reason next to the field)."""

    reason = forms.CharField(label=_("仍未解决的原因"), required=False, max_length=REASON_MAX_LENGTH,
                             widget=forms.TextInput(attrs={"placeholder": _("原因（必填）")}))


class ComplaintFilterForm(SupplierFilter, DayRangeFilter):
    """The desk's filters: waiting for the user (待我处理: those its navigation badge counts, which the badge links to),
    state, party, kind, supplier (not for a supplier's users: theirs only), late (past the deadline unanswered), the
    day opened, words searched (`points.selectors.search_complaints`), and the order or member the staff's order and
    member pages link with (hidden)."""

    day_range = ("opened_from", "opened_to")
    waiting = waiting_box()
    state = choice_filter(_("状态"), Complaint.State.choices)
    responsible = choice_filter(_("责任方"), Party.choices)
    kind = choice_filter(_("类型"), Complaint.Kind.choices)
    late = yes_no_box(_("仅超时"))
    opened_from = day_field(_("提交日期自"))
    opened_to = day_field(_("至"))
    q = forms.CharField(label=_("搜索"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": _("编号、标题、订单号、礼品")}))
    order = IdField(label=_("订单"), required=False, widget=forms.HiddenInput)
    member = IdField(label=_("会员"), required=False, widget=forms.HiddenInput)
    field_order = ["waiting", "state", "responsible", "kind", "supplier", "late", "opened_from", "opened_to", "q"]
    #: the API's `opened_at` and `deadline` (the deadline a row shows: an opener's shows none, as the API's), the number,
    #: the supplier's name
    sorts = {"number": "number", "supplier": "supplier__name", "deadline": "deadline", "opened_at": "opened_at"}

    def values(self) -> dict:
        """The filters list_complaints takes (the days, the order and the member are `narrow`'s)."""
        data = super().values()
        return {name: data.get(name) or "" for name in ("state", "responsible", "kind")} | {
            "supplier": data.get("supplier"), "late": data.get("late"), "waiting": data.get("waiting"), "text": data.get("q") or "",
        }

    def narrow(self, rows, data: dict):
        """The rows opened on the days chosen, of the order or member chosen."""
        ids = {"order_id": data.get("order"), "member_id": data.get("member")}
        return rows.filter(**{key: value for key, value in ids.items() if value}, **self.day_lookups("opened_at"))


class MemberComplaintFilterForm(ListFilter):
    """A member's filter of its complaints: those answered and waiting for it to accept the answer (待我确认, what its
    我的投诉 badge counts and links to: `complaints.answers_to_confirm`), the others (false) or all."""

    waiting = yes_no_box(_("仅看待我确认"))

    def values(self) -> dict:
        """The filter list_complaints takes."""
        return {"waiting": super().values().get("waiting")}
