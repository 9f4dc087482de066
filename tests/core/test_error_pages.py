"""The portal's own pages for a forbidden and a missing page: Chinese first, in the portal's frame with the user's
navigation, with a way home, and in English on request."""
import pytest

from tests.portal import logged_in, nav

pytestmark = pytest.mark.django_db


def test_a_page_the_role_may_not_open_shows_the_forbidden_page_with_the_navigation_and_a_link_home(member):
    response = logged_in(member.user).get("/logistics/claims/")

    html = response.content.decode()
    assert response.status_code == 403 and 'data-testid="error-403"' in html
    assert "无权访问" in html and 'href="/"' in html
    assert 'href="/logistics/my-shipments/"' in nav(response)  # the member's own entries, to carry on from


def test_a_missing_page_shows_the_not_found_page_with_a_link_home(logistics):
    response = logged_in(logistics).get("/logistics/claims/999999/")

    html = response.content.decode()
    assert response.status_code == 404 and 'data-testid="error-404"' in html
    assert "页面不存在" in html and 'href="/"' in html


def test_the_error_pages_are_english_on_request(member):
    client = logged_in(member.user)

    forbidden = client.get("/logistics/claims/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Access denied" in forbidden and "Page not found" in missing
