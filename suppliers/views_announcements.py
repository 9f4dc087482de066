"""Portal pages of announcements (SPEC §4.9): operators publish and see who has not acknowledged; suppliers read
their announcements (unread first; opening one marks it read) and acknowledge them."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.api.permissions import require_role
from core.errors import NotFound
from core.forms import SubmittedOnce
from core.pages import create_with_form, form_status, paginate, run_action
from core.roles import SUPPLIER_ROLES, Role
from core.validators import BusinessTimeField, id_or_none
from suppliers.models import Announcement, Supplier
from suppliers.services import announcements

OPERATOR = {Role.OPERATOR}


class SupplierChoices(forms.ModelMultipleChoiceField):
    """A value that is no id (not ASCII digits, or past what a key holds) is an invalid choice, not a database error."""

    def _check_values(self, value):
        for pk in value:
            if id_or_none(pk) is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk})
        return super()._check_values(value)


class PublishForm(SubmittedOnce):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=Announcement.Kind.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    body = forms.CharField(label=gettext_lazy("内容"), widget=forms.Textarea(attrs={"rows": 5}))
    meeting_at = BusinessTimeField(label=gettext_lazy("会议时间"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=gettext_lazy("会议地点"), max_length=200, required=False)
    agenda = forms.CharField(label=gettext_lazy("会议议程"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    to_all = forms.BooleanField(label=gettext_lazy("发给全部合作中的礼品商"), required=False, initial=True)
    suppliers = SupplierChoices(
        label=gettext_lazy("或选择礼品商"), required=False, queryset=Supplier.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suppliers"].queryset = Supplier.objects.filter(state__in=announcements.RECIPIENT_STATES).order_by("name")


# --- operators ----------------------------------------------------------------------------------------------------
@login_required
def operator_list(request):
    require_role(request.user, OPERATOR)
    context = paginate(request, announcements.list_announcements(actor=request.user))
    return render(request, "suppliers/announcements/operator_list.html", context)


@login_required
def operator_create(request):
    require_role(request.user, OPERATOR)
    form = PublishForm(request.POST or None)
    if created := create_with_form(request, form, "announcement", announcements.publish_announcement, success=_("公告已发布"),
                                   page="operator-announcement-detail"):
        return redirect("operator-announcement-detail", pk=created[0])
    return render(request, "suppliers/announcements/operator_form.html", {"form": form}, status=form_status(form))


@login_required
def operator_detail(request, pk: int):
    require_role(request.user, OPERATOR)
    announcement = get_object_or_404(announcements.list_announcements(actor=request.user), pk=pk)
    context = {"announcement": announcement, "pending": announcements.not_acknowledged(announcement=announcement),
               "deliveries": announcement.deliveries.select_related("supplier", "acknowledged_by").order_by("supplier__name")}
    return render(request, "suppliers/announcements/operator_detail.html", context)


# --- suppliers ----------------------------------------------------------------------------------------------------
@login_required
def supplier_list(request):
    require_role(request.user, SUPPLIER_ROLES)
    context = paginate(request, announcements.list_deliveries(actor=request.user))
    return render(request, "suppliers/announcements/supplier_list.html", context)


def _delivery(request, pk: int):
    require_role(request.user, SUPPLIER_ROLES)
    try:
        return announcements.get_delivery(announcement_id=pk, actor=request.user)
    except NotFound:
        raise Http404 from None


@login_required
def supplier_detail(request, pk: int):
    delivery = announcements.mark_read(delivery=_delivery(request, pk), actor=request.user, now=timezone.now())
    return render(request, "suppliers/announcements/supplier_detail.html",
                  {"delivery": delivery, "announcement": delivery.announcement})


@login_required
@require_POST
def supplier_acknowledge(request, pk: int):
    delivery = _delivery(request, pk)
    run_action(request, lambda: announcements.acknowledge(delivery=delivery, actor=request.user, now=timezone.now()),
               success=_("已确认收到"))
    return redirect("supplier-announcement-detail", pk=pk)
