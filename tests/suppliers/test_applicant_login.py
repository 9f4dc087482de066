"""An applicant signing in before its application is approved is told how the application stands — waiting, in
review, or rejected with the operator's reason — once its password is right; a wrong password learns nothing."""
import pytest
from django.test import Client

from suppliers.services import onboarding
from tests.factories import SUPPLIER_APPLICATION, ready_to_activate

pytestmark = pytest.mark.django_db

RIGHT = SUPPLIER_APPLICATION["password"]


@pytest.fixture
def applicant(now):
    return onboarding.apply_as_supplier(**SUPPLIER_APPLICATION | {"contact_email": "", "address": ""}, now=now)


def sign_in(password: str):
    return Client().post("/accounts/login/", {"username": SUPPLIER_APPLICATION["username"], "password": password})


def errors(response) -> list[str]:
    return [str(error) for error in response.context["form"].non_field_errors()]


def test_an_applicant_waiting_for_review_is_told_so(applicant):
    response = sign_in(RIGHT)

    assert response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session
    assert errors(response) == ["「新礼品商有限公司」的入驻申请已于 2026-10-15 提交，正在等待运营审核；审核通过后即可登录。"]


def test_an_applicant_in_review_is_told_so(applicant, operator, now):
    onboarding.start_supplier_review(supplier=applicant, actor=operator, now=now)

    assert "正在审核中" in errors(sign_in(RIGHT))[0]


def test_a_rejected_applicant_is_told_the_operators_reason(applicant, operator, now):
    onboarding.start_supplier_review(supplier=applicant, actor=operator, now=now)
    onboarding.reject_supplier(supplier=applicant, actor=operator, now=now, reason="营业执照与企业名称不符")

    page = sign_in(RIGHT).content.decode()

    assert "未通过审核。原因：营业执照与企业名称不符。" in page and "operator" not in page


def test_an_applicant_checking_its_application_again_and_again_is_not_locked_out(applicant):
    for _ in range(6):
        sign_in(RIGHT)

    assert "正在等待运营审核" in errors(sign_in(RIGHT))[0]


def test_a_wrong_password_learns_nothing_of_the_application(applicant):
    response = sign_in("not-the-password")

    assert "的入驻申请" not in response.content.decode() and "新礼品商有限公司" not in response.content.decode()
    assert errors(response)[0].startswith("请输入一个正确的")


def test_an_approved_applicant_signs_in(applicant, operator, now):
    onboarding.start_supplier_review(supplier=applicant, actor=operator, now=now)
    onboarding.approve_supplier(supplier=ready_to_activate(applicant), actor=operator, now=now)

    response = sign_in(RIGHT)

    assert response.status_code == 302 and response.wsgi_request.session.get("_auth_user_id")


def test_the_status_is_told_in_english_on_request(applicant):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post("/accounts/login/", {"username": SUPPLIER_APPLICATION["username"], "password": RIGHT})

    assert "waiting for the operator" in errors(response)[0]
