"""At most ACCOUNTS_PASSWORD_HASHES_AT_ONCE argon2 hashes run at once in a process.

argon2 is meant to be slow (about 80 ms and 64 MiB each): a burst of 200 logins on two
cores ran them all at once and the last answer came after 35 s, past nginx's
proxy_read_timeout. Hashes beyond the limit wait for a slot until the request's deadline
(accounts.http.admission); a request that cannot start its hash by then is refused with
HashingBusy, a 503 with Retry-After, so a burst degrades into quick refusals. Work
outside a request (commands, the task worker) waits as long as it takes.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from time import monotonic

from accounts.conf import app_settings
from accounts.exceptions import HashingBusy
from accounts.http import admission

_lock = threading.Lock()
_slots: tuple[int, threading.Semaphore] | None = None


def _semaphore() -> threading.Semaphore:
    global _slots
    size = app_settings.PASSWORD_HASHES_AT_ONCE
    slots = _slots
    if slots is None or slots[0] != size:
        with _lock:
            if _slots is None or _slots[0] != size:
                _slots = (size, threading.Semaphore(size))
            slots = _slots
    return slots[1]


@contextmanager
def hashing_slot() -> Iterator[None]:
    """Hold one of the process's hashing slots, or raise HashingBusy past the deadline."""
    semaphore = _semaphore()
    deadline = admission.deadline()
    if deadline is None:
        semaphore.acquire()
    elif not semaphore.acquire(timeout=max(0.0, deadline - monotonic())):
        raise HashingBusy()
    try:
        yield
    finally:
        semaphore.release()
