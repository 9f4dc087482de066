"""The console log of a deployment: a request refused for the client's mistake is one line, without a traceback."""
import logging


class RefusedRequestInOneLine(logging.Filter):
    """Django logs a request it refuses as suspicious (a Host header outside ALLOWED_HOSTS, too many fields: a 400) to
    `django.security.<error>` with the error's traceback, which says nothing about the client's mistake and buries the
    log under scanners' requests; it becomes one warning line, as `django.request` logs any other 4xx."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security.") and record.exc_info:
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True
