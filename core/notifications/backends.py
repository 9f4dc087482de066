"""Pluggable SMS backends. Each receives the stable message id, so a backend can drop duplicates."""
import fcntl
import json
import sys
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class Backend:
    def send(self, *, message_id: str, phone: str, body: str) -> None:
        raise NotImplementedError


class ConsoleBackend(Backend):
    """Prints each message; the development default."""

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        sys.stdout.write(f"[SMS {message_id}] to {phone}: {body}\n")
        sys.stdout.flush()


class FileBackend(Backend):
    """Appends one JSON line per message to SMS_FILE_PATH, dropping a message id already written."""

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            if any(json.loads(line)["message_id"] == message_id for line in handle if line.strip()):
                return
            handle.write(json.dumps({"message_id": message_id, "phone": phone, "body": body}, ensure_ascii=False) + "\n")
            handle.flush()


class MemoryBackend(Backend):
    """Keeps messages in a list (tests); duplicates by message id are dropped."""

    outbox: list[dict[str, str]] = []

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        if all(m["message_id"] != message_id for m in self.outbox):
            self.outbox.append({"message_id": message_id, "phone": phone, "body": body})


def get_backend() -> Backend:
    return import_string(settings.SMS_BACKEND)()
