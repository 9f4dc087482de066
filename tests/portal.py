"""Helpers shared by portal (page) tests: a logged-in client, the field errors a form shows, the navigation."""
import html
import json
import re
import uuid
from collections import deque
from html.parser import HTMLParser

from django.test import Client

from tests.conftest import client_for

LINK = re.compile(r'href="(/[^"#]*)"')
#: not portal pages: the admin, the API, signing in and out, the language switch; files are not pages
NOT_PAGES = re.compile(r"^/(admin|api|accounts|i18n|static|media)/|/pdf/?$|\.(pdf|csv|xlsx)$|/(export|download)")
ID = re.compile(r'\sid="([^"]+)"')
FIELD_ERROR = re.compile(r'class="field-error" data-field="(\w+)">([^<]*)<')


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seen_by(page: str, action: str) -> str:
    """The `seen` the page's form posting to `action` (its path) carries: what the page showed of the object it steps
    (core/includes/action_form.html)."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}[?"][^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form posting to {action}"
    seen = re.search(r'name="seen" value="(\d+)"', form.group(1))
    assert seen, f"the form posting to {action} carries no seen"
    return seen.group(1)


def posted_as(form: str, values: dict) -> dict:
    """A post of one of a page's several forms, each prefixed with its name (the paperwork page's): its `form` name
    and its fields under `<form>-<field>`, with the token of a freshly opened page unless `values` holds one."""
    return {"form": form, f"{form}-token": uuid.uuid4().hex} | {f"{form}-{name}": value for name, value in values.items() if name != "form"}


def page_in(user, url: str, language: str) -> str:
    """The page at `url` as `user` reads it in `language` (an Accept-Language), checked to open (200)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def reconciliation_rows(user, line) -> tuple[str, str]:
    """A reconciliation line's row on its reconciliation's page as `user` reads it, in Chinese and in English."""
    url = f"/settlement/reconciliations/{line.reconciliation_id}/"
    return tuple(re.search(rf'<tr data-line="{line.pk}".*?</tr>', page_in(user, url, language), re.S).group(0)
                 for language in ("zh-hans", "en"))


def repeated_ids(page: str) -> list[str]:
    """The ids a page's HTML gives to more than one element (a label or an error naming one of them names the first)."""
    ids = ID.findall(page)
    return sorted({i for i in ids if ids.count(i) > 1})


def unresolved_descriptions(page: str) -> list[str]:
    """The ids a page's aria-describedby name that no element of the page has (an error or help a reader never hears)."""
    ids = set(ID.findall(page))
    return sorted({i for names in re.findall(r'aria-describedby="([^"]*)"', page) for i in names.split() if i not in ids})


class _Inputs(HTMLParser):
    """The fields a person fills on a page (not hidden fields or buttons), each as (name, named): named by a label
    around it or pointing at its id, an aria-label or an aria-labelledby."""

    def __init__(self) -> None:
        super().__init__()
        self.fields, self.labelled_ids, self.in_label = [], set(), 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.in_label += 1
            self.labelled_ids.add(attrs.get("for"))
        elif tag in ("input", "select", "textarea") and (attrs.get("type") or "").lower() not in ("hidden", "submit", "button", "reset", "image"):
            named = bool(self.in_label or attrs.get("aria-label") or attrs.get("aria-labelledby"))
            self.fields.append((attrs.get("name") or "", attrs.get("id"), named))

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label = max(self.in_label - 1, 0)


class _LiveRegions(HTMLParser):
    """The live regions of a page (an element with role status, alert or log, or with aria-live) opened inside another."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open, self.nested = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        live = attrs.get("role") in ("status", "alert", "log") or bool(attrs.get("aria-live"))
        if live and any(outer for _, outer in self.open):
            self.nested.append(f"<{tag} role={attrs.get('role')!r} aria-live={attrs.get('aria-live')!r}>")
        self.open.append((tag, live))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass


def nested_live_regions(page: str) -> list[str]:
    """The live regions of a page inside another one: a screen reader announces such a region twice, or not at all."""
    parser = _LiveRegions()
    parser.feed(page)
    return parser.nested


def unlabelled_fields(page: str) -> list[str]:
    """The names of the fields of a page that nothing names to a screen reader (a placeholder is no name: it goes)."""
    parser = _Inputs()
    parser.feed(page)
    return [name for name, id_, named in parser.fields if not named and (id_ is None or id_ not in parser.labelled_ids)]


def field_errors(response) -> dict[str, str]:
    """{field: message} of the errors shown next to the form's fields."""
    return dict(FIELD_ERROR.findall(response.content.decode()))


class _FormValues(HTMLParser):
    """The values a browser would post from the form marked `data-testid=testid`: its inputs (hidden ones too, a
    ticked box's), text areas and the selected option of each select."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.inside, self.values, self.text_area, self.select = testid, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("data-testid") == self.testid
        if not self.inside or not attrs.get("name") and tag != "option":
            return
        kind = (attrs.get("type") or "").lower()
        if tag == "input" and kind not in ("submit", "button", "file") and (kind not in ("checkbox", "radio") or "checked" in attrs):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.text_area = attrs["name"]
            self.values[self.text_area] = ""
        elif tag == "select":
            self.select = attrs["name"]
            self.values[self.select] = ""
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.text_area = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.text_area:
            self.values[self.text_area] += data.removeprefix("\n") if not self.values[self.text_area] else data


def form_values(response, testid: str) -> dict[str, str]:
    """The values a browser posts from the page's form marked `data-testid=testid` as it is shown (its token aside)."""
    parser = _FormValues(testid)
    parser.feed(response.content.decode())
    assert parser.values, f"no form marked {testid} on the page"
    parser.values.pop("csrfmiddlewaretoken", None)
    return parser.values


def nav(response) -> str:
    """The navigation's HTML."""
    return response.content.decode().split('data-testid="nav"', 1)[1].split("</nav>", 1)[0]


def badge_links(user, url_name: str) -> dict[str, tuple[str, int]]:
    """Where the user's badge of the navigation entry `url_name` links to and the count it shows, on the home page's to-do
    entry and in the navigation (a badge linking nowhere of its own links where its entry does): {"home"|"nav": (path,
    count)}; none shown, {}."""
    page = html.unescape(logged_in(user).get("/").content.decode())
    found = {}
    home = re.search(rf'<a href="([^"]+)" data-testid="home-link-{url_name}">[^<]*</a> <span[^>]*data-testid="home-badge-{url_name}"[^>]*>(\d+)<', page)
    if home:
        found["home"] = (home.group(1), int(home.group(2)))
    entry = re.search(rf'<a href="([^"]+)"[^>]*>[^<]*</a>(?:<a class="badge-link" href="([^"]+)" data-testid="nav-badge-link-{url_name}">)?'
                      rf'<span[^>]*data-testid="nav-badge-{url_name}"[^>]*>(\d+)<', page)
    if entry:
        found["nav"] = (entry.group(2) or entry.group(1), int(entry.group(3)))
    return found


def rows_at(user, path: str) -> int:
    """How many rows the portal list at `path` (with its query) lists to the user, on all its pages (checked to open)."""
    response = logged_in(user).get(path)
    assert response.status_code == 200, response.content
    return response.context["page_obj"].paginator.count


def shown(response, testid: str) -> str:
    """The text of the first element marked `data-testid=testid` up to its first closing tag, tags stripped (a figure)."""
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:a|dd|p|span|small|li)>', response.content.decode(), re.S)
    assert match, f"nothing marked {testid} on the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def listed(user, url: str, **query) -> list[int]:
    """The ids, sorted, of the rows `user` is listed at `url` with the filters `query`: a portal page's first page, or
    an API list's (`/api/…`) first page; either checked to answer 200."""
    if url.startswith("/api/"):
        response = client_for(user).get(url, query)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])
    response = logged_in(user).get(url, query)
    assert response.status_code == 200, response.content
    return sorted(row.pk for row in response.context["page_obj"])


def listed_in_order(user, url: str, **query) -> list[int]:
    """The ids of the rows of the first page of the portal list at `url` with `query`, in the order shown (checked to
    answer 200)."""
    response = logged_in(user).get(url, query)
    assert response.status_code == 200, response.content
    return [row.pk for row in response.context["page_obj"]]


#: a heading that sorts its list (core/templatetags/lists.py): (its link, its column, aria-sort or "")
SORT_HEADING = re.compile(r'<th[^>]*?(?: aria-sort="(\w+)")?><a href="([^"]*)" class="sort" data-sort="([^"]+)"')


def sort_headings(page: str) -> dict[str, tuple[str, str]]:
    """{column: (where its heading links to, its aria-sort or "")} of the headings of a page that sort its list."""
    return {column: (html.unescape(link), order or "") for order, link, column in SORT_HEADING.findall(page)}


def clear_link(page: str) -> str | None:
    """Where the page's 清除筛选 link (an empty list's, core/includes/none_listed.html) leads, or None when it has none."""
    found = re.search(r'<a href="([^"]*)" data-testid="clear-filters">', page)
    return html.unescape(found.group(1)) if found else None


def rendered_text(response) -> str:
    """What its reader reads of a response: a page's text without its tags, scripts and styles, entities decoded; a JSON
    body's string values, one a line; any other file as it is."""
    content = response.content.decode("utf-8-sig")
    if response["Content-Type"].startswith("application/json"):
        return "\n".join(_strings(json.loads(content)))
    if response["Content-Type"].startswith("text/html"):
        content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S | re.I)
        return html.unescape(re.sub(r"<[^>]+>", " ", content))
    return content


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def body(response) -> bytes:
    """A response's bytes; a streamed one (a CSV download) is read to its end and kept to be read again."""
    if not response.streaming:
        return response.content
    content = b"".join(response.streaming_content)
    response.streaming_content = [content]
    return content


def downloaded(response) -> list[list[str]]:
    """A list's download (CSV or XLSX, checked by its type: CSV in UTF-8 with a BOM) as rows of text, header first."""
    import csv
    import io

    import openpyxl

    content = body(response)
    assert response.status_code == 200, content[:300]
    if response["Content-Type"].startswith("text/csv"):
        assert content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def page_shape(path: str) -> str:
    """A path with its numbers as N: pages of one view on different rows are one page."""
    return re.sub(r"/\d+/", "/N/", path.split("?")[0])


def crawled_pages(client: Client, limit: int):
    """(url, HTML) of the portal pages that answer 200 reachable from the home page by links, breadth first, one page
    of each view (`page_shape`), at most `limit` opened."""
    queue, seen, opened = deque(["/"]), {"/"}, 0
    while queue and opened < limit:
        url = queue.popleft()
        response = client.get(url)
        opened += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        yield url, page
        for link in LINK.findall(page):
            link = link.replace("&amp;", "&")
            if page_shape(link) not in seen and not NOT_PAGES.search(link):
                seen.add(page_shape(link))
                queue.append(link)
