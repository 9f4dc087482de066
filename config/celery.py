"""The Celery application: eager without a broker, a real broker when CELERY_BROKER_URL is set."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("giftpoints")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
