"""Servers of its own for the fault tests: PostgreSQL, Redis and gunicorn, all on spare ports.

Nothing here touches the shared PostgreSQL or Redis: the cluster is initdb'd in a
temporary directory as the postgres user, redis-server runs without persistence, and
every process is stopped (and thawed first, if frozen) when the module ends.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live.conftest import ROOT, LiveSite, _server_env, _wait_for_address
from tests.test_multiprocess import _free_port

PASSWORD = "plum-tree orbit harbour lantern"


def _unavailable(reason: str):
    # CI must run these tests, not skip them.
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=60, **kwargs)


class Postgres:
    """A PostgreSQL cluster of the test's own, which tests may stop, restart and freeze."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            _unavailable("PostgreSQL's server binaries are not installed (postgresql).")
        if os.geteuid() != 0:
            _unavailable("The multinode tests run initdb as the postgres user: run them as root.")
        self.bin = Path(bins[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="authsite-multinode-pg-"))
        shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/authsite"
        result = _as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"
        )
        assert result.returncode == 0, result.stderr

    def start(self, *settings: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {setting}" for setting in settings)
        result = _as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr + (self.dir / "server.log").read_text()

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        return [postmaster, *map(int, children)]

    @contextmanager
    def frozen(self):
        """Every process of the cluster stopped (SIGSTOP), as a hung host would be."""
        pids = self.pids()
        try:
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            yield
        finally:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass

    def cleanup(self) -> None:
        try:
            for pid in self.pids():
                os.kill(pid, signal.SIGCONT)
        except (OSError, ValueError):
            pass
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self):
        if not shutil.which("redis-server"):
            _unavailable("redis-server is not installed.")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Server(LiveSite):
    """One gunicorn server (a master and its workers) and its log."""

    def __init__(self, env: dict, log: Path, workers: int = 2, timeout: float = 30):
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "authsite.wsgi:application",
                 "--bind", "127.0.0.1:0", "-k", "gthread", "--threads", "4",
                 "-w", str(workers), "--timeout", "20", "--graceful-timeout", "5",
                 # gunicorn 27's control socket has one default path: servers would share it.
                 "--no-control-socket"],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        super().__init__(_wait_for_address(log, self.process), timeout)

    def text(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def app_env(tmp: Path, **extra: str) -> dict:
    env = _server_env(tmp)
    env.pop("REDIS_URL", None)  # the outer test run's, if any
    env.update(
        DJANGO_EMAIL_BACKEND="console",
        DJANGO_LOG_LEVEL="INFO",
        # Room for the many logins these tests make from one address.
        ACCOUNTS_LOGIN_RATE="100000/min",
        ACCOUNTS_REGISTER_RATE="100000/min",
        ACCOUNTS_LOGIN_MAX_FAILURES="6",
        DJANGO_RETRY_AFTER="3",
        **extra,
    )
    return env


def migrate(env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    try:
        server.start()
        result = _as_postgres(
            str(server.bin / "createdb"), "-h", "127.0.0.1", "-p", str(server.port), "authsite"
        )
        assert result.returncode == 0, result.stderr
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="module")
def redis_server():
    server = Redis()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(postgres, redis_server, tmp_path_factory):
    """Two gunicorn servers (2 gthread workers each) on one PostgreSQL and one Redis."""
    tmp = tmp_path_factory.mktemp("cluster")
    env = app_env(
        tmp,
        DATABASE_URL=postgres.url,
        REDIS_URL=redis_server.url,
        DJANGO_DB_CONNECT_TIMEOUT="2",
        DJANGO_DB_STATEMENT_TIMEOUT="2",
        DJANGO_DB_POOL_TIMEOUT="2",
        DJANGO_DB_POOL_MAX_SIZE="4",
        # Idle connections above min_size are closed soon, for the max_connections test.
        DJANGO_DB_POOL_MAX_IDLE="2",
    )
    migrate(env)
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(Server(env, tmp / f"gunicorn-{name}.log"))
        yield servers
    finally:
        for server in servers:
            server.stop()
