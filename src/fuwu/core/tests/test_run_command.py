"""`fuwu run` (what `make run` starts): the web server and the background worker in one command;
stopping it stops both, and nothing is left running."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_fuwu_run_serves_pages_runs_the_worker_and_stops_both(tmp_path: Path, stop_with: int):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "PYTEST_VERSION", "REDIS_URL", "HUEY_IMMEDIATE", "FUWU_ENV"}
    }
    env["FUWU_VAR_DIR"] = str(tmp_path / "var")
    fuwu = [sys.executable, "-m", "fuwu"]
    subprocess.run(
        [*fuwu, "migrate", "--no-input", "-v", "0"], env=env, cwd=tmp_path, check=True, timeout=300
    )
    port = free_port()
    log = (tmp_path / "run.log").open("wb")
    run = subprocess.Popen(
        [*fuwu, "run", f"127.0.0.1:{port}", "--no-reload"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # the web server answers, and the worker has started and run the sweep
        deadline = time.monotonic() + 120  # generous: a loaded machine starts Django slowly
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2).status
            except OSError:
                time.sleep(0.3)
        assert status == 200, (tmp_path / "run.log").read_text()
        while (
            time.monotonic() < deadline and b"sweep_every_minute" not in (tmp_path / "run.log").read_bytes()
        ):
            time.sleep(0.3)
        output = (tmp_path / "run.log").read_bytes()
        assert b"Huey consumer started" in output
        children = [
            int(pid)
            for pid in subprocess.run(
                ["pgrep", "-P", str(run.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        assert len(children) == 2, (tmp_path / "run.log").read_text()

        # when: Ctrl-C (or a service manager's SIGTERM)
        run.send_signal(stop_with)
        run.wait(timeout=60)

        # then: both are gone and the port is free
        time.sleep(0.5)
        assert [pid for pid in children if alive(pid)] == []
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
        assert b"Consumer exiting" in (tmp_path / "run.log").read_bytes()
    finally:
        if run.poll() is None:
            run.kill()
        log.close()


def test_when_the_web_server_cannot_start_the_worker_is_stopped_too(tmp_path: Path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "PYTEST_VERSION", "REDIS_URL", "HUEY_IMMEDIATE", "FUWU_ENV"}
    }
    env["FUWU_VAR_DIR"] = str(tmp_path / "var")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, "-m", "fuwu", "run", f"127.0.0.1:{port}", "--no-reload"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert completed.returncode != 0
    assert "the web server stopped" in completed.stderr
