"""A supplier is reminded, once per lot, that a leftover lot's collection deadline is near, before storage fees start
(SPEC §4.8): in its inbox, linking to its lots, and by SMS to its contact at 08:00 rather than when the 00:10 run writes it."""
from datetime import timedelta

import pytest
from django.conf import settings

from core.notifications.backends import MemoryBackend
from core.services import send_due_notifications
from logistics.models import LeftoverLot
from logistics.services import leftovers
from logistics.tasks_leftovers import remind_collection_due
from suppliers.models import Notice
from tests.logistics.leftover_world import DEADLINE, at_0010

pytestmark = pytest.mark.django_db

REMINDER_TITLE = "遗留礼品请于 %(deadline)s 前取回：%(gift)s（%(location)s）"


def reminders() -> list[Notice]:
    return list(Notice.objects.filter(title=REMINDER_TITLE).order_by("params__location"))


def test_lots_due_in_more_than_three_days_are_not_reminded_yet(lots):
    reminded = leftovers.remind_collection_due(now=at_0010(DEADLINE - timedelta(days=4)))

    assert reminded == [] and reminders() == []


def test_each_open_lot_is_reminded_once_three_days_before_its_deadline(lots, warehouses):
    first = leftovers.remind_collection_due(now=at_0010(DEADLINE - timedelta(days=3)))
    again = leftovers.remind_collection_due(now=at_0010(DEADLINE - timedelta(days=2)))

    a, b = lots
    assert (sorted(first), again) == (sorted([a.pk, b.pk]), [])
    notice = reminders()[0]
    assert (notice.supplier_id, notice.link) == (a.supplier_id, "/logistics/leftovers/")
    assert notice.body_text == f"礼品 {a.gift.sku} 在 华东A仓 的 5 件遗留库存请于 {DEADLINE:%Y-%m-%d} 前取回；逾期起每批次每日收取仓储费。"
    assert len(reminders()) == 2


def test_a_lot_collected_or_past_its_deadline_is_not_reminded(lots, logistics):
    a, b = lots
    leftovers.collect_lot(lot=a, actor=logistics, now=at_0010(DEADLINE - timedelta(days=5)))

    reminded = leftovers.remind_collection_due(now=at_0010(DEADLINE + timedelta(days=1)))
    near = leftovers.remind_collection_due(now=at_0010(DEADLINE - timedelta(days=1)))

    assert reminded == [] and near == [b.pk]


def test_a_lot_not_reminded_yet_is_reminded_on_its_deadline_day_itself_the_last_day_to_collect_free(lots):
    reminded = leftovers.remind_collection_due(now=at_0010(DEADLINE))

    assert sorted(reminded) == sorted(lot.pk for lot in lots) and len(reminders()) == 2


def test_the_daily_run_texts_the_contact_the_reminder_at_eight_not_at_night(lots, time_machine):
    a, _ = lots
    night = at_0010(DEADLINE - timedelta(days=3))
    time_machine.move_to(night, tick=False)
    send_due_notifications(now=night - timedelta(hours=12))  # what the retirement texted went out the day before
    texted_before = len(MemoryBackend.outbox)

    remind_collection_due()
    send_due_notifications(now=night + timedelta(minutes=5))
    at_night = MemoryBackend.outbox[texted_before:]
    send_due_notifications(now=night.replace(hour=8))

    bodies = sorted(m["body"] for m in MemoryBackend.outbox[texted_before:])
    assert at_night == []
    assert bodies == sorted(f"【积分商城礼品商平台】遗留礼品请于 {DEADLINE:%Y-%m-%d} 前取回：{a.gift.name}（{place}）" for place in ("华东A仓", "华南B仓"))
    assert {m["phone"] for m in MemoryBackend.outbox[texted_before:]} == {a.supplier.contact_phone}
    assert LeftoverLot.objects.filter(reminded_at=night).count() == 2
    schedule = settings.CELERY_BEAT_SCHEDULE["remind-leftover-collection"]
    assert schedule["task"] == remind_collection_due.name and (schedule["schedule"].hour, schedule["schedule"].minute) == ({0}, {10})
