"""Stored files (contracts, certificates, statement PDFs) go out only through views that first check the caller may
see their object: nothing is published under a public /media/ URL."""
import hashlib
import logging
import mimetypes
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed

logger = logging.getLogger(__name__)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: What an uploaded document (a contract, a licence, a certificate) may be: a PDF or a scan; the extension it is kept with.
DOCUMENT_KINDS = {"PDF": "pdf", "JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
#: The content type of each kind of document, as its content shows it (`check_document`).
DOCUMENT_TYPES = {"PDF": "application/pdf", "JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
#: The only types a browser is let to show in place; any other stored file downloads as bytes, so nothing stored (an
#: HTML page, a script, an SVG) can ever run in the portal's origin.
SHOWN_IN_PLACE = frozenset(DOCUMENT_TYPES.values())


def stored_sha256(storage, name: str) -> str:
    """The SHA-256 (hex) of the file `name` in `storage`, read a megabyte at a time."""
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def accepted_types(kinds: Iterable[str] = tuple(DOCUMENT_TYPES)) -> str:
    """The `accept` of a file input taking files of `kinds` (keys of DOCUMENT_TYPES; by default every document): the
    browser's picker offers those alone. What is sent is still judged by its content (check_document, check_image)."""
    return ",".join(DOCUMENT_TYPES[kind] for kind in kinds)


@contextmanager
def kept_only_if_done() -> Iterator[Callable[[FieldFile], None]]:
    """Yield `stored(file)`, to be told of each file the block writes to the storage beside rows of its transaction;
    if the block raises (its transaction rolled back: wrap `transaction.atomic()` in it), those files are deleted,
    so that no file is left behind whose row was never committed (a statement PDF printing a bank account)."""
    stored: list[FieldFile] = []
    try:
        yield lambda file: stored.append(file) if file else None
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise


def check_document(upload, *, field: str = "file") -> str:
    """Accept a PDF, or a scan as a JPEG, PNG or WebP picture, of at most 10 MB, judged by its content; its name is
    given the extension of what it is, and its content type (DOCUMENT_TYPES) is returned. :raises ValidationFailed:
    naming the file"""
    name = Path(getattr(upload, "name", "") or "upload").name
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(gettext("%(name)s：文件不能超过 10 MB") % {"name": name}, field=field)
    kind = None
    try:
        if upload.read(5) == b"%PDF-":
            kind = "PDF"
        else:
            upload.seek(0)
            with Image.open(upload) as picture:
                picture.verify()
                kind = picture.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    finally:
        upload.seek(0)
    if kind not in DOCUMENT_KINDS:
        raise ValidationFailed(gettext("%(name)s：仅支持 PDF 或 JPEG、PNG、WebP 扫描件") % {"name": name}, field=field)
    upload.name = f"{Path(name).stem or 'document'}.{DOCUMENT_KINDS[kind]}"
    return DOCUMENT_TYPES[kind]


def serve(field_file: FieldFile, *, as_attachment: bool = False, content_type: str = "") -> FileResponse:
    """Stream the file of an object already read through its scoped queryset: PDFs and pictures in place (unless
    `as_attachment`), anything else as a download of plain bytes. What it is: `content_type` when its content was
    recorded at upload, else what its name's extension says.

    :raises Http404: when there is none, or the storage has lost it (logged as an error: the row outlived its file)
    """
    if not field_file:
        raise Http404("no file")
    try:
        opened = field_file.open("rb")
    except FileNotFoundError:
        logger.error("stored file %s is missing from the storage", field_file.name)
        raise Http404("file missing") from None
    name = Path(field_file.name).name
    content_type = content_type or mimetypes.guess_type(name)[0]
    if content_type in SHOWN_IN_PLACE:
        return FileResponse(opened, as_attachment=as_attachment, filename=name, content_type=content_type)
    return FileResponse(opened, as_attachment=True, filename=name, content_type="application/octet-stream")


def file_response(export) -> HttpResponse:
    """A `core.tabular.TableFile` as an attachment."""
    return HttpResponse(export.content, content_type=export.content_type,
                        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'})
