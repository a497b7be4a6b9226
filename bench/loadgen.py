"""HTTP under gunicorn: servers, a loopback load generator, revocation propagation."""

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
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


@contextmanager
def server(env: dict, workers: int = 2, threads: int = 1):
    """A gunicorn server on a kernel-chosen port; yields the port."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "bench.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode())
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


def get(port: int, path: str, authorization: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": authorization} if authorization else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(port: int, path: str, scheme: str, tokens_file: str | None, seconds: float) -> dict:
    """Requests per second, p50/p99 latency (ms) and server CPU µs per request, 16 connections.

    Server CPU per request (the gunicorn workers' user + system time) is the figure to
    trust on a busy machine: other processes lower req/s, not the CPU a request needs.
    """
    before = _cpu_seconds(SERVERS[port]) if port in SERVERS else 0.0
    result = _load(port, path, scheme, tokens_file, seconds)
    if port in SERVERS:
        used = _cpu_seconds(SERVERS[port]) - before
        result["cpu_us"] = used / max(result["requests"], 1) * 1e6
    return result


def _load(port: int, path: str, scheme: str, tokens_file: str | None, seconds: float) -> dict:
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
    return _python_load(port, path, scheme, tokens_file, seconds)


def _python_load(port, path, scheme, tokens_file, seconds) -> dict:
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
