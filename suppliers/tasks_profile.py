"""Beat job of supplier paperwork: the daily qualification expiry sweep (a thin wrapper around one service)."""
from celery import shared_task
from django.utils import timezone

from suppliers.services import qualifications


@shared_task
def sweep_qualifications() -> dict[str, int]:
    """Warn of qualifications expiring within 30 days and delist what expired ones covered; safe to run twice."""
    result = qualifications.sweep_qualifications(now=timezone.now())
    return {"warned": len(result.warned), "expired": len(result.expired), "delisted_gifts": len(result.delisted_gifts)}
