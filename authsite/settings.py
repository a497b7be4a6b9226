"""Settings for authsite, read from environment variables.

Defaults are safe: without DJANGO_DEBUG the project runs with debug off and then
refuses to start without DJANGO_SECRET_KEY. manage.py (and so `make run`) turns
debug on for a development checkout, where neither variable is set; authsite.wsgi
(gunicorn) never does. See docs/configuration.md for every variable.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from authsite.env import (
    ConfigurationError,
    app_settings_from_env,
    env_bool,
    env_count_per_period,
    env_duration,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# A development key is only acceptable while debug is on; production must bring its own.
SECRET_KEY = (
    env_str("DJANGO_SECRET_KEY") or "django-insecure-development-key-do-not-use-in-production"
)
if not DEBUG and not env_str("DJANGO_SECRET_KEY"):
    raise ConfigurationError(
        "The DJANGO_SECRET_KEY environment variable is required when debug is off; "
        "for local development, set DJANGO_DEBUG=1 instead."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin on accounts.browser.admin_site.AdminSite (a rate-limited login).
    "authsite.apps.AdminConfig",
    # Before django.contrib.auth, so that its createsuperuser (which applies the
    # password policy with --noinput too) takes precedence.
    "accounts",
    # Multi-factor login (accounts/mfa/); after accounts, whose user admin it extends.
    "accounts.mfa",
    # In-process token cache evicted by PostgreSQL notifications (docs/performance.md).
    "accounts.tokencache",
    # Leak response: revocation endpoint, secret scanning webhook, security emails.
    "accounts.leaks",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Email is sent by tasks (accounts/mail/delivery.py): Django 6's tasks framework, backported.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # /healthz and /readyz, answered before anything else runs (no host check, no session).
    "authsite.health.HealthCheckMiddleware",
    # Outermost, so that every auth response is covered, errors from other middleware too.
    "accounts.http.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Database and cache connection errors become 503 with Retry-After (accounts/http/outages.py).
    "accounts.http.outages.ServiceUnavailableMiddleware",
    # Each request's deadline for starting a password hash (accounts/passwords/admission.py).
    "accounts.http.admission.AdmissionMiddleware",
    "accounts.http.middleware.RequestBodyLimitMiddleware",
    # Before anything reads the body: only text charsets are ever decoded.
    "accounts.http.middleware.RequestCharsetMiddleware",
    "accounts.http.middleware.ContentSecurityPolicyMiddleware",
    "accounts.http.middleware.ClientIPMiddleware",
    # Serves collected static files (admin, browsable API, docs) in production too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, but under /api/ no slash-adding redirect and JSON 404s in debug too.
    "authsite.errors.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "authsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project templates override the apps' (e.g. the browsable API's log-out link).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "authsite.wsgi.application"
ASGI_APPLICATION = "authsite.asgi.application"

# Without DATABASE_URL the project runs on a local SQLite file.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
    )
}
_db = DATABASES["default"]
_db_options = _db.setdefault("OPTIONS", {})
# Seconds a client waits for any answer from PostgreSQL (authsite/db.py); unused elsewhere.
DATABASE_READ_TIMEOUT = None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers on one SQLite file (the default): take the write lock when a
    # transaction begins, so two transactions never deadlock upgrading read locks; WAL
    # lets readers run beside the one writer; a writer waits up to DJANGO_DB_SQLITE_TIMEOUT
    # seconds for the lock, then the request gets 503 (never 500).
    _db_options["transaction_mode"] = "IMMEDIATE"
    _db_options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    _db_options["timeout"] = env_float("DJANGO_DB_SQLITE_TIMEOUT", 10.0, minimum=0.0)
elif _db["ENGINE"] == "django.db.backends.postgresql":
    from authsite.db import BoundedConnection

    # Django's backend plus a circuit breaker: 503 at once while the server is down.
    _db["ENGINE"] = "authsite.postgresql"

    _statement_timeout = env_float("DJANGO_DB_STATEMENT_TIMEOUT", 5.0, minimum=0.1)
    _pool_min = env_int("DJANGO_DB_POOL_MIN_SIZE", 1)
    _pool_max = env_int("DJANGO_DB_POOL_MAX_SIZE", 4, minimum=1)
    if _pool_min > _pool_max:
        raise ConfigurationError(
            f"DJANGO_DB_POOL_MIN_SIZE ({_pool_min}) cannot exceed "
            f"DJANGO_DB_POOL_MAX_SIZE ({_pool_max})."
        )
    _db_options.update(
        {
            # libpq: give up on an unreachable server after this many seconds.
            "connect_timeout": env_int("DJANGO_DB_CONNECT_TIMEOUT", 3, minimum=1),
            # The server cancels a statement running longer than this.
            "options": f"-c statement_timeout={int(_statement_timeout * 1000)}",
            # A bounded pool per process (psycopg-pool); waiting longer than the pool
            # timeout for a connection is answered 503. Idle connections are closed after
            # max_idle, so one server does not keep connections another one needs.
            "pool": {
                "min_size": _pool_min,
                "max_size": _pool_max,
                "timeout": env_float("DJANGO_DB_POOL_TIMEOUT", 2.0, minimum=0.1),
                "max_idle": env_float("DJANGO_DB_POOL_MAX_IDLE", 10.0, minimum=1.0),
                # Failed reconnections back off exponentially (1, 2, 4 s...); giving up soon
                # lets the next request start a fresh attempt, so recovery takes seconds.
                "reconnect_timeout": env_float(
                    "DJANGO_DB_POOL_RECONNECT_TIMEOUT", 5.0, minimum=1.0
                ),
                # Every wait for the server is bounded (authsite/db.py): statement_timeout
                # is enforced by the server, which a frozen server never does.
                "connection_class": BoundedConnection,
            },
        }
    )
    # The pool replaces persistent connections; Django refuses both at once.
    _db["CONN_MAX_AGE"] = 0
    # With a pool this is psycopg-pool's check: an empty query when a connection is taken
    # (not Django's SELECT 1 per request), so one broken by a server restart is replaced
    # rather than failing a request. DJANGO_DB_POOL_CHECK=0 saves that round trip.
    _db["CONN_HEALTH_CHECKS"] = env_bool("DJANGO_DB_POOL_CHECK", default=True)
    DATABASE_READ_TIMEOUT = _statement_timeout + 1
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"

# argon2id first (tuned in accounts.passwords.hashers); the others only verify old hashes,
# which are upgraded on the next successful login.
PASSWORD_HASHERS = [
    "accounts.passwords.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # MFA recovery codes only (59 random bits), never a user's password.
    "accounts.passwords.hashers.RecoveryCodeHasher",
]

# NIST SP 800-63B-4: 15 to 1024 characters, no composition rules, a blocklist of
# about 100,000 common and breached passwords, and the context words (this service's
# name, the email) refused; accounts/passwords/validators.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.passwords.validators.LengthValidator"},
    {"NAME": "accounts.passwords.validators.BlocklistValidator"},
    {"NAME": "accounts.passwords.validators.GuessabilityValidator"},
    {
        "NAME": "accounts.passwords.validators.ContextWordsValidator",
        "OPTIONS": {"words": ["authsite"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# HTTPS-only behaviour is on whenever debug is off; each switch can be turned
# off for a TLS-terminating proxy or a local production-like run.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    # Only behind a proxy that always sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.authentication.TokenAuthentication",
        # For the browsable API; DRF keeps CSRF enforced for session-authenticated writes.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # Token scopes (read: safe methods; write: everything) for every view.
        "accounts.tokens.permissions.TokenHasScope",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        # DRF's, never echoing a submitted password or code into a form (browser/renderers.py).
        "accounts.browser.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "accounts.http.parsers.JSONParser",
        "accounts.http.parsers.FormParser",
        "accounts.http.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "accounts.http.handlers.exception_handler",
    # drf-spectacular's, plus the error responses each view can produce (accounts/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "accounts.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "authsite API",
    "DESCRIPTION": "Email and password login that mints opaque bearer tokens.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components, so read-only fields are never "required" input.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc assets come from the project, so docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    # No call to the online validator either; the token stays out of localStorage.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Only the bearer token in the Authorize dialog: a session cookie cannot be pasted there.
    "AUTHENTICATION_WHITELIST": ["accounts.tokens.authentication.TokenAuthentication"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Examples show the host the schema was fetched from, not a fixed 127.0.0.1:8000.
        "accounts.api.schema.use_request_origin",
    ],
    "TAGS": [
        {"name": "Authentication", "description": "Register, log in and out, your account."},
        {"name": "Tokens", "description": "Your tokens: list, create, read and revoke."},
        {"name": "Passwords", "description": "Change a password, or reset a forgotten one."},
        {"name": "API", "description": "The list of endpoints."},
    ],
}

# Browsers: admin, browsable API and docs.
# DJANGO_BROWSABLE_API=0 leaves the API JSON-only and removes the session login pages.
BROWSABLE_API = env_bool("DJANGO_BROWSABLE_API", default=True)
if not BROWSABLE_API:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
# Messages travel in a signed, HttpOnly cookie, readable by whoever holds it: never put a
# secret in one (the admin shows a newly issued token in the response that creates it).
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# App settings: each default lives in accounts/conf.py (one place); a variable that is set
# overrides it. Durations are whole seconds, "none" switches a limit off.
globals().update(
    app_settings_from_env(
        {
            "ACCOUNTS_TOKEN_TTL": env_duration,
            "ACCOUNTS_TOKEN_IDLE_TIMEOUT": env_duration,
            "ACCOUNTS_TOKEN_MAX_TTL": env_duration,
            "ACCOUNTS_TOKEN_LAST_USED_INTERVAL": lambda name: env_duration(name, minimum=0),
            "ACCOUNTS_MAX_TOKENS_PER_USER": lambda name: env_int(
                name, None, minimum=1, allow_none=True
            ),
            "ACCOUNTS_TOKEN_REQUIRE_EXPIRY": lambda name: env_bool(name, default=False),
            "ACCOUNTS_ALLOW_REGISTRATION": lambda name: env_bool(name, default=True),
            # In-process token cache, PostgreSQL only (accounts/tokencache, docs/performance.md).
            "ACCOUNTS_TOKEN_CACHE": lambda name: env_bool(name, default=True),
            "ACCOUNTS_TOKEN_CACHE_MAX_AGE": lambda name: env_duration(name, minimum=0),
            "ACCOUNTS_TOKEN_CACHE_SIZE": lambda name: env_int(name, None, minimum=1),
            "ACCOUNTS_TOKEN_CACHE_HEARTBEAT_MAX_AGE": lambda name: env_int(name, None, minimum=1),
            # Brute-force defence: the per-account lock and the per-IP rates ("none": off).
            "ACCOUNTS_LOGIN_MAX_FAILURES": lambda name: env_int(name, None),
            "ACCOUNTS_LOGIN_FAILURE_WINDOW": env_duration,
            "ACCOUNTS_LOGIN_RATE": lambda name: env_rate(name, None),
            "ACCOUNTS_REGISTER_RATE": lambda name: env_rate(name, None),
            "ACCOUNTS_PASSWORD_RESET_RATE": lambda name: env_rate(name, None),
            "ACCOUNTS_REVOKE_RATE": lambda name: env_rate(name, None),
            # Token introspection (docs/introspection.md), per calling token.
            "ACCOUNTS_INTROSPECT_RATE": lambda name: env_rate(name, None),
            # Scopes tokens may carry, space-separated: read, write and your API's own.
            "ACCOUNTS_TOKEN_SCOPES": env_str,
            # Leak response (docs/leaks.md): secret scanning keys, security emails.
            "ACCOUNTS_SECRET_SCANNING_KEYS_FILE": env_str,
            "ACCOUNTS_SECRET_SCANNING_KEYS_URL": env_str,
            "ACCOUNTS_SECURITY_EMAILS": lambda name: env_bool(name, default=True),
            "ACCOUNTS_TOKEN_EXPIRY_WARNING_DAYS": lambda name: env_int(name, None, minimum=1),
            # Email tasks abandoned by a dead worker (docs/email.md).
            "ACCOUNTS_EMAIL_TASK_LEASE": lambda name: env_int(name, None, minimum=1),
            "ACCOUNTS_EMAIL_TASK_MAX_ATTEMPTS": lambda name: env_int(name, None, minimum=1),
            # Admission control for password hashing (docs/failures.md).
            "ACCOUNTS_PASSWORD_HASHES_AT_ONCE": lambda name: env_int(name, None, minimum=1),
            "ACCOUNTS_PASSWORD_HASH_WAIT": lambda name: env_int(name, None, minimum=1),
        }
    )
)

# Multi-factor login (defaults in accounts/mfa/conf.py). ENCRYPTION_KEYS: keys of the TOTP
# secrets, comma-separated, the first encrypts, all decrypt (unset: derived from SECRET_KEY);
# EMAIL_RATE: emailed sign-in codes per account, such as 3/15m; durations in seconds.
globals().update(
    app_settings_from_env(
        {
            "ACCOUNTS_MFA_ENCRYPTION_KEYS": env_str,
            "ACCOUNTS_MFA_CHALLENGE_TTL": lambda name: env_int(name, None, minimum=30),
            "ACCOUNTS_MFA_SETUP_TTL": lambda name: env_int(name, None, minimum=30),
            "ACCOUNTS_MFA_REQUIRED_FOR_STAFF": lambda name: env_bool(name, default=False),
            "ACCOUNTS_MFA_EMAIL_RATE": env_count_per_period,
        }
    )
)

# Passkeys (defaults in accounts/mfa/conf.py, docs/passkeys.md): the RP ID is the domain
# passkeys are bound to (auth.example.com); the origins, comma-separated, are the
# web origins (https://auth.example.com) and native apps' (android:apk-key-hash:...) whose
# signatures count. With debug off, `check --deploy` fails unless both are set (or passkeys
# are off).
globals().update(
    app_settings_from_env(
        {
            "ACCOUNTS_WEBAUTHN_ENABLED": lambda name: env_bool(name, default=True),
            "ACCOUNTS_WEBAUTHN_RP_ID": env_str,
            "ACCOUNTS_WEBAUTHN_RP_NAME": env_str,
            "ACCOUNTS_WEBAUTHN_ORIGINS": lambda name: env_list(name, []),
        }
    )
)

# Email, for password reset. DJANGO_EMAIL_BACKEND is smtp (the default when DJANGO_EMAIL_HOST
# is set) or console, which prints every email, reset codes included, to standard output.
# With debug off the console is never chosen silently: reset codes in a log are an account
# takeover for anyone who reads it.
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
_email_host = env_str("DJANGO_EMAIL_HOST")
_email_backend = (env_str("DJANGO_EMAIL_BACKEND") or "").lower() or (
    "smtp" if _email_host else "console" if DEBUG else None
)
if _email_backend is None:
    raise ConfigurationError(
        "With debug off, set DJANGO_EMAIL_HOST to an SMTP server (or DJANGO_EMAIL_BACKEND=console "
        "for a local run, which prints reset codes to the log)."
    )
if _email_backend not in _EMAIL_BACKENDS:
    raise ConfigurationError(
        f"DJANGO_EMAIL_BACKEND must be smtp or console, not {_email_backend!r}."
    )
if _email_backend == "smtp" and not _email_host:
    raise ConfigurationError("DJANGO_EMAIL_BACKEND=smtp needs DJANGO_EMAIL_HOST.")
EMAIL_BACKEND = _EMAIL_BACKENDS[_email_backend]
if _email_backend == "smtp":
    EMAIL_HOST = _email_host
    EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", default=False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ConfigurationError(
            "DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL cannot both be on; "
            "turn DJANGO_EMAIL_USE_TLS off to use SSL."
        )
    EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10, minimum=1)
# Tasks (sending email): "database" queues them for `manage.py db_worker` (docs/email.md);
# "immediate" runs them inside the request, for development only, because a request for a
# known account would then wait for the mail server and tell it apart.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = (env_str("DJANGO_TASKS_BACKEND") or "").lower() or (
    "immediate" if DEBUG else "database"
)
if _tasks_backend not in _TASK_BACKENDS:
    raise ConfigurationError(
        f"DJANGO_TASKS_BACKEND must be database or immediate, not {_tasks_backend!r}."
    )
if _tasks_backend == "immediate" and not DEBUG:
    raise ConfigurationError(
        "DJANGO_TASKS_BACKEND=immediate is for development only: with debug off, "
        "a worker (manage.py db_worker) sends email."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}

# Where users reach this service, e.g. https://auth.example.com: links in emails are built
# on it, never on the request's Host header (see accounts/passwords/reset.py).
PUBLIC_URL = (env_str("DJANGO_PUBLIC_URL") or "").rstrip("/")
if PUBLIC_URL:
    _public = urlsplit(PUBLIC_URL)
    if _public.scheme not in ("http", "https") or not _public.netloc or _public[2:] != ("", "", ""):
        raise ConfigurationError(
            f"DJANGO_PUBLIC_URL must be an origin such as https://auth.example.com, "
            f"not {PUBLIC_URL!r}."
        )
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "authsite <noreply@localhost>")
# Password reset codes are valid this many seconds (and for one use).
PASSWORD_RESET_TIMEOUT = env_int("DJANGO_PASSWORD_RESET_TIMEOUT", 3600, minimum=60)

# --- Security hardening: brute-force defence, CSP, sessions, auth event log ---

# Every password login (API, admin, browsable API) goes through the per-account lock.
AUTHENTICATION_BACKENDS = ["accounts.ratelimit.backends.LockoutBackend"]

# Login failures and rate-limit counters live in the cache, shared by every worker
# and host: the database table `authsite_cache` by default (`createcachetable`),
# Redis when REDIS_URL is set.
_CACHE_KEY_PREFIX = env_str("DJANGO_CACHE_KEY_PREFIX", "authsite")
if REDIS_URL := env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _CACHE_KEY_PREFIX,
            # A stopped or frozen Redis fails within these many seconds (then 503), not 5 s+.
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": env_float("REDIS_CONNECT_TIMEOUT", 0.5, minimum=0.01),
                "SOCKET_TIMEOUT": env_float("REDIS_SOCKET_TIMEOUT", 0.5, minimum=0.01),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "accounts.ratelimit.cache.DatabaseCache",
            "LOCATION": "authsite_cache",
            "KEY_PREFIX": _CACHE_KEY_PREFIX,
            # Every CULL_EVERY-th write of a process deletes that many expired rows
            # (no table count per write; accounts/ratelimit/cache.py); `purgecache` from cron
            # deletes the rest. Past MAX_ENTRIES live entries are culled at random, so
            # it is high: a flood of new keys cannot push a live lock out.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000, "CULL_EVERY": 1000},
        }
    }

# Reverse proxies in front of the app that append to X-Forwarded-For; with 0 only
# REMOTE_ADDR is trusted (accounts/http/clientip.py).
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

# One policy for the admin, the browsable API and the docs: scripts only from this
# origin (Swagger UI's start-up script too; see authsite/urls.py). Inline styles stay
# allowed because Swagger UI and ReDoc set them at run time.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Admin and browsable-API sessions end after 12 hours, not Django's two weeks.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 12 * 3600, minimum=60)

# Where a session login without a (safe) `next` lands: the API root, not a missing profile page.
LOGIN_REDIRECT_URL = "/api/"

# Failures (docs/failures.md): a database or cache outage answers 503 with this Retry-After,
# and /readyz gives each of its checks this many seconds.
SERVICE_UNAVAILABLE_RETRY_AFTER = env_int("DJANGO_RETRY_AFTER", 5, minimum=1)
READINESS_CHECK_TIMEOUT = env_float("DJANGO_READINESS_TIMEOUT", 1.0, minimum=0.1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line says when, how severe and which logger (accounts.security for auth events).
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # An outage is logged once by accounts.http.outages, not once per request with a traceback.
    "filters": {"outages": {"()": "accounts.http.outages.OutageLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own console handler for "django", so each line is printed once.
        "django": {"handlers": ["console"], "propagate": False},
        "django.request": {"filters": ["outages"]},
        # The pool logs every failed reconnection attempt; the outage line says it all.
        "psycopg": {"level": "ERROR"},
    },
}
