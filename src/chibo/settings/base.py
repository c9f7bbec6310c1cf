"""Settings shared by every environment. Values come from the environment (12-factor)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/chibo
PROJECT_DIR = Path(os.environ.get("CHIBO_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("CHIBO_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "chibo.core",
    "django_tasks",
    "django_tasks_db",
    "chibo.jobs",
    "chibo.accounts",
    "chibo.geo",
    "chibo.rules",
    "chibo.orgs",
    "chibo.members",
    "chibo.reports",
    "chibo.restructuring",
    "chibo.cadres",
    "chibo.meetings",
    "chibo.evaluation",
    "chibo.admission",
    "chibo.supervision",
    "chibo.scale",
    "chibo.web",
    "chibo.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "chibo.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "chibo.accounts.middleware.SessionTimeoutMiddleware",
    "chibo.accounts.middleware.FirstSignInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "chibo.core.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chibo.urls"
WSGI_APPLICATION = "chibo.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-level overrides of installed packages' templates (e.g. the API docs page).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chibo.web.context_processors.chibo",
            ],
            # `|ltr`, `|bdi`, `{% arrow %}` everywhere (bidirectional text, docs/architecture.md)
            "builtins": ["chibo.core.templatetags.chibo_bidi"],
        },
    }
]

# Selects are written in Python, byte for byte what Django's templates write (chibo.core.forms).
FORM_RENDERER = "chibo.core.forms.FormRenderer"

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL, default: an SQLite file under var/ in WAL mode with foreign keys on.
DEFAULT_SQLITE_PATH = VAR_DIR / "chibo.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",  # empty = unset
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:"):
        # `chibo` run from any directory: make the data directory rather than fail with SQLite's
        # bare "unable to open database file"; say what to set when it cannot be made.
        try:
            Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)
        except OSError as _exc:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                f"Cannot create the data directory for {_sqlite_name} ({_exc.strerror}). "
                "Set CHIBO_VAR_DIR to a writable directory, or DATABASE_URL."
            ) from _exc
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if DATABASES["default"]["NAME"] == ":memory:" else 600
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,  # busy timeout, seconds
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=FULL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Passwords and sessions ----------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lock-out (chibo.accounts.lockout), for an hour after the last failure: an account from
# one address after 10 failures; every sign-in from an address after 50 failures there (any
# accounts); an account from everywhere after 100. `chibo axes_reset` lifts every lock.
CHIBO_SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS = 10
CHIBO_SIGNIN_FAILURES_PER_ADDRESS = 50
CHIBO_SIGNIN_FAILURES_PER_ACCOUNT = 100
AXES_FAILURE_LIMIT = "chibo.accounts.lockout.failure_limit"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
# Attempts during a lock do not extend it: the lock ends when its page says it does.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "chibo.accounts.lockout.lockout_response"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
OTP_TOTP_ISSUER = "Chibo"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CHIBO_SESSION_IDLE_SECONDS = 30 * 60

# --- Internationalization ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [
    ("vi", _("Vietnamese")),
    ("en", _("English")),
    ("ko", _("Korean")),
    ("fa", _("Persian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["chibo.formats"]  # one date and number format per language
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "chibo_language"

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

# --- Files ----------------------------------------------------------------------------------
# "private": results of background jobs (exports, reports), outside the web root; served only
# through views that authorize every request (chibo.jobs).
PRIVATE_DIR = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_DIR), "base_url": None,
                    "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
}

# --- Background jobs (chibo.jobs on django-tasks) -------------------------------------------
# The database backend needs no extra server: `chibo db_worker` runs the queue (SQLite or
# PostgreSQL). A real queue backend can replace it in production (TASKS is plain settings).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("CHIBO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Exports of more members than this run as background jobs; smaller ones stream in the request.
CHIBO_EXPORT_INLINE_MAX_MEMBERS = int(os.environ.get("CHIBO_EXPORT_INLINE_MAX_MEMBERS", "5000"))
# Days a job's result file is kept for download.
CHIBO_JOB_RESULT_DAYS = int(os.environ.get("CHIBO_JOB_RESULT_DAYS", "7"))
# A running job with no sign of life (progress) for this long is shown as failed (its worker stopped).
CHIBO_JOB_STALE_MINUTES = int(os.environ.get("CHIBO_JOB_STALE_MINUTES", "15"))

# --- Uploads --------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "chibo.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "chibo.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "chibo.core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chibo API",
    "DESCRIPTION": "Grassroots party organization work: organization tree over time.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("kind", "status") get a name of their own, so the schema
    # is stable and `check --deploy` has no warning. A new app adds its own here.
    "ENUM_NAME_OVERRIDES": {
        "MeetingKindEnum": "chibo.meetings.models.MeetingKind",
        "MeetingStatusEnum": "chibo.meetings.models.MeetingStatus",
        "MemberStatusEnum": "chibo.members.choices.Status",
        "EvaluationLevelEnum": "chibo.evaluation.models.Level",
        "EvaluationStateEnum": "chibo.evaluation.models.State",
        "AdmissionStepEnum": "chibo.admission.models.Step",
        "LetterKindEnum": "chibo.supervision.models.LetterKind",
        "LetterStateEnum": "chibo.supervision.models.LetterState",
        "AgencyKindEnum": "chibo.supervision.models.AgencyKind",
        "ProposalStateEnum": "chibo.supervision.models.ProposalState",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chibo.core.api_schema.add_error_responses",
        "chibo.core.api_schema.constrain_strings",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Chibo ------------------------------------------------------------------------------------
CHIBO_SCOPE_RESOLVER = "chibo.accounts.scope.resolve_scope"
CHIBO_SCOPE_FINGERPRINT = "chibo.accounts.scope.scope_fingerprint"
# Database triggers that refuse UPDATE/DELETE on the audit trail and read log.
CHIBO_AUDIT_DB_GUARD = True
# The key of the audit trail's and read log's hash chain (HMAC, core/chain.py): from the
# environment, never stored in the database. Development and tests use this fixed key; production
# requires CHIBO_AUDIT_KEY (settings/prod.py; deploy check chibo.W008).
DEV_AUDIT_KEY = "chibo-development-audit-key-not-secret"  # noqa: S105
CHIBO_AUDIT_KEY = os.environ.get("CHIBO_AUDIT_KEY") or DEV_AUDIT_KEY
# A fixed Fernet key for senders' identities (supervision/secrecy.py) that the development and demo
# settings use when CHIBO_SENDER_KEYS is not set; production never does.
DEV_SENDER_KEY = "Y2hpYm8tZGV2LW9ubHktc2VuZGVyLWtleS0zMmIhISE="  # noqa: S105
# Signed checkpoints of the chains' heads (`chibo audit checkpoint`), outside the database.
CHIBO_AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("CHIBO_AUDIT_CHECKPOINT_FILE") or VAR_DIR / "audit-checkpoints.jsonl"
)
