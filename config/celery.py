"""The Celery application: eager without a broker, a real broker when CELERY_BROKER_URL is set."""
import os

from celery import Celery

# production unless DJANGO_SETTINGS_MODULE says otherwise (see config/wsgi.py): a worker or beat started without the
# deployment's environment refuses to start instead of running with DEBUG on and the repository's key
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("giftpoints")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
