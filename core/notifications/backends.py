"""Pluggable SMS backends. Each receives the stable message id, so a backend can drop duplicates."""
import fcntl
import json
import os
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
    """Appends one JSON line per message to SMS_FILE_PATH (created readable by its owner only: the lines hold phone
    numbers and sign-in codes), dropping a message id already written by any process.

    The ids written are read once per process and file, then only the lines appended since (by this process or
    another, under the file's lock): a send costs the same at the 50,000th line as at the first."""

    #: per file path: (its inode, the bytes read so far, the message ids in them)
    _written: dict[str, tuple[int, int, set[str]]] = {}

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            written = self._written_ids(handle, key=str(path))
            if message_id in written:
                return
            line = json.dumps({"message_id": message_id, "phone": phone, "body": body}, ensure_ascii=False) + "\n"
            handle.write(line.encode())
            handle.flush()
            written.add(message_id)
            self._written[str(path)] = (os.fstat(handle.fileno()).st_ino, handle.tell(), written)

    def _written_ids(self, handle, *, key: str) -> set[str]:
        """The message ids in the file, reading only what was appended since this process last looked (all of it
        after the file was replaced or truncated)."""
        stat = os.fstat(handle.fileno())
        inode, offset, written = self._written.get(key, (stat.st_ino, 0, set()))
        if inode != stat.st_ino or stat.st_size < offset:
            inode, offset, written = stat.st_ino, 0, set()
        handle.seek(offset)
        appended = handle.read()
        complete = appended[: appended.rfind(b"\n") + 1]  # a line still being written is read next time
        written.update(json.loads(line)["message_id"] for line in complete.splitlines() if line.strip())
        self._written[key] = (inode, offset + len(complete), written)
        return written


class MemoryBackend(Backend):
    """Keeps messages in a list (tests); duplicates by message id are dropped."""

    outbox: list[dict[str, str]] = []

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        if all(m["message_id"] != message_id for m in self.outbox):
            self.outbox.append({"message_id": message_id, "phone": phone, "body": body})


def get_backend() -> Backend:
    return import_string(settings.SMS_BACKEND)()
