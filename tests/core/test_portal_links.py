"""Every link a demo user is shown leads to a page that user may open, and names itself in the browser tab: from the
home page, through the navigation, the lists and the first pages they link to, each demo role on the demo data (no
403, 404 or 500 behind a link)."""
import re
from collections import deque
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#]*)"')
UNTITLED = "<title>积分礼品供应商平台</title>"  # the site's name alone: the page does not say what it is in the browser tab
#: not portal pages: the admin and the API have their own permissions; files are checked by their own tests
SKIPPED = re.compile(r"^/(admin|api|accounts|i18n|static|media)/|/pdf/?$|\.(pdf|csv|xlsx)$|/(export|download)")
PAGES_PER_USER = 150


def crawl(client: Client) -> tuple[int, list[str]]:
    """Pages opened and the links that failed ("status url ← page", or "untitled url ← page" for a page other than the
    home page with no title of its own), breadth first from the home page; each path once."""
    queue, seen, failures, opened = deque([("/", "")]), {"/"}, [], 0
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
            if path not in seen and not SKIPPED.search(path):
                seen.add(path)
                queue.append((link, url))
    return opened, failures


def test_every_link_shown_to_a_demo_user_opens(settings):
    settings.DEBUG = False
    call_command("seed_demo", stdout=StringIO())
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    assert users.count() >= 10

    failures = []
    for user in users:
        client = Client()
        client.force_login(user)
        opened, failed = crawl(client)
        assert opened > 3, f"{user.username} opened only {opened} pages"
        failures += [f"{user.username} ({user.role}): {failure}" for failure in failed]

    assert not failures, "\n".join(failures)
