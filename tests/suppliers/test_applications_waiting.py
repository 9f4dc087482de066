"""The applications waiting for an operator's decision are one click away from their badge: 礼品商管理's badge and the
home page's to-do entry open the suppliers list filtered to 待审批, exactly what the badge counts, wherever the
applicants' ids put them in the whole list (sorted by id, 20 a page)."""
import re

import pytest

from suppliers.models import Supplier
from tests.factories import ApplicantFactory
from tests.portal import listed, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicants_after_a_page_of_suppliers() -> list[Supplier]:
    """21 suppliers in cooperation, then an application just made, one under review and one rejected."""
    ApplicantFactory.create_batch(21, state=Supplier.State.ACTIVE)
    ApplicantFactory(state=Supplier.State.REJECTED)
    return [ApplicantFactory(), ApplicantFactory(state=Supplier.State.UNDER_REVIEW)]


def test_the_suppliers_badge_and_to_do_entry_open_the_applications_it_counts(operator, applicants_after_a_page_of_suppliers):
    client = logged_in(operator)
    home = client.get("/").content.decode()
    badge = int(re.search(r'data-testid="nav-badge-operator-suppliers"[^>]*>(\d+)<', home).group(1))
    badge_link = re.search(r'<a class="badge-link" href="([^"]+)" data-testid="nav-badge-link-operator-suppliers">', home).group(1)
    to_do = re.search(r'<a href="([^"]+)" data-testid="home-link-operator-suppliers">礼品商管理</a>', home).group(1)

    opened = client.get(to_do)

    assert badge == 2 and badge_link == to_do == "/supplier/review/?state=awaiting"
    assert sorted(supplier.pk for supplier in opened.context["page_obj"]) == [s.pk for s in applicants_after_a_page_of_suppliers]
    assert opened.context["page_obj"].paginator.count == badge
    assert '<option value="awaiting" selected>待审批</option>' in opened.content.decode()


def test_the_suppliers_list_still_filters_by_one_state_and_lists_all_without_a_filter(operator, applicants_after_a_page_of_suppliers):
    applied, under_review = applicants_after_a_page_of_suppliers

    assert listed(operator, "/supplier/review/", state="applied") == [applied.pk]
    assert listed(operator, "/supplier/review/", state="under_review") == [under_review.pk]
    assert logged_in(operator).get("/supplier/review/").context["page_obj"].paginator.count == 24
