"""Backups and restores: one archive file with the database and the uploaded files (issue #11).

``fuwu backup [PATH]`` writes one tar file, by default ``backups/fuwu-YYYYMMDD-HHMMSS.tar`` under
``VAR_DIR`` (local time, TIME_ZONE); PATH names the file, or a directory to write the default name
into; a name ending in ``.tar.gz`` or ``.tgz`` is compressed with gzip (worth it for SQLite; a
PostgreSQL dump is compressed already). The archive holds:

- the database: ``database.sqlite3``, a copy made with SQLite's online backup API (consistent while the
  server keeps writing), or ``database.pgdump``, ``pg_dump --format=custom --no-owner --no-privileges``;
- ``media/…``: every file under ``MEDIA_ROOT`` (a link to a file is kept as the file; linked and empty
  directories are not kept);
- ``manifest.json``, written last: the format and its version, fuwu's version, when (UTC), the database
  vendor and server version, the migrations applied per app and the rows of every table (both read in
  the snapshot the dump was made from: the copy itself for SQLite, the exported snapshot pg_dump uses
  for PostgreSQL), and the size and SHA-256 of every other member.

Not in the archive: the export files (``FUWU_EXPORT_ROOT``: temporary, made again on request), the
collected static files (``collectstatic``), huey's queue and the cache. The database is dumped first and
the files after it, so every file the database names is in the archive (unless deleted meanwhile); a
file uploaded meanwhile is an extra the database does not name, harmless.

The archive is written into a temporary directory next to the target and renamed to its name only when
complete (after fsync): a half-written archive never carries the final name. It is readable by its owner
only (mode 0600): it holds password hashes and the customers' personal data.

``fuwu restore PATH`` checks everything before it touches anything: the archive is intact (every member
listed in the manifest with its size and checksum, nothing unlisted, no name twice, no absolute or
``..`` name, regular files only), it holds the same database vendor as this installation uses, and it
names no migration this code does not know (an archive from a newer fuwu). Then:

- SQLite: Django's connections are closed and the archive's database is copied over the configured one
  with the backup API in reverse, through a connection to it: all content is replaced in one step, and
  connections other processes hold see the restored database.
- PostgreSQL: ``pg_restore --clean --if-exists --no-owner --no-privileges`` turns the dump into SQL, and
  ``psql --single-transaction`` runs it after a statement dropping every table of the current schema:
  tables the archive does not hold (made by newer migrations) do not survive to break ``migrate``, and
  a failure anywhere leaves the database as it was. Needs free space in ``VAR_DIR`` for the SQL.
- The uploaded files are extracted (``tarfile``'s ``data`` filter) into a directory next to
  ``MEDIA_ROOT``, which then takes ``MEDIA_ROOT``'s place (so ``MEDIA_ROOT`` must not be a mount point:
  use a directory inside the volume). The files are extracted before the database is restored: a full
  disk stops the restore while nothing has changed yet.

Afterwards the rows of every table are compared with the manifest, and when the archive is older than the
code (migrations the archive does not have), ``migrate`` runs so the installation can serve at once.
Run a restore with the web server and the worker stopped, as the user the application runs as (the
restored files belong to whoever extracts them).

``pg_dump``, ``pg_restore`` and ``psql`` come from PATH, else the newest ``/usr/lib/postgresql/*/bin/``;
they get the connection (the one Django uses: the test database under the tests) through libpq's
environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE…), never the password
on a command line.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

import fuwu

FORMAT = "fuwu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA = "media"
CHUNK = 1024 * 1024

# Run by psql in the restore's transaction, before the restored SQL: every table of the current schema
# goes, also those the dump does not hold (pg_restore --clean drops only the objects in the dump).
DROP_TABLES = """
DO $$
DECLARE
    tables text;
BEGIN
    SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') INTO tables
    FROM pg_tables WHERE schemaname = current_schema();
    IF tables IS NOT NULL THEN
        EXECUTE 'DROP TABLE ' || tables || ' CASCADE';
    END IF;
END
$$;
"""


class BackupError(Exception):
    """A backup or restore that failed or was refused; the message tells the operator why."""


@dataclass(frozen=True)
class Member:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format_version: int
    fuwu_version: str
    created_at: str
    vendor: str
    vendor_version: str
    migrations: dict[str, list[str]]
    row_counts: dict[str, int]
    members: dict[str, Member]

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.vendor]

    @property
    def media_members(self) -> list[str]:
        return sorted(name for name in self.members if name.startswith(f"{MEDIA}/"))

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())

    def as_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": self.format_version,
            "fuwu_version": self.fuwu_version,
            "created_at": self.created_at,
            "database": {
                "vendor": self.vendor,
                "version": self.vendor_version,
                "member": self.database_member,
            },
            "migrations": self.migrations,
            "row_counts": self.row_counts,
            "members": {name: {"size": m.size, "sha256": m.sha256} for name, m in self.members.items()},
        }
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            document = json.loads(data.decode())
            if document.get("format") != FORMAT:
                raise BackupError(f"{MANIFEST} is not the manifest of a fuwu backup")
            if int(document["format_version"]) > FORMAT_VERSION:
                raise BackupError(
                    f"the archive has format version {document['format_version']}, this fuwu reads up to "
                    f"{FORMAT_VERSION}: restore it with the fuwu version that made it"
                )
            manifest = cls(
                format_version=int(document["format_version"]),
                fuwu_version=str(document["fuwu_version"]),
                created_at=str(document["created_at"]),
                vendor=str(document["database"]["vendor"]),
                vendor_version=str(document["database"]["version"]),
                migrations={
                    str(app): [str(name) for name in names] for app, names in document["migrations"].items()
                },
                row_counts={str(table): int(rows) for table, rows in document["row_counts"].items()},
                members={
                    str(name): Member(size=int(member["size"]), sha256=str(member["sha256"]))
                    for name, member in document["members"].items()
                },
            )
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"{MANIFEST} is damaged: {error!r}") from error
        if manifest.vendor not in DATABASE_MEMBERS:
            raise BackupError(f"{MANIFEST} names an unknown database vendor {manifest.vendor!r}")
        if manifest.database_member not in manifest.members:
            raise BackupError(
                f"{MANIFEST} lists no {manifest.database_member}: the archive holds no database"
            )
        return manifest


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    tables: int
    rows: int
    files: int


@dataclass(frozen=True)
class VerifiedBackup:
    """An archive ``backup_verify`` found intact and restorable here."""

    path: Path
    manifest: Manifest


@dataclass(frozen=True)
class RestoreSummary:
    tables: int
    rows: int
    files: int
    # table → (rows in the manifest, rows now), for the tables where they differ
    differences: dict[str, tuple[int | None, int | None]]
    migrated: list[str]


@dataclass(frozen=True)
class _Snapshot:
    """What the dump holds, read in the dump's own snapshot."""

    version: str
    migrations: dict[str, list[str]]
    row_counts: dict[str, int]


# --- backup ----------------------------------------------------------------------------------------


def default_backup_name(now: datetime) -> str:
    return f"fuwu-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"


def backup_create(*, path: Path | None = None, now: datetime | None = None) -> BackupSummary:
    """Write the archive to ``path`` (a file, or a directory for the default name; default
    ``VAR_DIR/backups/``) and return what it holds."""
    now = now or timezone.now()
    target = _backup_target(path, now)
    _refuse_inside_transaction()
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.display_name}")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        dump = staging / DATABASE_MEMBERS[vendor]
        snapshot = _dump_sqlite(dump) if vendor == "sqlite" else _dump_postgresql(dump)
        partial = staging / target.name
        members = _write_archive(partial, dump=dump, snapshot=snapshot, vendor=vendor, now=now)
        partial.replace(target)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"writing {target} failed: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupSummary(
        path=target,
        size=target.stat().st_size,
        tables=len(snapshot.row_counts),
        rows=sum(snapshot.row_counts.values()),
        files=sum(1 for name in members if name.startswith(f"{MEDIA}/")),
    )


def _backup_target(path: Path | None, now: datetime) -> Path:
    if path is None:
        target = Path(settings.VAR_DIR) / "backups" / default_backup_name(now)
    elif path.is_dir():
        target = path / default_backup_name(now)
    else:
        target = path
    target = target.absolute()
    if target.exists():
        raise BackupError(f"{target} exists already: name another file")
    if target.parent.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise BackupError(f"{target} is inside MEDIA_ROOT: write the backup elsewhere")
    return target


def _dump_sqlite(dump: Path) -> _Snapshot:
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(dump)) as copy:
            connection.connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            cursor = copy.cursor()
            return _read_snapshot(cursor, _table_names(cursor), version=sqlite3.sqlite_version)
    except sqlite3.Error as error:
        raise BackupError(f"copying the SQLite database failed: {error}") from error


def _dump_postgresql(dump: Path) -> _Snapshot:
    pg_dump = postgres_program("pg_dump")
    connection.ensure_connection()
    # One repeatable-read transaction exports its snapshot to pg_dump and counts the rows in it: the
    # manifest describes exactly what the dump holds, however much the server writes meanwhile.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot_id,) = cursor.fetchone()
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_id}",
                f"--file={dump}",
            ],
            what="pg_dump",
        )
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        return _read_snapshot(cursor, _table_names(cursor), version=version)


def _table_names(cursor: Any) -> list[str]:
    if connection.vendor == "sqlite":  # the same query on the copy and on the live database
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        return sorted(name for (name,) in cursor.fetchall())
    return sorted(connection.introspection.table_names(cursor))


def _count_rows(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _read_snapshot(cursor: Any, tables: list[str], *, version: str) -> _Snapshot:
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return _Snapshot(version=version, migrations=migrations, row_counts=_count_rows(cursor, tables))


def _write_archive(
    partial: Path, *, dump: Path, snapshot: _Snapshot, vendor: str, now: datetime
) -> dict[str, Member]:
    """The database, the uploaded files, then the manifest with the checksums of what was written."""
    compressed = partial.name.endswith((".tar.gz", ".tgz"))
    members: dict[str, Member] = {}
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        with tarfile.open(fileobj=file, mode="w:gz" if compressed else "w") as archive:
            members[DATABASE_MEMBERS[vendor]] = _add_file(archive, dump, DATABASE_MEMBERS[vendor])
            for path, name in _media_files():
                members[name] = _add_file(archive, path, name)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                fuwu_version=getattr(fuwu, "__version__", "unknown"),
                created_at=now.astimezone(UTC).isoformat(timespec="seconds"),
                vendor=vendor,
                vendor_version=snapshot.version,
                migrations=snapshot.migrations,
                row_counts=snapshot.row_counts,
                members=members,
            )
            data = manifest.as_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o644
            archive.addfile(info, io.BytesIO(data))
        file.flush()
        os.fsync(file.fileno())
    return members


def _media_files() -> Iterator[tuple[Path, str]]:
    """Every file under MEDIA_ROOT except the export files, with its name in the archive."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    exports = Path(settings.FUWU_EXPORT_ROOT).resolve()
    for directory, subdirectories, files in os.walk(root):
        current = Path(directory)
        subdirectories[:] = sorted(d for d in subdirectories if (current / d).resolve() != exports)
        for name in sorted(files):
            path = current / name
            if path.is_file():  # a regular file, or a link to one; not a socket or a broken link
                yield path, f"{MEDIA}/{path.relative_to(root).as_posix()}"


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> Member:
    """Add ``path`` as ``name``, hashing the bytes as they are written."""
    status = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = status.st_size, int(status.st_mtime), status.st_mode & 0o777
    with path.open("rb") as source:
        reader = _HashingReader(source)
        archive.addfile(info, reader)
    return Member(size=info.size, sha256=reader.digest.hexdigest())


class _HashingReader:
    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


# --- verify --------------------------------------------------------------------------------------


def backup_verify(path: Path) -> VerifiedBackup:
    """Read the whole archive and refuse it unless it is intact and can be restored here: every member
    listed in the manifest with its size and checksum, the same database vendor, no unknown migration."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with tarfile.open(path, mode="r:*") as archive:
            manifest = _verify_members(archive)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise BackupError(f"{path} is damaged or not a backup archive: {error}") from error
    _check_restorable_here(manifest)
    return VerifiedBackup(path=path, manifest=manifest)


def _verify_members(archive: tarfile.TarFile) -> Manifest:
    members = archive.getmembers()
    twice = sorted(name for name, count in Counter(m.name for m in members).items() if count > 1)
    if twice:  # extracting would take the last one, which the checksum did not see
        raise BackupError(f"refused: the archive holds {twice[0]!r} more than once")
    manifest_member = next((m for m in members if m.name == MANIFEST), None)
    if manifest_member is None or not manifest_member.isreg():
        raise BackupError(f"no {MANIFEST}: not a fuwu backup")
    manifest = Manifest.from_json(_read_member(archive, manifest_member))
    for member in members:
        if member.name == MANIFEST:
            continue
        _check_member_name(member, manifest)
        expected = manifest.members.get(member.name)
        if expected is None:
            raise BackupError(f"refused: {member.name!r} is not listed in the manifest")
        if member.size != expected.size or _sha256(archive, member) != expected.sha256:
            raise BackupError(f"{member.name} is damaged: its checksum differs from the manifest's")
    missing = sorted(set(manifest.members) - {m.name for m in members})
    if missing:
        raise BackupError(f"{len(missing)} members listed in the manifest are missing, e.g. {missing[0]}")
    return manifest


def _check_member_name(member: tarfile.TarInfo, manifest: Manifest) -> None:
    name = member.name
    if name.startswith("/") or any(part in {"", ".", ".."} for part in name.split("/")):
        raise BackupError(f"refused: the member {name!r} would be written outside its place (absolute or ..)")
    if not member.isreg():
        raise BackupError(f"refused: {name!r} is not a regular file (a backup holds no links or devices)")
    if name != manifest.database_member and not name.startswith(f"{MEDIA}/"):
        raise BackupError(f"refused: {name!r} does not belong in a {VENDOR_NAMES[manifest.vendor]} backup")


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} cannot be read")
    with source:
        return source.read()


def _sha256(archive: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} cannot be read")
    digest = hashlib.sha256()
    with source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_restorable_here(manifest: Manifest) -> None:
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"the archive holds a {VENDOR_NAMES[manifest.vendor]} database but this installation uses "
            f"{VENDOR_NAMES.get(connection.vendor, connection.display_name)}: a backup is restored into the "
            "same kind of database"
        )
    unknown = unknown_migrations(manifest.migrations)
    if unknown:
        raise BackupError(
            f"the archive was made by a newer fuwu ({manifest.fuwu_version}): {len(unknown)} migrations are "
            f"unknown to this code, e.g. {unknown[0]}; install that version first, then restore"
        )
    if connection.vendor == "postgresql":
        postgres_program("pg_restore")
        postgres_program("psql")
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if os.path.ismount(media_root):
        raise BackupError(
            f"MEDIA_ROOT {media_root} is a mount point, which the restored files cannot replace: "
            "point MEDIA_ROOT to a directory inside it"
        )


def unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    """``app.name`` of the migrations in ``applied`` that this code has no file for (nor a squashed
    migration replacing them)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return [
        f"{app}.{name}"
        for app, names in sorted(applied.items())
        for name in names
        if (app, name) not in known
    ]


# --- restore -------------------------------------------------------------------------------------


def backup_restore(*, backup: VerifiedBackup) -> RestoreSummary:
    """Replace the database and the uploaded files with the archive's, compare the rows with the
    manifest, and migrate when the archive is older than the code."""
    manifest = backup.manifest
    _check_restorable_here(manifest)
    _refuse_inside_transaction()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".fuwu-restore-", dir=var_dir))
    incoming = Path(tempfile.mkdtemp(prefix=f".{media_root.name}-restore-", dir=media_root.parent))
    try:
        database = work / manifest.database_member
        try:
            with tarfile.open(backup.path, mode="r:*") as archive:
                members = {member.name: member for member in archive.getmembers()}
                _extract_member(archive, members[manifest.database_member], database)
                media = [members[name] for name in manifest.media_members]
                archive.extractall(incoming, members=media, filter="data")
            (incoming / MEDIA).mkdir(exist_ok=True)
        except (OSError, tarfile.TarError, EOFError, zlib.error) as error:
            raise BackupError(f"extracting the archive failed, nothing changed: {error}") from error
        if connection.vendor == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database, work)
        try:
            _swap_directory(media_root, incoming / MEDIA, previous=incoming / "previous")
        except OSError as error:
            raise BackupError(
                f"the database is restored, but the uploaded files could not replace {media_root}: {error}"
            ) from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(incoming, ignore_errors=True)
    with connection.cursor() as cursor:
        counts = _count_rows(cursor, _table_names(cursor))
    differences = {
        table: (manifest.row_counts.get(table), counts.get(table))
        for table in sorted(set(manifest.row_counts) | set(counts))
        if manifest.row_counts.get(table) != counts.get(table)
    }
    return RestoreSummary(
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(manifest.media_members),
        differences=differences,
        migrated=_migrate_when_behind(),
    )


def _extract_member(archive: tarfile.TarFile, member: tarfile.TarInfo, destination: Path) -> None:
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} cannot be read")
    with source, destination.open("wb") as file:
        shutil.copyfileobj(source, file, CHUNK)


def _restore_sqlite(database: Path) -> None:
    connections.close_all()
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(database)) as source:
            source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"restoring the SQLite database failed: {error}") from error
    finally:
        connection.close()


def _restore_postgresql(dump: Path, work: Path) -> None:
    script = work / "restore.sql"
    # Into a file first: piped straight into psql, a pg_restore failing halfway would end psql's input
    # and psql would commit half a database.
    _run(
        [
            postgres_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            f"--file={script}",
            str(dump),
        ],
        what="pg_restore",
    )
    connections.close_all()  # no transaction of ours may hold a lock the drop waits for
    _run(
        [
            postgres_program("psql"),
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--command={DROP_TABLES}",
            f"--file={script}",
        ],
        what="psql",
        extra_environment={"PGOPTIONS": "-c client_min_messages=warning"},
    )


def _swap_directory(target: Path, replacement: Path, *, previous: Path) -> None:
    """Put ``replacement`` (a sibling) in ``target``'s place; the old content goes to ``previous``."""
    if target.exists():
        shutil.copymode(target, replacement)
        target.rename(previous)
    try:
        replacement.rename(target)
    except OSError:
        if previous.exists():
            previous.rename(target)
        raise


def _migrate_when_behind() -> list[str]:
    """Apply the migrations the restored database does not have yet; their ``app.name``."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# --- helpers ---------------------------------------------------------------------------------------


def _refuse_inside_transaction() -> None:
    if connection.in_atomic_block:
        raise BackupError("backups and restores run outside a transaction")


def postgres_program(name: str) -> str:
    """``pg_dump``, ``pg_restore`` or ``psql``: on PATH, else the newest ``/usr/lib/postgresql/*/bin/``."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(number) for number in re.findall(r"\d+", path.parent.parent.name))

    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version)
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"{name} not found: install the PostgreSQL client programs (Debian/Ubuntu: apt-get install "
        f"postgresql-client) or put {name} on PATH"
    )


def _postgres_environment() -> dict[str, str]:
    """libpq's variables from the connection's settings: the password never on a command line."""
    database = connection.settings_dict
    options = database.get("OPTIONS") or {}
    values = {
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
        "PGPASSWORD": database.get("PASSWORD"),
        "PGDATABASE": database.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGAPPNAME": "fuwu-backup",
    }
    return {**os.environ, **{name: str(value) for name, value in values.items() if value}}


def _run(arguments: list[str], *, what: str, extra_environment: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        arguments,
        env={**_postgres_environment(), **(extra_environment or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()[-2000:]
        raise BackupError(f"{what} failed (exit status {result.returncode}): {message}")
