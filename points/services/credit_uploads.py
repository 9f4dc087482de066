"""Crediting points by file from the portal and the API (SPEC §4.4): the file is read and checked when it arrives (one
problem anywhere and nothing is kept, the problems naming their row and column); a file that passes is kept as a
`CreditUpload` in preview (`previewed`) and nothing is credited until an operator confirms it (`confirmed`) or
discards it (`discarded`; a preview left unconfirmed for PREVIEW_HOURS is discarded by beat). Once confirmed, a task
credits it as one idempotent batch (credits.credit_points_in_bulk), in one transaction, every row or none: confirming
twice, or another upload of the same rows, credits nothing more. The upload counts the rows gone through as the task
goes (core.progress), for its page to show, and keeps the outcome for the operator to come back to.
"""
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from core import jobs, sql
from core.fsm import apply_transition, bulk_transition, histories_of, log_creation
from core.masking import mask_phone
from core.models import Program
from core.roles import OPERATORS, require_role
from core.texts import Message
from points.errors import CreditPreviewExpired
from points.models import CreditUpload, LedgerEntry, Member
from points.services import credits

PROGRESS_EVERY = 200  # rows gone through between two counts written on the upload
PREVIEW_HOURS = 24  # a preview not confirmed within this long is discarded (discard_stale_previews)
#: why a preview was discarded unconfirmed, in its history: kept as its message id, read in the reader's language
NOT_CONFIRMED = Message(gettext_noop("上传后 %(hours)s 小时内未确认，已自动取消，未发放任何积分"), hours=PREVIEW_HOURS)
PREVIEW_ROWS = 10  # the rows a preview shows (every row: the upload's page and download)
Status = CreditUpload.Status
State = CreditUpload.State


def upload_credit_file(*, actor, now: datetime, file_name: str, content: bytes) -> CreditUpload:
    """Check every row of a credit file and, when all pass, keep it as a preview for an operator to confirm or discard:
    nothing is credited yet.

    :raises PermissionDenied: unless the actor is an operator
    :raises TableRejected: naming the row and column of every problem; nothing is kept or credited
    """
    require_role(actor, OPERATORS)
    credit_file = credits.read_credit_file(file_name=file_name, content=content)
    with transaction.atomic():
        upload = CreditUpload.objects.create(
            file_name=file_name[:200], uploaded_by=actor, uploaded_at=now, batch=credit_file.batch, rows=credit_file.rows,
            headings=credit_file.headings, row_count=len(credit_file.rows), points_total=sum(row["points"] for row in credit_file.rows),
            summary=_summary(credit_file.rows),
        )
        log_creation(upload, "upload", actor=actor, at=now)
    return upload


def confirm_credit_upload(*, upload: CreditUpload, actor, now: datetime, reason: str = "") -> CreditUpload:
    """Confirm a previewed credit file: its task credits it (started on commit) as one batch, every row or none. A
    second confirmation is refused and credits nothing more; rows credited before (the same file uploaded again) are
    not credited again (credit_upload).

    :raises PermissionDenied: unless the actor is an operator
    :raises CreditPreviewExpired: if it was uploaded PREVIEW_HOURS or more before `now`: it is discarded then, as beat
        would discard it (discard_stale_previews), and nothing is queued
    :raises InvalidTransition: unless the upload is previewed (confirmed already, or discarded); nothing is queued
    """
    require_role(actor, OPERATORS)
    from points.tasks import credit_uploaded_points

    with transaction.atomic():
        upload = _locked(upload)
        expired = _expire_if_due(upload, now=now)
        if not expired:
            apply_transition(upload, "confirm", actor=actor, at=now, reason=reason, queued_at=now)
            jobs.publish_on_commit(credit_uploaded_points, upload_id=upload.pk)
    if expired:  # refused once the discarding is committed: it stands
        raise CreditPreviewExpired()
    return upload


def discard_credit_upload(*, upload: CreditUpload, actor, now: datetime, reason: str = "") -> CreditUpload:
    """Discard a previewed credit file (取消): nothing of it is credited, ever; it stays listed, discarded.

    :raises PermissionDenied: unless the actor is an operator
    :raises InvalidTransition: unless the upload is previewed (confirmed already, or discarded)
    """
    require_role(actor, OPERATORS)
    with transaction.atomic():
        upload = _locked(upload)
        apply_transition(upload, "cancel", actor=actor, at=now, reason=reason)
    return upload


def discard_stale_previews(*, now: datetime) -> int:
    """Discard (`expire`, by the system) the previews uploaded PREVIEW_HOURS or more before `now` and never confirmed,
    saying why in their history: an operator confirms what they have just looked at. Returns how many."""
    stale = CreditUpload.objects.filter(state=State.PREVIEWED, uploaded_at__lte=now - timedelta(hours=PREVIEW_HOURS))
    return len(bulk_transition(stale, "expire", actor=None, at=now, reason=NOT_CONFIRMED))


def _expire_if_due(upload: CreditUpload, *, now: datetime) -> bool:
    """Discard a locked preview whose time to be confirmed has passed, as beat would; whether it was discarded so."""
    if upload.state != State.PREVIEWED or now < upload.uploaded_at + timedelta(hours=PREVIEW_HOURS):
        return False
    apply_transition(upload, "expire", actor=None, at=now, reason=NOT_CONFIRMED)
    return True


def _locked(upload: CreditUpload) -> CreditUpload:
    """The upload read again under its row lock: two confirmations at once take turns, the second finding it confirmed."""
    return CreditUpload.objects.select_for_update().defer("rows").get(pk=upload.pk)


def credit_upload(*, upload_id: int, now: datetime, progress_every: int = PROGRESS_EVERY) -> CreditUpload:
    """Credit every row of a pending upload as its uploader, as one batch in one transaction, or none and record why.
    Meanwhile the upload counts the rows gone through (`rows_done` of `row_count`, every `progress_every` rows, seen by
    its page as it goes: core.progress). Rows credited before as the same batch (the same file uploaded again) are
    not credited again: the upload says so. A second run (a task delivered twice) finds it done and credits nothing
    (core.jobs.work_through_upload).

    Nothing is credited either when something goes wrong: a refusal (a DomainError) rejects the upload with what it
    says; any other error rejects it saying crediting failed, and is raised. An upload not confirmed (a preview, or
    discarded) is left as it is: nothing is credited.
    """
    def credit(upload: CreditUpload, went_through) -> dict | None:
        if upload.state != State.CONFIRMED:
            return None
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

    return jobs.pick_up_left_behind_uploads(CreditUpload.objects.filter(state=State.CONFIRMED), task=credit_uploaded_points, now=now,
                                            reason=gettext("发放任务多次未能运行，未发放任何积分，请重新上传"))


class CreditRow(NamedTuple):
    """A row of a credit file as its page and download show it."""

    line: int
    phone: str  # masked, as every page shows a member's phone
    points: int
    reason: str  # the reason's label (积分赠送 for a row naming none)


def credit_rows(upload: CreditUpload, *, limit: int | None = None) -> list[CreditRow]:
    """The rows of a credit file in the file's order (the first `limit`, read without the others; else all): its line,
    the member's phone masked (read as the crediting reads it: "+86 138 0013 8000" is 138****8000), the points and the
    reason's label."""
    return [_shown(row) for row in (upload.rows if limit is None else stored_rows(upload, 0, limit))]


class CreditRows(Sequence):
    """A credit file's rows as its page lists them, a page at a time: as long as the file, a slice reading and decoding
    only the rows it holds (`stored_rows`), so that a page of a file of 20,000 rows costs what a page of a small one
    does."""

    def __init__(self, upload: CreditUpload):
        self.upload = upload

    def __len__(self) -> int:
        return self.upload.row_count

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                raise ValueError("a credit file's rows are read in runs")
            return [_shown(row) for row in stored_rows(self.upload, start, stop)]
        position = range(len(self))[index]  # an IndexError beyond the rows
        return self[position:position + 1][0]


def stored_rows(upload: CreditUpload, start: int, stop: int) -> list[dict]:
    """The stored rows `start` to `stop` (not included) of a credit file, as kept: the database picks them out of the
    file's JSON, and only they are decoded (rows already read with the upload are sliced)."""
    if "rows" in upload.__dict__:
        return upload.rows[start:stop]
    if stop <= start:
        return []
    rows = f"{sql.table(CreditUpload)}.{connection.ops.quote_name('rows')}"
    if connection.vendor == "postgresql":
        found = sql.fetch(f"SELECT jsonb_path_query_array({rows}, %s::jsonpath) FROM {sql.table(CreditUpload)} WHERE id = %s",
                          [f"$[{start} to {stop - 1}]", upload.pk])
        picked = found[0][0] if found else []
        return json.loads(picked) if isinstance(picked, str) else picked
    found = sql.fetch(f"SELECT value FROM {sql.table(CreditUpload)}, json_each({rows}) WHERE {sql.table(CreditUpload)}.id = %s "
                      "ORDER BY json_each.key LIMIT %s OFFSET %s", [upload.pk, stop - start, start])
    return [json.loads(value) for value, in found]


def _shown(row: dict) -> CreditRow:
    return CreditRow(row["line"], mask_phone(credits.member_phone(row["phone"])), row["points"],
                     str(credits.CREDIT_REASONS.get(credits.credit_reason(row.get("reason_code")) or "", row.get("reason_code", ""))))


class ProgramShare(NamedTuple):
    """The members of one points program a credit file credits, and their points."""

    program: str  # its code
    label: str
    members: int
    points: int


class CreditPreview(NamedTuple):
    """What a credit file would credit, for the operator to check before confirming it."""

    rows: int
    members: int  # the members it credits (a member on two rows counts once)
    points: int
    programs: list[ProgramShare]  # per points program, in the programs' order
    first_rows: list[CreditRow]  # the first PREVIEW_ROWS rows, masked
    credited_before: datetime | None  # when its rows were credited before (the same file uploaded again): nothing more is


def preview_credit_upload(upload: CreditUpload) -> CreditPreview:
    """The summary of a credit file's rows: rows, members, points, per program, the first rows (the phones masked), and
    whether the same rows were credited before (confirming them then credits nothing more). Two queries, whatever the
    number of rows: the summary is kept at the upload (a file uploaded before it was: summed up again)."""
    summary = upload.summary or _summary(upload.rows)
    labels = {program.code: program.label for program in Program.objects.filter(code__in=[share[0] for share in summary["programs"]])}
    before = (LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EARN, source_type="batch", source_id=upload.batch)
              .order_by("at").values_list("at", flat=True).first())
    return CreditPreview(
        rows=upload.row_count, members=summary["members"], points=summary["points"],
        programs=[ProgramShare(code, labels.get(code, code), members, points) for code, members, points in summary["programs"]],
        first_rows=credit_rows(upload, limit=PREVIEW_ROWS), credited_before=before,
    )


def _summary(rows: list[dict]) -> dict:
    """What rows credit, summed up: the members (a member on two rows counts once), the points, and per points program
    (in the programs' order) its members and their points; the members' programs read in one query, as values."""
    points_by_phone = Counter()
    for row in rows:
        points_by_phone[credits.member_phone(row["phone"])] += row["points"]
    programs: dict[str, list[int]] = {}
    for phone, code in (Member.objects.filter(phone__in=list(points_by_phone)).order_by("program_id", "pk")
                        .values_list("phone", "program__code")):
        share = programs.setdefault(code, [0, 0])
        share[0] += 1
        share[1] += points_by_phone[phone]
    return {"members": len(points_by_phone), "points": sum(points_by_phone.values()),
            "programs": [[code, members, points] for code, (members, points) in programs.items()]}


def list_credit_uploads(*, actor) -> QuerySet[CreditUpload]:
    """The credit files uploaded, newest first, for operators (none for anyone else)."""
    return CreditUpload.objects.visible_to(actor).select_related("uploaded_by").defer("rows")


def note_decisions(uploads) -> None:
    """Set `decision` on each of `uploads` (a page of them): the step that confirmed or discarded it (who, when, how:
    its history's last entry after the upload), None while it waits for the operator. One query for them all."""
    uploads = list(uploads)
    decisions = {log.object_id: log for log in histories_of(uploads) if log.source_state}
    for upload in uploads:
        upload.decision = decisions.get(upload.pk)


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
