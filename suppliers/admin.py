from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import TransitionAdminMixin
from suppliers.models import Notice, Supplier, SupplierMembership
from suppliers.services import onboarding


class MembershipInline(admin.TabularInline):
    model = SupplierMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Supplier)
class SupplierAdmin(TransitionAdminMixin, admin.ModelAdmin):
    list_display = ("name", "credit_code", "contact_name", "state", "applied_at")
    list_filter = ("state",)
    search_fields = ("name", "credit_code")
    inlines = [MembershipInline]
    transition_services = {
        "start_review": (_("开始审核"), onboarding.start_supplier_review, "supplier"),
        "approve": (_("审核通过"), onboarding.approve_supplier, "supplier"),
        "suspend": (_("暂停合作"), onboarding.suspend_supplier, "supplier"),
        "reactivate": (_("恢复合作"), onboarding.reactivate_supplier, "supplier"),
        "terminate": (_("终止合作"), onboarding.terminate_supplier, "supplier"),
    }


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "supplier", "kind", "title", "read_at")
    list_filter = ("kind",)
    list_select_related = ("supplier",)
