"""An SMS backend for the worker kill test: delivers like FileBackend, then hangs.

With SMS_SLOW_SECONDS set, `send` writes the message and then sleeps that long, so the test can
kill the worker after the message went out but before the task marks the notification sent.
"""
import os
import time

from core.notifications.backends import FileBackend


class SlowFileBackend(FileBackend):
    def send(self, *, message_id: str, phone: str, body: str) -> None:
        super().send(message_id=message_id, phone=phone, body=body)
        delay = float(os.environ.get("SMS_SLOW_SECONDS", "0"))
        if delay:
            time.sleep(delay)
