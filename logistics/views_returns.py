"""Portal pages of returns and exchanges, extra costs and logistics claims (SPEC §4.6, §4.7).

Members request returns of their delivered orders and follow them; operators approve or reject and inspect
dropship returns; logistics staff receive and inspect warehouse returns; suppliers see their returns and
record receipt of dropship ones. Each view parses its input, makes one service call and renders; every
read starts from the services' scoped lists, so another tenant's row is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.errors import DomainError
from core.files import serve
from core.fsm import history_of, note_latest_changes
from core.pages import (
    act_with_form, action_forms, add_service_errors, create_with_form, form_status, named_step, page_status, paginate, posted_from,
    redirect_back, report_form_errors, step_from_page,
)
from core.roles import SUPPLIER_ROLES, Role, has_role
from core.texts import yuan
from core.validators import id_or_none
from logistics.forms_returns import (
    ClaimFilterForm,
    CostFilterForm,
    ExtraCostForm,
    InspectForm,
    LostParcelForm,
    ReasonForm,
    ReceiveForm,
    RefundInsteadForm,
    RejectForm,
    ReshipReplacementForm,
    ReturnFilterForm,
    ReturnRequestForm,
    SendBackAgainForm,
    SplitForm,
    VoidCostForm,
)
from logistics.forms_claims import CorrectClaimForm, RejectClaimForm, SettleClaimForm, WithdrawLostReportForm
from logistics.models import ExtraCost, LogisticsClaim, ReturnRequest, Tariff
from logistics.selectors import goods_back_of
from logistics.services import claims, costs, return_split, returns
from points.models import RedemptionOrder

MEMBER = frozenset({Role.MEMBER})
RETURN_DESKS = frozenset({Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES})
# who opens the pages of extra costs and logistics claims: whom the API shows them to (core.tenancy.Visibility)
COST_READERS = ExtraCost.visibility.readers
COST_RECORDERS = frozenset({Role.OPERATOR, Role.LOGISTICS})
CLAIM_READERS = LogisticsClaim.visibility.readers
PARCEL_REPORTERS = claims.REPORTERS
COST_FIELDS = {"order": "order_number", "inbound": "inbound_number"}  # service field → form field


@dataclass(frozen=True)
class ReturnAction:
    """A button on a return: the service it calls and the form it takes; `returns.WHO` says who may press it."""

    label: str
    service: Callable
    form: type[forms.Form] = ReasonForm
    style: str = ""
    confirm: str = ""  # asked in the browser before the form is sent
    takes: str = ""  # the keyword by which the form takes the return or claim acted on, when its fields depend on it

    def form_for(self, subject: ReturnRequest | LogisticsClaim, *args, **kwargs) -> forms.Form:
        return self.form(*args, **kwargs, **({self.takes: subject} if self.takes else {}))


RETURN_ACTIONS = {
    "approve": ReturnAction(gettext_lazy("同意退换货"), returns.approve_return),
    "reject": ReturnAction(gettext_lazy("拒绝"), returns.reject_return, RejectForm, "danger"),
    "receive": ReturnAction(gettext_lazy("确认收到退货"), returns.receive_return, ReceiveForm, takes="return_request"),
    "split": ReturnAction(
        gettext_lazy("拆分"), return_split.split_return, SplitForm, takes="return_request",
        confirm=gettext_lazy("拆出的件数将成为一张新的退换货单，分别检验处理，确定拆分？"),
    ),
    "inspect": ReturnAction(gettext_lazy("提交检验结论"), returns.inspect_return, InspectForm, takes="return_request"),
    "send_back_again": ReturnAction(gettext_lazy("重新寄回会员"), returns.send_back_again, SendBackAgainForm),
    "reship_replacement": ReturnAction(
        gettext_lazy("重新发出换货"), returns.reship_replacement, ReshipReplacementForm,
        confirm=gettext_lazy("将从原发货地重新预留库存并发出换货，确定重新发出？"), takes="return_request",
    ),
    "refund_instead": ReturnAction(
        gettext_lazy("改为退积分"), returns.refund_instead, RefundInsteadForm, "danger",
        confirm=gettext_lazy("将退还本次退换数量的积分，不再发出换货，确定改为退积分？"),
    ),
}
#: finance's steps on a logistics claim's page (SPEC §4.6): accept it, correct its figures or reject it while it is
#: open, settle it with what was received
CLAIM_ACTIONS = {
    "accept": ReturnAction(gettext_lazy("确认索赔"), claims.accept_claim),
    "correct": ReturnAction(gettext_lazy("更正金额/数量"), claims.correct_claim, CorrectClaimForm),
    "reject": ReturnAction(gettext_lazy("驳回索赔"), claims.reject_claim, RejectClaimForm, "danger",
                           confirm=gettext_lazy("驳回后物流商不再赔付此索赔，确定驳回？")),
    "settle": ReturnAction(gettext_lazy("结清"), claims.settle_claim, SettleClaimForm, takes="claim"),
    "withdraw": ReturnAction(
        gettext_lazy("撤回丢失报告"), claims.withdraw_lost_parcel_report, WithdrawLostReportForm,
        confirm=gettext_lazy("撤回后索赔作废，运单和订单改为已签收，确定撤回丢失报告？"),
    ),
}
#: who takes each step on a claim: finance, except withdrawing a loss report (logistics staff or an operator)
CLAIM_ACTION_ROLES = {"withdraw": claims.REPORTERS}


def offered_actions(request, return_request: ReturnRequest, *, refused: tuple[str, forms.Form] | None = None
                    ) -> list[tuple[str, ReturnAction, forms.Form]]:
    """The steps the user takes on the return in its current state, each with an empty form (or, for the step named in
    `refused`, the form sent back with its errors and the values entered)."""
    available = {t.name for t in return_request.get_available_state_transitions()}
    offered = [(name, replace(action, form=partial(action.form_for, return_request))) for name, action in RETURN_ACTIONS.items()
               if name in available and returns.may_take(user=request.user, return_request=return_request, step=name)]
    return action_forms(request, offered, refused=refused)


# --- member ------------------------------------------------------------------------------------------------------

@login_required
def member_returns(request):
    require_role(request.user, MEMBER)
    rows = returns.list_returns(user=request.user).filter(order__member_id=request.user.member_id)
    context = paginate(request, rows) | {"returnable": returns.returnable_orders(user=request.user, now=timezone.now())}
    return render(request, "logistics/returns/member_list.html", context)


@login_required
def member_return_request(request, order_pk: int):
    require_role(request.user, MEMBER)
    own = RedemptionOrder.objects.visible_to(request.user).filter(member_id=request.user.member_id)
    order = get_object_or_404(own.select_related("gift"), pk=order_pk)
    allowed = returns.returnable(order, timezone.now())
    if request.method != "POST" and allowed.refusal:  # (a form sent is answered by the service, or by its first return)
        messages.error(request, allowed.refusal)
        return redirect("member-order", pk=order.pk)
    form = ReturnRequestForm(request.POST or None, request.FILES or None)
    if created := create_with_form(request, form, "return-request", partial(returns.request_return, order=order),
                                   success=_("退换货申请已提交，请等待审核。"), page="logistics-return"):
        return redirect("logistics-return", pk=created[0])
    context = {"order": order, "form": form, "returnable": allowed.quantity, "windows": returns.WINDOWS}
    return render(request, "logistics/returns/request_form.html", context, status=form_status(form))


# --- returns for every role that sees them -----------------------------------------------------------------------

@login_required
def return_list(request):
    require_role(request.user, RETURN_DESKS)
    filters = ReturnFilterForm(request.GET, reader=request.user)
    context = paginate(request, filters.apply(returns.list_returns(user=request.user)), by_id=True)  # joins for its own rows only
    note_latest_changes(context["page_obj"])  # what each row's action forms saw
    for return_request in context["page_obj"]:
        return_request.actions = offered_actions(request, return_request)
    return render(request, "logistics/returns/list.html", context | {"filters": filters}, status=filters.status)


@login_required
def return_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    return_request = get_object_or_404(returns.list_returns(user=request.user), pk=pk)
    context = {
        "return_request": return_request,
        "history": returns.return_history(return_request),
        "actions": offered_actions(request, return_request, refused=refused),
        "is_member": request.user.role == Role.MEMBER,
        # the return desks open the returns list and the parcels; finance, which reaches a return from a claim, neither
        "at_desk": request.user.role in RETURN_DESKS or request.user.is_superuser,
        "send_back_failed": returns.may_send_back_again(return_request),
        "replacement_failed": return_request.failed_replacement(),
        "extra_costs": costs.list_extra_costs(user=request.user).filter(return_request=return_request),
        "goods_back": goods_back_of(return_request, user=request.user),  # its defective units on their way back to the supplier
        "next_path": posted_from(request, reverse("logistics-return", args=[return_request.pk])) if refused else "",
    }
    return render(request, "logistics/returns/detail.html", context, status=page_status(refused))


@login_required
@require_POST
def return_action(request, pk: int, name: str):
    action = named_step(RETURN_ACTIONS, name)
    return_request = get_object_or_404(returns.list_returns(user=request.user), pk=pk)
    require_role(request.user, returns.roles_for(name))
    form = action.form_for(return_request, request.POST, request.FILES)
    return step_from_page(request, form, action.service, return_request=return_request, step=name, named=return_request.number,
                          back=reverse("logistics-return", args=[return_request.pk]), again=partial(return_detail, request, pk))


@login_required
def return_evidence_file(request, pk: int):
    """A return's picture or PDF for whoever may see the return (the member, its supplier, staff); anyone else a 404."""
    evidence = get_object_or_404(returns.list_evidence(user=request.user), pk=pk)
    return serve(evidence.file, content_type=evidence.content_type)


# --- extra costs and tariffs -------------------------------------------------------------------------------------

@login_required
def extra_costs(request, *, refused: tuple[int, forms.Form] | None = None):
    """The costs with their total, and for each the user may void a void form (`refused`: (cost id, the form sent back
    with its errors and the reason entered))."""
    require_role(request.user, COST_READERS)
    filters, recorded = listed_costs(request)
    tariffs = list(Tariff.objects.all())
    recorded = filters.apply(recorded)
    context = paginate(request, recorded, list_url=reverse("logistics-extra-costs")) | {
        "filters": filters, "tariffs": tariffs, "may_record": request.user.role in COST_RECORDERS,
        "may_set_tariff": costs.may_set_tariff(request.user),
        "total": costs.total_amount(recorded),
        "next_path": posted_from(request, reverse("logistics-extra-costs")) if refused else "",
    }
    refused_shown = False
    note_latest_changes(context["page_obj"])  # what each row's void form saw
    for cost in context["page_obj"]:
        if refused and refused[0] == cost.pk:
            cost.void_form, refused_shown = refused[1], True
        elif costs.may_void(user=request.user, cost=cost):
            cost.void_form = VoidCostForm(auto_id=False)
    if refused and not refused_shown:  # the cost is no longer on the page: its errors become messages
        report_form_errors(request, refused[1])
    return render(request, "logistics/returns/costs.html", context, status=page_status(refused) if refused else filters.status)


def listed_costs(request):
    """The extra costs page's filter form and the costs the user may see, before the form's filters: the page and its
    download list the same rows."""
    return CostFilterForm(request.GET, reader=request.user), costs.list_extra_costs(user=request.user)


#: the sections a higher app adds to an extra cost's page (settlement: the statement that claimed it)
cost_sections: list[Callable] = []
#: the page of each thing a cost may belong to (`ExtraCost.owners`), and who opens it
COST_OWNER_PAGES = {
    "order": ("operator-order", frozenset({Role.OPERATOR, Role.LOGISTICS, Role.FINANCE})),
    "return_request": ("logistics-return", COST_READERS),
    "inbound": ("logistics-inbound-detail", frozenset({Role.OPERATOR, Role.LOGISTICS, *SUPPLIER_ROLES})),
    "lot": ("leftover-lot", COST_READERS),
}


def _owners(user, cost: ExtraCost) -> list[dict]:
    """What the cost belongs to (`ExtraCost.owners`), each with a link to its page where the user may open it (another
    supplier's never shows: the cost is of the same supplier)."""
    found = []
    for owner in cost.owners():
        url_name, roles = COST_OWNER_PAGES[owner.attribute]
        url = reverse(url_name, args=[owner.owner.pk]) if has_role(user, roles) else ""
        found.append({"label": owner.label, "name": owner.name, "url": url, "attribute": owner.attribute})
    return found


@login_required
def extra_cost_detail(request, pk: int, *, refused: forms.Form | None = None):
    """One extra cost: what it is, who bears it, what it belongs to, the tariff it was priced from, the statement that
    claimed it, its history, and the void form for whoever may void it (`refused`: the form sent back with its errors)."""
    require_role(request.user, COST_READERS)
    cost = get_object_or_404(costs.list_extra_costs(user=request.user), pk=pk)
    void_form = refused if refused is not None else (VoidCostForm() if costs.may_void(user=request.user, cost=cost) else None)
    context = {
        "cost": cost, "history": history_of(cost), "unit_price": costs.unit_price(cost), "owners": _owners(request.user, cost),
        "void_form": void_form, "sections": [section(request, cost) for section in cost_sections],
        "may_see_tariffs": has_role(request.user, costs.TARIFF_HISTORY_READERS),
        "next_path": posted_from(request, reverse("logistics-extra-cost", args=[cost.pk])) if refused else "",
    }
    return render(request, "logistics/returns/cost_detail.html", context, status=page_status(("void", refused)) if refused else 200)


@login_required
@require_POST
def extra_cost_void(request, pk: int):
    """Void a cost from its page or from the list; refused, the page it was sent from shows the form with its errors."""
    require_role(request.user, COST_RECORDERS)
    cost = get_object_or_404(costs.list_extra_costs(user=request.user), pk=pk)
    form = VoidCostForm(request.POST)
    page = reverse("logistics-extra-cost", args=[cost.pk])
    if act_with_form(request, form, costs.void_extra_cost, cost=cost, transition="void", success=_("已作废额外费用 %(reference)s") % {"reference": cost.reference}):
        return redirect_back(request, reverse("logistics-extra-costs"))
    if posted_from(request, "").split("?")[0] == page:
        return extra_cost_detail(request, pk, refused=form)
    return extra_costs(request, refused=(cost.pk, form))


@login_required
def extra_cost_create(request):
    require_role(request.user, COST_RECORDERS)
    # from a lot's page (?lot=) the form names that lot already
    form = ExtraCostForm(request.POST or None, user=request.user, initial={"lot": id_or_none(request.GET.get("lot"))})
    if request.method == "POST" and (created := create_with_form(
        request, form, "extra-cost", costs.record_extra_cost_by_hand, values=form.values, aliases=COST_FIELDS,
        success=lambda pk: _("已记录额外费用 %(amount)s") % {"amount": yuan(ExtraCost.objects.get(pk=pk).amount)}, page="logistics-extra-cost",
    )):
        return redirect("logistics-extra-cost", pk=created[0])
    return render(request, "logistics/returns/cost_form.html", {"form": form}, status=form_status(form, 400 if form.errors else 200))


# --- logistics claims --------------------------------------------------------------------------------------------

def _claims_page(request, *, lost_form: LostParcelForm | None = None):
    """The claims with their total, and the lost-parcel form for those who report one (`lost_form`: sent back refused)."""
    require_role(request.user, CLAIM_READERS)
    filters = ClaimFilterForm(request.GET)
    claimed = filters.apply(claims.list_claims(user=request.user))
    context = paginate(request, claimed, list_url=reverse("logistics-claims")) | {  # its links lead to the list, not to the lost-parcel form
        "filters": filters,
        "total": claims.claims_total(claimed),
        "may_settle": request.user.role in claims.SETTLERS,
        "lost_form": lost_form or (LostParcelForm(user=request.user) if request.user.role in PARCEL_REPORTERS else None),
    }
    return render(request, "logistics/returns/claims.html", context, status=400 if lost_form else filters.status)


@login_required
def claim_list(request):
    return _claims_page(request)


#: what a claim led to, added by higher apps (settlement: the supplier's compensation), each `(request, claim) → html`
claim_sections: list = []


@login_required
def claim_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    """A claim with what it is for and its history (who accepted and settled it, when, with which reference)."""
    require_role(request.user, CLAIM_READERS)
    claim = get_object_or_404(claims.list_claims(user=request.user), pk=pk)
    available = {t.name for t in claim.get_available_state_transitions()} if request.user.role in claims.SETTLERS else set()
    available.discard("withdraw")
    if claims.may_withdraw_report(user=request.user, claim=claim):
        available.add("withdraw")
    offered = [(name, replace(action, form=partial(action.form_for, claim))) for name, action in CLAIM_ACTIONS.items() if name in available]
    actions = action_forms(request, offered, refused=refused)
    context = {
        "claim": claim, "history": history_of(claim), "actions": actions, "offered_names": {name for name, _action, _form in actions},
        "may_settle": request.user.role in claims.SETTLERS,
        "sections": [section(request, claim) for section in claim_sections],
        "next_path": posted_from(request, reverse("logistics-claim", args=[claim.pk])) if refused else "",
    }
    return render(request, "logistics/returns/claim_detail.html", context, status=page_status(refused))


@login_required
@require_POST
def claim_action(request, pk: int, name: str):
    action = named_step(CLAIM_ACTIONS, name)
    claim = get_object_or_404(claims.list_claims(user=request.user), pk=pk)
    require_role(request.user, CLAIM_ACTION_ROLES.get(name, claims.SETTLERS))
    return step_from_page(request, action.form_for(claim, request.POST), action.service, claim=claim, step=name, named=claim.order.number,
                          back=reverse("logistics-claims"), again=partial(claim_detail, request, pk))


@login_required
@require_POST
def lost_parcel(request):
    require_role(request.user, PARCEL_REPORTERS)
    form = LostParcelForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            claims.report_lost_parcel(shipment=form.cleaned_data["shipment"], actor=request.user, now=timezone.now())
        except DomainError as error:
            add_service_errors(form, error, aliases={"shipment": "tracking_number"})
        else:
            messages.success(request, _("已登记包裹丢失索赔"))
            return redirect("logistics-claims")
    return _claims_page(request, lost_form=form)
