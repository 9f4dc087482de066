"""A write whose body is larger than the server takes (DATA_UPLOAD_MAX_MEMORY_SIZE) or has more form fields than it
takes (DATA_UPLOAD_MAX_NUMBER_FIELDS) is refused in the API's error shape, not with the portal's HTML page."""
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from suppliers.models import Supplier
from tests.core.test_errors_table import table_codes

pytestmark = pytest.mark.django_db
URL = "/api/v1/supplier-applications/"  # a write anyone may send


def only_error(response) -> tuple[int, str, str]:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    (error,) = body["errors"]
    return response.status_code, body["type"], error["code"]


def test_a_form_with_more_fields_than_the_server_takes_is_refused_in_the_apis_shape(api):
    form = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = api(None).generic("POST", URL, form, content_type="application/x-www-form-urlencoded")

    assert only_error(response) == (400, "client_error", "too_many_fields")
    assert "too_many_fields" in table_codes(400)
    assert not Supplier.objects.exists()


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_larger_than_the_server_takes_is_refused_in_the_apis_shape(api, content_type):
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = json.dumps({"title": text}) if content_type == "application/json" else f"title={text}"

    response = api(None).generic("POST", URL, body, content_type=content_type)

    assert only_error(response) == (400, "client_error", "request_too_large")
    assert "request_too_large" in table_codes(400)
    assert not Supplier.objects.exists()


def test_a_form_with_more_files_than_the_server_takes_is_refused_in_the_apis_shape(api):
    files = [SimpleUploadedFile(f"licence-{i}.pdf", b"%PDF-1.4\n") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]

    response = api(None).post(URL, {"licence": files}, format="multipart")

    assert only_error(response) == (400, "client_error", "too_many_fields")
    assert not Supplier.objects.exists()
