"""What assistive technology needs of every portal page a role reaches from the home page in the access matrix's world
(users of every role, objects in many states): ids unique on the page, so that a label or an error names one field."""
import pytest
from django.test import Client

from tests.portal import crawled_pages, logged_in, repeated_ids

ROLES = ["member", "supplier_admin", "supplier_staff", "operator", "logistics", "finance"]
PAGES_PER_ROLE = 80
# with --dist loadgroup, one worker runs the whole sweep: the world (matrix_world) is built once, not once per worker
pytestmark = pytest.mark.xdist_group("portal_accessibility")


@pytest.mark.parametrize("role", ROLES)
def test_no_portal_page_repeats_an_id(matrix_world, db, role):
    users, _ = matrix_world
    client = Client()
    client.force_login(users[role])

    repeated = {url: repeated_ids(page) for url, page in crawled_pages(client, PAGES_PER_ROLE)}

    assert not {url: ids for url, ids in repeated.items() if ids}


@pytest.mark.parametrize(("url", "field"), [("/settlement/cases/", "supplier"), ("/supplier/contracts/review/", "supplier"),
                                            ("/supplier/qualifications/review/", "supplier"), ("/settlement/assessments/", "month")])
def test_a_list_filter_and_the_form_below_it_give_their_fields_of_one_name_ids_apart(operator, url, field):
    page = logged_in(operator).get(url).content.decode()

    assert repeated_ids(page) == []
    assert f'id="id_filter_{field}"' in page and f'for="id_{field}"' in page and f'id="id_{field}"' in page
