"""Operator pages of the points app: crediting points from a file, every order with its actions, and member
support: finding a member, its balance, expiries, history and orders, and correcting its points."""
import uuid
from collections.abc import Callable
from dataclasses import replace

from django import forms
from django.contrib.auth.decorators import login_required

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.api.permissions import require_role
from core.errors import DomainError
from core.forms import ListFilter, choice_filter
from core.exports import check_format, download_name, field, label, list_download, moment, money
from core.fsm import history_of
from core.masking import mask_phone
from core.models import Program, Tier
from core.pages import PageAction, act_with_form, action_forms, add_service_errors, page_status, paginate, state_reached
from core.roles import OPERATORS, STAFF_ROLES, has_role, sees_settlement_money
from core.files import file_response
from core.tabular import CONTENT_TYPES, TableRejected, table_file
from core.texts import figure
from points.forms import CancelForm, RedeliverForm, RequiredReasonForm, StaffOrderFilterForm
from points.models import CreditUpload, LedgerEntry, Member, RedemptionOrder
from points.selectors import search_members, with_booking
from points.services import credit_uploads, credits, orders
from points.views_complaints import DESKS
from points.views import label_entries, messages_of

STAFF = STAFF_ROLES  # who opens the staff order pages (the complaints link them for the same roles)
#: what other apps add to the staff's order page, each rendering its part for the reader (logistics: the parcels and
#: the returns); an empty string shows nothing
staff_order_sections: list[Callable[[HttpRequest, RedemptionOrder], str]] = []


class CreditFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("积分发放文件（CSV 或 XLSX：手机号 phone、积分 points、原因 reason_code 可选）"))


class CreditUploadFilter(ListFilter):
    """The filters above the credit files uploaded: where the operator's decision stands (待确认, 已确认, 已取消)."""

    state = choice_filter(gettext_lazy("确认状态"), CreditUpload.State.choices)
    exact = {"state": "state"}


#: the steps of a previewed credit file: credit it (its task then credits every row or none) or discard it
CREDIT_UPLOAD_ACTIONS = {
    "confirm": PageAction(gettext_lazy("确认入账"), credit_uploads.confirm_credit_upload, forms.Form,
                          confirm=gettext_lazy("确认后将按本文件发放积分，不可撤销。确定入账？")),
    "cancel": PageAction(gettext_lazy("取消"), credit_uploads.discard_credit_upload, CancelForm, "secondary"),
}


@login_required
def credit_upload(request):
    """The upload form, what went wrong with a file just sent (nothing kept), and the files uploaded before, each to
    its page, filtered by where they stand. A file that passes goes to its page, a preview to confirm or discard."""
    require_role(request.user, OPERATORS)
    form = CreditFileForm(request.POST or None, request.FILES or None)
    filters = CreditUploadFilter(request.GET)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sent = credit_uploads.upload_credit_file(
                file_name=upload.name, content=upload.read(credits.CREDIT_FILE.max_bytes + 1), actor=request.user, now=timezone.now()
            )
        except TableRejected as rejected:
            problems = rejected.problems
        except DomainError as error:
            form.add_error("file", error.detail)
        else:
            return redirect("operator-points-credit-upload", pk=sent.pk)
    context = paginate(request, filters.apply(credit_uploads.list_credit_uploads(actor=request.user)))
    credit_uploads.note_decisions(context["page_obj"])
    context |= {
        "form": form, "problems": problems, "reasons": credits.CREDIT_REASONS, "max_rows": credits.CREDIT_FILE.max_rows,
        "filters": filters, "preview_hours": credit_uploads.PREVIEW_HOURS,
    }
    return render(request, "points/credit_upload.html", context, status=filters.status)


@login_required
def credit_template(request, file_format: str):
    """The credit file's template (CSV or XLSX; another format a 404), for operators."""
    require_role(request.user, OPERATORS)
    if file_format not in CONTENT_TYPES:
        raise Http404
    return file_response(credits.credit_template(file_format=file_format))


@login_required
def credit_upload_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    """One credit file: its preview with 确认入账 and 取消 while it waits for the operator, then crediting in progress (the
    page looks again every few seconds), done, refused with its problems, or discarded; its rows and its history."""
    require_role(request.user, OPERATORS)
    upload = get_object_or_404(credit_uploads.list_credit_uploads(actor=request.user), pk=pk)
    available = {t.name for t in upload.get_available_state_transitions()}
    offered = [(name, action) for name, action in CREDIT_UPLOAD_ACTIONS.items() if name in available]
    context = paginate(request, credit_uploads.CreditRows(upload), per_page=50) | {
        "upload": upload, "history": history_of(upload), "actions": action_forms(request, offered, refused=refused),
        "preview": credit_uploads.preview_credit_upload(upload) if upload.state == CreditUpload.State.PREVIEWED else None,
        "preview_hours": credit_uploads.PREVIEW_HOURS,
    }
    return render(request, "points/credit_upload_detail.html", context, status=page_status(refused))


@login_required
def credit_upload_action(request, pk: int, name: str):
    """确认入账 or 取消 of a previewed credit file, from its page (a second press finds it moved on: 409, nothing more)."""
    require_role(request.user, OPERATORS)
    upload = get_object_or_404(credit_uploads.list_credit_uploads(actor=request.user), pk=pk)
    if request.method != "POST" or name not in CREDIT_UPLOAD_ACTIONS:
        return redirect("operator-points-credit-upload", pk=pk)
    action = CREDIT_UPLOAD_ACTIONS[name]
    form = action.form(request.POST)
    if act_with_form(request, form, action.service, upload=upload, transition=name, success=lambda: state_reached(upload, upload.file_name)):
        return redirect("operator-points-credit-upload", pk=pk)
    return credit_upload_detail(request, pk, refused=(name, form))


#: a credit file's rows as its page lists them (the phone masked)
CREDIT_ROW_HEADINGS = (gettext_lazy("行号"), gettext_lazy("手机号"), gettext_lazy("积分"), gettext_lazy("原因"))


@login_required
def credit_upload_rows(request, pk: int, file_format: str):
    """A credit file's rows as its page lists them, every one, as CSV or XLSX (another format a 404), for operators."""
    require_role(request.user, OPERATORS)
    check_format(file_format)
    upload = get_object_or_404(credit_uploads.list_credit_uploads(actor=request.user), pk=pk)
    return file_response(table_file(headers=[str(heading) for heading in CREDIT_ROW_HEADINGS], rows=credit_uploads.credit_rows(upload),
                                    file_format=file_format, name=download_name(f"credits-{upload.pk}", upload.uploaded_at, minute=True)))


ORDER_ACTIONS = {
    "cancel": PageAction(gettext_lazy("取消（退积分、释放库存）"), orders.cancel_order, RequiredReasonForm,
                         confirm=gettext_lazy("取消后积分将退还给会员、库存将释放，不可撤销。确定取消该订单？")),
    "cancel_before_picking": PageAction(gettext_lazy("拣货前取消"), orders.cancel_before_picking, RequiredReasonForm, "danger",
                                        confirm=gettext_lazy("取消后积分将退还给会员、库存将释放，物流将取消发货，不可撤销。确定取消该订单？")),
    "redeliver": PageAction(gettext_lazy("重新配送"), orders.redeliver_order, RedeliverForm),
    "give_up": PageAction(gettext_lazy("放弃配送（退积分、退回库存）"), orders.give_up_order, RequiredReasonForm, "danger",
                          confirm=gettext_lazy("放弃配送后积分将退还给会员，不可撤销。确定放弃配送？")),
}
#: giving up a lost parcel's order: the points come back, the goods never do (points.services.orders.give_up_order)
GIVE_UP_LOST = replace(ORDER_ACTIONS["give_up"], label=gettext_lazy("放弃配送（包裹已丢失：退积分，无库存退回）"))
#: cancelling an order still waiting for its SMS code: nothing was drawn or reserved, so nothing comes back
CANCEL_UNCONFIRMED = replace(ORDER_ACTIONS["cancel"], label=gettext_lazy("取消（尚未扣积分、未占库存）"),
                             confirm=gettext_lazy("该订单尚待会员短信确认，未扣积分、未占库存；取消后验证码失效，不可撤销。确定取消该订单？"))


def _offered(name: str, order: RedemptionOrder) -> PageAction:
    """The step `name` as the order's page offers it, labelled by what it does to this order."""
    if name == "give_up" and orders.goods_lost(order):
        return GIVE_UP_LOST
    if name == "cancel" and order.state == RedemptionOrder.State.AWAITING_CONFIRMATION:
        return CANCEL_UNCONFIRMED
    return ORDER_ACTIONS[name]


@login_required
def order_admin(request):
    require_role(request.user, STAFF)
    filters = StaffOrderFilterForm(request.GET)
    queryset = filters.apply(_staff_orders(request.user))
    context = paginate(request, queryset) | {"filters": filters, "booking": sees_settlement_money(request.user)}
    return render(request, "points/order_admin.html", context, status=filters.status)


def _staff_orders(user):
    return with_booking(RedemptionOrder.objects.visible_to(user).select_related("gift", "supplier", "member"), user=user)


#: what an order list's download says of its delivery's booking for readers of settlement money and statements
#: (`sees_settlement_money`: suppliers, operators, finance; settlement.order_bookings annotates the statement):
#: the settlement amount, the time the statement books the delivery by (记账时间), and the month and version of the
#: statement booking it
BOOKING_COLUMNS = [
    field(gettext_lazy("结算金额"), "settlement_amount", money),
    field(gettext_lazy("记账时间（结算按此）"), "delivery_recorded_at", moment),
    field(gettext_lazy("结算单月份"), "booked_month", lambda month: f"{month:%Y-%m}" if month else ""),
    field(pgettext_lazy("one item", "结算单版本"), "booked_version"),
]


#: the staff's order list's download: the columns of the page, which shows no member's personal data
ORDER_COLUMNS = [
    field(gettext_lazy("订单号"), "number"),
    field("SKU", "gift__sku"),
    field(gettext_lazy("礼品"), "gift__name"),
    field(gettext_lazy("礼品商"), "supplier__name"),
    field(gettext_lazy("数量"), "quantity"),
    field(gettext_lazy("积分"), "points_cost"),
    label(gettext_lazy("状态"), "state"),
    field(gettext_lazy("下单时间"), "placed_at", moment),
]


@login_required
def order_admin_export(request, file_format: str):
    """The staff's order list as filtered, every order of it, as CSV or XLSX."""
    require_role(request.user, STAFF)
    booking = sees_settlement_money(request.user)
    return list_download(filters=StaffOrderFilterForm(request.GET), rows=_staff_orders(request.user),
                         columns=[*ORDER_COLUMNS, *(BOOKING_COLUMNS if booking else [field(gettext_lazy("记账时间（结算按此）"), "delivery_recorded_at", moment)])],
                         file_format=file_format, name="orders", now=timezone.now())


@login_required
def order_admin_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    """One order for staff with its history; operators get the steps its state allows, the one refused (`refused`:
    its name and the form sent) with its errors next to its fields."""
    require_role(request.user, STAFF)
    order = get_object_or_404(RedemptionOrder.objects.visible_to(request.user).select_related("gift", "supplier", "member"), pk=pk)
    available = {t.name for t in order.get_available_state_transitions()}
    offered = [(name, _offered(name, order))
               for name in ORDER_ACTIONS if name in available and has_role(request.user, orders.roles_for(name))]
    context = {"order": order, "actions": action_forms(request, offered, refused=refused), "history": history_of(order),
               "complaints_shown": has_role(request.user, DESKS),  # a link to its complaints for those who open the desk
               "member_shown": has_role(request.user, OPERATORS),  # a link to the member's support page, for its readers
               "hotline_shown": has_role(request.user, OPERATORS),  # 登记投诉: a caller's complaint about it, recorded by them
               "sections": [section(request, order) for section in staff_order_sections]}
    return render(request, "points/order_admin_detail.html", context, status=page_status(refused))


@login_required
def order_admin_action(request, pk: int, name: str):
    require_role(request.user, OPERATORS)
    order = get_object_or_404(RedemptionOrder.objects.visible_to(request.user), pk=pk)
    if request.method != "POST" or name not in ORDER_ACTIONS:
        return redirect("operator-order", pk=pk)
    action = ORDER_ACTIONS[name]
    form = action.form(request.POST)
    if act_with_form(request, form, action.service, order=order, transition=name, success=lambda: state_reached(order, order.number)):
        return redirect("operator-order", pk=pk)
    return order_admin_detail(request, pk, refused=(name, form))


class MemberSearchForm(ListFilter):
    q = forms.CharField(label=gettext_lazy("手机号或姓名"), required=False, max_length=50)
    program = forms.ChoiceField(label=gettext_lazy("积分计划"), required=False)
    tier = forms.ChoiceField(label=gettext_lazy("等级"), required=False, choices=[("", gettext_lazy("全部")), *Tier.choices])
    #: the API's `name`; not the phone, shown masked: its order would tell the hidden digits
    sorts = {"name": "name", "balance": "account__balance"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", gettext_lazy("全部")), *((p.code, p.label) for p in Program.objects.order_by("id"))]

    def values(self) -> dict:
        data = super().values()
        return {"text": data.get("q", ""), "program": data.get("program", ""), "tier": data.get("tier", "")}


class CorrectionForm(forms.Form):
    points = forms.IntegerField(label=gettext_lazy("调整积分（扣减填负数）"))
    reason_code = forms.ChoiceField(label=gettext_lazy("原因"), choices=list(credits.CORRECTION_REASONS.items()))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200)
    reference = forms.CharField(widget=forms.HiddenInput, max_length=60)


@login_required
def member_admin(request):
    require_role(request.user, OPERATORS)
    filters = MemberSearchForm(request.GET)
    context = paginate(request, filters.apply(search_members(**filters.values())))
    for member in context["page_obj"]:
        member.masked_phone = mask_phone(member.phone)
    return render(request, "points/member_admin.html", context | {"filters": filters}, status=filters.status)


@login_required
def member_admin_detail(request, pk: int):
    """One member for support: balance, expiries, history and latest orders; the correction form posts here."""
    require_role(request.user, OPERATORS)
    member = get_object_or_404(Member.objects.select_related("program", "user"), pk=pk)
    form = CorrectionForm(request.POST or None, initial={"reference": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            entry = credits.correct_points(member=member, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已调整 %(points)s 积分，调整后余额 %(balance)s") % {
                "points": f"{'+' if entry.points > 0 else ''}{figure(entry.points)}", "balance": figure(entry.balance_after)})
            return redirect("operator-member", pk=member.pk)
    entries = LedgerEntry.objects.filter(account__member=member).select_related("actor__member").order_by("-at", "-id")
    context = paginate(request, entries)
    label_entries(context["page_obj"], viewer=request.user)
    return render(request, "points/member_admin_detail.html", context | {
        "member": member, "masked_phone": mask_phone(member.phone), "form": form, "show_actor": True,
        "summary": credits.balance_summary(member=member, now=timezone.now()),
        "orders": RedemptionOrder.objects.filter(member=member).select_related("gift").order_by("-placed_at", "-id")[:10],
    })


@login_required
def member_admin_messages(request, pk: int):
    """短信记录: the texts written for one member, newest first, as it reads them on 我的短信 (codes hidden)."""
    require_role(request.user, OPERATORS)
    member = get_object_or_404(Member.objects.select_related("program"), pk=pk)
    return render(request, "points/member_admin_messages.html", messages_of(request, member) | {
        "member": member, "masked_phone": mask_phone(member.phone)})
