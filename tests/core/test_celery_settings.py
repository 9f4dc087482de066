"""What the workers and beat run with (config/settings/base.py, as Celery reads it): a task that hangs is stopped
before Redis would hand its message to a second worker."""
import pytest
from celery.schedules import crontab

from config import beat
from config.celery import app
from config.settings import base
from tests.core.test_settings_switching import run


def test_a_task_is_stopped_softly_then_killed_before_redis_would_deliver_its_message_again():
    visibility = base.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert (app.conf.task_soft_time_limit, app.conf.task_time_limit) == (base.CELERY_TASK_SOFT_TIME_LIMIT, base.CELERY_TASK_TIME_LIMIT)
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility


def test_every_beat_entry_expires_when_its_next_run_is_due():
    hour, day = 3600.0, 86400.0
    expires = {name: entry["options"]["expires"] for name, entry in app.conf.beat_schedule.items()}

    assert set(expires) == set(base.CELERY_BEAT_SCHEDULE)
    assert expires["send-due-notifications"] == 60.0  # every minute
    assert expires["hand-over-dropship-orders"] == 300.0
    assert expires["expire-points"] == hour  # crontab(minute=0)
    assert expires["remind-expiring-points"] == day  # crontab(hour=10, minute=0)
    assert expires["generate-statements"] == 28 * day  # the 1st of each month
    assert all(0 < seconds <= 28 * day for seconds in expires.values())


def test_a_worker_losing_the_broker_cancels_its_running_tasks_which_are_delivered_again():
    assert app.conf.task_acks_late is True
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True


@pytest.mark.parametrize("schedule", [
    crontab(minute=0, hour=3, day_of_week=1),  # weekly: 7 days, not 28
    crontab(minute=0, hour="*/6"),  # every 6 hours: not a day
    crontab(minute="*/15"),  # more than one run an hour
])
def test_a_beat_entry_whose_interval_one_number_would_misstate_is_refused(schedule):
    with pytest.raises(ValueError):
        beat.interval(schedule)


@pytest.mark.parametrize(("schedule", "seconds"), [
    (crontab(minute=5), 3600.0), (crontab(minute=0, hour=2), 86400.0), (crontab(minute=0, hour=1, day_of_month=1), 28 * 86400.0), (300, 300.0),
])
def test_hourly_daily_and_monthly_entries_expire_after_their_interval(schedule, seconds):
    assert beat.interval(schedule) == seconds


@pytest.mark.parametrize(("hard", "soft"), [("1800", 1500), ("600", 500), ("120", 100)])
def test_a_task_always_gets_a_positive_soft_time_limit_before_its_hard_one(tmp_path, hard, soft):
    result = run(["-c", "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.base'); "
                        "from config.settings import base; print(base.CELERY_TASK_SOFT_TIME_LIMIT)"], tmp_path, CELERY_TASK_TIME_LIMIT=hard)

    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) == soft
