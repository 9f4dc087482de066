"""Human-readable document numbers (RO20261015…, HB…, IB…): a prefix, the local date and 12 random digits."""
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

ATTEMPTS = 3
T = TypeVar("T")


def new_number(prefix: str, now: datetime) -> str:
    return f"{prefix}{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**12):012d}"


def numbered(model: type[models.Model], *, prefix: str, now: datetime, write: Callable[[str], T], field: str = "number") -> T:
    """Run `write(number)` with a fresh number in one transaction (a savepoint when nested), all again with
    another number on the (about 1 in 10⁸ a day) chance that the number was taken."""
    for attempt in range(ATTEMPTS):
        number = new_number(prefix, now)
        try:
            with transaction.atomic():
                return write(number)
        except IntegrityError:
            taken = model.objects.filter(**{field: number}).exists()
            if attempt == ATTEMPTS - 1 or not taken:
                raise
    raise AssertionError("unreachable")


def create_numbered(model: type[models.Model], *, prefix: str, now: datetime, field: str = "number", **values) -> models.Model:
    """Create a row with a fresh number (see `numbered`)."""
    return numbered(model, prefix=prefix, now=now, field=field, write=lambda number: model.objects.create(**{field: number}, **values))
