from django.contrib import admin

from points.models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "program", "tier", "reminders_opt_out")
    list_filter = ("program", "tier")
    search_fields = ("name", "phone")
    raw_id_fields = ("user",)
