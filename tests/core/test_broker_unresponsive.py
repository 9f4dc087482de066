"""A broker that takes the connection but never answers (a failover, a firewall dropping packets): the action that
publishes after its commit is not held until gunicorn kills the request; the publish gives up within the broker
timeouts of the settings and is logged as not published, for the sweep of work left behind to queue it again."""
import socket
import subprocess
import threading
from contextlib import contextmanager

from tests.core.test_settings_switching import production_env, run

# Publishes one task as a committed action does (core.jobs.publish), with the settings of a deployment.
PUBLISH = """
import django
django.setup()
from core import jobs, tasks
print("published:", jobs.publish(tasks.purge_idempotency_keys))
"""


@contextmanager
def silent_broker():
    """A port that accepts connections and never sends a byte; the connections are held open until the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # the listener closed
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_publishing_to_a_broker_that_never_answers_gives_up_and_logs_the_task_as_not_published(tmp_path):
    with silent_broker() as port:
        try:  # a hang guard, not a timing: the publish used to wait for ever
            # the broker timeout a deployment may set (CELERY_BROKER_SOCKET_TIMEOUT, 2 s unless set), shortened: the
            # publish gives up after a few of them (docs/operations.md), however long each is
            result = run(["-c", PUBLISH], tmp_path, **production_env(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0",
                                                                     CELERY_BROKER_SOCKET_TIMEOUT="0.5"))
        except subprocess.TimeoutExpired:
            raise AssertionError("publishing to a broker that never answers did not return") from None

    assert result.returncode == 0, result.stderr
    assert "published: False" in result.stdout
    [logged] = [line for line in result.stderr.splitlines() if "was not published" in line]
    assert "ERROR core.jobs [-] task core.tasks.purge_idempotency_keys {} was not published (OperationalError: " in logged
    assert "Traceback" not in result.stderr  # one line, as the operations guide says


def test_unless_a_deployment_sets_it_each_broker_operation_gives_up_after_two_seconds(tmp_path):
    """The case above shortens the timeout; a deployment that sets none gets the documented 2 s, never a wait for ever."""
    timeouts = """
import django
django.setup()
from config.celery import app
options = app.conf.broker_transport_options
print(options["socket_timeout"], options["socket_connect_timeout"], app.conf.broker_connection_timeout)
"""
    result = run(["-c", timeouts], tmp_path, **production_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0"))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2.0", "2.0", "2.0"]
