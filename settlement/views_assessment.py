"""Portal pages of monthly assessments (SPEC §4.10).

Suppliers: their scores as a chart over the months, the KPI history, and each month's KPI table with numerator and
denominator (another supplier's assessment is a 404). Operators and finance: assessments by month with filters and
the form that computes a month; finance decides penalty proposals (accepting one proposes an adjustment another
finance user approves); operators decide suspension proposals, edit the KPI settings and maintain the penalty rules.
"""
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.charts import bar_chart
from core.errors import DomainError, ValidationFailed
from core.forms import EditsShownValues, ListFilter, StateFilter, SubmittedOnce, waiting_box, yes_no_box
from core.fsm import histories_of, history_of, note_latest_changes, require_unchanged
from core.pages import act_sending_back, create_with_form, form_status, paginate, redirect_back
from core.roles import OPERATORS, SUPPLIER_ROLES, Role, has_role, waits_for
from core.texts import listed
from settlement.models import Assessment, Kpi, KpiSetting, PenaltyProposal, PenaltyRule, SuspensionProposal
from settlement.services import assessment, assessment_rules, kpis
from settlement.sources import SOURCES
from settlement.forms import MonthFilter
from settlement.services.generation import parse_month
from suppliers.forms import SupplierChoiceField
from suppliers.models import Supplier

# who opens the assessment pages: whom the API shows assessments to (core.tenancy.Visibility)
STAFF = Assessment.visibility.staff
READERS = Assessment.visibility.readers
MONTH = forms.TextInput(attrs={"type": "month"})
SCORE_COLUMNS = (gettext_lazy("考核月份"), gettext_lazy("得分（分）"))  # the hidden table of a score chart


class ComputeForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("考核月份"), widget=MONTH)


class AssessmentFilterForm(ListFilter):
    """The assessments of a month, of a supplier assessed, or only those scored below the threshold (GET)."""

    month = MonthFilter(label=gettext_lazy("月份"), required=False, widget=MONTH)
    supplier = SupplierChoiceField(label=gettext_lazy("礼品商"), required=False, empty_label=gettext_lazy("全部"))
    below = yes_no_box("")
    sorts = {"month": "month", "supplier": "supplier__name", "score": "score", "computed_at": "computed_at"}

    def __init__(self, *args, threshold: Decimal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(assessments__isnull=False).distinct().order_by("name")
        self.fields["below"].label = _("低于 %(threshold)s 分") % {"threshold": threshold}


class KpiSettingForm(EditsShownValues, forms.Form):
    """One KPI's row of the settings page; the ranges are the service's (they depend on the KPI and on the whole set).
    It carries the values it showed: only those the user changed are saved (EditsShownValues)."""

    weight = forms.DecimalField(label=gettext_lazy("权重"), max_digits=5, decimal_places=2)
    target = forms.DecimalField(label=gettext_lazy("目标值"), max_digits=9, decimal_places=4)

    def __init__(self, *args, kpi: str, editable: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the table's cells have no label of their own: each input names its KPI and column
            field.widget.attrs["aria-label"] = f"{kpi} {field.label}"
            field.disabled = not editable  # finance reads the settings; operators change them
        self.track_shown()


DECISIONS = {
    "penalty": (PenaltyProposal, {"accept": (assessment.accept_penalty, "note"), "dismiss": (assessment.dismiss_penalty, "reason"),
                                  "confirm_dismissal": (assessment.confirm_penalty_dismissal, "reason"),
                                  "decline_dismissal": (assessment.decline_penalty_dismissal, "reason")},
                {Role.FINANCE}, "settlement-penalty-proposals"),
    "suspension": (SuspensionProposal, {"accept": (assessment.accept_suspension, "reason"),
                                        "dismiss": (assessment.dismiss_suspension, "reason")},
                   OPERATORS, "settlement-suspension-proposals"),
}
DONE = {("penalty", "accept"): gettext_lazy("已转为调账，待另一位财务人员审批"),
        ("penalty", "dismiss"): gettext_lazy("已申请撤销，待另一位财务人员确认"),
        ("penalty", "confirm_dismissal"): gettext_lazy("扣款建议已撤销"), ("penalty", "decline_dismissal"): gettext_lazy("已不同意撤销，扣款建议待重新处理"),
        ("suspension", "accept"): gettext_lazy("已暂停与该礼品商的合作"), ("suspension", "dismiss"): gettext_lazy("已决定不予暂停")}


@login_required
def assessment_list(request):
    require_role(request.user, READERS if request.method == "GET" else STAFF)
    if request.user.role in SUPPLIER_ROLES:
        return _supplier_scores(request)
    form = ComputeForm(request.POST or None, initial={"month": f"{assessment.last_assessable_month(timezone.now()):%Y-%m}"})
    if request.method == "POST":
        if form.is_valid() and _compute(request, form):
            return redirect(f"{request.path}?month={form.cleaned_data['month']}")
    threshold = assessment.suspension_threshold()
    filters = AssessmentFilterForm(request.GET, threshold=threshold)
    chosen = filters.values()
    supplier_id = chosen["supplier"].pk if chosen.get("supplier") else None
    assessments = filters.apply(assessment.list_assessments(
        actor=request.user, month=chosen.get("month"), supplier_id=supplier_id, below=chosen.get("below"),
    ))
    context = paginate(request, assessments) | {
        "form": form, "filters": filters, "threshold": threshold, "chosen_supplier": supplier_id,
        "chart": _trend_chart(request.user, supplier_id),
    }
    return render(request, "settlement/assessment/assessment_list.html", context,
                  status=form_status(form, filters.status))


def _trend_chart(user, supplier_id: int | None, *, own: bool = False):
    """The scores of the last twelve months to this one, a month without one a gap: the supplier's own, one chosen, or
    the average."""
    title = _("月度考核得分") if supplier_id or own else _("各月平均考核得分")
    trend = assessment.score_trend(actor=user, supplier_id=supplier_id, until=timezone.localdate())
    return bar_chart([(f"{month:%Y-%m}", score) for month, score in trend],
                     title=title, columns=SCORE_COLUMNS, gap=_("当月无得分（空缺，不是0分）"))


def _compute(request, form) -> bool:
    progress: list[tuple[int, int]] = []
    try:
        month = parse_month(form.cleaned_data["month"])
        done = assessment.compute_month(month=month, now=timezone.now(), progress=lambda done, total: progress.append((done, total)))
    except DomainError as error:
        form.add_error("month", error.detail)
        form.refused_status = error.status
        return False
    steps = " → ".join(f"{done}/{total}" for done, total in progress)
    messages.success(request, _("考核完成：%(count)d 家礼品商（进度 %(steps)s）") % {"count": len(done.assessed), "steps": steps})
    if done.kept:
        messages.info(request, _("%(month)s 的处罚或暂停提议已有决定，保留原考核结果未重新计算：%(suppliers)s") % {
            "month": f"{month:%Y-%m}", "suppliers": listed(supplier.name for supplier in done.kept)})
    return True


def _supplier_scores(request):
    context = paginate(request, assessment.list_assessments(actor=request.user).prefetch_related("results"), per_page=12)
    kpis = Kpi.choices
    history = [{"month": a.month, "pk": a.pk, "score": a.score,  # a page's twelve months, the oldest first
                "values": [{r.kpi: r for r in a.results.all()}.get(code) for code, _label in kpis]} for a in reversed(list(context["page_obj"]))]
    chart = _trend_chart(request.user, None, own=True)
    return render(request, "settlement/assessment/supplier_scores.html", context | {"history": history, "kpis": kpis, "chart": chart})


@login_required
def assessment_detail(request, pk: int):
    require_role(request.user, READERS)
    found = get_object_or_404(assessment.list_assessments(actor=request.user), pk=pk)
    suspension = assessment.list_suspension_proposals(actor=request.user).filter(assessment=found).first()
    penalties = _with_histories(assessment.list_penalty_proposals(actor=request.user).filter(assessment=found))
    context = {
        "assessment": found, "results": _with_counted(found, penalties, request.user),
        "penalties": penalties,
        "suspension": suspension, "history": history_of(suspension) if suspension else [],
        "is_staff": request.user.role in STAFF,
    }
    return render(request, "settlement/assessment/assessment_detail.html", context)


COUNTED_SHOWN = 50  # the orders or complaints a KPI lists; more are left to their own lists


def _with_counted(found: Assessment, penalties: list[PenaltyProposal], user) -> list:
    """The assessment's KPI results, each of a KPI a penalty is proposed for with the orders or complaints counting
    against the supplier on it (`counted`: (number, the URL of its page where the reader opens it, else ""); None for
    the other KPIs), of `kind` ("order", "complaint") and `counted_more` when there are more than COUNTED_SHOWN: a query
    for each such KPI and one for the pages of each kind."""
    penalised = {proposal.rule.kpi for proposal in penalties}
    results = list(found.results.all())
    for result in results:
        result.counted = None
        if result.kpi not in penalised:
            continue
        against = kpis.counted_against(result.kpi, month=found.month, supplier_id=found.supplier_id, limit=COUNTED_SHOWN)
        if against is not None:
            result.kind, numbers = against
            pages = SOURCES[result.kind].pages(user, numbers[:COUNTED_SHOWN])
            result.counted = [(number, pages.get(number, "")) for number in numbers[:COUNTED_SHOWN]]
            result.counted_more = len(numbers) > COUNTED_SHOWN
    return results


def _with_histories(proposals) -> list[PenaltyProposal]:
    """The penalty proposals, each with its `history` (who, when, why of every step), all read in one query."""
    proposals = list(proposals)
    by_proposal = defaultdict(list)
    for log in histories_of(proposals):
        by_proposal[log.object_id].append(log)
    for proposal in proposals:
        proposal.history = by_proposal[proposal.pk]
    return proposals


class PenaltyFilter(StateFilter):
    """The penalty proposals' filters: a state, or those still to be decided (PENDING), and, for whom some wait,
    only those waiting for the reader (what the navigation badge counts)."""

    waiting = waiting_box()
    sorts = {"supplier": "supplier__name", "month": "assessment__month", "amount": "amount"}

    def __init__(self, *args, reader, **kwargs) -> None:
        super().__init__(*args, states=[(assessment.PENDING, gettext_lazy("待处理（含撤销待确认）")), *PenaltyProposal.State.choices], **kwargs)
        if not waits_for(assessment.penalties_waiting, reader):
            del self.fields["waiting"]


class SuspensionFilter(StateFilter):
    """The suspension proposals' filter by state; sorted by supplier, month or the score that proposed them."""

    sorts = {"supplier": "supplier__name", "month": "assessment__month", "score": "assessment__score"}


@login_required
def penalty_list(request):
    return _proposal_list(request, "penalty", assessment.list_penalty_proposals)


@login_required
def suspension_list(request):
    return _proposal_list(request, "suspension", assessment.list_suspension_proposals)


def _proposal_list(request, kind: str, selector):
    """The proposals of one kind for the staff who read them (operators and finance, as the API shows them), with the
    decisions for the role that takes them; suppliers read theirs on their assessments. By default, those still to be
    decided (a penalty's dismissal waiting for its second finance user too), unless another state (or all) is asked."""
    model, _actions, roles, _back = DECISIONS[kind]
    require_role(request.user, model.visibility.staff)
    if kind == "penalty":
        filters = PenaltyFilter(request.GET, reader=request.user, defaults={"state": assessment.PENDING})
    else:
        filters = SuspensionFilter(request.GET, states=model.State.choices, defaults={"state": model.State.PROPOSED})
    proposals = filters.apply(selector(actor=request.user, **filters.values()))
    if kind == "penalty":
        proposals = proposals.prefetch_related(PenaltyProposal.reopening.prefetch())
    context = paginate(request, proposals) | {"filters": filters, "decides": has_role(request.user, roles)}
    note_latest_changes(context["page_obj"])  # what each row's decision forms saw
    if kind == "penalty":  # what each row offers, as the service decides it
        for proposal in context["page_obj"]:
            proposal.open = assessment.penalty_open(proposal)
            proposal.refusal = assessment.penalty_refusal(proposal, request.user)
    return render(request, f"settlement/assessment/{kind}_list.html", context, status=filters.status)


@login_required
@require_POST
def decide(request, kind: str, pk: int, name: str):
    """Accept or dismiss a penalty (finance) or suspension (operator) proposal; the reason comes with the form."""
    if kind not in DECISIONS or name not in DECISIONS[kind][1]:
        raise Http404
    model, actions, roles, back = DECISIONS[kind]
    require_role(request.user, roles)
    proposal = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    service, field = actions[name]
    try:  # a proposal changed since the list was shown (dismissal asked, declined, reopened…) is looked at first
        require_unchanged(proposal, request.POST.get("seen"), reader=request.user)
        service(proposal=proposal, actor=request.user, now=timezone.now(), **{field: request.POST.get("reason", "")})
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, DONE[(kind, name)])
    return redirect_back(request, reverse(back))  # the list as it was shown: its filters and page


@login_required
def kpi_settings(request):
    """All KPI weights and targets on one form, saved together or not at all; each error shows next to its field.
    Operators and finance read them (as the API lets them); only operators change them. Only the figures the user
    changed are saved: one another operator changed meanwhile stays (both changed it: 409)."""
    require_role(request.user, STAFF if request.method == "GET" else OPERATORS)
    if request.method == "POST":  # the figures compared with those shown are the ones saved over: no change comes between
        with transaction.atomic():
            return _kpi_settings_page(request, assessment_rules.lock_kpi_settings())
    return _kpi_settings_page(request, list(KpiSetting.objects.order_by("pk")))


def _kpi_settings_page(request, kpis: list[KpiSetting]):
    can_edit = has_role(request.user, OPERATORS)
    forms_by_kpi = {s.kpi: KpiSettingForm(request.POST if request.method == "POST" else None, prefix=str(s.pk), kpi=s.get_kpi_display(),
                                          initial={"weight": s.weight, "target": s.target}, editable=can_edit) for s in kpis}
    reason_form = ChangeReasonForm(request.POST if request.method == "POST" else None)
    set_errors: list[str] = []
    if request.method == "POST" and all(f.is_valid() for f in [*forms_by_kpi.values(), reason_form]):
        try:
            assessment_rules.update_kpi_settings(actor=request.user, now=timezone.now(), reason=reason_form.cleaned_data["reason"],
                                           values={kpi: form.cleaned_data for kpi, form in forms_by_kpi.items() if form.cleaned_data})
        except ValidationFailed as error:
            set_errors = _place_kpi_errors(forms_by_kpi, reason_form, error)
        else:
            messages.success(request, _("考核指标已保存，下次计算时生效"))
            return redirect("settlement-kpi-settings")
    rows = [(s, forms_by_kpi[s.kpi]) for s in kpis]
    total = sum((s.weight for s in kpis), Decimal(0))
    stale = any(form_status(form) == 409 for form in forms_by_kpi.values())
    changes = paginate(request, assessment_rules.list_kpi_setting_changes(actor=request.user))
    return render(request, "settlement/assessment/kpi_settings.html",
                  changes | {"rows": rows, "total_weight": total, "set_errors": set_errors, "can_edit": can_edit, "reason_form": reason_form},
                  status=409 if stale else 200)


def _place_kpi_errors(forms_by_kpi: dict, reason_form, error: ValidationFailed) -> list[str]:
    """Put each `<kpi>.<field>` error next to that KPI's field, and the reason's next to it; return the errors about the
    set as a whole."""
    whole = []
    for field, _code, detail in error.errors:
        kpi, _dot, name = (field or "").partition(".")
        if kpi in forms_by_kpi and name in KpiSettingForm.base_fields:
            forms_by_kpi[kpi].add_error(name, detail)
        elif field == "reason":
            reason_form.add_error("reason", detail)
        else:
            whole.append(detail)
    return whole


class ChangeReasonForm(forms.Form):
    """Why the settings or a rule change (the service requires it when something changes)."""

    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=200, required=False)


class PenaltyRuleActiveForm(ChangeReasonForm):
    active = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", widget=forms.HiddenInput)


class PenaltyRuleForm(SubmittedOnce):
    kpi = forms.ChoiceField(label=gettext_lazy("指标"), choices=Kpi.choices)
    threshold = forms.DecimalField(label=gettext_lazy("触发阈值"), max_digits=9, decimal_places=4,
                                   help_text=gettext_lazy("比率填 0 到 1（0.95 即 95%），投诉率填每千单的件数"))
    deduction = forms.DecimalField(label=gettext_lazy("扣款金额（元）"), max_digits=12, decimal_places=2)
    description = forms.CharField(label=gettext_lazy("说明"), max_length=200)
    reason = forms.CharField(label=gettext_lazy("添加原因"), max_length=200, required=False)


@login_required
def penalty_rules(request):
    """The penalty rules (operators and finance read them); operators add rules and switch them off or on."""
    require_role(request.user, STAFF)
    form = PenaltyRuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require_role(request.user, OPERATORS)
        if create_with_form(request, form, "penalty-rule", assessment_rules.create_penalty_rule, success=_("扣款规则已添加，下次计算时生效")):
            return redirect("settlement-penalty-rules")
    rules = PenaltyRule.objects.order_by("-active", "kpi", "threshold", "pk")
    changes = paginate(request, assessment_rules.list_penalty_rule_changes(actor=request.user))
    return render(request, "settlement/assessment/penalty_rules.html",
                  changes | {"rules": rules, "form": form, "can_edit": has_role(request.user, OPERATORS),
                             "active_form": PenaltyRuleActiveForm()}, status=form_status(form))


@login_required
@require_POST
def penalty_rule_active(request, pk: int):
    """Switch a rule off or on again, with the reason; a refusal comes back next to the rule's reason field."""
    require_role(request.user, OPERATORS)
    rule = get_object_or_404(PenaltyRule, pk=pk)
    form = PenaltyRuleActiveForm(request.POST)
    act_sending_back(request, form, assessment_rules.set_penalty_rule_active, rule=rule,
                     success=lambda: _("扣款规则已启用") if form.cleaned_data["active"] else _("扣款规则已停用"))
    return redirect_back(request, reverse("settlement-penalty-rules"))
