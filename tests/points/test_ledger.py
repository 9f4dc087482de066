"""Ledger rules (SPEC §4.4): keys post once, no overdraft, exact reversal, expiry once, balance = sum of entries."""
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from core.errors import ValidationFailed
from core.models import Notification
from points.errors import InsufficientPoints
from points.models import LedgerEntry, PointsAccount, PointsLot
from points.services import credits, ledger
from points.services.ledger import Source
from tests.factories import SHANGHAI, MemberFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=SHANGHAI)


def balance_of(member) -> int:
    return PointsAccount.objects.get(member=member).balance


def test_a_retried_credit_posts_once(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1", 1), at=T0)
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1", 1), at=T0)

    assert balance_of(member) == 100
    assert LedgerEntry.objects.count() == 1


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)

    with pytest.raises(InsufficientPoints):
        ledger.spend_points(member=member, points=101, source=Source("order", "1"), at=T0)

    assert balance_of(member) == 100
    assert list(PointsLot.objects.values_list("remaining", flat=True)) == [100]
    assert LedgerEntry.objects.count() == 1


def test_points_in_a_lot_past_its_expiry_cannot_be_spent_even_before_the_job_runs(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)

    with pytest.raises(InsufficientPoints):
        ledger.spend_points(member=member, points=10, source=Source("order", "1"), at=datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI))


def test_points_can_be_spent_until_the_second_before_their_lot_expires_and_not_at_it(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)  # expires 31 December 2026 23:59:59

    ledger.spend_points(member=member, points=10, source=Source("order", "1"), at=datetime(2026, 12, 31, 23, 59, 58, tzinfo=SHANGHAI))
    with pytest.raises(InsufficientPoints):
        ledger.spend_points(member=member, points=10, source=Source("order", "2"), at=datetime(2026, 12, 31, 23, 59, 59, tzinfo=SHANGHAI))

    assert balance_of(member) == 90


def test_points_credited_just_after_midnight_on_1_january_in_shanghai_belong_to_the_new_year(member):
    new_years_night = datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI)  # still 31 December 2025 in UTC

    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=new_years_night)

    assert ledger.upcoming_expiries(member=member, now=new_years_night) == [
        {"year": 2026, "points": 100, "expires_at": datetime(2027, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)}
    ]


def test_upcoming_expiries_leave_out_a_lot_spent_to_nothing(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)
    ledger.earn_points(member=member, points=50, source=Source("batch", "B2"), at=T0.replace(year=2026))
    ledger.spend_points(member=member, points=100, source=Source("order", "1"), at=T0.replace(year=2026))

    upcoming = ledger.upcoming_expiries(member=member, now=T0.replace(year=2026))

    assert upcoming == [{"year": 2026, "points": 50, "expires_at": datetime(2027, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)}]


def test_points_refunded_at_the_second_their_lot_expires_expire_at_once(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)  # expires 31 December 2026 23:59:59
    redeem = ledger.spend_points(member=member, points=60, source=Source("order", "1"), at=T0)
    expiry = datetime(2026, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
    ledger.expire_due_lots(now=expiry)

    refund = ledger.refund_points(redeem=redeem, points=60, source=Source("cancel", "1"), at=expiry)

    assert refund.expired_at_once is not None and refund.expired_at_once.points == -60
    assert balance_of(member) == 0


def test_a_refund_cannot_exceed_what_the_redemption_still_has_drawn(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)
    redeem = ledger.spend_points(member=member, points=60, source=Source("order", "1"), at=T0)
    ledger.refund_points(redeem=redeem, points=50, source=Source("return", "R1"), at=T0)

    with pytest.raises(ValidationFailed):
        ledger.refund_points(redeem=redeem, points=11, source=Source("return", "R2"), at=T0)

    assert balance_of(member) == 90


def test_expiry_runs_once_and_a_lot_expires_at_2359_59_on_31_december_of_the_next_year(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)

    before = ledger.expire_due_lots(now=datetime(2026, 12, 31, 23, 59, 58, tzinfo=SHANGHAI))
    at_expiry = ledger.expire_due_lots(now=datetime(2026, 12, 31, 23, 59, 59, tzinfo=SHANGHAI))
    again = ledger.expire_due_lots(now=datetime(2027, 1, 1, 0, 5, tzinfo=SHANGHAI))

    assert (len(before), len(at_expiry), len(again)) == (0, 1, 0)
    assert balance_of(member) == 0


@pytest.mark.parametrize(("beat", "reminded"), [
    (datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI), False),
    (datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI), True),
    (datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), True),
], ids=["30 November 23:59", "1 December 00:00", "1 December 10:00 (beat)"])
def test_the_expiry_reminder_goes_out_from_the_day_30_days_before_the_expiry_day(member, beat, reminded):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)  # expires 31 December 2026 23:59:59

    sent = credits.remind_expiring_points(now=beat)

    assert sent == int(reminded)
    assert Notification.objects.filter(kind="points_expiring", phone=member.phone).count() == int(reminded)


def test_a_negative_adjustment_draws_like_a_redemption_and_a_positive_one_lands_in_this_years_lot(member):
    ledger.earn_points(member=member, points=100, source=Source("batch", "B1"), at=T0)
    ledger.earn_points(member=member, points=100, source=Source("batch", "B2"), at=T0.replace(year=2026))

    ledger.adjust_points(member=member, points=-150, source=Source("complaint", "C1"), at=T0.replace(year=2026), reason_code="goodwill_reversal")
    ledger.adjust_points(member=member, points=30, source=Source("complaint", "C2"), at=T0.replace(year=2026), reason_code="goodwill")

    assert dict(PointsLot.objects.values_list("year", "remaining")) == {2025: 0, 2026: 80}
    assert balance_of(member) == 80


def test_the_database_refuses_a_negative_balance_and_an_edited_key(member):
    ledger.earn_points(member=member, points=10, source=Source("batch", "B1"), at=T0)

    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(member=member).update(balance=-1)
    entry = LedgerEntry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=entry.account, kind="earn", points=5, balance_after=15, reason_code="x", source_type="batch", source_id="B1", at=T0
        )


@pytest.mark.parametrize("points", [0, -5, 1.5, True])
def test_non_positive_or_non_integer_points_are_refused(member, points):
    with pytest.raises(ValidationFailed) as refused:
        ledger.earn_points(member=member, points=points, source=Source("batch", "B1"), at=T0)

    assert refused.value.field == "points"
    assert not LedgerEntry.objects.exists()


class LedgerMachine(RuleBasedStateMachine):
    """Random earns, redemptions, partial refunds, cancellations and expiry runs while time moves on."""

    def __init__(self):
        super().__init__()
        self.member = MemberFactory()
        self.now = T0
        self.redemptions = []
        self.counter = 0

    def key(self, kind: str) -> Source:
        self.counter += 1
        return Source(kind, str(self.counter))

    @rule(points=st.integers(1, 5000))
    def earn(self, points):
        ledger.earn_points(member=self.member, points=points, source=self.key("batch"), at=self.now)

    @rule(points=st.integers(1, 6000))
    def redeem(self, points):
        try:
            self.redemptions.append(ledger.spend_points(member=self.member, points=points, source=self.key("order"), at=self.now))
        except InsufficientPoints:
            pass

    @precondition(lambda self: self.redemptions)
    @rule(data=st.data())
    def partial_refund(self, data):
        redeem = data.draw(st.sampled_from(self.redemptions))
        left = sum(ledger.still_drawn(redeem).values())
        if left:
            ledger.refund_points(redeem=redeem, points=data.draw(st.integers(1, left)), source=self.key("return"), at=self.now)

    @precondition(lambda self: self.redemptions)
    @rule(data=st.data())
    def cancel(self, data):
        redeem = data.draw(st.sampled_from(self.redemptions))
        left = sum(ledger.still_drawn(redeem).values())
        if left:
            ledger.refund_points(redeem=redeem, points=left, source=self.key("cancel"), at=self.now)

    @rule(days=st.integers(1, 400))
    def time_passes_and_expiry_runs(self, days):
        self.now += timedelta(days=days)
        ledger.expire_due_lots(now=self.now)

    @invariant()
    def balance_is_the_sum_of_entries_and_never_negative(self):
        account = ledger.account_of(self.member)
        assert account.balance == ledger.ledger_total(account) >= 0

    @invariant()
    def every_lot_stays_between_zero_and_what_it_earned(self):
        lots = PointsLot.objects.filter(account__member=self.member)
        assert all(0 <= lot.remaining <= lot.earned for lot in lots)
        assert sum(lot.remaining for lot in lots) == ledger.account_of(self.member).balance


def test_random_ledger_histories_keep_every_invariant(db):
    def run():
        with transaction.atomic():
            LedgerMachine.TestCase.settings = settings(
                max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
            )
            runner = LedgerMachine.TestCase("runTest")
            runner.runTest()
            transaction.set_rollback(True)

    run()
