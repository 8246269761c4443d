#!/usr/bin/env python3
"""The work-order benchmark (`make bench`): load 100,000 work orders, serve them as in production
(gunicorn, 2 workers) on SQLite (WAL) and on PostgreSQL, and measure the API.

    python bench/run.py [--count 100000] [--databases sqlite,postgres] [--creates 2000]

Figures go to bench/results/<time>.json and are printed as a table; BENCHMARKS.md reports them.
All traffic stays on 127.0.0.1, every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from run_tests import TemporaryCluster, find_pg_bin, free_port  # noqa: E402

BIN = Path(sys.executable).parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in latencies]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def run(command: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=ROOT, check=True, text=True, capture_output=True, **kwargs)


def rss_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("PPid:") and int(line.split()[1]) == pid:
                found.append(int(status.parent.name))
    return found


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = env

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "fuwu.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--timeout",
                "120",
            ],
            env=self.env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/login/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"


def timed_requests(client: httpx.Client, method: str, url: str, count: int, **kwargs: object) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.request(method, url, **kwargs)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
    return latencies


def concurrent_creates(
    base: str, token: str, payload: dict[str, object], total: int, clients: int, path: str = "work-orders"
) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = total // clients

    def worker() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for _ in range(per_client):
                started = time.perf_counter()
                response = client.post(f"{base}/{path}", json=payload)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 201:
                        errors.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "creates_per_second": round(len(latencies) / wall, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        **summary(latencies),
    }


def concurrent_gets(url: str, token: str, total: int, clients: int) -> dict[str, object]:
    """``total`` GETs of ``url`` from ``clients`` threads: requests per second and latencies."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for _ in range(total // clients):
                started = time.perf_counter()
                client.get(url).raise_for_status()
                with lock:
                    latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"requests_per_second": round(len(latencies) / wall, 1), **summary(latencies)}


def measure_complaints(server: Server, values: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    """The complaint register (the list behind 客户投诉登记追踪表) and complaint intake."""
    result: dict[str, object] = {}
    headers = {"Authorization": f"Bearer {values['DIRECTOR_TOKEN']}"}
    with httpx.Client(headers=headers, timeout=60) as client:
        register = f"{server.base}/complaints?limit=50"
        department = f"{server.base}/complaints?department={values['COMPLAINT_DEPARTMENT']}&tab=open&limit=50"
        overdue = f"{server.base}/complaints?tab=overdue&limit=50"
        # the director's own department tab: a department with no complaints (the worst case for
        # a newest-first walk that has to find 50 matches)
        own_department = f"{server.base}/complaints?tab=department&limit=50"
        for url in (register, department, overdue, own_department):
            client.get(url).raise_for_status()
        result["register_first_page"] = summary(timed_requests(client, "GET", register, args.reads))
        result["register_department_open"] = summary(timed_requests(client, "GET", department, args.reads))
        result["register_overdue"] = summary(timed_requests(client, "GET", overdue, args.reads))
        result["register_own_department_tab"] = summary(
            timed_requests(client, "GET", own_department, args.reads)
        )
        ids = [item["id"] for item in client.get(register).json()["items"]]
        result["detail"] = summary(
            [
                timed_requests(client, "GET", f"{server.base}/complaints/{ids[i % len(ids)]}", 1)[0]
                for i in range(args.reads)
            ]
        )
    payload = {
        "channel": "phone",
        "customer_id": int(values["CUSTOMER"]),
        "service_type_id": int(values["SERVICE_TYPE"]),
        "subject": "维修师傅态度差",
        "description": "12号楼3单元1502室 维修师傅态度差, 要求道歉",
        "object": "service_attitude",
    }
    result["api_creates_8_clients"] = concurrent_creates(
        server.base, values["TOKEN"], payload, args.creates, 8, path="complaints"
    )
    return result


def measure(label: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    print(f"== {label}: migrate and load {args.count} work orders", flush=True)
    run([str(BIN / "fuwu"), "migrate", "--no-input"], env)
    run([str(BIN / "fuwu"), "collectstatic", "--no-input"], env)
    started = time.monotonic()
    loaded = run([sys.executable, str(ROOT / "bench" / "load.py"), "--count", str(args.count)], env)
    load_seconds = time.monotonic() - started
    values = dict(line.split("=", 1) for line in loaded.stdout.splitlines() if "=" in line)
    token, department = values["TOKEN"], values["DEPARTMENT"]
    result: dict[str, object] = {"load_seconds": round(load_seconds)}
    with Server(env) as server:
        headers = {"Authorization": f"Bearer {values['DIRECTOR_TOKEN']}"}
        with httpx.Client(headers=headers, timeout=60) as client:
            listing = f"{server.base}/work-orders?department={department}&status=dispatched&limit=50"
            client.get(listing).raise_for_status()  # warm up both workers' imports and caches
            client.get(listing).raise_for_status()
            result["list_department_status"] = summary(timed_requests(client, "GET", listing, args.reads))
            search = f"{server.base}/work-orders?q=漏水&limit=50"
            result["search_漏水"] = summary(timed_requests(client, "GET", search, args.reads))
            ids = [item["id"] for item in client.get(f"{server.base}/work-orders?limit=200").json()["items"]]
            details = []
            for index in range(args.reads):
                started = time.perf_counter()
                client.get(f"{server.base}/work-orders/{ids[index % len(ids)]}").raise_for_status()
                details.append(time.perf_counter() - started)
            result["detail"] = summary(details)
        # The cost of a connection per request: a trivial authenticated request with persistent
        # connections (the default, DB_CONN_MAX_AGE=600) and, below, with a new one each time.
        result["api_me_8_clients"] = concurrent_gets(f"{server.base}/me", values["DIRECTOR_TOKEN"], 2000, 8)
        payload = {
            "channel": "phone",
            "service_type_id": int(values["SERVICE_TYPE"]),
            "customer_id": int(values["CUSTOMER"]),
            "description": "12号楼3单元1502室 卫生间漏水",
        }
        result["api_creates_8_clients"] = concurrent_creates(server.base, token, payload, args.creates, 8)
        result["complaints"] = measure_complaints(server, values, args)
        workers = children(server.process.pid)
        result["worker_peak_rss_mib"] = [rss_peak_mib(pid) for pid in workers]
    with Server({**env, "DB_CONN_MAX_AGE": "0"}) as server:
        result["api_me_8_clients_new_connection_each_request"] = concurrent_gets(
            f"{server.base}/me", values["DIRECTOR_TOKEN"], 2000, 8
        )
    sweep = json.loads(run([sys.executable, str(ROOT / "bench" / "sweep_time.py")], env).stdout)
    result["sweep"] = {
        "work_orders": sweep["work_orders"],
        "clocks": sweep["clocks"],
        "seconds": [round(s, 3) for s in sweep["sweep_seconds"]],
        "fired": sweep["fired"],
        "catch_up": {
            "clocks": sweep["catch_up_clocks"],
            "escalations": sweep["catch_up_escalations"],
            "seconds": round(sweep["catch_up_seconds"], 2),
        },
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, object] = {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "count": args.count,
        "machine": {"cpus": os.cpu_count()},
    }
    work = ROOT / "bench" / "var"
    base_env = {
        **os.environ,
        "FUWU_ENV": "production",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "fuwu.settings",
    }
    base_env.pop("REDIS_URL", None)
    for database in args.databases.split(","):
        var = work / database
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        env = {**base_env, "FUWU_VAR_DIR": str(var)}
        env.pop("DATABASE_URL", None)
        if database == "sqlite":
            results["sqlite"] = measure("SQLite (WAL)", env, args)
        elif database == "postgres":
            bindir = find_pg_bin()
            if bindir is None:
                print("PostgreSQL is not installed: skipped", flush=True)
                continue
            with TemporaryCluster(bindir) as url:
                results["postgres"] = measure(
                    "PostgreSQL", {**env, "DATABASE_URL": url.replace("/postgres", "/postgres")}, args
                )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
