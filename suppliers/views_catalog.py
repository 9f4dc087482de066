"""Portal pages of the gift catalog (SPEC §4.2): a supplier's gifts, their pictures, actions and changes, and the
operators' review page and list of every supplier's gifts (the stock pages: suppliers.views_stock).

Each view parses its input, makes one service call and renders; the rules live in suppliers.services.
Every query starts from `visible_to(request.user)`, so another supplier's gift is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
from core.errors import DomainError
from core.fsm import history_of, note_latest_changes
from core.models import Program, Tier
from core.pages import (
    act_sending_back, act_with_form, add_service_errors, bad_input_is_400, form_status, labelled, moved_on, named_step, page_status, paginate, posted_from,
    redirect_back, report_form_errors, state_reached,
)
from core.roles import OPERATORS, SETTLEMENT_BLIND_ROLES, SUPPLIER_ROLES
from core.texts import moment
from suppliers.forms_catalog import (
    ClearanceInput, DelistInput, FilterForm, GiftForm, NoInput, ReasonInput, RequiredReasonInput, ReviewQueueFilter, ScheduleInput, SERVICE_FIELDS, current_values,
)
from suppliers.models import Category, Gift, GiftRevision, Supplier
from suppliers.selectors import matching as _matching
from suppliers.selectors import LISTED, list_revisions, list_safety_stock_changes
from suppliers.services import catalog, cooperation, gift_images, qualifications, revisions

#: who opens a gift's page: whom the API shows gifts to (core.tenancy.Visibility) but those blind to settlement money
#: (SPEC §4.13), as the page shows the settlement price the API leaves out for them: logistics reads stock, not gifts
GIFT_READERS = Gift.visibility.readers - SETTLEMENT_BLIND_ROLES
GIFT_STAFF = GIFT_READERS - SUPPLIER_ROLES  # who opens the list of every supplier's gifts
RECENT_SAFETY_STOCK_CHANGES = 10  # the gift page's latest changes of its safety stock levels, all of them in the API


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
        ReasonInput, "danger", confirm=gettext_lazy("下线后该礼品立即从积分商城下架，重新上线须经运营审核。确定申请下线？"),
    ),
    "request_relisting": GiftAction(gettext_lazy("申请重新上线"), catalog.request_relisting, SUPPLIER_ROLES, "request_relisting", ReasonInput),
    "approve": GiftAction(gettext_lazy("审核通过"), catalog.approve_gift, OPERATORS, "approve", ReasonInput, then=_to_publish),
    "reject": GiftAction(gettext_lazy("驳回"), catalog.reject_gift, OPERATORS, "reject", ReasonInput, "danger"),
    "publish": GiftAction(gettext_lazy("立即上线"), catalog.publish_gift, OPERATORS, "publish"),
    "schedule": GiftAction(gettext_lazy("定时上线"), revisions.schedule_publication, OPERATORS, "publish", ScheduleInput, "secondary",
                           done=_scheduled),
    "cancel_schedule": GiftAction(gettext_lazy("取消定时上线"), revisions.cancel_publication_schedule, OPERATORS, "cancel_schedule",
                                  RequiredReasonInput, "secondary", done=lambda gift: _("%(gift)s 的定时上线已取消") % {"gift": gift}),
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


def _gifts(request):
    return Gift.objects.visible_to(request.user).select_related("supplier", "category").prefetch_related("prices__program")


@login_required
def gift_list(request):
    require_role(request.user, SUPPLIER_ROLES)
    filters = FilterForm(request.GET, reader=request.user)
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
                messages.success(request, _("修改已提交审核；审核通过前，线上版本照常销售。") if result.gift.state in LISTED
                                 else _("修改已提交审核，审核通过后生效。"))
            else:
                messages.success(request, _("已保存。"))
            return redirect("gift-detail", pk=gift.pk)
    form.keep_uploads()
    context = {"form": form, "gift": gift, "by_revision": gift.state in revisions.EDIT_BY_REVISION, "on_sale": gift.state in LISTED}
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
    safety_stock_changes = list_safety_stock_changes(actor=request.user, gift_id=gift.pk)
    context = {
        "gift": gift,
        "prices": [(table.programs.get(p.program.code, p.program.code), p.points_price) for p in gift.prices.all()],
        "discounts": table.show("tier_discounts", gift.tier_discounts),
        "stock": gift.stock_records.select_related("location"),
        "safety_stock_changes": list(safety_stock_changes[:RECENT_SAFETY_STOCK_CHANGES]),
        "safety_stock_change_count": safety_stock_changes.count(),
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
    action = named_step(GIFT_ACTIONS, name)
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


REVIEW_QUEUES = ("gifts", "revisions", "approved")  # the tabs of the operators' review page, opened on the first with rows
REVIEW_DECISIONS = ("approve", "reject")  # what the review page decides on a submitted gift (GIFT_ACTIONS)


#: how many of a gift's pictures its row of the review page shows, as thumbnails (the rest on the gift's page)
QUEUE_PICTURES = 3


@login_required
def review_queue(request, *, refused: tuple[Gift, str, forms.Form] | None = None):
    """The operators' review page: gifts submitted, changes to listed gifts, and approved gifts waiting to go online
    (each with its 上线 / 定时上线 actions, or, while its supplier lacks a qualification it needs, why it cannot go
    online instead), one tab each, searched alike, each sorted by its own headings (a change's tab, oldest first
    unless asked otherwise), opened on the first tab with rows unless one is asked for
    (`refused`: (a submitted gift, the decision
    refused on it, its form sent back with the reason typed and the errors next to it); shown at the address the
    decision was posted to, the page filters and pages at its own)."""
    require_role(request.user, OPERATORS)
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
    queue = _opened_queue(request, counts, refused=refused is not None)
    filters = ReviewQueueFilter.of_queue(queue)(request.GET)  # the search again, and the tab's order (its headings')
    list_url = reverse("operator-gift-review")
    if queue == "revisions":
        rows = pending.select_related("gift__supplier", "gift__category", "requested_by").prefetch_related("gift__prices__program")
        context = paginate(request, filters.apply(rows.order_by("requested_at", "id")), list_url=list_url)
        table = ChangeTable()
        note_latest_changes(context["page_obj"])  # what each row's approve / reject form saw
        for revision in context["page_obj"]:
            revision.rows = table.rows(revision.gift, revision)
    else:
        gifts = submitted if queue == "gifts" else approved
        gifts = gifts.select_related("supplier", "category").prefetch_related("prices__program")
        context = paginate(request, filters.apply(gifts), list_url=list_url)
        blocked = qualifications.publication_blockers(context["page_obj"], on=timezone.localdate()) if queue == "approved" else {}
        note_latest_changes(context["page_obj"])  # what each row's action forms saw
        for gift in context["page_obj"]:
            # its first pictures (the list held on the gift's own row: no query more), so it is approved having seen them
            gift.image_urls = gift_images.image_urls(gift, "supplier-gift-image", images=(gift.images or [])[:QUEUE_PICTURES])
            if queue == "approved":  # publishing or scheduling a blocked gift is refused: neither is offered
                gift.blocked = blocked.get(gift.pk, "")
                gift.actions = [] if gift.blocked else offered_actions(gift, request.user)
            else:  # its approve / reject form, the refused one as it was sent back
                gift.refused = refused[1] if refused and refused[0] == gift else ""
                gift.reason_form = refused[2] if gift.refused else ReasonInput(auto_id=False)
    if refused and not any(getattr(row, "refused", "") for row in context["page_obj"]):
        report_form_errors(request, refused[2])  # the gift has left the page (decided meanwhile): its errors as messages
    here = posted_from(request, list_url) if refused else _tab_address(request, list_url, queue)
    context |= {"queue": queue, "q": q, "counts": counts, "reason_form": ReasonInput(auto_id=False), "filters": filters,
                "next_path": here, "action_next": here}
    return render(request, "suppliers/catalog/review_queue.html", context, status=page_status(refused[1:]) if refused else filters.status)


def _opened_queue(request, counts: dict[str, int], *, refused: bool) -> str:
    """The tab the review page shows: the one asked for, else the first with rows (what the navigation's badge counts
    is then on the page it opens), else the first; a refused decision's page shows the submitted gifts it was on."""
    asked = request.GET.get("queue")
    if asked in REVIEW_QUEUES:
        return asked
    if refused:
        return REVIEW_QUEUES[0]
    return next((queue for queue in REVIEW_QUEUES if counts[queue]), REVIEW_QUEUES[0])


def _tab_address(request, list_url: str, queue: str) -> str:
    """The address of the page shown, naming its tab: where its forms lead back to, to the same tab whatever waits in
    the others by then."""
    params = request.GET.copy()
    params["queue"] = queue
    return f"{list_url}?{params.urlencode()}"


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
    service, success, roles = named_step(REVISION_ACTIONS, name)
    revision = get_object_or_404(GiftRevision.objects.visible_to(request.user).select_related("gift"), pk=pk)
    require_role(request.user, roles)
    if not moved_on(request, revision, name):  # said at the top, whatever the reason held
        # a rejection without its reason: next to the reason, with the page's other forms
        act_sending_back(request, ReasonInput(request.POST), service, revision=revision, success=lambda: labelled(success, revision.gift))
    if roles == SUPPLIER_ROLES:
        return redirect_back(request, reverse("gift-detail", args=[revision.gift_id]))
    return redirect_back(request, reverse("operator-gift-review") + "?queue=revisions")


@login_required
def gift_admin(request):
    require_role(request.user, GIFT_STAFF)
    filters = FilterForm(request.GET, reader=request.user)
    context = paginate(request, filters.apply(_gifts(request)))
    note_latest_changes(context["page_obj"])  # what each row's action forms saw
    for gift in context["page_obj"]:
        gift.actions = offered_actions(gift, request.user)
    return render(request, "suppliers/catalog/gift_admin.html", context | {"filters": filters}, status=filters.status)
