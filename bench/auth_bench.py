"""Our token authentication against DRF's authtoken and django-rest-knox, same run.

`make bench-quick` (under 2 minutes), `make bench` (adds the 1,000,000-row token table,
the peers' stack over HTTP and longer runs). Each database is measured in a worker
process of its own: SQLite in a temporary file, and PostgreSQL at BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/authsite_bench, created if missing,
emptied) when it is reachable. Every figure is a ratio to a baseline measured in the
same run, because absolute times on a shared machine mean little.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/authsite_bench"
MODES = {
    # HTTP seconds per run, rounds, in-process calls per round, propagation samples
    "quick": {"seconds": 1, "rounds": 3, "calls": 500, "revocations": 20, "inprocess_rounds": 5},
    "full": {"seconds": 3, "rounds": 4, "calls": 2000, "revocations": 100, "inprocess_rounds": 7},
}


def _ensure_pg_database(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.Error as error:
        print(f"PostgreSQL skipped ({url}): {error}", file=sys.stderr)
        return False


def _run_worker(database: str, mode: str, env: dict) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--worker",
                database,
                "--mode",
                mode,
                "--out",
                out.name,
            ],  # fmt: skip
            env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
            cwd=ROOT,
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=MODES, default="full")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"])
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.worker:
        from bench import worker

        result = worker.run(args.worker, MODES[args.mode], args.mode)
        Path(args.out).write_text(json.dumps(result))
        return
    results = {}
    sqlite_dir = tempfile.mkdtemp(prefix="authsite-bench-")
    results["sqlite"] = _run_worker(
        "sqlite", args.mode, {"BENCH_SQLITE": f"{sqlite_dir}/bench.sqlite3", "DATABASE_URL": None}
    )
    pg_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    if _ensure_pg_database(pg_url):
        results["postgresql"] = _run_worker("postgresql", args.mode, {"DATABASE_URL": pg_url})
    from bench import report

    print(report.markdown(results, args.mode, platform.platform(), " ".join(sys.argv)))


if __name__ == "__main__":
    main()
