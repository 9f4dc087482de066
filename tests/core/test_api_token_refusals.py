"""An account that may not sign in yet and gives its right password is told why by `POST /api/v1/auth/token/`, in the
login page's words, with a code of its own: an applicant waiting or in review `application_pending`, one rejected
`application_rejected` (with the operator's reason), a supplier's user its admin disabled `account_disabled`; a wrong
password is the generic `authorization` refusal, learning nothing."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from suppliers.services import onboarding, team
from tests.api_schema import served_schema
from tests.factories import SUPPLIER_APPLICATION

pytestmark = pytest.mark.django_db

USERNAME, RIGHT = SUPPLIER_APPLICATION["username"], SUPPLIER_APPLICATION["password"]


@pytest.fixture
def applicant(now):
    return onboarding.apply_as_supplier(**SUPPLIER_APPLICATION | {"contact_email": "", "address": ""}, now=now)


def ask_for_token(username: str, password: str, **headers):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json", **headers)


def refusal(response) -> tuple[int, list[tuple[str, str, str]]]:
    return response.status_code, [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]]


def test_an_applicant_waiting_for_review_is_told_so_as_on_the_login_page(applicant):
    response = ask_for_token(USERNAME, RIGHT)

    assert refusal(response) == (400, [("non_field_errors", "application_pending",
                                        "「新礼品商有限公司」的入驻申请已于 2026-10-15 提交，正在等待运营审核；审核通过后即可登录。")])
    assert not Token.objects.exists()


def test_an_applicant_in_review_is_told_so_in_english_when_asked(applicant, operator, now):
    onboarding.start_supplier_review(supplier=applicant, actor=operator, now=now)

    status, [(attr, code, detail)] = refusal(ask_for_token(USERNAME, RIGHT, HTTP_ACCEPT_LANGUAGE="en"))

    assert (status, attr, code) == (400, "non_field_errors", "application_pending")
    assert "新礼品商有限公司" in detail and "being reviewed" in detail


def test_a_rejected_applicant_is_told_the_operators_reason(applicant, operator, now):
    onboarding.start_supplier_review(supplier=applicant, actor=operator, now=now)
    onboarding.reject_supplier(supplier=applicant, actor=operator, now=now, reason="营业执照与企业名称不符")

    status, [(_attr, code, detail)] = refusal(ask_for_token(USERNAME, RIGHT))

    assert (status, code) == (400, "application_rejected") and "原因：营业执照与企业名称不符。" in detail


def test_a_disabled_supplier_user_is_told_its_admin_disabled_it(supplier_admin, now):
    membership = team.add_staff(actor=supplier_admin, now=now, username="zhangwei", password="ship-it-2026", name="张伟",
                                phone="13912345678")
    team.disable_member(actor=supplier_admin, membership=membership, now=now, reason="已离职")

    status, [(_attr, code, detail)] = refusal(ask_for_token("zhangwei", "ship-it-2026"))

    assert (status, code) == (400, "account_disabled") and "已被管理员停用" in detail


def test_a_wrong_password_learns_nothing_of_the_application(applicant):
    status, [(attr, code, detail)] = refusal(ask_for_token(USERNAME, "not-the-password"))

    assert (status, attr, code) == (400, "non_field_errors", "authorization")
    assert "入驻申请" not in detail and "新礼品商有限公司" not in detail


def test_the_schema_lists_the_token_refusals_codes():
    component = served_schema()["components"]["schemas"]["V1AuthTokenCreateNonFieldErrorsErrorComponent"]

    assert {"authorization", "application_pending", "application_rejected", "account_disabled"} <= set(component["properties"]["code"]["enum"])
