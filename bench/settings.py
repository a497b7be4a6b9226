"""Benchmark settings: the project's, plus DRF's authtoken and knox to compare against.

BENCH_STACK=shipped (default) keeps the project's middleware, renderers and database
options; BENCH_STACK=peers runs every view under the peers' fixed conditions: Security +
Common middleware only, the JSON renderer, persistent connections without a per-request
health check.
"""

import os
import tempfile
from datetime import timedelta

os.environ.setdefault("DJANGO_DEBUG", "1")

from authsite.settings import *  # noqa: E402,F403
from authsite.settings import DATABASES, INSTALLED_APPS, REST_FRAMEWORK  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken", "knox"]
ROOT_URLCONF = "bench.urls"
if not os.environ.get("DATABASE_URL"):
    DATABASES = {  # noqa: F811
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_SQLITE")
            or os.path.join(tempfile.mkdtemp(prefix="authsite-bench-"), "bench.sqlite3"),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        }
    }
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DEBUG = False
# Knox with its defaults, except that it renews nothing (like DRF, one query to read).
REST_KNOX = {"TOKEN_TTL": timedelta(hours=10), "AUTO_REFRESH": False}
# No throttles on the views measured; counters are not part of authentication.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}

STACK = os.environ.get("BENCH_STACK", "shipped")
if STACK == "peers":
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    ]
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # Persistent connections, as the peers' own settings: Django refuses them with a pool.
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

# Keep the 401s the benchmark provokes out of the output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"django": {"level": "ERROR"}},
}
