"""Human-readable document numbers (RO20261015…, HB…, IB…): a prefix, the local date and 12 random digits."""
import secrets
from datetime import datetime

from django.db import IntegrityError, models, transaction
from django.utils import timezone

ATTEMPTS = 3


def new_number(prefix: str, now: datetime) -> str:
    return f"{prefix}{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**12):012d}"


def create_numbered(model: type[models.Model], *, prefix: str, now: datetime, field: str = "number", **values) -> models.Model:
    """Create a row with a fresh number, drawing again on the (about 1 in 10⁸ a day) chance of a collision."""
    for attempt in range(ATTEMPTS):
        number = new_number(prefix, now)
        try:
            with transaction.atomic():
                return model.objects.create(**{field: number}, **values)
        except IntegrityError:
            taken = model.objects.filter(**{field: number}).exists()
            if attempt == ATTEMPTS - 1 or not taken:
                raise
    raise AssertionError("unreachable")
