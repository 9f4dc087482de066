"""Portal pages of the gift catalog (SPEC §4.2) and the supplier's stock (§4.3).

Each view parses its input, makes one service call and renders; the rules live in suppliers.services.
Every query starts from `visible_to(request.user)`, so another supplier's gift is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.charts import bar_chart
from core.errors import DomainError
from core.fsm import history_of, note_latest_changes
from core.models import Program, Tier
from core.portal import (
    act_with_form, add_service_errors, bad_input_is_400, form_status, labelled, moved_on, page_status, paginate, posted_from, redirect_back,
    report_form_errors, send_back, send_back_refusal, state_reached,
)
from core.roles import OPERATORS, SETTLEMENT_BLIND_ROLES, SUPPLIER_ROLES
from core.texts import joined_messages, moment
from suppliers.forms_catalog import (
    ClearanceInput, DelistInput, FilterForm, GiftForm, MovementFilterForm, NoInput, OwnStockCountForm, ReasonInput, SafetyStockForm,
    ReviewQueueFilter, ScheduleInput, StockFilterForm, SERVICE_FIELDS, current_values,
)
from suppliers.models.inventory import below_safety_stock
from suppliers.models import Category, Gift, GiftRevision, StockMovement, StockRecord, Supplier
from suppliers.selectors import matching as _matching
from suppliers.selectors import list_revisions, stock_movements_of, stock_of
from suppliers.services import catalog, cooperation, gift_images, inventory, qualifications, revisions

RECENT_MOVEMENTS = 20
#: who opens a gift's page: whom the API shows gifts to (core.tenancy.Visibility) but those blind to settlement money
#: (SPEC §4.13), as the page shows the settlement price the API leaves out for them: logistics reads stock, not gifts
GIFT_READERS = Gift.visibility.readers - SETTLEMENT_BLIND_ROLES
GIFT_STAFF = GIFT_READERS - SUPPLIER_ROLES  # who opens the list of every supplier's gifts


@dataclass(frozen=True)
class GiftAction:
    """A button on a gift: the service it calls, who may press it, and the FSM transition that decides when it is offered."""

    label: str
    service: Callable
    roles: frozenset[str]
    transition: str
    form: type[forms.Form] = NoInput
    style: str = ""
    then: Callable[[Gift], str] | None = None  # a link to the gift's next step, added to the success message
    confirm: str = ""  # asked in the browser before an action that cannot be undone
    done: Callable[[Gift], str] | None = None  # the success message, when the state reached (state_reached) does not say it


def _scheduled(gift: Gift) -> str:
    return _("%(gift)s 将于 %(at)s 自动上线") % {"gift": gift, "at": moment(gift.publish_at)}


def _to_publish(gift: Gift) -> str:
    """A link to the approved gift in the review page's 待上线 tab, where it is put online or scheduled."""
    url = reverse("operator-gift-review") + "?" + urlencode({"queue": "approved", "q": gift.sku})
    return format_html('<a href="{}" data-testid="to-publish">{}</a>', url, _("去上线"))


GIFT_ACTIONS = {
    "submit": GiftAction(gettext_lazy("提交审核"), catalog.submit_gift, SUPPLIER_ROLES, "submit"),
    "rework": GiftAction(gettext_lazy("退回草稿修改"), catalog.rework_gift, SUPPLIER_ROLES, "rework"),
    "request_delisting": GiftAction(
        gettext_lazy("申请下线"), partial(catalog.delist_gift, reason_code=Gift.DelistReason.SUPPLIER_REQUEST), SUPPLIER_ROLES, "delist",
        ReasonInput, "danger",
    ),
    "request_relisting": GiftAction(gettext_lazy("申请重新上线"), catalog.request_relisting, SUPPLIER_ROLES, "request_relisting", ReasonInput),
    "approve": GiftAction(gettext_lazy("审核通过"), catalog.approve_gift, OPERATORS, "approve", ReasonInput, then=_to_publish),
    "reject": GiftAction(gettext_lazy("驳回"), catalog.reject_gift, OPERATORS, "reject", ReasonInput, "danger"),
    "publish": GiftAction(gettext_lazy("立即上线"), catalog.publish_gift, OPERATORS, "publish"),
    "schedule": GiftAction(gettext_lazy("定时上线"), revisions.schedule_publication, OPERATORS, "publish", ScheduleInput, "secondary",
                           done=_scheduled),
    "delist": GiftAction(gettext_lazy("下线"), catalog.delist_gift, OPERATORS, "delist", DelistInput, "danger"),
    "start_clearance": GiftAction(gettext_lazy("开始清仓"), catalog.start_clearance, OPERATORS, "start_clearance", ClearanceInput),
    "retire": GiftAction(gettext_lazy("退市"), catalog.retire_gift, OPERATORS, "retire", ReasonInput, "danger",
                         confirm=gettext_lazy("退市后该礼品不能再上线，剩余库存转为遗留礼品。确定退市？")),
}
REVISION_ACTIONS = {  # name: (service, success message, who may press it)
    "approve": (revisions.approve_revision, gettext_lazy("修改已通过"), OPERATORS),
    "reject": (revisions.reject_revision, gettext_lazy("修改已驳回"), OPERATORS),
    "withdraw": (revisions.withdraw_revision, gettext_lazy("修改已撤回"), SUPPLIER_ROLES),
}


@dataclass
class OfferedAction:
    """An action offered on a gift with its form: a fresh one, or the one just posted, bound, with its errors."""

    name: str
    action: GiftAction
    form: forms.Form | None = None

    def __post_init__(self) -> None:
        if self.form is None:
            self.form = self.action.form(auto_id=False)  # one form per row: no duplicate element ids


def offered_actions(gift: Gift, user, *, failed: OfferedAction | None = None) -> list[OfferedAction]:
    """The actions the user's role may take on the gift in its current state; `failed` replaces its fresh form."""
    available = {t.name for t in gift.get_available_state_transitions()}
    return [
        failed if failed is not None and failed.name == name else OfferedAction(name, action)
        for name, action in GIFT_ACTIONS.items()
        if action.transition in available and (user.is_superuser or user.role in action.roles)
    ]


class ChangeTable:
    """Renders a revision's changes next to the gift's current values, with labels instead of codes."""

    def __init__(self) -> None:
        self.categories = {category.code: category.label for category in Category.objects.all()}
        self.programs = {program.code: program.label for program in Program.objects.all()}

    def rows(self, gift: Gift, revision: GiftRevision) -> list[tuple[str, str, str]]:
        current, changes = current_values(gift), revision.changes
        return [
            (self.label(key), self.pictures(gift_images.image_urls(gift, "supplier-gift-image")),
             self.pictures(gift_images.image_urls(gift, "revision-image", images=value, owner=revision)))
            if key == "images" else (self.label(key), self.show(key, current.get(key)), self.show(key, value))
            for key, value in changes.items()
        ]

    @staticmethod
    def pictures(urls: list[str]) -> str:
        """Thumbnails, so the reviewer sees the pictures rather than their storage names."""
        return format_html_join("", '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" class="gift-thumb" loading="lazy"></a>',
                                ((url, gift_images.thumbnail_url(url)) for url in urls))

    @staticmethod
    def label(key: str) -> str:
        return _("积分价") if key == "points_prices" else str(Gift._meta.get_field(key).verbose_name)

    def show(self, key: str, value) -> str:
        if key == "category":
            return self.categories.get(getattr(value, "code", value), str(value))
        if key == "points_prices":
            return " / ".join(f"{self.programs.get(code, code)} {points}" for code, points in (value or {}).items())
        if key == "tier_discounts":
            return " / ".join(f"{dict(Tier.choices).get(tier, tier)} {percent}%" for tier, percent in (value or {}).items())
        if key in {"fulfilment", "min_tier"}:
            return str(dict(Gift.Fulfilment.choices + Tier.choices).get(value, value))
        return "" if value is None else str(value)


def _act(request, call: Callable[[], object], *, success: str) -> bool:
    """Call one service; a DomainError becomes an error message listing every problem it names (e.g. all a submission misses)."""
    try:
        call()
    except DomainError as error:
        details = [detail for *_where, detail in getattr(error, "errors", []) if detail != error.detail]
        messages.error(request, joined_messages([error.detail, *details]))
        return False
    messages.success(request, success)
    return True







def _gifts(request):
    return Gift.objects.visible_to(request.user).select_related("supplier", "category").prefetch_related("prices__program")


@login_required
def gift_list(request):
    require_role(request.user, SUPPLIER_ROLES)
    filters = FilterForm(request.GET)
    gifts = filters.apply(_gifts(request).annotate(change_in_review=catalog.change_in_review()))
    return render(request, "suppliers/catalog/gift_list.html", paginate(request, gifts) | {"filters": filters}, status=filters.status)


@login_required
def gift_create(request):
    require_role(request.user, SUPPLIER_ROLES)
    supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=request.user.supplier_id)
    form = GiftForm(request.POST or None, request.FILES or None, supplier_id=supplier.pk)
    if request.method == "POST" and form.is_valid():
        try:
            with form.uploads() as uploads:
                gift = catalog.create_gift(supplier=supplier, actor=request.user, now=timezone.now(), uploads=uploads, **form.values())
        except DomainError as error:
            add_service_errors(form, error, aliases=SERVICE_FIELDS)
        else:
            form.uploads_saved()
            messages.success(request, _("礼品草稿已创建，资料齐全后可提交审核。"))
            return redirect("gift-detail", pk=gift.pk)
    form.keep_uploads()
    return render(request, "suppliers/catalog/gift_form.html", {"form": form, "gift": None})


@login_required
def gift_edit(request, pk: int):
    require_role(request.user, SUPPLIER_ROLES)
    gift = get_object_or_404(_gifts(request), pk=pk)
    pending = revisions.pending_revision(gift) if gift.state in revisions.EDIT_BY_REVISION else None
    if pending is not None:  # a new change would be refused: say why, and offer to withdraw the one waiting
        return render(request, "suppliers/catalog/gift_pending.html", {"gift": gift, "revision": pending})
    form = GiftForm(request.POST or None, request.FILES or None, initial=GiftForm.initial_from(gift), editing=True,
                    supplier_id=gift.supplier_id)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(gift)
        if not changes and not form.has_uploads():
            messages.info(request, _("没有修改。"))
            return redirect("gift-detail", pk=gift.pk)
        try:  # uploads go after the picture lines as edited, else after the gift's pictures as they are
            with form.uploads() as uploads:
                result = revisions.edit_gift(gift=gift, actor=request.user, now=timezone.now(), changes=changes, uploads=uploads)
        except DomainError as error:
            add_service_errors(form, error, aliases=SERVICE_FIELDS)
        else:
            form.uploads_saved()
            if isinstance(result, GiftRevision):
                messages.success(request, _("修改已提交审核；审核通过前，线上版本照常销售。"))
            else:
                messages.success(request, _("已保存。"))
            return redirect("gift-detail", pk=gift.pk)
    form.keep_uploads()
    context = {"form": form, "gift": gift, "by_revision": gift.state in revisions.EDIT_BY_REVISION}
    return render(request, "suppliers/catalog/gift_form.html", context, status=form_status(form))


@login_required
@bad_input_is_400
def gift_image(request, pk: int, index: int):
    """A stored picture of a gift the supplier's users or an operator may see."""
    require_role(request.user, GIFT_READERS)
    return gift_images.serve_image(get_object_or_404(Gift.objects.visible_to(request.user), pk=pk), index, size=request.GET.get("size"))


@login_required
@bad_input_is_400
def revision_image(request, pk: int, index: int):
    """A picture a pending or decided revision proposes, for the operator reviewing it and the gift's supplier."""
    require_role(request.user, GIFT_READERS)
    revision = get_object_or_404(GiftRevision.objects.visible_to(request.user).select_related("gift"), pk=pk)
    return gift_images.serve_image(revision.gift, index, images=revision.changes.get("images", []), size=request.GET.get("size"))


@login_required
def gift_detail(request, pk: int):
    require_role(request.user, GIFT_READERS)
    return _gift_page(request, get_object_or_404(_gifts(request), pk=pk))


def _gift_page(request, gift: Gift, *, failed: OfferedAction | None = None, status: int = 200):
    """A gift's page; `failed` is an action just posted and refused, shown with its errors next to its fields (answered
    with `status`)."""
    gift.image_urls = gift_images.image_urls(gift, "supplier-gift-image")
    table = ChangeTable()
    gift_revisions = list(list_revisions(actor=request.user).filter(gift=gift))
    for revision in gift_revisions:
        revision.rows = table.rows(gift, revision)
    context = {
        "gift": gift,
        "prices": [(table.programs.get(p.program.code, p.program.code), p.points_price) for p in gift.prices.all()],
        "discounts": table.show("tier_discounts", gift.tier_discounts),
        "stock": gift.stock_records.select_related("location"),
        "revisions": gift_revisions,
        "may_withdraw": request.user.role in SUPPLIER_ROLES,
        "history": history_of(gift),
        "actions": offered_actions(gift, request.user, failed=failed),
        "supplier_hold": cooperation.supplier_hold(gift),
        "editable": request.user.role in SUPPLIER_ROLES and gift.state in revisions.EDIT_IN_PLACE | revisions.EDIT_BY_REVISION,
        "action_next": request.POST.get("next") if failed else "",  # where the refused form was posted from, kept
    }
    return render(request, "suppliers/catalog/gift_detail.html", context, status=status)


@login_required
@require_POST
def gift_action(request, pk: int, name: str):
    """Run one gift action; refused, the gift's page comes back at once with the form as entered and each error next to
    its field, 400 for bad input (a reason missing or too long, a bad price), 409 for a step the gift's state or its
    supplier does not allow (an action no longer offered, the gift having moved on, says why in a message at the top),
    as the review page's approve / reject does (review_decision)."""
    action = GIFT_ACTIONS.get(name)
    if action is None:
        raise Http404
    gift = get_object_or_404(_gifts(request), pk=pk)
    require_role(request.user, action.roles)
    form = action.form(request.POST, auto_id=False)
    if act_with_form(request, form, action.service, gift=gift, transition=action.transition, success=lambda: _done(action, gift)):
        return redirect_back(request, reverse("gift-detail", args=[gift.pk]))
    gift.refresh_from_db()
    failed = OfferedAction(name, action, form)
    if not any(offered is failed for offered in offered_actions(gift, request.user, failed=failed)):
        report_form_errors(request, form)
    return _gift_page(request, gift, failed=failed, status=page_status((name, form)))


def _done(action: GiftAction, gift: Gift) -> str:
    """The success message of a gift action that ran: what the gift is now (or the action's own), and the link to the
    gift's next step if it has one."""
    done = action.done(gift) if action.done else state_reached(gift, gift)
    return format_html("{} {}", done, action.then(gift)) if action.then else done


REVIEW_QUEUES = ("gifts", "revisions", "approved")  # the tabs of the operators' review page; the first is the default
REVIEW_DECISIONS = ("approve", "reject")  # what the review page decides on a submitted gift (GIFT_ACTIONS)


@login_required
def review_queue(request, *, refused: tuple[Gift, str, forms.Form] | None = None):
    """The operators' review page: gifts submitted, changes to listed gifts, and approved gifts waiting to go online
    (each with its 上线 / 定时上线 actions, or, while its supplier lacks a qualification it needs, why it cannot go
    online instead), one tab each, searched alike (`refused`: (a submitted gift, the decision
    refused on it, its form sent back with the reason typed and the errors next to it); shown at the address the
    decision was posted to, the page filters and pages at its own)."""
    require_role(request.user, OPERATORS)
    queue = request.GET.get("queue") if request.GET.get("queue") in REVIEW_QUEUES else REVIEW_QUEUES[0]
    filters = ReviewQueueFilter(request.GET)
    q = filters.values().get("q", "")
    submitted, pending = catalog.review_queue()
    approved = catalog.publication_queue()
    if not filters.is_valid():
        submitted, pending, approved = submitted.none(), pending.none(), approved.none()
    elif q:
        submitted, approved = submitted.filter(_matching(q)), approved.filter(_matching(q))
        pending = pending.filter(_matching(q, "gift__"))
    counts = {"gifts": submitted.count(), "revisions": pending.count(), "approved": approved.count()}
    list_url = reverse("operator-gift-review")
    if queue == "revisions":
        rows = pending.select_related("gift__supplier", "gift__category", "requested_by").prefetch_related("gift__prices__program")
        context = paginate(request, rows.order_by("requested_at", "id"), list_url=list_url)
        table = ChangeTable()
        note_latest_changes(context["page_obj"])  # what each row's approve / reject form saw
        for revision in context["page_obj"]:
            revision.rows = table.rows(revision.gift, revision)
    else:
        gifts = submitted if queue == "gifts" else approved
        context = paginate(request, gifts.select_related("supplier", "category").prefetch_related("prices__program"), list_url=list_url)
        blocked = qualifications.publication_blockers(context["page_obj"], on=timezone.localdate()) if queue == "approved" else {}
        note_latest_changes(context["page_obj"])  # what each row's action forms saw
        for gift in context["page_obj"]:
            if queue == "approved":  # publishing or scheduling a blocked gift is refused: neither is offered
                gift.blocked = blocked.get(gift.pk, "")
                gift.actions = [] if gift.blocked else offered_actions(gift, request.user)
            else:  # its approve / reject form, the refused one as it was sent back
                gift.refused = refused[1] if refused and refused[0] == gift else ""
                gift.reason_form = refused[2] if gift.refused else ReasonInput(auto_id=False)
    if refused and not any(getattr(row, "refused", "") for row in context["page_obj"]):
        report_form_errors(request, refused[2])  # the gift has left the page (decided meanwhile): its errors as messages
    context |= {"queue": queue, "q": q, "counts": counts, "reason_form": ReasonInput(auto_id=False), "filters": filters,
                "next_path": posted_from(request, list_url) if refused else ""}
    return render(request, "suppliers/catalog/review_queue.html", context, status=page_status(refused[1:]) if refused else filters.status)


@login_required
@require_POST
def review_decision(request, pk: int, name: str):
    """Approve or reject a submitted gift on the review page: done, back to the page with a message; refused, the page
    again with the reason as typed and the error next to it, 400 for a reason missing or too long, 409 for a gift whose
    state or supplier does not allow it (the gift decided meanwhile, no longer listed: the error as a message)."""
    if name not in REVIEW_DECISIONS:
        raise Http404
    action = GIFT_ACTIONS[name]
    require_role(request.user, action.roles)
    gift = get_object_or_404(_gifts(request), pk=pk)
    form = action.form(request.POST, auto_id=False)
    if act_with_form(request, form, action.service, gift=gift, transition=action.transition, success=lambda: _done(action, gift)):
        return redirect_back(request, reverse("operator-gift-review"))
    return review_queue(request, refused=(gift, name, form))


@login_required
@require_POST
def revision_action(request, pk: int, name: str):
    """Approve, reject or withdraw a revision, back to the page it was sent from with a message; one decided, withdrawn
    or otherwise changed since that page was opened (its `seen`) is refused, saying who changed it, when and how."""
    service, success, roles = REVISION_ACTIONS.get(name, (None, None, None))
    if service is None:
        raise Http404
    revision = get_object_or_404(GiftRevision.objects.visible_to(request.user).select_related("gift"), pk=pk)
    require_role(request.user, roles)
    if not moved_on(request, revision, name):  # said at the top, whatever the reason held
        _act_on_revision(request, revision, service, success)
    if roles == SUPPLIER_ROLES:
        return redirect_back(request, reverse("gift-detail", args=[revision.gift_id]))
    return redirect_back(request, reverse("operator-gift-review") + "?queue=revisions")


def _act_on_revision(request, revision: GiftRevision, service: Callable, success) -> None:
    form = ReasonInput(request.POST)
    if not form.is_valid():
        send_back(request, form)
        return
    try:
        service(revision=revision, actor=request.user, now=timezone.now(), reason=form.cleaned_data["reason"])
    except DomainError as error:  # a rejection without its reason: next to the reason, with the page's other forms
        send_back_refusal(request, form, error)
    else:
        messages.success(request, labelled(success, revision.gift))


@login_required
def gift_admin(request):
    require_role(request.user, GIFT_STAFF)
    filters = FilterForm(request.GET, with_supplier=True)
    context = paginate(request, filters.apply(_gifts(request)))
    note_latest_changes(context["page_obj"])  # what each row's action forms saw
    for gift in context["page_obj"]:
        gift.actions = offered_actions(gift, request.user)
    return render(request, "suppliers/catalog/gift_admin.html", context | {"filters": filters}, status=filters.status)


#: who opens the stock pages (stock, movements, replenishment requests): whom the API shows them, finance too, which
#: settles the consignment these pages account for (SPEC §4.3)
STOCK_READERS = StockRecord.visibility.readers


def stock_filters(request) -> StockFilterForm:
    return StockFilterForm(request.GET, supplier_id=own_supplier_id(request.user))


@login_required
def stock(request, *, refused: tuple[Gift | StockRecord, str, forms.Form] | None = None):
    """Stock by gift and location: a supplier its own (and counts its dropship stock), operators, logistics and finance
    every supplier's, with the safety stock operators and logistics set per warehouse (`refused`: (the gift of an
    own-stock row or the stock record of a row of the table, which of its forms, the form sent back with its errors next
    to its fields and the values entered))."""
    require_role(request.user, STOCK_READERS)
    filters = stock_filters(request)
    shared = {name: filters.values().get(name) for name in ("q", "location", "location_kind")}
    records, movements, requests = (filters.apply(rows) for rows in stock_of(request.user, **filters.values()))
    context = paginate(request, records, list_url=reverse("supplier-stock")) | {
        "filters": filters,
        "movements": movements[:RECENT_MOVEMENTS],
        # the full list of movements opens filtered as this page is
        "movements_query": urlencode({key: getattr(value, "pk", value) for key, value in shared.items() if value}),
        "recent": RECENT_MOVEMENTS,
        "requests": requests,
        "today": timezone.localdate(),
        "own_stock": _own_stock(request.user, refused) if request.user.role in SUPPLIER_ROLES else [],
        "sets_safety_stock": request.user.role in inventory.SAFETY_STOCK_SETTERS,
        "opens_gifts": request.user.role in GIFT_READERS,
        "next_path": posted_from(request, reverse("supplier-stock")) if refused else "",
    }
    if context["sets_safety_stock"]:
        _add_safety_forms(request, context["page_obj"], refused)
    return render(request, "suppliers/catalog/stock.html", context, status=page_status(refused[1:]) if refused else filters.status)


def _add_safety_forms(request, records, refused: tuple[Gift | StockRecord, str, forms.Form] | None) -> None:
    """Each stock record of the page with its safety-stock form (the refused one as it was sent back; refused for a
    record no longer on the page, its errors become messages)."""
    refused_shown = False
    for record in records:
        record.safety_form = SafetyStockForm(initial={"safety_stock": record.safety_stock}, auto_id=False)
        if refused and refused[0] == record:
            record.safety_form, refused_shown = refused[2], True
    if refused and isinstance(refused[0], StockRecord) and not refused_shown:
        report_form_errors(request, refused[2])


TREND_DAYS = 14  # the trend's days when the filter names none
TREND_MAX_DAYS = 180  # the most days the trend shows: a longer range shows its last 180


def trend_window(*, today: date, date_from: date | None = None, date_to: date | None = None, **_filters) -> tuple[date, int]:
    """The last day and the number of days of the stock trend for the movements' day filter: up to `date_to` (at most
    today), from `date_from`, or the TREND_DAYS days up to it; at most TREND_MAX_DAYS days."""
    until = min(date_to or today, today)
    days = (until - date_from).days + 1 if date_from and date_from <= until else TREND_DAYS
    return until, min(days, TREND_MAX_DAYS)


@login_required
def stock_movements(request):
    """Every stock movement the user may see, filtered and paginated, under the trend of units on hand for the same
    gifts and locations over the filter's days (by default the last two weeks; `trend_window`)."""
    require_role(request.user, STOCK_READERS)
    filters = MovementFilterForm(request.GET, supplier_id=own_supplier_id(request.user))
    today = timezone.localdate()
    until, days = trend_window(today=today, **filters.values())
    if filters.is_valid():
        listed, trend = stock_movements_of(request.user, today=today, days=days, until=until, **filters.values())
    else:  # neither the table nor the chart pretends to answer (core.forms.ListFilter)
        listed, trend = StockMovement.objects.none(), []
    title = _("%(first)s 至 %(last)s 每日在库数量") % {"first": f"{until - timedelta(days=days - 1):%Y-%m-%d}", "last": f"{until:%Y-%m-%d}"}
    context = paginate(request, listed, per_page=50) | {
        "filters": filters, "opens_gifts": request.user.role in GIFT_READERS, "trend_title": title,
        "gift": filters.values().get("gift"),
        "chart": bar_chart([(day, units) for day, units in trend], title=title, columns=(_("日期"), _("在库数量（件）"))),
    }
    return render(request, "suppliers/catalog/stock_movements.html", context, status=filters.status)


def own_supplier_id(user) -> int | None:
    """A supplier user's supplier (whose own location its filters offer besides the warehouses), else None."""
    return user.supplier_id if user.role in SUPPLIER_ROLES else None


def _own_stock(user, refused: tuple[int, str, forms.Form] | None = None) -> list[Gift]:
    """The supplier's dropship gifts (not retired), each with the units available at its own location and the safety
    stock it set there, and its count and safety-stock forms (the refused one as it was sent back)."""
    gifts = list(Gift.objects.filter(supplier_id=user.supplier_id, fulfilment=Gift.Fulfilment.DROPSHIP)
                 .exclude(state=Gift.State.RETIRED).order_by("sku"))
    own = {gift_id: (units, safety) for gift_id, units, safety in StockRecord.objects.filter(gift__in=gifts, location__kind="dropship")
           .values_list("gift_id").annotate(units=Sum(F("on_hand") - F("reserved")), safety=Sum("safety_stock"))}
    for gift in gifts:
        gift.own_available, gift.own_safety_stock = own.get(gift.pk, (0, 0))
        gift.own_below_safety_stock = below_safety_stock(gift.own_available, gift.own_safety_stock)
        gift.count_form = OwnStockCountForm(initial={"available": gift.own_available, "counted_from": gift.own_available}, auto_id=False)
        gift.safety_form = SafetyStockForm(initial={"safety_stock": gift.own_safety_stock}, auto_id=False)
        if refused and refused[0] == gift:
            setattr(gift, refused[1], _shown_again(refused[2], gift.own_available))
    return gifts


def _shown_again(form: forms.Form, available: int) -> forms.Form:
    """A refused form of an own-stock row as the row shows it again, with its values; a count made from a figure that
    has changed since shows the new figure in place of the count entered, which was made from the old one, so that
    sending it again unchanged books nothing and a new count is made from the new figure."""
    if "counted_from" in form.fields and form.data.get("counted_from") != str(available):
        form.data = form.data.copy()
        form.data["counted_from"] = form.data["available"] = str(available)
    return form


@login_required
@require_POST
def safety_stock(request, pk: int):
    """Logistics or an operator sets the safety stock of one gift at one location (below it, a replenishment request)."""
    require_role(request.user, inventory.SAFETY_STOCK_SETTERS)
    record = get_object_or_404(StockRecord.objects.visible_to(request.user).select_related("gift", "location"), pk=pk)
    form = SafetyStockForm(request.POST, auto_id=False)
    if act_with_form(request, form, _set_safety_stock, gift=record.gift, location=record.location,
                     success=_("%(sku)s 安全库存已更新") % {"sku": record.gift.sku}):
        return redirect_back(request, reverse("supplier-stock"))
    return stock(request, refused=(record, "safety_form", form))


def _set_safety_stock(*, now, **arguments):
    """inventory.set_safety_stock called as act_with_form calls a service (the time as `now`)."""
    return inventory.set_safety_stock(at=now, **arguments)


@login_required
@require_POST
def stock_count(request, pk: int):
    """A dropship supplier states how many units of one of its gifts it has ready to ship, and why."""
    return _own_stock_action(request, pk, inventory.count_own_stock, _("%(sku)s 自有库存已更新"), OwnStockCountForm, "count_form")


@login_required
@require_POST
def own_safety_stock(request, pk: int):
    """A dropship supplier sets the safety stock of one of its gifts at its own location (below it: a notice)."""
    return _own_stock_action(request, pk, inventory.set_own_safety_stock, _("%(sku)s 安全库存已更新"), SafetyStockForm, "safety_form")


def _own_stock_action(request, pk: int, service, success: str, form_class: type[forms.Form], form_name: str):
    """One service call on a supplier's own stock of one of its gifts (another supplier's: 404): done, back to the stock
    page with a message; refused, the stock page again with the errors next to the fields of the gift's row."""
    require_role(request.user, SUPPLIER_ROLES)
    gift = get_object_or_404(Gift.objects.visible_to(request.user), pk=pk)
    form = form_class(request.POST, auto_id=False)
    if act_with_form(request, form, service, gift=gift, success=success % {"sku": gift.sku}):
        return redirect("supplier-stock")
    return stock(request, refused=(gift, form_name, form))
