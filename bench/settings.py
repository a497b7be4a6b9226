"""Benchmark settings: the project's, plus DRF's authtoken app to compare against."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")

from authsite.settings import *  # noqa: E402,F403
from authsite.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]
ROOT_URLCONF = "bench.urls"
if not os.environ.get("DATABASE_URL"):
    DATABASES = {  # noqa: F811
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.path.join(tempfile.mkdtemp(prefix="authsite-bench-"), "bench.sqlite3"),
        }
    }
ALLOWED_HOSTS = ["testserver"]
# Keep the 401s the benchmark provokes out of the output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"django": {"level": "ERROR"}},
}
