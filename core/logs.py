"""The console log of a deployment: each line with its time, level, logger and request id; a request refused for the
client's mistake is one line, without a traceback."""
import logging
import re
import uuid
from contextvars import ContextVar


class RefusedRequestInOneLine(logging.Filter):
    """Django logs a request it refuses as suspicious (a Host header outside ALLOWED_HOSTS, too many fields: a 400) to
    `django.security.<error>` with the error's traceback, which says nothing about the client's mistake and buries the
    log under scanners' requests; it becomes one warning line, as `django.request` logs any other 4xx."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security.") and record.exc_info:
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


# --- the request id: one per request, in every log line written while it is served and in its response ----------

#: the id of the request being served on this thread ("-" outside a request: tasks, commands)
request_id: ContextVar[str] = ContextVar("request_id", default="-")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")


class RequestId:
    """Serves each request under an id: the proxy's `X-Request-ID` (nginx `$request_id`), or a new one when it sends
    none or one that is not a plain token; echoed in the response's `X-Request-ID` (which gunicorn's access log shows),
    and in each log line of the request (`RequestIdInLog`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class RequestIdInLog(logging.Filter):
    """Gives each record the id of the request it was written for (`%(request_id)s` in the console format). Django
    writes its own line of a 4xx or 5xx answer (`Not Found: /path`) once the middleware has returned and the id is no
    longer current: that line carries its request, whose id it takes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        if record.request_id == "-":
            record.request_id = getattr(getattr(record, "request", None), "request_id", "-")
        return True
