"""Evidence of returns (SPEC §4.7): the member's photos with the request, the supplier's with the receipt of a dropship
return and the inspector's, kept as checked files; served only to those who see the return; a refused file is named
and nothing is stored."""
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import ProtectedError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from core.errors import ValidationFailed
from logistics.forms_returns import ReturnRequestForm
from logistics.models import ReturnEvidence, ReturnRequest
from logistics.services import returns
from logistics.services.return_evidence import MAX_FILES
from tests.factories import FIXED_NOW
from tests.logistics.builders import received, request
from tests.portal import field_errors, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """The API and the pages read the clock: hold it at the fixed `now` the orders were delivered at."""
    time_machine.move_to(FIXED_NOW, tick=False)


def photo(name: str = "parcel.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name: str = "waybill.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 signed waybill", content_type="application/pdf")


def not_a_picture(name: str = "scratch.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/png")


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "returns"
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def ask(api, order, *files, **body):
    data = {"quantity": 1, "reason": "unused"} | body | ({"evidence": list(files)} if files else {})
    return api(order.member.user).post(f"/api/v1/orders/{order.pk}/returns/", data, format="multipart")


def approved_dropship_return(dropship_order, operator, now) -> ReturnRequest:
    return_request = request(dropship_order, now=now, reason="defective")
    return returns.approve_return(return_request=return_request, actor=operator, now=now)


# --- the member's photos ------------------------------------------------------------------------------------------

def test_a_member_sends_photos_with_the_request_and_the_detail_lists_them(api, delivered_order):
    response = ask(api, delivered_order, photo("front.png"), pdf("receipt.pdf"))

    assert response.status_code == 201, response.content
    listed = api(delivered_order.member.user).get(f"/api/v1/returns/{response.json()['id']}/").json()["evidence"]
    assert [(item["stage"], item["name"]) for item in listed] == [("request", "front.png"), ("request", "receipt.pdf")]
    assert all(item["url"].startswith("http://testserver/api/v1/return-evidence/") for item in listed)


def test_the_photo_is_served_in_place_to_the_member_without_being_sniffed(api, delivered_order):
    created = ask(api, delivered_order, photo("front.png")).json()

    served = api(delivered_order.member.user).get(created["evidence"][0]["url"])

    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and 'filename="front.png"' in served["Content-Disposition"]
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")


def test_the_return_s_supplier_and_staff_fetch_the_photo_and_others_are_told_it_does_not_exist(
    api, delivered_order, other_member, other_supplier_admin, operator, logistics
):
    from tests.factories import SupplierUserFactory

    own_supplier = SupplierUserFactory(username="gift_supplier_admin", role="supplier_admin", supplier=delivered_order.supplier)
    url = ask(api, delivered_order, photo()).json()["evidence"][0]["url"]

    assert [api(user).get(url).status_code for user in (own_supplier, operator, logistics)] == [200, 200, 200]
    assert [api(user).get(url).status_code for user in (other_member.user, other_supplier_admin)] == [404, 404]
    assert api(None).get(url).status_code == 401


@pytest.mark.parametrize(
    ("files", "code", "named"),
    [
        ([photo("ok.png"), not_a_picture("scratch.png")], "invalid", "scratch.png"),
        ([photo(f"p{index}.png") for index in range(6)], "too_many", "5"),
    ],
)
def test_a_refused_file_is_named_and_neither_the_return_nor_any_file_is_kept(api, delivered_order, files, code, named):
    before = stored_files()

    response = ask(api, delivered_order, *files)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("evidence", code) and named in error["detail"]
    assert not ReturnRequest.objects.exists() and not ReturnEvidence.objects.exists()
    assert stored_files() == before


def test_a_file_over_the_size_cap_is_named_and_refused(api, delivered_order, monkeypatch):
    monkeypatch.setattr("core.files.MAX_DOCUMENT_BYTES", 10)

    response = ask(api, delivered_order, photo("huge.png"))

    assert response.status_code == 400 and "huge.png" in response.json()["errors"][0]["detail"]
    assert not ReturnRequest.objects.exists()


# --- the supplier's receipt and the inspection of a dropship return -------------------------------------------------

def test_the_supplier_records_receipt_of_a_dropship_return_with_photos_and_the_operator_inspects_with_its_own(
    api, dropship_order, supplier_staff, operator, now
):
    return_request = approved_dropship_return(dropship_order, operator, now)

    received = api(supplier_staff).post(f"/api/v1/returns/{return_request.pk}/receive/",
                                        {"reason": "外箱破损", "evidence": [photo("box.png"), pdf("sign.pdf")]}, format="multipart")
    inspected = api(operator).post(f"/api/v1/returns/{return_request.pk}/inspect/",
                                   {"outcome": "defective", "evidence": [photo("defect.png")]}, format="multipart")

    assert received.status_code == 200 and received.json()["state"] == "received"
    assert inspected.status_code == 200, inspected.content
    assert [(item["stage"], item["name"]) for item in inspected.json()["evidence"]] == [
        ("receipt", "box.png"), ("receipt", "sign.pdf"), ("inspection", "defect.png")
    ]


def test_a_receipt_with_a_refused_file_is_400_and_the_return_stays_approved_with_nothing_kept(api, dropship_order, supplier_staff, operator, now):
    return_request = approved_dropship_return(dropship_order, operator, now)
    before = stored_files()

    response = api(supplier_staff).post(f"/api/v1/returns/{return_request.pk}/receive/",
                                        {"evidence": [photo("box.png"), not_a_picture("notes.png")]}, format="multipart")

    assert response.status_code == 400 and "notes.png" in response.json()["errors"][0]["detail"]
    return_request.refresh_from_db()
    assert return_request.state == "approved" and not ReturnEvidence.objects.exists() and stored_files() == before


def test_a_failed_inspection_keeps_none_of_its_files(api, dropship_order, supplier_staff, operator, now, monkeypatch):
    return_request = approved_dropship_return(dropship_order, operator, now)
    returns.receive_return(return_request=return_request, actor=supplier_staff, now=now)
    before = stored_files()
    monkeypatch.setattr(returns, "_tell_member", lambda *args: (_ for _ in ()).throw(RuntimeError("SMS gateway down")))

    with pytest.raises(RuntimeError):
        returns.inspect_return(return_request=return_request, actor=operator, now=now, outcome="defective", evidence=[photo("defect.png")])

    assert not ReturnEvidence.objects.exists() and stored_files() == before


# --- pages --------------------------------------------------------------------------------------------------------

def test_the_member_attaches_a_photo_on_the_request_page_and_the_return_page_shows_it(delivered_order):
    client = logged_in(delivered_order.member.user)

    response = client.post(f"/logistics/my-returns/new/{delivered_order.pk}/",
                           {"quantity": 1, "reason": "unused", "remedy": "refund", "token": "ev1", "evidence": [photo("front.png")]})

    evidence = ReturnEvidence.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="return-evidence"' in page and f"/logistics/returns/evidence/{evidence.pk}/" in page
    assert client.get(f"/logistics/returns/evidence/{evidence.pk}/")["Content-Type"] == "image/png"


def test_a_picture_shows_as_an_image_and_a_pdf_as_a_link_each_served_as_what_its_content_is(delivered_order):
    client = logged_in(delivered_order.member.user)
    sent = {"quantity": 1, "reason": "unused", "remedy": "refund", "token": "ev2",
            "evidence": [photo("front.pdf"), pdf("receipt.png")]}  # each named as the other is

    page = client.get(client.post(f"/logistics/my-returns/new/{delivered_order.pk}/", sent)["Location"]).content.decode()

    picture, document = ReturnEvidence.objects.order_by("pk")
    assert (picture.content_type, document.content_type) == ("image/png", "application/pdf")
    picture_url, document_url = (f"/logistics/returns/evidence/{evidence.pk}/" for evidence in (picture, document))
    assert f'<img src="{picture_url}"' in page and f'<img src="{document_url}"' not in page
    assert f'<a href="{document_url}"' in page
    served = [client.get(url)["Content-Type"] for url in (picture_url, document_url)]
    assert served == ["image/png", "application/pdf"]


def test_evidence_kept_before_its_content_type_was_recorded_is_given_the_one_its_extension_names(delivered_order, now):
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("logistics.migrations.0026_return_evidence_content_type").backfill_content_types
    return_request = request(delivered_order, now=now)
    names = ["scan.JPG", "box.png", "sign.pdf", "front.webp", "notes"]
    for name in names:
        ReturnEvidence.objects.create(return_request=return_request, stage="request", file=f"returns/old/{name}",
                                      content_type="", uploaded_at=now)

    backfill(apps, None)

    kept = ReturnEvidence.objects.order_by("pk")
    assert [(evidence.content_type, evidence.is_picture) for evidence in kept] == [
        ("image/jpeg", True), ("image/png", True), ("application/pdf", False), ("image/webp", True),
        ("application/octet-stream", False),
    ]


def test_the_supplier_s_receipt_page_names_a_refused_file_and_keeps_the_return_approved(dropship_order, supplier_staff, operator, now):
    return_request = approved_dropship_return(dropship_order, operator, now)
    client = logged_in(supplier_staff)

    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    response = client.post(f"/logistics/returns/{return_request.pk}/receive/", {"reason": "", "evidence": [not_a_picture("notes.png")]})

    assert 'enctype="multipart/form-data"' in page
    assert response.status_code == 400 and "notes.png" in field_errors(response)["evidence"]
    return_request.refresh_from_db()
    assert return_request.state == "approved" and not ReturnEvidence.objects.exists()


def test_another_supplier_and_another_member_are_told_a_return_s_file_does_not_exist(
    api, delivered_order, other_member, other_supplier_admin
):
    evidence_pk = ask(api, delivered_order, photo()).json()["evidence"][0]["id"]

    statuses = [logged_in(user).get(f"/logistics/returns/evidence/{evidence_pk}/").status_code for user in (other_member.user, other_supplier_admin)]

    assert statuses == [404, 404]


def test_the_evidence_field_says_how_many_files_it_takes_in_either_language():
    label = ReturnRequestForm.base_fields["evidence"].label
    with translation.override("en"):
        english = str(label)

    assert f"最多 {MAX_FILES} 个" in str(label) and f"at most {MAX_FILES})" in english


# --- the inspector's files ------------------------------------------------------------------------------------------

def received_warehouse_return(delivered_order, operator, logistics, now) -> ReturnRequest:
    return received(delivered_order, operator=operator, handler=logistics, now=now, reason="defective")


REFUSED_INSPECTION_FILES = pytest.mark.parametrize(
    ("files", "code", "named"),
    [
        (lambda: [photo("ok.png"), not_a_picture("scratch.png")], "invalid", "scratch.png"),
        (lambda: [photo("huge.png")], "invalid", "huge.png"),  # over the cap, lowered to 10 bytes by `small_cap`
        (lambda: [photo(f"p{index}.png") for index in range(MAX_FILES + 1)], "too_many", str(MAX_FILES)),
    ],
    ids=["wrong content", "too big", "too many"],
)


@pytest.fixture
def small_cap(request, monkeypatch):
    """The size cap lowered to 10 bytes for the case of a file over it, so that no 10 MB file is made."""
    if request.node.callspec.id.startswith("too big"):
        monkeypatch.setattr("core.files.MAX_DOCUMENT_BYTES", 10)


def assert_inspection_refused_with_nothing_kept(return_request: ReturnRequest, stored_before: set[Path]) -> None:
    return_request.refresh_from_db()
    assert (return_request.state, return_request.outcome, return_request.inspected_at) == ("received", "", None)
    assert not ReturnEvidence.objects.filter(stage=ReturnEvidence.Stage.INSPECTION).exists()
    assert stored_files() == stored_before


@REFUSED_INSPECTION_FILES
def test_the_inspection_service_names_a_refused_file_and_keeps_the_return_received_with_nothing_kept(
    delivered_order, operator, logistics, now, files, code, named, small_cap
):
    return_request = received_warehouse_return(delivered_order, operator, logistics, now)
    before = stored_files()

    with pytest.raises(ValidationFailed) as refused:
        returns.inspect_return(return_request=return_request, actor=logistics, now=now, outcome="defective", evidence=files())

    [(field, error_code, detail)] = refused.value.errors
    assert (refused.value.field, field, error_code) == ("evidence", "evidence", code) and named in detail
    assert_inspection_refused_with_nothing_kept(return_request, before)


@REFUSED_INSPECTION_FILES
def test_the_inspect_api_answers_400_naming_a_refused_file_and_keeps_the_dropship_return_received_with_nothing_kept(
    api, dropship_order, supplier_staff, operator, now, files, code, named, small_cap
):
    return_request = approved_dropship_return(dropship_order, operator, now)
    returns.receive_return(return_request=return_request, actor=supplier_staff, now=now)
    before = stored_files()

    response = api(operator).post(f"/api/v1/returns/{return_request.pk}/inspect/",
                                  {"outcome": "defective", "evidence": files()}, format="multipart")

    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("evidence", code) and named in error["detail"]
    assert_inspection_refused_with_nothing_kept(return_request, before)


@REFUSED_INSPECTION_FILES
def test_the_inspection_page_names_a_refused_file_next_to_the_field_and_keeps_the_return_received_with_nothing_kept(
    delivered_order, operator, logistics, now, files, code, named, small_cap
):
    return_request = received_warehouse_return(delivered_order, operator, logistics, now)
    client = logged_in(logistics)
    before = stored_files()

    page = client.get(f"/logistics/returns/{return_request.pk}/").content.decode()
    response = client.post(f"/logistics/returns/{return_request.pk}/inspect/", {"outcome": "defective", "evidence": files()})

    assert re.search(r'<form[^>]* action="[^"]*/inspect/"[^>]* enctype="multipart/form-data"', page)
    assert response.status_code == 400 and named in field_errors(response)["evidence"]
    assert_inspection_refused_with_nothing_kept(return_request, before)


def test_deleting_a_return_through_the_orm_is_refused_and_keeps_its_evidence(api, delivered_order):
    asked = ask(api, delivered_order, photo("front.png"))
    return_request = ReturnRequest.objects.get(pk=asked.json()["id"])

    with pytest.raises(ProtectedError):
        ReturnRequest.objects.filter(pk=return_request.pk).delete()

    assert ReturnEvidence.objects.filter(return_request=return_request).count() == 1
