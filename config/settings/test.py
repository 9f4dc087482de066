"""Settings for the test suite: fast hashing, eager tasks unless a broker is given, files in temp dirs."""
import os
import tempfile

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="giftpoints-media-"))  # noqa: F405
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.notifications.backends.MemoryBackend")
CELERY_BROKER_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS | {  # noqa: F405  (the broker timeouts kept)
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "4")),
    "unacked_restore_interval": 1,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["ENGINE"] = "tests.postgresql"  # noqa: F405  (a flush that deletes rows: tests/postgresql/base.py)
