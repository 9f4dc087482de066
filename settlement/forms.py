"""Portal forms of settlement: they parse input into the shapes the services take; the rules live there."""
from django import forms
from django.utils.translation import gettext, gettext_lazy as _

from core.forms import DayRangeFilter, ListFilter, SubmittedOnce, choice_filter, day_field, waiting_box, yes_no_box
from core.roles import SUPPLIER_ROLES, waits_for
from core.texts import figure
from core.validators import BusinessDayField
from settlement.models import Adjustment, Category, Resolution, Section, Statement
from settlement.services import adjustments, statements
from core.months import MonthFilter  # noqa: F401  (the settlement pages' month filters import it from here)
from settlement.services.reconciliation import answerable_lines
from settlement.sources import source_choices
from suppliers.models import Supplier


def _text(label, *, required: bool = True, max_length: int = 2000) -> forms.CharField:
    """A one-line text field that shows its label as a placeholder (action forms render without labels)."""
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.TextInput(attrs={"placeholder": label}))


def _month_field(*, required: bool) -> forms.CharField:
    return forms.CharField(label=_("结算月份"), required=required, max_length=10,  # 2026年09月 too (parse_month)
                           widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}))


def _supplier_choices() -> list[tuple[int, str]]:
    return list(Supplier.objects.order_by("name").values_list("pk", "name"))


def _adjustable_supplier_choices() -> list[tuple[int, str]]:
    return list(adjustments.adjustable_suppliers().order_by("name").values_list("pk", "name"))


class SupplierFilterForm(ListFilter):
    """Filters with a supplier choice for staff; a supplier's users only ever see their own, so they get none."""

    supplier = forms.TypedChoiceField(label=_("礼品商"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, reader, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.across_suppliers = getattr(reader, "role", None) not in SUPPLIER_ROLES
        if self.across_suppliers:
            self.fields["supplier"].choices = [("", _("全部")), *_supplier_choices()]
        else:
            del self.fields["supplier"]


class GenerateForm(forms.Form):
    month = _month_field(required=True)


class StatementFilterForm(SupplierFilterForm, DayRangeFilter):
    """`states`: the (value, label) the reader may see statements in (all of them unless given); `reader`: the user
    reading the list, offered the statements waiting for their step (the navigation badge's) when some may. The days
    paid on narrow it to a payment run's or a month's payments (its download lists the same rows)."""

    month = MonthFilter(label=_("结算月份"), required=False, widget=forms.TextInput(attrs={"placeholder": "YYYY-MM"}))
    state = choice_filter(_("状态"), Statement.State.choices)
    waiting = waiting_box()
    awaiting_payment = yes_no_box(_("仅看待付款（已开票或已审批）"))
    receivable = yes_no_box(_("仅看应收（已终止合作的负应付）"))
    overdue = yes_no_box(_("仅看逾期未付"))
    q = forms.CharField(label=_("搜索"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": _("礼品商 / 发票号码 / 付款或收款凭证号")}))
    paid_from = day_field(_("付款日期自"))
    paid_to = day_field(_("至"))
    field_order = ["q", "month", "state", "supplier", "paid_from", "paid_to", "waiting", "awaiting_payment", "receivable", "overdue"]
    day_range = ("paid_from", "paid_to")
    search = statements.SEARCHED
    sorts = {"month": "month", "supplier": "supplier__name", "version": "version", "payable": "payable",
             "issued_at": "issued_at", "payment_due_on": "payment_due_on", "payment_date": "payment_date"}

    def __init__(self, *args, states: list[tuple[str, str]] | None = None, reader, **kwargs) -> None:
        super().__init__(*args, reader=reader, **kwargs)
        if states is not None and "state" in self.fields:
            self.fields["state"].choices = [("", _("全部")), *states]
        if "waiting" in self.fields and not waits_for(statements.statements_waiting, reader):
            del self.fields["waiting"]

    def narrow(self, rows, data: dict):
        return super().narrow(rows, data).filter(**statements.paid_between(*self.days()))

    def values(self) -> dict:
        """The filters as `list_statements` takes them."""
        data = super().values()
        return {"month": data.get("month"), "state": data.get("state") or "", "supplier_id": data.get("supplier"),
                "receivable": data.get("receivable"), "overdue": data.get("overdue"),
                "awaiting_payment": data.get("awaiting_payment"), "waiting": data.get("waiting")}


class LineFilterForm(ListFilter):
    """The filters above a statement version's lines, as its API's lines take them (`search`, `section`)."""

    q = forms.CharField(label=_("订单号或 SKU"), required=False, max_length=60)
    section = choice_filter(_("部分"), Section.choices)
    version = forms.CharField(widget=forms.HiddenInput, required=False)  # the version shown, kept as it is filtered
    exact = {"section": "section"}
    search = statements.LINE_SEARCHED
    kept = ("version",)
    sorts = {"recorded_at": "recorded_at", "order_number": "order_number", "quantity": "quantity", "amount": "amount"}

    def ordered(self, rows):
        """The lines in the order asked within each section, the sections still in the statement's order (the page
        shows them section by section, as the PDF prints them)."""
        sorted_rows = super().ordered(rows)
        if sorted_rows is rows:
            return rows
        return sorted_rows.order_by(statements.SECTION_ORDER, *sorted_rows.query.order_by)


class ReconciliationFilterForm(StatementFilterForm):
    q = None
    state = None
    paid_from = None
    paid_to = None
    waiting = None
    awaiting_payment = None
    receivable = None
    overdue = None
    open_only = yes_no_box(_("只看有待处理差异的"))
    field_order = ["month", "supplier", "open_only"]
    sorts = {"uploaded_at": "uploaded_at", "supplier": "supplier__name", "month": "statement__month",
             "version": "version__number", "row_count": "row_count"}

    def values(self) -> dict:
        data = ListFilter.values(self)
        return {"month": data.get("month"), "supplier_id": data.get("supplier"), "open_only": data.get("open_only")}


class AdjustmentFilterForm(SupplierFilterForm, DayRangeFilter):
    """The adjustments by state, kind, source, supplier and the days they were approved or rejected on (those of a
    payment run: its download lists the same rows)."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=60,
                        widget=forms.TextInput(attrs={"placeholder": _("调账单号 / 礼品商 / 原因 / 来源编号")}))
    state = choice_filter(_("状态"), Adjustment.State.choices)
    kind = choice_filter(_("类型"), Adjustment.Kind.choices)
    source_kind = choice_filter(_("来源类型"), [])
    date_from = day_field(_("审批日期自"))
    date_to = day_field(_("至"))
    waiting = waiting_box()
    field_order = ["q", "state", "kind", "source_kind", "supplier", "date_from", "date_to", "waiting"]
    exact = {"kind": "kind", "source_kind": "source_kind"}
    search = adjustments.SEARCHED
    sorts = {"number": "number", "supplier": "supplier__name", "amount": "amount", "created_at": "created_at",
             "decided_at": "decided_at"}

    def __init__(self, *args, reader, **kwargs) -> None:
        super().__init__(*args, reader=reader, **kwargs)
        self.fields["source_kind"].choices = [("", _("全部")), *source_choices()]
        if not adjustments.reads_every_adjustment(reader):  # a supplier's users: the states they may read, no others
            self.fields["state"].choices = [("", _("全部")), *((value, label) for value, label in Adjustment.State.choices
                                                              if value in adjustments.SUPPLIER_VISIBLE_STATES)]
        if not waits_for(adjustments.adjustments_to_check, reader):  # those another finance user made, for this one to decide
            del self.fields["waiting"]

    def narrow(self, rows, data: dict):
        return super().narrow(rows, data).filter(**self.day_lookups("decided_at"))

    def values(self) -> dict:
        data = super().values()
        return {"state": data.get("state") or "", "supplier_id": data.get("supplier"), "waiting": data.get("waiting")}


class AdjustmentForm(SubmittedOnce):
    """An adjustment as finance proposes it; for a disputed statement the supplier is the statement's."""

    supplier = forms.TypedChoiceField(label=_("礼品商"), coerce=int)
    kind = forms.ChoiceField(label=_("类型"), choices=Adjustment.Kind.choices)
    amount = forms.CharField(label=_("金额"), max_length=20, help_text=_("正数增加应付，负数减少应付，如 -118.80；违约扣款为负数，补偿为正数"))
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    source_kind = forms.ChoiceField(label=_("来源类型"), initial="other")
    source_id = forms.CharField(label=_("来源编号"), required=False, max_length=40,
                                help_text=_("订单号、退换货单号等；额外费用填额外费用列表或结算单明细里的编号，如 #12；来源类型为“其他”时可不填"))

    reconciliation_lines = forms.TypedMultipleChoiceField(
        label=_("本调账处理的对账差异"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选的差异明细由本调账处理，不再单独调账"))

    def __init__(self, *args, statement: Statement | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_kind"].choices = source_choices()
        # only the kinds finance makes by hand; a dispute adjustment only on a disputed statement's own form
        self.fields["kind"].choices = [(kind, Adjustment.Kind(kind).label) for kind in adjustments.HAND_KINDS
                                       if statement is not None or kind != Adjustment.Kind.DISPUTE]
        if statement is None:
            self.fields["supplier"].choices = _adjustable_supplier_choices()
            del self.fields["reconciliation_lines"]
        else:
            del self.fields["supplier"]
            self.fields["kind"].initial = Adjustment.Kind.DISPUTE
            self.fields["reconciliation_lines"].choices = [
                (line.pk, f"{line.order_number} {line.sku} {line.get_kind_display()} · {line.get_category_display()} · "
                          + gettext("礼品商 %(theirs)s / 平台 %(ours)s") % {"theirs": _figure(line.amount), "ours": _figure(line.our_amount)})
                for line in answerable_lines(statement)]
            if not self.fields["reconciliation_lines"].choices:
                del self.fields["reconciliation_lines"]


def _figure(amount) -> str:
    return "—" if amount is None else figure(amount)


class NoteForm(forms.Form):
    reason = _text(_("备注（选填）"), required=False)

    def require_reason(self) -> None:
        """The note made required and labelled so: a reissue that changes nothing needs its reason
        (`statements.reissue_statement`)."""
        field = self.fields["reason"]
        field.required = True
        field.label = field.widget.attrs["placeholder"] = _("原样重新下发的原因（必填）")


class DecisionForm(forms.Form):
    """The note of an adjustment's approval, rejection or withdrawal, its placeholder saying what the action asks for
    (a withdrawal's reason is required)."""

    note = _text(_("审批意见"), required=False)
    PROMPTS = {"approve": _("审批意见（选填）"), "reject": _("驳回原因"), "withdraw": _("撤回原因")}

    def __init__(self, *args, action: str = "approve", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["placeholder"] = self.PROMPTS[action]
        self.fields["note"].required = action == "withdraw"


class PayForm(forms.Form):
    reference = _text(_("付款凭证号"), max_length=60)
    paid_on = BusinessDayField(label=_("付款日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class CollectionForm(forms.Form):
    reference = _text(_("收款凭证号"), max_length=60)
    amount = _text(_("收款金额"), max_length=20)
    collected_on = BusinessDayField(label=_("收款日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DisputeForm(forms.Form):
    reason = _text(_("异议说明"))


class _InvoiceNumberHelp:
    """An invoice number field (`number`) telling its rule before a submit, as the validation checks it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].help_text = statements.invoice_number_rule()


class InvoiceForm(_InvoiceNumberHelp, forms.Form):
    number = _text(_("发票号码"), max_length=40)
    amount = _text(_("发票金额"), max_length=20)


class CorrectInvoiceForm(_InvoiceNumberHelp, forms.Form):
    number = _text(_("正确的发票号码"), max_length=40)
    reason = _text(_("更正原因（选填）"), required=False)


class ReconciliationUploadForm(forms.Form):
    file = forms.FileField(label=_("对账文件"), help_text=_("CSV（UTF-8 或 GBK）或 XLSX：订单号、SKU、类型（配送/退货/换货）、数量、金额"))


class ResolveForm(forms.Form):
    """A discrepancy's resolution; on a line's page, offering only the `resolutions` that line accepts (the service
    refuses any other)."""

    resolution = forms.ChoiceField(label=_("处理方式"), choices=Resolution.choices)
    note = _text(_("处理说明（以平台为准、核销时必填）"), required=False, max_length=300)

    def __init__(self, *args, resolutions: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if resolutions is not None:
            self.fields["resolution"].choices = resolutions


class CategoryFilterForm(ListFilter):
    """A reconciliation's lines by result, or those still to resolve; sorted by the file's or the platform's figures."""

    category = choice_filter(_("结果"), Category.choices)
    unresolved = yes_no_box(_("仅未处理"))
    sorts = {"row": "row", "order_number": "order_number", "quantity": "quantity", "our_quantity": "our_quantity",
             "amount": "amount", "our_amount": "our_amount"}

    def values(self) -> dict:
        data = super().values()
        return {"category": data.get("category") or "", "unresolved": data.get("unresolved")}
