"""Correcting a parcel's waybill twice at once on PostgreSQL (a double click): the correction leaves the parcel shipped,
so the state cannot tell the two apart; the second waits for the first and is refused as the same waybill."""
import threading

import pytest

from core.errors import ValidationFailed
from core.fsm import history_of
from core.models import Notification
from logistics.models import Shipment
from logistics.services import shipments
from tests.integration.racing import WAIT_SECONDS, Background, lock_waiters, until
from tests.logistics.conftest import confirmed_order, handed_over, shipped  # noqa: F401  (fixtures)


def test_a_waybill_correction_sent_twice_at_once_is_made_and_texted_once(programs, shipped, logistics, now, monkeypatch):  # noqa: F811
    texts_before = Notification.objects.filter(kind="shipped").count()
    reached, go_on = threading.Semaphore(0), threading.Event()
    apply_transition = shipments.apply_transition

    def apply_when_told(*args, **kwargs):  # a correction about to write the new waybill
        reached.release()
        assert go_on.wait(WAIT_SECONDS)
        return apply_transition(*args, **kwargs)

    monkeypatch.setattr(shipments, "apply_transition", apply_when_told)

    def correct():
        return shipments.correct_tracking(shipment=Shipment.objects.get(pk=shipped.pk), actor=logistics, now=now, carrier="顺丰",
                                          tracking_number="SF2002", reason="录错")

    first = Background(correct, name="first click")
    assert reached.acquire(timeout=WAIT_SECONDS)
    second = Background(correct, name="second click")
    until(lambda: reached.acquire(blocking=False) or lock_waiters() or not second.is_alive())
    go_on.set()

    assert first.finished().tracking_number == "SF2002"
    with pytest.raises(ValidationFailed) as refused:
        second.finished()
    assert refused.value.field == "tracking_number"
    corrections = [str(log.reason) for log in history_of(Shipment.objects.get(pk=shipped.pk)) if log.transition == "correct_tracking"]
    assert len(corrections) == 1
    assert Notification.objects.filter(kind="shipped").count() == texts_before + 1
