"""authsite.workers.ThreadWorker in one process: the shared connection table, stepping
back from accepting, and the queued-at stamp. The multinode keep-alive test proves the
balance between real gunicorn workers; these pin the rules it rests on."""

import os
import selectors
import socket
import subprocess
import sys
from array import array
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.workers import gthread

from authsite import workers

AGE = 77
SLOT = (AGE % workers.SLOTS) * 2


@pytest.fixture(autouse=True)
def empty_table():
    workers._table[:] = array("i", bytes(len(workers._table) * 4))
    yield
    workers._table[:] = array("i", bytes(len(workers._table) * 4))


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock
    sock.close()


@pytest.fixture
def worker(monkeypatch, listener):
    """A worker as gunicorn's master builds it, with the event loop left out."""
    queued = []

    def init_process(self):
        self.poller = selectors.DefaultSelector()

    monkeypatch.setattr(gthread.ThreadWorker, "init_process", init_process)
    monkeypatch.setattr(gthread.ThreadWorker, "enqueue_req", lambda self, conn: queued.append(conn))
    app = SimpleNamespace(wsgi=lambda: None)
    w = workers.ThreadWorker(AGE, os.getppid(), [listener], app, 30, Config(), None)
    w.init_process()
    w._publish()  # as run() does before its loop
    w.queued = queued
    yield w
    for conn in queued:
        conn.sock.close()
    w.poller.close()


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def sibling(pid: int, held: int, slot: int = SLOT + 2) -> None:
    workers._table[slot] = pid
    workers._table[slot + 1] = held


def test_a_worker_publishes_how_many_connections_it_holds(worker):
    assert workers._table[SLOT] == os.getpid()
    worker.nr_conns = 3
    assert workers._table[SLOT + 1] == 3
    worker.nr_conns -= 1
    assert workers._table[SLOT + 1] == 2


def test_a_booting_worker_is_not_a_sibling_yet(monkeypatch, listener):
    monkeypatch.setattr(gthread.ThreadWorker, "init_process", lambda self: None)
    booting = workers.ThreadWorker(AGE, os.getppid(), [listener], None, 30, Config(), None)
    booting.init_process()
    booting.nr_conns = 0
    # Until its loop runs, the siblings see no worker to leave connections to.
    assert list(workers._table[SLOT : SLOT + 2]) == [0, 0]


def test_a_slot_taken_over_by_another_process_is_not_overwritten(worker):
    workers._table[SLOT] = os.getppid()
    worker.nr_conns = 5
    assert workers._table[SLOT + 1] == 0
    assert worker.nr_conns == 5


def test_a_worker_that_ends_frees_its_slot(worker, monkeypatch):
    monkeypatch.setattr(gthread.ThreadWorker, "run", lambda self: None)
    worker.nr_conns = 4
    worker.run()
    assert list(workers._table[SLOT : SLOT + 2]) == [0, 0]


def test_the_fewest_held_by_a_live_sibling_and_dead_siblings_freed(worker):
    assert worker._fewest_elsewhere() is None
    sibling(os.getppid(), 6)
    sibling(os.getppid(), 2, slot=SLOT + 4)
    gone = dead_pid()
    sibling(gone, 0, slot=SLOT + 6)
    assert worker._fewest_elsewhere() == 2
    assert workers._table[SLOT + 6] == 0


def test_a_worker_alone_accepts_every_connection(worker, listener):
    worker.set_accept_enabled(True)
    worker.nr_conns = 9
    with socket.create_connection(listener.getsockname()):
        worker.accept(listener)
    assert worker.nr_conns == 10
    assert len(worker.queued) == 1
    assert worker.queued[0].authsite_queued_at > 0


def test_a_worker_holding_more_than_a_sibling_steps_back(worker, listener, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(workers.time, "monotonic", lambda: clock[0])
    worker.set_accept_enabled(True)
    worker.nr_conns = 1
    sibling(os.getppid(), 0)
    with socket.create_connection(listener.getsockname()):
        worker.accept(listener)
        # Left for the sibling: nothing taken, the listener unregistered.
        assert worker.nr_conns == 1
        assert worker.queued == []
        assert worker._accepting is False
        # gunicorn's run loop re-enables accepting at once; the step back holds.
        worker.set_accept_enabled(True)
        assert worker._accepting is False

        # The loop sleeps no longer than the step back.
        waited = []
        monkeypatch.setattr(
            gthread.ThreadWorker, "wait_for_and_dispatch_events", lambda self, t: waited.append(t)
        )
        worker.wait_for_and_dispatch_events(1.0)
        assert waited == [pytest.approx(workers.ACCEPT_YIELD)]

        clock[0] += workers.ACCEPT_YIELD
        worker.set_accept_enabled(True)
        assert worker._accepting is True
        # Still more than the sibling, within the longest step back: steps back again.
        clock[0] += workers.ACCEPT_YIELD_MAX / 2
        worker.accept(listener)
        assert worker.queued == []

        # The sibling never takes it (busy or stuck): after ACCEPT_YIELD_MAX, this one does.
        clock[0] += workers.ACCEPT_YIELD_MAX
        worker.set_accept_enabled(True)
        worker.accept(listener)
        assert worker.nr_conns == 2
        assert len(worker.queued) == 1


def test_a_worker_holding_no_more_than_its_siblings_accepts(worker, listener):
    worker.set_accept_enabled(True)
    worker.nr_conns = 2
    sibling(os.getppid(), 2)
    with socket.create_connection(listener.getsockname()):
        worker.accept(listener)
    assert worker.nr_conns == 3


def test_each_request_carries_when_it_was_queued(worker, monkeypatch):
    seen = []

    def application(environ, start_response):
        seen.append(dict(environ))
        return []

    worker.app = SimpleNamespace(wsgi=lambda: application)
    worker.load_wsgi()
    monkeypatch.setattr(gthread.ThreadWorker, "handle", lambda self, conn: self.wsgi({}, None))

    worker.handle(SimpleNamespace(authsite_queued_at=123.5))
    worker.handle(SimpleNamespace())
    assert seen[0][workers.QUEUED_AT] == 123.5
    assert workers.QUEUED_AT not in seen[1]
    assert workers._local.queued_at is None
