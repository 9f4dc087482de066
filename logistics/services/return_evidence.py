"""Evidence of returns (SPEC §4.7): pictures or PDFs of the goods, sent by the member with the request, by the supplier's
staff when a dropship return arrives and by the inspector. Each file is judged by its content (core.files.check_document)
before anything is stored, so that a refused upload leaves neither a row nor a file behind."""
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext

from core.errors import ValidationFailed
from core.files import check_document
from logistics.models import ReturnEvidence, ReturnRequest

MAX_FILES = 5  # per step: a few photos of the goods and the parcel, each checked whole before any is kept
FIELD = "evidence"


def evidence_problems(uploads: Iterable) -> list[tuple[str, str, str]]:
    """What is wrong with the files sent as one step's evidence, each as (field, code, message naming the file): too many
    (before any is read), else every file that is no PDF or JPEG, PNG or WebP picture of at most 10 MB."""
    uploads = [upload for upload in uploads if upload]
    if len(uploads) > MAX_FILES:
        message = gettext("每次最多上传 %(limit)s 个凭证文件（现有 %(count)s 个）") % {"limit": MAX_FILES, "count": len(uploads)}
        return [(FIELD, "too_many", message)]
    problems = []
    for upload in uploads:
        try:
            check_document(upload, field=FIELD)
        except ValidationFailed as refused:
            problems.append((FIELD, "invalid", str(refused.detail)))
    return problems


def require_acceptable(uploads: Iterable) -> None:
    """:raises ValidationFailed: naming each refused file (`evidence_problems`); nothing is stored"""
    if problems := evidence_problems(uploads):
        raise ValidationFailed(problems[0][2], field=FIELD, errors=problems)


def attach_evidence(
    *, return_request: ReturnRequest, uploads: Iterable, stage: str, actor, now: datetime, stored: Callable,
) -> list[ReturnEvidence]:
    """Keep checked `uploads` as the return's evidence of `stage`, each with the content type its content shows,
    inside the caller's transaction; each file is told to `stored` (core.files.kept_only_if_done) so that it is deleted
    again if the transaction rolls back. :raises ValidationFailed: for a file that is no document after all"""
    kept = []
    for upload in uploads:
        if not upload:
            continue
        content_type = check_document(upload, field=FIELD)  # read again: what it is, not what a caller said of it
        evidence = ReturnEvidence(
            return_request=return_request, stage=stage, content_type=content_type, uploaded_by=actor, uploaded_at=now,
        )
        evidence.file.save(Path(upload.name).name, upload, save=False)
        stored(evidence.file)
        evidence.save()
        kept.append(evidence)
    if kept and hasattr(return_request, "_prefetched_objects_cache"):  # read through a list: its answer shows the new files
        return_request._prefetched_objects_cache.pop("evidence", None)
    return kept
