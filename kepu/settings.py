"""Kepu settings: one module, driven by KEPU_* environment variables.

Bad values fail at start with ImproperlyConfigured naming the variable, so an operator never
finds out about a typo from a 500 page.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = env_path("KEPU_VAR_DIR", BASE_DIR / "var")
DEBUG = env_bool("KEPU_DEBUG", False)

# --- database -----------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("KEPU_DATABASE_URL", "").strip()
EMBEDDED = not DATABASE_URL or DATABASE_URL.startswith("sqlite:")
if not DATABASE_URL:
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'kepu.sqlite3'}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if EMBEDDED else 60)
except Exception as exc:  # dj_database_url raises several types for a bad URL
    raise ImproperlyConfigured(f"KEPU_DATABASE_URL is not a valid database URL: {exc}") from exc
if _db["ENGINE"] not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(
        "KEPU_DATABASE_URL must use sqlite:/// or postgres://; got " + urlparse(DATABASE_URL).scheme
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy timeout instead of
    # one failing with "database is locked" halfway through a transaction.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    _db["CONN_HEALTH_CHECKS"] = True
_db["ATOMIC_REQUESTS"] = False
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- keys ---------------------------------------------------------------------------------------


def _key_setting(name: str, filename: str) -> str:
    """A secret from the environment, or in the embedded mode one generated and kept under var/."""
    value = os.environ.get(name, "").strip()
    if value:
        if len(value) < 32:
            raise ImproperlyConfigured(f"{name} is too short: use at least 32 random characters")
        return value
    if not EMBEDDED and not DEBUG:
        raise ImproperlyConfigured(
            f"{name} must be set when KEPU_DEBUG is off and KEPU_DATABASE_URL names a real database"
        )
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    path.write_text(value)
    path.chmod(0o600)
    return value


SECRET_KEY = _key_setting("KEPU_SECRET_KEY", "secret_key")
# Encrypts phone and ID numbers (kepu/core/pii.py). Losing it loses those fields: back it up.
PII_KEY = _key_setting("KEPU_PII_KEY", "pii_key")

# --- hosts, security ----------------------------------------------------------------------------

ALLOWED_HOSTS = env_list("KEPU_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("KEPU_CSRF_TRUSTED_ORIGINS", "")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"KEPU_CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with http:// or https://"
        )
HTTPS = env_bool("KEPU_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
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
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "kepu.core",
    "kepu.regions",
    "kepu.orgs",
    "kepu.accounts",
    "kepu.activities",
    "kepu.volunteers",
    "kepu.venues",
    "kepu.channels",
    "kepu.indicators",
    "kepu.workplans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kepu.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kepu.accounts.middleware.ScopeMiddleware",
]

ROOT_URLCONF = "kepu.urls"
WSGI_APPLICATION = "kepu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kepu.accounts.context_processors.navigation",
                "kepu.core.context_processors.notifications",
            ],
        },
    },
]

# --- accounts -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kepu.accounts.backends.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lockout: this many failures for one login name within the window lock it for the window.
KEPU_LOGIN_MAX_FAILURES = int(os.environ.get("KEPU_LOGIN_MAX_FAILURES", "5"))
KEPU_LOGIN_LOCK_MINUTES = int(os.environ.get("KEPU_LOGIN_LOCK_MINUTES", "15"))

# Verified service hours for 1-5 stars (national consultation draft); local rules may differ.
try:
    KEPU_VOLUNTEER_STAR_HOURS = [int(h) for h in env_list("KEPU_VOLUNTEER_STAR_HOURS", "100,300,600,1000,1500")]
except ValueError:
    raise ImproperlyConfigured("KEPU_VOLUNTEER_STAR_HOURS must be whole numbers, e.g. 100,300,600,1000,1500") from None
if not KEPU_VOLUNTEER_STAR_HOURS or sorted(set(KEPU_VOLUNTEER_STAR_HOURS)) != KEPU_VOLUNTEER_STAR_HOURS \
        or KEPU_VOLUNTEER_STAR_HOURS[0] <= 0:
    raise ImproperlyConfigured("KEPU_VOLUNTEER_STAR_HOURS must be increasing positive hours, e.g. 100,300,600,1000,1500")

# --- languages and time -------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- files --------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env_path("KEPU_STATIC_ROOT", VAR_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = env_path("KEPU_MEDIA_ROOT", VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "kepu.core.storage.StaticStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- cache --------------------------------------------------------------------------------------

REDIS_URL = os.environ.get("KEPU_REDIS_URL", "").strip()
if REDIS_URL:
    if urlparse(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("KEPU_REDIS_URL must start with redis://, rediss:// or unix://")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- background tasks ---------------------------------------------------------------------------

TASKS_MODE = os.environ.get("KEPU_TASKS", "immediate" if EMBEDDED else "database").strip()
if TASKS_MODE not in ("immediate", "database"):
    raise ImproperlyConfigured("KEPU_TASKS must be 'immediate' or 'database'")
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TASKS_MODE == "immediate"
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- e-mail -------------------------------------------------------------------------------------

EMAIL_HOST = os.environ.get("KEPU_SMTP_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("KEPU_FROM_EMAIL", "kepu@localhost")
EMAIL_PORT = env_int("KEPU_SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("KEPU_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KEPU_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KEPU_SMTP_TLS", False)
# The address users reach Kepu at, for links in e-mails (e.g. https://kepu.example.cn).
KEPU_BASE_URL = os.environ.get("KEPU_BASE_URL", "")

# --- API ----------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kepu.core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kepu.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per client (user, or address when anonymous); see kepu.activities.api.ClientRateThrottle.
    "DEFAULT_THROTTLE_RATES": {
        "activity_registrations": os.environ.get("KEPU_REGISTRATION_RATE", "10/min"),
        "activity_checkins": os.environ.get("KEPU_CHECKIN_RATE", "120/min"),
    },
    # Behind N reverse proxies the client is the Nth address from the right of X-Forwarded-For.
    "NUM_PROXIES": int(os.environ.get("KEPU_NUM_PROXIES", "0")) or None,
}
# The same limits for the pages (registration form, check-in page).
KEPU_REGISTRATION_RATE = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["activity_registrations"]
KEPU_CHECKIN_RATE = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["activity_checkins"]
for _name, _rate in (("KEPU_REGISTRATION_RATE", KEPU_REGISTRATION_RATE), ("KEPU_CHECKIN_RATE", KEPU_CHECKIN_RATE)):
    _count, _, _period = _rate.partition("/")
    if not _count.isdigit() or _period[:1] not in ("s", "m", "h", "d"):
        raise ImproperlyConfigured(f"{_name}={_rate!r} is not a rate like 10/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Kepu API",
    "DESCRIPTION": "科普 platform API. Errors are JSON objects {message, code, extra}.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("kind", "status") get their own component names.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "kepu.activities.models.ActivityKind",
        "ActivityStatusEnum": "kepu.activities.models.ActivityStatus",
        "RegistrationStatusEnum": "kepu.activities.models.RegistrationStatus",
        "RegionKindEnum": "kepu.regions.models.Kind",
        "MembershipRoleEnum": "kepu.volunteers.models.Membership.Role",
        "RegionLevelEnum": "kepu.regions.models.Level",
        # Also the school feature level (orgs.FeatureLevel has the same choices).
        "RecognitionLevelEnum": "kepu.venues.models.Level",
        "RecordSourceEnum": "kepu.volunteers.models.RecordSource",
        "FundingSourceEnum": "kepu.orgs.models.FundingSource",
        "FigureSourceEnum": "kepu.channels.models.FigureSource",
        "IndicatorKindEnum": "kepu.indicators.models.Kind",
        "IndicatorStatusEnum": "kepu.indicators.models.Status",
        "AssessmentStatusEnum": "kepu.indicators.models.AssessmentStatus",
        "SubmissionStatusEnum": "kepu.indicators.models.SubmissionStatus",
        "PlanKindEnum": "kepu.workplans.models.PlanKind",
        "TaskStatusEnum": "kepu.workplans.models.TaskStatus",
        "ProgressReportStatusEnum": "kepu.workplans.models.ReportStatus",
    },
}

# --- logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KEPU_LOG_LEVEL", "WARNING")},
}
