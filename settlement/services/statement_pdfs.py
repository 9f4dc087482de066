"""Statement PDFs rendered by a task (versions of more than STATEMENT_PDF_INLINE_LINES lines): what happens when it
does not come. A version issued without its PDF whose render was queued a while ago and has not stored it (the task
never published, lost with the broker, or failed after its retries: `record_pdf_failure`) is queued again by beat
(core.jobs), or by finance from the statement page (`render_pdf_again`); rendering is deterministic, so a render that
comes twice stores the same bytes with the same SHA-256 once (statements.store_pdf). For the same reason an issued PDF
lost from the storage can be put back by rendering it again (`restore_pdf`, `manage.py restore_statement_pdfs`)."""
import hashlib
import logging
from datetime import datetime
from enum import StrEnum

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from core import jobs
from core.files import stored_sha256
from core.errors import ValidationFailed
from settlement.models import StatementVersion
from settlement.services.adjustments import require_finance

logger = logging.getLogger(__name__)


def waiting_for_pdf():
    """The issued versions whose PDF is not stored yet."""
    return StatementVersion.objects.filter(issued_at__isnull=False, pdf="")


def pick_up_left_behind_pdfs(*, now: datetime) -> int:
    """Queue again the render of every issued version still without its PDF since `core.jobs.left_behind_before(now)`
    (counted from when it was last queued, or issued); each is then left another while. A version queued again
    LEFT_BEHIND_REQUEUES times is not queued any more: it is left failed (the reason recorded unless a failure is)
    until finance queues it from the statement page. Returns how many were queued again."""
    from settlement.tasks import render_statement_pdf

    left = (waiting_for_pdf().annotate(last_queued=Coalesce("pdf_queued_at", "issued_at"))
            .filter(last_queued__lt=jobs.left_behind_before(now)))
    with transaction.atomic():
        left.filter(pdf_requeues__gte=settings.LEFT_BEHIND_REQUEUES, pdf_failed_at__isnull=True).update(
            pdf_failed_at=now, pdf_error=f"no PDF after {settings.LEFT_BEHIND_REQUEUES} renders queued again")
        pks = list(left.filter(pdf_requeues__lt=settings.LEFT_BEHIND_REQUEUES).values_list("pk", flat=True))
        StatementVersion.objects.filter(pk__in=pks).update(pdf_queued_at=now, pdf_requeues=F("pdf_requeues") + 1)
        for pk in pks:
            jobs.publish_on_commit(render_statement_pdf, version_id=pk)
    return len(pks)


def record_pdf_failure(*, version: StatementVersion, error: Exception, now: datetime) -> None:
    """The render of the version's PDF gave up after its retries: its page and the API say so until it is stored."""
    logger.error("the PDF of statement version %s failed after its retries: %r", version.pk, error)
    StatementVersion.objects.filter(pk=version.pk, pdf="").update(pdf_failed_at=now, pdf_error=f"{type(error).__name__}: {error}"[:500])


def may_render_again(version: StatementVersion, *, now: datetime) -> bool:
    """Whether finance may queue the render of the version's PDF again: it failed, or it was queued (or issued) before
    `core.jobs.left_behind_before(now)`; not while a render queued since may still be running (it would race it)."""
    if version.pdf_status == "failed":
        return True
    queued = version.pdf_queued_at or version.issued_at
    return version.pdf_status == "rendering" and queued < jobs.left_behind_before(now)


def render_pdf_again(*, version: StatementVersion, actor, now: datetime) -> StatementVersion:
    """Queue the render of an issued version's PDF again (finance, from the statement page), a failure recorded forgotten.

    :raises PermissionDenied: unless finance :raises ValidationFailed: a version not issued, with its PDF stored, or its render queued lately
    (`may_render_again`)
    """
    from settlement.tasks import render_statement_pdf

    require_finance(actor)
    with transaction.atomic():
        version = StatementVersion.objects.select_for_update().get(pk=version.pk)
        if version.pdf_status not in ("rendering", "failed"):
            raise ValidationFailed(gettext("该版本的 PDF 已生成或尚未下发，无需重新生成"), field="pdf")
        if not may_render_again(version, now=now):
            raise ValidationFailed(gettext("该版本的 PDF 正在生成，请稍后再试"), field="pdf")
        version.pdf_queued_at, version.pdf_failed_at, version.pdf_error, version.pdf_requeues = now, None, "", 0
        version.save(update_fields=["pdf_queued_at", "pdf_failed_at", "pdf_error", "pdf_requeues"])
        jobs.publish_on_commit(render_statement_pdf, version_id=version.pk)
    return version


class Restored(StrEnum):
    """What `restore_pdf` did with an issued version's stored PDF."""

    INTACT = "intact"  # in the storage with its SHA-256 (or, stored before digests were kept, in the storage): nothing to do
    RESTORED = "restored"  # rendered again to the very bytes issued (its SHA-256) and stored under its name
    CHANGED = "changed"  # in the storage with other bytes: left as it is unless asked to replace it
    DIFFERS = "differs"  # rendering again gives other bytes (the supplier's name, the font or the layout changed since): nothing written
    UNPROVABLE = "unprovable"  # lost, but stored with no SHA-256 to prove a render is the one issued: nothing written


def restore_pdf(version: StatementVersion, *, replace_changed: bool = False) -> Restored:
    """Put back the issued PDF of `version` lost from the storage (a restore without the media files, a file deleted by
    hand), or changed there (with `replace_changed`: the changed file kept beside it as `<name>.changed`), by rendering
    it again: rendering is deterministic, so the bytes are the ones issued when their SHA-256 is the stored one, and
    nothing is written when it is not. The version's row is not changed.

    :raises ValueError: for a version not issued or whose PDF was never stored
    """
    from settlement.pdf import render_statement

    if version.issued_at is None or not version.pdf:
        raise ValueError(f"statement version {version.pk} has no issued PDF to restore")
    storage, name = version.pdf.storage, version.pdf.name
    present = storage.exists(name)
    if not version.pdf_sha256:
        return Restored.INTACT if present else Restored.UNPROVABLE
    if present and stored_sha256(storage, name) == version.pdf_sha256:
        return Restored.INTACT
    if present and not replace_changed:
        return Restored.CHANGED
    content = render_statement(version)
    if hashlib.sha256(content).hexdigest() != version.pdf_sha256:
        logger.warning("statement version %s renders to other bytes than it was issued with: its PDF is not restored", version.pk)
        return Restored.DIFFERS
    if present:
        with storage.open(name, "rb") as changed:
            kept = storage.save(f"{name}.changed", File(changed))
        storage.delete(name)
        logger.warning("statement version %s: the changed PDF is kept as %s", version.pk, kept)
    stored = storage.save(name, ContentFile(content))
    if stored != name:  # the storage would not take the name back: the row must name the file
        storage.delete(stored)
        raise ValueError(f"the storage did not store statement version {version.pk}'s PDF under its name {name}")
    return Restored.RESTORED
