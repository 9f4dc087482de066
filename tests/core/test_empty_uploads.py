"""An uploaded table that is empty is refused the same way however empty it is: 0 bytes, a BOM only or blank lines are
all a 400 `empty_file` naming `file` (docs/api.md, "Files"), never DRF's `empty`, and nothing is written."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import row_counts

pytestmark = pytest.mark.django_db

EMPTY = {"0 bytes": b"", "a BOM only": b"\xef\xbb\xbf", "blank lines": b"\xef\xbb\xbf\r\n\r\n"}
UPLOADS = {"/api/v1/gift-imports/": "supplier_admin", "/api/v1/points/credit-files/": "operator",
           "/api/v1/shipment-uploads/": "logistics"}


@pytest.mark.parametrize("url", UPLOADS)
@pytest.mark.parametrize("content", EMPTY.values(), ids=EMPTY.keys())
def test_an_empty_table_is_400_empty_file_naming_the_file(request, api, url, content):
    user = request.getfixturevalue(UPLOADS[url])
    before = row_counts()

    response = api(user).post(url, {"file": SimpleUploadedFile("empty.csv", content)}, format="multipart")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("file", "empty_file")]
    assert row_counts() == before
