#!/usr/bin/env python3
"""Run the whole test suite on SQLite and on PostgreSQL, with the browser tests where possible.

Prints what it skipped and why. In CI (FUWU_REQUIRE_POSTGRES=1, FUWU_REQUIRE_BROWSER=1) a missing
PostgreSQL or Chromium is a failure, not a skip.

PostgreSQL comes from FUWU_TEST_DATABASE_URL (or a postgres DATABASE_URL); without one, and when
PostgreSQL's server programs are installed, a throw-away cluster is started under var/ for the run.
Extra arguments are passed to pytest.

On a machine with two cores or more the two passes run side by side (``FUWU_TEST_SERIAL=1`` runs
them one after the other): the SQLite pass prints as it goes, the PostgreSQL pass's output is kept
in a file and printed when it ends. Each pass has its own var directory and its own Redis database
(the PostgreSQL pass uses the next database number), so that neither's background workers take the
other's tasks.
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


def _env(env_updates: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **env_updates}
    env.pop("DATABASE_URL", None)
    if "DATABASE_URL" in env_updates:
        env["DATABASE_URL"] = env_updates["DATABASE_URL"]
    env.setdefault("FUWU_VAR_DIR", tempfile.mkdtemp(prefix="fuwu-test-var-"))
    return env


def _next_redis_database(url: str) -> str:
    """``redis://host:port/15`` → ``…/14`` (the database below, 0 wraps to 1)."""
    base, _, number = url.rpartition("/")
    if not base or not number.isdigit():
        return url
    value = int(number)
    return f"{base}/{value - 1 if value > 0 else 1}"


class Pass:
    """One run of pytest on one database, started now; ``wait()`` answers its exit code."""

    def __init__(self, env_updates: dict[str, str], label: str, extra: list[str], *, quiet: bool) -> None:
        self.label = label
        self.log: Path | None = None
        env = _env(env_updates)
        say(f"{label}: pytest {' '.join(extra)}" + (" (output when it ends)" if quiet else ""))
        self.started = time.monotonic()
        output = None
        if quiet:
            self.log = Path(env["FUWU_VAR_DIR"]) / "pytest.log"
            output = self.log.open("w")
        self.process = subprocess.Popen(
            [*PYTEST, *extra], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if quiet else None
        )
        if output is not None:
            output.close()

    def wait(self) -> int:
        code = self.process.wait()
        if self.log is not None:
            say(f"{self.label}: output")
            sys.stdout.write(self.log.read_text(errors="replace"))
        say(f"{self.label}: exit {code} in {time.monotonic() - self.started:.0f} s")
        return code


def pytest(env_updates: dict[str, str], label: str, extra: list[str]) -> int:
    return Pass(env_updates, label, extra, quiet=False).wait()


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

    side_by_side = (os.cpu_count() or 1) >= 2 and not required("FUWU_TEST_SERIAL")
    url = os.environ.get("FUWU_TEST_DATABASE_URL") or (
        os.environ.get("DATABASE_URL", "")
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else ""
    )
    pg_updates: dict[str, str] = {}
    if side_by_side:  # a var directory of its own even if FUWU_VAR_DIR is set
        pg_updates["FUWU_VAR_DIR"] = tempfile.mkdtemp(prefix="fuwu-test-var-")
    if side_by_side and os.environ.get("FUWU_TEST_REDIS_URL"):
        pg_updates["FUWU_TEST_REDIS_URL"] = _next_redis_database(os.environ["FUWU_TEST_REDIS_URL"])

    def both(pg_url: str, pg_label: str) -> tuple[int, int]:
        """The SQLite pass and the PostgreSQL pass, side by side or one after the other."""
        if not side_by_side:
            first = pytest({}, "SQLite", extra)
            return first, pytest({"DATABASE_URL": pg_url, **pg_updates}, pg_label, extra)
        postgres = Pass({"DATABASE_URL": pg_url, **pg_updates}, pg_label, extra, quiet=True)
        sqlite = Pass({}, "SQLite", extra, quiet=False)
        return sqlite.wait(), postgres.wait()

    code = pg_code = 0
    if url:
        code, pg_code = both(url, "PostgreSQL")
        results["PostgreSQL"] = "passed" if pg_code == 0 else f"FAILED (exit {pg_code})"
    elif (bindir := find_pg_bin()) is not None:
        try:
            with TemporaryCluster(bindir) as temporary_url:
                code, pg_code = both(temporary_url, "PostgreSQL (temporary cluster)")
            results["PostgreSQL"] = "passed" if pg_code == 0 else f"FAILED (exit {pg_code})"
        except (subprocess.CalledProcessError, OSError, KeyError, LookupError) as error:
            reason = f"could not start a temporary PostgreSQL cluster ({error})"
            if required("FUWU_REQUIRE_POSTGRES"):
                print(reason, file=sys.stderr)
                return 2
            skipped.append(f"PostgreSQL pass: {reason}")
            code = pytest({}, "SQLite", extra)
    else:
        reason = "no PostgreSQL: set FUWU_TEST_DATABASE_URL or install postgresql"
        if required("FUWU_REQUIRE_POSTGRES"):
            print(reason, file=sys.stderr)
            return 2
        skipped.append(f"PostgreSQL pass: {reason}")
        code = pytest({}, "SQLite", extra)
    results = {"SQLite": "passed" if code == 0 else f"FAILED (exit {code})", **results}

    say("Summary")
    for label, outcome in results.items():
        print(f"  {label}: {outcome}")
    for item in skipped:
        print(f"  SKIPPED {item}")
    return 0 if code == 0 and pg_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
