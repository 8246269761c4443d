"""Django settings for fuwu.

One settings module; everything that differs between a developer's laptop and production comes from
environment variables, documented in the README.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("FUWU_VAR_DIR", Path.cwd() / "var")).resolve()

FUWU_ENV = os.environ.get("FUWU_ENV") or ("test" if "PYTEST_VERSION" in os.environ else "development")
if FUWU_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("FUWU_ENV must be development, test or production")
IS_PRODUCTION = FUWU_ENV == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when FUWU_ENV=production")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", not IS_PRODUCTION)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "fuwu.core",
    "fuwu.org",
    "fuwu.timeline",
    "fuwu.policy",
    "fuwu.workcal",
    "fuwu.customers",
    "fuwu.catalogue",
    "fuwu.notify",
    "fuwu.numbering",
    "fuwu.clocks",
    "fuwu.approvals",
    "fuwu.exports",
    "fuwu.workorders",
    "fuwu.complaints",
    "fuwu.capa",
    "fuwu.visits",
    "fuwu.suppliers",
    "fuwu.duty",
    "fuwu.inspections",
    "fuwu.tracing",
    "fuwu.reports",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_guid",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "ninja",  # the API docs (/api/v1/docs) from the package's own files, not a CDN: offline and CSP-clean
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",  # first: every later line of the request has its id
    "fuwu.core.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fuwu.core.middleware.LanguageMiddleware",
    "fuwu.core.middleware.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fuwu.core.middleware.OrganisationRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the sign-in page saying so
]

ROOT_URLCONF = "fuwu.urls"
WSGI_APPLICATION = "fuwu.wsgi.application"

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
                "fuwu.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# SQLite under var/ by default, or any SQLite file or PostgreSQL through DATABASE_URL. However SQLite
# is chosen it gets the same settings: WAL (readers never wait for the writer), a busy timeout (a
# writer waits for the lock instead of failing), BEGIN IMMEDIATE (a transaction takes the write lock
# when it starts, so two read-then-write transactions cannot deadlock into "database is locked") and
# foreign keys. Connections stay open between requests (DB_CONN_MAX_AGE seconds, checked before
# reuse): opening one costs about 3 ms of CPU per request.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 600)
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
    ),
}
if DATABASE_URL:
    DATABASES: dict[str, dict[str, Any]] = {
        "default": dict(
            dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True)
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "fuwu.sqlite3")),
            "CONN_MAX_AGE": DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    # Tests use a file, not the in-memory database: concurrency tests need several connections
    # that really write at once (WAL, busy timeout). One file per test run (pid), removed after.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_PATH") or str(VAR_DIR / f"test-{os.getpid()}.sqlite3"),
        **DATABASES["default"].get("TEST", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]  # one catalogue for the whole package (make messages)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "fuwu_language"

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(VAR_DIR / "static"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- security -------------------------------------------------------------------------------
# FUWU_HTTPS=1: the site is served over TLS, by a reverse proxy in front of gunicorn that passes
# X-Forwarded-Proto. Then plain-HTTP requests are redirected to HTTPS, HSTS tells browsers to come
# back over HTTPS only (one year, subdomains included; preload is a commitment for the whole domain,
# so off unless SECURE_HSTS_PRELOAD=1), and cookies travel over HTTPS only. Each can be overridden.
FUWU_HTTPS = env_bool("FUWU_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", FUWU_HTTPS)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("FUWU_TRUST_X_FORWARDED_PROTO", FUWU_HTTPS) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if FUWU_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# "SQLite does not support indexes with non-key columns": the clocks' index of unmet clocks
# includes the paused moment on PostgreSQL only, by design (SQLite builds it without).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # "preload is off": deliberately, see above
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", IS_PRODUCTION or FUWU_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", IS_PRODUCTION or FUWU_HTTPS)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): scripts, styles, fonts and connections from this site only
# (the vendored Bootstrap and htmx, fuwu.js, fuwu.css); no inline script, event handler or style
# attribute anywhere — templates keep behaviour in fuwu/fuwu.js and sizes in fuwu/fuwu.css, and htmx
# is told not to inject its indicator style nor evaluate code (meta htmx-config in base.html).
# Images may also be data: URLs (Bootstrap's SVG icons) and blob: URLs (photo previews).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if FUWU_HTTPS else {}),
    },
}

if FUWU_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- background jobs (huey) -----------------------------------------------------------------
# Embedded default: SQLite storage under var/, no extra server. Production: Redis through REDIS_URL,
# so consumers can run on several machines.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", FUWU_ENV == "test")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "fuwu",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fuwu",
        "filename": os.environ.get("HUEY_SQLITE_PATH", str(VAR_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
        "utc": True,
    }
if IS_PRODUCTION and not REDIS_URL:
    # Allowed (a single-machine production), but say so loudly in the logs.
    HUEY_WARNING = "REDIS_URL is not set: huey uses SQLite storage, consumers must run on this machine"

# --- cache ----------------------------------------------------------------------------------
# Shared between server processes: the public pages' rate limits count there. Redis when REDIS_URL is
# set; else files under var/cache (one machine; its increments are not atomic, so under a burst a few
# requests beyond a limit may pass). Tests use an in-process cache.
if FUWU_ENV == "test":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fuwu-test"}
    }
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fuwu-cache",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("FUWU_CACHE_DIR", str(VAR_DIR / "cache")),
        }
    }

# --- public pages (customers, no login) ------------------------------------------------------
# Rate limits per client IP address (django-ratelimit syntax: "5/10m" = 5 per 10 minutes). Product
# settings, not numbers from the regulations. Behind a reverse proxy set RATELIMIT_IP_META_KEY to
# the header carrying the client's address (e.g. HTTP_X_REAL_IP), otherwise every customer shares
# the proxy's address.
FUWU_PUBLIC_SUBMIT_RATE = os.environ.get("FUWU_PUBLIC_SUBMIT_RATE", "5/10m")
FUWU_PUBLIC_STATUS_RATE = os.environ.get("FUWU_PUBLIC_STATUS_RATE", "20/m")
for _rate_name in ("FUWU_PUBLIC_SUBMIT_RATE", "FUWU_PUBLIC_STATUS_RATE"):
    if not re.fullmatch(r"\d+/\d*[smhd]", globals()[_rate_name]):
        raise ImproperlyConfigured(
            f"{_rate_name} must look like 5/10m or 20/m (count/[number]unit, unit s, m, h or d)"
        )
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None
# One work-order number's status may be looked up with wrong phone digits this many times within the
# window (seconds), from any number of addresses; then that number is locked until the window ends
# (4 digits are 10,000 guesses: 10 an hour makes guessing one number take years).
FUWU_PUBLIC_STATUS_NUMBER_FAILURES = env_int("FUWU_PUBLIC_STATUS_NUMBER_FAILURES", 10)
FUWU_PUBLIC_STATUS_NUMBER_WINDOW = env_int("FUWU_PUBLIC_STATUS_NUMBER_WINDOW", 3600)

# --- brute-force limits for staff -----------------------------------------------------------
# Sign-in (staff pages and /admin/, django-axes): after FUWU_LOGIN_FAILURE_LIMIT wrong passwords for
# one account, or from one address, within FUWU_LOGIN_LOCKOUT_MINUTES, that account and that address
# are locked for the same time after the last try (each try during the lock restarts it). An
# administrator unlocks on the "Sign-in lockouts" page or with `fuwu axes_reset_username` /
# `fuwu axes_reset_ip`. Attempts are kept in the database (axes' database handler): one row per
# account, address and browser, written only on failures, and visible on that page whatever the
# cache is; a success does not reset the count (else one's own account would clear the address).
# A bearer token is not a password: it is throttled per address below, not by axes.
AXES_FAILURE_LIMIT = env_int("FUWU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FUWU_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # failures only: no row per successful sign-in and sign-out
AXES_CLIENT_IP_CALLABLE = "fuwu.lib.throttle.client_ip"  # the same address as every other limit
AXES_LOCKOUT_CALLABLE = "fuwu.core.views.sign_in_locked_out"
# API: this many invalid bearer tokens from one address within the window (seconds), then 429 for
# every bearer token from that address until the window ends.
FUWU_API_BAD_TOKEN_LIMIT = env_int("FUWU_API_BAD_TOKEN_LIMIT", 10)
FUWU_API_BAD_TOKEN_WINDOW = env_int("FUWU_API_BAD_TOKEN_WINDOW", 600)

# --- logs, request ids, error reports (fuwu.core.observability) -------------------------------
# Every line carries the request id (the proxy's X-Request-ID when valid, else a new one, returned
# in the response's X-Request-ID; a task's id in the worker), the person and the records changed.
# LOG_FORMAT=json: one JSON object per line for a log collector; text otherwise.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be text or json")
LOG_FIELDS = ["asctime", "levelname", "name", "message", "request_id", "user", "record"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "fuwu.lib.logcontext.RequestContext"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s %(record)s] %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": LOG_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "jieba": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # axes: failures and lockouts
        "django_guid": {"level": "WARNING"},  # else a line per request saying an id was made
        # runserver's own line per request repeats fuwu.request's
        "django.server": {"level": "WARNING"},
    },
}
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "EXPOSE_HEADER": False}
# Errors to Sentry (or a compatible server such as GlitchTip) when SENTRY_DSN is set; no personal data.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from fuwu import __version__
    from fuwu.core.observability import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or FUWU_ENV,
        release=f"fuwu@{__version__}",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
    )

# --- health (/health/, fuwu.core.health) ------------------------------------------------------
# The endpoint answers 503 when the database (or Redis, when used) does not answer; "degraded"
# (still 200) when no worker has beaten for FUWU_HEALTH_WORKER_MAX_AGE seconds, a due clock has
# waited for the sweep more than FUWU_HEALTH_SWEEP_MAX_LAG seconds, or more than
# FUWU_HEALTH_QUEUE_MAX tasks wait in the queue.
FUWU_HEALTH_WORKER_MAX_AGE = env_int("FUWU_HEALTH_WORKER_MAX_AGE", 180)
FUWU_HEALTH_SWEEP_MAX_LAG = env_int("FUWU_HEALTH_SWEEP_MAX_LAG", 300)
FUWU_HEALTH_QUEUE_MAX = env_int("FUWU_HEALTH_QUEUE_MAX", 1000)

NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 200

# The organisation served by this installation when a request does not say otherwise.
FUWU_DEFAULT_ORGANISATION = os.environ.get("FUWU_ORGANISATION", "")

# The SMS outbox page for administrators (/notifications/outbox/): where a tester reads the codes and
# notices sent to customers, as no SMS gateway is connected. Hidden in production unless switched on.
FUWU_SHOW_OUTBOX = env_bool("FUWU_SHOW_OUTBOX", not IS_PRODUCTION)

# --- notifications: e-mail, SMS, group robots (fuwu.notify) ---------------------------------
# Links in e-mails and robot posts point here (the address people open the site with).
FUWU_BASE_URL = os.environ.get("FUWU_BASE_URL", "http://127.0.0.1:8000")
# E-mail through SMTP when EMAIL_HOST is set; otherwise printed on the console (development).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fuwu@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# SMS provider (fuwu.notify.sms): empty = none, messages stay in the outbox; "aliyun" = 阿里云短信.
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "")
SMS_ACCESS_KEY_ID = os.environ.get("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = os.environ.get("SMS_ACCESS_KEY_SECRET", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_CODE = os.environ.get("SMS_TEMPLATE_CODE", "")
SMS_TEMPLATE_PARAM = os.environ.get("SMS_TEMPLATE_PARAM", "content")
SMS_REGION = os.environ.get("SMS_REGION", "cn-hangzhou")
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
if SMS_PROVIDER not in {"", "aliyun"}:
    raise ImproperlyConfigured("SMS_PROVIDER must be empty (the outbox) or aliyun")
# Every HTTP call to a robot or the SMS provider gives up after this many seconds.
FUWU_NOTIFY_TIMEOUT = float(os.environ.get("FUWU_NOTIFY_TIMEOUT") or 5)
# A delivery that failed for a reason that may pass (timeout, 5xx, rate limit) is tried again after
# FUWU_NOTIFY_RETRY_SECONDS, then twice as long each time (at most FUWU_NOTIFY_RETRY_MAX_SECONDS),
# FUWU_NOTIFY_MAX_ATTEMPTS times in all; then it is failed for good.
FUWU_NOTIFY_MAX_ATTEMPTS = env_int("FUWU_NOTIFY_MAX_ATTEMPTS", 6)
FUWU_NOTIFY_RETRY_SECONDS = env_int("FUWU_NOTIFY_RETRY_SECONDS", 60)
FUWU_NOTIFY_RETRY_MAX_SECONDS = env_int("FUWU_NOTIFY_RETRY_MAX_SECONDS", 3600)

# A paper voucher photographed on a phone comes as a base64 data URL in a JSON body: allow the
# picture limit (fuwu.lib.images, 10 MB) in base64. Bigger bodies answer 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024

# --- exports (Excel registers, PDF forms; docs/adr/0007-exports-and-pdf-fonts.md) --------------
# Up to this many rows an export is written during the request and downloaded at once; more rows go
# to a background job (huey) with progress on "My exports" and a download link when done.
FUWU_EXPORT_SYNC_MAX_ROWS = env_int("FUWU_EXPORT_SYNC_MAX_ROWS", 2000)
# Rows read and written per step (one query per step and per prefetched relation; progress is saved
# after each step).
FUWU_EXPORT_CHUNK_ROWS = env_int("FUWU_EXPORT_CHUNK_ROWS", 500)
# Finished export files are deleted this many days after they were made (a daily huey task).
FUWU_EXPORT_KEEP_DAYS = env_int("FUWU_EXPORT_KEEP_DAYS", 7)
# Export files live outside MEDIA_ROOT (never reachable through a media URL): they are served only
# by the download view, to the person who asked for them.
FUWU_EXPORT_ROOT = os.environ.get("FUWU_EXPORT_ROOT", str(VAR_DIR / "exports"))
# The font embedded in PDF forms: the vendored subset of Noto Sans CJK SC unless a path to another
# OpenType/TrueType font with Chinese glyphs is given (for characters beyond the subset).
FUWU_PDF_FONT = os.environ.get("FUWU_PDF_FONT", "")
