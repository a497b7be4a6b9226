"""Email tasks abandoned by a worker that died while sending: sent again, or marked failed.

django-tasks-db's worker marks a task RUNNING when it claims it and never looks at it
again, so a worker killed mid-send (SIGKILL, out of memory, a lost host) left the email
RUNNING forever: neither sent nor failed. Delivery is at least once instead (an email
that arrives twice is better than none): a RUNNING task is made READY again once the
worker that claimed it is known to be gone (same host, its process no longer exists) or
its lease has passed (ACCOUNTS_EMAIL_TASK_LEASE, for a worker on another host); after
ACCOUNTS_EMAIL_TASK_MAX_ATTEMPTS claims it is marked FAILED, so an email that kills its
worker is not retried forever and an operator sees it. `manage.py db_worker` (this app's)
does this when it starts and every RECOVERY_INTERVAL seconds.
"""

import logging
import os
import socket

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.conf import app_settings

logger = logging.getLogger(__name__)

RECOVERY_INTERVAL = 10.0  # seconds between two looks at the RUNNING tasks


class WorkerLost(Exception):
    """The task's worker stopped while running it, too many times to try again."""


def new_worker_id() -> str:
    """`host:pid:random`: lets another worker on the host tell whether this one is gone."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _is_gone(worker_id: str, own_id: str) -> bool:
    host, _, rest = worker_id.partition(":")
    pid, _, _ = rest.partition(":")
    if worker_id == own_id or host != socket.gethostname()[:40] or not pid.isdigit():
        return False  # ours, another host's (the lease decides) or not one of ours
    if int(pid) == os.getpid():
        return True  # an earlier process with our pid: it has exited
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a process of another user has that pid now
    return False


def recover(backend_name: str, own_id: str) -> int:
    """Make abandoned tasks ready again, or failed after too many claims; count them."""
    lease = app_settings.EMAIL_TASK_LEASE
    expired_before = timezone.now() - lease
    count = 0
    running = DBTaskResult.objects.running().filter(backend_name=backend_name)
    for task in running.only("id", "started_at", "worker_ids"):
        last = task.worker_ids[-1] if task.worker_ids else ""
        expired = task.started_at is None or task.started_at < expired_before
        if not (expired or _is_gone(last, own_id)):
            continue
        # Only if no other worker has taken it up meanwhile (same claim, still running).
        claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        attempts = len(task.worker_ids)
        with transaction.atomic():
            if attempts >= app_settings.EMAIL_TASK_MAX_ATTEMPTS:
                error = WorkerLost(f"{attempts} workers stopped while running this task.")
                changed = claim.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=timezone.now(),
                    exception_class_path=f"{__name__}.WorkerLost",
                    traceback=f"{__name__}.WorkerLost: {error}\n",
                )
            else:
                changed = claim.update(status=TaskResultStatus.READY)
        if changed:
            count += 1
            logger.warning(
                "Task %s was abandoned by worker %s; %s.",
                task.pk,
                last or "(unknown)",
                "marked failed"
                if attempts >= app_settings.EMAIL_TASK_MAX_ATTEMPTS
                else "it will run again",
            )
    return count
