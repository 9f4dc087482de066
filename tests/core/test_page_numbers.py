"""A portal list asked for a page it has not (no number, below the first, beyond the last) shows the nearest page
there is and says which, rather than another page in silence."""
import pytest
from django.urls import reverse

from tests.factories import MemberFactory
from tests.portal import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pages_of_members(member) -> str:
    """The operators' member list with 25 members: two pages of 20."""
    MemberFactory.create_batch(24)
    return reverse("operator-members")


@pytest.mark.parametrize(("asked", "shown"), [("abc", 1), ("-1", 1), ("0", 1), ("1.5", 1), ("99999", 2), ("9" * 5000, 2)])
def test_a_page_the_list_has_not_shows_the_nearest_and_says_so(operator, two_pages_of_members, asked, shown):
    response = logged_in(operator).get(two_pages_of_members, {"page": asked})

    assert response.status_code == 200 and response.context["page_obj"].number == shown
    assert [str(message) for message in response.context["messages"]] == [f"页码无效，已显示第 {shown} 页"]


@pytest.mark.parametrize(("asked", "shown"), [("", 1), ("1", 1), ("2", 2)])
def test_a_page_the_list_has_is_shown_without_a_message(operator, two_pages_of_members, asked, shown):
    response = logged_in(operator).get(two_pages_of_members, {"page": asked})

    assert response.context["page_obj"].number == shown and list(response.context["messages"]) == []


def test_the_message_reads_in_english_too(operator, two_pages_of_members):
    response = logged_in(operator).get(two_pages_of_members, {"page": "99999"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "No such page; showing page 2" in response.content.decode()
