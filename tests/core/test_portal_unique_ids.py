"""Every portal page a role reaches from the home page in the access matrix's world (users of every role, objects in
many states) has its ids unique, so that a label or an error names one field. In a module of its own: the world lives as
long as its module, and a test building its own rows beside it would clash with it."""
import pytest
from django.test import Client

from tests.portal import crawled_pages, repeated_ids

ROLES = ["member", "supplier_admin", "supplier_staff", "operator", "logistics", "finance"]
PAGES_PER_ROLE = 80
# with --dist loadgroup, one worker runs the whole sweep: the world (matrix_world) is built once, not once per worker
pytestmark = pytest.mark.xdist_group("portal_unique_ids")


@pytest.mark.parametrize("role", ROLES)
def test_no_portal_page_repeats_an_id(matrix_world, db, role):
    users, _ = matrix_world
    client = Client()
    client.force_login(users[role])

    repeated = {url: repeated_ids(page) for url, page in crawled_pages(client, PAGES_PER_ROLE)}

    assert not {url: ids for url, ids in repeated.items() if ids}
