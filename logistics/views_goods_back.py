"""Portal pages of defective units going back to their supplier (退回礼品商, SPEC §4.7): logistics staff list what is
owed back and record how it went; the supplier's users list their own and confirm receipt or object; operators read.

Each view parses its input and makes one service call; every query starts from the scoped selector, so another
supplier's is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.fsm import history_of, note_latest_changes
from core.pages import act_with_form, action_forms, page_status, paginate, posted_from, redirect_back, state_reached
from core.roles import SUPPLIER_ROLES
from logistics.forms_goods_back import DisputeForm, GoodsBackFilterForm, ReceiveForm, SendAgainForm, SendForm
from logistics.models import GoodsBack
from logistics.selectors import list_goods_back
from logistics.services import goods_back

READERS = GoodsBack.visibility.readers


@dataclass(frozen=True)
class GoodsBackAction:
    """A button on a record: the service it calls and its form; `goods_back.WHO` says who may press it."""

    label: str
    service: Callable
    form: type[forms.Form]
    style: str = ""
    confirm: str = ""


ACTIONS = {
    "send": GoodsBackAction(_("登记发出"), goods_back.dispatch_goods_back, SendForm),
    "send_again": GoodsBackAction(_("重新发出"), goods_back.dispatch_goods_back_again, SendAgainForm),
    "receive": GoodsBackAction(_("确认签收"), goods_back.receive_goods_back, ReceiveForm,
                               confirm=_("确认已收到退回的全部货品？")),
    "dispute": GoodsBackAction(_("提出异议"), goods_back.dispute_goods_back, DisputeForm, style="danger"),
}


def _offered(request, goods: GoodsBack, *, refused: tuple[str, forms.Form] | None = None) -> list:
    """The steps the user takes on the record in its state, each with its form (the refused one with its errors)."""
    available = {t.name for t in goods.get_available_state_transitions()}
    offered = [(name, action) for name, action in ACTIONS.items()
               if name in available and goods_back.may_take(request.user, goods, name)]
    return action_forms(request, offered, refused=refused)


@login_required
def goods_back_list(request):
    require_role(request.user, READERS)
    filters = GoodsBackFilterForm(request.GET, reader=request.user)
    context = paginate(request, filters.apply(list_goods_back(user=request.user))) | {
        "filters": filters, "show_supplier": request.user.role not in SUPPLIER_ROLES,
    }
    note_latest_changes(context["page_obj"])  # what each row's action forms saw
    for goods in context["page_obj"]:
        goods.actions = _offered(request, goods)
    return render(request, "logistics/goods_back/list.html", context, status=filters.status)


@login_required
def goods_back_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    require_role(request.user, READERS)
    goods = get_object_or_404(list_goods_back(user=request.user), pk=pk)
    context = {
        "goods": goods, "history": history_of(goods), "actions": _offered(request, goods, refused=refused),
        "next_path": posted_from(request, reverse("logistics-goods-back-item", args=[goods.pk])) if refused else "",
    }
    return render(request, "logistics/goods_back/detail.html", context, status=page_status(refused))


@login_required
@require_POST
def goods_back_action(request, pk: int, name: str):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    goods = get_object_or_404(list_goods_back(user=request.user), pk=pk)
    require_role(request.user, goods_back.WHO[name])
    form = action.form(request.POST)
    if act_with_form(request, form, action.service, goods=goods, transition=name, success=lambda: state_reached(goods, goods.number)):
        return redirect_back(request, reverse("logistics-goods-back-item", args=[goods.pk]))
    return goods_back_detail(request, pk, refused=(name, form))
