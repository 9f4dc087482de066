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
from django.utils.translation import gettext

from core import jobs
from core.roles import SUPPLIER_ROLES, require_role
from suppliers.errors import RevisionPending
from suppliers.models import CatalogImport, GiftRevision, Supplier
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


def import_upload(*, upload_id: int, now: datetime, progress_every: int = PROGRESS_EVERY) -> CatalogImport:
    """Write every row of a pending import as its uploader, in one transaction, or none and record why (the rows the
    catalog services refused, each by row and column). Meanwhile the import counts the rows gone through (`rows_done`
    of `row_count`, every `progress_every` rows, seen by its page as it goes). A second run (a task delivered twice)
    finds it done, or waits for the first and then finds it done, and writes nothing (core.jobs.work_through_upload).

    Nothing is written either when something else goes wrong: another refusal (a DomainError) rejects the import with
    what it says; any other error rejects it saying the import failed, and is raised.
    """
    def write(upload: CatalogImport, went_through) -> dict | None:
        # a second run waits in here for the supplier's lock until the first is over, and finds it done
        summary = catalog_io.write_catalog(
            supplier=upload.supplier, actor=upload.uploaded_by, now=now, rows=upload.rows, headings=upload.headings,
            went_through=went_through, still_wanted=CatalogImport.objects.filter(pk=upload.pk, status=Status.PENDING).exists,
        )
        return None if summary is None else {"status": Status.IMPORTED, **vars(summary)}

    return jobs.work_through_upload(upload_id, model=CatalogImport, now=now, progress_every=progress_every, work=write,
                                    failed=gettext("导入时出错，未导入任何内容，请稍后重新上传"))


def pick_up_left_behind_imports(*, now: datetime) -> tuple[int, int]:
    """Catalog files no worker took up queued again, or after too many tries rejected writing nothing, saying why on
    their page (core.jobs.pick_up_left_behind_uploads). Returns (queued again, rejected)."""
    from suppliers.tasks import import_uploaded_catalog

    return jobs.pick_up_left_behind_uploads(CatalogImport.objects.all(), task=import_uploaded_catalog, now=now,
                                            reason=gettext("导入任务多次未能运行，未导入任何内容，请重新上传"))


def list_catalog_imports(*, actor) -> QuerySet[CatalogImport]:
    """The catalog files uploaded, newest first: a supplier's users see their own supplier's."""
    return CatalogImport.objects.visible_to(actor).select_related("uploaded_by").defer("rows")


def revisions_in_the_way(upload: CatalogImport) -> dict[int, GiftRevision]:
    """{row number: the revision waiting for review of its gift} for the rows of a rejected import refused for such a
    revision (`catalog_io.revision_in_the_way`), while one still waits: its page links each, for the supplier to
    withdraw it and upload the file again. One query."""
    refused = {problem["row"] for problem in upload.problems or [] if problem.get("code") == RevisionPending.code}
    skus = {row[1]: row[0] for row in upload.rows or [] if row[0] in refused}
    if not skus:
        return {}
    waiting = GiftRevision.objects.filter(gift__supplier_id=upload.supplier_id, gift__sku__in=skus, state=GiftRevision.State.PENDING)
    return {skus[revision.gift.sku]: revision for revision in waiting.select_related("gift").only("gift__sku", "gift_id")}
