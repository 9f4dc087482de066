"""What a portal page's view is made of besides its template: a paginated list, a service called from a form (refused,
the form comes back with each error next to its field, or is sent back across a redirect), the status of a page
shown again, and going back to the page a form was posted from. The navigation is core.portal."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise


def paginate(request, queryset, *, per_page: int = 20, list_url: str = "", by_id: bool = False) -> dict:
    """Template context for a paginated table that keeps the current filters in its links and in its page-number form
    (`params_without_page`: (name, value) pairs for its hidden fields). `list_url`: the list's own address, for a page
    also shown at the address of a form posted from it (a refused form shown again with its errors): its filters,
    page links and page-number box then lead to the list, not to the form's address (which only takes a POST).
    `by_id`: the page reads its rows through `core.selectors.rows_by_id` (a list whose rows carry a correlated
    subquery or wide joins, which a deep page would otherwise compute for every row it skips)."""
    from django.core.paginator import Paginator

    from core.selectors import ByIdPaginator

    page_obj = _asked_page(request, (ByIdPaginator if by_id else Paginator)(queryset, per_page))
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return {"page_obj": page_obj, "querystring_without_page": f"{encoded}&" if encoded else "", "list_url": list_url,
            "params_without_page": [(name, value) for name, values in params.lists() for value in values]}


def _asked_page(request, paginator):
    """The page `?page=` asks for, or the nearest there is (the first for a number below it or no number, the last for
    one beyond it) with a message saying which is shown: a link kept from a longer list is not answered silently with
    another page."""
    from django.contrib import messages
    from django.core.paginator import EmptyPage, PageNotAnInteger
    from django.utils.translation import gettext

    asked = request.GET.get("page", "").strip()
    try:
        return paginator.page(paginator.validate_number(asked or 1))
    except (PageNotAnInteger, EmptyPage):
        beyond = asked.isdecimal() and asked.lstrip("0") != ""  # a whole number above 1 no page has (read as text: it may be huge)
        page = paginator.page(paginator.num_pages if beyond else 1)
    messages.warning(request, gettext("页码无效，已显示第 %(number)s 页") % {"number": page.number})
    return page


def labelled(label, text) -> str:
    """`label：text` with the colon of the reader's language (a full-width one after Chinese only)."""
    from core.texts import labelled_message, stored, written

    return written(*stored(labelled_message(label, text)))


def state_reached(obj, name) -> str:
    """The success message of a workflow action on `obj`: `name` (its number or name) and the state it is in now, read
    back once the action ran (the service may have changed another copy of it). True whatever the action was, where
    the button's verb alone ("上架：IB…") would only repeat what was asked. Pass it to run_action or act_with_form as
    `success=lambda: state_reached(obj, name)`."""
    from django.utils.translation import gettext

    state = type(obj)._base_manager.filter(pk=obj.pk).values_list("state", flat=True).get()
    label = dict(obj._meta.get_field("state").flatchoices).get(state, state)
    return gettext("%(name)s 现为「%(state)s」") % {"name": name, "state": label}


def run_action(request, action, *, success: str | Promise | Callable[[], str]) -> bool:
    """Call a service from a portal form; a DomainError becomes an error message instead of a 500. `success` is the
    message shown when it is done, or a function giving it once done (see state_reached)."""
    from django.contrib import messages

    from core.errors import DomainError

    try:
        action()
    except DomainError as error:
        messages.error(request, error.detail)
        return False
    messages.success(request, success() if callable(success) else success)
    return True


def report_form_errors(request, form) -> None:
    """The errors of a small form posted from a page that does not show it again (an action's reason, a note): one
    message per field, naming the field by its label."""
    from django.contrib import messages

    from core.texts import joined_messages

    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = joined_messages(errors)
        messages.error(request, labelled(label, text) if label else text)


SENT_BACK = "portal.sent_back"  # session key of the form refused before a redirect (see send_back)


def send_back(request, form) -> None:
    """A small form posted from a page the view then redirects back to (an action's reason, a note) is not valid: the
    values entered and the errors are kept for the page's next showing, where the form comes back with each error next
    to its field (`sent_back`, core/includes/action_form.html); the message at the top asks to correct them."""
    from django.contrib import messages
    from django.forms import PasswordInput
    from django.utils.translation import gettext

    def secret(key: str) -> bool:  # a password typed is never kept in the session
        return key in form.fields and isinstance(form.fields[key].widget, PasswordInput)

    request.session[SENT_BACK] = {
        "action": request.path,
        "data": {key: values for key, values in form.data.lists() if key not in ("csrfmiddlewaretoken", "next") and not secret(key)},
        "errors": {field: [str(error) for error in errors] for field, errors in form.errors.items()},
    }
    messages.error(request, gettext("请修正下方标出的错误"))


def send_back_refusal(request, form, error, *, aliases: dict[str, str] | None = None) -> None:
    """A service refused the action of a valid small form posted from a page the view redirects back to: when its
    errors name a field the form shows, the form is sent back with them next to their fields (see send_back); a
    refusal about the object itself (its state, the user's right) is said at the top."""
    from django.contrib import messages

    named = {(aliases or {}).get(field, field) for field, _code, _detail in getattr(error, "errors", None) or [(error.field, error.code, error.detail)]}
    if any(name in form.fields and not form.fields[name].widget.is_hidden for name in named):
        add_service_errors(form, error, aliases=aliases)
        send_back(request, form)
    else:
        messages.error(request, error.detail)


def act_sending_back(
    request, form, service, *, success: str | Promise | Callable[[], str], aliases: dict[str, str] | None = None, **target,
) -> bool:
    """Call `service` on `target` with the values of a bound small form posted from a page the view then redirects back
    to (an action's reason, a note), the user as actor and the time now. True when done (a success message is added, or
    a function giving it once done); False when the form is invalid (sent back, see send_back) or the service refused
    (see send_back_refusal): nothing done either way, the view redirecting back all the same. A user the service finds
    may not take the step (PermissionDenied, a maker approving its own adjustment) is no refusal to send back: the 403
    is raised on."""
    from django.contrib import messages
    from django.utils import timezone

    from core.errors import DomainError, PermissionDenied

    if not form.is_valid():
        send_back(request, form)
        return False
    try:
        service(**target, actor=request.user, now=timezone.now(), **form.cleaned_data)
    except PermissionDenied:
        raise
    except DomainError as error:
        send_back_refusal(request, form, error, aliases=aliases)
        return False
    messages.success(request, success() if callable(success) else success)
    return True


def sent_back(request) -> dict:
    """Template context: `sent_back`, the form refused just before the redirect to this page ({"action": the path it
    was posted to, "data", "errors"}, see send_back) or None. It is taken out of the session by the first page shown
    after the redirect, so that a later page never shows it again; every part of that page rendered on its own (an
    order's sections) sees it too."""
    session = getattr(request, "session", None)
    if session is None:
        return {"sent_back": None}
    if not hasattr(request, "portal_sent_back"):
        request.portal_sent_back = session.pop(SENT_BACK, None)
    return {"sent_back": request.portal_sent_back}


def add_service_errors(form, error, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's errors next to the fields they name (`aliases` maps a service field to a form field);
    an error naming no field the form shows (none, or a hidden one such as its token) becomes a form-wide error."""
    for field, _code, detail in getattr(error, "errors", None) or [(error.field, error.code, error.detail)]:
        field = (aliases or {}).get(field, field)
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        form.add_error(field if shown else None, detail)


def act_with_form(
    request, form, service, *, success: str | Promise | Callable[[], str], aliases: dict[str, str] | None = None, transition: str = "",
    **target,
) -> bool:
    """Call `service` on `target` with the bound form's values, the user as actor and the time now. True when done (a
    success message is added); False when the form is invalid or the service refused, its errors then next to the
    fields they name (see add_service_errors), for the page to be rendered again with the form (status: page_status).

    `transition`: the FSM transition the action is on its (one) target, checked first (see moved_on): when the target
    has moved on, the form comes back blank, 409, the refusal naming the state at the top."""
    from django.contrib import messages
    from django.utils import timezone

    from core.errors import DomainError

    if transition:
        (obj,) = target.values()
        if status := moved_on(request, obj, transition):
            _blank(form).refused_status = status
            return False
    if not form.is_valid():
        return False
    try:
        service(**target, actor=request.user, now=timezone.now(), **form.cleaned_data)
    except DomainError as error:
        add_service_errors(form, error, aliases=aliases)
        form.refused_status = _refused_status(error)
        return False
    messages.success(request, success() if callable(success) else success)
    return True


def step_from_page(
    request, form, service, *, step: str, named: str | Callable[[], str], back: str, again: Callable, transition: str | None = None,
    **target,
):
    """Take the workflow step `step` on its (one) `target` with the action's bound form (see act_with_form; the FSM
    transition checked first is `transition`, by default the step's own name). Done: the message names the target
    (`named`, its number or name, or a function giving it) and the state it is in now (see state_reached), back to the
    page the form was posted from, else `back`. Refused: the target's page again, `again(refused=(step, form))`."""
    (obj,) = target.values()
    done = lambda: state_reached(obj, named() if callable(named) else named)  # noqa: E731 (read once the step ran)
    if act_with_form(request, form, service, transition=step if transition is None else transition, success=done, **target):
        return redirect_back(request, back)
    return again(refused=(step, form))


def create_with_form(
    request, form, name: str, service: Callable, *, values: Callable[[], dict] | None = None,
    aliases: dict[str, str] | None = None, success: str | Promise | Callable[[int], str] = "", page: str = "",
) -> tuple[int, bool] | None:
    """Call `service`, which creates something, for a bound valid `form` (a core.forms.SubmittedOnce) at most once per
    the token the form was rendered with (`name` names the form among the user's: a double click or a re-sent request
    creates one object), with the user as actor, the time now and the form's `values()` (by default what was
    entered: `form.entered`). (The object's id, whether this request created it) for the page to go to it; `success`,
    the message (or a function of the id giving it) said only when this request created it: a repeat goes to the
    object without saying it again. None when the form is unsent or invalid or the service refused, its errors then
    next to the fields they name (see add_service_errors), for the page to be rendered again with the form; the same
    form sent again with other values (back, changed, sent) is refused so (409), naming what it created, a link to
    its `page` (the url name of the object's page, taking its id) where it has one."""
    from django.contrib import messages
    from django.utils import timezone

    from core.errors import DomainError, FormResent

    if not form.is_valid():
        return None
    entered = (values or form.entered)()
    try:
        pk, first = form.create_once(user=request.user, name=name, values=entered, action=lambda: service(
            actor=request.user, now=timezone.now(), **entered
        ))
    except FormResent as resent:
        form.add_error(None, resent.worded(_created_link(resent.created, page)))
        form.refused_status = resent.status
        return None
    except DomainError as error:
        add_service_errors(form, error, aliases=aliases)
        return None
    if first and success:
        messages.success(request, success(pk) if callable(success) else success)
    return pk, first


def _created_link(obj, page: str):
    """`obj` named (core.idempotency.named_object), a link to its `page` (a url name taking its id) where given."""
    from django.utils.html import conditional_escape, format_html

    from core.idempotency import named_object

    name = named_object(obj)
    return format_html('<a href="{}">{}</a>', reverse(page, args=[obj.pk]), name) if page else conditional_escape(name)


def moved_on(request, obj, transition: str) -> int | None:
    """The status (409) of an action on `obj` its state no longer allows (another user moved it on meanwhile), the
    refusal naming the state then said at the top of the next page shown; None while the state allows it. Check it
    before the form sent: what the form holds (a reason missing, too long) is then no longer the point. Only the
    transition's source states are checked: its conditions (a supplier's standing…) are the service's to judge and say.
    Then, when the form carries the `seen` of the page it came from (core/includes/action_form.html, `subject`), that
    the object has not changed since, back to the same state or in it, or moved on (see core.fsm.require_step): 409
    naming the latest change, so that no one approves what they did not see (a `seen` that is no change of the object's:
    400)."""
    from django.contrib import messages

    from core.errors import Conflict, ValidationFailed
    from core.fsm import require_step

    try:
        require_step(obj, transition, request.POST.get("seen"), reader=request.user)
    except (Conflict, ValidationFailed) as error:
        messages.error(request, error.detail)
        return error.status
    return None


def _blank(form):
    """The form as if never sent: no values kept, no errors (a page that shows it again shows it empty)."""
    from django.utils.datastructures import MultiValueDict

    form.is_bound, form.data, form.files = False, MultiValueDict(), MultiValueDict()
    return form


def _refused_status(error) -> int:
    """An action the object's state does not allow (InvalidTransition, and any other conflict with the current state)
    is 409 (SPEC §4); other refusals are bad input, 400."""
    from core.errors import Conflict

    return 409 if isinstance(error, Conflict) else 400


def page_status(refused: tuple[str, Any] | None) -> int:
    """The status of an object's page: 200, or rendered again with a refused action's (name, form): 409 when the
    object's state did not allow it (see act_with_form), else 400."""
    if refused is None:
        return 200
    return form_status(refused[1], 400)


def form_status(form, otherwise: int = 200) -> int:
    """The status of a page shown again with `form`: the one its refusal set (409: a create form sent again with other
    values, see create_with_form; an action the object's state no longer allows, see act_with_form; a field both
    changed, see core.forms.EditsShownValues), else `otherwise`."""
    return getattr(form, "refused_status", otherwise)


@dataclass(frozen=True)
class PageAction:
    """A button on an object's page: the service it calls and the form of the service's other arguments (see
    action_forms, act_with_form)."""

    label: str | Promise
    service: Callable
    form: type
    style: str = ""
    confirm: str | Promise = ""  # the question asked in the browser before an action that cannot be undone


def action_forms(request, offered: list[tuple[str, Any]], *, refused: tuple[str, Any] | None = None) -> list[tuple[str, Any, Any]]:
    """(name, action, form) of each offered (name, action) of a page: a blank `action.form`, or for the action named
    in `refused` (name, bound form) the form sent back with its errors and the values entered. When that action is no
    longer offered (the object moved on meanwhile), its errors become messages, so that they are not lost."""
    forms = [(name, action, refused[1] if refused and refused[0] == name else action.form(auto_id=False)) for name, action in offered]
    if refused and refused[0] not in {name for name, _action in offered}:
        report_form_errors(request, refused[1])
    return forms


def named_step(table: dict[str, Any], name: str) -> Any:
    """What a page's `table` holds for the step `name` an action's URL names (its action, its service…): a name the
    table has not is a 404."""
    from django.http import Http404

    if name not in table:
        raise Http404
    return table[name]


def redirect_back(request, default: str):
    """Redirect to the page the form was posted from (kept in its `next` field) if it is a path of ours, else to the
    URL `default`. (Not `redirect()`: it would take a `next` that is no path for the name of a view.)"""
    from django.http import HttpResponseRedirect

    return HttpResponseRedirect(posted_from(request, default))


def posted_from(request, default: str) -> str:
    """The page a form was posted from (its `next` field) if it is a path of ours, else the URL `default`: where to
    go back to, and what a form rendered again after a refusal keeps as its own `next`."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else default


def referring_page(request) -> str:
    """The page of ours the request came from (its Referer's path and query), or "" when it names none."""
    from urllib.parse import urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    hosts, secure = {request.get_host()}, request.is_secure()
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts=hosts, require_https=secure):
        return ""
    parts = urlsplit(referer)
    page = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # the path alone is judged again: one starting "//" or "/\\" would name another site to a browser
    return page if url_has_allowed_host_and_scheme(page, allowed_hosts=hosts, require_https=secure) else ""


def bad_input_is_400(view):
    """Decorate a page that takes its input from the query string and has no form to show an error next to: bad input
    (`ValidationFailed`, e.g. an unknown picture size) is answered 400 with the message, not a server error."""
    from functools import wraps

    from django.http import HttpResponseBadRequest

    from core.errors import ValidationFailed

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationFailed as error:
            return HttpResponseBadRequest(error.detail, content_type="text/plain; charset=utf-8")

    return wrapper
