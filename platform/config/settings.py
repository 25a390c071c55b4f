"""Liangzhi Lab settings: one file, every deployment value from the environment.

The embedded defaults (SQLite, local storage under ``var/``, a SQLite Celery broker,
JupyterHub on loopback) make ``make demo`` work with no configuration at all.
``DJANGO_ENV=production`` turns on every hardening switch and makes the secret key,
allowed hosts and database mandatory.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .broker import set_sqlite_polling as set_sqlite_broker_polling
from .broker import transport_options as broker_transport_options
from .env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent  # platform/
REPO_DIR = BASE_DIR.parent

ENVIRONMENT = env_choice("DJANGO_ENV", "development", ("development", "test", "production"))
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

DATA_DIR = Path(env_str("LIANGZHI_DATA_DIR", str(REPO_DIR / "var"))).resolve()


def _dev_secret_key() -> str:
    """A per-checkout key kept under var/, so sessions survive a restart of the demo."""
    from django.core.management.utils import get_random_secret_key

    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    path.write_text(key)
    path.chmod(0o600)
    return key


if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "") or _dev_secret_key()

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS (comma-separated) in production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The site's own public address; used in links sent by e-mail and in the OAuth redirect
# configuration of the hub.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_prometheus",
    "oauth2_provider",
    "axes",
    "core",
    "accounts",
    "courses",
    "grading",
    "sandbox",
    "competitions",
    "dashboard",
    "notifications",
    "assessments",
    "orgs",
    "sso",
]

MIDDLEWARE = [
    "core.logging.RequestIdMiddleware",  # X-Request-ID in every log line and response
    # before the host and HTTPS checks: probes and metrics answer whatever the Host header (a
    # kubelet asks by pod address) and over plain HTTP inside the cluster
    "core.health.ProbeMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.SiteHostMiddleware",  # first: nothing, not even a cookie, under the hub's host name
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.NulByteMiddleware",  # NUL in a form field: a 400 before any view (PostgreSQL refuses it)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "notifications.middleware.LanguageMemoryMiddleware",  # e-mails go out in the language the user reads
    "accounts.middleware.UserTimeZoneMiddleware",  # times in the viewer's zone
    "accounts.middleware.PasswordChangeRequiredMiddleware",  # one-time passwords are changed first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # last, as django-axes asks: turns a refused (locked-out) login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.site",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
_database_url = env_str("DATABASE_URL", "" if PRODUCTION else _default_db)
if not _database_url:
    raise ImproperlyConfigured("Set DATABASE_URL (postgres://user:pass@host/db) in production.")
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; a busy timeout instead of
    # "database is locked" when two writers meet.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------
STATIC_URL = "static/"
# Images bake static files in at build time (STATIC_ROOT outside the data volume, so an upgrade
# never serves stale files); the demo keeps them under var/.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
_plotly_spec = importlib.util.find_spec("plotly")  # locate, never import, plotly here
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
if _plotly_spec and _plotly_spec.submodule_search_locations:
    # plotly.js comes from the Python package's own copy: one version, served locally.
    STATICFILES_DIRS.append(
        ("vendor/plotly", Path(next(iter(_plotly_spec.submodule_search_locations))) / "package_data")
    )
WHITENOISE_USE_FINDERS = DEBUG  # the demo serves static files straight from the source folders
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

# Files live on a POSIX filesystem (BLOB_ROOT, COMPETITIONS_DATA_DIR, COURSE_IMPORT_DIR): several web or
# worker hosts share one (NFS, CephFS, a ReadWriteMany volume) — see the README's "Files and
# storage". There is no object-storage backend: graders and the competition scorer read these as
# local files outside the sandbox, and blob writes rely on fsync + rename.
# STORAGE_BACKEND is read only to refuse "s3" loudly (earlier releases accepted it and ignored it).
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local",))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Content-addressed store for notebooks, lesson assets and submissions (see core.blobs).
BLOB_ROOT = Path(env_str("BLOB_ROOT", str(DATA_DIR / "blobs")))

FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
COURSE_ZIP_MAX_BYTES = env_int("COURSE_ZIP_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
COURSE_ZIP_MAX_UNPACKED_BYTES = env_int("COURSE_ZIP_MAX_UNPACKED_BYTES", 200 * 1024 * 1024, minimum=1024)
COURSE_ZIP_MAX_FILES = env_int("COURSE_ZIP_MAX_FILES", 2000, minimum=1)
# Importing an assignment runs its reference solution (full marks) and blank version (zero) in
# the grading sandbox and refuses it otherwise; unchanged assignments are not run again.
COURSES_VERIFY_ASSIGNMENTS = env_bool("COURSES_VERIFY_ASSIGNMENTS", True)
# Zips uploaded from the site wait here (0600) until a worker has imported them (courses.imports).
COURSE_IMPORT_DIR = Path(env_str("COURSE_IMPORT_DIR", str(DATA_DIR / "course-imports")))

# --- e-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Liangzhi Lab <noreply@localhost>")
if EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# --- cache ----------------------------------------------------------------------------
# REDIS_URL carries the password when Redis has one (production must): redis://:PASSWORD@host:6379/0
# (or rediss:// for TLS). Values are stored as JSON, never pickles: a key written by anyone who
# reaches Redis is read as a miss, not run (core.cache).
REDIS_URL = env_str("REDIS_URL", "")
# A Redis that is down or frozen degrades pages (every read a miss, writes dropped, one warning)
# instead of failing them: core.cache.FailSoftJSONRedisCache, with short socket timeouts.
CACHE_TIMEOUT_SECONDS = env_float("CACHE_TIMEOUT_SECONDS", 0.5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftJSONRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": CACHE_TIMEOUT_SECONDS, "socket_timeout": CACHE_TIMEOUT_SECONDS},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{DATA_DIR / 'celery-broker.sqlite'}")
CELERY_RESULT_BACKEND = None  # results live in our own tables, not in the broker
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One queue per kind of work, so that none waits behind another's backlog: student submissions
# and quiz attempts ("grading"), competition entries ("competitions"), course imports ("imports"),
# sweeps and housekeeping ("celery"). Each has workers of its own (Procfile, deploy/); a worker may
# consume several. The readiness probe and the job kernel's dead-worker check read this list.
WORKER_QUEUES = ("grading", "competitions", "imports", "celery")
CELERY_TASK_ROUTES = {
    "grading.*": {"queue": "grading"},
    "competitions.*": {"queue": "competitions"},
    "courses.*": {"queue": "imports"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A broker that refuses or never answers holds a web request at most about this long (seconds):
# short socket/connect timeouts, no publish retries in the request; the job row is committed
# first and the sweep sends what was not sent (core.jobs, config.broker).
CELERY_BROKER_TIMEOUT = env_float("CELERY_BROKER_TIMEOUT", 1.5)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
# The embedded SQLite broker is polled (seconds between polls when its queue is empty).
CELERY_BROKER_POLL_SECONDS = env_float("CELERY_BROKER_POLL_SECONDS", 0.1)
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, CELERY_BROKER_TIMEOUT)
set_sqlite_broker_polling(CELERY_BROKER_URL, CELERY_BROKER_POLL_SECONDS)
CELERY_TASK_PUBLISH_RETRY = False
# With LOG_FORMAT=json the worker's lines go through LOGGING too (JSON, with the task id as request_id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = env_choice("LOG_FORMAT", "plain", ("plain", "json")) != "json"
# Sweeps and housekeeping go to the default queue, never behind a backlog of grading jobs.
CELERY_TASK_ROUTES = {
    "grading.sweep": {"queue": "celery"},
    "competitions.sweep": {"queue": "celery"},
    "core.*": {"queue": "celery"},
    **CELERY_TASK_ROUTES,
}

# --- job kernel (core.jobs): one attempt limit and one sweep for every queue -----------------
# A job the platform fails this many times (sandbox did not start, worker died) needs attention.
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3, minimum=1)
JOBS_QUEUES = [
    "grading.services.GRADING_QUEUE",
    "competitions.services.COMPETITION_QUEUE",
    "courses.imports.IMPORT_QUEUE",
]
# Housekeeping: delivered messages of the embedded SQLite broker and job folders older than this
# many minutes are deleted.
JOBS_CLEANUP_AFTER_MINUTES = env_float("JOBS_CLEANUP_AFTER_MINUTES", 60.0)

# --- JupyterHub -------------------------------------------------------------------------
# The hub lives under another host name than the site (cookies are scoped by host, not port):
# the site's session cookie must never reach the hub or a student's server. Locally the site is
# 127.0.0.1 and the hub localhost; in production the hub (and per-user subdomains) sit on a
# separate registrable domain. core.middleware.SiteHostMiddleware refuses the site's pages
# under the hub's host name.
HUB_URL = env_str("HUB_URL", "http://localhost:8001").rstrip("/")
HUB_API_URL = env_str("HUB_API_URL", f"{HUB_URL}/hub/api").rstrip("/")
HUB_API_TOKEN = env_str("HUB_API_TOKEN", "")
HUB_TIMEOUT_SECONDS = env_float("HUB_TIMEOUT_SECONDS", 5.0)
# With per-user subdomains (the hub's JupyterHub.subdomain_host), each student's server answers at
# https://<name>.<this host>/user/<name>/: the site calls it there (sandbox.client), never through a redirect.
HUB_SUBDOMAIN_HOST = env_str("HUB_SUBDOMAIN_HOST", "").rstrip("/")

# --- OAuth2/OIDC provider (JupyterHub signs in through the site) ------------------------
_RFC9700 = (
    "IMPLICIT_GRANT", "PASSWORD_GRANT", "PKCE_METHOD", "ACCESS_TOKEN_TRANSPORT", "AUTHZ_RESPONSE_ISS",
    "TOKEN_STORAGE", "REFRESH_TOKEN", "REDIRECT_URI_MATCHING", "PKCE_REQUIRED",
)
OAUTH2_PROVIDER: dict[str, Any] = {
    # Follow the OAuth 2.0 Security BCP (RFC 9700) throughout: code flow with PKCE only,
    # hashed tokens, refresh-token replay detection, exact redirect URIs.
    "PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    **{f"COMPLIANT_BCP_RFC9700_{name}": True for name in _RFC9700},
    # The embedded hub listens on http://127.0.0.1:8001; production insists on https.
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": PRODUCTION,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["http", "https"],
    "SCOPES": {"openid": "OpenID Connect", "profile": "Your user name and display name"},
    "DEFAULT_SCOPES": ["openid", "profile"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
}

# --- security -----------------------------------------------------------------------------
# Login throttling (django-axes): LOGIN_FAILURE_LIMIT wrong passwords lock the account, and
# separately the address, for LOGIN_COOLOFF_MINUTES. LOGIN_LOCKOUT_BY lists the criteria
# (comma-separated; "a+b" locks the pair): a school whose classrooms share one address behind
# NAT sets "username,username+ip_address". Admins unlock in /admin/axes/ or with
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("LOGIN_COOLOFF_MINUTES", 15.0))
AXES_LOCKOUT_PARAMETERS = [
    part.split("+") if "+" in part else part
    for part in env_list("LOGIN_LOCKOUT_BY", ["username", "ip_address"])
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
AXES_VERBOSE = False
# Behind a reverse proxy REMOTE_ADDR is the proxy: name the header it sets (e.g. HTTP_X_REAL_IP).
LOGIN_CLIENT_IP_HEADER = env_str("LOGIN_CLIENT_IP_HEADER", "")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it from the page's meta tag, never from JS cookies
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Where this site's forms may lead besides itself and the hub: when the site is also the OpenID
# Connect provider of other sites (a district's instance signing in its schools' own sites), their
# callback origins, since browsers apply form-action to the redirect after the login form.
CSP_FORM_ACTION_EXTRA = env_list("CSP_FORM_ACTION_EXTRA", [])

# A strict policy: no inline script anywhere, every asset from the site itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js and KaTeX set style attributes at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", HUB_URL, *CSP_FORM_ACTION_EXTRA],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# LOG_FORMAT=json: one JSON object a line (time, level, logger, message, request_id, exception),
# for a log collector; "plain" for people. Every line carries the request's X-Request-ID.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- operations: probes, metrics, error reports -------------------------------------------
# /healthz: the process answers. /readyz: database, broker, cache and storage, each within this
# many seconds; the JSON detail is for superusers, or for whoever sends READYZ_TOKEN as a bearer token.
READYZ_TIMEOUT_SECONDS = env_float("READYZ_TIMEOUT_SECONDS", 2.0)
READYZ_TOKEN = env_str("READYZ_TOKEN", "")
# The checks whose failure makes /readyz answer 503; the others only report "degraded". Every pod
# shares the cache and broker: listing only database,storage keeps degraded pages served while Redis is down.
READYZ_REQUIRED = env_list("READYZ_REQUIRED", ["database", "broker", "cache", "storage"])
_unknown_checks = set(READYZ_REQUIRED) - {"database", "broker", "cache", "storage"}
if _unknown_checks:
    raise ImproperlyConfigured(f"READYZ_REQUIRED names unknown checks: {', '.join(sorted(_unknown_checks))}")
# /metrics (Prometheus): with METRICS_TOKEN set, only a request carrying it as a bearer token;
# without, only a direct request from the machine itself (loopback, no proxy headers).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# Platform gauges read from the database (and the hub) are computed at most this often (seconds).
METRICS_CACHE_SECONDS = env_float("METRICS_CACHE_SECONDS", 15.0)
# A Celery worker writes a heartbeat row this often (seconds); older than 3× counts as gone.
WORKER_HEARTBEAT_SECONDS = max(1.0, env_float("WORKER_HEARTBEAT_SECONDS", 15.0))
# Errors to Sentry (or a compatible service) when set; no personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=env_str("SENTRY_ENVIRONMENT", ENVIRONMENT),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# --- sandbox: JupyterHub lab + OIDC single sign-on (owned by the sandbox/practice work) ----
# The hub's secrets (OAuth client secret, the site's service token) live in one 0600 file
# written by `manage.py hub_setup` and read by both the site and sandbox/hub/jupyterhub_config.py.
HUB_SECRETS_FILE = Path(env_str("HUB_SECRETS_FILE", str(DATA_DIR / "hub" / "secrets.json")))
HUB_PROGRESS_TIMEOUT_SECONDS = env_float("HUB_PROGRESS_TIMEOUT_SECONDS", 120.0)
HUB_DEFAULT_PROFILE = env_str("HUB_DEFAULT_PROFILE", "cpu")
# Where an activity's notebooks go in the student's home: <course>/<activity>/<file>.
HUB_NOTEBOOK_ROOT = env_str("HUB_NOTEBOOK_ROOT", "courses")
# Lab starts are admitted in order (sandbox.services.queue_pump): at most this many starting at
# once; the rest wait with a visible place in line, and the hub's start timeout counts from admission.
LAB_START_CONCURRENCY = env_int("LAB_START_CONCURRENCY", max(2, os.cpu_count() or 2), minimum=1)
# An admitted start that has not reported ready within this long (seconds) frees its place.
LAB_START_SLOT_SECONDS = env_float("LAB_START_SLOT_SECONDS", 180.0)
# A queued start whose page stopped asking for this long (seconds) leaves the line.
LAB_QUEUE_ABANDON_SECONDS = env_float("LAB_QUEUE_ABANDON_SECONDS", 60.0)
LAB_QUEUE_POLL_SECONDS = env_float("LAB_QUEUE_POLL_SECONDS", 1.0)
# Memory (MiB) that prepared labs may take together, each counted at its profile's memory guarantee
# (default: half of this machine's memory).
LAB_PREWARM_MEMORY_BUDGET_MB = env_int(
    "LAB_PREWARM_MEMORY_BUDGET_MB",
    (os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // (2 * 1024**2) if hasattr(os, "sysconf") else 8192,
    minimum=0,
)
# A scheduled lesson's labs start this many minutes before it; a prepared lab its student has not
# opened this many minutes after the lesson's start (or after it was ready) is stopped.
LAB_PREPARE_MINUTES_BEFORE = env_float("LAB_PREPARE_MINUTES_BEFORE", 10.0)
LAB_PREWARM_GRACE_MINUTES = env_float("LAB_PREWARM_GRACE_MINUTES", 20.0)
OAUTH2_PROVIDER.update(
    {
        "OIDC_ENABLED": True,
        "OAUTH2_VALIDATOR_CLASS": "accounts.oauth.LiangzhiOAuth2Validator",
        "SCOPES": {**OAUTH2_PROVIDER["SCOPES"], "openid": "OpenID Connect"},
    }
)
if PRODUCTION:
    # An env file holds one line: a PEM may be given with literal "\n" between its lines.
    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = env_str("OIDC_RSA_PRIVATE_KEY").replace("\\n", "\n")
else:
    from accounts.oidc_keys import oidc_private_key  # Django-free: safe before apps load

    OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = env_str("OIDC_RSA_PRIVATE_KEY", "") or oidc_private_key(
        path=DATA_DIR / "oidc" / "rsa-private.pem"
    )

# --- competitions (competitions/; owner: the Compete session) ---------------------------------
# Hidden data lives here, never in the repository; `manage.py load_competitions` generates it from
# secret seeds (an HMAC of COMPETITIONS_SEED_SECRET, by default derived from SECRET_KEY).
COMPETITIONS_DATA_DIR = Path(env_str("COMPETITIONS_DATA_DIR", str(DATA_DIR / "competitions")))
COMPETITIONS_JOB_DIR = Path(env_str("COMPETITIONS_JOB_DIR", str(DATA_DIR / "competition-jobs")))
COMPETITIONS_SEED_SECRET = env_str("COMPETITIONS_SEED_SECRET", "")
# Multiplies every task's shot count: 1.0 gives the documented, statistically separating sizes;
# CI and quick demos use a small fraction.
COMPETITIONS_SHOTS_SCALE = env_float("COMPETITIONS_SHOTS_SCALE", 1.0)
# Participant logs: at most this many characters are kept (after scrubbing).
COMPETITIONS_LOG_CHARS = env_int("COMPETITIONS_LOG_CHARS", 4000, minimum=200)
COMPETITIONS_UPLOAD_MAX_BYTES = env_int("COMPETITIONS_UPLOAD_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
# How often the live leaderboard polls (seconds).
COMPETITIONS_LEADERBOARD_POLL_SECONDS = env_int("COMPETITIONS_LEADERBOARD_POLL_SECONDS", 5, minimum=1)
# Rows the live leaderboard shows (plus baselines and the viewer's own row); ?all=1 shows every row.
COMPETITIONS_LEADERBOARD_ROWS = env_int("COMPETITIONS_LEADERBOARD_ROWS", 100, minimum=10)
# A submission still waiting this long (seconds) is enqueued again by the `competitions.sweep` task.
COMPETITIONS_SWEEP_QUEUED_AFTER = env_float("COMPETITIONS_SWEEP_QUEUED_AFTER", 900.0)
# A submission received this long ago (seconds) but never handed to the broker (it was down) is sent by the sweep.
COMPETITIONS_SWEEP_RECEIVED_AFTER = env_float("COMPETITIONS_SWEEP_RECEIVED_AFTER", 30.0)

# --- grading (测 评): sandboxed autograding; owned by the grading app ---------------------
GRADING_MAX_SUBMISSION_BYTES = env_int("GRADING_MAX_SUBMISSION_BYTES", 5 * 1024 * 1024, minimum=1024)
GRADING_MEMORY_MB = env_int("GRADING_MEMORY_MB", 1536, minimum=128)
GRADING_CPU_SECONDS = env_int("GRADING_CPU_SECONDS", 120, minimum=1)
GRADING_JOB_WALL_SECONDS = env_float("GRADING_JOB_WALL_SECONDS", 120.0)
GRADING_CELL_TIMEOUT = env_float("GRADING_CELL_TIMEOUT", 30.0)
GRADING_MAX_PROCESSES = env_int("GRADING_MAX_PROCESSES", 128, minimum=8)
GRADING_MAX_OUTPUT_BYTES = env_int("GRADING_MAX_OUTPUT_BYTES", 8 * 1024 * 1024, minimum=4096)
GRADING_DISK_MB = env_int("GRADING_DISK_MB", 512, minimum=16)  # job folder quota (a size-limited tmpfs)
GRADING_CPU_CORES = env_float("GRADING_CPU_CORES", 2.0)  # CPU rate limit of one grading job (cgroup cpu quota)
# Without a working sandbox, grading refuses; only a developer's machine may opt out.
GRADING_ALLOW_UNSAFE = env_bool("GRADING_ALLOW_UNSAFE", False)
if PRODUCTION and GRADING_ALLOW_UNSAFE:
    raise ImproperlyConfigured("GRADING_ALLOW_UNSAFE=1 is for development only; unset it in production.")
GRADING_SWEEP_RECEIVED_AFTER = env_float("GRADING_SWEEP_RECEIVED_AFTER", 30.0)
GRADING_SWEEP_QUEUED_AFTER = env_float("GRADING_SWEEP_QUEUED_AFTER", 900.0)
# Warm sandboxes per worker process (kernel started, these modules imported), one job each; two, so
# that a job arriving while the last one's replacement still warms up finds one ready (~300 MiB each).
GRADING_WARM_POOL = env_int("GRADING_WARM_POOL", 2, minimum=0)
GRADING_PRELOAD = env_str("GRADING_PRELOAD", "numpy,scipy,qiskit,qiskit.quantum_info,qiskit_aer,torch,liangzhi_checks")
# Warm runners are forked from a per-worker kernel zygote that imported GRADING_PRELOAD once (a fork and an
# in-process kernel start per job instead of ~2 s of imports), each inside its own bubblewrap sandbox and
# cgroup (grading/runner/zygote_server.py). Needs a root worker with cgroup limits; elsewhere runners start as
# before. grading/runner reads the same environment variable (it imports nothing from Django).
GRADING_ZYGOTE = env_bool("GRADING_ZYGOTE", True)
CELERY_BEAT_SCHEDULE = {
    "grading-sweep": {"task": "grading.sweep", "schedule": env_float("GRADING_SWEEP_EVERY", 30.0)},
    "jobs-housekeeping": {"task": "core.housekeeping", "schedule": env_float("JOBS_HOUSEKEEPING_EVERY", 600.0)},
}

# --- dashboard (评): teacher dashboard, gradebook, student progress; owned by the dashboard app ---
# A student with no submission and no lab activity for this many days is listed as at risk.
DASHBOARD_INACTIVE_DAYS = env_int("DASHBOARD_INACTIVE_DAYS", 7, minimum=1)
# A concept below this mean score (percent) is suggested for practice.
DASHBOARD_MASTERY_THRESHOLD = env_float("DASHBOARD_MASTERY_THRESHOLD", 70.0)
# The dashboard asks the hub for running servers with this (short) timeout; slower is "unavailable".
DASHBOARD_HUB_TIMEOUT_SECONDS = env_float("DASHBOARD_HUB_TIMEOUT_SECONDS", 1.5)
# Embedded mode: a lab server's memory is the RSS of the processes of its Unix user (psutil).
DASHBOARD_LAB_MEMORY_FROM_PROCESSES = env_bool("DASHBOARD_LAB_MEMORY_FROM_PROCESSES", True)
# Gradebook rows per page (the CSV export always has every row that matches the filters).
DASHBOARD_GRADEBOOK_PAGE_SIZE = env_int("DASHBOARD_GRADEBOOK_PAGE_SIZE", 100, minimum=10)
# District dashboard: its per-class scores are a snapshot kept this long (0: computed on every view);
# lab starts and grading jobs are counted over the last DASHBOARD_DISTRICT_LOAD_DAYS days, live.
DASHBOARD_DISTRICT_SNAPSHOT_SECONDS = env_int("DASHBOARD_DISTRICT_SNAPSHOT_SECONDS", 300, minimum=0)
DASHBOARD_DISTRICT_LOAD_DAYS = env_int("DASHBOARD_DISTRICT_LOAD_DAYS", 7, minimum=1)
# Where the cache is shared (Redis), the housekeeping worker takes every snapshot again at half its
# lifetime, so no viewer waits for a rebuild; the embedded default's cache is per process (it can't).
CELERY_TASK_ROUTES["dashboard.*"] = {"queue": "celery"}
if REDIS_URL and DASHBOARD_DISTRICT_SNAPSHOT_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["dashboard-snapshots"] = {
        "task": "dashboard.snapshots_refresh",
        "schedule": max(30.0, DASHBOARD_DISTRICT_SNAPSHOT_SECONDS / 2),
    }

# --- competitions (continued): the sweep joins the beat schedule defined above ------------------
CELERY_BEAT_SCHEDULE["competitions-sweep"] = {
    "task": "competitions.sweep",
    "schedule": env_float("COMPETITIONS_SWEEP_EVERY", 60.0),
}

# --- assessments (测): quizzes and exams; their sandbox work (sympy, qiskit, code) runs where grading runs
CELERY_TASK_ROUTES["assessments.grade_attempt"] = {"queue": "grading"}
CELERY_TASK_ROUTES["assessments.close_expired"] = {"queue": "celery"}
# Closes open attempts past their deadline (pages close them too) and resends stuck gradings.
# --- sandbox: scheduled lessons prepare labs, unused prepared labs stop, the start queue moves on
CELERY_TASK_ROUTES["sandbox.*"] = {"queue": "celery"}
CELERY_BEAT_SCHEDULE["sandbox-housekeeping"] = {
    "task": "sandbox.housekeeping",
    "schedule": env_float("LAB_HOUSEKEEPING_EVERY", 30.0),
}
CELERY_BEAT_SCHEDULE["assessments-close-expired"] = {
    "task": "assessments.close_expired",
    "schedule": env_float("ASSESSMENTS_CLOSE_EVERY", 30.0),
}
