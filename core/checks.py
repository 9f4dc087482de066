"""Deployment checks of the shared infrastructure (`manage.py check --deploy`): the services production must not run
without, which the settings fall back from silently in development."""
from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

HINT = "Set it in the deployment's environment file: see docs/operations.md."


@register("core", deploy=True)
def check_deployment_services(app_configs=None, **kwargs) -> list:
    """Warn when the database, the broker or the shared cache is the development fallback."""
    warnings = []
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        warnings.append(Warning(
            "DATABASE_URL is unset: the application runs on the embedded SQLite database, one writer at a time.",
            hint=HINT, id="core.W001"))
    if not settings.CELERY_BROKER_URL:
        warnings.append(Warning(
            "CELERY_BROKER_URL is unset: tasks (statement generation, PDFs, SMS) run eagerly inside the web request, "
            "beat and the workers have nothing to work from.",
            hint=HINT, id="core.W002"))
    if "default" not in settings.CACHES or "locmem" in settings.CACHES["default"]["BACKEND"]:
        warnings.append(Warning(
            "CACHE_URL is unset: each process keeps its own cache, so the limiter of failed sign-ins counts apart in "
            "every gunicorn worker (5 tries per worker) and forgets its counts on restart.",
            hint=HINT, id="core.W003"))
    return warnings


@register("core", deploy=True)
def check_sms_gateway(app_configs=None, **kwargs) -> list:
    """Warn when SMS_BACKEND texts nobody (the file or console backend); refuse a class that cannot be imported, or
    that is no Backend implementing `send` (the abstract interface itself)."""
    from core.notifications.backends import Backend, ConsoleBackend, FileBackend, MemoryBackend

    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError as error:
        return [Error(f"SMS_BACKEND is {settings.SMS_BACKEND!r}, which cannot be imported ({error}): no SMS could be sent.",
                      hint="Set SMS_BACKEND to the dotted path of the SMS gateway's class: see docs/operations.md.", id="core.E001")]
    if not isinstance(backend, type) or not issubclass(backend, Backend) or getattr(backend, "send", None) is Backend.send:
        return [Error(f"SMS_BACKEND is {settings.SMS_BACKEND}, which sends nothing: it does not implement send() (every SMS "
                      "would fail with NotImplementedError).",
                      hint="Set SMS_BACKEND to the SMS gateway's class, a Backend implementing send(): see docs/operations.md.",
                      id="core.E002")]
    if issubclass(backend, (ConsoleBackend, FileBackend, MemoryBackend)):
        return [Warning(
            f"SMS_BACKEND is {settings.SMS_BACKEND}, which texts nobody: members and suppliers get no SMS (codes, "
            "shipments, refunds); it only writes or prints them.",
            hint="Set SMS_BACKEND to the SMS gateway's class before go-live: see docs/operations.md.", id="core.W004")]
    return []
