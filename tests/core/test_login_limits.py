"""Failed sign-ins are limited: after 5 failures of a username from one client address (50 from anywhere, 20 of any
usernames from a client address) within 15 minutes, the login pages and the API token refuse it for 15 minutes, its
right password included, saying when to try again."""
import re
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from core.errors import TooManyLoginFailures
from core.login import authenticate_limited
from core.texts import moment

pytestmark = pytest.mark.django_db

PASSWORD = "right-pass-123"


@pytest.fixture
def account(operator):
    operator.set_password(PASSWORD)
    operator.save()
    return operator


def sign_in(username: str, password: str, *, now, address: str = "203.0.113.7"):
    return authenticate_limited(RequestFactory().post("/", REMOTE_ADDR=address), username=username, password=password, now=now)


def test_the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password_until_the_window_ends(account, now):
    for _ in range(5):
        assert sign_in("operator", "wrong", now=now) is None

    with pytest.raises(TooManyLoginFailures) as refused:
        sign_in("operator", PASSWORD, now=now + timedelta(minutes=1))

    assert refused.value.data["retry_after"] == 14 * 60 and refused.value.status == 429
    assert moment(now + timedelta(minutes=15)) in refused.value.detail
    assert sign_in("operator", PASSWORD, now=now + timedelta(minutes=15)) == account


def test_failures_from_one_address_do_not_lock_the_account_out_from_another(account, now):
    for _ in range(5):
        sign_in("operator", "wrong", now=now, address="198.51.100.9")

    assert sign_in("operator", PASSWORD, now=now) == account


def test_fifty_failures_of_a_username_from_many_addresses_lock_it_everywhere(account, now):
    for n in range(50):
        assert sign_in("operator", "wrong", now=now, address=f"198.51.100.{n}") is None

    with pytest.raises(TooManyLoginFailures):
        sign_in("operator", PASSWORD, now=now, address="203.0.113.200")


def test_a_success_clears_the_usernames_failures(account, now):
    for _ in range(4):
        sign_in("operator", "wrong", now=now)
    assert sign_in("operator", PASSWORD, now=now) == account
    for _ in range(4):
        sign_in("operator", "wrong", now=now)

    assert sign_in("operator", PASSWORD, now=now) == account


def test_a_client_trying_many_usernames_is_refused_for_every_one(account, now):
    for n in range(20):
        assert sign_in(f"guess{n}", "wrong", now=now) is None

    with pytest.raises(TooManyLoginFailures):
        sign_in("operator", PASSWORD, now=now)
    assert sign_in("operator", PASSWORD, now=now, address="198.51.100.9") == account  # the username itself is not locked


def test_the_login_page_refuses_a_locked_username_and_says_when_to_try_again(account):
    client = Client()
    for _ in range(5):
        assert client.post("/accounts/login/", {"username": "operator", "password": "wrong"}).status_code == 200

    refused = client.post("/accounts/login/", {"username": "operator", "password": PASSWORD})

    page = refused.content.decode()
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert re.search(r"登录失败次数过多，请于 15 分钟后（\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+08:00）再试", page)


def test_the_api_token_is_429_with_retry_after_for_a_locked_username(account):
    client = APIClient()
    for _ in range(5):
        assert client.post("/api/v1/auth/token/", {"username": "operator", "password": "wrong"}, format="json").status_code == 400

    refused = client.post("/api/v1/auth/token/", {"username": "operator", "password": PASSWORD}, format="json")

    assert (refused.status_code, refused["Retry-After"]) == (429, "900")
    assert refused.json()["errors"][0]["code"] == "too_many_login_failures"
    assert re.search(r"15 分钟后（\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+08:00）", refused.json()["errors"][0]["detail"])


def test_a_locked_username_does_not_stop_other_accounts(account, finance):
    finance.set_password(PASSWORD)
    finance.save()
    client = APIClient()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "operator", "password": "wrong"}, format="json")

    assert client.post("/api/v1/auth/token/", {"username": "finance", "password": PASSWORD}, format="json").status_code == 200


@pytest.fixture
def admin_account(account):
    account.is_staff = True
    account.save(update_fields=["is_staff"])
    return account


def test_failures_at_the_admin_login_lock_the_portal_login_too(admin_account):
    client = Client()
    for _ in range(5):
        assert client.post("/admin/login/", {"username": "operator", "password": "wrong"}).status_code == 200

    at_admin = client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    at_portal = client.post("/accounts/login/", {"username": "operator", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert all("登录失败次数过多" in page.content.decode() for page in (at_admin, at_portal))


def test_a_username_locked_at_the_portal_cannot_sign_in_at_the_admin_login(admin_account):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "operator", "password": "wrong"})

    refused = client.post("/admin/login/", {"username": "operator", "password": PASSWORD})

    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "登录失败次数过多" in refused.content.decode()


def test_failed_sign_ins_and_lockouts_are_logged_with_a_members_mobile_number_masked(now, caplog):
    caplog.set_level("INFO", logger="core.login")
    for _ in range(5):
        sign_in("13800138000", "wrong", now=now)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "username '138****8000'" in logged and "locked out" in logged
    assert "13800138000" not in logged


def change_password(client, old_password: str):
    return client.post("/accounts/password/", {"old_password": old_password, "new_password1": "Ne3w-pass-456",
                                               "new_password2": "Ne3w-pass-456"})


def test_wrong_old_passwords_on_the_password_page_lock_it_like_the_login_and_the_right_one_then_changes_nothing(account):
    from tests.portal import logged_in

    client = logged_in(account)
    for _ in range(5):
        assert "old_password" in change_password(client, "wrong").context["form"].errors

    refused = change_password(client, PASSWORD)

    account.refresh_from_db()
    assert refused.status_code == 200 and account.check_password(PASSWORD)
    assert re.search(r"登录失败次数过多，请于 15 分钟后（[^）]+）再试", refused.context["form"].errors["old_password"][0])


def test_wrong_old_passwords_on_the_password_page_count_towards_the_login_pages_lockout(account):
    from tests.portal import logged_in

    for _ in range(5):
        change_password(logged_in(account), "wrong")

    refused = Client().post("/accounts/login/", {"username": "operator", "password": PASSWORD})

    assert "登录失败次数过多" in refused.content.decode()


def test_the_right_old_password_still_changes_it(account):
    from tests.portal import logged_in

    changed = change_password(logged_in(account), PASSWORD)

    account.refresh_from_db()
    assert changed.status_code == 302 and account.check_password("Ne3w-pass-456")
