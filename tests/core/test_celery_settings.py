"""What the workers and beat run with (config/settings/base.py, as Celery reads it): a task that hangs is stopped
before Redis would hand its message to a second worker."""
from config.celery import app
from config.settings import base


def test_a_task_is_stopped_softly_then_killed_before_redis_would_deliver_its_message_again():
    visibility = base.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]

    assert (app.conf.task_soft_time_limit, app.conf.task_time_limit) == (base.CELERY_TASK_SOFT_TIME_LIMIT, base.CELERY_TASK_TIME_LIMIT)
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility
