"""Portal pages of the member (SPEC §3 member, §4.4, §4.5): catalog, redemption with second confirmation,
own orders, points balance, expiries, history and the reminder opt-out.

Each view parses its input, makes one service or selector call and renders; the rules live in
points.services and suppliers.selectors. Orders and ledger entries start from `visible_to(request.user)`,
so another member's order is a 404. Members never see settlement prices.
"""
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.errors import DomainError
from core.fsm import history_of
from core.notifications import member_messages, shown_to_member
from core.pages import add_service_errors, bad_input_is_400, create_with_form, form_status, paginate, run_action, send_back
from core.roles import STAFF_ROLES, Role
from core.texts import figure
from points import selectors
from points.forms import (
    CancelForm, CatalogFilterForm, ConfirmForm, LedgerFilterForm, OrderFilterForm, RedeemForm, RemindersForm,
)
from points.models import LedgerEntry, Member, RedemptionOrder
from points.services import credit_uploads, credits, ledger, members, orders
from suppliers.selectors import list_catalog, member_points_price
from suppliers.services.gift_images import image_urls, serve_image

MEMBER = frozenset({Role.MEMBER})
CATALOG_PAGE = 12
#: Sections other areas add to the member's order page, each rendering its HTML for (request, order) — logistics
#: adds the order's parcels with their tracking numbers and receipt button.
order_sections: list[Callable[[HttpRequest, RedemptionOrder], str]] = []
State = RedemptionOrder.State
#: the redeem form's field for a field place_order's refusal names that the form has not: too few points are the
#: quantity's to change (the API names `points`, as the service does)
REDEEM_FIELDS = {"points": "quantity"}

#: Ledger reason codes as a member reads them; an unknown code is shown as it is.
REASONS = {
    **credits.CREDIT_REASONS,
    "redeem": gettext_lazy("兑换礼品"),
    "refund": gettext_lazy("积分退还"),
    "order_cancelled": gettext_lazy("订单取消退还"),
    "delivery_given_up": gettext_lazy("配送失败退还"),
    "lot_expired": gettext_lazy("积分到期"),
    "expired_on_refund": gettext_lazy("退还的积分已过有效期"),
    **credits.CORRECTION_REASONS,
}


#: What a ledger entry's source is, as a reader reads it; an unknown type is shown as it is.
SOURCE_LABELS = {
    **dict.fromkeys(orders.ORDER_SOURCES, pgettext_lazy("ledger source", "订单")),
    "return": pgettext_lazy("ledger source", "退换货"),
    "batch": pgettext_lazy("ledger source", "发放批次"),
    "correction": pgettext_lazy("ledger source", "人工调整"),
    "lot": pgettext_lazy("ledger source", "积分批次"),
}
#: the page of an order each role opens (by the order's id); the other roles open none from a ledger
ORDER_PAGES = {Role.MEMBER: "member-order", **dict.fromkeys(STAFF_ROLES, "operator-order")}


def label_entries(entries, *, viewer) -> None:
    """Give each ledger entry of a page its reason and its source's type as a reader reads them (`reason_label`,
    `source_label`), the source as the reader knows it (`source_shown`: none of a correction's request key or a
    credit file's hash for a member; a credit file's name for an operator) and, where its source is an order or a
    credit file `viewer` may see, its page for `viewer` (`source_url`, else empty): a query for the whole page each."""
    page = ORDER_PAGES.get(viewer.role)
    named = {entry.source_id for entry in entries if entry.source_type in orders.ORDER_SOURCES} if page else ()
    order_ids = selectors.order_ids_by_number(user=viewer, numbers=named)
    uploads = credit_uploads.uploads_by_batch(actor=viewer, batches={entry.source_id for entry in entries if entry.source_type == "batch"})
    for entry in entries:
        entry.reason_label = REASONS.get(entry.reason_code, entry.reason_code)
        entry.source_label = SOURCE_LABELS.get(entry.source_type, entry.source_type)
        upload = uploads.get(entry.source_id) if entry.source_type == "batch" else None
        entry.source_shown = upload.file_name if upload else selectors.source_shown(entry, viewer)
        order_id = order_ids.get(entry.source_id) if entry.source_type in orders.ORDER_SOURCES else None
        entry.source_url = (reverse(page, args=[order_id]) if order_id
                            else reverse("operator-points-credit-upload", args=[upload.pk]) if upload else "")


def _member(request) -> Member:
    """The signed-in member (403 for any other role)."""
    require_role(request.user, MEMBER)
    return get_object_or_404(Member.objects.select_related("program"), pk=request.user.member_id)


def _own_orders(request):
    """The signed-in member's orders (403 for any other role; a superuser without a member profile has none)."""
    require_role(request.user, MEMBER)
    return RedemptionOrder.objects.visible_to(request.user).filter(member_id=request.user.member_id)


def _order(request, pk: int) -> RedemptionOrder:
    """One of the member's own orders; another member's is a 404."""
    return get_object_or_404(_own_orders(request).select_related("gift", "member", "program"), pk=pk)


def _priced(gifts, member: Member):
    """Set `points_price`, what this member pays per unit, and the gift's picture addresses on each listed gift (no
    query; a look at the storage per picture)."""
    for gift in gifts:
        gift.points_price = member_points_price(gift=gift, program=member.program, tier=member.tier, base=gift.points_base)
        gift.image_urls = image_urls(gift, "member-gift-image")
    return gifts


@login_required
def catalog(request):
    member = _member(request)
    filters = CatalogFilterForm(request.GET, program=member.program, tier=member.tier)
    gifts = filters.apply(list_catalog(program=member.program, tier=member.tier, **filters.values()))
    context = paginate(request, gifts, per_page=CATALOG_PAGE)
    _priced(context["page_obj"], member)
    return render(request, "points/catalog.html", context | {"filters": filters, "member": member}, status=filters.status)


def _listed_gift(member: Member, pk: int):
    """A gift of the member's catalog; another program's, a higher tier's or an unlisted gift is a 404."""
    gift = list_catalog(program=member.program, tier=member.tier).filter(pk=pk).first()
    if gift is None:
        raise Http404
    return gift


@login_required
@bad_input_is_400
def gift_image(request, pk: int, index: int):
    """A picture of a gift listed for the member (another program's or an unlisted gift's is a 404)."""
    return serve_image(_listed_gift(_member(request), pk), index, size=request.GET.get("size"))


@login_required
def gift_detail(request, pk: int):
    member = _member(request)
    gift = _listed_gift(member, pk)
    _priced([gift], member)
    balance = ledger.account_of(member).balance
    most = orders.most_per_order(per_order=gift.per_order, unit_points=gift.points_price, balance=balance)
    form = RedeemForm(request.POST or None, initial=_recipient(member))
    form.fields["quantity"].widget.attrs["max"] = max(1, most)
    if placed := create_with_form(request, form, "redeem", partial(orders.place_order, member=member, gift_id=gift.pk),
                               aliases=REDEEM_FIELDS, page="member-order"):
        order_pk, first = placed
        order = _order(request, order_pk)
        if not first:  # the same form sent again: the order it placed, not a second one
            return redirect("member-order", pk=order.pk)
        if order.state == State.AWAITING_CONFIRMATION:
            messages.info(request, _("验证码已发送至 %(phone)s，请在15分钟内完成确认。") % {"phone": member.phone})
            return redirect("member-order-confirm", pk=order.pk)
        messages.success(request, _("兑换成功，已扣除 %(points)s 积分。") % {"points": figure(order.points_cost)})
        return redirect("member-order", pk=order.pk)
    context = {"gift": gift, "form": form, "member": member, "balance": balance, "most": most,
               "stock_most": min(gift.per_order, orders.MAX_QUANTITY)}
    return render(request, "points/gift_detail.html", context, status=form_status(form))  # 409: sent again changed


def _recipient(member: Member) -> dict:
    """The redeem form's initial recipient: the member, at its latest order's address (a member has no address of its own)."""
    last_address = RedemptionOrder.objects.filter(member=member).values_list("address", flat=True).first()
    return {"recipient_name": member.name, "recipient_phone": member.phone, "address": last_address or ""}


@login_required
def order_list(request):
    filters = OrderFilterForm(request.GET)
    queryset = filters.apply(_own_orders(request).select_related("gift"))
    return render(request, "points/order_list.html", paginate(request, queryset) | {"filters": filters}, status=filters.status)


@login_required
def order_detail(request, pk: int):
    order = _order(request, pk)
    orders.expire_if_due(order, now=timezone.now())  # a lapsed order shows as expired even before beat's next run
    available = {t.name for t in order.get_available_state_transitions()}
    context = {
        "order": order,
        "history": history_of(order),
        "awaiting_code": orders.waits_for_code(order),
        "locked": orders.code_locked(order),
        "cancel_form": CancelForm() if "cancel" in available else None,
        "refunded_on_close": orders.points_refunded_on_close(order),
        "sections": [section(request, order) for section in order_sections],
    }
    return render(request, "points/order_detail.html", context)


@login_required
def order_confirm(request, pk: int):
    order = _order(request, pk)
    orders.expire_if_due(order, now=timezone.now())
    if not orders.waits_for_code(order):
        return redirect("member-order", pk=order.pk)  # which says why it cannot be confirmed
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orders.confirm_order(order=order, code=form.cleaned_data["code"], now=timezone.now(), actor=request.user)
        except DomainError as error:
            if orders.code_locked(order):  # the fifth wrong code: nothing on this page can be done any more
                messages.error(request, error.detail)
                return redirect("member-order", pk=order.pk)  # which says why, and to order again
            add_service_errors(form, error)
        else:
            messages.success(request, _("订单已确认，已扣除 %(points)s 积分。") % {"points": figure(order.points_cost)})
            return redirect("member-order", pk=order.pk)
    return render(request, "points/order_confirm.html", {"order": order, "form": form})


@login_required
@require_POST
def order_resend_code(request, pk: int):
    order = _order(request, pk)
    run_action(request, lambda: orders.resend_code(order=order, now=timezone.now(), actor=request.user), success=_("新的验证码已发送"))
    return redirect("member-order-confirm", pk=order.pk)


@login_required
@require_POST
def order_cancel(request, pk: int):
    order = _order(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: orders.cancel_order(order=order, actor=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]),
            # an order cancelled while it waited for its code had drawn nothing: nothing comes back
            success=lambda: _("订单已取消，积分已退还。") if order.redeem_entry_id else _("订单已取消，未扣除积分。"),
        )
    else:  # a reason too long: next to it, as typed
        send_back(request, form)
    return redirect("member-order", pk=order.pk)


@login_required
def points(request):
    member = _member(request)
    summary = credits.balance_summary(member=member, now=timezone.now())
    entries = LedgerEntry.objects.visible_to(request.user).filter(account__member=member).order_by("-at", "-id")
    filters = LedgerFilterForm(request.GET)
    context = paginate(request, filters.apply(entries))
    label_entries(context["page_obj"], viewer=request.user)
    reminders = RemindersForm(initial={"reminders_opt_out": member.reminders_opt_out})
    return render(request, "points/points.html", context | {"summary": summary, "member": member, "reminders": reminders, "filters": filters},
                  status=filters.status)


def messages_of(request, member: Member) -> dict:
    """A page of the SMS written for `member` (`core.notifications.member_messages`), newest first, each as the member
    reads it again (`shown_to_member`: a confirmation code hidden): the member's 我的短信, the operators' 短信记录 and
    the API show the same."""
    context = paginate(request, member_messages(user_id=member.user_id))
    for message in context["page_obj"]:
        message.shown = shown_to_member(message)
    return context


@login_required
def reminder_messages(request):
    """The SMS written for the member, to whichever number it had then, newest first: what was sent, what waits out the quiet hours, what its
    opt-out withheld; a confirmation code is not shown again."""
    member = _member(request)
    context = messages_of(request, member)
    quiet_hours = [f"{hour:02d}" for hour in settings.QUIET_HOURS]
    return render(request, "points/messages.html", context | {"member": member, "quiet_hours": quiet_hours})


@login_required
@require_POST
def reminders(request):
    member = _member(request)
    form = RemindersForm(request.POST)
    form.is_valid()
    opt_out = form.cleaned_data["reminders_opt_out"]
    # No service owns the member's preferences yet (see points.api.views.MemberProfileView, which does the same).
    members.set_reminders_opt_out(member=member, opt_out=opt_out, actor=request.user)
    messages.success(request, _("已退订非紧急短信提醒") if opt_out else _("已恢复非紧急短信提醒"))
    return redirect("member-points")
