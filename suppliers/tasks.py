"""Beat jobs of the supplier app: thin wrappers around one service each."""
from celery import shared_task
from django.utils import timezone

from suppliers.services import catalog_imports, pending_uploads, revisions


@shared_task
def publish_scheduled_gifts() -> int:
    return len(revisions.publish_scheduled_gifts(now=timezone.now()))


@shared_task
def purge_pending_uploads() -> int:
    return pending_uploads.purge_pending(now=timezone.now())


@shared_task(acks_late=True)
def import_uploaded_catalog(*, upload_id: int) -> str:
    """Import a checked catalog file (idempotent: a second delivery finds it done)."""
    return catalog_imports.import_upload(upload_id=upload_id, now=timezone.now()).status


@shared_task
def pick_up_left_behind_imports() -> tuple[int, int]:
    """Beat, every 5 minutes: catalog files no worker took up imported again (or rejected, saying why)."""
    return catalog_imports.pick_up_left_behind_imports(now=timezone.now())
