"""A db_worker killed while its SMTP send is stuck: a new worker sends the email."""

import asyncio
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.smtp import SMTP

from tests.live.conftest import ROOT
from tests.multinode.conftest import app_env, migrate

pytestmark = pytest.mark.multinode

TABLE = "django_tasks_database_dbtaskresult"


def _listening_socket() -> socket.socket:
    """A socket on a free port of 28000-28999 (the range these tests may use)."""
    for port in random.sample(range(28000, 29000), 1000):
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen()
        return sock
    raise RuntimeError("no free port in 28000-28999")


class _Sink:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2",
         *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_a_worker_killed_mid_send_loses_no_email(tmp_path):
    stalled = _listening_socket()  # accepts, never greets: the send waits in the worker
    env = app_env(tmp_path)
    env.update(
        DJANGO_EMAIL_BACKEND="smtp",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(stalled.getsockname()[1]),
        DJANGO_EMAIL_USE_TLS="0",
        DJANGO_EMAIL_TIMEOUT="60",
        DJANGO_TASKS_BACKEND="database",
    )
    migrate(env)
    queued = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from accounts.mail.delivery import send_email;"
         "send_email('ada@example.com', 'Hello', 'Sent at least once.')"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert queued.returncode == 0, queued.stderr
    database = sqlite3.connect(tmp_path / "db.sqlite3", timeout=10)

    def status() -> str:
        return database.execute(f"SELECT status FROM {TABLE}").fetchone()[0]

    first = _worker(env)
    try:
        stalled.settimeout(60)
        client, _ = stalled.accept()  # the worker is inside its SMTP send
        assert _until(lambda: status() == "RUNNING", 10)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    client.close()
    stalled.close()
    assert status() == "RUNNING"  # what the dead worker left behind

    sink, loop = _Sink(), asyncio.new_event_loop()
    sock = _listening_socket()
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(sink), sock=sock))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        env["DJANGO_EMAIL_PORT"] = str(sock.getsockname()[1])
        second = _worker(env, "--batch")
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 0, output
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
    assert status() == "SUCCESSFUL"
    assert [m.rcpt_tos for m in sink.messages] == [["ada@example.com"]]
    assert b"Sent at least once." in sink.messages[0].original_content
    worker_ids = database.execute(f"SELECT worker_ids FROM {TABLE}").fetchone()[0]
    assert worker_ids.count(":") == 4  # two claims, each host:pid:random
