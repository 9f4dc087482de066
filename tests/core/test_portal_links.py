"""Every link a demo user is shown leads to a page that user may open, and names itself in the browser tab: from the
home page, through the navigation, the lists and the first pages they link to, each demo role on the demo data (no
403, 404 or 500 behind a link).

Each route is opened a few times per user, not once for every object behind it: a list of forty shipments links to
forty pages of one kind, the first PAGES_PER_ROUTE of which (objects in different states) are opened."""
import re
from collections import Counter, deque

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
UNTITLED = "<title>积分礼品供应商平台</title>"  # the site's name alone: the page does not say what it is in the browser tab
#: not portal pages: the admin and the API have their own permissions; files are checked by their own tests
SKIPPED = re.compile(r"^/(admin|api|accounts|i18n|static|media)/|/pdf/?$|\.(pdf|csv|xlsx)$|/(export|download)")
PAGES_PER_USER = 150
#: pages opened per route (a path with its ids left out: /settlement/statements/<id>/)
PAGES_PER_ROUTE = 2
ID = re.compile(r"/\d+(?=/|$)")
#: the users of the demo (`manage.py seed_demo`), each crawling on its own
DEMO_USERS = [
    "13700137000", "13800138000", "13800138001", "admin", "finance", "finance2", "logistics", "operator", "supplier_a",
    "supplier_a_staff", "supplier_b", "supplier_b_staff", "supplier_c_staff", "supplier_d",
]


def route(path: str) -> str:
    return ID.sub("/<id>", path)


def crawl(client: Client) -> tuple[int, list[str]]:
    """Pages opened and the links that failed ("status url ← page", or "untitled url ← page" for a page other than the
    home page with no title of its own), breadth first from the home page; each path once, each route at most
    PAGES_PER_ROUTE times."""
    queue, seen, routes, failures, opened = deque([("/", "")]), {"/"}, Counter(), [], 0
    while queue and opened < PAGES_PER_USER:
        url, found_on = queue.popleft()
        response = client.get(url)
        opened += 1
        if response.status_code != 200:
            failures.append(f"{response.status_code} {url} ← {found_on}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        if url != "/" and UNTITLED in page:
            failures.append(f"untitled {url} ← {found_on}")
        for link in LINK.findall(page):
            link = link.replace("&amp;", "&")
            path = link.split("?")[0]
            if path not in seen and not SKIPPED.search(path) and routes[route(path)] < PAGES_PER_ROUTE:
                seen.add(path)
                routes[route(path)] += 1
                queue.append((link, url))
    return opened, failures


@pytest.fixture(scope="module", autouse=True)
def _as_deployed():
    """The pages as a deployment serves them (DEBUG off: a page that fails answers 404 or 500, not Django's debug page),
    for the whole module at once: changing DEBUG resets the template engines, and each crawl would compile every
    template again."""
    with override_settings(DEBUG=False):
        yield


def test_the_crawl_covers_every_demo_user(seeded_demo, db):
    assert list(get_user_model().objects.filter(is_active=True).order_by("username").values_list("username", flat=True)) == DEMO_USERS


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_link_shown_to_a_demo_user_opens(seeded_demo, db, username):
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)

    opened, failed = crawl(client)

    assert opened > 3, f"{username} opened only {opened} pages"
    assert not failed, "\n".join(f"{username} ({user.role}): {failure}" for failure in failed)
