"""An applicant's password goes through Django's password validators (AUTH_PASSWORD_VALIDATORS): too short, too
common, all digits or too like the username or email, it is refused next to the password field — on the application
page and in the API — and nothing is written."""
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from core.errors import ValidationFailed
from suppliers.models import Supplier
from suppliers.services import onboarding
from tests.factories import SUPPLIER_APPLICATION
from tests.portal import field_errors

User = get_user_model()

pytestmark = pytest.mark.django_db

APPLICATION = {**SUPPLIER_APPLICATION, "contact_email": "", "address": ""}


def test_the_similarity_and_numeric_validators_are_among_the_password_validators():
    names = {validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS}

    assert {"UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"} <= names


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short-1", "password_too_short"),
        ("password123", "password_too_common"),
        ("7301928465", "password_entirely_numeric"),
        ("newadmin2026", "password_too_similar"),
    ],
)
def test_a_weak_password_is_refused_on_the_password_field_and_nothing_is_written(now, password, code):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | {"password": password}, now=now)

    assert ("password", code) in [(field, error_code) for field, error_code, _detail in refused.value.errors]
    assert not Supplier.objects.exists() and not User.objects.filter(username="newadmin").exists()


def test_a_password_like_the_contact_email_is_refused(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | {"contact_email": "tea.garden@example.com", "password": "tea.garden"}, now=now)

    assert [code for field, code, _detail in refused.value.errors if field == "password"] == ["password_too_similar"]


def test_a_password_breaking_several_rules_names_each_of_them(now):
    with pytest.raises(ValidationFailed) as refused:
        onboarding.apply_as_supplier(**APPLICATION | {"password": "1234"}, now=now)

    codes = {code for field, code, _detail in refused.value.errors if field == "password"}
    assert {"password_too_short", "password_too_common", "password_entirely_numeric"} <= codes


def test_the_application_page_shows_a_weak_password_next_to_the_password_field():
    response = Client().post("/supplier/apply/", {**SUPPLIER_APPLICATION, "password": "12345678"})

    page = response.content.decode()
    assert response.status_code == 200 and set(field_errors(response)) == {"password"}
    assert "密码只包含数字" in page
    assert not Supplier.objects.exists()


def test_the_api_names_the_password_of_an_application_with_a_weak_one(api):
    response = api(None).post("/api/v1/supplier-applications/", {**SUPPLIER_APPLICATION, "password": "newadmin1"})

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("password", "password_too_similar")]
    assert not Supplier.objects.exists()
