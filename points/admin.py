from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import FixedFieldsAdmin, MaskedPhoneAdmin
from core.masking import mask_name
from points.models import Member


@admin.register(Member)
class MemberAdmin(FixedFieldsAdmin, MaskedPhoneAdmin):
    list_display = ("masked_name", "masked_phone", "program", "tier", "reminders_opt_out")
    list_filter = ("program", "tier")
    search_fields = ("name", "phone")
    raw_id_fields = ("user",)  # shown to readers as a link named by the user's masked login (User.__str__)
    masked_fields = MaskedPhoneAdmin.masked_fields | {"name": "masked_name"}

    @admin.display(description=_("姓名"), ordering="name")
    def masked_name(self, member: Member) -> str:
        return mask_name(member.name)
