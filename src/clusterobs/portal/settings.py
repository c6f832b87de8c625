"""One settings module for the portal, driven by the environment (see docs/settings.md).

Development defaults need nothing set. With ``DJANGO_DEBUG=0`` a missing
``DJANGO_SECRET_KEY`` stops the start instead of running with a known key.
"""

from __future__ import annotations

from pathlib import Path

from clusterobs import config
from clusterobs.errors import ConfigError

DEBUG = config.get("DJANGO_DEBUG") == "1"
_secret = config.get("DJANGO_SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ConfigError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    _secret = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"
SECRET_KEY = _secret
ALLOWED_HOSTS = [h.strip() for h in (config.get("DJANGO_ALLOWED_HOSTS") or "").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    # before allauth, so that its account/ templates use the portal's layout
    "clusterobs.portal.community",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "clusterobs.portal.accounts",
    "clusterobs.portal.explorer",
    "clusterobs.portal.insights",
    "clusterobs.portal.stresstest",
    "clusterobs.portal.showcases",
    "clusterobs.portal.panorama",
]

MIDDLEWARE = [
    "clusterobs.portal.middleware.ServerTimingMiddleware",
    "clusterobs.portal.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # gzip of text answers the data cache below did not compress (whitenoise serves static
    # files pre-compressed; ZIP, Parquet and XLSX files pass untouched)
    "clusterobs.portal.caching.CompressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clusterobs.portal.editions.EditionMiddleware",
    # a banned member's writes (any method but GET/HEAD/OPTIONS/TRACE) are refused, sign-out aside
    "clusterobs.portal.community.roles.BannedWritesMiddleware",
    # ETag/304 and the shared response cache of data pages (needs the resolved dataset/edition)
    "clusterobs.portal.caching.DataCacheMiddleware",
    "clusterobs.portal.middleware.ErrorPagesMiddleware",
    # last: django-axes throttles repeated failed logins (per user and address)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clusterobs.portal.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [str(Path(__file__).resolve().parent / "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clusterobs.portal.editions.edition_context",
            ],
        },
    },
]
WSGI_APPLICATION = "clusterobs.portal.wsgi.application"


def _database() -> dict[str, object]:
    url = config.get("DATABASE_URL")
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(config.var_dir() / "portal.sqlite3")}
    from urllib.parse import unquote, urlparse

    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ConfigError(f"DATABASE_URL scheme {parts.scheme!r}: expected postgres://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


DATABASES = {"default": _database()}
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# accounts (django-allauth): sign-in by email, which must be verified before use
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
LOGIN_REDIRECT_URL = "/community/"
LOGIN_URL = "/accounts/login/"
# Sign-in throttling (docs/hardening.md). The client address is the real one behind the
# proxies listed in DJANGO_TRUSTED_PROXIES (X-Forwarded-For believed only from them).
TRUSTED_PROXIES = [p.strip() for p in (config.get("DJANGO_TRUSTED_PROXIES") or "").split(",") if p.strip()]
try:
    import ipaddress as _ipaddress

    for _proxy in TRUSTED_PROXIES:
        _ipaddress.ip_network(_proxy, strict=False)
except ValueError as _exc:
    raise ConfigError(f"DJANGO_TRUSTED_PROXIES: {_exc}") from None
# Django-axes: 5 failures lock the user+address pair for an hour, so a stranger without the
# password locks out only himself; the counters are rows of the portal database (shared by
# every worker).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "clusterobs.portal.accounts.clientip.client_ip"
# django-allauth's rate limits live in the cache: the portal database's cache table, shared
# by every gunicorn worker (a per-process memory cache let 36 of 40 failures through).
# Failed sign-ins: 10 a minute per client address; per account 100 an hour, which takes a
# stranger 20 addresses (axes stops each at 5), instead of allauth's 5 per 5 minutes, which
# anyone could use to keep an account locked.
ACCOUNT_ADAPTER = "clusterobs.portal.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,100/h/key"}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "clusterobs_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}
# rendered data pages and API answers (clusterobs.portal.caching): files shared by every
# worker, keyed on the results file's identity so a rebuild never serves old numbers
CACHES["responses"] = {
    "BACKEND": "clusterobs.portal.responsecache.ResponseFileCache",
    "LOCATION": str(config.var_dir() / "responses"),
    "TIMEOUT": 7 * 86400,
    "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4},
}
#: Cache-Control max-age (seconds) of data pages: an edition's frozen data, and live data
CACHE_MAX_AGE_EDITION = 86400
CACHE_MAX_AGE_LIVE = 60
# allauth signs in by email: axes must read the user from that field
AXES_USERNAME_CALLABLE = "clusterobs.portal.community.throttle.axes_username"
if config.get("DJANGO_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = config.get("DJANGO_EMAIL_HOST") or ""
    EMAIL_PORT = int(config.get("DJANGO_EMAIL_PORT") or 587)
    EMAIL_HOST_USER = config.get("DJANGO_EMAIL_USER") or ""
    EMAIL_HOST_PASSWORD = config.get("DJANGO_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = True
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = config.get("DJANGO_DEFAULT_FROM_EMAIL") or "observatory@localhost"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = str(config.var_dir() / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
# assets taken from installed wheels at start-up (plotly.js): never downloaded
VENDOR_DIR = config.var_dir() / "vendor"
VENDOR_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [("vendor", str(VENDOR_DIR))]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# security headers everywhere (tests exercise them); HTTPS-only settings in production
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (config.get("DJANGO_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()]
#: Content-Security-Policy sent by clusterobs.portal.middleware.SecurityHeadersMiddleware:
#: no inline or third-party scripts; inline styles are allowed (plotly sets them)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
if not DEBUG:
    SECURE_SSL_REDIRECT = config.get("DJANGO_SECURE_SSL_REDIRECT") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(config.get("DJANGO_HSTS_SECONDS") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# structured logs: one JSON object per line on standard error
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clusterobs.portal.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": config.get("DJANGO_LOG_LEVEL") or "INFO"},
    "loggers": {"django.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
