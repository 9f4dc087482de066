"""Every portal form a signed-in user reaches from the home page, posted as shown with its text fields blank, with a NUL
byte in each and with overlong text (a garbage file in each file field): never a server error; a refusal says why on
the page shown (next to the field, above the form, or as the page's message after a redirect) and writes nothing; a NUL
byte is always refused. Each day or time field given one at the calendar's edge (0001-01-01, 9999-12-31) is refused
next to that field with the business years (core.validators.years_error), the rest of the form as shown.

Every page a role reaches has its ids unique, so that a label or an error names one field.

Each role crawls the access matrix's world (users of every role, objects in many states) breadth first from the home
page, once for both checks; each form is posted once per case, in a savepoint rolled back after it. The world lives as
long as this module: a test building its own rows beside it would clash with it.
"""
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from tests.helpers import row_counts, rows_written
from tests.portal import NOT_PAGES as SKIPPED
from tests.portal import crawled_pages, logged_in, repeated_ids
from tests.portal import page_shape as shape

ROLES = ["member", "supplier_admin", "supplier_staff", "operator", "logistics", "finance"]
PAGES_PER_ROLE = 80
TEXT_INPUTS = {"text", "textarea", "search", "email", "tel", "url", "number", "date", "datetime-local", "month", "password"}
SHOWN_ERROR = re.compile(r'class="(field-error|errorlist[^"]*|error)"|data-testid="problems"')  # a refused file: its problems by row
SHOWN_SUCCESS = re.compile(r'<ul class="messages"[^>]*>.*class="success"', re.S)
NUL, OVERLONG = "a\u0000b", "长" * 5_000
#: a day or time input at the calendar's edges, and what it shows next to the field
EDGES = {"first": {"date": "0001-01-01", "datetime-local": "0001-01-01T00:00"},
         "last": {"date": "9999-12-31", "datetime-local": "9999-12-31T23:59"}}
YEARS = re.compile(r"^(日期|时间)须在 2000–2099 年$")
FIELD_ERROR = re.compile(r'class="field-error" data-field="(\w+)">([^<]*)<')
# with --dist loadgroup, one worker runs the whole sweep: the world (matrix_world) is built and each role's pages crawled
# once, not once per worker
pytestmark = pytest.mark.xdist_group("portal_forms_bad_input")


@pytest.fixture(scope="module")
def crawled(matrix_world):
    """role → the pages (url, HTML) it reaches in the module's world, crawled by the first test that asks (GETs write
    nothing the world keeps: each test's savepoint is rolled back)."""
    return {}


def pages_of(crawled: dict, users: dict, role: str) -> list[tuple[str, str]]:
    if role not in crawled:
        crawled[role] = list(crawled_pages(logged_in(users[role]), PAGES_PER_ROLE))
    return crawled[role]


class Forms(HTMLParser):
    """The POST forms of a page as shown: (action, [(name, type, value)]): its hidden fields, text fields, selects (the
    option selected, else the first with a value), checked boxes and the first submit button with a name (the one that
    tells a page with several forms which was sent)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url, self.forms, self.current, self.select, self.submitted = url, [], None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name, kind = attrs.get("name"), (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current, self.submitted = (attrs.get("action") or self.url, []), False
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "option" and self.select is not None and attrs.get("value") and (self.select[2] is None or "selected" in attrs):
            self.select[2] = attrs["value"]
        elif not name or "disabled" in attrs:
            return
        elif tag in ("input", "button") and kind in ("submit", "image"):
            if not self.submitted:
                self.submitted = True
                self.current[1].append([name, "submit", attrs.get("value") or ""])
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self.current[1].append([name, kind, attrs.get("value") or "on"])
        elif tag == "input" and kind not in ("button", "reset"):
            self.current[1].append([name, kind, attrs.get("value") or ""])
        elif tag == "textarea":
            self.current[1].append([name, "textarea", ""])
        elif tag == "select":
            self.select = [name, "select", None]
            self.current[1].append(self.select)

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def reachable_forms(pages: list[tuple[str, str]]) -> dict[tuple, tuple[str, list]]:
    """{(action shape, *field names): (action, fields)} of the POST forms with a field to fill on `pages`, those
    reachable from the home page (two forms posting to one action, such as approve and reject, are two forms)."""
    forms = {}
    for url, page in pages:
        parser = Forms(url)
        parser.feed(page)
        for action, fields in parser.forms:
            action = action.replace("&amp;", "&")
            key = (shape(action), *sorted(f"{name}={value}" if kind == "submit" else name for name, kind, value in fields))
            if not SKIPPED.search(action) and key not in forms and any(kind in TEXT_INPUTS | {"file"} for _, kind, _ in fields):
                forms[key] = (action, fields)
    return forms


def filled(fields: list, text: str | None) -> dict:
    """The form as shown, each text field holding `text` and each file field a garbage file; with `text` None, the
    text fields blank and no file."""
    data = {}
    for name, kind, value in fields:
        if kind == "file":
            if text is not None:
                data[name] = SimpleUploadedFile("garbage.csv", b"\x00garbage\x00")
        else:
            data.setdefault(name, []).append((text or "") if kind in TEXT_INPUTS else (value or ""))
    return data


def at_the_edge(fields: list, edge: str) -> tuple[dict, list[str]]:
    """The form as shown with each day and time input at the calendar's `edge`, and those fields' names (without the
    prefix of a page with several forms); ({}, []) for a form without one."""
    days = [(name, kind) for name, kind, _ in fields if kind in EDGES[edge]]
    if not days:
        return {}, []
    data = filled(fields, None)
    for name, kind in days:
        data[name] = [EDGES[edge][kind]]
    return data, [name.rsplit("-", 1)[-1] for name, _ in days]


def problem_of(client: Client, action: str, data: dict, case: str, before: dict[str, int], days: list[str] = ()) -> str | None:
    """What is wrong with how the form answers `data` (None: nothing), `before` being the rows of every table before
    the post (each post is rolled back after it, so every post of a test starts from the same rows). A form that
    redirects has done its work when it added rows or the page it leads to says it did (a change of rows already
    there); else that page must say why not."""
    savepoint = transaction.savepoint()
    try:
        with rows_written(before) as written:
            response = client.post(action, data)
        shown = response.content.decode()
        if response.status_code in (301, 302, 303) and not written:
            shown = client.get(response.url).content.decode()
    except Exception as exc:  # the test client re-raises what the view did not handle
        return f"server error: {type(exc).__name__}: {exc}"[:300]
    finally:
        transaction.savepoint_rollback(savepoint)
    if response.status_code >= 500:
        return f"{response.status_code}"
    said_why = bool(SHOWN_ERROR.search(shown))
    if days:
        shown_next = {field: message for field, message in FIELD_ERROR.findall(shown) if YEARS.match(message)}
        missing = [day for day in days if day not in shown_next]
        return f"{response.status_code}, wrote {written}" if written else (
            f"{response.status_code}: no years error next to {missing}" if missing else None)
    if (said_why or response.status_code >= 400) and written:
        return f"{response.status_code} refused but wrote {written}"
    if said_why:
        return None
    if response.status_code < 400 and (written or SHOWN_SUCCESS.search(shown)):
        return f"{response.status_code}, taken with its NUL byte: {written or 'done'}" if case == "NUL bytes" else None
    return f"{response.status_code} refused without saying why (no error next to a field nor above the form)"


@pytest.mark.parametrize("role", ROLES)
def test_no_portal_page_repeats_an_id(matrix_world, crawled, db, role):
    users, _ = matrix_world

    repeated = {url: repeated_ids(page) for url, page in pages_of(crawled, users, role)}

    assert not {url: ids for url, ids in repeated.items() if ids}


@pytest.mark.parametrize("role", ROLES)
def test_bad_portal_forms_are_refused_without_a_server_error_or_a_write(matrix_world, crawled, db, role):
    users, _ = matrix_world
    client = logged_in(users[role])
    forms = reachable_forms(pages_of(crawled, users, role))
    assert forms, f"{role} reached no form"
    before = row_counts()

    problems = {}
    for action, fields in forms.values():
        for case, data in (("empty", filled(fields, None)), ("NUL bytes", filled(fields, NUL)), ("overlong text", filled(fields, OVERLONG))):
            if problem := problem_of(client, action, data, case, before):
                problems[f"{case} → {action}"] = problem
        for edge in EDGES:
            data, days = at_the_edge(fields, edge)
            if days and (problem := problem_of(client, action, data, f"{edge} day", before, days)):
                problems[f"{edge} day → {action}"] = problem

    assert not problems, "\n".join(f"{form}: {problem}" for form, problem in problems.items())
