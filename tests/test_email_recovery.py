"""Email tasks abandoned by a dead worker are sent again, or visibly failed (docs/email.md)."""

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.mail import abandoned
from accounts.mail.delivery import send_email

HOST = socket.gethostname()[:40]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _running(*worker_ids: str, started: timedelta = timedelta(0)) -> DBTaskResult:
    send_email("ada@example.com", "Hello", "A plain message.")
    task = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=task.pk).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started,
        worker_ids=list(worker_ids),
    )
    return task


def _status(task) -> str:
    task.refresh_from_db()
    return task.status


def test_a_task_whose_worker_process_is_gone_is_ready_again():
    task = _running(f"{HOST}:{_dead_pid()}:abcdefgh")
    assert abandoned.recover("default", abandoned.new_worker_id()) == 1
    assert _status(task) == TaskResultStatus.READY


def test_a_task_whose_worker_is_alive_is_left_alone_until_its_lease_ends(settings):
    alive = f"{HOST}:{os.getppid()}:abcdefgh"
    task = _running(alive)
    assert abandoned.recover("default", abandoned.new_worker_id()) == 0
    assert _status(task) == TaskResultStatus.RUNNING
    settings.ACCOUNTS_EMAIL_TASK_LEASE = 60
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - timedelta(seconds=61)
    )
    assert abandoned.recover("default", abandoned.new_worker_id()) == 1
    assert _status(task) == TaskResultStatus.READY


def test_another_hosts_worker_is_trusted_for_the_lease():
    task = _running("elsewhere:1:abcdefgh")
    assert abandoned.recover("default", abandoned.new_worker_id()) == 0
    assert _status(task) == TaskResultStatus.RUNNING


def test_the_workers_own_task_is_never_taken_from_it():
    own = abandoned.new_worker_id()
    task = _running(own)
    assert abandoned.recover("default", own) == 0
    assert _status(task) == TaskResultStatus.RUNNING


def test_after_too_many_dead_workers_the_task_is_failed_where_an_operator_sees_it(settings):
    settings.ACCOUNTS_EMAIL_TASK_MAX_ATTEMPTS = 2
    dead = [f"{HOST}:{_dead_pid()}:abcdefg{n}" for n in range(2)]
    task = _running(*dead)
    assert abandoned.recover("default", abandoned.new_worker_id()) == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "accounts.mail.abandoned.WorkerLost"
    assert task.finished_at is not None


def test_the_worker_takes_up_an_abandoned_task_before_its_first(mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    task = _running(f"{HOST}:{_dead_pid()}:abcdefgh")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert _status(task) == TaskResultStatus.SUCCESSFUL
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    task.refresh_from_db()
    # The new worker's id tells where it runs, so the next one can tell it is gone.
    assert task.worker_ids[-1].startswith(f"{HOST}:{os.getpid()}:")
