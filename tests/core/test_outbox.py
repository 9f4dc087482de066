"""The notification outbox: same transaction as the event, quiet hours, opt-out, at-least-once with stable ids."""
import io
import json
import logging
import signal
import stat
import string
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import OperationalError, transaction

from core.management.commands import relay_notifications
from core.models import Notification
from core.notifications import KINDS, MEMBER_KINDS, notify, one_line, quiet_until
from core.notifications.backends import FileBackend, MemoryBackend
from core.services import send_due_notifications, send_notification
from tests.factories import SHANGHAI
from tests.helpers import ORDERED

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 10, 15, hour, minute, second, tzinfo=SHANGHAI)


def test_an_outbox_row_is_rolled_back_with_its_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(kind="shipped", phone="13800138000", at=at(10), context={"order_number": "A1", "carrier": "SF", "tracking_number": "SF1"})
        raise RuntimeError("the event failed")

    assert not Notification.objects.exists()


def test_an_urgent_message_is_sent_right_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = notify(kind="confirmation_code", phone="13800138000", at=at(23, 30), context=ORDERED | {"code": "123456"})
        assert MemoryBackend.outbox == []

    message.refresh_from_db()
    assert message.status == Notification.Status.SENT
    assert [m["body"] for m in MemoryBackend.outbox] == ["【积分商城】您正在用 10500 积分兑换「保温杯」×7（订单 RO1），验证码为 123456，15分钟内有效，请勿泄露。"]


def test_a_non_urgent_message_at_night_waits_until_eight(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(kind="delivered", phone="13800138000", at=at(22, 0), context={"order_number": "A1"})

    assert message.not_before == datetime(2026, 10, 16, 8, 0, tzinfo=SHANGHAI)
    assert send_due_notifications(now=datetime(2026, 10, 16, 7, 59, tzinfo=SHANGHAI)) == 0
    assert send_due_notifications(now=datetime(2026, 10, 16, 8, 0, tzinfo=SHANGHAI)) == 1
    message.refresh_from_db()
    assert message.status == Notification.Status.SENT


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (datetime(2026, 10, 15, 7, 59, tzinfo=SHANGHAI), datetime(2026, 10, 15, 8, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 10, 15, 8, 0, tzinfo=SHANGHAI), datetime(2026, 10, 15, 8, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 10, 15, 21, 59, tzinfo=SHANGHAI), datetime(2026, 10, 15, 21, 59, tzinfo=SHANGHAI)),
        (datetime(2026, 10, 15, 23, 59, tzinfo=SHANGHAI), datetime(2026, 10, 16, 8, 0, tzinfo=SHANGHAI)),
    ],
)
def test_quiet_hours_run_from_22_to_08_shanghai_time(created, expected):
    assert quiet_until(created) == expected


def test_opted_out_members_get_no_reminders_but_still_get_urgent_messages():
    reminder = notify(kind="points_expiring", phone="13800138000", at=at(10), context={"points": 500, "expires_on": "2026-12-31"}, opted_out=True)
    code = notify(kind="confirmation_code", phone="13800138000", at=at(10), context=ORDERED | {"code": "654321"}, opted_out=True)

    assert reminder.status == Notification.Status.SUPPRESSED
    assert code.status == Notification.Status.PENDING
    assert send_due_notifications(now=at(10, 1)) == 1
    assert [m["message_id"] for m in MemoryBackend.outbox] == [str(code.message_id)]


def test_a_member_who_opted_out_is_spared_the_shipped_delivered_expiring_and_answered_reminders_and_no_other_text():
    withheld = set()
    for kind in MEMBER_KINDS:
        values = {field: "1" for _literal, field, _spec, _conversion in string.Formatter().parse(KINDS[kind].template) if field}
        if notify(kind=kind, phone="13800138000", at=at(10), context=values, opted_out=True).status == Notification.Status.SUPPRESSED:
            withheld.add(kind)

    assert withheld == {"shipped", "delivered", "points_expiring", "complaint_answered", "replacement_shipped", "replacement_delivered"}


def test_a_return_step_reaches_an_opted_out_member_after_the_quiet_hours():
    step = notify(kind="return_updated", phone="13800138000", at=at(23), context={"return_number": "R1", "state": "已收货"}, opted_out=True)

    assert step.status == Notification.Status.PENDING
    assert send_due_notifications(now=at(23, 30)) == 0
    assert send_due_notifications(now=at(8) + timedelta(days=1)) == 1


def test_sending_twice_delivers_once():
    message = notify(kind="confirmation_code", phone="13800138000", at=at(10), context=ORDERED | {"code": "111111"})

    first = send_notification(notification_id=message.pk, now=at(10))
    second = send_notification(notification_id=message.pk, now=at(10))

    assert (first, second) == (True, False)
    assert len(MemoryBackend.outbox) == 1


def test_the_file_backend_drops_a_message_id_it_already_wrote(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    backend = FileBackend()

    backend.send(message_id="m-1", phone="13800138000", body="您好")
    backend.send(message_id="m-1", phone="13800138000", body="您好")
    backend.send(message_id="m-2", phone="13800138000", body="再见")

    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["message_id"] for line in lines] == ["m-1", "m-2"]
    assert lines[0]["body"] == "您好"


def test_the_file_backend_creates_its_file_readable_by_its_owner_only(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path / "var" / "sms.jsonl")

    FileBackend().send(message_id="m-1", phone="13800138000", body="您的验证码是 123456")

    assert stat.S_IMODE((tmp_path / "var" / "sms.jsonl").stat().st_mode) == 0o600


def test_the_file_backend_drops_a_message_id_another_process_wrote_since_it_last_looked(tmp_path, settings):
    sms_file = tmp_path / "sms.jsonl"
    settings.SMS_FILE_PATH = str(sms_file)
    backend = FileBackend()
    backend.send(message_id="m-1", phone="13800138000", body="您好")
    with sms_file.open("a", encoding="utf-8") as other_process:
        other_process.write(json.dumps({"message_id": "m-2", "phone": "13800138001", "body": "再见"}) + "\n")

    backend.send(message_id="m-2", phone="13800138001", body="再见")
    backend.send(message_id="m-1", phone="13800138000", body="您好")

    assert [json.loads(line)["message_id"] for line in sms_file.read_text(encoding="utf-8").splitlines()] == ["m-1", "m-2"]


def test_the_file_backend_ends_a_crashed_writer_s_partial_line_and_skips_it(tmp_path, settings, caplog):
    sms_file = tmp_path / "sms.jsonl"
    settings.SMS_FILE_PATH = str(sms_file)
    sms_file.write_text('{"message_id": "m-0", "phone": "1380013', encoding="utf-8")  # the disk filled mid-line

    FileBackend().send(message_id="m-1", phone="13800138000", body="您好")
    FileBackend._written.clear()  # another process, reading the file from its start
    FileBackend().send(message_id="m-1", phone="13800138000", body="您好")
    FileBackend().send(message_id="m-2", phone="13800138001", body="再见")

    lines = sms_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"message_id": "m-0", "phone": "1380013'
    assert [json.loads(line)["message_id"] for line in lines[1:]] == ["m-1", "m-2"]
    assert "skipped a line that is not a message" in caplog.text


def test_the_file_backend_starts_afresh_on_a_new_file_on_the_same_inode(tmp_path, settings):
    sms_file = tmp_path / "sms.jsonl"
    settings.SMS_FILE_PATH = str(sms_file)
    backend = FileBackend()
    backend.send(message_id="m-1", phone="13800138000", body="您好")
    inode = sms_file.stat().st_ino
    with sms_file.open("w", encoding="utf-8") as replaced:  # truncated and rewritten in place, longer than before
        for number in (2, 3, 4):
            replaced.write(json.dumps({"message_id": f"m-{number}", "phone": "13800138001", "body": "再见"}) + "\n")

    backend.send(message_id="m-3", phone="13800138001", body="再见")
    backend.send(message_id="m-5", phone="13800138002", body="您好")

    assert sms_file.stat().st_ino == inode
    assert [json.loads(line)["message_id"] for line in sms_file.read_text(encoding="utf-8").splitlines()] == ["m-2", "m-3", "m-4", "m-5"]


def test_the_file_backend_starts_afresh_on_a_file_rotated_away(tmp_path, settings):
    sms_file = tmp_path / "sms.jsonl"
    settings.SMS_FILE_PATH = str(sms_file)
    backend = FileBackend()
    backend.send(message_id="m-1", phone="13800138000", body="您好")
    sms_file.rename(tmp_path / "sms.jsonl.1")
    sms_file.write_text(json.dumps({"message_id": "m-2", "phone": "13800138001", "body": "再见"}) + "\n", encoding="utf-8")

    backend.send(message_id="m-2", phone="13800138001", body="再见")
    backend.send(message_id="m-3", phone="13800138002", body="您好")

    assert [json.loads(line)["message_id"] for line in sms_file.read_text(encoding="utf-8").splitlines()] == ["m-2", "m-3"]


def test_a_backlog_of_reminders_due_before_night_waits_out_the_quiet_hours_but_urgent_messages_go():
    reminder = notify(kind="delivered", phone="13800138000", at=at(21), context={"order_number": "A1"})
    urgent = notify(kind="refund_credited", phone="13800138000", at=at(22, 30), context={"order_number": "A1", "points": 1, "balance": 2})

    at_night = send_due_notifications(now=at(22, 50))
    reminder.refresh_from_db()
    in_the_morning = send_due_notifications(now=at(8) + timedelta(days=1))

    assert at_night == 1 and reminder.status == Notification.Status.PENDING
    assert in_the_morning == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT} and urgent.pk != reminder.pk


def test_opting_out_withdraws_the_members_reminders_already_queued_but_not_its_urgent_messages(member):
    from points.services.members import set_reminders_opt_out

    queued = notify(kind="shipped", member=member, at=at(23), context={"order_number": "A1", "carrier": "顺丰", "tracking_number": "SF1"})
    urgent = notify(kind="points_deducted", member=member, at=at(23), context={"order_number": "A1", "points": 1, "balance": 2})
    someone_else = notify(kind="shipped", phone="13900000000", at=at(23), context={"order_number": "B1", "carrier": "顺丰", "tracking_number": "SF2"})

    set_reminders_opt_out(member=member, opt_out=True, actor=member.user)

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {queued.pk: Notification.Status.SUPPRESSED, urgent.pk: Notification.Status.PENDING,
                        someone_else.pk: Notification.Status.PENDING}


def test_opting_out_withdraws_a_reminder_queued_for_the_members_old_number_and_none_for_the_numbers_new_holder(member, other_member):
    from points.services.members import set_reminders_opt_out

    old_phone = member.phone
    to_old_number = notify(kind="delivered", member=member, at=at(23), context={"order_number": "A1"})
    member.phone = "13900009999"
    member.save(update_fields=["phone"])
    other_member.phone = old_phone
    other_member.save(update_fields=["phone"])
    new_holders = notify(kind="delivered", member=other_member, at=at(23), context={"order_number": "B1"})

    set_reminders_opt_out(member=member, opt_out=True, actor=member.user)

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {to_old_number.pk: Notification.Status.SUPPRESSED, new_holders.pk: Notification.Status.PENDING}


def test_a_members_text_is_written_in_one_insert_naming_its_member_without_reading_anything(member, django_assert_num_queries):
    with django_assert_num_queries(1):
        message = notify(kind="points_deducted", member=member, at=at(10), context={"order_number": "A1", "points": 1, "balance": 2})

    assert Notification.objects.get(pk=message.pk).recipient_id == member.user_id
    assert message.phone == member.phone


@pytest.mark.parametrize("to", ["neither", "both", "a member and an opt-out"])
def test_a_text_goes_to_a_member_with_its_own_opt_out_or_to_a_phone_never_both_nor_neither(member, to):
    to = {"neither": {}, "both": {"member": member, "phone": "13800138000"}, "a member and an opt-out": {"member": member, "opted_out": True}}[to]

    with pytest.raises(TypeError):
        notify(kind="delivered", at=at(10), context={"order_number": "A1"}, **to)

    assert not Notification.objects.exists()


def test_a_message_left_pending_by_a_crash_is_picked_up_by_the_periodic_sender():
    message = notify(kind="refund_credited", phone="13800138000", at=at(10), context={"order_number": "A1", "points": 1500, "balance": 3500})

    sent = send_due_notifications(now=at(10) + timedelta(minutes=1))

    assert sent == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Notification.Status.SENT, 1)


def test_with_the_relay_no_task_is_queued_and_the_relay_sends_what_is_due(django_capture_on_commit_callbacks, settings):
    settings.NOTIFICATION_RELAY = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        code = notify(kind="confirmation_code", phone="13800138000", at=at(10), context=ORDERED | {"code": "222222"})
        later = notify(kind="delivered", phone="13800138001", at=at(23), context={"order_number": "A1"})
    out = io.StringIO()

    with time_machine.travel(at(10, 0, 1)):
        call_command("relay_notifications", "--once", stdout=out)

    assert callbacks == []
    assert out.getvalue().strip() == "sent 1"
    code.refresh_from_db()
    later.refresh_from_db()
    assert (code.status, code.attempts, later.status) == (Notification.Status.SENT, 1, Notification.Status.PENDING)
    assert [m["message_id"] for m in MemoryBackend.outbox] == [str(code.message_id)]


def test_the_relay_on_development_settings_sends_nothing_unless_told_they_are_meant(settings):
    settings.DEBUG = True
    code = notify(kind="confirmation_code", phone="13800138000", at=at(10), context=ORDERED | {"code": "222222"})

    with time_machine.travel(at(10, 0, 1)):
        with pytest.raises(CommandError, match="development settings .*--allow-dev-settings"):
            call_command("relay_notifications", "--once", stdout=io.StringIO())
        code.refresh_from_db()
        assert code.status == Notification.Status.PENDING and MemoryBackend.outbox == []

        call_command("relay_notifications", "--once", "--allow-dev-settings", stdout=io.StringIO())

    code.refresh_from_db()
    assert code.status == Notification.Status.SENT


def test_the_relay_logs_its_start_each_batch_it_sends_and_its_stop(caplog):
    for phone in ("13800138000", "13800138001"):
        notify(kind="confirmation_code", phone=phone, at=at(10), context=ORDERED | {"code": "111111"})

    with caplog.at_level(logging.INFO, logger=relay_notifications.logger.name), time_machine.travel(at(10, 0, 1)):
        call_command("relay_notifications", "--once", "--interval", "0.5", stdout=io.StringIO())

    assert [r.getMessage() for r in caplog.records if r.name == relay_notifications.logger.name] == [
        "relay started: batches of up to 500 to core.notifications.backends.MemoryBackend, looking every 0.5 s when idle",
        "relay sent a batch of 2 due message(s)",
        "relay stopped: 2 message(s) sent",
    ]


def test_a_message_the_gateway_refuses_stays_pending_waits_and_does_not_hold_up_the_others(monkeypatch):
    refused = notify(kind="confirmation_code", phone="13800138000", at=at(10), context=ORDERED | {"code": "333333"})
    accepted = notify(kind="confirmation_code", phone="13800138001", at=at(10), context=ORDERED | {"code": "444444"})
    real_send = MemoryBackend.send

    def send(self, *, message_id, phone, body):
        if phone == "13800138000":
            raise ConnectionError("gateway down")
        real_send(self, message_id=message_id, phone=phone, body=body)

    monkeypatch.setattr(MemoryBackend, "send", send)
    assert send_due_notifications(now=at(10, 1)) == 1

    refused.refresh_from_db()
    accepted.refresh_from_db()
    assert (refused.status, refused.attempts) == (Notification.Status.PENDING, 1)
    assert (accepted.status, accepted.attempts) == (Notification.Status.SENT, 1)
    monkeypatch.setattr(MemoryBackend, "send", real_send)
    assert send_due_notifications(now=at(10, 1, 59)) == 0  # a refused message waits a minute before its next try
    assert send_due_notifications(now=at(10, 2)) == 1
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Notification.Status.SENT, 2)


def test_a_gateway_that_refuses_three_in_a_row_is_taken_as_down_and_the_rest_wait_untried(monkeypatch, caplog):
    messages = [notify(kind="confirmation_code", phone=f"1380013800{n}", at=at(10), context=ORDERED | {"code": "666666"}) for n in range(6)]
    tried = []

    def down(self, *, message_id, phone, body):
        tried.append(message_id)
        raise TimeoutError("gateway timed out")

    monkeypatch.setattr(MemoryBackend, "send", down)
    assert send_due_notifications(now=at(10, 1)) == 0

    for message in messages:
        message.refresh_from_db()
    assert tried == [str(m.message_id) for m in messages[:3]]  # three timeouts, not six
    assert [(m.status, m.attempts) for m in messages] == [(Notification.Status.PENDING, 1)] * 3 + [(Notification.Status.PENDING, 0)] * 3
    assert "could not be reached 3 times in a row" in caplog.text
    assert {m.not_before for m in messages[:3]} == {at(10, 2)}  # each waits a minute before its next try

    monkeypatch.undo()
    assert send_due_notifications(now=at(10, 1, 30)) == 3  # the gateway is back: the untried ones go at the next look


def test_messages_the_gateway_itself_refuses_or_an_outage_broken_by_a_success_do_not_pause_the_sender(monkeypatch):
    phones = [f"1380013801{n}" for n in range(6)]
    for phone in phones:
        notify(kind="confirmation_code", phone=phone, at=at(10), context=ORDERED | {"code": "777777"})
    failing = {phones[0]: ValueError("invalid number"), phones[1]: ValueError("invalid number"), phones[2]: ValueError("blocked"),
               phones[3]: ConnectionError("reset"), phones[5]: TimeoutError("slow")}  # phones[4] goes through
    tried = []

    def send(self, *, message_id, phone, body):
        tried.append(phone)
        if phone in failing:
            raise failing[phone]

    monkeypatch.setattr(MemoryBackend, "send", send)

    assert send_due_notifications(now=at(10, 1)) == 1
    assert tried == phones  # three refusals by the gateway, then an outage of one and another after a success: no pause


def test_the_relay_survives_a_database_error_and_sends_on_its_next_look(monkeypatch, caplog):
    message = notify(kind="confirmation_code", phone="13800138000", at=at(10), context=ORDERED | {"code": "555555"})
    command, looks, reconnects = relay_notifications.Command(), [], []

    def database_gone_once(**kwargs):
        looks.append(kwargs)
        if len(looks) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        command.stopping.set()  # as SIGTERM would: this look is the last
        return send_due_notifications(**kwargs)

    monkeypatch.setattr(relay_notifications, "send_due_notifications", database_gone_once)
    monkeypatch.setattr(relay_notifications, "connection", SimpleNamespace(close=lambda: reconnects.append(True)))
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    out = io.StringIO()

    with time_machine.travel(at(10, 0, 1)):
        call_command(command, "--interval", "0", stdout=out)

    assert (len(looks), reconnects, out.getvalue().strip()) == (2, [True], "sent 1")
    assert "the outbox could not be read" in caplog.text
    message.refresh_from_db()
    assert message.status == Notification.Status.SENT
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers  # the relay's handlers are gone


def test_a_typed_value_reaches_an_sms_on_one_line_and_at_most_60_characters():
    """A supplier's gift name or a meeting's place is free text: a newline would break the SMS into a second line and a
    long one into many parts (a registered template bounds each value); the full text stays on the page."""
    long_name = "年货礼盒" * 30
    code = notify(kind="confirmation_code", phone="13800138000", at=at(10),
                  context=ORDERED | {"gift": "明前\n龙井\t礼盒", "code": "654321"})
    meeting = notify(kind="supplier_meeting", phone="13900139000", at=at(10),
                     context={"title": long_name, "meeting_at": "2026-12-10 14:00", "place": "三楼\r\n会议室"})

    assert "「明前 龙井 礼盒」×7" in code.body and "验证码为 654321" in code.body
    assert f"会议通知：{long_name[:59]}…，时间 2026-12-10 14:00，地点 三楼 会议室。" in meeting.body
    assert "\n" not in code.body + meeting.body


def test_an_address_to_send_a_return_to_reaches_the_member_whole_on_one_line():
    """The member must read where to send the goods in full, however long the warehouse's address and its contact."""
    send_to = "广东省深圳市南山区科技园南区高新南九道88号积分商城退货中心仓库三号门\n（王仓管 收，13900139000）"
    approved = notify(kind="return_approved", phone="13800138000", at=at(10), context={"return_number": "RR-1", "send_to": send_to})

    assert "广东省深圳市南山区科技园南区高新南九道88号积分商城退货中心仓库三号门 （王仓管 收，13900139000），" in approved.body


def test_a_typed_reason_over_60_characters_reaches_the_sms_on_one_line_ending_in_an_ellipsis():
    reason = "会员来电说明\n" + "地址有误需要取消" * 10 + "。"
    cancelled = notify(kind="order_cancelled", phone="13800138000", at=at(10),
                       context={"order_number": "RO-1", "reason": one_line(reason), "points": 100, "balance": 900})

    written = cancelled.body.split("原因：")[1].split("。已退还")[0]
    assert len(written) == 60 and written.endswith("…") and written.startswith("会员来电说明 地址有误")
