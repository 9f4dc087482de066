"""What the workers and beat run with (config/settings/base.py, as Celery reads it): a task that hangs is stopped
before Redis would hand its message to a second worker."""
from config.celery import app
from config.settings import base


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
