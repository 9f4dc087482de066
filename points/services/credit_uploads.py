"""Crediting points by file from the portal (SPEC §4.4): the file is read and checked when it arrives (one problem
anywhere and nothing is kept or credited, the problems naming their row and column); a file that passes is kept as a
`CreditUpload` and credited by a task as one idempotent batch (credits.credit_points_in_bulk), in one transaction,
every row or none. The upload counts the rows gone through as the task goes (core.progress), for its page to show,
and keeps the outcome for the operator to come back to. The API credits a file at once (credits.credit_points_from_file).
"""
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from core import jobs
from core.masking import mask_phone
from core.roles import OPERATORS, require_role
from points.models import CreditUpload
from points.services import credits

PROGRESS_EVERY = 200  # rows gone through between two counts written on the upload
Status = CreditUpload.Status


def upload_credit_file(*, actor, now: datetime, file_name: str, content: bytes) -> CreditUpload:
    """Check every row of a credit file and, when all pass, keep it to be credited by a task (started on commit).

    :raises PermissionDenied: unless the actor is an operator
    :raises TableRejected: naming the row and column of every problem; nothing is kept or credited
    """
    require_role(actor, OPERATORS)
    credit_file = credits.read_credit_file(file_name=file_name, content=content)
    with transaction.atomic():
        upload = CreditUpload.objects.create(
            file_name=file_name[:200], uploaded_by=actor, uploaded_at=now, batch=credit_file.batch, rows=credit_file.rows,
            headings=credit_file.headings, row_count=len(credit_file.rows),
        )
        from points.tasks import credit_uploaded_points

        jobs.publish_on_commit(credit_uploaded_points, upload_id=upload.pk)
    return upload


def credit_upload(*, upload_id: int, now: datetime, progress_every: int = PROGRESS_EVERY) -> CreditUpload:
    """Credit every row of a pending upload as its uploader, as one batch in one transaction, or none and record why.
    Meanwhile the upload counts the rows gone through (`rows_done` of `row_count`, every `progress_every` rows, seen by
    its page as it goes: core.progress). Rows credited before as the same batch (the same file uploaded again) are
    not credited again: the upload says so. A second run (a task delivered twice) finds it done and credits nothing
    (core.jobs.work_through_upload).

    Nothing is credited either when something goes wrong: a refusal (a DomainError) rejects the upload with what it
    says; any other error rejects it saying crediting failed, and is raised.
    """
    def credit(upload: CreditUpload, went_through) -> dict:
        # a second run of the batch waits in here until the first is over, and finds its entries (replayed)
        result = credits.credit_points_in_bulk(batch_id=upload.batch, rows=upload.rows, actor=upload.uploaded_by, now=now,
                                               went_through=went_through)
        return {"status": Status.CREDITED, "points_total": sum(e.points for e in result.entries), "replayed": result.replayed,
                "credited_at": result.entries[0].at}

    return jobs.work_through_upload(upload_id, model=CreditUpload, now=now, progress_every=progress_every, work=credit,
                                    failed=gettext("发放时出错，未发放任何积分，请稍后重新上传"))


def pick_up_left_behind_uploads(*, now: datetime) -> tuple[int, int]:
    """Credit files no worker took up queued again, or after too many tries rejected crediting none, saying why on
    their page (core.jobs.pick_up_left_behind_uploads). Returns (queued again, rejected)."""
    from points.tasks import credit_uploaded_points

    return jobs.pick_up_left_behind_uploads(CreditUpload.objects.all(), task=credit_uploaded_points, now=now,
                                            reason=gettext("发放任务多次未能运行，未发放任何积分，请重新上传"))


class CreditRow(NamedTuple):
    """A row of a credit file as its page and download show it."""

    line: int
    phone: str  # masked, as every page shows a member's phone
    points: int
    reason: str  # the reason's label (积分赠送 for a row naming none)


def credit_rows(upload: CreditUpload) -> list[CreditRow]:
    """The rows of a credit file in the file's order: its line, the member's phone masked (read as the crediting reads
    it: "+86 138 0013 8000" is 138****8000), the points and the reason's label."""
    return [CreditRow(row["line"], mask_phone(credits.member_phone(row["phone"])), row["points"],
                      str(credits.CREDIT_REASONS.get(credits.credit_reason(row.get("reason_code")) or "", row.get("reason_code", ""))))
            for row in upload.rows]


def list_credit_uploads(*, actor) -> QuerySet[CreditUpload]:
    """The credit files uploaded, newest first, for operators (none for anyone else)."""
    return CreditUpload.objects.visible_to(actor).select_related("uploaded_by").defer("rows")


def uploads_by_batch(*, actor, batches) -> dict[str, CreditUpload]:
    """The credit file each of `batches` was credited from (the upload that credited it, else the first), by batch, as
    `actor` may see them (operators; none for anyone else): one query, none for no batches."""
    batches = {batch for batch in batches if batch.startswith(credits.FILE_BATCH_PREFIX)}
    if not batches:
        return {}
    uploads = CreditUpload.objects.visible_to(actor).filter(batch__in=batches).order_by("replayed", "status", "pk").only("batch", "file_name")
    found: dict[str, CreditUpload] = {}
    for upload in uploads:
        found.setdefault(upload.batch, upload)
    return found
