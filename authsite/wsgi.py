"""WSGI entry point: `gunicorn authsite.wsgi`."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authsite.settings")

application = get_wsgi_application()

# Probes every few seconds would drown the access log; DJANGO_LOG_LEVEL=DEBUG keeps them.
if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
    from authsite.health import ProbeAccessLogFilter

    logging.getLogger("gunicorn.access").addFilter(ProbeAccessLogFilter())
