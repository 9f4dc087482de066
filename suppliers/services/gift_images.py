"""Gift pictures: uploaded by the supplier, checked to be an image, kept in the media storage and served only to
those who may see the gift. A gift's `images` lists storage names (gifts/<supplier>/<random>.<ext>) and, as entered
or imported before uploads existed, web addresses, which pages show as they are."""
import mimetypes
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed
from suppliers.models import Gift, GiftRevision

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 8000
MAX_PIXELS = 30_000_000  # decoded, about 90 MB: no small file may unpack into a huge picture
ENTRY = re.compile(r"gifts/[\w][\w./-]*\.(jpe?g|png|webp)", re.IGNORECASE)
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
WEB = ("http://", "https://")


def check_image(upload, *, field: str = "upload") -> str:
    """The file's extension once it is a JPEG, PNG or WebP picture of at most 5 MB and 8000 px a side.
    :raises ValidationFailed: naming the file"""
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
    return FORMATS[kind]


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
    return [default_storage.save(f"gifts/{supplier_id}/{uuid.uuid4().hex}.{extension}", upload) for upload, extension in checked]


@contextmanager
def stored_uploads(*, supplier_id: int, uploads: Iterable) -> Iterator[list[str]]:
    """Store checked uploads for the block that puts them on a gift; if the block fails, they are deleted again.
    :raises ValidationFailed: an upload that is no accepted picture (nothing stored)"""
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


def absolute_urls(request, urls: list[str]) -> list[str]:
    """The addresses as an API client needs them: with the scheme and host it called."""
    return [request.build_absolute_uri(url) if request is not None else url for url in urls]


def serve_image(gift: Gift, index: int, *, images: list[str] | None = None) -> FileResponse:
    """Stream a stored picture of a gift the caller may see (of `images`, a revision's proposed list, when given).
    :raises Http404: no such stored picture"""
    images = (gift.images if images is None else images) or []
    name = images[index] if 0 <= index < len(images) else ""
    if not is_stored(gift, name):
        raise Http404("no such picture")
    try:
        opened = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation):  # gone, or never a file
        raise Http404("picture missing") from None
    return FileResponse(opened, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
