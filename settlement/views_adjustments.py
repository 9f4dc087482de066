"""Portal pages of adjustments and reconciliations (SPEC §4.11).

Finance proposes adjustments — free ones, or ones answering a statement's dispute — and another finance user
approves or rejects them (maker-checker); suppliers see theirs. The supplier admin uploads its own statement of a
statement version; finance reads the counts and totals per category and resolves each discrepancy.
"""
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.exports import Column, label, list_download, moment, money
from core.models.transitions import actor_label_for
from core.errors import DomainError
from core.fsm import history_of, note_latest_changes
from core.roles import SUPPLIER_ROLES
from core.pages import (
    act_sending_back, add_service_errors, create_with_form, form_status, moved_on, named_step, paginate, redirect_back, run_action, send_back,
    send_back_refusal,
)
from core.tabular import TableRejected
from settlement.forms import (
    AdjustmentFilterForm, AdjustmentForm, CategoryFilterForm, DecisionForm, ReconciliationFilterForm, ReconciliationUploadForm, ResolveForm,
)
from settlement.models import Adjustment, Category, ReconciliationLine, Resolution
from logistics.services import claims
from settlement.services import adjustments, compensation, reconciliation, reconciliation_history, statements
from settlement.views_statements import ADJUSTMENT_READERS, ADMIN, FINANCE, RECONCILIATION_READERS
from settlement.views_statements import adjustment_decisions
from suppliers.models import Supplier


def _withdraw(*, adjustment, actor, now, note: str):
    return adjustments.withdraw_adjustment(adjustment=adjustment, actor=actor, now=now, reason=note)


DECISIONS = {"approve": adjustments.approve_adjustment, "reject": adjustments.reject_adjustment, "withdraw": _withdraw}
DONE = {"approve": gettext_lazy("调账 %(number)s 已审批"), "reject": gettext_lazy("调账 %(number)s 已驳回"),
        "withdraw": gettext_lazy("调账 %(number)s 已撤回")}


# --- adjustments ---------------------------------------------------------------------------------------------------

@login_required
def adjustment_list(request):
    require_role(request.user, ADJUSTMENT_READERS)
    filters, rows = _listed_adjustments(request)
    rows = filters.apply(rows)
    context = paginate(request, rows) | {
        "filters": filters, "is_finance": request.user.role in FINANCE, "totals": adjustments.adjustment_totals(rows), **adjustment_decisions(),
    }
    note_latest_changes(context["page_obj"])  # what each row's decision forms saw
    reconciliation_history.note_earlier_rejections(context["page_obj"], actor=request.user)
    return render(request, "settlement/adjustments.html", context, status=filters.status)


def _listed_adjustments(request):
    """The adjustments page's filter form and the adjustments the user may see as its service narrows them, before the
    form's own filters: the page and its download list the same rows."""
    filters = AdjustmentFilterForm(request.GET, reader=request.user)
    return filters, adjustments.list_adjustments(actor=request.user, **filters.values())


def adjustment_columns(user) -> list[Column]:
    """The adjustments list's download; people as the reader's list names them (staff by role for a supplier)."""
    return [
        Column(gettext_lazy("调账单号"), lambda a: a.number),
        Column(gettext_lazy("礼品商"), lambda a: a.supplier.name),
        label(gettext_lazy("类型"), "kind"),
        Column(gettext_lazy("金额"), lambda a: money(a.amount)),
        Column(gettext_lazy("原因"), lambda a: a.reason_label),
        Column(gettext_lazy("来源"), lambda a: a.source_text),
        Column(gettext_lazy("创建人"), lambda a: actor_label_for(a.created_by, user)),
        Column(gettext_lazy("创建时间"), lambda a: moment(a.created_at)),
        label(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("审批人"), lambda a: actor_label_for(a.decided_by, user) if a.decided_by else ""),
        Column(gettext_lazy("审批时间"), lambda a: moment(a.decided_at)),
        Column(gettext_lazy("审批意见"), lambda a: a.decision_note),
        Column(gettext_lazy("计入结算单"), booked_in),
    ]


def booked_in(adjustment: Adjustment) -> str:
    """The statement that booked the adjustment as the download names it (month, supplier, version, 待出具 while that
    version is not issued yet), 待计入 while it is still to be booked, nothing for one that never will be
    (`adjustments.where_booked`)."""
    booking = adjustments.where_booked(adjustment)
    if booking.code == "booked":
        return f"{booking.month:%Y-%m} {adjustment.supplier.name} {booking.version_shown}"
    return _("待计入") if booking.code else ""


@login_required
def adjustment_export(request, file_format: str):
    """The adjustments list as filtered, every adjustment of it, as CSV or XLSX."""
    require_role(request.user, ADJUSTMENT_READERS)
    filters, rows = _listed_adjustments(request)
    return list_download(filters=filters, rows=rows, columns=adjustment_columns(request.user),
                         file_format=file_format, name="adjustments", now=timezone.now())


@login_required
def adjustment_detail(request, pk: int):
    """One adjustment with its history: who proposed, approved, rejected or withdrew it, when and why."""
    require_role(request.user, ADJUSTMENT_READERS)
    adjustment = get_object_or_404(adjustments.list_adjustments(actor=request.user), pk=pk)
    return _render_detail(request, adjustment)


def _render_detail(request, adjustment: Adjustment, *, status: int = 200):
    reconciliation_history.note_earlier_rejections([adjustment], actor=request.user)
    standing = None if request.user.role in SUPPLIER_ROLES else compensation.standing_compensation(adjustment=adjustment)
    return render(request, "settlement/adjustment_detail.html", {
        "adjustment": adjustment, "adjustment_list": [adjustment], "history": history_of(adjustment), "is_finance": request.user.role in FINANCE,
        "standing": standing, "reverse_again": bool(standing) and compensation.may_propose_reversal_again(standing.claim, request.user),
        **adjustment_decisions(),
    }, status=status)


def _propose(request, form: AdjustmentForm, *, supplier, statement=None) -> bool:
    """Propose the adjustment the form describes, once per rendered form (core.pages.create_with_form: a double click
    or a re-sent form proposes one and says so once); False (with the errors on the form) when the service refuses."""
    return bool(create_with_form(
        request, form, "adjustment", partial(adjustments.propose_adjustment, statement=statement),
        values=lambda: form.entered() | {"supplier": supplier}, page="settlement-adjustment",
        success=lambda pk: _("调账 %(number)s 已创建，等待其他财务人员审批") % {"number": Adjustment.objects.get(pk=pk).number},
    ))


@login_required
def adjustment_create(request):
    require_role(request.user, FINANCE)
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        supplier = get_object_or_404(Supplier, pk=form.cleaned_data["supplier"])
        if _propose(request, form, supplier=supplier):
            return redirect("settlement-adjustments")
    return render(request, "settlement/adjustment_form.html", {"form": form}, status=form_status(form))


@login_required
def dispute_adjustment_create(request, pk: int):
    require_role(request.user, FINANCE)
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    form = AdjustmentForm(request.POST or None, statement=statement)
    if request.method == "POST" and form.is_valid():
        if _propose(request, form, supplier=statement.supplier, statement=statement):
            return redirect("settlement-statement", pk=statement.pk)
    return render(request, "settlement/adjustment_form.html", {"form": form, "statement": statement}, status=form_status(form))


@login_required
@require_POST
def adjustment_decide(request, pk: int, name: str):
    service = named_step(DECISIONS, name)
    adjustment = get_object_or_404(adjustments.list_adjustments(actor=request.user), pk=pk)
    require_role(request.user, FINANCE)
    form = DecisionForm(request.POST, action=name)
    if status := moved_on(request, adjustment, name):  # decided meanwhile: its page as it is now, with why, whatever the note
        return _render_detail(request, adjustment, status=status)  # (SPEC §4: 409)
    # a reason missing or too long, or one the service refuses: next to the note, nothing decided
    act_sending_back(request, form, service, adjustment=adjustment, success=str(DONE[name]) % {"number": adjustment.number},
                     aliases={"reason": "note"})
    return redirect_back(request, reverse("settlement-adjustments"))


@login_required
@require_POST
def claim_compensation(request, pk: int):
    """Finance proposes a lost parcel's compensation again, its earlier proposal rejected or withdrawn."""
    require_role(request.user, FINANCE)
    claim = get_object_or_404(claims.list_claims(user=request.user), pk=pk)
    run_action(request, lambda: compensation.propose_compensation_again(claim=claim, actor=request.user, now=timezone.now()),
               success=_("已重新发起补偿调账，等待其他财务人员审批"))
    return redirect(reverse("logistics-claim", args=[claim.pk]))


@login_required
@require_POST
def claim_reversal(request, pk: int):
    """Finance proposes again the reversal of a compensation left standing for a parcel delivered after all, its
    reversal rejected or withdrawn; back to the page it was asked from (the claim's, or the adjustment's)."""
    require_role(request.user, FINANCE)
    claim = get_object_or_404(claims.list_claims(user=request.user), pk=pk)
    run_action(request, lambda: compensation.propose_reversal_again(claim=claim, actor=request.user, now=timezone.now()),
               success=_("已重新发起冲销调账，等待其他财务人员审批"))
    return redirect_back(request, reverse("logistics-claim", args=[claim.pk]))


# --- reconciliations -----------------------------------------------------------------------------------------------

@login_required
def reconciliation_list(request):
    require_role(request.user, RECONCILIATION_READERS)
    filters = ReconciliationFilterForm(request.GET, reader=request.user)
    context = paginate(request, filters.apply(reconciliation.list_reconciliations(actor=request.user, **filters.values())))
    return render(request, "settlement/reconciliations.html", context | {"filters": filters}, status=filters.status)


EMPTY_CATEGORY = {"count": 0, "ours": "0.00", "theirs": "0.00", "ours_gross": "0.00", "theirs_gross": "0.00"}


def _summary_rows(summary: dict) -> list[dict]:
    labels = dict(Category.choices)
    return [{"category": category, "label": labels[category], **EMPTY_CATEGORY, **summary.get(category, {})}
            for category in Category.values]


@login_required
def reconciliation_detail(request, pk: int):
    require_role(request.user, RECONCILIATION_READERS)
    found = get_object_or_404(reconciliation.list_reconciliations(actor=request.user), pk=pk)
    filters = CategoryFilterForm(request.GET)
    lines = filters.apply(reconciliation.reconciliation_lines(reconciliation=found, **filters.values()))
    context = paginate(request, lines, per_page=50)
    reconciliation.note_resolution_histories(context["page_obj"], actor=request.user)
    for line in context["page_obj"]:
        line.shown_booked_in = line.booked_in_for(request.user)  # the statement booking it, as the API gives it to the reader
    reconciliation_history.note_earlier_answers(context["page_obj"], reconciliation=found, actor=request.user)  # from the statement's other files
    reconciliation_history.note_line_adjustments(context["page_obj"], actor=request.user)  # the checker's note, for those who may read it
    may_resolve = request.user.role in FINANCE
    for line in context["page_obj"]:
        line.resolve_form = ResolveForm(auto_id=False, resolutions=line.resolutions) if may_resolve and line.open else None
    context |= {
        "reconciliation": found, "filters": filters, "summary": _summary_rows(found.summary), "may_resolve": may_resolve,
        # where the adjustment a resolution proposes is booked, said before it is chosen
        "booking": [(Resolution(value).label, where) for value, where in reconciliation.booking_of(found.statement).items()]
        if request.user.role in FINANCE and found.open else [],
    }
    return render(request, "settlement/reconciliation_detail.html", context, status=filters.status)


def reconciliation_line_columns(user) -> list[Column]:
    """A reconciliation's lines as its page lists them: each party's figures, the result and how it was resolved."""
    return [
        Column(gettext_lazy("文件行号"), lambda line: line.row),
        Column(gettext_lazy("订单号"), lambda line: line.order_number),
        Column(gettext_lazy("SKU"), lambda line: line.sku),
        label(gettext_lazy("明细类型"), "kind"),
        Column(gettext_lazy("礼品商数量"), lambda line: line.quantity),
        Column(gettext_lazy("平台数量"), lambda line: line.our_quantity),
        Column(gettext_lazy("礼品商金额"), lambda line: money(line.amount)),
        Column(gettext_lazy("平台金额"), lambda line: money(line.our_amount)),
        label(gettext_lazy("结果"), "category"),
        label(gettext_lazy("处理"), "resolution"),
        Column(gettext_lazy("处理人"), lambda line: actor_label_for(line.resolved_by, user) if line.resolved_by else ""),
        Column(gettext_lazy("处理时间"), lambda line: moment(line.resolved_at)),
        Column(gettext_lazy("处理说明"), lambda line: line.note_label),
        Column(gettext_lazy("调账单号"), lambda line: line.adjustment.number if line.adjustment else ""),
    ]


@login_required
def reconciliation_export(request, pk: int, file_format: str):
    """A reconciliation's lines as its page's filter lists them (by result, still to resolve), every one, as CSV or
    XLSX, for those who may open the page (another supplier's: 404)."""
    require_role(request.user, RECONCILIATION_READERS)
    found = get_object_or_404(reconciliation.list_reconciliations(actor=request.user), pk=pk)
    filters = CategoryFilterForm(request.GET)
    return list_download(filters=filters, rows=reconciliation.reconciliation_lines(reconciliation=found, **filters.values()),
                         columns=reconciliation_line_columns(request.user), file_format=file_format,
                         name=f"reconciliation-{found.statement.month:%Y%m}-v{found.version.number}", now=timezone.now())


@login_required
def reconciliation_upload(request, pk: int):
    require_role(request.user, ADMIN)
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    form = ReconciliationUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            found = reconciliation.upload_reconciliation(
                statement=statement, file_name=upload.name, content=upload.read(reconciliation.RECONCILIATION_FILE.max_bytes + 1),
                actor=request.user, now=timezone.now(),
            )
        except TableRejected as rejected:
            problems = rejected.problems
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("对账文件已上传：%(rows)d 行") % {"rows": found.row_count})
            return redirect("settlement-reconciliation", pk=found.pk)
    context = {"form": form, "statement": statement, "problems": problems, "columns": reconciliation.file_columns(),
               "answer_time_over": statements.answer_time_over(statements.respond_by(statement), now=timezone.now())}
    return render(request, "settlement/reconciliation_upload.html", context)


@login_required
@require_POST
def line_resolve(request, pk: int):
    line = get_object_or_404(ReconciliationLine.objects.visible_to(request.user).select_related("reconciliation"), pk=pk)
    require_role(request.user, FINANCE)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            resolved = reconciliation.resolve_line(line=line, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except DomainError as error:
            send_back_refusal(request, form, error)
        else:
            done = _("已处理：%(order)s %(sku)s") % {"order": line.order_number, "sku": line.sku}
            if resolved.adjustment is not None:
                where = reconciliation.booking_of(resolved.reconciliation.statement)[resolved.resolution]
                done += _("；调账 %(number)s %(where)s") % {"number": resolved.adjustment.number, "where": where}
            messages.success(request, done)
    else:
        send_back(request, form)
    return redirect_back(request, reverse("settlement-reconciliation", args=[line.reconciliation_id]))
