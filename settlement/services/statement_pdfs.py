"""Statement PDFs rendered by a task (versions of more than STATEMENT_PDF_INLINE_LINES lines): what happens when it
does not come. A version issued without its PDF whose render was queued a while ago and has not stored it (the task
never published, or lost with the broker) is queued again by beat (core.jobs); rendering is deterministic, so a
render that comes twice stores the same bytes with the same SHA-256 once (statements.store_pdf)."""
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Coalesce

from core import jobs
from settlement.models import StatementVersion


def waiting_for_pdf():
    """The issued versions whose PDF is not stored yet."""
    return StatementVersion.objects.filter(issued_at__isnull=False, pdf="")


def pick_up_left_behind_pdfs(*, now: datetime) -> int:
    """Queue again the render of every issued version still without its PDF since `core.jobs.left_behind_before(now)`
    (counted from when it was last queued, or issued); each is then left another while. Returns how many."""
    from settlement.tasks import render_statement_pdf

    left = (waiting_for_pdf().annotate(last_queued=Coalesce("pdf_queued_at", "issued_at"))
            .filter(last_queued__lt=jobs.left_behind_before(now)).values_list("pk", flat=True))
    with transaction.atomic():
        pks = list(left)
        StatementVersion.objects.filter(pk__in=pks).update(pdf_queued_at=now)
        for pk in pks:
            jobs.publish_on_commit(render_statement_pdf, version_id=pk)
    return len(pks)
