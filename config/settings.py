"""IoT Match settings: one module, every deployment-specific value from the environment.

Defaults target the embedded development services started by `make run` / `make test`
(PostgreSQL on 127.0.0.1:54329, Redis on 127.0.0.1:63799). Production sets DJANGO_DEBUG=0,
DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and optionally
SEARCH_BACKEND=elasticsearch with ELASTICSEARCH_URL.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="dev-only-insecure-key-never-used-in-production" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.demands",
    "apps.imports",
    "apps.matching",
    "apps.search",
    "apps.coordination",
    "apps.integrations",
    "frontend",
]

MIDDLEWARE = [
    # Probes answer before the host check and the HTTPS redirect (compose, load balancers).
    "apps.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.DependencyOutageMiddleware",
    "apps.core.middleware.APIBodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "apps.core.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.integrations.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:54329/iotmatch")
}
# Persistent connections: a new connection per request costs ~3x throughput (measured here).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Without it libpq waits for a TCP timeout (minutes) when PostgreSQL's host is unreachable,
# and every request would hang instead of answering 503 (apps.core.outages).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "iotmatch",
        # Bounded waits: an unreachable Redis is an error within a second, not a hung worker.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a sign-in for a locked-out account or address before any
# password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes, failures kept in PostgreSQL): LOGIN_FAILURE_LIMIT failures for one
# account, or from one address, lock that account or address out for LOGIN_LOCKOUT_MINUTES
# after the last failure. Success does not reset the count: with a valid account of their own,
# an attacker could otherwise clear their address's count between guesses.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "apps.core.network.client_ip"
AXES_LOCKOUT_CALLABLE = "frontend.views.accounts.login_locked_out"
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not logged row by row
LOGIN_URL = "login"
# The role home: members see their work, coordinators are sent on to their "today" page.
LOGIN_REDIRECT_URL = "my-work"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Locale formats overriding Django's where CLDR differs (zh-Hans digit grouping).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="IoT Match <noreply@iotmatch.local>")

# --- security: on unless explicitly relaxed (development and tests run over plain HTTP) ----
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files — htmx, ECharts,
# the page scripts and Swagger UI's split script; no inline script or handler runs. Inline
# styles stay allowed: templates use a few style attributes, htmx injects its indicator style
# and ECharts writes tooltip markup with style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no page here uses a device or payment API.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated
# in the environment). Empty: the header is ignored, and a client cannot pick the address it is
# counted under by rate limits and login lockout (apps.core.network).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["apps.core.api.filters.StrictFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"principal": env("API_THROTTLE_RATE", default="600/min")},
    # Trust no proxy header in DRF itself: PrincipalRateThrottle counts by apps.core.network.
    "NUM_PROXIES": 0,
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IoT Match API",
    "DESCRIPTION": "移动物联网应用协调平台 — supply, demand, matching and coordination (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OfferingStatusEnum": "apps.catalog.models.Offering.Status",
        "DemandStatusEnum": "apps.demands.models.Demand.Status",
        "ImportJobStatusEnum": "apps.imports.models.ImportJob.Status",
        "WebhookDeliveryStatusEnum": "apps.integrations.models.WebhookDelivery.Status",
        "WebhookEventTypeEnum": "apps.integrations.models.EventType",
        "MatchResponseEnum": "apps.matching.models.Match.Response",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.add_error_responses",
        "apps.integrations.schema.add_idempotency_key",
    ],
}
# Where rate-limit buckets live (apps.core.api.throttling); it falls back to per-process
# counting while this Redis is unreachable.
THROTTLE_REDIS_URL = env("THROTTLE_REDIS_URL", default=REDIS_URL)
API_KEY_CUSTOM_HEADER = None  # keys travel as `Authorization: Api-Key <key>`

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A killed worker's unacknowledged task comes back after this. Matching does not wait for it:
# its outbox and the lapsed-lease resume below are driven by beat.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# How often beat drains the matching outbox: the longest a listing waits to be matched when the
# drain queued after its commit was lost (broker flushed or down, worker killed).
MATCHING_OUTBOX_SWEEP_SECONDS = env.float("MATCHING_OUTBOX_SWEEP_SECONDS", default=30.0)
# How often beat looks for a full rematch whose lease lapsed (its worker died) and resumes it;
# a dead worker's run then resumes MATCHING_LEASE_SECONDS (120 s) plus at most this much after
# its last progress, instead of after the broker's one-hour visibility timeout.
MATCHING_REMATCH_RESUME_SECONDS = env.float("MATCHING_REMATCH_RESUME_SECONDS", default=60.0)
MATCHING_LEASE_SECONDS = env.int("MATCHING_LEASE_SECONDS", default=120)

CELERY_BEAT_SCHEDULE = {
    "matching-drain-outbox": {
        "task": "matching.drain_outbox",
        "schedule": MATCHING_OUTBOX_SWEEP_SECONDS,
        "options": {"expires": MATCHING_OUTBOX_SWEEP_SECONDS},
    },
    "matching-full-rematch-resume": {
        "task": "matching.full_rematch_resume",
        "schedule": MATCHING_REMATCH_RESUME_SECONDS,
        # A check nobody took in time is superseded by the next: they never pile up.
        "options": {"expires": MATCHING_REMATCH_RESUME_SECONDS},
    },
    "matching-full-rematch": {
        "task": "matching.full_rematch",
        "schedule": crontab(minute=15, hour="*/6"),
    },
    "matching-mismatch-aggregate": {
        "task": "matching.mismatch_aggregate",
        "schedule": crontab(minute=45),
    },
    # Demo data (47 vendors): ≈ 6 s; the page shows when the stored rows were computed.
    "matching-partner-suggestions-refresh": {
        "task": "matching.partner_suggestions_refresh",
        "schedule": crontab(minute=50),
    },
    "search-drain-outbox": {"task": "search.drain_outbox", "schedule": 5.0},
    "imports-requeue-stale": {"task": "imports.requeue_stale", "schedule": crontab(minute="*/10")},
    "integrations-deliver-webhooks": {"task": "integrations.deliver_webhooks", "schedule": 10.0},
    "integrations-purge-idempotency": {
        "task": "integrations.purge_idempotency_records",
        "schedule": crontab(minute=5),
    },
    "integrations-purge-webhook-history": {
        "task": "integrations.purge_webhook_history",
        "schedule": crontab(minute=20, hour=3),
    },
}

# --- matching -------------------------------------------------------------------------------
# Processes a full rematch forks after loading the market index (shared copy-on-write): one per
# core. Each holds a database connection while it runs.
MATCHING_FULL_REMATCH_WORKERS = env.int("MATCHING_FULL_REMATCH_WORKERS", default=2)

# --- partner integration --------------------------------------------------------------------
# Webhook targets on private or loopback addresses are refused in production (SSRF).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=DEBUG)
# Fernet keys for stored webhook secrets; the first encrypts, all decrypt (rotation). Without
# them the key derives from SECRET_KEY, and rotating SECRET_KEY would orphan stored secrets.
WEBHOOK_SECRET_ENCRYPTION_KEYS = env.list("WEBHOOK_SECRET_ENCRYPTION_KEYS", default=[])

# --- search ---------------------------------------------------------------------------------
SEARCH_BACKEND = env("SEARCH_BACKEND", default="postgres")
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env("ELASTICSEARCH_INDEX_PREFIX", default="iotmatch")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
