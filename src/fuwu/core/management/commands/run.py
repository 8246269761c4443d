"""``fuwu run [ADDR:PORT]``: the whole system in one command — the web server and the background
worker (huey: the work-order sweep every minute with deadline warnings, escalations and A/B
hand-over; notifications). Ctrl-C stops both; if either stops by itself, the other is stopped too.

For development and demos (``make run``). In production run gunicorn and ``fuwu run_huey`` as two
services (README, "Production")."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

STOP_TIMEOUT = 10  # seconds a child has to stop before it is killed


class Command(BaseCommand):
    help = "Run the web server and the background worker together (Ctrl-C stops both)."
    requires_system_checks: list[str] = []  # the children check

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="address and port of the web server"
        )
        parser.add_argument("--no-worker", action="store_true", help="only the web server")
        parser.add_argument(
            "--no-reload", action="store_true", help="do not restart the web server when code changes"
        )

    def handle(self, *args: Any, addrport: str, no_worker: bool, no_reload: bool, **options: Any) -> None:
        fuwu = [sys.executable, "-m", "fuwu"]
        commands = {"web server": [*fuwu, "runserver", addrport, *(["--noreload"] if no_reload else [])]}
        if not no_worker:
            commands["background worker"] = [
                *fuwu,
                "run_huey",
                "--workers",
                "2",
                "--worker-type",
                "thread",
                "--graceful-signal",
                "TERM",
            ]
        children: dict[str, subprocess.Popen[bytes]] = {}

        def signal_group(child: subprocess.Popen[bytes], signal_number: int) -> None:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.killpg(child.pid, signal_number)  # the child and its own children (runserver's reloader)

        def stop_all() -> None:
            # SIGTERM (never ignored, unlike SIGINT in a background job): runserver stops, huey finishes
            # the tasks it is running first (--graceful-signal TERM).
            for child in children.values():
                signal_group(child, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            for name, child in children.items():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"the {name} did not stop within {STOP_TIMEOUT} s: killed")
                signal_group(child, signal.SIGKILL)  # whatever is left of its process group
                child.wait()

        def on_terminate(signal_number: int, frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_terminate)
        signal.signal(signal.SIGINT, on_terminate)  # also when started with SIGINT ignored (a background job)
        try:
            for name, command in commands.items():
                self.stdout.write(f"starting the {name}: {' '.join(command[1:])}")
                # Each child leads its own process group, so that stopping it stops all of it; Ctrl-C
                # reaches only this process, which stops the children in order.
                children[name] = subprocess.Popen(command, start_new_session=True)
            while True:
                for name, child in children.items():
                    code = child.poll()
                    if code is not None:
                        self.stderr.write(f"the {name} stopped (exit code {code}): stopping the rest")
                        stop_all()
                        sys.exit(code or 1)
                time.sleep(0.5)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (on_terminate)
            self.stdout.write("stopping…")
            stop_all()
