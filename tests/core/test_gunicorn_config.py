"""The gunicorn settings a deployment starts with (config/gunicorn.conf.py) load, with the application preloaded."""
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_the_shipped_gunicorn_config_is_valid_and_loads_the_application():
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings.test", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2"}

    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
         "config.wsgi:application"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr
    printed = {name.strip(): value.strip() for name, _, value in (line.partition("=") for line in result.stdout.splitlines())}
    assert (printed["worker_class"], printed["workers"], printed["threads"], printed["preload_app"]) == ("gthread", "3", "2", "True")
