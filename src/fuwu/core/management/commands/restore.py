"""``fuwu restore PATH [--yes]``: replace the database and the uploaded files with an archive's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from fuwu.core.backup import VENDOR_NAMES, BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore the database and the uploaded files from an archive of `fuwu backup`: ALL data of the "
        "configured database and every file in MEDIA_ROOT are replaced. The archive is checked first "
        "(checksums, database vendor, migrations this code knows); nothing changes when it is refused. "
        "Asks for confirmation unless --yes. Runs `migrate` afterwards when the archive is older than "
        "the code. Stop the web server and the worker while restoring."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the archive written by `fuwu backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup = backup_verify(options["path"])
        except BackupError as error:
            raise CommandError(f"restore refused, nothing changed: {error}") from error
        manifest = backup.manifest
        self.stdout.write(
            f"{backup.path}: made {manifest.created_at} by fuwu {manifest.fuwu_version} from "
            f"{VENDOR_NAMES[manifest.vendor]} {manifest.vendor_version}; {len(manifest.row_counts)} tables, "
            f"{manifest.rows} rows, {len(manifest.media_members)} uploaded files; every checksum matches"
        )
        if not options["yes"]:
            self._confirm()
        try:
            summary = backup_restore(backup=backup)
        except BackupError as error:
            raise CommandError(f"restore failed: {error}") from error
        self.stdout.write(
            f"restored: {summary.tables} tables, {summary.rows} rows, {summary.files} uploaded files"
        )
        if summary.migrated:
            self.stdout.write(
                f"migrated: {len(summary.migrated)} migrations the archive did not have yet "
                f"({', '.join(summary.migrated)})"
            )
        if summary.differences:
            for table, (expected, found) in summary.differences.items():
                self.stdout.write(f"  {table}: {expected} rows in the archive, {found} in the database")
            raise CommandError(
                f"the rows of {len(summary.differences)} tables differ from the archive's manifest"
            )
        self.stdout.write("the rows of every table are those of the archive")

    def _confirm(self) -> None:
        what = (
            f"all data in the database {connection.settings_dict['NAME']} and every file in "
            f"{settings.MEDIA_ROOT}"
        )
        if not sys.stdin.isatty():
            raise CommandError(f"restore replaces {what}: confirm with --yes (no terminal to ask on)")
        try:
            answer = input(f"This replaces {what}. Type 'yes' to restore: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("restore cancelled, nothing changed")
