"""Token authentication: a token from /api/v1/auth/token/ signs later calls in as its user, and only while it is valid."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def signed(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_signs_calls_in_as_its_user_with_its_role(operator):
    operator.set_password("operator-pass-123")
    operator.save()
    key = APIClient().post("/api/v1/auth/token/", {"username": "operator", "password": "operator-pass-123"}, format="json").json()["token"]

    me = signed(key).get("/api/v1/me/")

    assert me.status_code == 200 and (me.json()["username"], me.json()["role"]) == ("operator", "operator")


def test_an_unknown_token_is_401(operator):
    response = signed("0" * 40).get("/api/v1/me/")

    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "authentication_failed"


def test_the_token_of_a_deactivated_user_is_401(operator):
    token = Token.objects.create(user=operator)
    operator.is_active = False
    operator.save(update_fields=["is_active"])

    assert signed(token.key).get("/api/v1/me/").status_code == 401
