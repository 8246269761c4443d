#!/usr/bin/env python3
"""Run the whole test suite on SQLite, then on PostgreSQL, with the browser tests where possible.

Prints what it skipped and why. In CI (FUWU_REQUIRE_POSTGRES=1, FUWU_REQUIRE_BROWSER=1) a missing
PostgreSQL or Chromium is a failure, not a skip.

PostgreSQL comes from FUWU_TEST_DATABASE_URL (or a postgres DATABASE_URL); without one, and when
PostgreSQL's server programs are installed, a throw-away cluster is started under var/ for the run.
Extra arguments are passed to pytest.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest"]


def say(message: str) -> None:
    print(f"\n=== {message}", flush=True)


def required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_pg_bin() -> Path | None:
    for candidate in [shutil.which("initdb"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))]:
        if candidate:
            return Path(candidate).parent
    return None


class TemporaryCluster:
    """A private PostgreSQL cluster in a temporary directory, on a free port, trust auth."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.directory = Path(tempfile.mkdtemp(prefix="fuwu-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, stdout=subprocess.DEVNULL)

    def __enter__(self) -> str:
        data = self.directory / "data"
        self.run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "fuwu",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self.run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.directory / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        return f"postgres://fuwu@127.0.0.1:{self.port}/postgres"

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def pytest(env_updates: dict[str, str], label: str, extra: list[str]) -> int:
    env = {**os.environ, **env_updates}
    env.pop("DATABASE_URL", None)
    if "DATABASE_URL" in env_updates:
        env["DATABASE_URL"] = env_updates["DATABASE_URL"]
    env.setdefault("FUWU_VAR_DIR", tempfile.mkdtemp(prefix="fuwu-test-var-"))
    say(f"{label}: pytest {' '.join(extra)}")
    started = time.monotonic()
    code = subprocess.run([*PYTEST, *extra], cwd=ROOT, env=env, check=False).returncode
    say(f"{label}: exit {code} in {time.monotonic() - started:.0f} s")
    return code


def main() -> int:
    extra = sys.argv[1:]
    results: dict[str, str] = {}
    skipped: list[str] = []

    if not Path("/usr/bin/chromium").exists():
        if required("FUWU_REQUIRE_BROWSER"):
            print(
                "Chromium (/usr/bin/chromium) is required but missing: apt-get install chromium",
                file=sys.stderr,
            )
            return 2
        skipped.append("browser tests: /usr/bin/chromium is not installed (apt-get install chromium)")
    if shutil.which("msgfmt") is None:
        skipped.append("translation completeness test: gettext is not installed (apt-get install gettext)")

    code = pytest({}, "SQLite", extra)
    results["SQLite"] = "passed" if code == 0 else f"FAILED (exit {code})"

    url = os.environ.get("FUWU_TEST_DATABASE_URL") or (
        os.environ.get("DATABASE_URL", "")
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else ""
    )
    pg_code = 0
    if url:
        pg_code = pytest({"DATABASE_URL": url}, "PostgreSQL", extra)
        results["PostgreSQL"] = "passed" if pg_code == 0 else f"FAILED (exit {pg_code})"
    elif (bindir := find_pg_bin()) is not None:
        try:
            with TemporaryCluster(bindir) as temporary_url:
                pg_code = pytest({"DATABASE_URL": temporary_url}, "PostgreSQL (temporary cluster)", extra)
            results["PostgreSQL"] = "passed" if pg_code == 0 else f"FAILED (exit {pg_code})"
        except (subprocess.CalledProcessError, OSError, KeyError, LookupError) as error:
            reason = f"could not start a temporary PostgreSQL cluster ({error})"
            if required("FUWU_REQUIRE_POSTGRES"):
                print(reason, file=sys.stderr)
                return 2
            skipped.append(f"PostgreSQL pass: {reason}")
    else:
        reason = "no PostgreSQL: set FUWU_TEST_DATABASE_URL or install postgresql"
        if required("FUWU_REQUIRE_POSTGRES"):
            print(reason, file=sys.stderr)
            return 2
        skipped.append(f"PostgreSQL pass: {reason}")

    say("Summary")
    for label, outcome in results.items():
        print(f"  {label}: {outcome}")
    for item in skipped:
        print(f"  SKIPPED {item}")
    return 0 if code == 0 and pg_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
