"""WSGI entry point: `gunicorn authsite.wsgi`."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from authsite.env import ConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")

try:
    application = get_wsgi_application()
except ConfigurationError as error:
    # One sentence, not a traceback. Exit status 4 is gunicorn's "App failed to load":
    # it stops the server instead of restarting the worker over and over.
    print(f"Configuration error: {error}", file=sys.stderr, flush=True)
    sys.exit(4)
