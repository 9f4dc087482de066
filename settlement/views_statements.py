"""Portal pages of monthly statements (SPEC §4.11): the months finance generates, the statement list and detail with
its versions, lines, PDFs, history and the steps each side takes.

Finance generates, issues, reissues after a dispute, approves and pays; the supplier admin confirms, disputes and
enters its invoice; supplier staff read; operators read every statement, its lines, versions and history, with the
bank account number masked and without the PDF (which carries it whole). Each view parses its input, makes one service call and renders; every read
starts from the services' scoped lists, so another supplier's statement is a 404.
"""
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import jobs
from core.api.permissions import require_role
from core.exports import Column, day, label, list_download, moment, money, rows_download
from core.errors import DomainError, ValidationFailed
from core.files import file_response, serve
from core.fsm import history_of, note_latest_changes
from core.pages import add_service_errors, moved_on, named_step, paginate, state_reached
from core.roles import SUPPLIER_ROLES, Role, has_role
from core.tabular import CONTENT_TYPES
from core.texts import listed
from settlement.forms import CollectionForm, CorrectInvoiceForm, DecisionForm, DisputeForm, GenerateForm, InvoiceForm, LineFilterForm, NoteForm, PayForm, StatementFilterForm
from settlement.models import Adjustment, GenerationRun, Reconciliation, Section, Statement
from settlement.pdf import described
from settlement.home import payables_by_month
from settlement.services import adjustments, generation, reconciliation, reconciliation_history, statement_pdfs, statements
from settlement.tasks import generate_statements
from suppliers.selectors_profile import account_number_for
from suppliers.services.team import admin_usernames

FINANCE = frozenset({Role.FINANCE})
ADMIN = frozenset({Role.SUPPLIER_ADMIN})
# who opens the pages of statements, adjustments and reconciliations: whom the API shows them to (core.tenancy.Visibility)
STATEMENT_READERS = Statement.visibility.readers
ADJUSTMENT_READERS = Adjustment.visibility.readers
RECONCILIATION_READERS = Reconciliation.visibility.readers
LINES_PER_PAGE = 100
DECISIONS = [("approve", gettext_lazy("审批通过"), ""), ("reject", gettext_lazy("驳回"), "danger")]


def adjustment_decisions() -> dict:
    """Template context of the buttons of settlement/_adjustment_table.html: each decision (name, label, style, its
    blank note form) and the withdrawal's note form."""
    return {"decisions": [(name, label, style, DecisionForm(action=name, auto_id=False)) for name, label, style in DECISIONS],
            "withdraw_form": DecisionForm(action="withdraw", auto_id=False)}


# service field → form field
FIELDS = {"invoice_number": "number", "invoice_amount": "amount", "payment_reference": "reference", "payment_date": "paid_on",
          "collection_reference": "reference", "collection_date": "collected_on", "collection_amount": "amount"}


@dataclass(frozen=True)
class StatementAction:
    """A step on a statement: the service it calls, the form it takes and the roles that take it."""

    label: str
    service: Callable
    roles: frozenset
    form: type[forms.Form] = NoteForm
    style: str = ""
    confirm: str = ""  # the question a step that cannot be undone asks before it is taken


ACTIONS = {
    "issue": StatementAction(gettext_lazy("下发"), statements.issue_statement, FINANCE,
                             confirm=gettext_lazy("下发后本版本内容不可更改，礼品商将收到通知。确定下发？")),
    "reissue": StatementAction(gettext_lazy("下发新版本"), statements.reissue_statement, FINANCE,
                               confirm=gettext_lazy("下发后新版本内容不可更改，礼品商将收到通知。确定下发？")),
    "approve_payment": StatementAction(gettext_lazy("审批付款"), statements.approve_payment, FINANCE,
                                       confirm=gettext_lazy("批准后即可按应付金额付款。确定批准？")),
    "pay": StatementAction(gettext_lazy("登记付款"), statements.pay_statement, FINANCE, PayForm,
                           confirm=gettext_lazy("登记后结算单即为已付款，不可撤销。确定登记？")),
    "record_collection": StatementAction(gettext_lazy("登记收款"), statements.record_collection, FINANCE, CollectionForm,
                                         confirm=gettext_lazy("收款登记后不可撤销；收回全部未收金额后该应收款即为已收回。确定登记这笔收款？")),
    "confirm": StatementAction(gettext_lazy("确认结算单"), statements.confirm_statement, ADMIN,
                               confirm=gettext_lazy("确认后不能再对本结算单提出异议。确定确认？")),
    "dispute": StatementAction(gettext_lazy("提出异议"), statements.dispute_statement, ADMIN, DisputeForm, "danger"),
    "invoice": StatementAction(gettext_lazy("登记发票"), statements.invoice_statement, ADMIN, InvoiceForm),
    "correct_invoice": StatementAction(gettext_lazy("更正发票号码"), statements.correct_invoice_number, ADMIN, CorrectInvoiceForm, "secondary"),
}


def refusal_of(name: str, statement: Statement, user, now, *, respond_by: datetime | None) -> str:
    """Why the user may not take the step `name` on the statement now ('' when nothing stands in the way);
    `respond_by`: the statement's (`statements.respond_by`)."""
    if name == "reissue":
        return statements.reissue_refusal(statement)
    if name == "dispute":
        return statements.dispute_refusal(respond_by, now=now)
    return statements.payment_refusal(statement, user, name)


def offered_actions(statement: Statement, user, bound: dict | None = None, superseded: list | None = None, *,
                    now, respond_by: datetime | None, pending: dict | None = None,
                    ) -> list[tuple[str, StatementAction, forms.Form | None, str]]:
    """The steps the user takes on the statement in its current state, each with its form (`bound` after a refusal),
    or, for a step that cannot be taken (a payment step that needs another finance user than this one, a reissue
    a dispute adjustment awaiting its checker holds, a dispute once the time to answer is over), no form and the
    reason. The reissue's question names the reconciliations it supersedes with differences still open
    (`superseded`: `reconciliation.left_open`), its note is required as the version it would issue says (`pending`:
    `statements.pending_version`, read once by the page)."""
    available = {t.name for t in statement.get_available_state_transitions()}
    offered = []
    for name, action in ACTIONS.items():
        if name in available and user.role in action.roles:
            refusal = refusal_of(name, statement, user, now, respond_by=respond_by)
            if name == "reissue" and superseded:
                action = replace(action, confirm=reissue_question(superseded))
            if refusal:
                offered.append((name, action, None, refusal))
            else:
                form = (bound or {}).get(name) or action.form(auto_id=False)
                if name == "reissue" and pending is not None and statements.reissue_needs_reason(pending):
                    form.require_reason()
                offered.append((name, action, form, ""))
    return offered


def reissue_question(superseded: list) -> str:
    """The reissue's question when reconciliations of the current version still have open differences: they go out of
    date (已过期) with the new version and are answered on a file matched against it."""
    files = listed(_("%(file)s（%(lines)s 条未处理）") % {"file": found.file_name, "lines": found.open_lines} for found in superseded)
    return _("礼品商的对账文件 %(files)s 还有未处理的差异，下发新版本后这些对账将过期（已过期），差异须在新版本的对账中处理。"
             "下发后新版本内容不可更改，礼品商将收到通知。确定下发？") % {"files": files}


# --- months and generation (finance) -------------------------------------------------------------------------------

def _months_page(request, form: GenerateForm):
    runs = GenerationRun.objects.visible_to(request.user)
    payables, chart = payables_by_month(request.user)
    context = paginate(request, runs.select_related("started_by")) | {
        "form": form, "running": runs.filter(status=GenerationRun.Status.RUNNING).exists(), "chart": chart, "payables": payables,
    }
    return render(request, "settlement/months.html", context)


@login_required
def months(request):
    require_role(request.user, FINANCE)
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            month = generation.parse_month(form.cleaned_data["month"])
            run = generation.start_generation(month=month, actor=request.user, now=timezone.now())
        except DomainError as error:
            add_service_errors(form, error)
        else:
            jobs.publish_on_commit(generate_statements, run_id=run.pk)
            messages.success(request, _("已开始生成 %(month)s 的结算单") % {"month": f"{month:%Y-%m}"})
            return redirect("settlement-months")
    return _months_page(request, form)


# --- statements ----------------------------------------------------------------------------------------------------

@login_required
def statement_list(request):
    require_role(request.user, STATEMENT_READERS)
    filters, rows = _listed_statements(request)
    rows = filters.apply(rows)
    context = paginate(request, rows, by_id=True) | {"filters": filters, "is_supplier": request.user.role in SUPPLIER_ROLES,
                                                     "totals": statements.statement_totals(rows)}
    return render(request, "settlement/statements.html", context, status=filters.status)


def _listed_statements(request):
    """The statements page's filter form and the statements the user may see as its service narrows them, before the
    form's own filters: the page and its download list the same rows."""
    filters = StatementFilterForm(request.GET, states=statements.statement_states(actor=request.user), reader=request.user)
    return filters, statements.list_statements(actor=request.user, **filters.values())


def statement_columns(user) -> list[Column]:
    """The statements list's download: what finance pays from, the account number masked for whom the page masks it;
    the time to respond by and a payment overdue flagged as the page shows them (`list_statements`' annotations); the
    supplier's invoice, as every reader of the statement's page reads it."""
    return [
        Column(gettext_lazy("礼品商"), lambda s: s.supplier.name),
        Column(gettext_lazy("结算月份"), lambda s: f"{s.month:%Y-%m}"),
        Column(gettext_lazy("当前版本"), lambda s: f"v{s.version}"),
        label(gettext_lazy("状态"), "state"),
        Column(gettext_lazy("应付金额"), lambda s: money(s.payable)),
        Column(gettext_lazy("下发时间"), lambda s: moment(s.issued_at)),
        Column(gettext_lazy("答复期限"), lambda s: moment(s.respond_by)),
        Column(gettext_lazy("付款到期日"), lambda s: day(s.payment_due_on)),
        Column(gettext_lazy("逾期未付"), lambda s: _("逾期未付") if s.payment_overdue else ""),
        Column(gettext_lazy("发票号码"), lambda s: s.invoice_number),
        Column(gettext_lazy("发票金额"), lambda s: money(s.invoice_amount)),
        Column(gettext_lazy("付款日期"), lambda s: day(s.payment_date)),
        Column(gettext_lazy("付款凭证号"), lambda s: s.payment_reference),
        Column(gettext_lazy("尚未收回"), lambda s: money(s.outstanding)),
        Column(gettext_lazy("开户银行"), lambda s: s.paying_bank_name or ""),
        Column(gettext_lazy("账户名称"), lambda s: s.paying_account_name or ""),
        Column(gettext_lazy("银行账号"),
               lambda s: account_number_for(user, s.paying_account_number) if s.paying_account_number else ""),
    ]


@login_required
def statement_export(request, file_format: str):
    """The statements list as filtered, every row of it, as CSV or XLSX."""
    require_role(request.user, STATEMENT_READERS)
    filters, rows = _listed_statements(request)
    return list_download(filters=filters, rows=statements.with_paying_account(rows), columns=statement_columns(request.user), file_format=file_format,
                         name="statements", now=timezone.now())


def _chosen_version(request, statement: Statement):
    versions = list(statement.versions.select_related("issued_by").order_by("number"))
    wanted = request.GET.get("version", "")
    chosen = next((v for v in versions if str(v.number) == wanted), None) or next(v for v in versions if v.number == statement.version)
    return versions, chosen


def _sections(version, page) -> list[dict]:
    """The page's lines grouped by section, each with the section's total over the whole version."""
    labels = dict(Section.choices)
    totals = version.sections
    for line in page:  # as the PDF prints it: cost kinds and return outcomes by their names, not their codes
        line.description_label = described(line)
    return [{"section": section, "label": labels[section], "total": totals[section], "lines": list(lines)}
            for section, lines in groupby(page, key=lambda line: line.section)]


def render_detail(request, statement: Statement, *, bound: dict | None = None, status: int = 200):
    """The statement page; `bound` holds the refused action form to show again with its field errors."""
    versions, chosen = _chosen_version(request, statement)
    line_filters = LineFilterForm(request.GET)
    # the lines' links (pages, filters, sorting headings) lead to the page, also from a refused step's answer at its address
    lines = paginate(request, line_filters.apply(statements.version_lines(chosen)), per_page=LINES_PER_PAGE,
                     list_url=reverse("settlement-statement", args=[statement.pk]))
    user = request.user
    reissuable = statement.state == Statement.State.DISPUTED and user.role in ACTIONS["reissue"].roles
    superseded = reconciliation.left_open(statement) if reissuable else []
    now = timezone.now()
    respond_by = statements.respond_by(statement)  # none unless issued, whatever an older annotation says
    pending = statements.pending_version(statement) if reissuable else None  # version n+1's figures, read once
    actions = offered_actions(statement, user, bound, superseded, now=now, respond_by=respond_by, pending=pending)
    on_issue = _account_on_issue(statement, user, now=now) if statement.state == Statement.State.DRAFT else None
    answers = statements.dispute_answers(statement)
    for version in versions:
        version.dispute_answer = answers.get(version.number) if version.number > 1 else None
        version.shown_account_number = account_number_for(user, version.account_number) if version.account_number else ""
        version.may_render_again = statement_pdfs.may_render_again(version, now=now)
    dispute_adjustments = list(adjustments.with_booking(
        statement.dispute_adjustments.select_related("supplier", "created_by", "decided_by", "statement"), actor=user))
    note_latest_changes(dispute_adjustments)  # what each proposed one's decision forms saw, in one query
    # adjustments once proposed for the differences they answer, rejected or withdrawn (staff only)
    reconciliation_history.note_earlier_rejections(dispute_adjustments, actor=user)
    context = lines | {
        "statement": statement,
        "respond_by": respond_by,
        "answer_time_over": statements.answer_time_over(respond_by, now=now),
        "payment_overdue": statements.payment_overdue(statement, today=timezone.localdate()),
        "versions": versions,
        "chosen": chosen,
        "sections": _sections(chosen, lines["page_obj"]),
        "line_filters": line_filters,
        "history": history_of(statement),
        "actions": actions,
        "pending": pending if any(name == "reissue" for name, *_rest in actions) else None,
        "reissue_refusal": next((refusal for name, _action, _form, refusal in actions if name == "reissue"), ""),
        "superseded_on_reissue": superseded,
        "is_finance": user.role in FINANCE,
        "is_supplier": user.role in SUPPLIER_ROLES,
        # an issued statement waits for the supplier's admin, a confirmed one too: its staff are told who confirms or
        # disputes it, who enters its invoice
        "left_to_admins": admin_usernames(statement.supplier_id)
        if user.role == Role.SUPPLIER_STAFF and statement.state in statements.WAITING_FOR[Role.SUPPLIER_ADMIN] else None,
        "opens_pdf": statements.may_download_pdf(user),
        # a PDF being rendered: the page reads itself again until it is stored or failed; not an answer to a form,
        # which reading again would post again or lose
        "awaits_pdf": request.method == "GET" and any(version.pdf_status == "rendering" for version in versions),
        "opens_reconciliations": has_role(user, RECONCILIATION_READERS),
        "opens_adjustments": has_role(user, ADJUSTMENT_READERS),
        "may_upload": user.role in ADMIN and statement.state in reconciliation.RECONCILABLE,
        "dispute_adjustments": dispute_adjustments,
        "on_issue": on_issue,
        "carried": statements.carried_line(statement),
        "carry_corrections": statements.carry_corrections(statement, actor=user),
        "receivable_payments": statements.receivable_payments(statement) if statement.receivable else [],
        **adjustment_decisions(),
        "reconciliations": reconciliation.list_reconciliations(actor=user).filter(statement=statement),
    }
    return render(request, "settlement/statement_detail.html", context, status=line_filters.status if status == 200 else status)


def _account_on_issue(statement: Statement, user, *, now) -> dict:
    """The draft page's account: the one issuing it now would pay (`statements.account_on_issue`), its number as the
    reader may see it, and what may change it before the draft is issued (`statements.account_changes`)."""
    account = statements.account_on_issue(statement, now=now)
    changes = statements.account_changes(statement, now=now)
    return {"account": account, "shown_number": account_number_for(user, account.account_number) if account else "",
            "usable": changes.usable, "usable_number": account_number_for(user, changes.usable.account_number) if changes.usable else "",
            "requested": changes.requested}


@login_required
def statement_detail(request, pk: int):
    require_role(request.user, STATEMENT_READERS)
    return render_detail(request, get_object_or_404(statements.list_statements(actor=request.user), pk=pk))


@login_required
@require_POST
def statement_action(request, pk: int, name: str):
    action = named_step(ACTIONS, name)
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    require_role(request.user, action.roles)
    if status := moved_on(request, statement, name):  # whatever the form held
        return render_detail(request, statement, status=status)
    form = action.form(request.POST, auto_id=False)
    if form.is_valid():
        try:
            action.service(statement=statement, actor=request.user, now=timezone.now(), **form.cleaned_data)
        except ValidationFailed as error:
            add_service_errors(form, error, aliases=FIELDS)
        except DomainError as error:
            messages.error(request, error.detail)
            if error.status != 409:
                return redirect("settlement-statement", pk=statement.pk)
            # the statement moved on (another tab, another user): its page as it is now, with why (SPEC §4: 409);
            # read again as the page reads it, so that its flags (respond by, payment overdue) are today's too
            return render_detail(request, statements.list_statements(actor=request.user).get(pk=pk), status=409)
        else:
            messages.success(request, state_reached(statement, f"{statement.month:%Y-%m} {statement.supplier.name}"))
            return redirect("settlement-statement", pk=statement.pk)
    return render_detail(request, statement, bound={name: form}, status=400)


@login_required
def version_figures(request, pk: int, number: int, file_format: str):
    """Our lines of a version in the reconciliation file's columns, for the statement's readers (another supplier's: 404)."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    version = get_object_or_404(statement.versions, number=number)
    return file_response(reconciliation.our_figures(version=version, file_format=file_format))


LINE_COLUMNS = [
    label(gettext_lazy("部分"), "section"),
    Column(gettext_lazy("记录时间"), lambda line: moment(line.recorded_at)),
    Column(gettext_lazy("订单号"), lambda line: line.order_number),
    Column(gettext_lazy("SKU"), lambda line: line.sku),
    Column(gettext_lazy("数量"), lambda line: line.counted_quantity),
    Column(gettext_lazy("金额"), lambda line: money(line.amount)),
    Column(gettext_lazy("联系电话"), lambda line: line.contact),
    Column(gettext_lazy("说明"), described),
    Column(gettext_lazy("首次出现的版本"), lambda line: f"v{line.version}"),
]


@login_required
def version_lines_export(request, pk: int, number: int, file_format: str):
    """Every line of a version (deliveries, returns, extra costs, adjustments, carried amounts), in the page's and the
    PDF's order and columns, as CSV or XLSX, for the statement's readers (another supplier's: 404)."""
    require_role(request.user, STATEMENT_READERS)
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    version = get_object_or_404(statement.versions, number=number)
    return rows_download(rows=statements.version_lines(version), columns=LINE_COLUMNS, file_format=file_format,
                         name=f"statement-{statement.month:%Y%m}-v{number}-lines", now=timezone.now())


@login_required
@require_POST
def version_render_pdf(request, pk: int, number: int):
    """Finance queues the render of an issued version's PDF again (it failed, or never came)."""
    require_role(request.user, FINANCE)
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    version = get_object_or_404(statement.versions, number=number)
    try:
        statement_pdfs.render_pdf_again(version=version, actor=request.user, now=timezone.now())
    except ValidationFailed as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("已重新安排生成 v%(number)s 的 PDF") % {"number": number})
    return redirect("settlement-statement", pk=statement.pk)


@login_required
def version_pdf(request, pk: int, number: int):
    statements.require_pdf_reader(request.user)
    statement = get_object_or_404(statements.list_statements(actor=request.user), pk=pk)
    version = get_object_or_404(statement.versions, number=number)
    return serve(version.pdf, as_attachment=True)
