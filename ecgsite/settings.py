"""Settings for the ECG screening site: one module, driven by environment variables.

With nothing set the site runs in *embedded* mode: SQLite under ``var/``, Celery tasks
run in-process, email printed to the console, debug on. Setting ``DATABASE_URL`` and
``CELERY_BROKER_URL`` gives the production shape (PostgreSQL, Redis, separate workers).
Every variable is listed with its default in ``.env.example`` and in the README.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import phonenumbers
from django.core.exceptions import ImproperlyConfigured

from ecgsite.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    s3_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")

DATABASE_URL = env_str("DATABASE_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")

# Debug is on by default only in embedded mode (no DATABASE_URL): a production database
# never runs with debug pages unless someone asks for them explicitly.
DEBUG = env_bool("DEBUG", default=not DATABASE_URL)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "embedded-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "diagnosis",
    "specialists",
]

MIDDLEWARE = [
    "ecgsite.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "ecgsite.middleware.NoStoreMiddleware",
    "ecgsite.middleware.SignInProviderMissingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AdminRequiresMFAMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.RateLimitedMiddleware",
]

ROOT_URLCONF = "ecgsite.urls"
WSGI_APPLICATION = "ecgsite.wsgi.application"
ASGI_APPLICATION = "ecgsite.asgi.application"

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
                "diagnosis.context_processors.maintenance",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Embedded mode writes from the request and from the task thread at once: readers do
    # not wait for the writer (WAL), and a writer waits its turn instead of failing.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits live here: share it between processes in production) ----------
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# People sign in with an email address or a mobile number. "email*" keeps allauth's
# mandatory email confirmation for accounts that give one; accounts.forms.SignupForm makes
# the email optional when a mobile number is given, and such an account is confirmed by its
# SMS code instead (accounts.adapters.EmailVerificationStage).
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "phone", "password1*", "password2*"]
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "login": "accounts.forms.LoginForm",
    "request_login_code": "accounts.forms.RequestSmsLoginCodeForm",
    "confirm_login_code": "accounts.forms.ConfirmLoginCodeForm",
    "verify_phone": "accounts.forms.VerifyPhoneForm",
}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ECG screening] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed logins: at most LOGIN_FAILURES_PER_WINDOW per account per LOGIN_FAILURE_WINDOW seconds.
_LOGIN_FAILURES = env_int("LOGIN_FAILURES_PER_WINDOW", 5, minimum=1)
_LOGIN_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 300, minimum=1)
# --- Mobile numbers and SMS codes (allauth's phone support; see accounts/sms.py) ---------
# A number typed without its country code is read as one of this region ("" : always ask
# for the code).
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "IN").upper()
if PHONE_DEFAULT_REGION and PHONE_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(f"PHONE_DEFAULT_REGION {PHONE_DEFAULT_REGION!r} is not a region")
_TWILIO_SID = env_str("SMS_TWILIO_ACCOUNT_SID")
_SMS_BACKENDS = {
    "console": "accounts.sms.ConsoleBackend",
    "locmem": "accounts.sms.LocmemBackend",
    "twilio": "accounts.sms.TwilioBackend",
}
SMS_BACKEND = _SMS_BACKENDS[
    env_choice("SMS_BACKEND", "twilio" if _TWILIO_SID else "console", tuple(_SMS_BACKENDS))
]
SMS_TWILIO_ACCOUNT_SID = _TWILIO_SID
SMS_TWILIO_AUTH_TOKEN = env_str("SMS_TWILIO_AUTH_TOKEN")
SMS_FROM = env_str("SMS_FROM")
# A code works for SMS_CODE_TTL seconds, once, and SMS_CODE_MAX_ATTEMPTS wrong tries end it.
SMS_CODE_TTL = env_int("SMS_CODE_TTL", 600, minimum=60)
SMS_CODE_MAX_ATTEMPTS = env_int("SMS_CODE_MAX_ATTEMPTS", 3, minimum=1)
# Texts per number and per client address per hour (every kind: codes, "no account" notes).
SMS_PER_NUMBER_PER_HOUR = env_int("SMS_PER_NUMBER_PER_HOUR", 5, minimum=1)
SMS_PER_IP_PER_HOUR = env_int("SMS_PER_IP_PER_HOUR", 20, minimum=1)
# Texts of every kind from the whole site per hour, and the countries texted (ISO codes,
# comma-separated; "*": any): bounds on the bill and on SMS-pumping fraud.
SMS_PER_HOUR_TOTAL = env_int("SMS_PER_HOUR_TOTAL", 1000, minimum=1)
_SMS_REGIONS = env_str("SMS_ALLOWED_REGIONS", PHONE_DEFAULT_REGION or "*").upper()
SMS_ALLOWED_REGIONS = (
    frozenset()
    if _SMS_REGIONS == "*"
    else frozenset(r.strip() for r in _SMS_REGIONS.split(",") if r.strip())
)
if SMS_ALLOWED_REGIONS - phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(f"SMS_ALLOWED_REGIONS {_SMS_REGIONS!r} names no region")
# After this many wrong codes for one number, no code for it is sent or accepted for
# SMS_LOCKOUT_SECONDS.
SMS_CODE_FAILURES_PER_NUMBER = env_int("SMS_CODE_FAILURES_PER_NUMBER", 5, minimum=1)
SMS_LOCKOUT_SECONDS = env_int("SMS_LOCKOUT_SECONDS", 3600, minimum=60)

ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = SMS_CODE_TTL
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = SMS_CODE_MAX_ATTEMPTS
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True  # twice
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = True  # a mistyped number, at sign-up
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# "Send me a sign-in code": by SMS only (accounts.forms.RequestSmsLoginCodeForm), and never
# for doctors or administrators, who sign in with a password and TOTP.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = SMS_CODE_TTL
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = SMS_CODE_MAX_ATTEMPTS
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True

ACCOUNT_RATE_LIMITS = {
    "login_failed": f"20/m/ip,{_LOGIN_FAILURES}/{_LOGIN_WINDOW}s/key",
    # Every text message (accounts.adapters.AccountAdapter.send_text).
    "send_sms": f"{SMS_PER_NUMBER_PER_HOUR}/1h/key,{SMS_PER_IP_PER_HOUR}/1h/ip",
    "send_sms_total": f"{SMS_PER_HOUR_TOTAL}/1h/key",
    # Wrong SMS codes per number: the lockout.
    "sms_code_failed": f"{SMS_CODE_FAILURES_PER_NUMBER}/{SMS_LOCKOUT_SECONDS}s/key",
    # Asking for an SMS password reset: per address (per number is "send_sms").
    "reset_password_by_sms": "20/m/ip",
}
# How many reverse proxies in front of the site append to X-Forwarded-For (0: none, the client
# address is the connection's). Login lockouts and API throttles key on the address this
# gives, never on a header the client can set.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
GOOGLE_CLIENT_ID = env_str("GOOGLE_CLIENT_ID")
GOOGLE_CLIENT_SECRET = env_str("GOOGLE_CLIENT_SECRET")
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "google": {"SCOPE": ["openid", "profile", "email"], "AUTH_PARAMS": {"access_type": "online"}}
}
if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET:
    # Without credentials the provider has no app and allauth hides the Google button.
    SOCIALACCOUNT_PROVIDERS["google"]["APPS"] = [
        {"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}
    ]

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "ECG screening")

# --- API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with a WWW-Authenticate header.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.AnyRole"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_TOKEN_RATE", "10/minute")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# API tokens (django-rest-knox): hashed at rest, one per device, expiring.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 7 * 24, minimum=1)),
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ECG screening API",
    "DESCRIPTION": "Upload ECGs, follow their analysis, read your history.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ECG screening <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Object storage for everything users and the training worker write (uploads, traces,
# reports, retrained models), shared by every web and worker machine: an S3 bucket (AWS,
# MinIO...) when STORAGE_URL or AWS_STORAGE_BUCKET_NAME is set, else MEDIA_ROOT.
S3_OPTIONS = s3_options(
    storage_url=env_str("STORAGE_URL"),
    bucket=env_str("AWS_STORAGE_BUCKET_NAME"),
    endpoint_url=env_str("AWS_S3_ENDPOINT_URL"),
    access_key=env_str("AWS_ACCESS_KEY_ID"),
    secret_key=env_str("AWS_SECRET_ACCESS_KEY"),
    region=env_str("AWS_S3_REGION_NAME"),
    addressing_style=env_choice("AWS_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")),
)
STORAGES = {
    # Uploads are private health data: neither MEDIA_ROOT nor the bucket is ever served
    # directly (no public ACL, no MEDIA_URL); files go out only through permission-checked
    # views, streamed.
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_OPTIONS}
        if S3_OPTIONS
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 50, minimum=1)
# A request body larger than the largest upload (plus room for the form) is refused with 413
# before Django reads it.
MAX_REQUEST_BYTES = (MAX_UPLOAD_MB + 2) * 1024 * 1024
# Non-file form fields held in memory; files above FILE_UPLOAD_MAX_MEMORY_SIZE go to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
UPLOADS_PER_HOUR = env_int("UPLOADS_PER_HOUR", 30, minimum=1)
UPLOADS_PER_DAY = env_int("UPLOADS_PER_DAY", 200, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Files one request may carry (Django's default is 100): a whole electrocardiograms folder
# chosen at once. diagnosis.services.batches caps an upload at 200 ECGs with a clear message.
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
FILE_UPLOAD_PERMISSIONS = 0o600
ECG_MODELS_DIR = env_path("ECG_MODELS_DIR", BASE_DIR / "models")
# This machine's copies of retrained model versions fetched from object storage.
ECG_MODEL_CACHE_DIR = env_path("ECG_MODEL_CACHE_DIR", VAR_DIR / "model-cache")
# Retraining (training worker only): the MIT-BIH database (base DS1 + paced beats, DS2
# benchmark); the small smoke-run base (committed MIT-BIH excerpts); the beat cache.
ECG_TRAINING_DATA_DIR = env_path("ECG_MITDB_DIR", BASE_DIR.parent / "shared" / "data" / "mitdb")
ECG_TRAINING_SMALL_DIR = env_path(
    "ECG_TRAINING_SMALL_DIR", BASE_DIR / "tests" / "fixtures" / "engine"
)
ECG_TRAINING_CACHE_DIR = env_path("ECG_TRAINING_CACHE_DIR", VAR_DIR / "training-cache")

# --- Celery ---------------------------------------------------------------------------
# Without a broker, tasks run in the web process right after the transaction commits: on
# background threads (``diagnosis.services.queue``) so pages follow the job live, or inline
# in the request with EMBEDDED_TASKS_IN_BACKGROUND=false.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
EMBEDDED_TASKS_IN_BACKGROUND = env_bool("EMBEDDED_TASKS_IN_BACKGROUND", True)
# Memory one analysis may add to its worker (MB; 0: no cap). Off in embedded mode, where the
# task runs inside the web process beside other requests.
TASK_MEMORY_MB = env_int("TASK_MEMORY_MB", 1024 if CELERY_BROKER_URL else 0, minimum=0)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = "inference"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An upload must not hang when Redis is down: publishing gives up quickly, the analysis stays
# queued in the database and the sweeper sends it once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    # Often: a killed worker's analysis is sent to another one once its 20 s lease runs out.
    "sweep-analyses": {"task": "diagnosis.tasks.sweep_analyses", "schedule": 5.0},
    # Training runs whose worker is gone (lease ran out) are failed, freeing the next run.
    "sweep-training-runs": {"task": "diagnosis.tasks.sweep_training_runs", "schedule": 60.0},
    # Doctors' digest of new uploads from sharing patients, once a day.
    "doctor-digests": {"task": "diagnosis.tasks.send_doctor_digests", "schedule": 24 * 3600.0},
}
# Redis redelivers an unacknowledged task after this many seconds (acks_late tasks).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=1),
    "socket_connect_timeout": 3,
}

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
# Doctors and administrators are signed out after this many seconds without a request.
STAFF_IDLE_TIMEOUT = env_int("STAFF_IDLE_TIMEOUT", 30 * 60, minimum=60)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): every script and style is a vendored or own file.
# Inline style attributes remain in templates (style-src 'unsafe-inline'); no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Sign-in with Google posts here and is redirected to Google.
        "form-action": ["'self'", "https://accounts.google.com"],
    }
}
# Permissions-Policy (django-permissions-policy): the site asks for location only ("near
# me", on the specialists page); nothing else.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "geolocation": ["self"],
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Misc -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}
