from django.contrib import admin

from core.admin import MaskedPhoneAdmin
from points.models import Member


@admin.register(Member)
class MemberAdmin(MaskedPhoneAdmin):
    list_display = ("name", "masked_phone", "program", "tier", "reminders_opt_out")
    list_filter = ("program", "tier")
    search_fields = ("name", "phone")
    raw_id_fields = ("user",)
