"""Human-readable document numbers (RO20261015…, HB…, IB…): a prefix, the local date and 12 random digits."""
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core.validators import folded

ATTEMPTS = 3
T = TypeVar("T")

#: the numbers drawn in the transaction `redrawn_transaction` runs (model, field, number); None outside one
_drawn: ContextVar[list[tuple[type[models.Model], str, str]] | None] = ContextVar("drawn_numbers", default=None)


def new_number(prefix: str, now: datetime) -> str:
    return f"{prefix}{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10**12):012d}"


def typed_number(text: str | None) -> str:
    """A document number as people type one, as it is stored: upper-case, full-width forms read as plain ones (NFKC),
    without spaces around it ("ro2026…", "ＩＢ２０２６…" are "RO2026…", "IB2026…"). The one reading of a typed number
    wherever one is looked up: forms, the shipping file, a carrier event's order number."""
    return folded(text).upper()


def numbered(model: type[models.Model], *, prefix: str, now: datetime, write: Callable[[str], T], field: str = "number") -> T:
    """Run `write(number)` with a fresh number in one transaction (a savepoint when nested), all again with
    another number on the (about 1 in 10⁸ a day) chance that the number was taken.

    Inside `redrawn_transaction` no savepoint is set (two round trips on a hot path): a taken number fails that
    whole transaction, which it then runs again.
    """
    drawn = _drawn.get()
    if drawn is not None and transaction.get_connection().in_atomic_block:
        number = new_number(prefix, now)
        drawn.append((model, field, number))
        return write(number)
    for attempt in range(ATTEMPTS):
        number = new_number(prefix, now)
        try:
            with transaction.atomic():
                return write(number)
        except IntegrityError:
            if attempt == ATTEMPTS - 1 or not _taken([(model, field, number)]):
                raise
    raise AssertionError("unreachable")


def redrawn_transaction(work: Callable[[], T]) -> T:
    """Run `work()` in one transaction in which `numbered` writes without savepoints; when a number it drew turns out
    taken, roll it all back and run it again (ATTEMPTS in all). Any other IntegrityError is raised."""
    for attempt in range(ATTEMPTS):
        drawn: list = []
        token = _drawn.set(drawn)
        try:
            with transaction.atomic():
                return work()
        except IntegrityError:
            if attempt == ATTEMPTS - 1 or not _taken(drawn):
                raise
        finally:
            _drawn.reset(token)
    raise AssertionError("unreachable")


def _taken(drawn: list[tuple[type[models.Model], str, str]]) -> bool:
    """Whether another transaction holds one of these numbers (read after ours rolled back)."""
    return any(model.objects.filter(**{field: number}).exists() for model, field, number in drawn)


def create_numbered(model: type[models.Model], *, prefix: str, now: datetime, field: str = "number", **values) -> models.Model:
    """Create a row with a fresh number (see `numbered`)."""
    return numbered(model, prefix=prefix, now=now, field=field, write=lambda number: model.objects.create(**{field: number}, **values))
