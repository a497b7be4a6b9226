"""ASGI entry point."""

import os
import sys

from authsite.env import ConfigurationError
from authsite.handlers import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")

try:
    application = get_asgi_application()
except ConfigurationError as error:
    # One sentence, not a traceback, as authsite/wsgi.py.
    print(f"Configuration error: {error}", file=sys.stderr, flush=True)
    sys.exit(4)
