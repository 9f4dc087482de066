from django import forms
from django.utils.translation import gettext_lazy as _

from datetime import date

from core.forms import ListFilter, choice_filter, yes_no_box
from core.roles import SUPPLIER_ROLES
from core.validators import MOBILE_MESSAGE, MOBILE_PATTERN, BusinessDayField, id_or_none
from suppliers.forms_profile import DATE
from suppliers.models import Contract, ProfileChange, Qualification, Supplier
from suppliers.models.notices import KIND_LABELS
from suppliers.selectors import SUPPLIER_SEARCHED
from suppliers.selectors_profile import CONTRACT_SEARCHED, QUALIFICATION_SEARCHED, ExpiryStatus
from suppliers.services.notices import NOTICE_SEARCHED, asking_action
from suppliers.services.onboarding import AWAITING_DECISION, LICENCE_FIELDS, application_problems, awaiting_decision


class SupplierApplicationForm(forms.Form):
    """The public application, with the business licence the operator reviews it by when the applicant has it at hand
    (the service's rule: optional, but all of it once any part is sent). Every bad field is shown at once: the form's
    own checks, then the service's rules (`onboarding.application_problems`) on the fields they left."""

    name = forms.CharField(label=_("企业名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), min_length=18, max_length=18)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.RegexField(label=_("联系电话"), regex=MOBILE_PATTERN, error_messages={"invalid": MOBILE_MESSAGE})
    contact_email = forms.EmailField(label=_("联系邮箱"), required=False)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    licence_file = forms.FileField(label=_("营业执照"), required=False, help_text=_(
        "选填：PDF 或 JPEG、PNG、WebP 扫描件，不超过 10 MB，并填写发证日期和有效期。未随申请上传的，由运营另行收取并登记；持有效营业执照方可通过审核。"))
    licence_issued_on = BusinessDayField(label=_("营业执照发证日期"), required=False, widget=DATE)
    licence_expires_on = BusinessDayField(label=_("营业执照有效期至"), required=False, widget=DATE)
    username = forms.RegexField(label=_("管理员用户名"), regex=r"^[\w.@+-]{3,150}$", help_text=_("审核期间也可用此用户名和密码登录，查看审核进度"))
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, help_text=_(
        "至少8位，不能全是数字、过于常见或与用户名、邮箱相近"))

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict:
        cleaned = super().clean()
        checked = {name: cleaned.get(name) for name in ("credit_code", "contact_phone", "username", "password", *LICENCE_FIELDS.values())}
        refused = set(self.errors)  # a field the form's own checks refused shows those; any other, every rule it breaks
        for field, _code, message in application_problems(on=self.today, contact_email=cleaned.get("contact_email") or "", **checked):
            if field not in refused:
                self.add_error(field, message)
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SupplierChoiceField(forms.ModelChoiceField):
    """A supplier chosen by id; a value that is no id (letters, past what a key holds) is an invalid choice like an id
    of no supplier, never a query the database cannot bind."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("error_messages", {"invalid_choice": _("没有编号为 %(value)s 的礼品商")})
        super().__init__(queryset=Supplier.objects.order_by("name", "pk"), **kwargs)

    def to_python(self, value):
        if value not in self.empty_values and id_or_none(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return super().to_python(value)


class SupplierFilter(ListFilter):
    """`?supplier=<id>` above a list staff read across suppliers, where the links of a supplier's page land. `reader`:
    the user the list is for; a supplier's users read their own supplier's rows only, and get no such filter
    (`across_suppliers` False, for the page to leave out the supplier column too)."""

    supplier = SupplierChoiceField(label=_("礼品商"), required=False, empty_label=_("全部"))
    exact = {"supplier": "supplier"}

    def __init__(self, *args, reader=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.across_suppliers = getattr(reader, "role", None) not in SUPPLIER_ROLES
        if not self.across_suppliers:
            del self.fields["supplier"]


class ContractFilterForm(SupplierFilter):
    state = choice_filter(_("状态"), Contract.State.choices)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("合同编号 / 礼品商 / 统一社会信用代码")}))
    field_order = ["state", "supplier", "q"]
    exact = {"state": "state", "supplier": "supplier"}
    search = CONTRACT_SEARCHED
    sorts = {"number": "number", "supplier": "supplier__name", "start_date": ("start_date", "end_date"), "created_at": "created_at"}


class QualificationFilterForm(SupplierFilter):
    state = choice_filter(_("审核状态"), Qualification.State.choices)
    expiry_status = choice_filter(_("到期状态"), [
        (ExpiryStatus.EXPIRING, _("即将到期")), (ExpiryStatus.EXPIRED, _("已过期")), (ExpiryStatus.RENEWED, _("已续期")),
        (ExpiryStatus.VALID, _("有效")),
    ])
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("证书编号 / 礼品商 / 统一社会信用代码")}))
    field_order = ["state", "expiry_status", "supplier", "q"]
    exact = {"state": "state", "expiry_status": "expiry_status", "supplier": "supplier"}
    search = QUALIFICATION_SEARCHED
    sorts = {"supplier": "supplier__name", "number": "number", "issued_on": "issued_on", "expires_on": "expires_on"}


class ProfileChangeFilterForm(SupplierFilter):
    state = choice_filter(_("状态"), ProfileChange.State.choices)
    field_order = ["state", "supplier"]
    exact = {"state": "state", "supplier": "supplier"}
    sorts = {"supplier": "supplier__name", "requested_at": "requested_at"}


class SupplierListFilterForm(ListFilter):
    """By state, or 待审批: the applications an operator has to decide, those the navigation's badge counts."""

    state = choice_filter(_("状态"), [(AWAITING_DECISION, _("待审批")), *Supplier.State.choices])
    q = forms.CharField(label=_("搜索"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("名称 / 统一社会信用代码")}))
    search = SUPPLIER_SEARCHED
    sorts = {"id": "id", "name": "name", "applied_at": "applied_at"}

    def narrow(self, rows, data: dict):
        if data.get("state") == AWAITING_DECISION:
            rows = awaiting_decision(rows)
        elif data.get("state"):
            rows = rows.filter(state=data["state"])
        return super().narrow(rows, data)


class NoticeFilterForm(SupplierFilter):
    """The inbox's filters: words of a notice's title, body or supplier, its kind (KIND_LABELS), those asking the
    supplier to act, unread (which `notices.list_notices` applies, `values`), and for operators reading every inbox,
    the supplier."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": _("标题 / 内容 / 礼品商")}))
    kind = choice_filter(_("类型"), KIND_LABELS.items())
    action = yes_no_box(_("仅需礼品商处理的"))
    unread = yes_no_box(_("仅未读"))
    field_order = ["q", "supplier", "kind", "action", "unread"]
    exact = {"supplier": "supplier", "kind": "kind"}
    search = NOTICE_SEARCHED
    sorts = {"created_at": "created_at", "supplier": "supplier__name"}

    def narrow(self, rows, data: dict):
        return asking_action(super().narrow(rows, data), data.get("action"))

    def values(self) -> dict:
        return {"unread": super().values().get("unread")}
