"""`python ARGS` with an environment of its own, forked from a process that has imported the libraries already.

Started as a script by tests/core/test_settings_switching.py, it reads one request a line on stdin ({"args", "env",
"stdout", "stderr"}), forks a child that takes that environment, writes its output to those files and runs the args
as `python` would (`-c CODE` or a script path), and answers {"returncode"} a line on stdout. Django is imported but
never set up here: each child reads the settings its environment names, once, as a fresh interpreter does; only the
libraries' import is shared (a third of what each interpreter spent starting; with the backends, DRF, celery's app and
reportlab's layout imported here too, half of what a child still spent setting Django up).
"""
import json
import os
import runpy
import signal
import sys
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[0] = ROOT  # as `python -c` (the working directory) or `python manage.py` (its directory) would have it

# the libraries the apps import, none of which reads Django's settings on import (the assert below holds it: one that
# did would raise here, where no settings are named)
import celery.app.base  # noqa: E402, F401
import celery.app.task  # noqa: E402, F401
import celery.schedules  # noqa: E402, F401
import django.contrib.admin.views.main  # noqa: E402, F401
import django.contrib.postgres.fields  # noqa: E402, F401
import django.contrib.sessions.backends.db  # noqa: E402, F401
import django.core.cache.backends.redis  # noqa: E402, F401
import django.db.backends.postgresql.base  # noqa: E402, F401
import django.db.backends.sqlite3.base  # noqa: E402, F401
import django.db.models  # noqa: E402, F401
import django.forms  # noqa: E402, F401
import django.test  # noqa: E402, F401
import django_filters.rest_framework  # noqa: E402, F401
import drf_spectacular.utils  # noqa: E402, F401
import drf_standardized_errors  # noqa: E402, F401
import kombu  # noqa: E402, F401
import openpyxl  # noqa: E402, F401
import psycopg  # noqa: E402, F401
import redis  # noqa: E402, F401
import reportlab.pdfbase.cidfonts  # noqa: E402, F401
import reportlab.pdfbase.ttfonts  # noqa: E402, F401
import reportlab.pdfgen.canvas  # noqa: E402, F401
import reportlab.platypus  # noqa: E402, F401
import rest_framework.authtoken  # noqa: E402, F401
import rest_framework.serializers  # noqa: E402, F401
from django.conf import settings  # noqa: E402

assert not settings.configured, "a library read the settings before a child chose them"


def exit_code(stop: SystemExit) -> int:
    """The status `python` exits with for SystemExit(code)."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def child(args: list[str], env: dict[str, str], stdout: str, stderr: str, timeout: int) -> None:
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    for fd, path in ((1, stdout), (2, stderr)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    signal.alarm(timeout)  # its default action ends the child, as subprocess.run(timeout=) would have
    code = 1
    try:
        if args[0] == "-c":
            sys.argv = ["-c", *args[2:]]
            exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
        else:
            sys.argv = list(args)
            runpy.run_path(args[0], run_name="__main__")
        code = 0
    except SystemExit as stop:
        code = exit_code(stop)
    except BaseException:  # noqa: BLE001  (printed as the interpreter prints an uncaught exception)
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            child(request["args"], request["env"], request["stdout"], request["stderr"], request["timeout"])
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
