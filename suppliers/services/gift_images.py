"""Gift pictures: uploaded by the supplier, checked to be an image, kept in the media storage and served only to
those who may see the gift. A gift's `images` lists storage names (gifts/<supplier>/<random>.<ext>) and, as entered
or imported before uploads existed, web addresses, which pages show as they are.

Each stored picture has a thumbnail (a WebP of at most 480 px a side, under thumbs/<name>.webp), made on upload
or, for a picture stored before, on its first request: lists and cards load those instead of the full picture."""
import io
import logging
import mimetypes
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ValidationFailed
from suppliers.models import Gift, GiftRevision

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = 30_000_000  # decoded, about 90 MB: no small file may unpack into a huge picture
MAX_IMAGES = 10  # pictures of one gift: pages show a few, and each upload is decoded whole to be checked
ENTRY = re.compile(r"gifts/[\w][\w./-]*\.(jpe?g|png|webp)", re.IGNORECASE)
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
WEB = ("http://", "https://")
THUMBNAIL_SIDE = 480  # twice the widest card, for sharp pictures on high-density screens
THUMBNAIL = "thumb"  # the `size` a picture's address asks for its thumbnail with
log = logging.getLogger(__name__)


def check_image(upload, *, field: str = "upload") -> str:
    """The file's extension once it is a JPEG, PNG or WebP picture of at most 5 MB and 8000 px a side; an upload
    checked before (by the form, then the service) is not decoded again.
    :raises ValidationFailed: naming the file"""
    if known := getattr(upload, "checked_picture_extension", None):
        return known
    name = getattr(upload, "name", "") or "?"
    if upload.size > MAX_BYTES:
        raise ValidationFailed(gettext("%(name)s：图片不能超过 5 MB") % {"name": name}, field=field)
    try:
        with Image.open(upload) as picture:  # reads the header only
            kind, (width, height) = picture.format, picture.size
            if kind not in FORMATS:
                raise ValidationFailed(gettext("%(name)s：仅支持 JPEG、PNG、WebP") % {"name": name}, field=field)
            if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                message = gettext("%(name)s：边长不能超过 %(max_side)s 像素、总像素不超过 3000 万") % {"name": name, "max_side": MAX_SIDE}
                raise ValidationFailed(message, field=field)
            picture.load()  # decodes every pixel: a file that only begins like a picture is refused here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(gettext("%(name)s：不是可识别的图片") % {"name": name}, field=field) from None
    finally:
        upload.seek(0)
    upload.checked_picture_extension = FORMATS[kind]
    return FORMATS[kind]


def too_many_images(count: int) -> str | None:
    """Why a gift may not have `count` pictures, or None when it may."""
    return gettext("每件礼品最多 %(max_images)s 张图片") % {"max_images": MAX_IMAGES} if count > MAX_IMAGES else None


def check_upload_count(*, after: list, uploads: list) -> None:
    """:raises ValidationFailed: naming `upload` when `uploads` after the pictures `after` make more than MAX_IMAGES,
    before any of them is decoded"""
    if message := too_many_images(len(after) + len(uploads)):
        remaining = max(MAX_IMAGES - len(after), 0)
        detail = gettext("%(limit)s，已有 %(count)s 张，还可上传 %(remaining)s 张") % {"limit": message, "count": len(after), "remaining": remaining}
        raise ValidationFailed(detail, field="upload")


def demo_picture(seed: str) -> bytes:
    """A plain PNG of a wrapped gift box in a colour drawn from `seed` (demo data has pictures to show)."""
    import hashlib
    import io

    from PIL import ImageDraw

    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]
    picture = Image.new("RGB", (480, 360), (240, 243, 247))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((120, 110, 360, 300), fill=(red // 2 + 100, green // 2 + 60, blue // 2 + 60))
    draw.rectangle((222, 110, 258, 300), fill=(250, 215, 80))
    draw.rectangle((120, 180, 360, 206), fill=(250, 215, 80))
    draw.ellipse((190, 70, 240, 115), outline=(250, 215, 80), width=10)
    draw.ellipse((240, 70, 290, 115), outline=(250, 215, 80), width=10)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def store_images(*, supplier_id: int, uploads: Iterable) -> list[str]:
    """Keep checked uploads in the storage; their names, in order, for the gift's `images`. :raises ValidationFailed:"""
    checked = [(upload, check_image(upload)) for upload in uploads]
    names = [default_storage.save(f"gifts/{supplier_id}/{uuid.uuid4().hex}.{extension}", upload) for upload, extension in checked]
    for name in names:
        make_thumbnail(name)
    return names


def thumbnail_name(name: str) -> str:
    return f"thumbs/{name}.webp"


def make_thumbnail(name: str) -> str | None:
    """Store the thumbnail of the stored picture `name`; its storage name, or None when the picture cannot be
    read (its page then shows the full picture)."""
    try:
        with default_storage.open(name, "rb") as original, Image.open(original) as picture:
            picture.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # a JPEG decodes at a fraction of its size
            small = ImageOps.exif_transpose(picture)  # as the camera held it
            small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            if small.mode not in ("RGB", "RGBA"):
                small = small.convert("RGBA" if "A" in small.getbands() or "transparency" in small.info else "RGB")
            out = io.BytesIO()
            small.save(out, "WEBP", quality=80)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, SuspiciousFileOperation):
        log.warning("no thumbnail for picture %s", name, exc_info=True)
        return None
    target = thumbnail_name(name)
    saved = default_storage.save(target, ContentFile(out.getvalue()))
    if saved != target:  # another request made it meanwhile: keep one
        default_storage.delete(saved)
    return target


@contextmanager
def stored_uploads(*, supplier_id: int, uploads: Iterable, after: list) -> Iterator[list[str]]:
    """Store checked uploads, which follow the pictures `after`, for the block that puts them on a gift; if the block
    fails, they are deleted again.
    :raises ValidationFailed: more than MAX_IMAGES pictures (`check_upload_count`), or an upload that is no accepted
        picture (nothing stored)"""
    uploads = list(uploads)
    if uploads:
        check_upload_count(after=after, uploads=uploads)
    names = store_images(supplier_id=supplier_id, uploads=uploads)
    try:
        yield names
    except BaseException:
        discard(names)
        raise


def discard(names: Iterable[str]) -> None:
    """Remove stored pictures: the uploads of a refused change, or pictures no gift or waiting revision of the
    supplier names any more (`discard_unused`)."""
    for name in names:
        default_storage.delete(name)
        default_storage.delete(thumbnail_name(name))


def is_picture_entry(entry) -> bool:
    """What a gift's `images` may hold: a stored picture's name (gifts/…) or a web address."""
    if not isinstance(entry, str) or len(entry) > 300:
        return False
    if entry.startswith(WEB):
        try:
            URLValidator(schemes=["http", "https"])(entry)
        except ValidationError:
            return False
        return True
    return bool(ENTRY.fullmatch(entry)) and ".." not in entry


def is_stored(gift: Gift, name: str) -> bool:
    """Whether an entry names a picture uploaded for the gift's supplier: only those are served (an entry typed in
    could name any file of the storage, such as another supplier's statement)."""
    return name.startswith(f"gifts/{gift.supplier_id}/") and bool(ENTRY.fullmatch(name)) and ".." not in name


def discard_unused(supplier_id: int, names: Iterable[str]) -> None:
    """Delete the supplier's pictures among `names` that no gift of the supplier and no revision waiting for review
    names any more (an exported and re-imported catalog can give two gifts the same picture)."""
    candidates = {name for name in names if name.startswith(f"gifts/{supplier_id}/")}
    if not candidates:
        return
    used: set[str] = set()
    for images in Gift.objects.filter(supplier_id=supplier_id).values_list("images", flat=True):
        used.update(images or [])
    waiting = GiftRevision.objects.filter(gift__supplier_id=supplier_id, state=GiftRevision.State.PENDING)
    for changes in waiting.values_list("changes", flat=True):
        used.update((changes or {}).get("images", []))
    discard(candidates - used)


def image_urls(gift: Gift, route: str, *, images: list[str] | None = None, owner=None) -> list[str]:
    """Where a page shows each picture of the gift (or of `images`, a revision's proposed list): a web address as it
    is, a stored picture through `route` (a view taking the pk of `owner`, default the gift, and the picture's index,
    which checks who may see it); any other entry (a path typed in before uploads existed) shows nothing."""
    images = gift.images if images is None else images
    key = (owner or gift).pk
    return [name if name.startswith(WEB) else reverse(route, args=[key, index]) for index, name in enumerate(images or [])
            if name.startswith(WEB) or (is_stored(gift, name) and default_storage.exists(name))]


def thumbnail_url(url: str) -> str:
    """The address of a picture's thumbnail, given the address `image_urls` made (a web address has none of ours)."""
    return url if url.startswith(WEB) else f"{url}?size={THUMBNAIL}"


def absolute_urls(request, urls: list[str]) -> list[str]:
    """The addresses as an API client needs them: with the scheme and host it called."""
    return [request.build_absolute_uri(url) if request is not None else url for url in urls]


def serve_image(gift: Gift, index: int, *, images: list[str] | None = None, size: str | None = None) -> FileResponse:
    """Stream a stored picture of a gift the caller may see (of `images`, a revision's proposed list, when given), or
    its thumbnail for `size` "thumb" (the picture itself when no thumbnail can be made).
    :raises Http404: no such stored picture :raises ValidationFailed: another size"""
    if size not in (None, "", THUMBNAIL):
        raise ValidationFailed(gettext("图片尺寸只能是 %(size)s 或不填") % {"size": THUMBNAIL}, field="size")
    images = (gift.images if images is None else images) or []
    name = images[index] if 0 <= index < len(images) else ""
    if not is_stored(gift, name):
        raise Http404("no such picture")
    if size == THUMBNAIL and default_storage.exists(name):
        name = thumbnail_name(name) if default_storage.exists(thumbnail_name(name)) else make_thumbnail(name) or name
    try:
        opened = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation):  # gone, or never a file
        raise Http404("picture missing") from None
    return FileResponse(opened, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
