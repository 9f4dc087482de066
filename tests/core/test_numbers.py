"""Document numbers: prefix, local date, 12 random digits; a collision draws again instead of failing."""
import pytest
from django.db import IntegrityError

from core import numbers
from logistics.models import HandoffBatch

pytestmark = pytest.mark.django_db


def draws(monkeypatch, drawn: list[str]) -> None:
    """Numbers are drawn in this order from now on."""
    taken = iter(drawn)
    monkeypatch.setattr(numbers, "new_number", lambda prefix, at: next(taken))


def test_a_number_has_its_prefix_the_shanghai_date_and_twelve_digits(now):
    number = numbers.new_number("HB", now)

    assert number.startswith("HB20261015") and len(number) == 22 and number[10:].isdigit()


def test_a_colliding_number_is_drawn_again(monkeypatch, now):
    draws(monkeypatch, ["HB-A", "HB-A", "HB-B"])

    first = numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="k1", created_at=now)
    second = numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="k2", created_at=now)

    assert (first.number, second.number) == ("HB-A", "HB-B")


def test_another_integrity_error_is_not_hidden(monkeypatch, now):
    draws(monkeypatch, ["HB-A", "HB-B"])
    numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="same", created_at=now)

    with pytest.raises(IntegrityError):
        numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="same", created_at=now)


def test_in_a_redrawn_transaction_a_taken_number_runs_the_whole_work_again_without_savepoints(monkeypatch, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draws(monkeypatch, ["HB-A", "HB-A", "HB-B"])
    numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="k1", created_at=now)
    runs = []

    def work():
        runs.append(HandoffBatch.objects.create(number="HB-X" + str(len(runs)), key=f"before-{len(runs)}", created_at=now))
        return numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="k2", created_at=now)

    with CaptureQueriesContext(connection) as queries:
        second = numbers.redrawn_transaction(work)

    assert second.number == "HB-B" and len(runs) == 2
    assert set(HandoffBatch.objects.values_list("key", flat=True)) == {"k1", "before-1", "k2"}  # the first run left nothing
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2  # one per run: the test's own transaction holds redrawn_transaction's; none for the numbers


def test_in_a_redrawn_transaction_another_integrity_error_is_raised_at_once(monkeypatch, now):
    draws(monkeypatch, ["HB-A", "HB-B", "HB-C"])
    numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="same", created_at=now)
    runs = []

    def work():
        runs.append(1)
        return numbers.create_numbered(HandoffBatch, prefix="HB", now=now, key="same", created_at=now)

    with pytest.raises(IntegrityError):
        numbers.redrawn_transaction(work)
    assert len(runs) == 1
