"""Form pieces shared by the apps' portal pages."""
import uuid
from collections.abc import Callable

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from core.idempotency import once_per_token


class SubmittedOnce(forms.Form):
    """A form that creates something: it carries a token drawn when the page was rendered, so that a double click or a
    re-sent request creates it once (`core.idempotency.once_per_token`)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

    def entered(self) -> dict:
        """The values entered, without the token."""
        return {name: value for name, value in self.cleaned_data.items() if name != "token"}

    def create_once(self, *, user, name: str, action: Callable[[], Model]) -> tuple[int, bool]:
        """Run `action` once for this form's token and `user` (a repeat runs nothing): (the created object's id, whether
        this call created it). :raises DomainError: what `action` raises"""
        return once_per_token(user=user, form=name, token=self.cleaned_data["token"], action=action)


def day_field(label) -> forms.DateField:
    """An optional day of a filter, picked with the browser's date input."""
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class DayRangeFilter(forms.Form):
    """A filter form with a range of days: `day_range` names its from and to fields (made with `day_field`). A to day
    before the from day is an error next to the to field, and that bound then filters nothing."""

    day_range = ("date_from", "date_to")

    def clean(self):
        data = super().clean()
        start, end = (data.get(name) for name in self.day_range)
        if start and end and start > end:
            self.add_error(self.day_range[1], _("结束日期不能早于开始日期"))
        return data

    def days(self) -> tuple:
        """The from and to days that parsed (None for an empty or wrong one)."""
        self.is_valid()
        return tuple(self.cleaned_data.get(name) for name in self.day_range)

    def day_lookups(self, column: str) -> dict:
        """Lookups keeping the rows whose `column` (a time) falls on a local day of the range; empty bounds left out."""
        start, end = self.days()
        return {lookup: day for lookup, day in ((f"{column}__date__gte", start), (f"{column}__date__lte", end)) if day}
