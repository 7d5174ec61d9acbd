"""Settings, read from the environment through django-environ's typed helpers.

Defaults give the embedded development shape: SQLite at ``db.sqlite3``, local media, eager Celery.
``DATABASE_URL`` switches to PostgreSQL (psycopg 3), ``REDIS_URL`` to a real Celery broker, and
``DJANGO_ENV=production`` demands ``SECRET_KEY`` and ``ALLOWED_HOSTS`` and refuses to start without them.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, production or test, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    for required in ("SECRET_KEY", "ALLOWED_HOSTS"):
        if not env.str(required, default=""):
            raise ImproperlyConfigured(f"{required} must be set when DJANGO_ENV=production")
    SECRET_KEY = env.str("SECRET_KEY")
    DEBUG = env.bool("DEBUG", default=False)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "criteria",
    "submissions",
    "appraisal",
    "ranking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # HTML and htmx fragments compressed for a commune's weak link (issue #17 item 1: a full commune sheet is
    # ~330 KiB of HTML, ~20 KiB gzipped); in the production shape Caddy compresses too (deploy/Caddyfile) and
    # WhiteNoise serves static files precompressed. BREACH: the secrets a page carries are CSRF tokens, which
    # Django masks afresh in every response (a compressed length reveals nothing across requests); session ids
    # travel in cookies, never in a compressed body.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.ControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.ForcePasswordChangeMiddleware",
    "config.middleware.OtpRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.RefusedAccessLogMiddleware",
    # Last, as django-axes asks: it turns a lockout into the Vietnamese page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files straight from gunicorn behind the proxy; in development runserver serves them.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded shape under concurrent saves (#15 item 7): WAL lets readers go on while one writes; every
    # transaction takes the write lock when it begins (IMMEDIATE), so two saves queue for it, waiting up to
    # the busy timeout, instead of both reading and then failing with "database is locked" on the upgrade.
    for option, value in {"transaction_mode": "IMMEDIATE", "timeout": 20,
                          "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"}.items():
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(option, value)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "submissions.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "config.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},  # its message in Vietnamese
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures the pair (username, IP address) is
# locked for AXES_COOLOFF_HOURS. The pair, not each alone: a whole intranet behind one NAT address is
# not locked out by one person, and nobody can lock a colleague out from another machine.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address (django-ipware). PROXY_COUNT (env AXES_PROXY_COUNT) is the number of reverse proxies in
# front of gunicorn: docker-compose.yml has one (Caddy), which replaces any X-Forwarded-For a client sends with the
# address it received the request from. 0: only the socket address counts, a forged X-Forwarded-For is never
# believed. N: the address the first proxy wrote, the N-th from the right of X-Forwarded-For (each further proxy
# appends its peer; anything a client put in front is ignored). django-ipware counts the proxies *listed* in the
# header, one fewer (the last proxy is REMOTE_ADDR). Only a proxy can reach gunicorn (docker-compose.yml), so only
# it can set X-Forwarded-For and X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER below).
PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1 if PRODUCTION else 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("AXES_PROXY_COUNT must be 0 or more.")
AXES_IPWARE_PROXY_ORDER = "left-most"
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    IPWARE_STRICT = False  # a forged prefix is skipped, not a reason to fall back to the proxy's own address
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = 0

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline style attributes (progress bars, indentation) are allowed; inline scripts are not.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Two-factor login (django-otp: TOTP app + one-time backup codes) for the secretariat, the council, the
# chair, the chairman and admins. On by default in production; development and the demo run without it.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Đánh giá mức độ hoàn thành nhiệm vụ")

# Optional single sign-on with the province's OpenID Connect provider (seed 001 uses one). Enabled when
# OIDC_RP_CLIENT_ID is set; accounts are matched by e-mail, never created.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_CREATE_USER = False
# A refused login lands on the page that says why (e.g. an e-mail the provider has not verified).
OIDC_CALLBACK_CLASS = "config.oidc.ProvinceOIDCCallbackView"
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "config.oidc.ProvinceOIDCBackend"]
LOGIN_REDIRECT_URL_FAILURE = "/dang-nhap/?sso=loi"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-not-served/"  # evidence is served only through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_USE_TRANSACTIONS = True

# Celery: eager without a broker, so `make run` and the SQLite tests need no server.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Faults without stalls (issue 15.8): with Redis down a publish gives up within about two seconds
# instead of holding the gunicorn worker ~19 s; the caller leaves its row pending for the beat re-queue
# (config/publishing.py). Bounded TCP connect to the broker and the result store, one quick retry.
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1.0}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1.0
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}}
CELERY_BEAT_SCHEDULE = {
    # The deadline is enforced on every request; this also marks unsent submissions as locked.
    "lock-overdue-submissions": {"task": "submissions.tasks.lock_overdue_submissions", "schedule": 60.0},
    "recheck-pending-signatures": {"task": "submissions.tasks.recheck_pending_signatures", "schedule": 300.0},
    # Issue 15.8: a report requested while the broker was down is built once it is back.
    "requeue-pending-reports": {"task": "ranking.tasks.requeue_pending_reports", "schedule": 60.0},
    "deadline-reminders": {"task": "submissions.tasks.send_deadline_reminders", "schedule": 600.0},
    # Issue #13 item 5: a block's appraisal and leaders' deadlines (appraisal.deadlines).
    "appraisal-deadline-reminders": {"task": "appraisal.tasks.send_phase_reminders", "schedule": 600.0},
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="danhgia@localhost")
# The address mails link to (a reminder carries the link of the page that needs action); no trailing slash.
SITE_URL = env.str("SITE_URL", default=(CSRF_TRUSTED_ORIGINS or ["http://localhost:8000"])[0]).rstrip("/")

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # Preloading HSTS commits the whole registrable domain (a gov.vn zone the province's IT department
    # controls) and is hard to undo: opt in with SECURE_HSTS_PRELOAD=true, silence the reminder otherwise.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Evidence and report files on S3-compatible object storage (django-storages) when a bucket is named;
# local files under MEDIA_ROOT otherwise. Objects are private; downloads still go through our views.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("S3_SECRET_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Evidence files: size limit and the PDF signature trust roots (PEM/DER files of e.g. the government CA).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# Issue 15.8: that limit is checked while the upload is read, before anything past it is stored.
FILE_UPLOAD_HANDLERS = ["config.uploads.SizeLimitUploadHandler",
                        "django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "django.core.files.uploadhandler.TemporaryFileUploadHandler"]
SIGNATURE_TRUST_ROOTS = env.list("SIGNATURE_TRUST_ROOTS", default=[])

# Signing of the ranking annex (PAdES): a PKCS#12 file and its passphrase. `make run` creates a
# self-signed development certificate at var/dev-signing.p12; production names the province's own.
RANKING_SIGNING_P12 = env.path("RANKING_SIGNING_P12", default=BASE_DIR / "var" / "dev-signing.p12")
RANKING_SIGNING_PASSPHRASE = env.str("RANKING_SIGNING_PASSPHRASE", default="" if PRODUCTION else "dev-only-passphrase")

# Where the criteria framework fixtures live (`load_frameworks`).
CRITERIA_FIXTURE_DIR = BASE_DIR / "fixtures" / "criteria"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint and fontTools narrate every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pyHanko logs a traceback for every unsigned or modified PDF; the result is stored on the file.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
        "celery.app.trace": {"level": "WARNING"},
    },
}

# load_demo writes the demo accounts it creates, with their first passwords, here (not committed); tests point it
# at a temporary folder (tests/conftest.py).
DEMO_ACCOUNTS_FILE = env.str("DEMO_ACCOUNTS_FILE", default=str(BASE_DIR / "var" / "demo-accounts.txt"))
