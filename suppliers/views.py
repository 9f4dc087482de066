"""Portal pages of the supplier app."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.fsm import history_of
from core.masking import mask_phone
from core.pages import (
    PageAction, act_with_form, action_forms, add_service_errors, page_status, paginate, redirect_back, run_action, state_reached,
)
from core.portal import supplier_pages
from core.roles import SUPPLIER_REVIEWERS, SUPPLIER_ROLES, Role, has_role
from suppliers.errors import TooManyApplications
from suppliers.forms import NoticeFilterForm, ReasonForm, SupplierApplicationForm, SupplierListFilterForm
from suppliers.forms_catalog import ReasonInput
from suppliers.models import Notice, Qualification, Supplier
from suppliers.selectors import same_credit_code
from suppliers.selectors_profile import list_qualifications
from suppliers.services import contracts, notices, onboarding
from core.api.permissions import require_role
from core.validators import id_or_none


def apply(request):
    """The public application. Every sending counts towards its client address's limit before anything in it is
    checked: a locked-out address is refused (429, Retry-After) with its values back in the form, learning nothing."""
    now = timezone.now()
    if request.method == "POST":
        try:
            onboarding.limit_applications(request=request, now=now)
        except TooManyApplications as error:
            values = {name: value for name, value in request.POST.items() if name != "password"}
            form = SupplierApplicationForm(initial=values, today=timezone.localdate(now))
            response = render(request, "suppliers/apply.html", {"form": form, "refusal": error.detail}, status=error.status)
            response["Retry-After"] = str(error.data["retry_after"])
            return response
    form = SupplierApplicationForm(request.POST or None, request.FILES or None, today=timezone.localdate(now))
    if request.method == "POST" and form.is_valid():
        try:
            onboarding.apply_as_supplier(**form.cleaned_data, now=now)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("申请已提交，运营将审核您的资料和营业执照。审核通过后即可用管理员用户名和密码登录；在此之前登录，登录页会告诉您审核进度。"))
            return redirect("login")
    return render(request, "suppliers/apply.html", {"form": form})


@login_required
def notice_list(request):
    require_role(request.user, Notice.visibility.readers)
    filters = NoticeFilterForm(request.GET, reader=request.user)
    if request.method == "POST":
        run_action(
            request,
            lambda: notices.mark_notice_read(notice_id=id_or_none(request.POST.get("notice")), actor=request.user, now=timezone.now()),
            success=_("已标记为已读"),
        )
        return redirect(request.get_full_path())
    context = paginate(request, filters.apply(notices.list_notices(actor=request.user, **filters.values()))) | {
        "filters": filters, "may_mark_read": notices.may_mark_read(request.user), "every_inbox": filters.across_suppliers,
    }
    return render(request, "suppliers/notice_list.html", context, status=filters.status)


@login_required
@require_POST
def notice_mark_all_read(request):
    """Mark every unread notice of the user's own supplier read, then back to the inbox as it was filtered."""
    require_role(request.user, SUPPLIER_ROLES)
    run_action(request, lambda: notices.mark_all_notices_read(actor=request.user, now=timezone.now()), success=_("全部通知已标为已读"))
    return redirect_back(request, reverse("supplier-notices"))


@login_required
def supplier_list(request):
    require_role(request.user, SUPPLIER_READERS)
    filters = SupplierListFilterForm(request.GET)
    context = paginate(request, filters.apply(Supplier.objects.visible_to(request.user))) | {"filters": filters}
    return render(request, "suppliers/supplier_list.html", context, status=filters.status)


SUPPLIER_ACTIONS = {  # the operator's steps on a supplier's page, each with its reason (kept in the supplier's history)
    "start_review": PageAction(gettext_lazy("开始审核"), onboarding.start_supplier_review, ReasonInput),
    "approve": PageAction(gettext_lazy("通过"), onboarding.approve_supplier, ReasonInput),
    "reject": PageAction(gettext_lazy("拒绝"), onboarding.reject_supplier, ReasonInput),
    "suspend": PageAction(gettext_lazy("暂停合作"), onboarding.suspend_supplier, ReasonInput, "danger",
                          confirm=gettext_lazy("暂停合作将下线该礼品商的在售和清仓礼品。确定暂停？")),
    "reactivate": PageAction(gettext_lazy("恢复合作"), onboarding.reactivate_supplier, ReasonInput),
    "terminate": PageAction(gettext_lazy("终止合作"), onboarding.terminate_supplier, ReasonInput, "danger",
                            confirm=gettext_lazy("终止合作将下架该礼品商的全部礼品，剩余库存转为遗留礼品。确定终止？")),
}


#: who opens the suppliers' list and pages: whom the API shows every supplier, the logistics provider too, which
#: receives their stock, returns goods to them and asks them to collect leftovers (SPEC §4.6 to §4.8)
SUPPLIER_READERS = Supplier.visibility.staff
CHECKLIST_PAGES = {"contract": "operator-contracts", "business_licence": "operator-qualifications"}  # where each item is done


@login_required
def supplier_detail(request, pk: int, *, refused: tuple[str, forms.Form] | None = None):
    """A supplier as the reviewers see it, with the operator's steps (`refused`: the step's name and its form sent back
    with its errors next to the reason and the reason entered). The logistics provider reads the supplier and its
    contact, its phone masked as the API shows it, without its paperwork (contract and licences are the reviewers')."""
    require_role(request.user, SUPPLIER_READERS)
    supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=pk)
    reviews = has_role(request.user, SUPPLIER_REVIEWERS)
    form = ReasonForm(request.POST or None)
    available = [name for name in SUPPLIER_ACTIONS if any(t.name == name for t in supplier.get_available_state_transitions())]
    pages = supplier_pages(request.user, supplier.pk)
    links = {page["url_name"]: page["url"] for page in pages}
    requirements = contracts.activation_requirements(supplier=supplier, now=timezone.now()) if reviews and supplier.state in Supplier.ONBOARDING_STATES else []
    context = {
        "supplier": supplier, "form": form, "history": history_of(supplier),
        "contact_phone": supplier.contact_phone if reviews else mask_phone(supplier.contact_phone),
        "actions": action_forms(request, [(n, SUPPLIER_ACTIONS[n]) for n in available], refused=refused)
        if request.user.role == Role.OPERATOR else [],
        "same_credit_code": list(same_credit_code(supplier)), "pages": pages,
        # an applicant's onboarding checklist, each item with the page where it is done when the user's role opens it
        "requirements": [(need, links.get(CHECKLIST_PAGES[need.field])) for need in requirements],
        "qualifications": list_qualifications(actor=request.user, on=timezone.localdate()).filter(supplier=supplier),
        "reads_qualifications": has_role(request.user, Qualification.visibility.readers),
        "reviews_qualifications": has_role(request.user, Qualification.visibility.staff),  # links each to its review page
    }
    return render(request, "suppliers/supplier_detail.html", context, status=page_status(refused))


@login_required
@require_POST
def supplier_transition(request, pk: int, name: str):
    require_role(request.user, {Role.OPERATOR})
    supplier = get_object_or_404(Supplier.objects.visible_to(request.user), pk=pk)
    action = SUPPLIER_ACTIONS.get(name)
    if action is None:
        return redirect("operator-supplier-detail", pk=pk)
    form = action.form(request.POST)
    if act_with_form(request, form, action.service, supplier=supplier, transition=name, success=lambda: state_reached(supplier, supplier.name)):
        return redirect("operator-supplier-detail", pk=pk)
    return supplier_detail(request, pk, refused=(name, form))
