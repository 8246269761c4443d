"""``fuwu backup [PATH]``: the database and the uploaded files in one archive (see fuwu/core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fuwu.core.backup import BackupError, backup_create


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


class Command(BaseCommand):
    help = (
        "Write the database (SQLite online backup, or pg_dump for PostgreSQL) and the uploaded files "
        "(MEDIA_ROOT) into one archive, by default var/backups/fuwu-YYYYMMDD-HHMMSS.tar; a name ending in "
        ".tar.gz compresses it. Prints the archive's path, then its size, tables, rows and files. "
        "Exits with status 1 when the backup fails; a failed backup leaves no archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="the archive to write, or a directory to write it into (default: var/backups/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_create(path=options["path"])
        except BackupError as error:
            raise CommandError(f"backup failed: {error}") from error
        self.stdout.write(str(summary.path))
        self.stdout.write(
            f"{megabytes(summary.size)}: {summary.tables} tables, {summary.rows} rows, "
            f"{summary.files} uploaded files"
        )
