from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import AdminStep, AuditTrailAdmin, FixedFieldsAdmin, ReviewedInThePortalAdmin, ReviewedInThePortalInline, TransitionAdminMixin
from suppliers.models import (
    BankAccount,
    Category,
    Contract,
    Gift,
    GiftPrice,
    GiftRevision,
    Location,
    Notice,
    ProfileChange,
    Qualification,
    ReplenishmentRequest,
    StockMovement,
    StockRecord,
    Supplier,
    SupplierMembership,
)
from core.masking import mask_account_number
from suppliers.selectors_profile import masked_value
from suppliers.services import catalog, contracts, inventory, onboarding, qualifications, revisions


class MembershipInline(ReviewedInThePortalInline):
    """Added by the supplier's application and its admin's team page, disabled there (a transition, logged)."""

    model = SupplierMembership


@admin.register(Supplier)
class SupplierAdmin(TransitionAdminMixin, ReviewedInThePortalAdmin):
    """Changed through its application, its profile changes (reviewed) and its transitions."""

    list_display = ("name", "credit_code", "contact_name", "state", "applied_at")
    list_filter = ("state",)
    search_fields = ("name", "credit_code")
    inlines = [MembershipInline]
    transition_services = {
        "start_review": (_("开始审核"), onboarding.start_supplier_review, "supplier"),
        "approve": (_("审核通过"), onboarding.approve_supplier, "supplier"),
        "suspend": AdminStep(_("暂停合作"), onboarding.suspend_supplier, "supplier", needs_reason=True),
        "reactivate": (_("恢复合作"), onboarding.reactivate_supplier, "supplier"),
        "terminate": AdminStep(_("终止合作"), onboarding.terminate_supplier, "supplier", needs_reason=True),
    }


class WrittenByTheSystemAdmin(AuditTrailAdmin):
    """Rows the system writes (notices, stock records and movements, replenishment requests): shown, in the reader's language, never added, edited or
    deleted here."""


@admin.register(Notice)
class NoticeAdmin(WrittenByTheSystemAdmin):
    list_display = ("created_at", "supplier", "kind", "title_shown", "read_at")
    list_filter = ("kind",)
    list_select_related = ("supplier",)
    fields = readonly_fields = ("supplier", "kind", "title_shown", "body_shown", "link", "created_at", "read_at")

    @admin.display(description=_("标题"))
    def title_shown(self, notice: Notice) -> str:
        return notice.title_label  # in the reader's language, with its values

    @admin.display(description=_("内容"))
    def body_shown(self, notice: Notice) -> str:
        return notice.body_label


class GiftPriceInline(ReviewedInThePortalInline):
    model = GiftPrice


@admin.register(Gift)
class GiftAdmin(TransitionAdminMixin, ReviewedInThePortalAdmin):
    """Changed by the supplier's form or API, reviewed before it goes online and through a revision once online."""

    list_display = ("sku", "name", "supplier", "category", "settlement_price", "fulfilment", "state")
    list_filter = ("state", "fulfilment", "category")
    search_fields = ("sku", "name")
    list_select_related = ("supplier", "category")
    inlines = [GiftPriceInline]
    transition_services = {
        "approve": (_("审核通过"), catalog.approve_gift, "gift"),
        "publish": (_("上线"), catalog.publish_gift, "gift"),
        "retire": AdminStep(_("退市"), catalog.retire_gift, "gift", needs_reason=True),
    }


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "required_certificates")


@admin.register(Location)
class LocationAdmin(FixedFieldsAdmin):
    """A warehouse added here lists every warehouse gift on 库存 there at once (`open_stock_at_warehouse`)."""

    list_display = ("code", "name", "kind", "supplier")
    list_filter = ("kind",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        inventory.open_stock_at_warehouse(location=obj)


@admin.register(StockRecord)
class StockRecordAdmin(WrittenByTheSystemAdmin):
    """Units change only through a stock movement (an order, a count, a transfer) and the safety stock only on the
    portal's stock pages (`set_safety_stock`, which raises or cancels the replenishment request it calls for): a record
    is never added, edited or deleted here."""

    list_display = ("gift", "location", "on_hand", "reserved", "safety_stock")
    list_select_related = ("gift", "location")
    fields = readonly_fields = ("gift", "location", "on_hand", "reserved", "safety_stock")


@admin.register(StockMovement)
class StockMovementAdmin(WrittenByTheSystemAdmin):
    list_display = ("at", "gift", "location", "kind", "on_hand_delta", "reserved_delta", "source_type", "source_id")
    list_filter = ("kind",)
    list_select_related = ("gift", "location")
    fields = readonly_fields = (
        "at", "gift", "location", "kind", "on_hand_delta", "reserved_delta", "actor", "source_type", "source_id", "note_shown",
    )

    @admin.display(description=_("备注"))
    def note_shown(self, movement: StockMovement) -> str:
        return movement.note_label


@admin.register(ReplenishmentRequest)
class ReplenishmentRequestAdmin(TransitionAdminMixin, WrittenByTheSystemAdmin):
    """Raised and met by the stock they watch; due dates count in the on-time replenishment KPI."""

    list_display = ("gift", "location", "quantity", "due_date", "state", "met_at")
    list_filter = ("state",)
    list_select_related = ("gift", "location")
    fields = readonly_fields = ("gift", "location", "quantity", "raised_at", "due_date", "state", "met_at", "transition_history")


@admin.register(Contract)
class ContractAdmin(TransitionAdminMixin, ReviewedInThePortalAdmin):
    list_display = ("number", "supplier", "start_date", "end_date", "payment_days", "deposit_amount", "state")
    list_select_related = ("supplier",)
    list_filter = ("state",)
    transition_services = {"approve_contract": (_("合同生效"), contracts.approve_contract, "contract")}


@admin.register(Qualification)
class QualificationAdmin(TransitionAdminMixin, ReviewedInThePortalAdmin):
    list_display = ("supplier", "kind", "certificate_type", "number", "expires_on", "state", "warned_at", "expiry_handled_at")
    list_select_related = ("supplier",)
    list_filter = ("state", "kind", "certificate_type")
    transition_services = {"approve_qualification": (_("审核通过"), qualifications.approve_qualification, "qualification")}


@admin.register(BankAccount)
class BankAccountAdmin(WrittenByTheSystemAdmin):
    """Accounts approved through the review of a profile change (its evidence, then the waiting days before a statement
    pays one): shown with the number masked, never added, edited or deleted here."""

    list_display = ("supplier", "bank_name", "account_name", "number_shown", "approved_at")
    list_select_related = ("supplier",)
    fields = readonly_fields = ("supplier", "bank_name", "account_name", "number_shown", "approved_at")

    @admin.display(description=_("账号"))
    def number_shown(self, account: BankAccount) -> str:
        return mask_account_number(account.account_number)


@admin.register(ProfileChange)
class ProfileChangeAdmin(WrittenByTheSystemAdmin):
    """What a supplier asked to change, decided on its review page (资料变更审核): shown with bank account numbers
    masked, never edited here."""

    list_display = ("supplier", "field", "state", "requested_at", "decided_at")
    list_filter = ("state", "field")
    list_select_related = ("supplier",)
    fields = readonly_fields = (
        "supplier", "field", "old_value_shown", "new_value_shown", "requested_by", "requested_at", "evidence_link", "state",
        "decided_at",
    )

    @admin.display(description=_("证明文件"))
    def evidence_link(self, change: ProfileChange) -> str:
        """The portal's link to the file (served to whoever may see the change), never its stored name: a bank
        account's permit may be named by the account's number."""
        if not change.evidence:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("supplier-profile-change-evidence", args=[change.pk]), _("查看证明文件"))

    @admin.display(description=_("原值"))
    def old_value_shown(self, change: ProfileChange) -> dict:
        return masked_value(change.old_value)

    @admin.display(description=_("新值"))
    def new_value_shown(self, change: ProfileChange) -> dict:
        return masked_value(change.new_value)


@admin.register(GiftRevision)
class GiftRevisionAdmin(TransitionAdminMixin, ReviewedInThePortalAdmin):
    list_display = ("gift", "state", "requested_at", "decided_at")
    list_select_related = ("gift",)
    list_filter = ("state",)
    transition_services = {"approve_revision": (_("通过修改"), revisions.approve_revision, "revision")}
