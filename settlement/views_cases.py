"""Portal pages of rectification cases and re-evaluations (SPEC §4.10).

Operators: cases (overdue first) with the form that opens one, each case's send-back and close; re-evaluations
(overdue first) and the decision form. Finance reads both, as through the API. Suppliers: their cases with deadlines
and the answer form; the outcomes of their re-evaluations. Another supplier's case or re-evaluation is a 404.
"""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.api.permissions import require_role
from core.errors import DomainError, PermissionDenied
from core.forms import SubmittedOnce, choice_filter, yes_no_box
from core.fsm import history_of
from core.pages import add_service_errors, create_with_form, form_status, moved_on, paginate
from core.roles import OPERATORS, SUPPLIER_ROLES, has_role
from core.validators import REASON_MAX_LENGTH, BusinessDayField
from settlement.models import ReEvaluation, RectificationCase
from settlement.services import cases, re_evaluation
from suppliers.forms import SupplierFilter
from suppliers.models import Supplier

# who opens the pages: whom the API shows cases and re-evaluations to (core.tenancy.Visibility)
CASE_READERS = RectificationCase.visibility.readers
RE_EVALUATION_READERS = ReEvaluation.visibility.readers
DATE = forms.DateInput(attrs={"type": "date"})


class CaseFilterForm(SupplierFilter):
    """The cases in one state, and for operators of one supplier (a supplier's users see their own only)."""

    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("编号 / 礼品商 / 原因")}))
    state = choice_filter(gettext_lazy("状态"), RectificationCase.State.choices)
    kind = choice_filter(gettext_lazy("类型"), RectificationCase.Kind.choices)
    overdue = yes_no_box(gettext_lazy("仅看已逾期"))
    field_order = ["q", "state", "kind", "supplier", "overdue"]
    exact = {**SupplierFilter.exact, "kind": "kind", "overdue": "overdue"}  # overdue: the list's annotation, as the API filters it
    search = cases.SEARCHED
    sorts = {"number": "number", "supplier": "supplier__name", "deadline": "deadline"}

    def values(self) -> dict:
        """list_cases's filter (the others are `narrow`'s)."""
        return {"state": super().values().get("state", "")}


class ReEvaluationFilterForm(CaseFilterForm):
    """The re-evaluations in one state, overdue ones, and for staff of one supplier."""

    q = None
    kind = None
    state = choice_filter(gettext_lazy("状态"), ReEvaluation.State.choices)
    field_order = ["state", "supplier", "overdue"]
    exact = {**SupplierFilter.exact, "overdue": "overdue"}
    search = ()
    sorts = {"supplier": "supplier__name", "due_on": "due_on", "contract": "contract__number", "average_score": "average_score"}


class OpenCaseForm(SubmittedOnce):
    supplier = forms.ModelChoiceField(label=gettext_lazy("礼品商"), queryset=Supplier.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=RectificationCase.Kind.choices)
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = BusinessDayField(label=gettext_lazy("整改期限"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(
            state__in=Supplier.COOPERATING_STATES).order_by("name")


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("整改说明"), widget=forms.Textarea(attrs={"rows": 4}))


class SendBackForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退回原因"), max_length=REASON_MAX_LENGTH)
    deadline = BusinessDayField(label=gettext_lazy("新的整改期限（可选）"), required=False, widget=DATE)


class CloseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("关闭说明"), max_length=REASON_MAX_LENGTH)


class DecideForm(forms.Form):
    # no decision chosen beforehand unless the scores propose one
    decision = forms.ChoiceField(label=gettext_lazy("决定"), choices=[("", gettext_lazy("请选择决定")), *ReEvaluation.Decision.choices])
    note = forms.CharField(label=gettext_lazy("说明（续约以外必填）"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


CASE_FORMS = {"answer": (AnswerForm, cases.answer_case, SUPPLIER_ROLES, gettext_lazy("整改说明已提交")),
              "send-back": (SendBackForm, cases.send_back_case, OPERATORS, gettext_lazy("已退回礼品商")),
              "close": (CloseForm, cases.close_case, OPERATORS, gettext_lazy("整改单已关闭"))}
CASE_TRANSITIONS = {"answer": "submit_answer", "send-back": "send_back", "close": "close"}


def _call(form, service, **values) -> bool:
    """Call a service for a valid form; its validation errors go next to the fields they name."""
    if not form.is_valid():
        return False
    try:
        service(**values, **form.cleaned_data)
    except PermissionDenied:
        raise
    except DomainError as error:
        add_service_errors(form, error)
        return False
    return True


def _tell_unshown(request, form) -> None:
    """The errors of a form the page no longer shows (the object moved on meanwhile, say in another tab) as messages."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# --- cases --------------------------------------------------------------------------------------------------------
@login_required
def case_list(request):
    require_role(request.user, CASE_READERS)
    now = timezone.now()
    is_operator = has_role(request.user, OPERATORS)
    form = OpenCaseForm(request.POST or None) if is_operator else None
    if request.method == "POST":
        require_role(request.user, OPERATORS)
        if created := create_with_form(request, form, "case", cases.open_case, success=_("整改单已开立，已通知礼品商"),
                                   page="settlement-case"):
            return redirect("settlement-case", pk=created[0])
    filters = CaseFilterForm(request.GET, reader=request.user)  # staff read every supplier's cases
    context = paginate(request, filters.apply(cases.list_cases(actor=request.user, now=now, **filters.values()))) | {
        "form": form, "filters": filters, "is_operator": is_operator, "with_supplier": filters.across_suppliers,
    }
    return render(request, "settlement/cases/case_list.html", context, status=form_status(form, filters.status))


@login_required
def _case_page(request, pk: int, name: str = ""):
    """A case with the actions the reader may take; a POST names its action in the URL (case_action)."""
    require_role(request.user, CASE_READERS)
    case = get_object_or_404(cases.list_cases(actor=request.user, now=timezone.now()), pk=pk)
    if name and name not in CASE_FORMS:
        raise Http404
    bound, status = {}, 200
    if request.method == "POST":
        form_class, service, roles, success = CASE_FORMS[name]
        require_role(request.user, roles)
        if refused := moved_on(request, case, CASE_TRANSITIONS[name]):  # said at the top, whatever the form held
            status = refused
        else:
            bound[name] = form_class(request.POST, auto_id=f"id_{name}_%s")
            if _call(bound[name], service, case=case, actor=request.user, now=timezone.now()):
                messages.success(request, success)
                return redirect("settlement-case", pk=case.pk)
            status = 400
    allowed = {"answer": request.user.role in SUPPLIER_ROLES and case.state == RectificationCase.State.OPEN,
               "send-back": has_role(request.user, OPERATORS) and case.state == RectificationCase.State.ANSWERED,
               "close": has_role(request.user, OPERATORS) and case.state != RectificationCase.State.CLOSED}
    # each action's form has ids of its own (several ask for a reason), so that a label names the field beside it
    actions = [(action, bound.get(action) or CASE_FORMS[action][0](auto_id=f"id_{action}_%s")) for action, shown in allowed.items() if shown]
    if name in bound and not allowed[name]:
        _tell_unshown(request, bound[name])
    return render(request, "settlement/cases/case_detail.html", {"case": case, "actions": actions, "history": history_of(case)}, status=status)


case_detail = require_safe(_case_page)
case_action = require_POST(_case_page)


# --- re-evaluations -----------------------------------------------------------------------------------------------
@login_required
def re_evaluation_list(request):
    require_role(request.user, RE_EVALUATION_READERS)
    now = timezone.now()
    filters = ReEvaluationFilterForm(request.GET, reader=request.user)
    context = paginate(request, filters.apply(re_evaluation.list_re_evaluations(actor=request.user, now=now, **filters.values()))) | {
        "filters": filters, "is_operator": has_role(request.user, OPERATORS), "with_supplier": filters.across_suppliers,
        "overdue_count": re_evaluation.overdue_re_evaluations(now=now, actor=request.user).count(),
    }
    return render(request, "settlement/cases/re_evaluation_list.html", context, status=filters.status)


@login_required
def re_evaluation_detail(request, pk: int):
    require_role(request.user, RE_EVALUATION_READERS)
    due = get_object_or_404(re_evaluation.list_re_evaluations(actor=request.user, now=timezone.now()), pk=pk)
    is_operator = has_role(request.user, OPERATORS)
    form = DecideForm(request.POST or None, initial={"decision": due.proposed})
    if request.method == "POST":
        require_role(request.user, OPERATORS)
        if _call(form, re_evaluation.decide_re_evaluation, re_evaluation=due, actor=request.user, now=timezone.now()):
            messages.success(request, _("复评决定已执行"))
            return redirect("settlement-re-evaluation", pk=due.pk)
    context = {"due": due, "form": form if is_operator and due.state == ReEvaluation.State.DUE else None,
               "history": history_of(due)}
    if request.method == "POST" and context["form"] is None:
        _tell_unshown(request, form)
    return render(request, "settlement/cases/re_evaluation_detail.html", context)
