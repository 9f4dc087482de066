"""Portal forms of supplier paperwork; the services validate the domain rules and the views put their errors on the fields."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import EditsShownValues, SubmittedOnce
from core.models import Program
from core.validators import BusinessDayField
from suppliers.models import ProfileChange, Qualification, Supplier
from suppliers.services.profile import EVIDENCE, VALUE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"})


class ProfileChangeForm(EditsShownValues, forms.Form):
    """A change of one profile field; the SMS setting has a form of its own (`SmsNoticesForm`). The contact's and the
    address's fields show the supplier's current values (`initial`) and carry them (EditsShownValues): a change of
    the contact is what the admin changed of it, the rest as it is now (`values`), and the fields of a change not
    chosen, left as shown, are no part of the one asked for."""

    field = forms.ChoiceField(
        label=_("变更项"), choices=[choice for choice in ProfileChange.Field.choices if choice[0] != ProfileChange.Field.SMS_NOTICES]
    )
    bank_name = forms.CharField(label=_("开户行"), required=False, help_text=_("变更收款账户时填写以下三项"))
    account_name = forms.CharField(label=_("户名"), required=False)
    account_number = forms.CharField(label=_("账号"), required=False)
    legal_name = forms.CharField(label=_("企业名称"), required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), required=False)
    contact_name = forms.CharField(label=_("联系人"), required=False, help_text=_("变更联系人时填写以下三项，提交即生效，无需审核"))
    contact_phone = forms.CharField(label=_("联系电话"), required=False)
    contact_email = forms.CharField(label=_("联系邮箱"), required=False)
    address = forms.CharField(label=_("地址"), required=False, help_text=_("变更地址时填写，提交即生效，无需审核"))
    evidence = forms.FileField(label=_("证明文件"), required=False,
                               help_text=_("收款账户：开户许可证或银行开户证明；企业名称、统一社会信用代码：新的营业执照。PDF 或扫描件，不超过 10 MB"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for change, names in VALUE_FIELDS.items():  # the page shows only the chosen change's fields (data-change)
            for name in names:
                if name in self.fields:
                    self.fields[name].widget.attrs["data-change"] = change
        self.fields["evidence"].widget.attrs["data-change"] = " ".join(EVIDENCE)
        self.track_shown([*VALUE_FIELDS[ProfileChange.Field.CONTACT], *VALUE_FIELDS[ProfileChange.Field.ADDRESS]])

    def values(self) -> dict:
        """The cleaned values for request_profile_change: the chosen change's fields the admin left as shown, as they
        are now."""
        chosen = VALUE_FIELDS.get(self.cleaned_data.get("field"), ())
        return {name: self.initial.get(name) or "" for name in chosen if name in self.tracked} | self.cleaned_data


class SmsNoticesForm(forms.Form):
    """Which notices also reach the supplier's contact by SMS (the inbox gets every one)."""

    sms_notices = forms.ChoiceField(label=_("短信通知"), choices=Supplier.SmsNotices.choices,
                                    help_text=_("站内信始终收到全部通知；此设置只决定哪些通知同时以短信发给联系人。"))


class QualificationForm(SubmittedOnce):
    """A licence or certificate as the supplier uploads it, or as an operator records it for a chosen supplier (an
    applicant's licence, received with its application, before it can sign in)."""

    supplier = forms.ModelChoiceField(label=_("礼品商"), queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=Qualification.Kind.choices)
    certificate_type = forms.CharField(label=_("证书种类"), required=False, max_length=40, help_text=_("产品资质证书必填，如 3C"))
    number = forms.CharField(label=_("证书编号"), max_length=60, help_text=_("营业执照填写18位统一社会信用代码"))
    issued_on = BusinessDayField(label=_("发证日期"), widget=DATE)
    expires_on = BusinessDayField(label=_("有效期至"), widget=DATE)
    file = forms.FileField(label=_("证书文件"))

    def __init__(self, *args, suppliers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if suppliers is None:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].queryset = suppliers


class ContractForm(SubmittedOnce):
    """A contract proposal (supplier admin) or a contract for a chosen supplier (operator)."""

    supplier = forms.ModelChoiceField(label=_("礼品商"), queryset=None)
    number = forms.CharField(label=_("合同编号"), max_length=60)
    start_date = BusinessDayField(label=_("开始日期"), widget=DATE)
    end_date = BusinessDayField(label=_("结束日期"), widget=DATE)
    programs = forms.MultipleChoiceField(label=_("服务的积分计划"), widget=forms.CheckboxSelectMultiple)
    payment_days = forms.IntegerField(label=_("付款账期（天）"), min_value=0, max_value=365)
    deposit_amount = forms.DecimalField(label=_("履约保证金"), max_digits=12, decimal_places=2, min_value=0)
    file = forms.FileField(label=_("合同文件"), required=False)

    def __init__(self, *args, suppliers=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programs"].choices = [(p.code, p.label) for p in Program.objects.all()]
        if suppliers is None:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].queryset = suppliers
