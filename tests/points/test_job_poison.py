"""Beat jobs of points (SPEC §4.4): a lot whose expiry or reminder fails is left for the next run and never stops the
others; the next run does it, and a second run posts or sends nothing twice."""
from datetime import datetime, timedelta

import pytest

from core.models import Notification
from points.models import LedgerEntry, PointsLot
from points.services import credits, ledger
from points.services.ledger import Source
from tests.factories import SHANGHAI
from tests.helpers import unresolved_failures

pytestmark = pytest.mark.django_db

EARNED = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)
EXPIRY = datetime(2026, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)  # of the lots of 2025


@pytest.fixture
def two_lots(member, other_member) -> tuple[PointsLot, PointsLot]:
    for who in (member, other_member):
        ledger.earn_points(member=who, points=100, source=Source("batch", f"B{who.pk}"), at=EARNED)
    return PointsLot.objects.get(account__member=member), PointsLot.objects.get(account__member=other_member)


def test_a_lot_whose_expiry_fails_is_expired_by_the_next_run_and_the_others_on_time(two_lots, monkeypatch):
    poison, fine = two_lots
    real = ledger._post

    def post(*, account_id, **kwargs):
        if account_id == poison.account_id:
            raise RuntimeError("deadlock detected")
        return real(account_id=account_id, **kwargs)

    monkeypatch.setattr(ledger, "_post", post)

    expired = ledger.expire_due_lots(now=EXPIRY)

    assert [entry.account_id for entry in expired] == [fine.account_id]
    assert PointsLot.objects.get(pk=poison.pk).expired_at is None  # its claim rolled back with it
    assert unresolved_failures("points.expire_due_lots") == {f"points.pointslot:{poison.pk}": 1}
    monkeypatch.undo()
    assert [entry.account_id for entry in ledger.expire_due_lots(now=EXPIRY + timedelta(hours=1))] == [poison.account_id]
    assert unresolved_failures("points.expire_due_lots") == {}
    assert ledger.expire_due_lots(now=EXPIRY + timedelta(hours=2)) == []
    assert LedgerEntry.objects.filter(kind="expire").count() == 2


def test_a_reminder_that_fails_is_sent_by_the_next_run_and_the_others_on_time(two_lots, monkeypatch):
    poison, fine = two_lots
    real = credits.notify

    def notify(*, subject, **kwargs):
        if subject.pk == poison.pk:
            raise RuntimeError("template missing")
        return real(subject=subject, **kwargs)

    monkeypatch.setattr(credits, "notify", notify)
    month_before = EXPIRY - timedelta(days=20)

    sent = credits.remind_expiring_points(now=month_before)

    assert sent == 1
    assert list(PointsLot.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True)) == [fine.pk]
    assert unresolved_failures("points.remind_expiring_points") == {f"points.pointslot:{poison.pk}": 1}
    monkeypatch.undo()
    assert credits.remind_expiring_points(now=month_before + timedelta(days=1)) == 1
    assert unresolved_failures("points.remind_expiring_points") == {}
    assert credits.remind_expiring_points(now=month_before + timedelta(days=2)) == 0
    assert Notification.objects.filter(kind="points_expiring").count() == 2
