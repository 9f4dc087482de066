"""Portal pages of complaints and suggestions (SPEC §4.9).

Members open complaints about their orders or gifts, read the answer, resolve it, say it is still unresolved or reopen; operators triage the queue
(overdue and escalated first) and record callers' complaints; the responsible party (a supplier, logistics staff,
operators) answers before the deadline; suppliers send suggestions. Each view parses its input, makes one service
call and renders; every read starts from the service's scoped list, so a complaint one may not see is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.errors import DomainError
from core.fsm import history_of
from core.masking import mask_phone
from core.numbers import typed_number
from core.pages import (
    add_service_errors, create_with_form, form_status, moved_on, named_step, paginate, report_form_errors, send_back, state_reached,
)
from core.roles import OPERATORS, STAFF_ROLES, SUPPLIER_ROLES, Role, has_role
from core.validators import id_or_none
from points.forms_complaints import (
    ComplaintFilterForm,
    DisputeForm,
    HotlineComplaintForm,
    MemberComplaintFilterForm,
    MemberComplaintForm,
    ReasonForm,
    RespondForm,
    SuggestionForm,
    SupplierComplaintForm,
    TriageForm,
)
from points.models import Complaint
from points.models.complaints import Party
from points.privacy import read_complainant_contact
from points.services import complaints
from suppliers.models import Gift, Supplier

MEMBER = frozenset({Role.MEMBER})
DESKS = complaints.RESPONDER_ROLES  # who opens the complaint desk: whoever answers for a party (operators triage there too)
STAFF = STAFF_ROLES  # who opens the orders' and suppliers' staff pages (points.views_operator admits the same)


@dataclass(frozen=True)
class ComplaintAction:
    """A button on a complaint: the service it calls, the form it takes and who is offered it."""

    label: str
    service: Callable
    form: type[forms.Form]  # an ActionForm: it takes the complaint
    offered_to: Callable  # (user, complaint, now) → bool
    may: Callable  # (user, complaint) → bool: whether the step is the user's at all, whatever the complaint's state
    style: str = ""
    transition: str | None = ""  # the FSM transition it takes, when not its own name; None: it changes no state


def _own(user, complaint: Complaint, now=None) -> bool:
    return complaints.is_complainant(user=user, complaint=complaint)


def _operator(user, complaint: Complaint) -> bool:
    return complaints.operates(user)


def _responder(user, complaint: Complaint) -> bool:
    return complaints.answers_for(user=user, complaint=complaint)


ACTIONS = {
    "take": ComplaintAction(
        gettext_lazy("由运营方受理"), complaints.take_complaint, ReasonForm,
        lambda user, c, now: complaints.may_take(user=user, complaint=c), _operator, transition="triage",
    ),
    "triage": ComplaintAction(
        gettext_lazy("分派"), complaints.triage_complaint, TriageForm, lambda user, c, now: _operator(user, c), _operator,
    ),
    "respond": ComplaintAction(
        gettext_lazy("提交答复"), complaints.respond_to_complaint, RespondForm,
        lambda user, c, now: complaints.may_respond(user=user, complaint=c),
        _responder,
    ),
    "resolve": ComplaintAction(gettext_lazy("问题已解决"), complaints.resolve_complaint, ReasonForm, _own, _own),
    "dispute": ComplaintAction(gettext_lazy("仍未解决"), complaints.dispute_answer, DisputeForm, _own, _own, "danger"),
    "reopen": ComplaintAction(
        gettext_lazy("重新打开"), complaints.reopen_complaint, ReasonForm,
        lambda user, c, now: complaints.may_reopen(user=user, complaint=c, now=now), _own, "danger",
    ),
    "remind": ComplaintAction(
        gettext_lazy("催办"), complaints.remind_responsible, ReasonForm,
        lambda user, c, now: complaints.may_remind(user=user, complaint=c, now=now), _operator, transition=None,
    ),
}


def offered_actions(complaint: Complaint, user, now) -> list[tuple[str, ComplaintAction, forms.Form]]:
    """The steps the user takes on the complaint in its current state, each with an empty form."""
    available = {t.name for t in complaint.get_available_state_transitions()}
    return [
        (name, action, action.form(auto_id=False, complaint=complaint)) for name, action in ACTIONS.items()
        if (action.transition is None or (action.transition or name) in available) and action.offered_to(user, complaint, now)
    ]


# --- members -----------------------------------------------------------------------------------------------------

@login_required
def member_complaints(request):
    require_role(request.user, MEMBER)
    filters = MemberComplaintFilterForm(request.GET)
    rows = filters.apply(complaints.list_complaints(user=request.user, now=timezone.now(), ordered=False, **filters.values()))
    context = paginate(request, rows) | {"filters": filters}
    return render(request, "points/complaints/member_list.html", context, status=filters.status)


@login_required
def member_complaint_new(request):
    require_role(request.user, MEMBER)
    initial = {name: request.GET.get(name) for name in ("order", "gift") if id_or_none(request.GET.get(name))}
    if title := request.GET.get("title", "").strip()[:200]:  # a link that asks for something names it (e.g. a cancellation)
        initial["title"] = title
    form = MemberComplaintForm(request.POST or None, user=request.user, initial=initial)
    if done := _created_once(request, form, "complaint", complaints.open_complaint, form.entered,
                             lambda pk: _("投诉已提交，客服会尽快分派处理。"), lambda pk: redirect("complaint", pk=pk), page="complaint"):
        return done
    return render(request, "points/complaints/member_form.html", {"form": form}, status=form_status(form))


# --- the desk: operators, logistics staff and suppliers ------------------------------------------------------------

@login_required
def complaint_desk(request):
    require_role(request.user, DESKS)
    now = timezone.now()
    filters, rows = listed_complaints(request, now=now)
    context = paginate(request, filters.apply(rows), by_id=True)  # the reminders of the page's complaints only are counted
    for complaint in context["page_obj"]:  # an opener's row shows no deadline, lateness or chasing, as its page does
        complaint.progress = complaints.progress_shown(user=request.user, complaint=complaint, now=now)
        complaint.chase_shown = not complaints.reads_as_opener(user=request.user, complaint=complaint)
    return render(request, "points/complaints/desk.html", context | {"filters": filters, "is_operator": has_role(request.user, OPERATORS)},
                  status=filters.status)


def listed_complaints(request, *, now):
    """The desk's filter form and the complaints the user may see, in the queue's order, narrowed by the service's
    filters only: the desk and its download list the same rows."""
    filters = ComplaintFilterForm(request.GET, reader=request.user)
    return filters, complaints.list_complaints(user=request.user, now=now, **filters.values())


@login_required
def hotline_complaint_new(request):
    """Record a caller's complaint; `?order=<number>` (the order page's 登记投诉) or `?member=<id>` (the member page's)
    fills in whom it is about."""
    require_role(request.user, OPERATORS)
    initial = {"order_number": typed_number(request.GET.get("order", ""))[:40], "member": id_or_none(request.GET.get("member"))}
    form = HotlineComplaintForm(request.POST or None, initial=initial)
    if done := _created_once(request, form, "hotline-complaint", complaints.open_complaint, form.values,
                             lambda pk: _("已代会员登记投诉 %(number)s") % {"number": _number(pk)},
                             lambda pk: redirect("complaint", pk=pk), page="complaint", aliases={"member": "member_phone", "order": "order_number"}):
        return done
    member = form.named_member()
    return render(request, "points/complaints/hotline_form.html", {"form": form, "member": member,
                  "masked_phone": mask_phone(member.phone) if member else ""}, status=form_status(form))


@login_required
def supplier_complaint_new(request):
    """A complaint about a supplier (a supplier's user: about another), with those the user opened below the form."""
    require_role(request.user, complaints.PUBLIC_OPENERS)
    form = SupplierComplaintForm(request.POST or None, user=request.user)
    if done := _created_once(request, form, "supplier-complaint", complaints.open_complaint, form.entered,
                             lambda pk: _("投诉 %(number)s 已提交，运营方会尽快分派处理。") % {"number": _number(pk)},
                             lambda pk: redirect("complaint", pk=pk), page="complaint"):
        return done
    rows = complaints.opened_by(request.user).select_related("supplier")
    return render(request, "points/complaints/supplier_form.html", paginate(request, rows) | {"form": form},
                  status=form_status(form, 400 if form.errors else 200))


def _created_once(request, form, name: str, service: Callable, values: Callable[[], dict], message: Callable[[int], str],
                  to: Callable, *, aliases: dict[str, str] | None = None, page: str = ""):
    """What a valid form asks `service` to create, created once per form (core.pages.create_with_form): the response
    `to(pk)`, with `message(pk)` the first time; None while the form is unsent, invalid or refused by the service (its
    errors then next to the fields, `aliases` mapping the service's names to the form's)."""
    if created := create_with_form(request, form, name, service, values=values, aliases=aliases, success=message, page=page):
        return to(created[0])
    return None


def _number(pk: int) -> str:
    """The number of the complaint or suggestion just created from a form (`create_once` answers its id)."""
    return Complaint.objects.values_list("number", flat=True).get(pk=pk)


@login_required
def complaint_detail(request, pk: int):
    now = timezone.now()
    complaint = get_object_or_404(complaints.list_complaints(user=request.user, now=now, ordered=False), pk=pk)
    return _render_detail(request, complaint, now)


def _render_detail(request, complaint: Complaint, now, *, status: int = 200):
    opener = complaints.reads_as_opener(user=request.user, complaint=complaint)
    progress = complaints.progress_shown(user=request.user, complaint=complaint, now=now)
    context = {
        "complaint": complaint,
        "contact": read_complainant_contact(complaint=complaint, user=request.user, now=now),
        "links": _links(request.user, complaint),
        "waits_for": WAITS_FOR.get(progress.waits_for, ""),
        "overdue": progress.overdue,
        "deadline": progress.deadline,
        "opener": opener,
        "actions": offered_actions(complaint, request.user, now),
        "remind_paused": complaints.remind_paused(user=request.user, complaint=complaint, now=now),
        "deadlines": complaints.deadlines_of(complaint, request.user),
        "reminders": complaints.reminders_of(complaint, request.user),
        "history": history_of(complaint),
        "is_member": request.user.role == Role.MEMBER,
        "back": "complaint-about-supplier" if opener else _list_of(request.user, complaint),
        "reopen_until": complaints.reopen_until(complaint),
    }
    return render(request, "points/complaints/detail.html", context, status=status)


WAITS_FOR = {
    complaints.WAITS_FOR_TRIAGE: gettext_lazy("等待运营方分派"),
    Party.SUPPLIER: gettext_lazy("等待礼品商答复"),
    Party.LOGISTICS: gettext_lazy("等待物流商答复"),
    Party.OPERATOR: gettext_lazy("等待运营方答复"),
    complaints.WAITS_FOR_MEMBER: gettext_lazy("等待会员确认答复"),
}


def _links(user, complaint: Complaint) -> dict[str, str]:
    """The pages of the complaint's member, order, gift and supplier that the user opens (none where it has no such
    page): the operators' member page, as the staff's order page links its member for them."""
    role, links = user.role, {}
    if complaint.member_id and has_role(user, OPERATORS):
        links["member"] = reverse("operator-member", args=[complaint.member_id])
    if complaint.order_id:
        if role == Role.MEMBER:
            links["order"] = reverse("member-order", args=[complaint.order_id])
        elif role in STAFF:
            links["order"] = reverse("operator-order", args=[complaint.order_id])
        elif role in SUPPLIER_ROLES and complaint.order.supplier_id == user.supplier_id:
            links["order"] = f"{reverse('supplier-orders')}?{urlencode({'q': complaint.order.number})}"
    if complaint.gift_id:
        if role == Role.MEMBER and complaint.gift.state == Gift.State.ONLINE:  # the catalog shows gifts online only
            links["gift"] = reverse("member-gift", args=[complaint.gift_id])
        elif role == Role.OPERATOR or (role in SUPPLIER_ROLES and complaint.gift.supplier_id == user.supplier_id):
            links["gift"] = reverse("gift-detail", args=[complaint.gift_id])
    if complaint.supplier_id and role in Supplier.visibility.staff:  # the supplier pages are the staff's
        links["supplier"] = reverse("operator-supplier-detail", args=[complaint.supplier_id])
    return links


def _list_of(user, complaint: Complaint) -> str:
    if user.role == Role.MEMBER:
        return "member-complaints"
    if user.role in SUPPLIER_ROLES and complaint.kind == Complaint.Kind.SUGGESTION:
        return "supplier-suggestions"
    return "complaint-desk"


@login_required
@require_POST
def complaint_action(request, pk: int, name: str):
    action = named_step(ACTIONS, name)
    now = timezone.now()
    complaint = get_object_or_404(complaints.list_complaints(user=request.user, now=now, ordered=False), pk=pk)
    if not action.may(request.user, complaint):  # another's step is refused as such, whatever the state (SPEC §4: 403)
        raise PermissionDenied
    transition = name if action.transition == "" else action.transition
    if transition and (status := moved_on(request, complaint, transition)):  # whatever the form held
        return _render_detail(request, complaint, now, status=status)  # its page as it is now, with why (SPEC §4: 409)
    form = action.form(request.POST, complaint=complaint)
    if form.is_valid():
        try:
            action.service(complaint=complaint, actor=request.user, now=now, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _complaint_done(complaint, action))
            return redirect("complaint", pk=complaint.pk)
    # refused: back next to its fields when the page still offers the step, else as messages (nothing typed is lost
    # without a word)
    complaint = Complaint.objects.get(pk=complaint.pk)  # as it is now: the service may have found it moved on
    if any(offered == name for offered, _action, _form in offered_actions(complaint, request.user, now)):
        send_back(request, form)
    else:
        report_form_errors(request, form)
    return redirect("complaint", pk=complaint.pk)


REMINDED = {
    Party.SUPPLIER: gettext_lazy("已催办礼品商答复：%(number)s"),
    Party.LOGISTICS: gettext_lazy("已催办物流商答复：%(number)s"),
}


def _complaint_done(complaint: Complaint, action: ComplaintAction) -> str:
    """What a step did: the state the complaint is in now, or for a step that changes none (催办) whom it chased."""
    if action.transition is None:
        return REMINDED[complaint.responsible] % {"number": complaint.number}
    return state_reached(complaint, complaint.number)


# --- suggestions -------------------------------------------------------------------------------------------------

@login_required
def supplier_suggestions(request):
    require_role(request.user, SUPPLIER_ROLES)
    form = SuggestionForm(request.POST or None)
    if done := _created_once(request, form, "suggestion", complaints.send_suggestion, form.entered,
                             lambda pk: _("建议 %(number)s 已提交给运营方。") % {"number": _number(pk)},
                             lambda pk: redirect("supplier-suggestions")):
        return done
    rows = complaints.list_complaints(user=request.user, now=timezone.now(), kind=Complaint.Kind.SUGGESTION, ordered=False)
    return render(request, "points/complaints/suggestions.html", paginate(request, rows) | {"form": form}, status=form_status(form))
