"""The first staff user of a deployment comes from `manage.py createsuperuser`; an account with no member profile is
refused the member endpoints, not an error page."""
import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import User
from core.roles import Role

pytestmark = pytest.mark.django_db


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_createsuperuser_makes_an_operator_who_signs_in_as_one(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-operator-pass-123")

    call_command("createsuperuser", interactive=False, username="ops", email="ops@example.com", verbosity=0)

    ops = User.objects.get(username="ops")
    assert (ops.role, ops.is_superuser) == (Role.OPERATOR, True)
    assert token_client(ops).get("/api/v1/me/").json()["role"] == "operator"


@pytest.mark.parametrize("path", ["/api/v1/points/balance/", "/api/v1/catalog/", "/api/v1/member/profile/"])
def test_a_member_account_without_a_member_profile_is_refused_the_member_endpoints(path):
    profileless = User.objects.create_user(username="13900000000", password="pass-12345-word", role=Role.MEMBER)
    session = APIClient()
    session.force_authenticate(profileless)

    for client in (token_client(profileless), session):
        response = client.get(path)

        assert response.status_code == 403 and response.json()["errors"][0]["code"] == "permission_denied"
