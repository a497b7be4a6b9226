"""django-tasks-db's db_worker, which also takes up tasks abandoned by a dead worker.

Same options and behaviour, plus: worker ids say `host:pid:random`, and before its first
task and every few seconds after, the worker makes the email tasks of dead workers ready
again (or failed after too many tries; accounts/mail/abandoned.py, docs/email.md).
"""

import logging
import threading
import time

from django.db import connection
from django_tasks_db.management.commands import db_worker

from accounts.mail import abandoned

logger = logging.getLogger("accounts.mail.abandoned")


def _recover_forever(backend_name: str, own_id: str) -> None:
    while True:
        time.sleep(abandoned.RECOVERY_INTERVAL)
        try:
            abandoned.recover(backend_name, own_id)
        except Exception:  # the database may be away; the next pass tries again
            logger.warning("Could not look for abandoned tasks.", exc_info=True)
        finally:
            connection.close()  # this thread's


class Command(db_worker.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=abandoned.new_worker_id())

    def handle(self, *args, **options):
        backend_name, own_id = options["backend_name"], options["worker_id"]
        abandoned.recover(backend_name, own_id)
        threading.Thread(
            target=_recover_forever,
            args=(backend_name, own_id),
            name="abandoned-tasks",
            daemon=True,
        ).start()
        super().handle(*args, **options)
