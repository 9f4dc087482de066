"""The Celery application: eager without a broker, a real broker when CELERY_BROKER_URL is set."""
import os

from celery import Celery, signals

# production unless DJANGO_SETTINGS_MODULE says otherwise (see config/wsgi.py): a worker or beat started without the
# deployment's environment refuses to start instead of running with DEBUG on and the repository's key
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("giftpoints")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

NO_BROKER = ("ImproperlyConfigured: CELERY_BROKER_URL must be set for a Celery worker or beat (e.g. redis://redis:6379/0, "
             "as the web processes have it): without it the web processes run their tasks themselves and there is nothing "
             "to work from; see docs/operations.md")


@signals.celeryd_init.connect
@signals.beat_init.connect
def refuse_to_start_without_a_broker(**kwargs) -> None:
    """A worker or beat without CELERY_BROKER_URL stops at once, as the settings stop without the secrets, instead of
    trying Celery's default broker (amqp://guest@localhost) forever. SystemExit, which Celery's signals do not catch."""
    from django.conf import settings

    if not settings.CELERY_BROKER_URL:
        raise SystemExit(NO_BROKER)
