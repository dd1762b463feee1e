#!/usr/bin/env python
"""Load test: HR officers browsing, searching and editing profiles through gunicorn.

Two steps, on the PostgreSQL database named by ``DATABASE_URL`` (never the default SQLite):

    # once: migrate, code lists, an org tree of ~2,000 units, N generated people, 50 officers
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_load \\
        .venv/bin/python bench/bench_load.py setup --count 300000
    # the run: gunicorn (W workers) + locust headless (bench/locustfile.py)
    DATABASE_URL=... .venv/bin/python bench/bench_load.py run --users 50 --seconds 120

``run`` first measures a baseline in the same run: the same scenario with one user (no
contention), then the load with ``--users``; it prints throughput, median/p95 and errors of
both, and the ratio of p95 under load to the baseline p95.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
PASSWORD = "Tai-thu-nghiem-2026"
OFFICERS = 50


def setup(count: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database of your own")
    call_command("migrate", verbosity=0)
    from bench_profiles import build_tree

    from orgtree.models import Role, Unit, UnitAssignment
    from profiles.codelists import load_codelists
    from profiles.models import Profile
    from profiles.synthetic import generate_people

    load_codelists()
    if not Unit.objects.filter(code="H40").exists():
        build_tree(40, 49)
    root = Unit.objects.get(code="H40")
    have = Profile.objects.count()
    if have < count:
        t = time.perf_counter()
        gen = generate_people(root, count - have, seed=2026 + have, validate=False)
        print(f"generated {gen.profiles} profiles in {time.perf_counter() - t:.0f} s")
    User = get_user_model()
    departments = list(root.get_children().order_by("code"))
    for n in range(1, OFFICERS + 1):
        user, created = User.objects.get_or_create(
            username=f"nhansu{n:02d}", defaults={"is_staff": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
            # each officer works on one department (several officers share one)
            UnitAssignment.objects.create(
                user=user, unit=departments[n % len(departments)], role=Role.HR_OFFICER
            )
    with connection.cursor() as cursor:
        # what autovacuum does on a production server after a bulk load (it is off on these
        # machines' test server): statistics, and the visibility map that lets the scoped
        # counts of the list pages be index-only scans (127 ms -> 2 ms per count)
        cursor.execute("VACUUM ANALYZE")
    print(f"profiles: {Profile.objects.count()}, units: {Unit.objects.count()}, officers: 50")


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer")


def _locust(host: str, users: int, seconds: int, prefix: Path) -> dict[str, dict[str, str]]:
    cmd = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(ROOT / "bench" / "locustfile.py"),
        "--headless", "--host", host,
        "-u", str(users), "-r", str(max(1, users // 5)),
        "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
        "--stop-timeout", "10",
    ]  # fmt: skip
    env = {**os.environ, "CBCCVC_BENCH_PASSWORD": PASSWORD, "CBCCVC_BENCH_USERS": str(OFFICERS)}
    subprocess.run(cmd, env=env, check=False, capture_output=True)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


def _print(label: str, stats: dict[str, dict[str, str]]) -> None:
    print(f"\n{label}")
    print(f"  {'request':44s} {'count':>7s} {'fail':>5s} {'req/s':>7s} {'median':>7s} {'p95':>7s}")
    for name, row in stats.items():
        print(
            f"  {name[:44]:44s} {row['Request Count']:>7s} {row['Failure Count']:>5s} "
            f"{float(row['Requests/s']):7.1f} {row['50%']:>5s}ms {row['95%']:>5s}ms"
        )


def run(users: int, seconds: int, workers: int, port: int, baseline_seconds: int) -> None:
    host = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CBCCVC_LOG_LEVEL": "WARNING"}
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "cbccvc.wsgi",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    out = ROOT / "var" / "bench-load"
    out.mkdir(parents=True, exist_ok=True)
    try:
        _wait_for(f"{host}/healthz")
        base = _locust(host, 1, baseline_seconds, out / "baseline")
        load = _locust(host, users, seconds, out / "load")
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    _print(f"baseline: 1 user, {baseline_seconds} s", base)
    _print(f"load: {users} users, {seconds} s, gunicorn {workers} sync workers", load)
    b, a = base["Aggregated"], load["Aggregated"]
    errors = int(a["Failure Count"])
    total = int(a["Request Count"])
    print(
        f"\nthroughput {float(a['Requests/s']):.1f} req/s (baseline {float(b['Requests/s']):.1f}); "
        f"p95 {a['95%']} ms (baseline {b['95%']} ms, "
        f"x{int(a['95%']) / max(1, int(b['95%'])):.1f}); "
        f"errors {errors}/{total} ({100 * errors / max(1, total):.2f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--count", type=int, default=300_000)
    r = sub.add_parser("run")
    r.add_argument("--users", type=int, default=50)
    r.add_argument("--seconds", type=int, default=120)
    r.add_argument("--baseline-seconds", type=int, default=30)
    r.add_argument("--workers", type=int, default=4)
    r.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        sys.exit("set DATABASE_URL (PostgreSQL)")
    if args.command == "setup":
        setup(args.count)
    else:
        run(args.users, args.seconds, args.workers, args.port, args.baseline_seconds)


if __name__ == "__main__":
    main()
