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


def test_a_members_token_brings_its_profile_and_program_in_the_same_statement(rich_member, listed_gift):
    """An order over the API reads the member once, with the token: no statement of its own reads the member again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ADDRESS

    client = signed(Token.objects.create(user=rich_member.user).key)
    with CaptureQueriesContext(connection) as queries:
        placed = client.post("/api/v1/orders/", {"gift": listed_gift.pk, "quantity": 1, **ADDRESS}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert placed.status_code == 201 and placed.json()["state"] == "confirmed"
    member_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and '"points_member"' in q["sql"]]
    assert len(member_reads) == 1 and '"authtoken_token"' in member_reads[0]
    assert client.get("/api/v1/points/balance/").json()["balance"] == 48_500  # the profile read with the token is the caller's


def test_a_staff_token_reads_no_member_profile_and_member_pages_refuse_it(operator):
    client = signed(Token.objects.create(user=operator).key)

    assert client.get("/api/v1/me/").json()["role"] == "operator"
    assert client.get("/api/v1/points/balance/").status_code == 403


def test_changing_ones_own_password_revokes_ones_token_and_the_new_password_gives_a_new_one(operator):
    from tests.portal import logged_in

    operator.set_password("old-pass-123")
    operator.save()
    old = Token.objects.create(user=operator)
    client = logged_in(operator)

    changed = client.post("/accounts/password/", {"old_password": "old-pass-123", "new_password1": "Ne3w-pass-456",
                                                  "new_password2": "Ne3w-pass-456"})
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "operator", "password": "Ne3w-pass-456"}, format="json")

    assert changed.status_code == 302 and client.get("/").status_code == 200  # the session goes on
    assert signed(old.key).get("/api/v1/me/").status_code == 401
    assert fresh.status_code == 200 and signed(fresh.json()["token"]).get("/api/v1/me/").status_code == 200


def test_a_wrong_old_password_keeps_the_token(operator):
    from tests.portal import logged_in

    token = Token.objects.create(user=operator)

    logged_in(operator).post("/accounts/password/", {"old_password": "nope", "new_password1": "Ne3w-pass-456",
                                                      "new_password2": "Ne3w-pass-456"})

    assert signed(token.key).get("/api/v1/me/").status_code == 200


def test_a_password_a_superuser_sets_in_the_admin_revokes_the_users_token(superuser, finance):
    from tests.portal import logged_in

    token = Token.objects.create(user=finance)

    set_ = logged_in(superuser).post(f"/admin/core/user/{finance.pk}/password/", {"password1": "Xy7-pass-9981",
                                                                                  "password2": "Xy7-pass-9981"})

    assert set_.status_code == 302 and signed(token.key).get("/api/v1/me/").status_code == 401


def test_deleting_the_token_signs_out_of_the_api(operator, finance):
    token = Token.objects.create(user=operator)
    others = Token.objects.create(user=finance)

    signed_out = signed(token.key).delete("/api/v1/auth/token/")

    assert signed_out.status_code == 204
    assert signed(token.key).get("/api/v1/me/").status_code == 401
    assert signed(others.key).get("/api/v1/me/").status_code == 200
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401
