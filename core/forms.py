"""Form pieces shared by the apps' portal pages."""
import uuid
from collections.abc import Callable

from django import forms
from django.db.models import F, Model
from django.utils.translation import gettext_lazy as _

from core.days import on_days
from core.idempotency import once_per_token
from core.selectors import searched
from core.validators import BusinessDayField, YesNoField, ordering_refused, orderings, range_reversed


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

    def create_once(self, *, user, name: str, values: dict, action: Callable[[], Model]) -> tuple[int, bool]:
        """Run `action` once for this form's token and `user` (a repeat with the same `values` runs nothing): (the
        created object's id, whether this call created it). :raises DomainError: what `action` raises
        :raises FormResent: the token created something from other `values`"""
        return once_per_token(user=user, form=name, token=self.cleaned_data["token"], values=values, action=action)


UNNAMED_ROW = forms.ModelChoiceField.default_error_messages["invalid_choice"]


class ListFilter(forms.Form):
    """The filters above a portal list (GET); empty means all. A value no filter takes (an unknown choice, id or word, a
    day that is no date, a range the wrong way round) is an error next to its filter, as on any form, and the list then
    holds no rows: rows narrowed by the filters that did parse would pass for those asked for. Such a page answers 400
    (`status`), as a form sent back with its errors does. It is the rule of the APIs' filters, a 400 naming the filter
    (core.api.filters), with their fields where a filter is the same (IdField, YesNoField: `yes_no_box`).

    A subclass narrows the rows in `narrow` (by default, to those matching each filter of `exact` given and whose
    `search` fields hold the words of `q`, as the API's `search_fields` find them); where a
    service filters them, the view passes it the form's `values` and `apply`s the form to what it returns.

    A list whose columns sort declares them in `sorts`: its headings then link to the list ordered by them
    (`{% sort_heading filters "month" _("结算月份") %}`, core.templatetags.lists), asked as an API list asks
    (`?ordering=month`, or `-month` descending); another `ordering` is an error as any filter's, naming those taken."""

    exact: dict[str, str] = {}  # {filter: the lookup it matches, such as "state"}
    search: tuple[str, ...] = ()  # the fields the text filter `q` finds its words in (`core.selectors.searched`)
    kept: tuple[str, ...] = ()  # fields saying what is shown rather than narrowing it (a statement's version)
    #: {column: the field or fields (across relations, "-" for the reverse order) a list sorted by it is ordered by}; the
    #: names are the API list's `ordering` names where it has the column
    sorts: dict[str, str | tuple[str, ...]] = {}

    def __init__(self, data=None, *args, defaults: dict[str, str] | None = None, **kwargs) -> None:
        """`defaults`: the filters the list applies when the request names none (the proposals still to be decided);
        asked empty, such a filter is no filter."""
        self.defaults = defaults or {}
        if data is not None and self.defaults:
            data = data.copy()
            for name, value in self.defaults.items():
                data.setdefault(name, value)
        kwargs.setdefault("auto_id", "id_filter_%s")  # ids of its own: the page's form may have a field of the same name
        super().__init__(data, *args, **kwargs)
        if self.sorts:
            self.fields[ORDERING] = SortField(self.sorts)
            self.kept = (*self.kept, ORDERING)
        for field in self.fields.values():  # Django's message for a row not offered does not say which; a choice's does
            if isinstance(field, forms.ModelChoiceField) and field.error_messages["invalid_choice"] == UNNAMED_ROW:
                field.error_messages["invalid_choice"] = forms.ChoiceField.default_error_messages["invalid_choice"]

    def apply(self, rows):
        """`rows` narrowed by the filters (`narrow`) in the order asked (`ordered`), or none of them when a filter is
        wrong."""
        return self.ordered(self.narrow(rows, self.cleaned_data)) if self.is_valid() else rows.none()

    def ordered(self, rows):
        """`rows` in the order the list is asked for (`?ordering=`, one of `sorts`), rows of the same value by their ids
        in the same direction (a page boundary then falls in the same place each time), a column's empty values last
        either way; as they come without one."""
        asked = self.cleaned_data.get(ORDERING) if self.is_valid() else ""
        if not asked:
            return rows
        descending = asked.startswith("-")
        fields = self.sorts[asked.removeprefix("-")]
        terms = []
        for field in ((fields,) if isinstance(fields, str) else fields):
            reverse = field.startswith("-") != descending
            column = F(field.removeprefix("-"))
            terms.append(column.desc(nulls_last=True) if reverse else column.asc(nulls_last=True))
        return rows.order_by(*terms, "-pk" if descending else "pk")

    def narrow(self, rows, data: dict):
        """`rows` narrowed by the filters' values `data` (all of them valid)."""
        rows = rows.filter(**{lookup: data[name] for name, lookup in self.exact.items() if data.get(name) not in (None, "")})
        return searched(rows, data.get("q"), self.search) if self.search else rows  # else `q` is the view's to read

    def values(self) -> dict:
        """The filters' values as the list's service takes them (by the fields' names); none when a filter is wrong, as
        the list is then none of the rows anyway (`apply`)."""
        return {name: value for name, value in self.cleaned_data.items() if name != ORDERING} if self.is_valid() else {}

    @property
    def status(self) -> int:
        """The status of the list's page: 400 when a filter is wrong."""
        return 200 if self.is_valid() else 400

    @property
    def narrowing(self) -> bool:
        """Whether a filter narrows the list (one asked for, or one it applies by default): an empty list then says
        that no row matches the filters, not that there are none (core/includes/none_listed.html)."""
        return any(name in self.fields and name not in self.kept and any(str(value).strip() for value in values)
                   for name, values in self._asked())

    def cleared_query(self) -> str:
        """The query string of the list without its filters: what else it names kept (its tab, the version shown), a
        filter applied by default asked empty, so that all rows are listed."""
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for name, values in self._asked():
            if name != "page" and (name not in self.fields or name in self.kept):
                query.setlist(name, values)
        for name in self.defaults:
            query[name] = ""
        return query.urlencode()

    def _asked(self) -> list[tuple[str, list]]:
        """(name, values) of what the request asks for (with the defaults applied)."""
        lists = getattr(self.data, "lists", None)
        return list(lists()) if lists else [(name, [value]) for name, value in self.data.items()]

    def hidden_errors(self) -> list[tuple[str, str]]:
        """(filter, message) of each error of a hidden filter (one a link sets, such as a batch's id), the message naming
        the filter by its label."""
        from core.pages import labelled

        return [(field.name, labelled(field.label, error) if field.label else error)
                for field in self.hidden_fields() for error in field.errors]


ORDERING = "ordering"  # the parameter a sorted list is asked its order by, on the portal as in the API


class SortField(forms.ChoiceField):
    """The hidden `ordering` of a list whose headings sort it (ListFilter.sorts): one of its columns, "-" before it for
    the descending order, or none; another is refused naming those taken, as the API's lists refuse it."""

    widget = forms.HiddenInput

    def __init__(self, sorts: dict) -> None:
        self.names = tuple(sorts)
        super().__init__(label=_("排序"), choices=[("", ""), *((value, value) for value in orderings(*self.names))],
                         required=False)

    def validate(self, value) -> None:
        if value and not self.valid_value(value):
            raise forms.ValidationError(ordering_refused([value], self.names), code="invalid_choice")


class StateFilter(ListFilter):
    """A list's filter by state, among `states` ((value, label)), which the list's service applies (`values`)."""

    state = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args, states: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("全部")), *states]


def choice_filter(label, choices) -> forms.ChoiceField:
    """An optional choice of a filter among `choices` ((value, label)), or all (empty)."""
    return forms.ChoiceField(label=label, choices=[("", _("全部")), *choices], required=False)


def day_field(label) -> forms.DateField:
    """An optional day of a filter, picked with the browser's date input; one in the business years (BusinessDayField)."""
    return BusinessDayField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _word(value) -> bool | None:
    """What a yes/no filter's word says (None: no word, or one it does not take)."""
    return YesNoBox.WORDS.get(str(value or "").strip().lower())


class TickedWord(forms.CheckboxInput):
    """The checkbox of a yes/no filter: it sends 1 when ticked and nothing when not, and the word a request sends is
    kept for the field to judge (Django's checkbox reads any word but "false" as ticked). A list opened with the word
    for no (`?overdue=false`, as the API takes it) lists only the rows the filter does not fit: the box is shown
    unticked, marked as saying no, as a box has no third state; sent again unticked, it is no filter."""

    template_name = "core/widgets/ticked_word.html"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, check_test=lambda value: _word(value) is True)

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def format_value(self, value) -> str:
        return "1"

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        context["widget"]["says_no"] = _word(value) is False
        return context


class YesNoBox(YesNoField):
    """A yes/no filter ticked in a checkbox: the APIs' words (YesNoField), and `on`, which a browser sends for a
    checkbox without a value of its own. Unticked is no filter (None)."""

    WORDS = {**YesNoField.WORDS, "on": True}
    widget = TickedWord


def yes_no_box(label) -> YesNoBox:
    """An optional yes/no filter, ticked in a checkbox."""
    return YesNoBox(label=label, required=False)


#: the query of a list filtered by `waiting_box`: what its navigation badge and the home page's to-do entry link to
#: (`core.portal.register_nav`'s `badge_query`)
WAITING_QUERY = "waiting=1"


def waiting_box() -> YesNoBox:
    """The filter of a list to the rows waiting for its reader (`core.roles.waiting_rows`), ticked in a checkbox."""
    return yes_no_box(_("仅看待我处理"))


class DayRangeFilter(ListFilter):
    """A filter form with a range of days: `day_range` names its from and to fields (made with `day_field`). A to day
    before the from day is an error next to the to field."""

    day_range = ("date_from", "date_to")

    def clean(self):
        data = super().clean()
        start, end = (data.get(name) for name in self.day_range)
        if range_reversed(start, end):
            self.add_error(self.day_range[1], _("结束日期不能早于开始日期"))
        return data

    def days(self) -> tuple:
        """The from and to days that parsed (None for an empty or wrong one)."""
        self.is_valid()
        return tuple(self.cleaned_data.get(name) for name in self.day_range)

    def day_lookups(self, column: str) -> dict:
        """Lookups keeping the rows whose `column` (a time) falls on a local day of the range; empty bounds left out."""
        return on_days(column, *self.days())

    def date_lookups(self, column: str) -> dict:
        """Lookups keeping the rows whose `column` (a date, not a time) is a day of the range; empty bounds left out."""
        start, end = self.days()
        return {lookup: day for lookup, day in ((f"{column}__gte", start), (f"{column}__lte", end)) if day}


class EditsShownValues:
    """A form editing a record that others may edit at the same time (a gift, a category, the KPI settings). It carries
    the values it showed, a hidden `initial-<field>` beside each field `track_shown` names (Django's
    show_hidden_initial, kept as they were when the form comes back with errors), so that saving counts only what the
    user changed (`edited`): a field someone else changed meanwhile and the user did not keeps the other's value,
    where a stale page would put back what it showed. A field both changed, to different values, is refused next to it
    (`refused_status` 409): the form comes back showing the values as they are now, the message next to the field
    naming what the user entered there, and saved again it changes only what the user changes then.

    The form's `initial` is the record as it is when the form is bound (the view reads it again on a POST). A field
    posted without the value it showed (a page from before the form carried them) counts as shown as it is now; one
    the post leaves out altogether, as unchanged.
    `only_edited`: `cleaned_data` then holds only the edited fields of those tracked, for a service that keeps what it
    is not given; a form that assembles its values itself reads `edited`."""

    only_edited = True
    tracked: tuple[str, ...] = ()
    edited: frozenset[str] = frozenset()

    def track_shown(self, names=None) -> None:
        """Carry the shown values of the fields `names` (by default every visible field but a file's)."""
        if names is None:
            names = [name for name, field in self.fields.items()
                     if not field.widget.is_hidden and not isinstance(field, forms.FileField) and not field.disabled]
        self.tracked = tuple(names)
        for name in self.tracked:
            self.fields[name].show_hidden_initial = True
            self.fields[name].hidden_widget = ShownValueInput

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not self.tracked:
            return
        figures = {name: self._figures(name) for name in self.tracked}  # (shown, posted, now) as the field reads them
        self.edited = frozenset(name for name, (shown, posted, _now) in figures.items() if posted != shown)
        clashes = [name for name in self.edited if figures[name][0] != figures[name][2] != figures[name][1]
                   and name not in self.errors]
        if clashes:
            self._show_now(clashes)
        elif self.only_edited and hasattr(self, "cleaned_data"):
            self.cleaned_data = {name: value for name, value in self.cleaned_data.items()
                                 if name in self.edited or name not in self.tracked}

    def _figures(self, name: str) -> tuple:
        field, bound = self.fields[name], self[name]
        now = _comparable(field, _raw(field, bound.initial))
        if bound.html_initial_name not in self.data:  # shown as it is now, and so shown again with errors
            self.data = self.data.copy()
            self.data[bound.html_initial_name] = _raw(field, bound.initial)
            shown = now
        else:
            shown = _comparable(field, self._widget_data_value(field.hidden_widget(), bound.html_initial_name))
        if field.widget.value_omitted_from_data(self.data, self.files, bound.html_name):
            return shown, shown, now
        return shown, _comparable(field, bound.data), now

    def _show_now(self, clashes: list[str]) -> None:
        """Refuse the fields both changed, each with what the user entered; every field shows its value now, but
        those only the user changed, and every shown value becomes the value now."""
        from django.utils.text import Truncator
        from django.utils.translation import gettext

        entered = {name: Truncator(_shown_text(self.fields[name], self[name].data)).chars(40) for name in clashes}
        self.data = self.data.copy()
        for name in self.tracked:
            bound = self[name]
            now = _raw(self.fields[name], bound.initial)
            self.data[bound.html_initial_name] = now
            if name not in self.edited or name in clashes:
                self.data[bound.html_name] = now
        self._bound_fields_cache = {}
        for name in clashes:
            self.add_error(name, gettext("其间已有他人修改此项，现显示的是最新内容；您填写的“%(entered)s”未保存，请核对后重新填写")
                           % {"entered": entered[name]})
        self.refused_status = 409


class ShownValueInput(forms.HiddenInput):
    """The value a field of an EditsShownValues form showed: its field's input, not this, is described by its help and
    errors."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, value, {key: text for key, text in (attrs or {}).items() if key != "aria-describedby"})


_UNREADABLE = object()  # a posted value a field cannot read: it equals no other


def _raw(field: forms.Field, value) -> str:
    """A value as a form posts it (the text of its input)."""
    value = field.prepare_value(value)
    return "" if value is None else str(value)


def _comparable(field: forms.Field, raw):
    """A posted value as its field reads it, text with its line ends and surrounding spaces aside (a browser sends a
    text area's lines ending \\r\\n)."""
    try:
        value = field.to_python(raw)
    except forms.ValidationError:
        return _UNREADABLE
    if isinstance(value, str):
        return "\n".join(value.splitlines()).strip()
    return "" if value is None else value


def _shown_text(field: forms.Field, raw) -> str:
    """A posted value as the user reads it: a choice by its label, an empty value as such."""
    from django.utils.translation import gettext

    text = str(raw or "").strip()
    if isinstance(field, forms.ModelChoiceField):
        value = _comparable(field, raw)
        text = "" if value in ("", _UNREADABLE) else str(value)
    elif isinstance(field, forms.ChoiceField):
        text = str(dict(field.flatchoices).get(text, text))
    return text or gettext("（空）")
