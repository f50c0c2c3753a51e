"""Settings, read from the environment (12-factor). Every variable is documented in
docs/configuration.md; nothing secret lives in the repository."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from yiwang.core import proxies, secret_strength


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("YIWANG_DATA_DIR", "var")).resolve()

# development (default) or production; production refuses unsafe settings below. Anything
# else is refused too: a misspelt "Production" must not quietly run in development mode.
ENVIRONMENTS = ("development", "production")
YIWANG_ENV = env("YIWANG_ENV", "development")
if YIWANG_ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"YIWANG_ENV={YIWANG_ENV!r} is not allowed; use one of: {', '.join(ENVIRONMENTS)}."
    )
PRODUCTION = YIWANG_ENV == "production"
TESTING = env_bool("YIWANG_TESTING")

INSECURE_SECRET_KEY = "yiwang-insecure-development-secret-key-do-not-use"
INSECURE_DATA_KEY = "yiwang-insecure-development-data-key-do-not-use"
SECRET_KEY = env("SECRET_KEY", INSECURE_SECRET_KEY)
YIWANG_DATA_KEY = env("YIWANG_DATA_KEY", INSECURE_DATA_KEY)
DEBUG = env_bool("YIWANG_DEBUG", False)

if PRODUCTION:
    # Judged by how hard they are to guess, not by length (yiwang.core.secret_strength). Of
    # YIWANG_DATA_KEY's list the first encrypts; the older ones only decrypt during rotation.
    for _name, _value in [
        ("SECRET_KEY", SECRET_KEY),
        ("YIWANG_DATA_KEY", YIWANG_DATA_KEY.split(",")[0]),
    ]:
        _weakness = secret_strength.weakness(_value)
        if _weakness:
            raise ImproperlyConfigured(
                f"Production mode refuses this {_name}: {_weakness}. Generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
    if not env("DATABASE_URL"):
        raise ImproperlyConfigured(
            "Production mode needs DATABASE_URL (postgres://user:password@host:5432/yiwang)."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production mode refuses to start with YIWANG_DEBUG on.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: the addresses or
# networks that connect to `yiwang serve` (nginx: 127.0.0.1). Empty: none is believed, and
# every forwarded header is dropped (yiwang.core.proxies).
try:
    YIWANG_TRUSTED_PROXIES = [
        str(n) for n in proxies.parse_networks(env_list("YIWANG_TRUSTED_PROXIES"))
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"YIWANG_TRUSTED_PROXIES: {error}.") from None
# How many trusted proxies in a row append to X-Forwarded-For (nginx alone: 1).
YIWANG_TRUSTED_PROXY_HOPS = int(env("YIWANG_TRUSTED_PROXY_HOPS", "1"))
if YIWANG_TRUSTED_PROXY_HOPS < 1:
    raise ImproperlyConfigured("YIWANG_TRUSTED_PROXY_HOPS must be 1 or more.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "axes",
    "yiwang.core",
    "yiwang.identity",
    "yiwang.audit",
    "yiwang.workdays",
    "yiwang.notify",
    "yiwang.forms",
    "yiwang.catalog",
    "yiwang.journey.cases",
    "yiwang.journey.workflow",
    "yiwang.licenses",
    "yiwang.sharing",
    "yiwang.feedback",
    "yiwang.supervision",
    "yiwang.halls",
    "yiwang.hotline",
    "yiwang.api",
    "yiwang.web",
    "yiwang.demo",
]

MIDDLEWARE = [
    "yiwang.core.proxies.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "yiwang.core.middleware.RequestContextMiddleware",
    "yiwang.core.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yiwang.core.middleware.ChineseUnlessChosenMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "yiwang.web.middleware.RequestInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "yiwang.identity.middleware.StaffSecondFactorMiddleware",
    "yiwang.identity.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yiwang.web.middleware.RememberQueueMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"
ASGI_APPLICATION = "yiwang.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "yiwang.web.context_processors.shell",
            ],
            # Official names and dates in the page's language (docs/i18n.md), in every template.
            "builtins": ["yiwang.web.templatetags.official"],
        },
    }
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'yiwang.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Web server and worker share the file: WAL lets readers go on while one writes, and
    # IMMEDIATE transactions take the write lock up front instead of failing on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The hottest queries (a scanned QR code's verdict) run as prepared statements on
# PostgreSQL; off for a pooler that cannot keep them (PgBouncer < 1.21, transaction mode).
YIWANG_DB_PREPARED_STATEMENTS = env_bool("YIWANG_DB_PREPARED_STATEMENTS", True)

# --- identity -----------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Staff must confirm a TOTP code after the password; production requires it.
YIWANG_REQUIRE_STAFF_OTP = env_bool("YIWANG_REQUIRE_STAFF_OTP", PRODUCTION)
OTP_TOTP_ISSUER = env("YIWANG_OTP_ISSUER", "Yiwang 一网")

# API tokens for apps expire; a staff member's sooner, and one issued to staff is bound to
# the TOTP device that confirmed the sign-in (yiwang.api.authentication).
YIWANG_API_TOKEN_DAYS = float(env("YIWANG_API_TOKEN_DAYS", "30"))
YIWANG_STAFF_API_TOKEN_HOURS = float(env("YIWANG_STAFF_API_TOKEN_HOURS", "12"))
if YIWANG_API_TOKEN_DAYS <= 0 or YIWANG_STAFF_API_TOKEN_HOURS <= 0:
    raise ImproperlyConfigured("API token lifetimes must be more than zero.")

# django-axes: lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = int(env("YIWANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("YIWANG_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "yiwang.core.middleware.client_ip"

# Sessions expire after inactivity; pages warn a couple of minutes before.
SESSION_COOKIE_AGE = int(env("YIWANG_SESSION_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# Under /api/ a failed CSRF check is a problem+json like every other API error.
CSRF_FAILURE_VIEW = "yiwang.web.views.csrf_failure"

# --- security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("YIWANG_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(env("YIWANG_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
# TrustedProxyMiddleware drops X-Forwarded-Proto unless a trusted proxy sent it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if YIWANG_TRUSTED_PROXIES else None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["yiwang.formats"]  # English dates as "7 December 2026"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("YIWANG_STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_ROOT = Path(env("YIWANG_MEDIA_ROOT", str(DATA_DIR / "media")))
# Materials and results are never served from a public URL: no MEDIA_URL route exists.
MEDIA_URL = "/no-public-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded materials: at most this many bytes each. A request body larger than
# YIWANG_REQUEST_MAX_BYTES is refused (413) before it is read; the default leaves room for
# the multipart envelope and form fields around one file.
YIWANG_UPLOAD_MAX_BYTES = int(env("YIWANG_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
YIWANG_REQUEST_MAX_BYTES = int(
    env("YIWANG_REQUEST_MAX_BYTES", str(YIWANG_UPLOAD_MAX_BYTES + 1024 * 1024))
)
# Stored text (yiwang.core.limits): free texts (reasons, opinions, notes, comments) and a
# case's free-form application form (keys, characters per value, bytes as JSON in all).
YIWANG_TEXT_MAX_CHARS = int(env("YIWANG_TEXT_MAX_CHARS", "2000"))
YIWANG_FORM_MAX_KEYS = int(env("YIWANG_FORM_MAX_KEYS", "200"))
YIWANG_FORM_MAX_VALUE_CHARS = int(env("YIWANG_FORM_MAX_VALUE_CHARS", "2000"))
YIWANG_FORM_MAX_BYTES = int(env("YIWANG_FORM_MAX_BYTES", str(64 * 1024)))
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Outside production the finders serve the files and collectstatic is never run, but
    # WhiteNoise warns on every start (the demo's banner, every benchmark) while the
    # collectstatic folder does not exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- cache and background work ------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Each process keeps its own; search and catalogue pages need room for many entries.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }
# Keys with user text in them (searches with spaces, Chinese) are hashed into keys every
# cache server accepts (yiwang.core.cachekeys).
CACHES["default"]["KEY_FUNCTION"] = "yiwang.core.cachekeys.make_key"

# --- live updates (docs/live.md) ---------------------------------------------------------
# How events reach every web process: `auto` is Redis pub/sub with REDIS_URL, else PostgreSQL
# LISTEN/NOTIFY on PostgreSQL, else Unix sockets in YIWANG_LIVE_DIR (one machine: the demo).
YIWANG_LIVE_BACKEND = env("YIWANG_LIVE_BACKEND", "auto")
if YIWANG_LIVE_BACKEND not in {"auto", "redis", "postgres", "local"}:
    raise ImproperlyConfigured(
        f"YIWANG_LIVE_BACKEND={YIWANG_LIVE_BACKEND!r}: use auto, redis, postgres or local."
    )
YIWANG_LIVE_DIR = DATA_DIR / "live"
# Open streams one web process takes before it answers 503 (each holds a file descriptor).
YIWANG_LIVE_MAX_VIEWERS = int(env("YIWANG_LIVE_MAX_VIEWERS", "1000"))
YIWANG_LIVE_HEARTBEAT_SECONDS = float(env("YIWANG_LIVE_HEARTBEAT_SECONDS", "15"))
if YIWANG_LIVE_MAX_VIEWERS < 1 or YIWANG_LIVE_HEARTBEAT_SECONDS <= 0:
    raise ImproperlyConfigured(
        "YIWANG_LIVE_MAX_VIEWERS and YIWANG_LIVE_HEARTBEAT_SECONDS must be more than zero."
    )

TASKS = {
    "default": {
        "BACKEND": env("YIWANG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- notifications ------------------------------------------------------------------------
YIWANG_SMS_BACKEND = env("YIWANG_SMS_BACKEND", "yiwang.notify.backends.OutboxSmsBackend")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
YIWANG_EMAIL_ENABLED = env_bool("YIWANG_EMAIL_ENABLED", False)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@yiwang.invalid")
# The public address of the site: every link in an SMS, e-mail, QR code or PDF is built on it
# (yiwang.core.links), most by the worker with no request at hand. Required in production
# (system check yiwang.E001); `yiwang demo` sets it to the address it serves.
YIWANG_SITE_URL = env("YIWANG_SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
# Shows the local SMS/e-mail outbox in the web UI, so the demo shows the whole flow.
YIWANG_SHOW_OUTBOX = env_bool("YIWANG_SHOW_OUTBOX", not PRODUCTION)
YIWANG_BENCH = env_bool("YIWANG_BENCH", False)  # bench/search: a bare JSON view as baseline

# --- approval clocks and results (docs/architecture.md, "Time") ----------------------------
# Yellow when at most this share of the promised time is left, and at least N working days
# before the deadline; red when overdue.
YIWANG_WARNING_YELLOW_PERCENT = int(env("YIWANG_WARNING_YELLOW_PERCENT", "20"))
YIWANG_WARNING_MIN_WORKDAYS = int(env("YIWANG_WARNING_MIN_WORKDAYS", "1"))
# 行政许可法 第四十二条: the head may extend the limit once by 10 working days.
YIWANG_EXTENSION_WORKDAYS = int(env("YIWANG_EXTENSION_WORKDAYS", "10"))
YIWANG_COURIER_BACKEND = env(
    "YIWANG_COURIER_BACKEND", "yiwang.journey.workflow.courier.LocalCourier"
)

# 好差评 and 电子监察 (docs/configuration.md).
YIWANG_RATING_LINK_DAYS = int(env("YIWANG_RATING_LINK_DAYS", "30"))
YIWANG_RECTIFICATION_WORKDAYS = int(env("YIWANG_RECTIFICATION_WORKDAYS", "5"))
YIWANG_SUPERVISION_ORDER_WORKDAYS = int(env("YIWANG_SUPERVISION_ORDER_WORKDAYS", "5"))
YIWANG_IDLE_TASK_WORKDAYS = int(env("YIWANG_IDLE_TASK_WORKDAYS", "3"))
# A department below either rate in a week's ranking is flagged for interview (约谈).
YIWANG_INTERVIEW_ON_TIME_BELOW = float(env("YIWANG_INTERVIEW_ON_TIME_BELOW", "0.80"))
YIWANG_INTERVIEW_SATISFACTION_BELOW = float(env("YIWANG_INTERVIEW_SATISFACTION_BELOW", "0.90"))
YIWANG_ROLLUP_SECONDS = int(env("YIWANG_ROLLUP_SECONDS", "60"))

# --- audit checkpoints (docs/security.md) -------------------------------------------------
# The chain head is signed with a key of its own and written where the database's writers
# cannot reach: an append-only file and the log. Verification trusts only that file and the
# published public keys.
YIWANG_AUDIT_CHECKPOINT_FILE = Path(
    env("YIWANG_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.jsonl"))
)
YIWANG_AUDIT_KEY_DIR = Path(env("YIWANG_AUDIT_KEY_DIR", str(DATA_DIR / "audit-keys")))
# Empty: public-keys.jsonl in YIWANG_AUDIT_KEY_DIR.
YIWANG_AUDIT_PUBLIC_KEYS = env("YIWANG_AUDIT_PUBLIC_KEYS", "")
YIWANG_AUDIT_CHECKPOINT_SECONDS = int(env("YIWANG_AUDIT_CHECKPOINT_SECONDS", "60"))

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: it names a scheme, so anonymous requests get 401 + WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yiwang.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: Swagger UI at /api/docs/ is the browsable view, and it obeys the strict CSP.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, refusing control characters (NUL…) in every string of a body.
    "DEFAULT_PARSER_CLASSES": [
        "yiwang.api.parsers.JSONParser",
        "yiwang.api.parsers.FormParser",
        "yiwang.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "yiwang.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "yiwang.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "yiwang.api.problems.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min", "register": "10/min"},
    # Throttles count by REMOTE_ADDR, already the client's (yiwang.core.proxies); DRF's
    # default would believe any X-Forwarded-For.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yiwang API",
    "DESCRIPTION": "一网 — one-stop government services",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # `<id:…>` in API paths (yiwang.core.converters): 1 … 2**63 - 1.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    # Several models have a `status` (or `kind`, `state`): each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "yiwang.journey.cases.models.Status",
        "TaskStatusEnum": "yiwang.journey.workflow.models.TaskStatus",
        "ExtensionStatusEnum": "yiwang.journey.workflow.models.Extension.Status",
        "DeliveryStatusEnum": "yiwang.journey.workflow.models.DeliveryStatus",
        "SuspensionKindEnum": "yiwang.journey.workflow.models.SuspensionKind",
        "StepKindEnum": "yiwang.journey.workflow.models.StepKind",
        "ProcessStateEnum": "yiwang.journey.workflow.api.PROCESS_STATES",
        "LicenseStatusEnum": "yiwang.licenses.api.LICENSE_STATES",
        "ShareLinkStateEnum": "yiwang.licenses.api.SHARE_LINK_STATES",
        "SubjectKindEnum": "yiwang.sharing.models.SubjectKind",
        "OrderStatusEnum": "yiwang.supervision.models.OrderStatus",
        "ClaimedLaneEnum": "yiwang.halls.api.CLAIMED_LANES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_refusals": {"()": "yiwang.core.logs.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("YIWANG_LOG_LEVEL", "WARNING")},
    "loggers": {
        # Each signed audit checkpoint is a line of the operator's log, whatever the level.
        "yiwang.audit.checkpoints": {"level": "INFO"},
        # A permission refusal (403) is one line, without the traceback.
        "django.request": {"filters": ["one_line_refusals"]},
    },
}
