"""Beat jobs of the supplier app: thin wrappers around one service each."""
from celery import shared_task
from django.utils import timezone

from suppliers.services import pending_uploads, revisions


@shared_task
def publish_scheduled_gifts() -> int:
    return len(revisions.publish_scheduled_gifts(now=timezone.now()))


@shared_task
def purge_pending_uploads() -> int:
    return pending_uploads.purge_pending(now=timezone.now())
