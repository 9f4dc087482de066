"""Document numbers: prefix, local date, 12 random digits; a collision draws again instead of failing."""
import pytest
from django.db import IntegrityError

from core import numbers
from logistics.models import HandoffBatch

pytestmark = pytest.mark.django_db


def test_a_number_has_its_prefix_the_shanghai_date_and_twelve_digits(now):
    number = numbers.new_number("HB", now)

    assert number.startswith("HB20261015") and len(number) == 22 and number[10:].isdigit()


def test_a_colliding_number_is_drawn_again(monkeypatch, now):
    drawn = iter(["HB-A", "HB-A", "HB-B"])
    monkeypatch.setattr(numbers, "new_number", lambda prefix, at: next(drawn))

    first = numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="k1", created_at=now)
    second = numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="k2", created_at=now)

    assert (first.number, second.number) == ("HB-A", "HB-B")


def test_another_integrity_error_is_not_hidden(monkeypatch, now):
    drawn = iter(["HB-A", "HB-B"])
    monkeypatch.setattr(numbers, "new_number", lambda prefix, at: next(drawn))
    numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="same", created_at=now)

    with pytest.raises(IntegrityError):
        numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="same", created_at=now)
