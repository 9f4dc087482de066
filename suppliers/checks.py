"""Configuration checks of suppliers (`manage.py check`, run by every management command and at server start)."""
from django.conf import settings
from django.core.checks import Error, register

#: days a replenishment request is due after it is raised, unless REPLENISHMENT_DUE_DAYS says otherwise (SPEC §4.3)
DEFAULT_REPLENISHMENT_DUE_DAYS = 7


def replenishment_due_days() -> int:
    """REPLENISHMENT_DUE_DAYS as it is set now (`check_replenishment_due_days` refuses anything but a whole number ≥ 1)."""
    return getattr(settings, "REPLENISHMENT_DUE_DAYS", DEFAULT_REPLENISHMENT_DUE_DAYS)


@register("suppliers")
def check_replenishment_due_days(app_configs=None, **kwargs) -> list:
    """A replenishment request falls due a whole number of days, at least one, after it is raised."""
    days = replenishment_due_days()
    if isinstance(days, int) and not isinstance(days, bool) and days >= 1:
        return []
    return [Error(f"REPLENISHMENT_DUE_DAYS is {days!r}: replenishment requests would fall due on no valid date.",
                  hint="Set it to a whole number of days, at least 1 (default 7). See docs/operations.md.", id="suppliers.E001")]
