"""Portal pages of a supplier admin's team (团队成员): the supplier's accounts, adding staff, disabling and enabling
them, resetting a forgotten password."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.fsm import history_of
from core.portal import add_service_errors, paginate, run_action
from suppliers.services import team


class StaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20)
    password = forms.CharField(label=gettext_lazy("初始密码"), widget=forms.PasswordInput, strip=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=500, required=False)


class PasswordForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("新密码"), widget=forms.PasswordInput, strip=False)


#: name → (service, form, message when done)
ACTIONS = {
    "disable": (team.disable_member, ReasonForm, gettext_lazy("账号已停用")),
    "enable": (team.enable_member, ReasonForm, gettext_lazy("账号已启用")),
    "password": (team.reset_password, PasswordForm, gettext_lazy("密码已重置，请告知该成员并提醒其登录后修改")),
}


@login_required
def team_page(request):
    """The team, and the form that adds a staff account (its errors next to its fields)."""
    members = team.team_of(request.user)
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = team.add_staff(actor=request.user, now=timezone.now(), **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已添加员工账号 %(username)s") % {"username": added.user.username})
            return redirect("supplier-team")
    return render(request, "suppliers/team/team.html", paginate(request, members) | {"form": form},
                  status=400 if form.errors else 200)


@login_required
def member_page(request, pk: int):
    membership = team.staff_member(request.user, pk)
    return render(request, "suppliers/team/member.html", {"membership": membership, "history": history_of(membership)})


@login_required
@require_POST
def member_action(request, pk: int, name: str):
    if name not in ACTIONS:
        raise Http404
    membership = team.staff_member(request.user, pk)
    service, form_class, done = ACTIONS[name]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
    else:
        run_action(request, lambda: service(actor=request.user, membership=membership, now=timezone.now(), **form.cleaned_data),
                   success=done)
    return redirect("supplier-team-member", pk=pk)
