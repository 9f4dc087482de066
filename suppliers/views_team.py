"""Portal pages of a supplier admin's team (团队成员): the supplier's accounts, adding staff, disabling and enabling
them, resetting a forgotten password."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.fsm import history_of
from core.pages import act_with_form, add_service_errors, named_step, page_status, paginate, report_form_errors
from suppliers.services import team


class StaffForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20)
    password = forms.CharField(label=gettext_lazy("初始密码"), widget=forms.PasswordInput, strip=False)


def _reason(label, placeholder) -> forms.CharField:
    """A one-line reason (the service says when one is required)."""
    attrs = {"placeholder": placeholder, "aria-label": label, "maxlength": 500}
    return forms.CharField(label=label, max_length=500, required=False, widget=forms.TextInput(attrs=attrs))


class DisableForm(forms.Form):
    reason = _reason(gettext_lazy("停用原因"), gettext_lazy("停用原因（必填）"))


class EnableForm(forms.Form):
    reason = _reason(gettext_lazy("原因"), gettext_lazy("原因"))


class PasswordForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("新密码"), strip=False, widget=forms.PasswordInput(attrs={
        "placeholder": gettext_lazy("新密码"), "aria-label": gettext_lazy("新密码"), "autocomplete": "new-password"}))


#: name → (service, form, message when done)
ACTIONS = {
    "disable": (team.disable_member, DisableForm, gettext_lazy("账号已停用")),
    "enable": (team.enable_member, EnableForm, gettext_lazy("账号已启用")),
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
def member_page(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    """A team member with the actions its state allows; a refused action's form comes back with its errors next to its
    fields and the values entered (status 400)."""
    membership = team.staff_member(request.user, pk)
    available = {t.name for t in membership.get_available_state_transitions()}
    shown = [name for name in ACTIONS if name in available or name == "password"]  # a password is reset in any state
    forms_shown = {name: ACTIONS[name][1](auto_id=False) for name in shown}
    if refused and refused[0] in forms_shown:
        forms_shown[refused[0]] = refused[1]
    elif refused:  # the member moved on meanwhile (another tab): the errors as messages
        report_form_errors(request, refused[1])
    context = {"membership": membership, "history": history_of(membership), "forms": forms_shown}
    return render(request, "suppliers/team/member.html", context, status=page_status(refused))


@login_required
@require_POST
def member_action(request, pk: int, name: str):
    service, form_class, done = named_step(ACTIONS, name)
    membership = team.staff_member(request.user, pk)
    form = form_class(request.POST)
    if act_with_form(request, form, service, membership=membership, transition="" if name == "password" else name, success=done):
        return redirect("supplier-team-member", pk=pk)
    return member_page(request, pk, refused=(name, form))
