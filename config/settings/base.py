"""Settings shared by every environment; everything deployment-specific comes from the environment."""
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.beat import expiring

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "simple_history",
    "import_export",
    "core",
    "suppliers",
    "points",
    "logistics",
    "settlement",
]

MIDDLEWARE = [
    "core.logs.RequestId",  # first: every response, a refused one too, carries its request id
    "django.middleware.security.SecurityMiddleware",
    "core.health.HealthMiddleware",  # /healthz, /readyz: before the Host check (CommonMiddleware) and the sessions
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.SignInAfterPost",  # a form posted once signed out: back to its page after signing in (with a message)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.DomainErrorMiddleware",
    "core.middleware.ApiNotFoundMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.portal.navigation",
                "core.pages.sent_back",
            ],
        },
    },
]

# --- Database: SQLite by default, PostgreSQL through DATABASE_URL -----------------------------
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}", conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL and psycopg prepares a statement run five times on a connection, so
    # PostgreSQL parses and plans the hot paths' statements once per connection instead of once per request.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": os.environ.get("DB_SERVER_SIDE_BINDING", "true") == "true",
        "prepare_threshold": None if os.environ.get("DB_PREPARE_THRESHOLD") == "off" else int(os.environ.get("DB_PREPARE_THRESHOLD", "5")),
        # an unreachable server fails a request (and /readyz) within seconds instead of the operating system's minutes
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
    }
    # JIT compilation only pays back on long analytical queries: on these short requests a plan priced above
    # `jit_above_cost` (a list's sort over every row, say) spent most of a second compiling (docs/benchmarks.md).
    if os.environ.get("DB_JIT", "off") == "off":
        DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
    # A list download reads its rows through a server-side cursor (`iterator`), which a transaction-pooling PgBouncer loses.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = os.environ.get("DB_SERVER_SIDE_CURSORS", "true") != "true"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Failed sign-ins (login pages and API token) counted in the cache: a username after 5 failures from one client address
# (there), or 50 from anywhere (everywhere), a client address after 20, is refused for 15 minutes; behind a proxy, the
# header carrying the client's address (the proxy appends it last).
if os.environ.get("CACHE_URL"):  # shared by every process (the login limiter's counts): e.g. redis://redis:6379/2
    # a cache server that does not answer fails a sign-in (and /readyz) within 2 s instead of holding the request
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"],
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("LOGIN_FAILURES_PER_USERNAME", "5"))
LOGIN_FAILURES_PER_USERNAME_ANYWHERE = int(os.environ.get("LOGIN_FAILURES_PER_USERNAME_ANYWHERE", "50"))
LOGIN_FAILURES_PER_CLIENT = int(os.environ.get("LOGIN_FAILURES_PER_CLIENT", "20"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
LOGIN_CLIENT_ADDRESS_HEADER = os.environ.get("LOGIN_CLIENT_ADDRESS_HEADER", "")
# supplier applications a client address may send within LOGIN_LOCKOUT_MINUTES (the public form tells whether a
# username or credit code is taken: the limit keeps that from being mined)
SUPPLIER_APPLICATIONS_PER_CLIENT = int(os.environ.get("SUPPLIER_APPLICATIONS_PER_CLIENT", "10"))
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"  # a form of a page opened before signing in again: the portal's page, 403

# --- Time and language -------------------------------------------------------------------------
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# numbers and dates per language (config/formats); grouping only where a page asks for it, never in inputs or downloads
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "core" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "points.api.authentication.TokenAuthentication",
        "core.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "core.api.filters.StrictOrderingFilter",
        "core.api.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "URL_FORMAT_OVERRIDE": None,  # `?format=` is no API parameter: the Accept header chooses (the portal's file_format is its own)
}
SPECTACULAR_SETTINGS = {
    "TITLE": "积分礼品供应商与结算系统 API · Loyalty gift supplier and settlement API",
    "DESCRIPTION": "Gift suppliers, points redemption, logistics and monthly settlement.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DelistReasonEnum": "suppliers.models.catalog.Gift.DelistReason",
        "TierEnum": "core.models.programs.Tier",
        "CarrierEventKindEnum": "logistics.models.shipments.CarrierEvent.Kind",
        "ShipmentStateEnum": "logistics.models.shipments.Shipment.State",
        "ExtraCostKindEnum": "logistics.models.costs.CostKind",
        "PartyEnum": "logistics.models.costs.Payer",
        "TariffUnitEnum": "logistics.models.costs.TariffUnit",
        "ReturnStateEnum": "logistics.models.returns.ReturnRequest.State",
        "ReturnOutcomeEnum": "logistics.models.returns.ReturnRequest.Outcome",
        "ReturnReasonEnum": "logistics.models.returns.ReturnRequest.Reason",
        "InboundStateEnum": "logistics.models.inbound.InboundShipment.State",
        "ClaimStateEnum": "logistics.models.claims.LogisticsClaim.State",
        "LeftoverLotStateEnum": "logistics.models.leftovers.LeftoverLot.State",
        "SupplierStateEnum": "suppliers.models.suppliers.Supplier.State",
        "GiftStateEnum": "suppliers.models.catalog.Gift.State",
        "ReviewStateEnum": "suppliers.models.revisions.GiftRevision.State",
        "ReplenishmentStateEnum": "suppliers.models.inventory.ReplenishmentRequest.State",
        "OrderStateEnum": "points.models.orders.RedemptionOrder.State",
        "LedgerEntryKindEnum": "points.models.ledger.LedgerEntry.Kind",
        "CreditUploadStateEnum": "points.models.credit_uploads.CreditUpload.State",
        "CreditUploadStatusEnum": "points.models.credit_uploads.CreditUpload.Status",
        "StockMovementKindEnum": "suppliers.models.inventory.StockMovement.Kind",
        "StockCountLiableEnum": "suppliers.models.inventory.StockMovement.Liable",
        "LocationKindEnum": "suppliers.models.inventory.Location.Kind",
        "QualificationKindEnum": "suppliers.models.contracts.Qualification.Kind",
        "StatementStateEnum": "settlement.models.statements.Statement.State",
        "AdjustmentStateEnum": "settlement.models.adjustments.Adjustment.State",
        "AdjustmentKindEnum": "settlement.models.adjustments.Adjustment.Kind",
        "AnnouncementKindEnum": "suppliers.models.announcements.Announcement.Kind",
        "RectificationCaseKindEnum": "settlement.models.assessment.RectificationCase.Kind",
        "RectificationCaseStateEnum": "settlement.models.assessment.RectificationCase.State",
        "ReEvaluationDecisionEnum": "settlement.models.assessment.ReEvaluation.Decision",
        "ReEvaluationStateEnum": "settlement.models.assessment.ReEvaluation.State",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums", "core.api.schema.any_validation_error"],
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "core.api.errors.DomainExceptionHandler",
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "409", "415", "422", "500"],
    "ERROR_SCHEMAS": {
        "409": "core.api.errors.ErrorResponse409Serializer",
        "422": "core.api.errors.ErrorResponse422Serializer",
    },
}

# --- Celery: eager until a broker is configured ------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# with acks_late, a task still running when the worker loses the broker connection cannot be acknowledged any more and
# is delivered again (to this or another worker) once the connection is back: cancel it then rather than run it twice
# at once (Celery 5's default is to let it run on, with a deprecation warning; 6 cancels)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that takes the connection but never answers (a failover, a firewall dropping packets) must not hold the
# request that publishes after its commit: each socket operation gives up after CELERY_BROKER_SOCKET_TIMEOUT, a
# publish is tried once more, and then `core.jobs.publish` logs it as not published for the sweep of work left
# behind (worst case about 3 timeouts: docs/operations.md). A worker's connection retries as Celery's default does.
BROKER_SOCKET_TIMEOUT = float(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT
# A task running past the soft limit gets SoftTimeLimitExceeded (its transaction rolls back, the failure is recorded), past
# the hard limit its worker process is killed and replaced; both below the visibility timeout, so Redis never delivers a
# message again to a second worker while the first still runs it. The longest task, a month's generation, took 10 s for
# 1,000,000 lines (docs/benchmarks.md); a large statement's PDF a few minutes at most.
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "1800"))
# the soft limit leaves the task time to clean up before the hard one: 5 minutes, or a sixth of a shorter hard limit
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT") or max(CELERY_TASK_TIME_LIMIT * 5 // 6, CELERY_TASK_TIME_LIMIT - 300))
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
# each entry expires after its interval (config.beat): a run still queued when the next is due is dropped
CELERY_BEAT_SCHEDULE = expiring({
    "send-due-notifications": {"task": "core.tasks.send_due_notifications", "schedule": 60.0},
    "publish-scheduled-gifts": {"task": "suppliers.tasks.publish_scheduled_gifts", "schedule": 60.0},
    "expire-unconfirmed-orders": {"task": "points.tasks.expire_unconfirmed_orders", "schedule": 60.0},
    "expire-points": {"task": "points.tasks.expire_points", "schedule": crontab(minute=0)},
    "remind-expiring-points": {"task": "points.tasks.remind_expiring_points", "schedule": crontab(hour=10, minute=0)},
    "auto-deliver-shipments": {"task": "logistics.tasks.auto_deliver_shipments", "schedule": crontab(minute=30)},
    "hand-over-dropship-orders": {"task": "logistics.tasks.hand_over_dropship_orders", "schedule": 300.0},
    "complete-orders": {"task": "points.tasks.complete_orders", "schedule": crontab(hour=3, minute=0)},
    "sweep-qualifications": {"task": "suppliers.tasks_profile.sweep_qualifications", "schedule": crontab(hour=0, minute=30)},
    "charge-leftover-storage-fees": {"task": "logistics.tasks_leftovers.charge_storage_fees", "schedule": crontab(hour=0, minute=10)},
    "remind-leftover-collection": {"task": "logistics.tasks_leftovers.remind_collection_due", "schedule": crontab(hour=0, minute=10)},
    "purge-idempotency-keys": {"task": "core.tasks.purge_idempotency_keys", "schedule": crontab(minute=17)},
    "purge-pending-uploads": {"task": "suppliers.tasks.purge_pending_uploads", "schedule": crontab(minute=47)},
    "generate-statements": {"task": "settlement.tasks.generate_last_month", "schedule": crontab(day_of_month=1, hour=2, minute=0)},
    "confirm-silent-statements": {"task": "settlement.tasks.confirm_silent_statements", "schedule": crontab(hour=2, minute=30)},
    "assess-last-month": {"task": "settlement.tasks_assessment.assess_last_month", "schedule": crontab(day_of_month=20, hour=3, minute=0)},
    "schedule-re-evaluations": {"task": "settlement.tasks_cases.schedule_re_evaluations", "schedule": crontab(hour=1, minute=15)},
    "escalate-complaints": {"task": "points.tasks_complaints.escalate_complaints", "schedule": 300.0},
    "resolve-answered-complaints": {"task": "points.tasks_complaints.resolve_answered_complaints", "schedule": crontab(minute=40)},
    "pick-up-left-behind-settlement": {"task": "settlement.tasks.pick_up_left_behind", "schedule": 300.0},
    "pick-up-left-behind-uploads": {"task": "logistics.tasks.pick_up_left_behind", "schedule": 300.0},
    "pick-up-left-behind-credits": {"task": "points.tasks.pick_up_left_behind_credits", "schedule": 300.0},
    "discard-stale-credit-previews": {"task": "points.tasks.discard_stale_credit_previews", "schedule": crontab(minute=52)},
    "pick-up-left-behind-imports": {"task": "suppliers.tasks.pick_up_left_behind_imports", "schedule": 300.0},
})
# work whose task no worker has shown progress on for this long (its message lost with the broker) is queued again
LEFT_BEHIND_AFTER_MINUTES = int(os.environ.get("LEFT_BEHIND_AFTER_MINUTES", "30"))
# how many times such work is queued again before it is given up on, with a reason its page shows
LEFT_BEHIND_REQUEUES = int(os.environ.get("LEFT_BEHIND_REQUEUES", "3"))

# --- Notifications (提醒服务) ----------------------------------------------------------------------
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.notifications.backends.ConsoleBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl"))
QUIET_HOURS = (22, 8)
# true: messages due now are sent by the outbox relay (`manage.py relay_notifications`, one or more beside the
# workers) within a second, instead of one Celery task published per message after each commit
NOTIFICATION_RELAY = env_bool("NOTIFICATION_RELAY", False)
RELAY_INTERVAL_SECONDS = float(os.environ.get("RELAY_INTERVAL_SECONDS", "1"))
# statements with more lines than this are rendered to PDF by a task after issue instead of in the request
STATEMENT_PDF_INLINE_LINES = int(os.environ.get("STATEMENT_PDF_INLINE_LINES", "2000"))
# a TrueType/TTC font to embed in statement PDFs instead of the built-in (not embedded) STSong-Light
STATEMENT_PDF_FONT = os.environ.get("STATEMENT_PDF_FONT", "")
# where a terminated supplier pays back what it owes (a receivable): the platform's receiving account as suppliers
# should read it ("户名 …，开户行 …，账号 …"); unset, a receivable's page asks the supplier to pay as finance instructs
RECEIVABLE_PAY_TO = os.environ.get("RECEIVABLE_PAY_TO", "").strip()
# a supplier scoring under this (0–100) two months running gets a suspension proposal (SPEC §4.10)
ASSESSMENT_SUSPENSION_THRESHOLD = int(os.environ.get("ASSESSMENT_SUSPENSION_THRESHOLD", "60"))

IDEMPOTENCY_KEY_TTL_HOURS = 24

# Shared secret of the logistics provider's signed webhook; development derives one from SECRET_KEY.
LOGISTICS_WEBHOOK_SECRET = os.environ.get("LOGISTICS_WEBHOOK_SECRET") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refused_in_one_line": {"()": "core.logs.RefusedRequestInOneLine"}, "request_id": {"()": "core.logs.RequestIdInLog"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refused_in_one_line", "request_id"], "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
