"""Pluggable SMS backends. Each receives the stable message id, so a backend can drop duplicates."""
import fcntl
import json
import logging
import os
import sys
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


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
    another, under the file's lock): a send costs the same at the 50,000th line as at the first. Every line is written
    whole under the lock, so a last line without its newline is what a writer that crashed (or found the disk full)
    left: the next writer ends it first, and a line that is not JSON is skipped and logged, never read into the next."""

    #: per file path: what the ids were read from, the bytes read so far, the message ids in them
    _written: dict[str, tuple["_Identity", int, set[str]]] = {}

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            identity, written = self._written_ids(handle, key=str(path))
            if message_id in written:
                return
            line = json.dumps({"message_id": message_id, "phone": phone, "body": body}, ensure_ascii=False) + "\n"
            handle.write(line.encode())
            handle.flush()
            written.add(message_id)
            self._written[str(path)] = (identity, handle.tell(), written)

    def _written_ids(self, handle, *, key: str) -> tuple["_Identity", set[str]]:
        """The message ids in the file, reading only what was appended since this process last looked (all of it
        after the file was replaced — even by a new file on the same inode, told by its first bytes — or truncated).
        Ends a partial last line with a newline first (the caller holds the file's lock)."""
        stat = os.fstat(handle.fileno())
        head = os.pread(handle.fileno(), _HEAD, 0)
        identity, offset, written = self._written.get(key, (None, 0, set()))
        if (identity is None or (identity.device, identity.inode) != (stat.st_dev, stat.st_ino) or stat.st_size < offset
                or not head.startswith(identity.head)):
            offset, written = 0, set()
        handle.seek(offset)
        appended = handle.read()
        if appended and not appended.endswith(b"\n"):
            handle.write(b"\n")  # a crashed writer's partial line: ended, so the next line is not appended to it
            handle.flush()
            appended += b"\n"
        for number, line in enumerate(appended.splitlines()):
            if line.strip():
                try:
                    written.add(json.loads(line)["message_id"])
                except (ValueError, KeyError, TypeError):
                    logger.warning("SMS file %s: skipped a line that is not a message (%d bytes after byte %d, line %d read)",
                                   key, len(line), offset, number + 1)
        identity = _Identity(stat.st_dev, stat.st_ino, head)
        self._written[key] = (identity, offset + len(appended), written)
        return identity, written


#: how many of a file's first bytes tell it from another file on the same inode (its first message's id is in them)
_HEAD = 256


class _Identity(NamedTuple):
    device: int
    inode: int
    head: bytes  # the file's first bytes when last read: a file only appended to keeps them


class MemoryBackend(Backend):
    """Keeps messages in a list (tests); duplicates by message id are dropped."""

    outbox: list[dict[str, str]] = []

    def send(self, *, message_id: str, phone: str, body: str) -> None:
        if all(m["message_id"] != message_id for m in self.outbox):
            self.outbox.append({"message_id": message_id, "phone": phone, "body": body})


def get_backend() -> Backend:
    return import_string(settings.SMS_BACKEND)()
