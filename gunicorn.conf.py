"""gunicorn settings: `gunicorn -c gunicorn.conf.py authsite.wsgi` (what `make serve` runs).

Every knob is an environment variable with a default that suits a small host behind
nginx (deploy/ and docs/production.md):

HOST (127.0.0.1), PORT (8000)  where to listen
WEB_CONCURRENCY                worker processes (the CPU count)
GUNICORN_THREADS (4)           threads per worker
GUNICORN_TIMEOUT (30)          seconds before the master restarts a worker that stopped responding
GUNICORN_ACCESS_LOG (-)        access log file; "-" is standard output, "none" switches it off
"""

import os
import subprocess
import sys

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        sys.exit(f"Configuration error: {name} must be a whole number, not {value!r}.")
    if number < 1:
        sys.exit(f"Configuration error: {name} must be at least 1, not {number}.")
    return number


# An empty HOST must not mean every interface.
bind = f"{os.environ.get('HOST', '').strip() or '127.0.0.1'}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", os.cpu_count() or 1)
# Threaded workers: a client dripping its body slowly holds one thread, not a whole
# process (nginx buffers requests too; see deploy/nginx-authsite.conf). gunicorn's gthread
# worker, plus the time each request was queued for a thread, so that a login burst is
# refused quickly rather than served after the proxy gave up (authsite/workers.py).
worker_class = "authsite.workers.ThreadWorker"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
# Requests in flight get this long to finish on a restart or `systemctl reload`.
graceful_timeout = 30
# Idle keep-alive connections from nginx are closed after this many seconds.
keepalive = 5
# Bound what one request can send before Django sees it.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# No gunicornc control socket: its default path ($HOME/.gunicorn/gunicorn.ctl) is shared by
# every gunicorn of the user, and systemd already manages the master through signals.
control_socket_disable = True

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip() or "-"
accesslog = None if _access_log.lower() == "none" else _access_log
errorlog = "-"
# The path without its query string (%(U)s, not %(r)s), and no Authorization header,
# Referer or user name: none of them may carry a secret into a log file.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Load balancers and orchestrators poll these every few seconds; they would drown the log.
_QUIET_PATHS = {"/healthz", "/readyz"}


class AccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") in _QUIET_PATHS and (resp.status_code or 500) < 400:
            return
        super().access(resp, req, environ, request_time)


logger_class = AccessLogger

_CHECK = """
import importlib, sys
from django.core.exceptions import ImproperlyConfigured
try:
    importlib.import_module(sys.argv[1])
except ImproperlyConfigured as error:
    sys.exit(f"Configuration error: {error}")
"""


def on_starting(server):
    """Load the app once in a child process, so a configuration mistake is one sentence.

    Without this each worker would fail with a long traceback and the master would
    restart it; loading in a child keeps the master free of the app's modules, so a
    reload (HUP) after a deployment still picks up new code.
    """
    module = server.app.app_uri.split(":")[0]
    result = subprocess.run([sys.executable, "-c", _CHECK, module], cwd=server.cfg.chdir)
    if result.returncode:
        sys.exit(result.returncode)
