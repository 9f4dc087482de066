"""The small action forms of an object's page (core/includes/action_form.html): `{% load action_forms %}` …
`{% shown_form form url name as form %}`, `{% seen_of subject %}`."""
import copy

from django import template
from django.forms.utils import ErrorDict
from django.utils.datastructures import MultiValueDict

register = template.Library()


@register.simple_tag(takes_context=True)
def shown_form(context, form, url: str, name: str = ""):
    """`form` as the page shows it: when it is the form refused just before the redirect to this page (posted to `url`,
    see core.pages.send_back), bound again with the values entered and its errors. A form with errors gets ids
    (`id_<name>_<field>`), so that each input names its error (aria-describedby), and its first invalid input the focus,
    which brings it into view."""
    kept = context.get("sent_back")
    if form is not None and kept and kept["action"] == url:
        form = _bound_again(form, kept)
    if form is not None and form.is_bound and form.errors:
        _point_at_errors(form, name)
    return form


@register.simple_tag
def seen_of(subject) -> int:
    """What the page shows of `subject`, the object an action form steps: its latest change (core.fsm.latest_change),
    posted back as `seen` so that a step on an object changed since is refused (core.pages.moved_on)."""
    from core.fsm import latest_change

    return latest_change(subject)


def _bound_again(form, kept: dict):
    """A copy of the blank `form` (made as the page makes it) with the kept values and errors, not validated again."""
    bound = copy.copy(form)
    bound.fields = copy.deepcopy(form.fields)
    bound.data, bound.files, bound.is_bound = MultiValueDict(kept["data"]), MultiValueDict(), True
    bound._errors = ErrorDict({
        field: bound.error_class(texts, error_class="nonfield" if field == "__all__" else None, renderer=bound.renderer)
        for field, texts in kept["errors"].items()
    }, renderer=bound.renderer)
    bound._bound_fields_cache = {}
    return bound


@register.simple_tag
def focus_first_error(form) -> str:
    """Gives a refused `form`'s first input in error the focus, which brings it into view when the page loads again: a
    page's form (core/includes/form.html) as an action form (`shown_form`). Renders nothing."""
    if form is not None and form.is_bound and form.errors:
        first = next((field for field in form.visible_fields() if field.errors), None)
        if first is not None:
            first.field.widget.attrs["autofocus"] = True
    return ""


def _point_at_errors(form, name: str) -> None:
    form.auto_id = f"id_{name}_%s" if name else "id_%s"  # one refused form on a page: its ids are unique
    form._bound_fields_cache = {}
    focus_first_error(form)
