"""Importing a supplier's catalog by file from the portal (SPEC §4.2): the file is read and every row checked when it
arrives (one problem anywhere and nothing is kept or written, the problems naming their row and column); a file that
passes is kept as a `CatalogImport` and written by a task through the catalog services (catalog_io.write_catalog), in
one transaction, every row or none. The import counts the rows gone through as the task goes (core.progress), for its
page to show, and keeps the outcome for the supplier to come back to. The API imports a file at once
(catalog_io.import_catalog).
"""
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from core import jobs
from core.errors import DomainError
from core.progress import outside_the_transaction
from core.roles import SUPPLIER_ROLES, require_role
from core.tabular import Problem
from suppliers.models import CatalogImport, Supplier
from suppliers.services import catalog_io

PROGRESS_EVERY = 50  # rows gone through between two counts written on the import
Status = CatalogImport.Status


def upload_catalog_file(*, supplier: Supplier, actor, now: datetime, file_name: str, content: bytes) -> CatalogImport:
    """Check every row of a catalog file and, when all pass, keep it to be imported by a task (started on commit).

    :raises PermissionDenied: unless the actor is one of a supplier's users
    :raises ImportRejected: naming the row and column of every problem; nothing is kept or written
    """
    require_role(actor, SUPPLIER_ROLES)
    catalog_file = catalog_io.read_catalog_file(file_name=file_name, content=content)
    with transaction.atomic():
        upload = CatalogImport.objects.create(
            supplier=supplier, file_name=file_name[:200], uploaded_by=actor, uploaded_at=now, rows=catalog_file.rows,
            headings=catalog_file.headings, row_count=len(catalog_file.rows),
        )
        from suppliers.tasks import import_uploaded_catalog

        jobs.publish_on_commit(import_uploaded_catalog, upload_id=upload.pk)
    return upload


class _GivenUp(Exception):
    """The import was no longer pending when its writing was over: the writing is rolled back."""


def import_upload(*, upload_id: int, now: datetime, progress_every: int = PROGRESS_EVERY) -> CatalogImport:
    """Write every row of a pending import as its uploader, in one transaction, or none and record why (the rows the
    catalog services refused, each by row and column). Meanwhile the import counts the rows gone through (`rows_done`
    of `row_count`, every `progress_every` rows, seen by its page as it goes: core.progress). A second run (a task
    delivered twice) finds it done, or waits for the first and then finds it done, and writes nothing.

    Anything else going wrong writes nothing either: the import is rejected saying so, and the error raised.
    """
    reached = 0

    def went_through(rows: int) -> None:
        nonlocal reached
        reached = rows
        if rows % progress_every == 0:  # a worker still at it: not work left behind (core.jobs)
            report(rows_done=rows, progressed_at=timezone.now())

    def still_pending() -> bool:
        return CatalogImport.objects.filter(pk=upload_id, status=Status.PENDING).exists()

    # a worker has it, seen at once (before the writing's transaction): not work left behind (core.jobs)
    CatalogImport.objects.filter(pk=upload_id, status=Status.PENDING).update(progressed_at=now)
    try:
        with transaction.atomic(), outside_the_transaction(CatalogImport, upload_id) as report:
            upload = CatalogImport.objects.select_related("supplier").get(pk=upload_id)  # not locked: see core.progress
            if upload.status != Status.PENDING:
                return upload
            # a second run waits in here for the supplier's lock until the first is over, and finds it done
            summary = catalog_io.write_catalog(supplier=upload.supplier, actor=upload.uploaded_by, now=now, rows=upload.rows,
                                               headings=upload.headings, went_through=went_through, still_wanted=still_pending)
            if summary is None or not CatalogImport.objects.filter(pk=upload.pk, status=Status.PENDING).update(
                    status=Status.IMPORTED, rows_done=upload.row_count, finished_at=now, **vars(summary)):
                raise _GivenUp  # done by another run, or rejected meanwhile (the sweep gave up on it): write none here
    except _GivenUp:
        pass
    except catalog_io.ImportRejected as rejected:  # rows the catalog services refused
        _reject(upload_id, rejected.problems, rows_done=reached, now=now)
    except DomainError as error:
        errors = getattr(error, "errors", None) or [(None, error.code, error.detail)]
        _reject(upload_id, [Problem(None, None, code, detail) for _attr, code, detail in errors], rows_done=reached, now=now)
    except Exception:
        _reject(upload_id, [Problem(None, None, "error", gettext("导入时出错，未导入任何内容，请稍后重新上传"))], rows_done=reached, now=now)
        raise
    return CatalogImport.objects.get(pk=upload_id)


def pick_up_left_behind_imports(*, now: datetime) -> tuple[int, int]:
    """Catalog files no worker took up queued again, or after too many tries rejected writing nothing, saying why on
    their page (core.jobs.pick_up_left_behind_uploads). Returns (queued again, rejected)."""
    from suppliers.tasks import import_uploaded_catalog

    return jobs.pick_up_left_behind_uploads(CatalogImport.objects.all(), task=import_uploaded_catalog, now=now,
                                            reason=gettext("导入任务多次未能运行，未导入任何内容，请重新上传"))


def list_catalog_imports(*, actor) -> QuerySet[CatalogImport]:
    """The catalog files uploaded, newest first: a supplier's users see their own supplier's."""
    return CatalogImport.objects.visible_to(actor).select_related("uploaded_by").defer("rows")


def _reject(upload_id: int, problems: list[Problem], *, rows_done: int, now: datetime) -> None:
    jobs.reject_upload(CatalogImport.objects.filter(pk=upload_id), problems, now=now, rows_done=rows_done)
