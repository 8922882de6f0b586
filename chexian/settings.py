"""The one settings module. Everything that differs between a laptop and
production comes from environment variables (see docs/development/settings.md).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from chexian.env import ensure_dev_keys, env_bool, env_int, env_list, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CHEXIAN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("CHEXIAN_DEBUG", True)

# Development keys live in var/ (git-ignored); production must set them itself.
_dev_keys = VAR_DIR / "dev-keys.env"
if DEBUG:
    ensure_dev_keys(_dev_keys)
    load_env_file(_dev_keys)

SECRET_KEY = env_str("CHEXIAN_SECRET_KEY")
# Identity numbers: MultiFernet keys, newest first (rotation = prepend a key).
FIELD_ENCRYPTION_KEYS = env_list("CHEXIAN_FIELD_KEYS")
# Keyed hash ("blind index") for exact lookup of encrypted values.
BLIND_INDEX_KEY = env_str("CHEXIAN_BLIND_INDEX_KEY")

ALLOWED_HOSTS = env_list("CHEXIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CHEXIAN_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chexian.core",
    "chexian.org",
    "chexian.customers",
    "chexian.insurers",
    "chexian.catalog",
    "chexian.quotes",
    "chexian.policies",
    "chexian.imports",
    "chexian.notifications",
    "chexian.renewals",
    "chexian.leads",
    "chexian.aftersales",
    "chexian.claims",
    "chexian.commissions",
    "chexian.remittances",
    "chexian.blankforms",
    "chexian.statements",
    "chexian.incentives",
    "chexian.reports",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chexian.core.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "chexian.urls"
WSGI_APPLICATION = "chexian.wsgi.application"

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
                "chexian.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite in var/ is the embedded default; DATABASE_URL=postgres://… is production.
_default_sqlite = f"sqlite:///{VAR_DIR / 'chexian.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the dev server read while the demo loader writes;
        # case_sensitive_like lets the prefix searches (plate, name) use their indexes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA case_sensitive_like=ON;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("CHEXIAN_TEST_SQLITE", ":memory:") or None
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: Chexian's queries are short, and a report with many correlated subqueries crosses the JIT cost
    # thresholds and spends seconds compiling what runs in a fraction of that (the customer register: 5.0 s of
    # JIT in a 5.3 s query; docs/design-decisions.md). CHEXIAN_PG_JIT=1 turns it back on.
    if not env_bool("CHEXIAN_PG_JIT", False):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "chexian" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CHEXIAN_STATIC_ROOT", str(VAR_DIR / "static")))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks for it; collectstatic fills it in production
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("CHEXIAN_MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded files (claim photos and documents, import files): local files under MEDIA_ROOT by
# default; an S3-compatible object store (Alibaba OSS, Tencent COS, MinIO, AWS) when a bucket is set.
S3_BUCKET = env_str("CHEXIAN_S3_BUCKET", "")
DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("CHEXIAN_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("CHEXIAN_S3_REGION", "") or None,
            "access_key": env_str("CHEXIAN_S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("CHEXIAN_S3_SECRET_ACCESS_KEY", ""),
            "location": env_str("CHEXIAN_S3_PREFIX", "chexian"),
            # Private objects: files are only ever served through the app's scoped views.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chexian.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chexian API",
    "DESCRIPTION": "车险 — customers, vehicles and (later) policies, renewals and claims of the user's stores.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that appear in several serializers get one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "EndorsementKindEnum": "chexian.policies.choices.EndorsementKind",
        "CancellationReasonEnum": "chexian.policies.choices.CancellationReason",
        "ClauseFamilyEnum": "chexian.catalog.choices.ClauseFamily",
        "QuoteStatusEnum": "chexian.quotes.choices.QuoteStatus",
        "RenewalLostReasonEnum": "chexian.renewals.choices.LostReason",
        "LeadSourceEnum": "chexian.leads.choices.LeadSource",
        "ServiceKindEnum": "chexian.aftersales.choices.ServiceKind",
        "ImportKindEnum": "chexian.imports.choices.ImportKind",
        "ClaimStepEnum": "chexian.claims.choices.Step",
    },
}

# Security: strict in production (CHEXIAN_DEBUG=0), relaxed on a laptop.
SESSION_COOKIE_AGE = env_int("CHEXIAN_SESSION_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("CHEXIAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CHEXIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("CHEXIAN_HSTS_PRELOAD", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "chexian.core.logging.MaskPIIFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": env_str("CHEXIAN_LOG_LEVEL", "INFO")},
}

# Background work (imports): Django's tasks API with its database backend, so a
# laptop needs no extra server (`chexian db_worker` runs the worker).
TASKS = {"default": {"BACKEND": env_str("CHEXIAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Business settings (each documented in docs/development/settings.md).
CHEXIAN_PAGE_SIZE = 25
# Reports: the day of the next month by which a store closes a month; the address the morning push links to.
CHEXIAN_CLOSE_DAY = env_int("CHEXIAN_CLOSE_DAY", 5)
# The renewal-rate definition reports use when none is asked for: cohort (default), fleet or yearly (SPEC §4.1).
CHEXIAN_RENEWAL_RATE_DEFINITION = env_str("CHEXIAN_RENEWAL_RATE_DEFINITION", "cohort")
CHEXIAN_BASE_URL = env_str("CHEXIAN_BASE_URL", "")
# Partner insurers per store (SPEC §3.10, seed-002 §2.3.1): at most 2, or 3 when the
# store's monthly premium (CTPL + commercial, trailing three months) reaches the threshold.
# Messages (SPEC §3.12): channel → adapter class; a channel not listed goes to the
# file adapter, which appends one JSON line per message to CHEXIAN_MESSAGE_LOG.
CHEXIAN_NOTIFICATION_ADAPTERS: dict[str, str] = {}
CHEXIAN_MESSAGE_LOG = Path(env_str("CHEXIAN_MESSAGE_LOG", str(VAR_DIR / "messages.log")))
if env_str("CHEXIAN_SMS_ACCESS_KEY_ID", ""):
    CHEXIAN_NOTIFICATION_ADAPTERS["sms"] = "chexian.notifications.adapters.AliyunSmsAdapter"
if env_str("CHEXIAN_WECOM_WEBHOOK_URL", ""):
    CHEXIAN_NOTIFICATION_ADAPTERS["wecom"] = "chexian.notifications.adapters.WeComRobotAdapter"
if env_str("EMAIL_HOST", ""):
    CHEXIAN_NOTIFICATION_ADAPTERS["email"] = "chexian.notifications.adapters.EmailAdapter"
CHEXIAN_NOTIFICATION_TIMEOUT = env_int("CHEXIAN_NOTIFICATION_TIMEOUT", 10)
# Alibaba Cloud SMS (dysmsapi SendSms); the template must have the variables name, plate and date.
CHEXIAN_SMS_URL = env_str("CHEXIAN_SMS_URL", "https://dysmsapi.aliyuncs.com/")
CHEXIAN_SMS_ACCESS_KEY_ID = env_str("CHEXIAN_SMS_ACCESS_KEY_ID", "")
CHEXIAN_SMS_ACCESS_KEY_SECRET = env_str("CHEXIAN_SMS_ACCESS_KEY_SECRET", "")
CHEXIAN_SMS_SIGN_NAME = env_str("CHEXIAN_SMS_SIGN_NAME", "")
CHEXIAN_SMS_TEMPLATE_CODE = env_str("CHEXIAN_SMS_TEMPLATE_CODE", "")
# Secret part of the delivery-receipt URL given to the SMS provider (/notifications/receipts/aliyun-sms/<token>/).
CHEXIAN_SMS_RECEIPT_TOKEN = env_str("CHEXIAN_SMS_RECEIPT_TOKEN", "")
CHEXIAN_WECOM_WEBHOOK_URL = env_str("CHEXIAN_WECOM_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_str("EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "chexian@localhost")
CHEXIAN_PARTNER_LIMIT = env_int("CHEXIAN_PARTNER_LIMIT", 2)
CHEXIAN_PARTNER_LIMIT_HIGH = env_int("CHEXIAN_PARTNER_LIMIT_HIGH", 3)
CHEXIAN_PARTNER_PREMIUM_THRESHOLD = env_int("CHEXIAN_PARTNER_PREMIUM_THRESHOLD", 800_000)
# Claim photos and scanned documents (SPEC §3.6): the largest file one upload may be. A phone photo is 2–8 MB.
CHEXIAN_CLAIM_UPLOAD_MAX_BYTES = env_int("CHEXIAN_CLAIM_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
