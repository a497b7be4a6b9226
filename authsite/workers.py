"""gunicorn's gthread worker, with two additions (gunicorn.conf.py selects it).

1. When each request was queued for a thread. A gthread worker accepts connections as
   they come and queues them for its threads, so in a burst a request may wait seconds
   before Django sees it. The time it was queued goes into the WSGI environ
   (accounts.http.admission.QUEUED_AT), so a request that has already waited too long
   for a thread is refused its password hash at once, with 503 and Retry-After, instead
   of adding its hash to the burst (docs/failures.md).

2. Connections shared between the workers. A gthread worker keeps a kept-alive
   connection for its whole life, and every worker of the server polls the same
   listening socket: when a client (wrk, or nginx's upstream keep-alive pool) opens its
   connections at once, the worker that wakes first can accept all of them while the
   other sits idle. Each worker publishes how many connections it holds in a small
   shared table; a worker holding more than the least loaded live worker steps back
   from accepting for a few milliseconds, so that worker takes the connection. It never
   steps back for longer than ACCEPT_YIELD_MAX in a row, so a stuck or busy sibling
   delays a new connection by that much at most (docs/performance.md).
"""

import mmap
import os
import threading
import time

from gunicorn.workers import gthread

# The environ key of accounts.http.admission (the app; read there, not imported here,
# so that gunicorn's master never loads Django).
QUEUED_AT = "accounts.queued_at"

# How long a worker holding more connections than a sibling waits before looking again,
# and how long in a row it may keep stepping back before it accepts anyway.
ACCEPT_YIELD = 0.005
ACCEPT_YIELD_MAX = 0.1

# One slot per worker age modulo SLOTS: (pid, connections held), as native ints.
SLOTS = 128
# Anonymous shared memory, made when the master imports this module (it imports the
# worker class before forking), so every worker it forks sees the same table.
_table = memoryview(mmap.mmap(-1, SLOTS * 2 * 4)).cast("i")

_local = threading.local()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ThreadWorker(gthread.ThreadWorker):
    def __init__(self, age, *args, **kwargs):
        # Before the base class sets nr_conns, which the property below publishes.
        self._slot = (age % SLOTS) * 2
        self._yield_until = 0.0
        self._yield_since = None
        super().__init__(age, *args, **kwargs)

    # -- the shared table ---------------------------------------------------------
    @property
    def nr_conns(self) -> int:
        return self._nr_conns

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._nr_conns = value
        if self._slot is not None and _table[self._slot] == os.getpid():
            _table[self._slot + 1] = value

    def _publish(self) -> None:
        """Take this worker's slot: from now on its siblings leave connections to it."""
        _table[self._slot + 1] = self._nr_conns
        _table[self._slot] = os.getpid()

    def run(self):
        # Only once the app is loaded and the loop is about to accept: a worker still
        # booting (a restart, max_requests) would otherwise make its siblings step back
        # for nothing, delaying every new connection by ACCEPT_YIELD_MAX.
        self._publish()
        try:
            super().run()
        finally:
            if _table[self._slot] == os.getpid():
                _table[self._slot] = 0
                _table[self._slot + 1] = 0

    def _fewest_elsewhere(self) -> int | None:
        """The fewest connections any other live worker of this server holds."""
        me = os.getpid()
        fewest = None
        for slot in range(0, SLOTS * 2, 2):
            pid = _table[slot]
            if pid in (0, me):
                continue
            if not _alive(pid):
                # A worker killed without its cleanup: free its slot.
                _table[slot] = 0
                continue
            held = _table[slot + 1]
            if fewest is None or held < fewest:
                fewest = held
        return fewest

    # -- accepting --------------------------------------------------------------
    def accept(self, listener):
        now = time.monotonic()
        fewest = self._fewest_elsewhere()
        if fewest is not None and self._nr_conns > fewest:
            if self._yield_since is None:
                self._yield_since = now
            if now - self._yield_since < ACCEPT_YIELD_MAX:
                # Leave this connection to the less loaded worker for a moment.
                self._yield_until = now + ACCEPT_YIELD
                self.set_accept_enabled(False)
                return
        self._yield_since = None
        super().accept(listener)

    def set_accept_enabled(self, enabled):
        if enabled and time.monotonic() < self._yield_until:
            return
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        if not self._accepting and self._yield_until:
            # Wake when the step back ends, so the run loop accepts again.
            timeout = max(0.0, min(timeout, self._yield_until - time.monotonic()))
        super().wait_for_and_dispatch_events(timeout)

    # -- when each request was queued -------------------------------------------
    def enqueue_req(self, conn):
        # A new connection, or a kept-alive one whose next request has arrived.
        conn.authsite_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        _local.queued_at = getattr(conn, "authsite_queued_at", None)
        try:
            return super().handle(conn)
        finally:
            _local.queued_at = None

    def load_wsgi(self):
        super().load_wsgi()
        application = self.wsgi

        def stamped(environ, start_response):
            queued_at = getattr(_local, "queued_at", None)
            if queued_at is not None:
                environ[QUEUED_AT] = queued_at
            return application(environ, start_response)

        self.wsgi = stamped
