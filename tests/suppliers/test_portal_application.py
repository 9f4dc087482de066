"""The public application page: the applicant sends its business licence with the application (optional, all of it or
none: the service's rule, as for the API), the operator reviewing it sees the document; a bad application writes
nothing and shows every error at once, each next to its field."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from suppliers.models import Qualification, Supplier
from tests.factories import UserFactory
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db


def scan() -> SimpleUploadedFile:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(picture, "JPEG")
    return SimpleUploadedFile("营业执照.jpg", picture.getvalue(), content_type="image/jpeg")


def application(**changes) -> dict:
    return {"name": "新礼品商有限公司", "credit_code": "91350100M000100Y43", "contact_name": "王", "contact_phone": "13911112222",
            "username": "newadmin", "password": "long-enough-1", "licence_file": scan(), "licence_issued_on": "2020-05-01",
            "licence_expires_on": "2040-04-30"} | changes


def test_the_page_asks_for_the_licence_and_sends_files():
    page = Client().get("/supplier/apply/").content.decode()

    assert 'enctype="multipart/form-data"' in page
    assert all(f'name="{name}"' in page for name in ("licence_file", "licence_issued_on", "licence_expires_on"))


def test_an_applicant_applies_with_its_licence_and_the_operator_reviewing_it_sees_the_document(operator):
    response = Client().post("/supplier/apply/", application())

    supplier = Supplier.objects.get()
    licence = Qualification.objects.get(supplier=supplier)
    page = logged_in(operator).get(f"/supplier/review/{supplier.pk}/").content.decode()
    served = logged_in(operator).get(f"/supplier/files/qualifications/{licence.pk}/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert (licence.kind, licence.number, licence.state) == ("business_licence", "91350100M000100Y43", "pending")
    assert f'href="/supplier/files/qualifications/{licence.pk}/"' in page and "待审核" in page
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_the_applicant_is_told_it_signs_in_once_approved_and_the_sign_in_page_tells_how_the_review_stands():
    client = Client()
    told = client.post("/supplier/apply/", application(), follow=True)

    signed_in = client.post("/accounts/login/", {"username": "newadmin", "password": "long-enough-1"})

    assert [str(m) for m in told.context["messages"]] == [
        "申请已提交，运营将审核您的资料和营业执照。审核通过后即可用管理员用户名和密码登录；在此之前登录，登录页会告诉您审核进度。"]
    assert "_auth_user_id" not in signed_in.wsgi_request.session  # not before approval, as the message says
    assert "正在等待运营审核" in signed_in.content.decode()


def test_an_applicant_without_its_licence_at_hand_applies_all_the_same_as_over_the_api():
    without = {name: "" for name in ("licence_file", "licence_issued_on", "licence_expires_on")}

    response = Client().post("/supplier/apply/", application(**without))

    assert response.status_code == 302 and Supplier.objects.get().state == "applied"
    assert not Qualification.objects.exists()


def test_a_licence_file_without_its_dates_shows_an_error_next_to_each_date():
    response = Client().post("/supplier/apply/", application(licence_issued_on="", licence_expires_on=""))

    errors = field_errors(response)
    assert set(errors) == {"licence_issued_on", "licence_expires_on"}
    assert errors["licence_issued_on"] == "请填写营业执照的发证日期"
    assert not Supplier.objects.exists()


def test_every_error_is_shown_at_once_next_to_its_field_and_nothing_is_written():
    UserFactory(username="taken")
    bad = application(name="", contact_phone="12345", username="taken",
                      licence_file=SimpleUploadedFile("licence.pdf", b"<html>not a licence</html>"), licence_issued_on="")

    response = Client().post("/supplier/apply/", bad)

    errors = field_errors(response)
    assert response.status_code == 200
    assert set(errors) == {"name", "contact_phone", "username", "licence_file", "licence_issued_on"}
    assert "仅支持 PDF 或 JPEG、PNG、WebP 扫描件" in errors["licence_file"] and errors["username"] == "该用户名已被使用"
    assert not Supplier.objects.exists() and not Qualification.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"licence_file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))}, "licence_file"),
    ({"licence_expires_on": "2020-01-01"}, "licence_expires_on"),
    ({"licence_file": ""}, "licence_file"),
])
def test_a_bad_licence_is_shown_next_to_its_field(changes, field):
    response = Client().post("/supplier/apply/", application(**changes))

    assert field in field_errors(response)
    assert not Supplier.objects.exists()
