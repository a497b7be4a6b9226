"""The benchmark's markdown table, with ratios to the peers measured in the same run."""

from importlib.metadata import version

import django
import rest_framework


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "n/a"


def _inprocess(name: str, r: dict) -> list[str]:
    m = r["inprocess"]
    lines = [
        f"\n### In-process `authenticate()`, {name} (µs per call, fastest round; queries)\n",
        "| case | authsite | DRF authtoken | knox | authsite / DRF | authsite / knox |",
        "|---|---|---|---|---|---|",
    ]

    def cell(key):
        return f"{m[key]['us']:.1f} µs, {m[key]['queries']:g} q" if key in m else "n/a"

    rows = [
        ("valid token, no cache", "ours valid", "drf valid", "knox valid"),
        ("valid token, cache on", "ours valid, cache", "drf valid", "knox valid"),
        ("unknown well-formed token", "ours unknown", "drf unknown", "knox unknown"),
        ("forged token (bad checksum)", "ours forged", "drf unknown", "knox unknown"),
        ("expired token, no cache", "ours expired", None, None),
        ("expired token, cache on", "ours expired, cache", None, None),
    ]
    for label, ours, drf, knox in rows:
        if ours not in m:
            continue
        d = _ratio(m[ours]["us"], m[drf]["us"]) if drf else "n/a"
        k = _ratio(m[ours]["us"], m[knox]["us"]) if knox else "n/a"
        lines.append(
            f"| {label} | {cell(ours)} | {cell(drf) if drf else 'n/a'} | "
            f"{cell(knox) if knox else 'n/a'} | {d} | {k} |"
        )
    return lines


def _http(name: str, r: dict) -> list[str]:
    lines = []
    for stack, runs in r["http"].items():
        runs = dict(runs)
        base = runs["baseline"]["rps"]
        lines += [
            f"\n### HTTP `GET /me`, {name}, {stack} stack (median req/s of the rounds)\n",
            "| endpoint | req/s | / baseline | / DRF | / knox | p50 ms | p99 ms | failed "
            "| server CPU µs/req | CPU / DRF | CPU / knox | busier worker's CPU share |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key, label in [
            ("baseline", "unauthenticated baseline"),
            ("drf", "DRF authtoken"),
            ("knox", "knox"),
            ("ours", "authsite"),
            ("ours, cache", "authsite, cache on"),
            ("ours, first uses", "authsite, tokens' first use (writes last_used_at)"),
            ("gthread, keep-alive", "authsite, shipped gunicorn.conf.py (gthread 2x4), keep-alive"),
            (
                "gthread, close",
                "authsite, shipped gunicorn.conf.py (gthread 2x4), Connection: close",
            ),
        ]:
            if key not in runs:
                continue
            run = runs[key]
            lines.append(
                f"| {label} | {run['rps']:.0f} | {_ratio(run['rps'], base)} | "
                f"{_ratio(run['rps'], runs['drf']['rps'])} | "
                f"{_ratio(run['rps'], runs['knox']['rps'])} | "
                f"{run['p50']:.2f} | {run['p99']:.2f} | {run['failed']} | {run['cpu_us']:.0f} | "
                f"{_ratio(run['cpu_us'], runs['drf']['cpu_us'])} | "
                f"{_ratio(run['cpu_us'], runs['knox']['cpu_us'])} | {run['busiest']:.0%} |"
            )
        if "gthread, close" in runs:
            lines.append(
                "\nShipped gunicorn.conf.py, keep-alive against `Connection: close` clients: "
                f"{_ratio(runs['gthread, keep-alive']['rps'], runs['gthread, close']['rps'])} "
                "req/s; the busier worker's CPU share is the worst round's."
            )
        requests = {
            "cold": runs["ours, first uses"]["requests"],
            "warm": sum(
                runs[k]["requests"]
                for k in ("ours", "ours, cache", "gthread, keep-alive", "gthread, close")
                if k in runs
            ),
        }
        updates = runs["updates"]
        lines.append(
            f"\n`last_used_at` UPDATEs ({stack}): {updates['cold']} for "
            f"{requests['cold']} requests of tokens' first use; {updates['warm']} for "
            f"{requests['warm']} requests of tokens used within the interval "
            f"({updates['warm'] * 1000 / max(requests['warm'], 1):.1f} per 1,000). DRF "
            "authtoken and knox (AUTO_REFRESH off) write nothing."
        )
    return lines


def markdown(results: dict, mode: str, machine: str, command: str) -> str:
    from bench.loadgen import LOAD_GENERATOR

    lines = [
        f"## authsite benchmark ({mode})\n",
        f"- command: `{command}`; machine: {machine}; load generator: {LOAD_GENERATOR}, "
        "16 connections rotating over 1,000 users' tokens; gunicorn 2 sync workers per server "
        "pinned with `-c /dev/null` (gunicorn.conf.py not loaded), except the rows that say "
        "gunicorn.conf.py (the shipped gthread recipe, 2 workers x 4 threads, access log on)",
        f"- Django {django.get_version()}, DRF {rest_framework.VERSION}, "
        f"django-rest-knox {version('django-rest-knox')}, "
        + ", ".join(f"{r['vendor']} {r['database_version']}" for r in results.values()),
    ]
    for name, r in results.items():
        lines += _inprocess(name, r)
        lines += _http(name, r)
        if "propagation" in r:
            p = r["propagation"]
            lines.append(
                f"\nRevocation with the cache on (raw SQL UPDATE, two servers, {p['n']} tokens): "
                f"refused on both after p50 {p['p50']:.1f} ms, p99 {p['p99']:.1f} ms, "
                f"max {p['max']:.1f} ms; successes after the first refusal: {p['late_successes']}."
            )
            x = p["across"]
            lines.append(
                f"\nLogout on server A, server B polled back to back ({x['n']} trials): A "
                f"accepted the token {x['accepted_by_a']} times after its own logout "
                f"answered; B accepted requests started up to p50 {x['p50']:.1f} ms, "
                f"p99 {x['p99']:.1f} ms, max {x['max']:.1f} ms after it "
                f"({x['late_trials']} of {x['n']} trials had any)."
            )
        if "growth" in r:
            g = r["growth"]
            small = g["1k"]["ours valid"]["us"] / g["1k"]["drf valid"]["us"]
            large = g["1m"]["ours valid"]["us"] / g["1m"]["drf valid"]["us"]
            lines.append(
                f"\nToken table growth {g['1k']['rows']:,} → {g['1m']['rows']:,} rows: "
                f"authenticate() {g['1k']['ours valid']['us']:.1f} → "
                f"{g['1m']['ours valid']['us']:.1f} µs (ratio to DRF in the same round "
                f"{small:.2f} → {large:.2f}, change {large / small - 1:+.1%})."
            )
        if "hashing" in r:
            h = r["hashing"]
            lines.append(
                f"\nPassword hashing: authsite argon2id t=3 m=64MiB p=2 {h['ours']:.1f} ms, "
                f"Django's default argon2 {h['django']:.1f} ms ({h['ours'] / h['django']:.2f}x)."
            )
    return "\n".join(lines)
