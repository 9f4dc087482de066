from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from core.validators import MOBILE_MESSAGE, MOBILE_PATTERN
from suppliers.validators import validate_credit_code



class SupplierApplicationForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200)
    credit_code = forms.CharField(label=_("统一社会信用代码"), min_length=18, max_length=18)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.RegexField(label=_("联系电话"), regex=MOBILE_PATTERN, error_messages={"invalid": MOBILE_MESSAGE})
    contact_email = forms.EmailField(label=_("联系邮箱"), required=False)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    username = forms.RegexField(label=_("管理员用户名"), regex=r"^[\w.@+-]{3,150}$")
    password = forms.CharField(label=_("密码"), min_length=8, widget=forms.PasswordInput)


    def clean_credit_code(self) -> str:
        try:
            return validate_credit_code(self.cleaned_data["credit_code"])
        except ValidationFailed as error:
            raise forms.ValidationError(error.detail) from error


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
