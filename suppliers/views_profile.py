"""Portal pages of supplier paperwork (SPEC §4.1): the supplier's profile with reviewed changes, its contracts and
qualifications; the operator's review of contracts, profile changes and qualifications."""
from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.errors import DomainError, PermissionDenied
from core.files import serve
from core.fsm import history_of
from core.pages import (
    act_sending_back, add_service_errors, create_with_form, form_status, moved_on, named_step, paginate, redirect_back,
    run_action,
)
from core.roles import SUPPLIER_REVIEWERS, SUPPLIER_ROLES, Role, has_role
from suppliers.forms import ContractFilterForm, ProfileChangeFilterForm, QualificationFilterForm
from suppliers.forms_catalog import ReasonInput
from suppliers.forms_profile import ContractForm, ProfileChangeForm, QualificationForm, SmsNoticesForm
from suppliers.models import Contract, ProfileChange, Qualification, Supplier
from suppliers.selectors_profile import (
    change_value_for,
    expiry_warnings,
    list_bank_accounts,
    list_contracts,
    list_profile_changes,
    list_qualifications,
    payable_account,
    pending_profile_changes,
    profile_account_number_for,
    reads_bank_details,
    replaced_qualification,
    waiting_first,
)
from suppliers.services import contracts, profile, qualifications

#: what the page says of a change applied at once (which ones are: ProfileChange.APPLIED_AS_MADE)
APPLIED = {ProfileChange.Field.CONTACT: gettext_lazy("联系人信息已更新"), ProfileChange.Field.ADDRESS: gettext_lazy("地址已更新"),
           ProfileChange.Field.SMS_NOTICES: gettext_lazy("短信通知设置已更新")}
OPERATOR = {Role.OPERATOR}
#: who opens the qualification review pages: the staff the API shows qualifications to (core.tenancy.Visibility)
QUALIFICATION_READERS = Qualification.visibility.staff


def _submit(form, service: Callable, **values) -> bool:
    """Call a service for a valid form; its validation errors go next to the fields they name."""
    try:
        service(**values)
    except PermissionDenied:
        raise
    except DomainError as error:
        add_service_errors(form, error)
        return False
    return True


def _own_supplier(request) -> Supplier:
    require_role(request.user, SUPPLIER_ROLES)
    return get_object_or_404(Supplier.objects.visible_to(request.user), pk=request.user.supplier_id)


def _with_values(request, changes, *, reviewing: bool = False):
    """Each change's values as text; `reviewing` one change on its own page, where its deciding operator sees it whole."""
    for change in changes:
        under_review = change if reviewing else None
        change.old_text = _shown(request.user, change, change.old_value, reviewing=under_review) or "—"
        change.new_text = _shown(request.user, change, change.new_value, reviewing=under_review)
    return changes


def _shown(user, change: ProfileChange, value: dict, *, reviewing: ProfileChange | None = None) -> str:
    """A change's value as text, its parts in the field's own order (PostgreSQL's JSONB keeps no key order)."""
    shown = change_value_for(user, value, reviewing=reviewing)
    if change.field == ProfileChange.Field.SMS_NOTICES and shown.get("sms_notices") in Supplier.SmsNotices.values:
        shown = {"sms_notices": str(Supplier.SmsNotices(shown["sms_notices"]).label)}
    return " / ".join(shown[name] for name in profile.VALUE_FIELDS[change.field] if shown.get(name))


def _with_numbers(user, accounts):
    """The bank accounts, each with its number as `user` reads it (`shown_number`: masked for the supplier's staff)."""
    accounts = list(accounts)
    for account in accounts:
        account.shown_number = profile_account_number_for(user, account.account_number)
    return accounts


# --- the supplier's pages -----------------------------------------------------------------------------------
@login_required
def supplier_profile(request):
    supplier = _own_supplier(request)
    is_admin = request.user.role == Role.SUPPLIER_ADMIN
    # the SMS setting's form says so (form=sms); any other post is a profile change
    sms_posted = request.method == "POST" and request.POST.get("form") == "sms"
    shown = profile.current_value(supplier=supplier, field=ProfileChange.Field.CONTACT)
    shown |= profile.current_value(supplier=supplier, field=ProfileChange.Field.ADDRESS)
    form = ProfileChangeForm(*((request.POST, request.FILES) if request.method == "POST" and not sms_posted else (None,)), initial=shown)
    sms_form = SmsNoticesForm(request.POST if sms_posted else None, initial={"sms_notices": supplier.sms_notices})
    if request.method == "POST":
        require_role(request.user, {Role.SUPPLIER_ADMIN})
        posted = sms_form if sms_posted else form
        values = {"field": ProfileChange.Field.SMS_NOTICES} if sms_posted else {}
        if posted.is_valid() and _submit(
            posted, profile.request_profile_change, supplier=supplier, actor=request.user, now=timezone.now(), **values,
            **(posted.cleaned_data if sms_posted else posted.values())
        ):
            field = values.get("field") or posted.cleaned_data["field"]
            applied = field in ProfileChange.APPLIED_AS_MADE
            messages.success(request, APPLIED.get(field, _("变更已生效")) if applied else _("变更申请已提交，等待运营审核"))
            return redirect("supplier-profile")
    payable = payable_account(supplier=supplier, at=timezone.now())
    context = paginate(request, list_profile_changes(actor=request.user)) | {
        "supplier": supplier,
        "history": history_of(supplier),  # every step of the cooperation with its reason: a suspension's survives the reactivation
        "accounts": _with_numbers(request.user, list_bank_accounts(actor=request.user)),
        "payable": payable,
        "payable_number": profile_account_number_for(request.user, payable.account_number) if payable else "",
        "shows_evidence": reads_bank_details(request.user),
        "pending": _with_values(request, pending_profile_changes(supplier=supplier)),
        "form": form if is_admin else None,
        "sms_form": sms_form if is_admin else None,
        "may_withdraw": is_admin,
    }
    _with_values(request, context["page_obj"])
    return render(request, "suppliers/profile/supplier_profile.html", context, status=form_status(form))


@login_required
@require_POST
def profile_change_withdraw(request, pk: int):
    """The supplier admin takes back one of its pending changes; another supplier's is a 404."""
    _own_supplier(request)
    change = get_object_or_404(list_profile_changes(actor=request.user), pk=pk)
    run_action(request, lambda: profile.withdraw_profile_change(change=change, actor=request.user, now=timezone.now()),
               success=_("变更申请已撤回"))
    return redirect("supplier-profile")


@login_required
def supplier_paperwork(request):
    supplier = _own_supplier(request)
    now = timezone.now()
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted not in (None, "qualification", "contract"):
        messages.error(request, _("无法识别提交的表单，请重新填写"))
    # the page's forms share field names (number, file): each is prefixed with its name, so ids, values and errors stay its own
    upload, proposal = (form(*((request.POST, request.FILES) if posted == name else ()), prefix=name)
                        for name, form in (("qualification", QualificationForm), ("contract", ContractForm)))
    if posted == "qualification" and create_with_form(
        request, upload, "qualification", partial(qualifications.upload_qualification, supplier=supplier),
        success=_("资质已上传，等待运营审核；审核通过后生效"),
    ):
        return redirect("supplier-paperwork")
    if posted == "contract":
        require_role(request.user, {Role.SUPPLIER_ADMIN})
        if create_with_form(request, proposal, "contract", partial(contracts.create_contract, supplier=supplier),
                            success=_("合同已提交，等待运营审核")):
            return redirect("supplier-paperwork")
    today = timezone.localdate(now)
    context = {
        "contracts": list_contracts(actor=request.user),
        "qualifications": list_qualifications(actor=request.user, on=today),
        "warnings": expiry_warnings(supplier=supplier, on=today),
        "upload_form": upload,
        "contract_form": proposal if request.user.role == Role.SUPPLIER_ADMIN else None,
    }
    return render(request, "suppliers/profile/paperwork.html", context, status=form_status(proposal if posted == "contract" else upload))


# --- the operator's review ----------------------------------------------------------------------------------
@login_required
def contract_list(request):
    require_role(request.user, SUPPLIER_REVIEWERS)
    filters = ContractFilterForm(request.GET)
    chosen = filters.values().get("supplier")  # the supplier the list is filtered to (a supplier's page links so) is the one to register for
    form = ContractForm(request.POST or None, request.FILES or None, suppliers=Supplier.objects.visible_to(request.user),
                        initial={"supplier": chosen})
    if request.method == "POST":
        require_role(request.user, OPERATOR)
        if create_with_form(request, form, "contract", contracts.create_contract, success=_("合同已登记，等待审核"),
                            page="operator-contract-detail"):
            return redirect(reverse("operator-contracts") + (f"?{urlencode({'supplier': chosen.pk})}" if chosen else ""))
    context = paginate(request, filters.apply(list_contracts(actor=request.user))) | {
        "filters": filters, "form": form if request.user.role == Role.OPERATOR else None,
    }
    return render(request, "suppliers/profile/contract_list.html", context, status=form_status(form, filters.status))


@login_required
def contract_detail(request, pk: int):
    require_role(request.user, SUPPLIER_REVIEWERS)
    contract = get_object_or_404(list_contracts(actor=request.user), pk=pk)
    context = {"contract": contract, "history": history_of(contract), "decidable": contract.state == Contract.State.PENDING,
               "reason_form": ReasonInput(auto_id=False)}
    return render(request, "suppliers/profile/contract_detail.html", context)


@login_required
def profile_change_list(request):
    require_role(request.user, SUPPLIER_REVIEWERS)
    filters = ProfileChangeFilterForm(request.GET)
    # every pending change is one an operator reviews (the others are approved as made): on its own page, with the
    # evidence and the values whole (a personal-data read recorded), never from this list
    context = paginate(request, filters.apply(list_profile_changes(actor=request.user))) | {"filters": filters}
    _with_values(request, context["page_obj"])
    return render(request, "suppliers/profile/change_list.html", context, status=filters.status)


@login_required
def profile_change_detail(request, pk: int):
    require_role(request.user, SUPPLIER_REVIEWERS)
    change = get_object_or_404(list_profile_changes(actor=request.user), pk=pk)
    _with_values(request, [change], reviewing=True)
    profile.record_review_read(change=change, actor=request.user, now=timezone.now())
    context = {"change": change, "history": history_of(change), "decidable": change.state == ProfileChange.State.PENDING,
               "reason_form": ReasonInput(auto_id=False)}
    return render(request, "suppliers/profile/change_detail.html", context)


@login_required
def qualification_list(request):
    require_role(request.user, QUALIFICATION_READERS)
    form = QualificationForm(request.POST or None, request.FILES or None, suppliers=Supplier.objects.visible_to(request.user))
    if request.method == "POST":
        require_role(request.user, OPERATOR)
        if create_with_form(request, form, "qualification", qualifications.upload_qualification, success=_("资质已登记"),
                            page="operator-qualification-detail"):
            return redirect("operator-qualifications")
    filters = QualificationFilterForm(request.GET)
    # waiting first, unless the list is asked another order (`filters` order last)
    queryset = filters.apply(waiting_first(list_qualifications(actor=request.user, on=timezone.localdate())))
    context = paginate(request, queryset) | {
        "filters": filters, "form": form if request.user.role == Role.OPERATOR else None,
    }
    return render(request, "suppliers/profile/qualification_list.html", context, status=form_status(form, filters.status))


@login_required
def qualification_detail(request, pk: int):
    """An uploaded licence or certificate beside the one it would renew, with its history; the operator decides it here."""
    require_role(request.user, QUALIFICATION_READERS)
    qualification = get_object_or_404(list_qualifications(actor=request.user, on=timezone.localdate()), pk=pk)
    context = {
        "qualification": qualification, "replaced": replaced_qualification(qualification), "history": history_of(qualification),
        "decidable": qualification.state == Qualification.State.PENDING and has_role(request.user, qualifications.REVIEWERS),
        "reason_form": ReasonInput(auto_id=False),
    }
    return render(request, "suppliers/profile/qualification_detail.html", context)


CONTRACT_ACTIONS = {
    "approve": (contracts.approve_contract, gettext_lazy("合同已通过")), "reject": (contracts.reject_contract, gettext_lazy("合同已驳回")),
}
CHANGE_ACTIONS = {"approve": (profile.approve_profile_change, gettext_lazy("变更已通过")), "reject": (profile.reject_profile_change, gettext_lazy("变更已驳回"))}
QUALIFICATION_ACTIONS = {
    "approve": (qualifications.approve_qualification, gettext_lazy("资质已通过")),
    "reject": (qualifications.reject_qualification, gettext_lazy("资质已驳回")),
}


def _decide(request, *, queryset, pk: int, name: str, actions: dict, target: str, page: str):
    """Approve or reject a contract, a profile change or a qualification from its page or list, then back to the page
    the form was sent from (else the object's `page`, a url name): done, with a message; a reason missing or too long,
    or a refusal the service names the reason for, the form comes back there with the reason typed and the error next
    to it (send_back); one withdrawn, replaced or decided since that page was opened (the `seen` its form carries) is
    refused at the top, saying who changed it, when and how. Refused, nothing is decided."""
    require_role(request.user, contracts.DECIDERS)
    obj = get_object_or_404(queryset, pk=pk)
    service, label = named_step(actions, name)
    back = redirect_back(request, reverse(page, args=[obj.pk]))
    if moved_on(request, obj, name):  # said at the top, whatever the reason held
        return back
    act_sending_back(request, ReasonInput(request.POST), service, **{target: obj}, success=label)
    return back


@login_required
@require_POST
def contract_transition(request, pk: int, name: str):
    return _decide(request, queryset=list_contracts(actor=request.user), pk=pk, name=name, actions=CONTRACT_ACTIONS, target="contract",
                   page="operator-contract-detail")


@login_required
@require_POST
def profile_change_transition(request, pk: int, name: str):
    return _decide(request, queryset=list_profile_changes(actor=request.user), pk=pk, name=name, actions=CHANGE_ACTIONS, target="change",
                   page="operator-profile-change-detail")


@login_required
@require_POST
def qualification_transition(request, pk: int, name: str):
    return _decide(request, queryset=Qualification.objects.visible_to(request.user), pk=pk, name=name, actions=QUALIFICATION_ACTIONS,
                   target="qualification", page="operator-qualification-detail")


@login_required
def contract_file(request, pk: int):
    """A contract's file for whoever may see the contract (its supplier's users, staff); another supplier's is a 404."""
    return serve(get_object_or_404(list_contracts(actor=request.user), pk=pk).file)


@login_required
def qualification_file(request, pk: int):
    """A certificate's file for whoever may see it (its supplier's users, staff); another supplier's is a 404."""
    return serve(get_object_or_404(Qualification.objects.visible_to(request.user), pk=pk).file)


@login_required
def profile_change_evidence(request, pk: int):
    """A profile change's evidence for whoever may see the change (its supplier's admin, the platform's staff); another
    supplier's is a 404, and so is any for the supplier's staff (the profile changes are its admin's business)."""
    change = get_object_or_404(ProfileChange.objects.visible_to(request.user), pk=pk)
    if not reads_bank_details(request.user):
        raise Http404
    return serve(change.evidence)
