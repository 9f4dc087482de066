"""What assistive technology needs of every portal page a role reaches from the home page in the access matrix's world
(users of every role, objects in many states): ids unique on the page, so that a label or an error names one field."""
import pytest
from django.test import Client

from settlement.models import KpiSetting

from tests.portal import crawled_pages, logged_in, repeated_ids, unlabelled_fields, unresolved_descriptions

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


def described(response) -> tuple[list[str], int]:
    """(the unresolved aria-describedby ids, how many the page has) of a page showing a refused form."""
    page = response.content.decode()
    return unresolved_descriptions(page), page.count("aria-describedby=")


def test_a_wrong_list_filter_is_described_by_its_error(operator):
    assert described(logged_in(operator).get("/settlement/cases/?state=bogus")) == ([], 1)


def test_a_wrong_review_queue_search_is_described_by_its_error(operator):
    assert described(logged_in(operator).get("/supplier/gift-review/?q=a%00b")) == ([], 1)


def test_a_refused_kpi_weight_is_described_by_its_error(operator):
    setting = KpiSetting.objects.order_by("pk").first()
    data = {f"{s.pk}-{name}": getattr(s, name) for s in KpiSetting.objects.all() for name in ("weight", "target")}

    response = logged_in(operator).post("/settlement/assessments/kpi-settings/", data | {f"{setting.pk}-weight": "-1"})

    assert described(response) == ([], 1)


def test_a_refused_points_correction_is_described_by_its_error(operator, rich_member):
    response = logged_in(operator).post(f"/member/member-admin/{rich_member.pk}/", {"points": "many", "reason_code": "correction", "note": "冲回"})

    unresolved, count = described(response)
    assert unresolved == [] and count >= 1



def test_each_kpi_weight_and_target_is_named_by_its_kpi_and_column(operator):
    page = logged_in(operator).get("/settlement/assessments/kpi-settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert unlabelled_fields(page) == []
    assert 'aria-label="On-time dispatch rate Weight"' in page and 'aria-label="On-time dispatch rate Target"' in page
