"""Gift pictures: uploaded with the gift form (checked to be a picture), shown on the supplier's and the member's
pages, served only to those who may see the gift, and never a file of the storage that is not the supplier's picture."""
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import ValidationFailed
from suppliers.models import Gift, GiftRevision
from suppliers.services import catalog, gift_images
from tests.factories import GiftFactory, MemberFactory
from tests.portal import field_errors, logged_in
from tests.suppliers.builders import WEB_PICTURE, new_gift, picture, publish, upload_with_an_edit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]





def test_a_supplier_uploads_pictures_with_a_new_gift_and_sees_them_on_its_page(supplier_admin, supplier):
    client = logged_in(supplier_admin)

    created = client.post("/supplier/gifts/new/", new_gift(upload=[picture("a.png"), picture("b.jpg", "JPEG")]))

    gift = Gift.objects.get(sku="TEA-PIC")
    page = client.get(f"/supplier/gifts/{gift.pk}/").content.decode()
    served = client.get(f"/supplier/gifts/{gift.pk}/images/1/")
    assert created.status_code == 302 and len(gift.images) == 2
    assert all(name.startswith(f"gifts/{supplier.pk}/") for name in gift.images)
    assert [name.rsplit(".", 1)[1] for name in gift.images] == ["png", "jpg"]
    assert f'href="/supplier/gifts/{gift.pk}/images/0/"' in page and f'src="/supplier/gifts/{gift.pk}/images/1/?size=thumb"' in page
    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("notes.png", b"not a picture at all", content_type="image/png"), "不是可识别的图片"),
    (picture("anim.gif", "GIF"), "仅支持 JPEG、PNG、WebP"),
])
def test_a_file_that_is_no_accepted_picture_is_an_error_next_to_the_field_and_nothing_is_kept(supplier_admin, upload, message):
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[upload]))

    assert message in field_errors(response)["upload"]
    assert not Gift.objects.exists()


def test_too_large_or_too_wide_pictures_are_refused_by_name():
    with pytest.raises(ValidationFailed) as wide:
        gift_images.check_image(picture("wide.png", size=(8001, 1)))
    big = picture("big.png")
    big.size = gift_images.MAX_BYTES + 1
    with pytest.raises(ValidationFailed) as large:
        gift_images.check_image(big)

    assert "wide.png" in wide.value.detail and "8000" in wide.value.detail
    assert "big.png" in large.value.detail and "5 MB" in large.value.detail


def test_a_refused_gift_keeps_no_uploaded_picture(supplier_admin, supplier):
    GiftFactory(supplier=supplier, sku="TEA-PIC")  # the SKU is taken: the service refuses the gift
    before = default_storage.listdir(f"gifts/{supplier.pk}")[1] if default_storage.exists(f"gifts/{supplier.pk}") else []

    response = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture()]))

    after = default_storage.listdir(f"gifts/{supplier.pk}")[1] if default_storage.exists(f"gifts/{supplier.pk}") else []
    assert "sku" in field_errors(response) and sorted(after) == sorted(before)


def test_a_picture_added_to_an_online_gift_waits_in_its_revision(supplier_admin, supplier, operator):
    gift = publish(GiftFactory(supplier=supplier, images=[WEB_PICTURE]), operator)

    revision = upload_with_an_edit(logged_in(supplier_admin), gift, picture())

    gift.refresh_from_db()
    assert gift.images == [WEB_PICTURE] and revision.changes["images"][0] == WEB_PICTURE and len(revision.changes["images"]) == 2


def test_members_see_the_pictures_of_listed_gifts_only_and_other_suppliers_none(supplier_admin, other_supplier_admin, operator):
    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture()]))
    gift = Gift.objects.get(sku="TEA-PIC")
    member = logged_in(MemberFactory().user)

    unlisted = member.get(f"/member/catalog/{gift.pk}/images/0/").status_code
    publish(gift, operator)
    catalog = member.get("/member/catalog/").content.decode()
    listed = member.get(f"/member/catalog/{gift.pk}/images/0/")

    assert unlisted == 404 and listed.status_code == 200 and listed["Content-Type"] == "image/png"
    assert f'src="/member/catalog/{gift.pk}/images/0/?size=thumb"' in catalog
    assert logged_in(other_supplier_admin).get(f"/supplier/gifts/{gift.pk}/images/0/").status_code == 404


def test_a_typed_entry_naming_another_file_of_the_storage_is_never_served(supplier_admin, supplier, other_supplier):
    default_storage.save(f"statements/{other_supplier.pk}/statement.pdf", io.BytesIO(b"%PDF-1.4 secret"))
    gift = GiftFactory(supplier=supplier, images=[f"statements/{other_supplier.pk}/statement.pdf", f"gifts/{supplier.pk}/../x.pdf",
                                                  "https://cdn.example.com/tea.jpg"])
    client = logged_in(supplier_admin)

    page = client.get(f"/supplier/gifts/{gift.pk}/").content.decode()

    assert [client.get(f"/supplier/gifts/{gift.pk}/images/{index}/").status_code for index in range(4)] == [404, 404, 404, 404]
    assert 'src="https://cdn.example.com/tea.jpg"' in page


def test_the_apis_give_picture_addresses_a_client_can_fetch(supplier_admin, operator, api):
    logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture()]))
    gift = Gift.objects.get(sku="TEA-PIC")
    gift.images = [*gift.images, "https://cdn.example.com/tea.jpg"]
    gift.save(update_fields=["images"])
    publish(gift, operator)
    member = MemberFactory().user

    supplier_view = api(supplier_admin).get(f"/api/v1/gifts/{gift.pk}/").json()
    member_view = api(member).get("/api/v1/catalog/").json()["results"][0]
    fetched = api(member).get(member_view["images"][0].removeprefix("http://testserver"))
    by_supplier = api(supplier_admin).get(supplier_view["image_urls"][0].removeprefix("http://testserver"))

    assert supplier_view["images"] == gift.images
    assert supplier_view["image_urls"] == [f"http://testserver/api/v1/gifts/{gift.pk}/images/0/", "https://cdn.example.com/tea.jpg"]
    assert member_view["images"] == [f"http://testserver/api/v1/catalog/{gift.pk}/images/0/", "https://cdn.example.com/tea.jpg"]
    assert supplier_view["thumbnail_urls"] == [f"http://testserver/api/v1/gifts/{gift.pk}/images/0/?size=thumb", "https://cdn.example.com/tea.jpg"]
    assert member_view["thumbnail_urls"] == [f"http://testserver/api/v1/catalog/{gift.pk}/images/0/?size=thumb", "https://cdn.example.com/tea.jpg"]
    assert fetched.status_code == 200 and fetched["Content-Type"] == "image/png"
    assert by_supplier.status_code == 200 and api(member).get(f"/api/v1/gifts/{gift.pk}/images/0/").status_code == 404


@pytest.mark.parametrize("entry", ["gifts/1/", "gifts/1/.", "gifts/1/" + "a" * 300 + ".png", "www.example.com/x.jpg",
                                   "/etc/passwd.png", "gifts/../x.png", "https://", "javascript:alert(1)"])
def test_a_typed_picture_line_must_be_an_uploaded_picture_or_a_web_address(supplier_staff, entry, now):
    from suppliers.services import revisions

    gift = GiftFactory(images=[])
    with pytest.raises(ValidationFailed) as refused:
        revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"images": [entry]})
    revisions.edit_gift(gift=gift, actor=supplier_staff, now=now, changes={"images": ["https://cdn.example.com/x.jpg", "gifts/a.jpg"]})

    assert refused.value.field == "images"


def test_a_line_naming_no_file_shows_nothing_and_is_not_found(supplier_admin, supplier):
    gift = GiftFactory(supplier=supplier, images=[f"gifts/{supplier.pk}/gone.png", f"gifts/{supplier.pk}/"])
    client = logged_in(supplier_admin)

    page = client.get(f"/supplier/gifts/{gift.pk}/").content.decode()

    assert "<img" not in page.split('data-testid="gift-images"')[1].split("</td>")[0]
    assert [client.get(f"/supplier/gifts/{gift.pk}/images/{index}/").status_code for index in (0, 1)] == [404, 404]


def test_a_file_that_only_begins_like_a_picture_or_unpacks_too_large_is_refused():
    fake = SimpleUploadedFile("fake.png", picture("x.jpg", "JPEG").read()[:200] + b"<html>not a picture</html>" * 40)
    bomb = picture("bomb.png", size=(6000, 6000))

    for upload, message in ((fake, "fake.png：不是可识别的图片"), (bomb, "总像素不超过 3000 万")):
        with pytest.raises(ValidationFailed) as refused:
            gift_images.check_image(upload)
        assert message in refused.value.detail


def test_pictures_a_change_leaves_out_or_a_rejected_revision_brought_are_deleted(supplier_admin, supplier, operator,
                                                                               django_capture_on_commit_callbacks):
    from suppliers.services import revisions

    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture("a.png"), picture("b.png")]))
    gift = Gift.objects.get(sku="TEA-PIC")
    kept, dropped = gift.images
    with django_capture_on_commit_callbacks(execute=True):
        revisions.edit_gift(gift=gift, actor=supplier_admin, now=gift.created_at, changes={"images": [kept]})
    revision = upload_with_an_edit(client, publish(gift, operator), picture("c.png"))
    brought = revision.changes["images"][-1]
    with django_capture_on_commit_callbacks(execute=True):
        revisions.reject_revision(revision=revision, actor=operator, now=gift.created_at, reason="图片不清晰")

    assert default_storage.exists(kept) and not default_storage.exists(dropped) and not default_storage.exists(brought)


def test_the_reviewer_sees_the_pictures_a_revision_proposes(supplier_admin, supplier, operator, other_supplier_admin):
    gift = publish(GiftFactory(supplier=supplier, images=[WEB_PICTURE]), operator)
    revision = upload_with_an_edit(logged_in(supplier_admin), gift, picture("new.png"))  # the second picture

    url = f"/supplier/gift-review/revisions/{revision.pk}/images/1/"
    queue = logged_in(operator).get("/supplier/gift-review/?queue=revisions").content.decode()
    served = logged_in(operator).get(url)

    assert f'<img src="{url}?size=thumb"' in queue
    assert f'href="{url}"' in queue and revision.changes["images"][1] not in queue
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert logged_in(other_supplier_admin).get(url).status_code == 404


def test_a_supplier_adds_pictures_through_the_api_in_place_on_a_draft_and_by_revision_when_listed(api, supplier_admin, supplier,
                                                                                                   operator):
    draft = GiftFactory(supplier=supplier, images=["https://cdn.example.com/a.jpg"])
    listed = publish(GiftFactory(supplier=supplier, images=[WEB_PICTURE]), operator)
    client = api(supplier_admin)

    in_place = client.post(f"/api/v1/gifts/{draft.pk}/images/", {"upload": [picture("a.png"), picture("b.webp", "WEBP")]},
                           format="multipart")
    revised = client.post(f"/api/v1/gifts/{listed.pk}/images/", {"upload": [picture()]}, format="multipart")
    refused = client.post(f"/api/v1/gifts/{draft.pk}/images/", {"upload": [SimpleUploadedFile("x.png", b"<svg/>")]}, format="multipart")
    empty = client.post(f"/api/v1/gifts/{draft.pk}/images/", {}, format="multipart")

    draft.refresh_from_db()
    assert in_place.status_code == 200 and len(draft.images) == 3 and draft.images[0] == "https://cdn.example.com/a.jpg"
    assert [name.rsplit(".", 1)[1] for name in draft.images[1:]] == ["png", "webp"] and len(in_place.json()["image_urls"]) == 3
    assert revised.status_code == 202 and len(GiftRevision.objects.get(gift=listed).changes["images"]) == 2
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "upload" and len(draft.images) == 3
    assert empty.status_code == 400 and empty.json()["errors"][0]["attr"] == "upload"


@pytest.fixture
def opened(monkeypatch) -> list:
    """The files Pillow opens (a picture is decoded after each open), as they are opened."""
    files, open_picture = [], Image.open

    def counting(file, *args, **kwargs):
        files.append(file)
        return open_picture(file, *args, **kwargs)

    monkeypatch.setattr(Image, "open", counting)
    return files


def test_pictures_past_ten_a_gift_are_refused_naming_the_upload_before_any_is_decoded(api, supplier_admin, supplier, opened):
    draft = GiftFactory(supplier=supplier, images=[f"https://cdn.example.com/{n}.jpg" for n in range(9)])
    client = api(supplier_admin)

    refused = client.post(f"/api/v1/gifts/{draft.pk}/images/", {"upload": [picture("a.png"), picture("b.png")]}, format="multipart")
    decoded_when_refused = len(opened)
    added = client.post(f"/api/v1/gifts/{draft.pk}/images/", {"upload": [picture("a.png")]}, format="multipart")

    draft.refresh_from_db()
    assert refused.status_code == 400
    assert [(e["attr"], e["detail"]) for e in refused.json()["errors"]] == [("upload", "每件礼品最多 10 张图片，已有 9 张，还可上传 1 张")]
    assert decoded_when_refused == 0
    assert added.status_code == 200 and len(draft.images) == gift_images.MAX_IMAGES


def test_a_form_choosing_more_than_ten_pictures_is_refused_next_to_the_field_before_any_is_decoded(supplier_admin, opened):
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture(f"{n}.png") for n in range(11)]))

    assert "upload" in field_errors(response) and "每件礼品最多 10 张图片" in response.content.decode()
    assert not opened and not Gift.objects.exists()


def test_a_gifts_list_of_more_than_ten_pictures_is_refused_naming_images(api, supplier_admin, supplier):
    draft = GiftFactory(supplier=supplier, images=[WEB_PICTURE])

    response = api(supplier_admin).patch(f"/api/v1/gifts/{draft.pk}/", {"images": [WEB_PICTURE] * 11}, format="json")

    draft.refresh_from_db()
    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["images"]
    assert draft.images == [WEB_PICTURE]


def test_a_picture_uploaded_with_the_form_is_decoded_once_to_be_checked_and_once_for_its_thumbnail(supplier_admin, opened):
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture("a.png"), picture("b.jpg", "JPEG")]))

    assert response.status_code == 302
    assert len(opened) == 4


def test_a_picture_two_gifts_share_stays_while_one_of_them_still_shows_it(supplier_admin, supplier, django_capture_on_commit_callbacks):
    from suppliers.services import revisions

    logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture()]))
    first = Gift.objects.get(sku="TEA-PIC")
    second = GiftFactory(supplier=supplier, images=list(first.images))  # as an exported catalog imported back gives it
    shared = first.images[0]

    with django_capture_on_commit_callbacks(execute=True):
        revisions.edit_gift(gift=first, actor=supplier_admin, now=first.created_at, changes={"images": []})
    kept = default_storage.exists(shared)
    with django_capture_on_commit_callbacks(execute=True):
        revisions.edit_gift(gift=second, actor=supplier_admin, now=second.created_at, changes={"images": []})

    assert kept and not default_storage.exists(shared)


def served_picture(response) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_lists_and_cards_load_a_small_thumbnail_made_on_upload(supplier_admin, supplier, operator, api):
    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture("wide.jpg", "JPEG", size=(2400, 1200))]))
    gift = publish(Gift.objects.get(sku="TEA-PIC"), operator)
    member = MemberFactory().user

    stored = default_storage.exists(gift_images.thumbnail_name(gift.images[0]))
    full = served_picture(client.get(f"/supplier/gifts/{gift.pk}/images/0/"))
    small = client.get(f"/supplier/gifts/{gift.pk}/images/0/?size=thumb")
    by_member = api(member).get(f"/api/v1/catalog/{gift.pk}/images/0/?size=thumb")

    assert stored and full.size == (2400, 1200)
    assert small["Content-Type"] == "image/webp" and served_picture(small).size == (480, 240)
    assert by_member.status_code == 200 and served_picture(by_member).size == (480, 240)


def test_a_picture_stored_before_thumbnails_gets_one_on_its_first_request(supplier_admin, supplier):
    name = default_storage.save(f"gifts/{supplier.pk}/old.png", picture("old.png", size=(300, 900)))
    gift = GiftFactory(supplier=supplier, images=[name])
    client = logged_in(supplier_admin)

    first = served_picture(client.get(f"/supplier/gifts/{gift.pk}/images/0/?size=thumb"))
    made = default_storage.exists(gift_images.thumbnail_name(name))

    assert first.size == (160, 480) and first.format == "WEBP" and made


def test_a_picture_no_thumbnail_can_be_made_of_is_served_whole(supplier_admin, supplier):
    name = default_storage.save(f"gifts/{supplier.pk}/broken.png", io.BytesIO(b"\x89PNG\r\n\x1a\n then nothing"))
    gift = GiftFactory(supplier=supplier, images=[name])

    served = logged_in(supplier_admin).get(f"/supplier/gifts/{gift.pk}/images/0/?size=thumb")

    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert not default_storage.exists(gift_images.thumbnail_name(name))


def test_another_size_is_an_error_naming_it_and_another_supplier_gets_no_thumbnail(supplier_admin, supplier, other_supplier_admin, api):
    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture()]))
    gift = Gift.objects.get(sku="TEA-PIC")

    huge = api(supplier_admin).get(f"/api/v1/gifts/{gift.pk}/images/0/?size=huge")
    foreign = logged_in(other_supplier_admin).get(f"/supplier/gifts/{gift.pk}/images/0/?size=thumb")

    assert huge.status_code == 400 and huge.json()["errors"][0]["attr"] == "size"
    assert foreign.status_code == 404


def test_a_deleted_picture_takes_its_thumbnail_with_it(supplier_admin, supplier, django_capture_on_commit_callbacks):
    from suppliers.services import revisions

    logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture()]))
    gift = Gift.objects.get(sku="TEA-PIC")
    name = gift.images[0]
    had_thumbnail = default_storage.exists(gift_images.thumbnail_name(name))

    with django_capture_on_commit_callbacks(execute=True):
        revisions.edit_gift(gift=gift, actor=supplier_admin, now=gift.created_at, changes={"images": []})

    assert had_thumbnail and not default_storage.exists(name) and not default_storage.exists(gift_images.thumbnail_name(name))


def test_an_unknown_size_on_a_page_picture_is_a_bad_request_naming_the_sizes(supplier_admin, operator):
    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture()]))
    gift = publish(Gift.objects.get(sku="TEA-PIC"), operator)
    revision = upload_with_an_edit(client, gift, picture("new.png"))

    answers = [
        client.get(f"/supplier/gifts/{gift.pk}/images/0/?size=huge"),
        logged_in(operator).get(f"/supplier/gift-review/revisions/{revision.pk}/images/0/?size=huge"),
        logged_in(MemberFactory().user).get(f"/member/catalog/{gift.pk}/images/0/?size=huge"),
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert all("thumb" in answer.content.decode() for answer in answers)


def test_the_review_queue_shows_each_submitted_gifts_first_pictures_beside_its_approval(supplier_admin, operator, now):
    """The operator approves a gift having seen its pictures: the row shows the thumbnails of its first three (a stored
    one through the gift's picture address, a web one as it is), each opening the picture whole."""
    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture("a.png"), picture("b.png")], images=WEB_PICTURE))
    gift = Gift.objects.get(sku="TEA-PIC")
    gift.images = [*gift.images, "https://cdn.example.com/fourth.jpg"]
    gift.save(update_fields=["images"])
    catalog.submit_gift(gift=gift, actor=supplier_admin, now=now)

    page = logged_in(operator).get("/supplier/gift-review/?queue=gifts").content.decode()

    row = page.split(f'data-sku="{gift.sku}"', 1)[1].split("</tr>", 1)[0]
    pictures = row.split('data-testid="gift-images"', 1)[1].split("</td>", 1)[0]
    assert f'action="/supplier/gift-review/gifts/{gift.pk}/approve/' in row
    assert re.findall(r'<img src="([^"]+)"', pictures) == [
        WEB_PICTURE, f"/supplier/gifts/{gift.pk}/images/1/?size=thumb", f"/supplier/gifts/{gift.pk}/images/2/?size=thumb",
    ]
    assert f'href="/supplier/gifts/{gift.pk}/images/1/"' in pictures and "fourth.jpg" not in pictures
