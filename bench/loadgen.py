"""HTTP under gunicorn: servers, a loopback load generator, revocation propagation."""

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk")
LOAD_GENERATOR = "wrk (Debian)" if WRK else "bounded Python client (http.client, 16 threads)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            pids += [int(p) for p in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


SERVERS: dict[int, int] = {}  # port -> gunicorn master pid


def _worker_cpu(pid: int) -> dict[int, float]:
    """User + system CPU seconds of each of a gunicorn master's workers."""
    tick = os.sysconf("SC_CLK_TCK")
    result = {}
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return result
    for child in map(int, children):
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[child] = (int(fields[11]) + int(fields[12])) / tick
    return result


@contextmanager
def server(env: dict, workers: int = 2, threads: int = 1, shipped_config: bool = False):
    """A gunicorn server on a kernel-chosen port; yields the port.

    By default the configuration is pinned on the command line: `-c /dev/null`, because
    without `-c` gunicorn loads ./gunicorn.conf.py, whose `worker_class = "gthread"`
    would silently turn "sync" workers into threaded ones. `shipped_config` runs the
    project's own recipe instead (gunicorn.conf.py, as `make serve` does: gthread with
    GUNICORN_THREADS threads, the access log on), with `workers` processes.
    """
    port = _free_port()
    env = {**os.environ, **env}
    if shipped_config:
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "bench.wsgi"]  # fmt: skip
        env.update(HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY=str(workers))
    else:
        worker_class = "sync" if threads == 1 else "gthread"
        command = [sys.executable, "-m", "gunicorn", "bench.wsgi", "-c", "/dev/null",
                   "--bind", f"127.0.0.1:{port}", "--worker-class", worker_class,
                   "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    # A file, not a pipe: a pipe nobody reads would stop a chatty server once full.
    errors = tempfile.TemporaryFile()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                errors.seek(0)
                raise RuntimeError(errors.read().decode())
            try:
                status, _ = get(port, "/ping/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("gunicorn did not start")
            time.sleep(0.2)
        SERVERS[port] = process.pid
        yield port
    finally:
        SERVERS.pop(port, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()


def get(port: int, path: str, authorization: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": authorization} if authorization else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(
    port: int,
    path: str,
    scheme: str,
    tokens_file: str | None,
    seconds: float,
    close: bool = False,
) -> dict:
    """Requests per second, p50/p99 latency (ms) and server CPU µs per request, 16 connections.

    Server CPU per request (the gunicorn workers' user + system time) is the figure to
    trust on a busy machine: other processes lower req/s, not the CPU a request needs.
    `busiest` is the busier worker's share of the workers' CPU (0.5 is an even split).
    Clients keep their connections alive unless `close` (`Connection: close`).
    """
    master = SERVERS.get(port)
    before = _cpu_seconds(master) if master else 0.0
    workers_before = _worker_cpu(master) if master else {}
    result = _load(port, path, scheme, tokens_file, seconds, close)
    if master:
        used = _cpu_seconds(master) - before
        result["cpu_us"] = used / max(result["requests"], 1) * 1e6
        shares = [
            after - workers_before.get(pid, 0.0) for pid, after in _worker_cpu(master).items()
        ]
        result["busiest"] = max(shares) / sum(shares) if sum(shares) > 0 else 0.0
    return result


def _load(
    port: int, path: str, scheme: str, tokens_file: str | None, seconds: float, close: bool
) -> dict:
    if WRK:
        out = subprocess.run(
            [
                WRK,
                "-t2",
                "-c16",
                f"-d{seconds}s",
                "-s",
                str(ROOT / "bench" / "load.lua"),
                f"http://127.0.0.1:{port}{path}",
                "--",
                tokens_file or "-",
                path,
                scheme,
                "close" if close else "keep-alive",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
        line = next(line for line in out.splitlines() if line.startswith("RESULT "))
        result = json.loads(line[len("RESULT ") :])
        return {
            "rps": result["requests"] / (result["duration_us"] / 1e6),
            "p50": result["p50_us"] / 1e3,
            "p99": result["p99_us"] / 1e3,
            "failed": result["errors"] + result["non2xx"],
            "requests": result["requests"],
        }
    return _python_load(port, path, scheme, tokens_file, seconds, close)


def _python_load(port, path, scheme, tokens_file, seconds, close) -> dict:
    tokens = Path(tokens_file).read_text().split() if tokens_file else []
    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n, mine = offset, []
        while time.monotonic() < stop_at:
            headers = {"Authorization": f"{scheme} {tokens[n % len(tokens)]}"} if tokens else {}
            if close:
                headers["Connection"] = "close"
                conn.close()
            n += 1
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    failed[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i * 61,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1e3,
        "p99": cuts[98] * 1e3,
        "failed": failed[0],
        "requests": len(latencies),
    }


def propagation(ports: list[int], tokens: list[str], revoke) -> dict:
    """Revoke each token (already cached on every server) and time until all refuse it."""
    times, late_successes = [], 0
    for raw in tokens:
        header = f"Bearer {raw}"
        for _ in range(3):
            for port in ports:
                assert get(port, "/api/auth/me/", header)[0] == 200
        refused_after: dict[int, float] = {}

        def poll(port: int, start: float, header=header, refused_after=refused_after) -> None:
            while time.perf_counter() - start < 5:
                if get(port, "/api/auth/me/", header)[0] == 401:
                    refused_after[port] = time.perf_counter() - start
                    return

        start = time.perf_counter()
        revoke(raw)
        pollers = [threading.Thread(target=poll, args=(port, start)) for port in ports]
        for thread in pollers:
            thread.start()
        for thread in pollers:
            thread.join()
        times.append(max(refused_after.values()) if len(refused_after) == len(ports) else 5.0)
        for _ in range(5):
            for port in ports:
                late_successes += get(port, "/api/auth/me/", header)[0] == 200
    times.sort()
    return {
        "p50": statistics.median(times) * 1e3,
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3,
        "max": times[-1] * 1e3,
        "n": len(times),
        "late_successes": late_successes,
    }


def request(port: int, method: str, path: str, authorization: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers={"Authorization": authorization})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def across_servers(a: int, b: int, tokens: list[str]) -> dict:
    """Log out on server A, then measure how long server B still accepts the token.

    Per token (first cached on both servers): a poller sends GET /me to B back to back
    over one keep-alive connection; the logout goes to A; as soon as A has answered,
    A is asked again (the process that revoked must refuse at once), and B is polled
    until a request started after A's answer is refused. The window of a trial is how
    long after A's answer the last request to B started that B still accepted (0 when
    none did): the time its NOTIFY took to arrive, within the poller's resolution.
    """
    windows, accepted_by_a, late_trials = [], 0, 0
    for raw in tokens:
        header = f"Bearer {raw}"
        for _ in range(3):
            for port in (a, b):
                assert get(port, "/api/auth/me/", header)[0] == 200
        samples: list[tuple[float, int]] = []
        answered: list[float] = []
        stop = threading.Event()

        def poll(header=header, samples=samples, answered=answered, stop=stop) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", b, timeout=10)
            try:
                while not stop.is_set():
                    started = time.perf_counter()
                    conn.request("GET", "/api/auth/me/", headers={"Authorization": header})
                    response = conn.getresponse()
                    response.read()
                    samples.append((started, response.status))
                    if response.status == 401 and answered and started > answered[0]:
                        return
            finally:
                conn.close()

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.01)
        assert request(a, "POST", "/api/auth/logout/", header) == 204
        answered.append(time.perf_counter())
        accepted_by_a += get(a, "/api/auth/me/", header)[0] == 200
        poller.join(5)
        stop.set()
        poller.join()
        late = [t - answered[0] for t, status in samples if status == 200 and t > answered[0]]
        windows.append(max(late, default=0.0))
        late_trials += bool(late)
    windows.sort()
    return {
        "p50": statistics.median(windows) * 1e3,
        "p99": windows[min(len(windows) - 1, int(len(windows) * 0.99))] * 1e3,
        "max": windows[-1] * 1e3,
        "n": len(windows),
        "late_trials": late_trials,
        "accepted_by_a": accepted_by_a,
    }
