"""Operator pages of the points app: crediting points from a file, and every order with its actions."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from core.api.permissions import require_role
from core.errors import DomainError
from core.fsm import history_of
from core.portal import paginate, run_action
from core.roles import Role
from core.tabular import TableRejected
from points.models import RedemptionOrder
from points.services import credits, orders

STAFF = {Role.OPERATOR, Role.LOGISTICS, Role.FINANCE}


class CreditFileForm(forms.Form):
    file = forms.FileField(label=_lazy("积分发放文件（CSV 或 XLSX：手机号 phone、积分 points、原因 reason_code 可选）"))


@login_required
def credit_upload(request):
    require_role(request.user, {Role.OPERATOR})
    form = CreditFileForm(request.POST or None, request.FILES or None)
    problems, credited = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = credits.credit_points_from_file(
                file_name=upload.name, content=upload.read(credits.CREDIT_FILE.max_bytes + 1), actor=request.user, now=timezone.now()
            )
        except TableRejected as rejected:
            problems = rejected.problems
        except DomainError as error:
            form.add_error("file", error.detail)
        else:
            credited = {"batch": result.batch, "rows": len(result.entries), "points": sum(e.points for e in result.entries),
                        "replayed": result.replayed, "at": result.entries[0].at}
    return render(request, "points/credit_upload.html", {"form": form, "problems": problems, "credited": credited})


ORDER_ACTIONS = {
    "cancel": (orders.cancel_order, _lazy("取消（退积分、释放库存）")),
    "cancel_before_picking": (orders.cancel_before_picking, _lazy("拣货前取消")),
    "redeliver": (orders.redeliver_order, _lazy("重新配送")),
    "give_up": (orders.give_up_order, _lazy("放弃配送（退积分、退回库存）")),
}


@login_required
def order_admin(request):
    require_role(request.user, STAFF)
    queryset = RedemptionOrder.objects.visible_to(request.user).select_related("gift", "supplier", "member")
    state = request.GET.get("state", "")
    if state:
        queryset = queryset.filter(state=state)
    if q := request.GET.get("q", "").strip():
        queryset = queryset.filter(number__icontains=q)
    context = paginate(request, queryset) | {"states": RedemptionOrder.State.choices, "state": state, "q": q}
    return render(request, "points/order_admin.html", context)


@login_required
def order_admin_detail(request, pk: int):
    require_role(request.user, STAFF)
    order = get_object_or_404(RedemptionOrder.objects.visible_to(request.user).select_related("gift", "supplier", "member"), pk=pk)
    available = {t.name for t in order.get_available_state_transitions()}
    actions = [(name, label) for name, (_, label) in ORDER_ACTIONS.items() if name in available] if request.user.role == Role.OPERATOR else []
    return render(request, "points/order_admin_detail.html", {"order": order, "actions": actions, "history": history_of(order)})


@login_required
def order_admin_action(request, pk: int, name: str):
    require_role(request.user, {Role.OPERATOR})
    order = get_object_or_404(RedemptionOrder.objects.visible_to(request.user), pk=pk)
    if request.method == "POST" and name in ORDER_ACTIONS:
        service, label = ORDER_ACTIONS[name]
        reason = request.POST.get("reason", "")
        run_action(request, lambda: service(order=order, actor=request.user, now=timezone.now(), reason=reason), success=label)
    return redirect("operator-order", pk=pk)
