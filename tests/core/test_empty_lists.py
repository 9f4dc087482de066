"""An empty list says whether its filters emptied it: none matching them, with a link to the list without them (what
else the address names kept, a filter the list applies by default asked empty), or that there are none."""
import re
from pathlib import Path

import pytest

from tests.portal import clear_link, logged_in

pytestmark = pytest.mark.django_db
TEMPLATES = sorted(Path(__file__).resolve().parents[2].glob("*/templates/**/*.html"))


def test_clearing_the_filters_of_a_tabbed_list_keeps_its_tab(operator):
    page = logged_in(operator).get("/supplier/gift-review/", {"queue": "approved", "q": "zzz"}).content.decode()

    assert clear_link(page) == "/supplier/gift-review/?queue=approved"


@pytest.mark.parametrize("template", [t for t in TEMPLATES if "core/includes/filters.html" in t.read_text()],
                         ids=lambda t: "/".join(t.parts[-2:]))
def test_every_filtered_list_says_when_its_filters_found_nothing(template):
    text = template.read_text()
    partials = re.findall(r'\{% include "([^"]+)" with [^%]*filtered_by=filters', text)

    said = "core/includes/none_listed.html" in text or any(
        "core/includes/none_listed.html" in next(t for t in TEMPLATES if t.as_posix().endswith(p)).read_text() for p in partials)

    assert said, f"{template} lists rows under filters without saying when they found none"
