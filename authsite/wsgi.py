"""WSGI entry point: `gunicorn authsite.wsgi`."""

import logging
import os
import sys

from authsite.env import ConfigurationError
from authsite.handlers import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")

try:
    application = get_wsgi_application()
except ConfigurationError as error:
    # One sentence, not a traceback. Exit status 4 is gunicorn's "App failed to load":
    # it stops the server instead of restarting the worker over and over.
    print(f"Configuration error: {error}", file=sys.stderr, flush=True)
    sys.exit(4)

# Probes every few seconds would drown the access log; DJANGO_LOG_LEVEL=DEBUG keeps them.
if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
    from authsite.health import ProbeAccessLogFilter

    logging.getLogger("gunicorn.access").addFilter(ProbeAccessLogFilter())
