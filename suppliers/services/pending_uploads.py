"""Pictures chosen on a gift form that was refused (a taken SKU, a missing price): kept for a day under
pending/<supplier>/ and named by a signed token the form carries in a hidden field, so the supplier need not choose
them again. The next submission re-attaches them; they are deleted once used, and a beat job deletes those left
behind for more than a day (`purge_pending`)."""
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.files.storage import default_storage
from django.utils.translation import gettext, ngettext

from core.errors import ValidationFailed
from suppliers.services.gift_images import check_image

FOLDER = "pending"
MAX_AGE = timedelta(days=1)
SALT = "suppliers.pending-uploads"


@dataclass(frozen=True)
class PendingUpload:
    name: str  # the storage name, pending/<supplier>/<random>.<ext>
    filename: str  # as the supplier chose it, for the form to say which pictures it keeps


def keep(*, supplier_id: int, uploads: Iterable) -> list[PendingUpload]:
    """Store checked pictures of a refused form. :raises ValidationFailed: one is no accepted picture :raises OSError:"""
    kept = []
    for upload in uploads:
        upload.seek(0)  # a service that refused the form may have read it
        extension = check_image(upload)
        name = default_storage.save(f"{FOLDER}/{supplier_id}/{uuid.uuid4().hex}.{extension}", upload)
        kept.append(PendingUpload(name, os.path.basename(upload.name or "") or name.rsplit("/", 1)[-1]))
    return kept


def token(kept: list[PendingUpload]) -> str:
    """The signed value of the form's hidden field naming the kept pictures ("" for none)."""
    return signing.dumps([[upload.name, upload.filename] for upload in kept], salt=SALT) if kept else ""


def from_token(value: str, *, supplier_id: int) -> list[PendingUpload]:
    """The pictures a form's token names, still kept for this supplier.

    :raises ValidationFailed: a token not signed here, or pictures kept more than a day ago or deleted since
        (those still there are deleted: the supplier chooses them again)
    """
    if not value:
        return []
    try:
        rows = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        rows, expired = signing.loads(value, salt=SALT), True
    except signing.BadSignature:
        raise ValidationFailed(gettext("之前保留的图片无法识别，请重新选择"), field="upload") from None
    else:
        expired = False
    own = re.compile(rf"{FOLDER}/{supplier_id}/[0-9a-f]{{32}}(_\w+)?\.(jpg|png|webp)")
    kept = [PendingUpload(name, filename) for name, filename in rows if own.fullmatch(name)]
    if expired or len(kept) != len(rows) or not all(default_storage.exists(upload.name) for upload in kept):
        discard(kept)
        message = ngettext("之前保留的 %(count)s 张图片已过期（保留一天），请重新选择", "之前保留的 %(count)s 张图片已过期（保留一天），请重新选择",
                           len(rows)) % {"count": len(rows)}
        raise ValidationFailed(message, field="upload")
    return kept


def opened(kept: list[PendingUpload]) -> list:
    """The kept pictures as files to hand to the catalog services like fresh uploads (the caller closes them)."""
    files = []
    for upload in kept:
        file = default_storage.open(upload.name, "rb")
        file.name = upload.filename
        files.append(file)
    return files


def discard(kept: Iterable[PendingUpload]) -> None:
    for upload in kept:
        default_storage.delete(upload.name)


def purge_pending(*, now: datetime) -> int:
    """Delete pictures kept more than a day ago (their form was never sent again); how many."""
    try:
        folders, _ = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    purged = 0
    for folder in folders:
        for filename in default_storage.listdir(f"{FOLDER}/{folder}")[1]:
            name = f"{FOLDER}/{folder}/{filename}"
            if default_storage.get_modified_time(name) < now - MAX_AGE:
                default_storage.delete(name)
                purged += 1
    return purged
