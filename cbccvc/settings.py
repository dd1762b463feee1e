"""Settings for cbccvc.

Everything that differs between a laptop demo and production comes from environment variables
with safe defaults: SQLite under ``var/`` unless ``DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CBCCVC_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("CBCCVC_DEBUG", False)
# The default key is only good for the demo and tests; production settings refuse it.
SECRET_KEY = os.environ.get("CBCCVC_SECRET_KEY", "insecure-demo-key-change-me-" + "x" * 32)
ALLOWED_HOSTS = env_list("CBCCVC_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CBCCVC_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mptt",
    "import_export",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_q",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_prometheus",
    "cbccvc",
    "cbccvc.exports",
    "orgtree",
    "signing",
    "profiles",
    "transfer",
    "syncing",
    "syncing.emulator",
    "conversion",
    "portal",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "cbccvc.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # the language the person saved (portal.language), over the cookie and the browser
    "portal.language.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cbccvc.security.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # an admin page given a query value it cannot use (a 23-digit id, a NUL): 400 naming it
    "cbccvc.admin_query.AdminQueryMiddleware",
    # last, as django-axes asks: it turns a lockout into the lockout page
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "cbccvc.urls"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "cbccvc.wsgi.application"

DEFAULT_SQLITE_PATH = VAR_DIR / "cbccvc.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("CBCCVC_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] == str(DEFAULT_SQLITE_PATH):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web app and the django-q2 worker read while the other writes;
    # IMMEDIATE transactions avoid "database is locked" upgrades under concurrent writers.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# The emulator of the national side keeps its own database (alias "national"); the router
# sends its models there and nothing else. Default: SQLite under var/.
NATIONAL_SQLITE_PATH = VAR_DIR / "national.sqlite3"
DATABASES["national"] = dj_database_url.parse(
    os.environ.get("NATIONAL_DATABASE_URL", f"sqlite:///{NATIONAL_SQLITE_PATH}"), conn_max_age=0
)
if DATABASES["national"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["national"]["NAME"] == str(NATIONAL_SQLITE_PATH):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["national"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["national"].get("NAME") == DATABASES["default"].get("NAME"):
    # one physical database for both: the test run still needs a separate test database
    DATABASES["national"]["TEST"] = {"NAME": f"test_{DATABASES['national']['NAME']}_national"}
# Encrypts the connection-key secrets the emulator stores (derived from SECRET_KEY if unset).
NATIONAL_KEY_ENCRYPTION_KEY = os.environ.get("NATIONAL_KEY_ENCRYPTION_KEY", "")
# Fault injection of the emulator: JSON text, or the path of a JSON file (see
# syncing/emulator/faults.py); empty = no faults.
NATIONAL_FAULTS = os.environ.get("NATIONAL_FAULTS", "")
NATIONAL_EMULATOR_PORT = int(os.environ.get("NATIONAL_EMULATOR_PORT", "8765"))
# Transport to the national side (docs/national-api.md, "Transport (HTTPS)"): HTTPS with the
# server certificate verified; plain HTTP only to the loopback emulator (127.0.0.1, localhost,
# ::1) and only while this is on (production turns it off). The CA bundle (a PEM file) replaces
# the system's CAs when the national side's certificate comes from a private CA.
CBCCVC_NATIONAL_ALLOW_HTTP = env_bool("CBCCVC_NATIONAL_ALLOW_HTTP", True)
CBCCVC_NATIONAL_CA_BUNDLE = os.environ.get("CBCCVC_NATIONAL_CA_BUNDLE", "")
# E-mail (e.g. connection-key administrators are told of every key change): written to files
# under var/mail/ unless CBCCVC_EMAIL_BACKEND says otherwise; production uses SMTP.
EMAIL_BACKEND = os.environ.get(
    "CBCCVC_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("CBCCVC_DEFAULT_FROM_EMAIL", "cbccvc@localhost")
# A read replica (optional): reports and exports read there inside cbccvc.db.use_replica().
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CBCCVC_DB_CONN_MAX_AGE", "60")),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# The emulator's router first: it claims its own models; the replica router takes the rest.
DATABASE_ROUTERS = ["syncing.emulator.routers.NationalRouter", "cbccvc.db.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# -- security -----------------------------------------------------------------------------------
# django-axes: 5 failed logins for one username from one address lock that pair for 15 minutes;
# an admin unlocks early by deleting the attempt ("Lượt đăng nhập" in the admin) or with
# ``manage.py axes_reset_username``. Axes sits first so it sees every attempt.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("CBCCVC_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CBCCVC_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/lockout.html"
AXES_VERBOSE = False
# Behind the proxy the client address is the first of X-Forwarded-For (see docs/deployment.md).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("CBCCVC_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# TOTP second factor (django-otp): optional for everyone; when this is on, users holding an
# approver or agency-admin role (and superusers) must enrol and use it before anything else.
CBCCVC_OTP_REQUIRED = env_bool("CBCCVC_OTP_REQUIRED", False)
# Four eyes (profiles/four_eyes.py): the approver of a version is never its submitter or last
# editor. On everywhere unless turned off; the listed agencies (root unit codes) are exempt.
CBCCVC_FOUR_EYES = env_bool("CBCCVC_FOUR_EYES", True)
CBCCVC_FOUR_EYES_EXEMPT_AGENCIES = env_list("CBCCVC_FOUR_EYES_EXEMPT_AGENCIES", "")
# Admins registered by other packages that only the national admin reaches (Django's model
# permissions, which agency users do not hold); see orgtree/checks.py.
CBCCVC_NATIONAL_ADMIN_MODELS = frozenset(
    {
        "auth.group",
        "auth.user",
        "django_q.schedule",
        "django_q.success",
        "django_q.failure",
        "django_q.ormq",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
        "otp_totp.totpdevice",
    }
)
OTP_TOTP_ISSUER = "cbccvc"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("CBCCVC_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): no inline script anywhere (page scripts are static
# files, data goes through json_script); styles may be inline (the admin templates use style
# attributes), which carries far less risk than script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Field-level encryption of the sensitive groups (assets and income, health): see
# cbccvc/crypto.py. Unset: derived from the key-encryption key (env or var/keys/ file).
CBCCVC_FIELD_ENCRYPTION_KEY = os.environ.get("CBCCVC_FIELD_ENCRYPTION_KEY", "")

# Uploads: the largest file any form accepts, and the zip-bomb limits (cbccvc/uploads.py).
CBCCVC_UPLOAD_MAX_BYTES = int(os.environ.get("CBCCVC_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
CBCCVC_UPLOAD_MAX_UNZIPPED_BYTES = int(
    os.environ.get("CBCCVC_UPLOAD_MAX_UNZIPPED_BYTES", str(200 * 1024 * 1024))
)
CBCCVC_UPLOAD_MAX_ZIP_RATIO = int(os.environ.get("CBCCVC_UPLOAD_MAX_ZIP_RATIO", "100"))
# Import: the most data rows one file may hold, all its sheets together (checked before any
# parsing, transfer/row_limit.py); a larger list is imported as several files.
CBCCVC_IMPORT_MAX_ROWS = int(os.environ.get("CBCCVC_IMPORT_MAX_ROWS", "150000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# django-import-export: neutralise formulas in exported cells (cf. cbccvc/xlsx_safety.py)
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# /metrics (django-prometheus) answers only these client networks.
CBCCVC_METRICS_NETWORKS = env_list("CBCCVC_METRICS_NETWORKS", "127.0.0.0/8,::1/128")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Vietnamese dates (dd/mm/yyyy) in every form and list; see cbccvc/formats/vi/formats.py.
FORMAT_MODULE_PATH = ["cbccvc.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("CBCCVC_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("CBCCVC_MEDIA_ROOT", VAR_DIR / "media"))
# Exports of more rows than this run as a background task (cbccvc.exports), their files kept
# this many days in the download centre ("Tệp đã xuất"), in the default storage (MEDIA_ROOT)
# unless STORAGES names an "exports" one.
EXPORT_ASYNC_THRESHOLD_ROWS = int(os.environ.get("CBCCVC_EXPORT_ASYNC_THRESHOLD_ROWS", "300"))
EXPORT_EXPIRY_DAYS = int(os.environ.get("CBCCVC_EXPORT_EXPIRY_DAYS", "7"))

LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cbccvc.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cbccvc.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["cbccvc.api.throttling.ApiKeyRateThrottle"],
    "EXCEPTION_HANDLER": "cbccvc.api.problems.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "cbccvc API",
    "DESCRIPTION": (
        "Hồ sơ cán bộ, công chức, viên chức (CBCCVC) cho các hệ thống tích hợp. "
        "Xác thực: `Authorization: Bearer <khóa API>`. Lỗi theo RFC 9457 "
        "(`application/problem+json`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # paths relative to the server: a client sets its host, the schema says where the API is
    "SERVERS": [
        {"url": "/api/v1", "description": "Trên máy chủ đang phục vụ lược đồ này."},
        {"url": "https://cbccvc.example/api/v1", "description": "Ví dụ một máy chủ triển khai."},
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "TAGS": [
        {"name": "units", "description": "Cây đơn vị: danh sách, cây theo ngày, lịch sử, kế thừa."},
        {"name": "places", "description": "Tra cứu địa danh (tỉnh, xã) theo tên cũ hoặc mới."},
        {"name": "profiles", "description": "Hồ sơ, bảng con, phiên bản, kiểm tra, trình duyệt."},
        {"name": "codelists", "description": "Danh mục dùng chung (dữ liệu tham chiếu)."},
        {"name": "imports", "description": "Nhập hồ sơ từ tệp: tải lên, báo cáo, xác nhận."},
        {"name": "reconciliation", "description": "Sai lệch với CSDL dân cư (chỉ đọc)."},
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cbccvc.api.schema.add_problem_responses",
        "cbccvc.api.schema.add_http_headers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "orgtree.models.Unit.Kind",
        "UnitStatusEnum": "orgtree.models.Unit.Status",
        "ProfileStatusEnum": "profiles.models.ProfileStatus",
        "VersionStatusEnum": "profiles.models.VersionStatus",
    },
}

# django-q2: the ORM broker by default (no extra server); Redis when CBCCVC_REDIS_URL is set.
Q_CLUSTER: dict[str, object] = {
    "name": "cbccvc",
    "workers": int(os.environ.get("CBCCVC_Q_WORKERS", "2")),
    "timeout": 1800,
    "retry": 3600,
    "max_attempts": 3,
    "queue_limit": 50,
    "label": gettext_lazy("Tác vụ nền"),  # the admin's name of the app
    "orm": "default",
    "catch_up": False,
}
if os.environ.get("CBCCVC_REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = os.environ["CBCCVC_REDIS_URL"]

# Logs: plain text by default; one JSON object a line (python-json-logger) with
# CBCCVC_LOG_FORMAT=json, as production does. Every record carries the request id.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "cbccvc.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("CBCCVC_LOG_FORMAT", "plain"),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CBCCVC_LOG_LEVEL", "INFO")},
}

# "Sống" (live): a profile not verified for this many days gets a warning finding.
# API call log rows older than this are deleted daily (orgtree.apikeys.purge_request_log).
CBCCVC_API_LOG_RETENTION_DAYS = int(os.environ.get("CBCCVC_API_LOG_RETENTION_DAYS", "365"))
CBCCVC_VERIFY_MAX_AGE_DAYS = int(os.environ.get("CBCCVC_VERIFY_MAX_AGE_DAYS", "365"))

# Reference data shipped with the project (see orgtree/data/PROVENANCE.md).
ADMINUNITS_DATA_DIR = BASE_DIR / "orgtree" / "data" / "adminunits"
