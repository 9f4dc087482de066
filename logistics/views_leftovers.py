"""Portal pages of leftover gifts (遗留礼品, SPEC §4.8): the supplier's lots with their deadline and fees so far;
the staff list where logistics records collection or disposal and the operator moves a lot to clearance.

Each view parses its input and makes one service call; every query starts from the scoped selector, so another
supplier's lot is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.forms import ListFilter, choice_filter, yes_no_box
from core.fsm import history_of, note_latest_changes
from core.pages import action_forms, named_step, page_status, paginate, posted_from, step_from_page
from core.roles import SUPPLIER_ROLES, Role
from logistics.models import LeftoverLot
from logistics.services import costs, leftovers

READERS = SUPPLIER_ROLES | {Role.OPERATOR, Role.LOGISTICS, Role.FINANCE}


class LotFilterForm(ListFilter):
    state = choice_filter(_("状态"), LeftoverLot.State.choices)
    q = forms.CharField(label=_("礼品或礼品商"), required=False, max_length=100)
    overdue = yes_no_box(_("仅看逾期未取回"))
    # the days charged and the fees so far are the lots' annotations (leftovers.list_leftover_lots)
    sorts = {"gift": "gift__sku", "supplier": "supplier__name", "quantity": "quantity", "collect_by": "collect_by",
             "storage_days": "storage_days", "fee_amount": "fee_amount"}

    def narrow(self, lots, data: dict):
        if data["state"]:
            lots = lots.filter(state=data["state"])
        if q := data["q"]:
            lots = lots.filter(Q(gift__sku__icontains=q) | Q(gift__name__icontains=q) | Q(supplier__name__icontains=q))
        return leftovers.past_deadline(lots, data.get("overdue"), today=timezone.localdate())


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.TextInput(attrs={"placeholder": _("说明")}))


class CollectForm(ReasonForm):
    quantity = forms.IntegerField(label=_("取回数量"), min_value=1, required=False,
                                  widget=forms.NumberInput(attrs={"placeholder": _("取回数量（默认全部）")}))
    field_order = ["quantity", "reason"]


class DisposeForm(forms.Form):
    quantity = forms.IntegerField(label=_("销毁处置数量"), min_value=1, required=False,
                                  widget=forms.NumberInput(attrs={"placeholder": _("销毁处置数量（默认全部）")}))
    reason = forms.CharField(label=_("销毁处置原因"), max_length=2000, widget=forms.TextInput(attrs={"placeholder": _("销毁处置原因")}))


class ClearanceForm(ReasonForm):
    points_price = forms.IntegerField(label=_("清仓积分价"), min_value=1, widget=forms.NumberInput(attrs={"placeholder": _("清仓积分价")}))
    settlement_price = forms.DecimalField(
        label=_("清仓结算价"), max_digits=12, decimal_places=2, min_value=0,
        widget=forms.NumberInput(attrs={"placeholder": _("清仓结算价"), "step": "0.01"}),
    )
    field_order = ["points_price", "settlement_price", "reason"]


@dataclass(frozen=True)
class LotAction:
    """A button on an open lot: the service it calls and the role that may press it."""

    label: str
    service: Callable
    role: str
    form: type[forms.Form] = ReasonForm
    style: str = ""
    confirm: str = ""  # asked in the browser before the form is sent
    transition: str = ""  # the lot's transition it is, when not its name


ACTIONS = {
    "collect": LotAction(_("礼品商已取回"), leftovers.collect_lot, Role.LOGISTICS, CollectForm),
    "dispose": LotAction(_("销毁处置"), leftovers.dispose_lot, Role.LOGISTICS, DisposeForm, style="danger",
                         confirm=_("销毁后这批礼品不能再取回，库存核销，并向礼品商计收销毁处置费。确定销毁处置？")),
    # the verb (the lot's state reads 转清仓: moved to clearance)
    "clearance": LotAction(_("转入清仓"), leftovers.clear_leftovers, Role.OPERATOR, ClearanceForm, transition="move_to_clearance"),
}


def _offered(request, lot: LeftoverLot, *, refused: tuple[str, forms.Form] | None = None) -> list[tuple[str, LotAction, forms.Form]]:
    """The buttons the user may press on an open lot, each with its form (see action_forms). Disposal is offered only
    once the supplier's time to collect has run out; until then `lot.disposable_from` says from which day."""
    user = request.user
    mine = [(name, action) for name, action in ACTIONS.items() if user.is_superuser or user.role == action.role]
    offered = mine if lot.state == LeftoverLot.State.OPEN else []
    if "dispose" in dict(offered) and not leftovers.may_dispose(lot=lot, now=timezone.now()):
        offered = [(name, action) for name, action in offered if name != "dispose"]
        lot.disposable_from = lot.past_deadline_from
    return action_forms(request, offered, refused=refused)


@login_required
def leftover_list(request):
    require_role(request.user, READERS)
    filters = LotFilterForm(request.GET)
    context = paginate(request, filters.apply(leftovers.list_leftover_lots(actor=request.user))) | {
        "filters": filters, "show_supplier": request.user.role not in SUPPLIER_ROLES,
    }
    today = timezone.localdate()
    note_latest_changes(context["page_obj"])  # what each row's action forms saw
    for lot in context["page_obj"]:
        lot.actions, lot.overdue = _offered(request, lot), lot.overdue_on(today)
    return render(request, "logistics/leftovers/lot_list.html", context, status=filters.status)


@login_required
def leftover_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    require_role(request.user, READERS)
    lot = get_object_or_404(leftovers.list_leftover_lots(actor=request.user), pk=pk)
    lot.actions, lot.overdue = _offered(request, lot, refused=refused), lot.overdue_on(timezone.localdate())
    context = {
        "lot": lot, "costs": leftovers.lot_costs(lot), "history": history_of(lot),
        "records_costs": costs.records_costs(request.user, dropship=False),  # its 记录额外费用 link (logistics staff)
        "next_path": posted_from(request, reverse("leftover-lot", args=[lot.pk])) if refused else "",
    }
    return render(request, "logistics/leftovers/lot_detail.html", context, status=page_status(refused))


@login_required
@require_POST
def leftover_action(request, pk: int, name: str):
    action = named_step(ACTIONS, name)
    lot = get_object_or_404(LeftoverLot.objects.visible_to(request.user), pk=pk)
    require_role(request.user, {action.role})
    return step_from_page(request, action.form(request.POST), action.service, lot=lot, step=name, transition=action.transition or name,
                          named=lambda: f"{lot.gift.sku} · {lot.location.label}", back=reverse("leftover-lot", args=[lot.pk]),
                          again=partial(leftover_detail, request, pk))
