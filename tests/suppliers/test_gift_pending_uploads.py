"""Pictures chosen on a refused gift form are kept for the next submission (a day at most) and said to be kept; a
picture that cannot be kept is named as not saved, never dropped in silence."""
import os
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suppliers.models import Gift, GiftRevision
from suppliers.services import pending_uploads
from suppliers.tasks import purge_pending_uploads
from tests.factories import GiftFactory
from tests.portal import field_errors, logged_in
from tests.suppliers.builders import WEB_PICTURE, new_gift, picture, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("licensed_supplier")]
HIDDEN = 'name="pending" value="'


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """A media folder of the test's own, so the pictures kept are those this test made."""
    settings.MEDIA_ROOT = tmp_path


def kept_token(response) -> str:
    page = response.content.decode()
    assert HIDDEN in page, "the refused form carries no kept pictures"
    return page.split(HIDDEN, 1)[1].split('"', 1)[0]


def pending_files(supplier) -> list[str]:
    folder = f"pending/{supplier.pk}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def test_a_refused_new_gift_keeps_its_picture_and_the_next_submission_saves_it(supplier_admin, supplier):
    GiftFactory(supplier=supplier, sku="TEA-PIC")
    client = logged_in(supplier_admin)

    refused = client.post("/supplier/gifts/new/", new_gift(upload=[picture("tea.png")]))
    token = kept_token(refused)
    again = client.post("/supplier/gifts/new/", new_gift(sku="TEA-PIC-2", pending=token))

    assert refused.status_code == 200 and "sku" in field_errors(refused)
    assert 'value="图片茶礼"' in refused.content.decode() and "已保留 1 张图片（tea.png）" in refused.content.decode()
    gift = Gift.objects.get(sku="TEA-PIC-2")
    assert again.status_code == 302 and len(gift.images) == 1 and gift.images[0].startswith(f"gifts/{supplier.pk}/")
    assert client.get(f"/supplier/gifts/{gift.pk}/images/0/")["Content-Type"] == "image/png"
    assert pending_files(supplier) == []  # the kept copy went once used


def test_pictures_kept_then_chosen_again_after_a_second_refusal_are_all_saved_in_order(supplier_admin, supplier):
    GiftFactory(supplier=supplier, sku="TEA-PIC")
    client = logged_in(supplier_admin)

    first = client.post("/supplier/gifts/new/", new_gift(upload=[picture("a.png")]))
    second = client.post("/supplier/gifts/new/", new_gift(pending=kept_token(first), upload=[picture("b.jpg", "JPEG")]))
    client.post("/supplier/gifts/new/", new_gift(sku="TEA-PIC-3", pending=kept_token(second)))

    assert "已保留 2 张图片（a.png、b.jpg）" in second.content.decode()
    assert [name.rsplit(".", 1)[1] for name in Gift.objects.get(sku="TEA-PIC-3").images] == ["png", "jpg"]


def test_a_refused_edit_keeps_its_picture_for_the_revision(supplier_admin, supplier, operator):
    gift = publish(GiftFactory(supplier=supplier, images=[WEB_PICTURE]), operator)
    client = logged_in(supplier_admin)
    form = client.get(f"/supplier/gifts/{gift.pk}/edit/").context["form"]
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in form.initial.items()}

    refused = client.post(f"/supplier/gifts/{gift.pk}/edit/", data | {"settlement_price": "-1", "upload": [picture("new.png")]})
    client.post(f"/supplier/gifts/{gift.pk}/edit/", data | {"pending": kept_token(refused)})

    assert "settlement_price" in field_errors(refused) and "已保留 1 张图片（new.png）" in refused.content.decode()
    revision = GiftRevision.objects.get(gift=gift)
    assert revision.changes["images"][0] == WEB_PICTURE and len(revision.changes["images"]) == 2
    assert revision.changes["images"][1].startswith(f"gifts/{supplier.pk}/")


def test_pictures_that_cannot_be_kept_are_named_as_not_saved(supplier_admin, supplier, monkeypatch):
    GiftFactory(supplier=supplier, sku="TEA-PIC")

    def full_disk(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(pending_uploads.default_storage, "save", full_disk)
    response = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture("a.png"), picture("b.png")]))

    errors = response.content.decode()
    assert "sku" in field_errors(response) and "2 张图片未保存，请重新选择" in errors
    assert 'value="图片茶礼"' in errors


def test_a_bad_picture_among_several_says_the_others_were_not_saved_either(supplier_admin):
    bad = SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")

    response = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture("a.png"), bad]))

    page = response.content.decode()
    assert "notes.png：不是可识别的图片" in page and "2 张图片未保存，请重新选择" in page
    assert not Gift.objects.exists()


def test_kept_pictures_expire_after_a_day_and_the_form_says_so(supplier_admin, supplier, time_machine):
    GiftFactory(supplier=supplier, sku="TEA-PIC")
    client = logged_in(supplier_admin)
    time_machine.move_to(timezone.now(), tick=False)
    token = kept_token(client.post("/supplier/gifts/new/", new_gift(upload=[picture("a.png")])))

    time_machine.shift(timedelta(days=1, minutes=1))
    response = client.post("/supplier/gifts/new/", new_gift(sku="TEA-PIC-4", pending=token))

    assert response.status_code == 200 and "之前保留的 1 张图片已过期" in field_errors(response)["upload"]
    assert not Gift.objects.filter(sku="TEA-PIC-4").exists() and pending_files(supplier) == []


def test_another_suppliers_kept_pictures_cannot_be_taken(supplier_admin, supplier, other_supplier_admin):
    GiftFactory(supplier=supplier, sku="TEA-PIC")
    token = kept_token(logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(upload=[picture("a.png")])))

    response = logged_in(other_supplier_admin).post("/supplier/gifts/new/", new_gift(sku="OTHER-1", pending=token))
    tampered = logged_in(supplier_admin).post("/supplier/gifts/new/", new_gift(sku="TEA-PIC-5", pending=token[:-2] + "xx"))

    assert "upload" in field_errors(response) and not Gift.objects.filter(sku="OTHER-1").exists()
    assert "之前保留的图片无法识别" in field_errors(tampered)["upload"]


def test_the_hourly_purge_deletes_pictures_kept_more_than_a_day_ago(supplier_admin, supplier):
    GiftFactory(supplier=supplier, sku="TEA-PIC")
    client = logged_in(supplier_admin)
    client.post("/supplier/gifts/new/", new_gift(upload=[picture("old.png")]))
    (old,) = pending_files(supplier)
    day_ago = (timezone.now() - timedelta(days=1, minutes=5)).timestamp()
    os.utime(default_storage.path(f"pending/{supplier.pk}/{old}"), (day_ago, day_ago))
    client.post("/supplier/gifts/new/", new_gift(upload=[picture("fresh.png")]))

    purged = purge_pending_uploads()

    assert purged == 1 and len(pending_files(supplier)) == 1 and old not in pending_files(supplier)
