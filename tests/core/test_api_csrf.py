"""A write to the API made with the portal's session and without its CSRF token is refused (403 `permission_denied`)
in the request's language, Chinese by default, as every error is; with the token it is made."""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_session(operator) -> Client:
    """The operator signed in to the portal, in a portal_session whose writes are checked for their CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    client.get("/")  # a portal page (its sign-out form) sets the csrftoken cookie
    return client


@pytest.mark.parametrize(("headers", "says"), [
    ({}, "CSRF 校验未通过：以登录会话调用 API 的写请求须在 X-CSRFToken 请求头中带上 csrftoken Cookie 的值"),
    ({"HTTP_ACCEPT_LANGUAGE": "en"}, "CSRF check failed: a write to the API made with a portal session must send the csrftoken"),
])
def test_a_session_write_without_its_csrf_token_is_refused_in_the_requests_language(portal_session, headers, says):
    response = portal_session.delete("/api/v1/auth/token/", **headers)

    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["code"] == "permission_denied" and error["detail"].startswith(says)


def test_a_session_write_with_its_csrf_token_is_made(portal_session):
    response = portal_session.delete("/api/v1/auth/token/", HTTP_X_CSRFTOKEN=portal_session.cookies["csrftoken"].value)

    assert response.status_code == 204
