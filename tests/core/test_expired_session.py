"""A form sent once the session has expired: signing in leads back to the form's page, never to the address that takes
a POST only (a bare 405); a form of a page opened before signing in again (its CSRF token no longer valid) is the
portal's page saying to go back and reload, 403."""
import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ACTION = "/supplier/announcements/1/acknowledge/"  # an action that takes a POST only (require_POST)
PAGE = "/supplier/announcements/?page=2"


@pytest.mark.parametrize(
    ("referer", "back"),
    [(f"http://testserver{PAGE}", PAGE), ("", "/"), ("https://elsewhere.example/supplier/", "/")],
    ids=["the form's page", "no referer", "another site"],
)
def test_a_form_posted_signed_out_signs_in_back_to_the_page_it_was_on(operator, referer, back):
    client = Client()

    sent = client.post(ACTION, {"reason": ""}, **({"HTTP_REFERER": referer} if referer else {}))
    login = client.get(sent["Location"])
    next_field = re.search(r'name="next" value="([^"]*)"', login.content.decode())[1]
    signed_in = client.post(sent["Location"], {"username": "operator", "password": "pass12345", "next": next_field})

    assert sent.status_code == 302 and sent["Location"].startswith("/accounts/login/?")
    assert next_field.replace("&amp;", "&") == back and signed_in["Location"] == back
    assert "刚才提交的内容未保存" in login.content.decode()


def test_a_page_opened_signed_out_still_signs_in_back_to_itself():
    response = Client().get(PAGE)

    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/supplier/announcements/%3Fpage%3D2"


@pytest.mark.parametrize(("language", "says"), [("zh-hans", "页面已过期，请返回并刷新后重新提交"), ("en", "Go back, reload the page")])
def test_a_form_whose_csrf_token_is_no_longer_valid_is_the_portals_expired_page_with_a_link_back(operator, language, says):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(operator)

    response = client.post("/settlement/adjustments/new/", {"csrfmiddlewaretoken": "stale"}, HTTP_REFERER="http://testserver/settlement/adjustments/new/")

    page = response.content.decode()
    assert response.status_code == 403 and 'data-testid="error-csrf"' in page and says in page
    assert '<a class="button" href="/settlement/adjustments/new/" data-testid="back">' in page


@pytest.mark.parametrize("path", ["//elsewhere.example/x", "/\\elsewhere.example/x"])
def test_the_expired_pages_link_back_never_leads_to_another_site(operator, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)

    response = client.post("/settlement/adjustments/new/", {"csrfmiddlewaretoken": "stale"}, HTTP_REFERER=f"http://testserver{path}")

    assert response.status_code == 403
    assert '<a class="button" href="/" data-testid="back">' in response.content.decode()
