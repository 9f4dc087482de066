"""Two bulk credits with one batch id and different rows at once, on PostgreSQL: the batch id names one batch, so one
posts and the other, waiting for it, is refused as taken."""
import threading

import pytest

from core.roles import Role
from points.errors import BatchTaken
from points.models import LedgerEntry
from points.services import credits, ledger
from tests.factories import MemberFactory, UserFactory
from tests.integration.racing import WAIT_SECONDS, Background, lock_waiters, until


def test_two_batches_sent_at_once_under_one_batch_id_post_one_and_refuse_the_other(programs, now, monkeypatch):
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    first_member, second_member = MemberFactory(), MemberFactory()
    reached, go_on = threading.Semaphore(0), threading.Event()
    earn_points = ledger.earn_points

    def earn_when_told(**kwargs):  # a batch found its id free and is about to post
        reached.release()
        assert go_on.wait(WAIT_SECONDS)
        return earn_points(**kwargs)

    monkeypatch.setattr(ledger, "earn_points", earn_when_told)

    def credit(member, points):
        return lambda: credits.credit_points_in_bulk(batch_id="B-1", rows=[{"phone": member.phone, "points": points}], actor=operator,
                                                     now=now)

    first = Background(credit(first_member, 100), name="first batch")
    assert reached.acquire(timeout=WAIT_SECONDS)
    second = Background(credit(second_member, 999), name="second batch")
    until(lambda: reached.acquire(blocking=False) or lock_waiters() or not second.is_alive())
    go_on.set()

    assert first.finished().replayed is False
    with pytest.raises(BatchTaken):
        second.finished()
    posted = LedgerEntry.objects.filter(source_type="batch", source_id="B-1")
    assert list(posted.values_list("account__member__phone", "points")) == [(first_member.phone, 100)]
