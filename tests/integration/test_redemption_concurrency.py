"""Redemption under real concurrency (SPEC §4.5): many PostgreSQL connections racing for the same points
or the same units; exactly as many win as the balance or the stock allows, and the losers change nothing."""
import threading
import time
import uuid
from datetime import datetime

import pytest
from django.db import connections
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from core.fsm import history_of
from core.models import Notification
from core.roles import Role
from points.models import LedgerEntry, LotAllocation, PointsAccount, PointsLot, RedemptionOrder
from points.services import ledger, orders
from suppliers.models import StockMovement, StockRecord
from suppliers.services import inventory
from tests.factories import SHANGHAI, GiftFactory, MemberFactory, UserFactory, WarehouseFactory
from tests.factories import ADDRESS
from tests.helpers import published
from tests.integration.racing import lock_waiters

WAIT_SECONDS = 30
ORDER_POINTS = 1500


class Racer(threading.Thread):
    """One POST in its own thread, hence on its own database connection (closed when done); all racers
    wait at the barrier so their requests reach PostgreSQL together."""

    def __init__(self, *, user, url: str, body: dict, barrier: threading.Barrier, headers: dict | None = None) -> None:
        super().__init__(daemon=True)
        self.user, self.url, self.body, self.barrier, self.headers = user, url, body, barrier, headers or {}
        self.response = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            client = APIClient()
            client.force_authenticate(self.user)
            self.barrier.wait(WAIT_SECONDS)
            self.response = client.post(self.url, self.body, format="json", **self.headers)
        except BaseException as exc:  # re-raised in the test thread by race()
            self.error = exc
        finally:
            connections.close_all()


def race(racers: list[Racer]) -> list:
    """Start every racer, wait for all, re-raise the first unexpected exception; the responses in order."""
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(WAIT_SECONDS)
    assert not any(racer.is_alive() for racer in racers), f"a request did not return within {WAIT_SECONDS} s"
    for racer in racers:
        if racer.error is not None:
            raise racer.error
    return [racer.response for racer in racers]


def outcomes(responses) -> list[tuple[int, str]]:
    """(status, error code or order state) per response, sorted: easy to compare as a whole."""
    return sorted(
        (r.status_code, r.json()["errors"][0]["code"] if r.status_code >= 400 else r.json()["state"]) for r in responses
    )


@pytest.fixture
def listed_gift(programs):
    """A listed gift: GoTone 1500 points (no tier discount), 50 units in one warehouse."""
    operator = UserFactory(username="operator", role=Role.OPERATOR)
    gift = GiftFactory()
    now = timezone.now()
    published(gift, actor=operator, at=now)
    inventory.receive_stock(gift=gift, location=WarehouseFactory(code="WH-RACE"), quantity=50, at=now)
    return gift


def assert_ledger_consistent(account: PointsAccount) -> None:
    """Balance = sum of entries and was never negative; every lot within 0..earned and equal to its allocations."""
    account.refresh_from_db()
    running = 0
    for entry in LedgerEntry.objects.filter(account=account).order_by("id"):
        running += entry.points
        assert entry.balance_after == running >= 0, f"entry {entry.pk}: balance_after {entry.balance_after}, running {running}"
    assert account.balance == running == ledger.ledger_total(account)
    lots = PointsLot.objects.filter(account=account)
    for lot in lots:
        allocated = LotAllocation.objects.filter(lot=lot).aggregate(total=Sum("points"))["total"] or 0
        assert 0 <= lot.remaining <= lot.earned and lot.remaining == allocated, f"lot {lot.year}: {lot.remaining}/{lot.earned}, {allocated}"
    assert sum(lot.remaining for lot in lots) == account.balance


def test_twenty_concurrent_confirmations_of_a_balance_worth_three_orders_confirm_exactly_three(programs, listed_gift):
    """k = 3: 4500 points in two lots (2000 last year, 2500 this year), 20 orders of 1500 awaiting their SMS code."""
    programs["gotone"].sms_confirmation_threshold = 1000
    programs["gotone"].save(update_fields=["sms_confirmation_threshold"])
    member = MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))
    now = timezone.now()
    year = timezone.localtime(now).year
    ledger.earn_points(member=member, points=2000, source=ledger.Source("batch", "LAST-YEAR"), at=datetime(year - 1, 6, 1, tzinfo=SHANGHAI))
    ledger.earn_points(member=member, points=2500, source=ledger.Source("batch", "THIS-YEAR"), at=now)
    awaiting = [
        orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, actor=member.user, **ADDRESS) for _ in range(20)
    ]
    codes = {
        order.pk: Notification.objects.get(kind="confirmation_code", subject_id=str(order.pk)).body.split("验证码为 ")[1][:6]
        for order in awaiting
    }
    barrier = threading.Barrier(len(awaiting))

    responses = race([
        Racer(user=member.user, url=f"/api/v1/orders/{order.pk}/confirm/", body={"code": codes[order.pk]}, barrier=barrier)
        for order in awaiting
    ])

    assert all(order.code_required for order in awaiting)
    assert outcomes(responses) == [(200, "confirmed")] * 3 + [(409, "insufficient_points")] * 17
    account = PointsAccount.objects.get(member=member)
    assert account.balance == 0
    assert LedgerEntry.objects.filter(account=account, kind="redeem").count() == 3
    assert RedemptionOrder.objects.filter(state="confirmed").count() == 3
    assert set(RedemptionOrder.objects.filter(state="confirmed").values_list("redeem_entry__points", flat=True)) == {-ORDER_POINTS}
    assert RedemptionOrder.objects.filter(state="awaiting_confirmation", redeem_entry__isnull=True, location__isnull=True).count() == 17
    assert_ledger_consistent(account)
    assert sorted(PointsLot.objects.filter(account=account).values_list("year", "earned", "remaining")) == [
        (year - 1, 2000, 0), (year, 2500, 0)
    ]
    record = StockRecord.objects.get(gift=listed_gift)
    assert (record.on_hand, record.reserved) == (50, 3)
    assert StockMovement.objects.filter(gift=listed_gift, kind="reservation").count() == 3


def test_wrong_codes_sent_together_are_judged_one_at_a_time_and_none_past_the_fifth(programs, listed_gift):
    """Eight wrong guesses at once, then the right code: the five tries are counted as they were sent one by one, so
    the order locks and the right code comes too late (brute force cannot outrun the count)."""
    programs["gotone"].sms_confirmation_threshold = 1000
    programs["gotone"].save(update_fields=["sms_confirmation_threshold"])
    member = MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))
    now = timezone.now()
    ledger.earn_points(member=member, points=9000, source=ledger.Source("batch", "SETUP"), at=now)
    order = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, actor=member.user, **ADDRESS)
    right = Notification.objects.get(kind="confirmation_code", subject_id=str(order.pk)).body.split("验证码为 ")[1][:6]
    wrong = [f"{(int(right) + step) % 10**6:06d}" for step in range(1, 9)]
    barrier = threading.Barrier(len(wrong))

    responses = race([
        Racer(user=member.user, url=f"/api/v1/orders/{order.pk}/confirm/", body={"code": code}, barrier=barrier) for code in wrong
    ])
    too_late = APIClient()
    too_late.force_authenticate(member.user)
    with_right_code = too_late.post(f"/api/v1/orders/{order.pk}/confirm/", {"code": right}, format="json")

    assert outcomes(responses) == [(400, "invalid_code")] * 4 + [(409, "code_attempts_exceeded")] * 4
    assert (with_right_code.status_code, with_right_code.json()["errors"][0]["code"]) == (409, "code_attempts_exceeded")
    order.refresh_from_db()
    assert (order.state, order.code_attempts) == ("awaiting_confirmation", orders.MAX_CODE_ATTEMPTS)
    assert PointsAccount.objects.get(member=member).balance == 9000


def test_thirty_members_racing_for_five_units_get_exactly_five_orders_and_the_losers_keep_their_points(programs, listed_gift):
    warehouse = StockRecord.objects.get(gift=listed_gift).location
    inventory.write_off_stock(gift=listed_gift, location=warehouse, quantity=45, at=timezone.now())
    members = [MemberFactory(user=UserFactory(username=f"member{n}", role=Role.MEMBER)) for n in range(30)]
    for member in members:
        ledger.earn_points(member=member, points=3000, source=ledger.Source("batch", "SETUP"), at=timezone.now())
    barrier = threading.Barrier(len(members))

    responses = race([
        Racer(user=member.user, url="/api/v1/orders/", body={"gift": listed_gift.pk, "quantity": 1, **ADDRESS}, barrier=barrier,
              headers={"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())})
        for member in members
    ])

    assert outcomes(responses) == [(201, "confirmed")] * 5 + [(409, "out_of_stock")] * 25
    record = StockRecord.objects.get(gift=listed_gift)
    assert (record.on_hand, record.reserved) == (5, 5)
    assert record.on_hand - record.reserved >= 0
    assert inventory.rebuild_stock(gift=listed_gift, location=warehouse) == (5, 5)
    assert RedemptionOrder.objects.filter(state="confirmed").count() == RedemptionOrder.objects.count() == 5
    winners = set(RedemptionOrder.objects.values_list("member_id", flat=True))
    for member in members:
        account = PointsAccount.objects.get(member=member)
        assert_ledger_consistent(account)
        if member.pk in winners:
            assert account.balance == 3000 - ORDER_POINTS
        else:
            assert account.balance == 3000
            assert not LedgerEntry.objects.filter(account=account, kind="redeem").exists()


def test_cancelling_one_order_while_confirming_another_of_the_same_member_and_gift_does_not_deadlock(listed_gift, monkeypatch):
    member = MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))
    now = timezone.now()
    ledger.earn_points(member=member, points=9000, source=ledger.Source("batch", "SETUP"), at=now)
    confirmed = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, actor=member.user, **ADDRESS)
    member.program.sms_confirmation_threshold = 1000
    member.program.save(update_fields=["sms_confirmation_threshold"])
    awaiting = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, actor=member.user, **ADDRESS)
    code = Notification.objects.get(kind="confirmation_code").body.split("验证码为 ")[1][:6]
    # Hold the confirmation just before it draws points, until the cancellation is blocked on a lock (or done).
    reached_points, go_on = threading.Event(), threading.Event()
    spend_points = ledger.spend_points

    def spend_points_when_told(**kwargs):
        if threading.current_thread().name == "confirm":
            reached_points.set()
            go_on.wait(WAIT_SECONDS)
        return spend_points(**kwargs)

    monkeypatch.setattr(ledger, "spend_points", spend_points_when_told)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    confirming = threading.Thread(name="confirm", daemon=True, target=run, args=(
        lambda: orders.confirm_order(order=RedemptionOrder.objects.get(pk=awaiting.pk), code=code, now=now, actor=member.user),))
    cancelling = threading.Thread(name="cancel", daemon=True, target=run, args=(
        lambda: orders.cancel_order(order=RedemptionOrder.objects.get(pk=confirmed.pk), actor=member.user, now=now),))

    confirming.start()
    assert reached_points.wait(WAIT_SECONDS)
    cancelling.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while cancelling.is_alive() and not lock_waiters() and time.monotonic() < deadline:
        time.sleep(0.02)
    go_on.set()
    confirming.join(WAIT_SECONDS)
    cancelling.join(WAIT_SECONDS)

    assert not errors, f"{type(errors[0]).__name__}: {errors[0]}"
    assert dict(RedemptionOrder.objects.values_list("pk", "state")) == {confirmed.pk: "cancelled", awaiting.pk: "confirmed"}
    assert_ledger_consistent(PointsAccount.objects.get(member=member))


@pytest.mark.parametrize("attempt", range(3))
def test_confirming_and_cancelling_the_same_order_waiting_for_its_code_together_lets_exactly_one_through(programs, listed_gift, attempt):
    """Whichever wins, the order ends as it says: confirmed with its points drawn and its units reserved, or cancelled
    with nothing drawn or reserved, the other request a 409 changing nothing; or, when the confirmation committed before
    the cancellation read the order, both go through: a confirmed order cancelled, its points refunded and its units
    released."""
    programs["gotone"].sms_confirmation_threshold = 1000
    programs["gotone"].save(update_fields=["sms_confirmation_threshold"])
    member = MemberFactory(user=UserFactory(username="member", role=Role.MEMBER))
    now = timezone.now()
    ledger.earn_points(member=member, points=3000, source=ledger.Source("batch", "SETUP"), at=now)
    awaiting = orders.place_order(member=member, gift_id=listed_gift.pk, quantity=1, now=now, actor=member.user, **ADDRESS)
    code = Notification.objects.get(kind="confirmation_code", subject_id=str(awaiting.pk)).body.split("验证码为 ")[1][:6]
    barrier = threading.Barrier(2)

    confirming, cancelling = race([
        Racer(user=member.user, url=f"/api/v1/orders/{awaiting.pk}/confirm/", body={"code": code}, barrier=barrier),
        Racer(user=member.user, url=f"/api/v1/orders/{awaiting.pk}/cancel/", body={}, barrier=barrier),
    ])

    order = RedemptionOrder.objects.get(pk=awaiting.pk)
    account = PointsAccount.objects.get(member=member)
    record = StockRecord.objects.get(gift=listed_gift)
    if (confirming.status_code, cancelling.status_code) == (200, 200):
        assert order.state == "cancelled" and (account.balance, record.reserved) == (3000, 0)
        assert LedgerEntry.objects.filter(account=account, kind="redeem").exists()
        assert [row.transition for row in history_of(order)] == ["place", "confirm", "cancel"]
    elif order.state == "confirmed":
        assert sorted([confirming.status_code, cancelling.status_code]) == [200, 409]
        assert confirming.status_code == 200 and (account.balance, record.reserved) == (3000 - ORDER_POINTS, 1)
    else:
        assert (order.state, cancelling.status_code, confirming.status_code) == ("cancelled", 200, 409)
        assert (account.balance, record.reserved, order.redeem_entry_id) == (3000, 0, None)
        assert not LedgerEntry.objects.filter(account=account, kind="redeem").exists()
    assert_ledger_consistent(account)
