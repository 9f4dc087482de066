"""HMAC-SHA256 signatures of the logistics provider's webhook calls (SPEC §4.6).

The provider signs the bytes `f"{timestamp}.".encode() + raw_body` with the shared secret and sends

    X-Timestamp: <the attempt's send time, whole Unix seconds, ASCII digits>
    X-Signature: sha256=<HMAC-SHA256, lowercase hex>

Every attempt, retries included, is signed with its own send time. A call whose send time is more than
five minutes from our clock is stale; a replay within those five minutes repeats an event id, which is a no-op.
"""
import hashlib
import hmac
import os
import re
from datetime import datetime

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from logistics.errors import BadSignature, StaleRequest

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
SCHEME = "sha256="
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def webhook_secret() -> str:
    """The shared secret: settings.LOGISTICS_WEBHOOK_SECRET, else the LOGISTICS_WEBHOOK_SECRET environment variable,
    else (development only; production settings require one of the others) a secret derived from SECRET_KEY."""
    configured = getattr(settings, "LOGISTICS_WEBHOOK_SECRET", None) or os.environ.get("LOGISTICS_WEBHOOK_SECRET")
    return configured or salted_hmac("logistics.webhook", "development secret", secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def sign(body: bytes, timestamp: int, *, secret: str | None = None) -> str:
    """The X-Signature value of `body` sent at `timestamp` (Unix seconds): "sha256=<hex>"."""
    return _signature(body, str(timestamp), secret or webhook_secret())


def signed_headers(body: bytes, timestamp: int, *, secret: str | None = None) -> dict[str, str]:
    """Both headers of a call sending `body` at `timestamp`."""
    return {SIGNATURE_HEADER: sign(body, timestamp, secret=secret), TIMESTAMP_HEADER: str(timestamp)}


def verify(*, body: bytes, signature: str | None, timestamp: str | None, now: datetime) -> None:
    """Accept a call signed with the shared secret and sent within five minutes of `now`.

    :raises BadSignature: a missing or malformed header, or a signature that does not match (403)
    :raises StaleRequest: a matching signature sent more than five minutes before or after `now` (401)
    """
    timestamp = (timestamp or "").strip()
    if not _TIMESTAMP.fullmatch(timestamp):
        raise BadSignature(gettext("缺少或无法识别 X-Timestamp 请求头"), field=TIMESTAMP_HEADER)
    expected = _signature(body, timestamp, webhook_secret())
    if not hmac.compare_digest((signature or "").strip().encode(), expected.encode()):
        raise BadSignature(field=SIGNATURE_HEADER)
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        raise StaleRequest(field=TIMESTAMP_HEADER)


def _signature(body: bytes, timestamp: str, secret: str) -> str:
    return SCHEME + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
