"""The admin: operators read the product's data here (view only, see User.has_perm); superusers also manage users and
reference data. Workflow changes go through services (see TransitionAdminMixin); the audit trail is never changed here."""
from collections.abc import Callable
from typing import NamedTuple

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_permissions import PermissionsNamedAdmin
from core.errors import DomainError
from core.fsm import history_of
from core.jobs import failures_whose_item_reads
from core.login import AdminLoginForm, AdminPasswordChangeForm
from core.masking import mask_name, mask_phone
from core.notifications import body_shown
from core.services import log_personal_data_access
from core.texts import moment
from core.roles import SUPPLIER_ROLES, Role
from core.models import AccessLog, JobFailure, Notification, Program, TransitionLog, User
from core.models.transitions import declared_steps, transition_label


class AuditTrailAdmin(admin.ModelAdmin):
    """Rows that record what happened (who read or changed what, messages sent): shown, never added, edited or deleted
    here, by anyone."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def every_field(model) -> list[str]:
    return [field.name for field in (*model._meta.fields, *model._meta.many_to_many) if field.editable and not field.auto_created]


class ReviewedInThePortalAdmin(admin.ModelAdmin):
    """Records that change only through their portal flow (a review, a revision, a profile change), each step logged:
    every field shown read only here, to everyone, none added or deleted here (the records that belong to them are
    protected too); a superuser's transition actions (`TransitionAdminMixin`) still call the services."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return list(dict.fromkeys((*every_field(self.model), *super().get_readonly_fields(request, obj))))


class FixedFieldsAdmin(admin.ModelAdmin):
    """A record's fixed fields (core.models.FixedFields) shown read only once its model says they are fixed."""

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, *obj.fixed_fields) if obj is not None and obj.is_fixed() else readonly


class ReviewedInThePortalInline(admin.TabularInline):
    """The rows of such a record (its memberships, its prices): shown, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MaskedPhoneAdmin(admin.ModelAdmin):
    """A person's phone number (SPEC §4.13) is masked (138****1234) in lists and on the pages of those who only read
    here (operators); whoever may change the record (a superuser) sees it whole in its form, that read recorded in the
    access log. `masked_fields` names, for each field of personal data, the display shown to readers instead."""

    masked_fields = {"phone": "masked_phone"}

    @admin.display(description=_("手机号"), ordering="phone")
    def masked_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None or self.has_change_permission(request, obj) else (*readonly, *self.masked_fields.values())

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [(name, options | {"fields": list(dict.fromkeys(self.masked_fields.get(field, field)
                                                               for field in options["fields"]))})
                for name, options in fieldsets]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.phone and self.has_change_permission(request, obj):
            log_personal_data_access(actor=request.user, subject=obj, fields=["phone"], purpose="admin_edit", at=timezone.now())
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class AdminStep(NamedTuple):
    """One admin action: its label, the service it calls per selected object, the service's keyword for the object, and
    whether the step needs a reason (asked on a confirmation page before anything is done, `TransitionAdminMixin`)."""

    label: str
    service: Callable
    target: str
    needs_reason: bool = False


class AdminReasonForm(forms.Form):
    """The reason typed on an action's confirmation page: required, surrounding spaces dropped (blank is missing)."""

    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                             error_messages={"required": _("请填写原因")})


class TransitionAdminMixin:
    """Admin actions that call a service per selected object: `transition_services = {name: AdminStep(label, service,
    target)}` (a plain 3-tuple for a step whose reason is optional).

    A step that needs a reason (`needs_reason`: one that ends or halts a cooperation, retires a gift…) is asked for it on
    a confirmation page, Django admin's pattern for an action with a form: the reason typed goes to the service, into
    the history and the notice; an empty one is refused next to its field and nothing is done. Any other step is logged
    as taken in the admin. The state field is read-only; the object's transition history is shown on its page. The
    actions are offered to whoever may change the object (a superuser): an operator takes these steps on the object's
    portal page.
    """

    transition_services: dict = {}
    readonly_fields = ("state", "transition_history")
    reason_template = "admin/transition_reason.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            return actions
        for name, entry in self.transition_services.items():
            step = AdminStep(*entry)
            actions[name] = (self._make_action(name, step), name, step.label)
        return actions

    @staticmethod
    def _make_action(name: str, step: AdminStep):
        def run(modeladmin, request, queryset):
            reason = _("管理后台操作")
            if step.needs_reason:
                form = AdminReasonForm(request.POST if "apply" in request.POST else None)
                if not form.is_valid():
                    return modeladmin.ask_reason(request, queryset, name=name, step=step, form=form)
                reason = form.cleaned_data["reason"]
            done = 0
            for obj in queryset.order_by("pk"):
                try:
                    step.service(**{step.target: obj}, actor=request.user, now=timezone.now(), reason=reason)
                    done += 1
                except DomainError as error:
                    modeladmin.message_user(request, f"{obj}: {error.detail}", messages.ERROR)
            if done:
                modeladmin.message_user(request, ngettext("已处理 %(n)d 条", "已处理 %(n)d 条", done) % {"n": done}, messages.SUCCESS)
            return None

        return run

    def ask_reason(self, request, queryset, *, name: str, step: AdminStep, form: AdminReasonForm) -> TemplateResponse:
        """The confirmation page of a step that needs a reason: the objects selected, the reason's field (with its error
        when one was sent empty), posted back to the same action with `apply`."""
        context = {
            **self.admin_site.each_context(request), "title": step.label, "opts": self.model._meta, "action": name,
            "objects": queryset.order_by("pk"), "form": form, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.reason_template, context, status=400 if form.is_bound else 200)

    @admin.display(description=_("状态变更记录"))
    def transition_history(self, obj):
        from django.utils.html import format_html_join

        rows = ((moment(log.at), log.source_label, log.target_label, log.actor_label, log.reason_label) for log in history_of(obj))
        return format_html_join("", "<div>{} {} → {} · {} · {}</div>", rows) or "-"


@admin.register(User)
class UserAdmin(PermissionsNamedAdmin, MaskedPhoneAdmin, DjangoUserAdmin):
    """A member's login is its phone number: its login and name are masked like its phone."""

    list_display = ("masked_username", "masked_first_name", "role", "masked_phone", "is_active")
    masked_fields = MaskedPhoneAdmin.masked_fields | {"username": "masked_username", "first_name": "masked_first_name"}
    list_filter = ("role", "is_active")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("角色"), {"fields": ("role", "phone")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("角色"), {"fields": ("role", "phone")}),)
    change_password_form = AdminPasswordChangeForm  # a new password revokes the user's API tokens

    @admin.display(description=_("用户名"), ordering="username")
    def masked_username(self, user: User) -> str:
        return str(user)

    @admin.display(description=_("姓名"), ordering="first_name")
    def masked_first_name(self, user: User) -> str:
        return mask_name(user.first_name) if user.role == Role.MEMBER else user.first_name

    def get_fieldsets(self, request, obj=None):
        """A reader (an operator looking a user up) is shown no password: its field offers to reset it, which only
        whoever may change the user may do."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [(name, options | {"fields": [field for field in options["fields"] if field != "password"]})
                for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        """A supplier's account is never switched on or off here: a staff account is disabled and enabled by its
        supplier's admin (团队成员, with the reason logged), so that the account and its membership never disagree, and
        an applicant's admin account is activated by the supplier's approval (its review), never around it."""
        readonly = super().get_readonly_fields(request, obj)
        return (*readonly, "is_active") if obj is not None and obj.role in SUPPLIER_ROLES else readonly

    def has_delete_permission(self, request, obj=None):
        """Users are deactivated, never deleted: the audit trail names who did what (its actors are protected)."""
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("code", "name_shown", "sms_confirmation_threshold", "has_tiers")
    readonly_fields = ("code",)

    @admin.display(description=_("名称"), ordering="name")
    def name_shown(self, program):
        return program.label


class TransitionFilter(admin.SimpleListFilter):
    """The logs of one step, each step named in the reader's language."""

    title, parameter_name = TransitionLog._meta.get_field("transition").verbose_name, "transition"

    def lookups(self, request, model_admin):
        """The steps the workflows declare (no query: a DISTINCT over every log on each load of the list was a scan)."""
        return [(name, transition_label(None, name)) for name in declared_steps()]

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


@admin.register(TransitionLog)
class TransitionLogAdmin(AuditTrailAdmin):
    """A step, its states and its reason named in the reader's language, on the list and on a log's page alike (the
    stored codes, message id and values are what the names are read from)."""

    list_display = ("at", "content_type", "object_id", "transition_shown", "source_shown", "target_shown", "actor", "reason_shown")
    fields = readonly_fields = ("at", "content_type", "object_id", "transition_shown", "source_shown", "target_shown", "actor", "reason_shown")
    list_filter = ("content_type", TransitionFilter)
    search_fields = ("object_id", "reason")
    list_select_related = ("content_type", "actor")

    @admin.display(description=TransitionLog._meta.get_field("transition").verbose_name, ordering="transition")
    def transition_shown(self, log: TransitionLog) -> str:
        return log.transition_label

    @admin.display(description=TransitionLog._meta.get_field("source_state").verbose_name, ordering="source_state")
    def source_shown(self, log: TransitionLog) -> str:
        return log.source_label

    @admin.display(description=TransitionLog._meta.get_field("target_state").verbose_name, ordering="target_state")
    def target_shown(self, log: TransitionLog) -> str:
        return log.target_label

    @admin.display(description=_("原因"))
    def reason_shown(self, log: TransitionLog) -> str:
        return log.reason_label  # in the reader's language, with its values


@admin.register(Notification)
class NotificationAdmin(MaskedPhoneAdmin, AuditTrailAdmin):
    """The outbox, read only: phones masked, a confirmation code never shown."""

    list_display = ("created_at", "kind", "masked_phone", "urgent", "status", "not_before", "sent_at", "attempts")
    list_filter = ("status", "kind", "urgent")
    fields = readonly_fields = (
        "message_id", "kind", "masked_phone", "body_text", "urgent", "status", "created_at", "not_before", "sent_at",
        "attempts", "subject_type", "subject_id",
    )

    @admin.display(description=_("内容"))
    def body_text(self, notification: Notification) -> str:
        return body_shown(notification)


@admin.register(AccessLog)
class AccessLogAdmin(AuditTrailAdmin):
    list_display = ("at", "actor", "subject_type", "subject_id", "fields", "purpose")
    list_filter = ("subject_type",)


@admin.register(JobFailure)
class JobFailureAdmin(AuditTrailAdmin):
    """What beat jobs and tasks failed on (`core.jobs`), read only: resolved by the job itself when the item next succeeds."""

    list_display = ("last_failed_at", "job", "shown_item", "error_class", "failures", "first_failed_at", "resolved_at")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "job")
    search_fields = ("job", "message")  # and the item as shown: get_search_results
    fields = readonly_fields = ("job", "shown_item", "error_class", "message", "first_failed_at", "last_failed_at", "failures", "resolved_at")

    def get_search_results(self, request, queryset, search_term):
        """Each word in the job, the message or the item as operators read it (`masked_item`): a failure is found by the
        order or statement its item names, never by a mobile number the item names in full (the stored `item` keeps it)."""
        for word in smart_split(search_term):
            if word[:1] in ('"', "'") and word[0] == word[-1]:
                word = unescape_string_literal(word)
            queryset = queryset.filter(Q(job__icontains=word) | Q(message__icontains=word) | Q(pk__in=failures_whose_item_reads(word)))
        return queryset, False

    @admin.display(description=JobFailure._meta.get_field("item").verbose_name, ordering="item")
    def shown_item(self, failure: JobFailure) -> str:
        return failure.masked_item


def operators_may_use_the_admin(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or user.role == Role.OPERATOR)


admin.site.has_permission = operators_may_use_the_admin
admin.site.login_form = AdminLoginForm  # the portal's limit of failed sign-ins
admin.site.site_header = _("积分礼品供应商平台 · 管理后台")


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionsNamedAdmin, DjangoGroupAdmin):
    """Django's, its permissions named in the reader's language."""
