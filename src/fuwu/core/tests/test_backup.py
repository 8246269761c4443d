"""``fuwu backup`` and ``fuwu restore``: a round trip gives back the same rows, intact timelines and the
uploaded files byte for byte; a damaged, foreign, newer or unsafe archive is refused before anything
changes. On SQLite and on PostgreSQL; transactional tests, as pg_dump reads committed data only."""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

import fuwu
from fuwu.core import backup as backups
from fuwu.core.backup import DATABASE_MEMBERS, MANIFEST, backup_verify
from fuwu.org.services import department_create
from fuwu.timeline.models import Event
from fuwu.timeline.services import verify_chain
from fuwu.workorders.models import Photo, WorkOrder
from fuwu.workorders.services import work_order_add_photos
from fuwu.workorders.tests.conftest import Steps, at, png_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def places(settings, tmp_path: Path) -> Path:
    """MEDIA_ROOT and VAR_DIR (where backups go) in the test's own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VAR_DIR = tmp_path / "var"
    return tmp_path


@pytest.fixture
def orders(cast, receive, enquiry, places) -> list[WorkOrder]:
    """Three work orders with their timelines; the one on site has a photo in MEDIA_ROOT."""
    steps = Steps(cast, receive, enquiry)
    on_site = steps.on_site()
    work_order_add_photos(work_order=on_site, by=cast.tech, photos=[png_file()], now=at(2026, 11, 23, 10, 45))
    return [steps.routed(), on_site, steps.confirmed()]


def backup(*args: str) -> tuple[Path, str]:
    """Run ``fuwu backup``: the archive and what the command printed."""
    out = io.StringIO()
    call_command("backup", *args, stdout=out)
    return Path(out.getvalue().splitlines()[0]), out.getvalue()


def restore(archive: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, stdout=out)
    return out.getvalue()


def refused(archive: Path, *args: str) -> str:
    """Run ``fuwu restore`` expecting a refusal: its message."""
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(archive), *args, stdout=io.StringIO())
    assert refusal.value.returncode == 1
    return str(refusal.value)


def database_content() -> dict[str, str]:
    """Every table's rows in primary-key order, hashed: equal dicts mean identical tables."""
    content = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            primary_key = connection.introspection.get_primary_key_column(cursor, table)
            order = f" ORDER BY {quote(primary_key)}" if primary_key else ""
            cursor.execute(f"SELECT * FROM {quote(table)}{order}")
            rows = [repr(row) for row in cursor.fetchall()]
            if not primary_key:
                rows.sort()
            content[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return content


def media_files() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rewritten(
    archive: Path,
    *,
    change: Callable[[dict[str, Any]], None] = lambda manifest: None,
    rename: dict[str, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A copy of ``archive``: members renamed, ``extra`` members added (listed with their right
    checksums), then the manifest changed by ``change``."""
    copy = archive.with_name(f"rewritten-{archive.name}")
    rename = rename or {}
    with tarfile.open(archive) as source, tarfile.open(copy, "w") as target:
        manifest_file = source.extractfile(MANIFEST)
        assert manifest_file is not None
        manifest = json.loads(manifest_file.read())
        for member in source.getmembers():
            if member.name == MANIFEST:
                continue
            content = source.extractfile(member)
            if member.name in rename:
                manifest["members"][rename[member.name]] = manifest["members"].pop(member.name)
                member.name = rename[member.name]
            target.addfile(member, content)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
            manifest["members"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        change(manifest)
        encoded = json.dumps(manifest).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(encoded)
        target.addfile(info, io.BytesIO(encoded))
    return copy


def changed_after_the_backup(orders: list[WorkOrder]) -> None:
    """One work order deleted, the photo's file gone."""
    photo = Photo.objects.get()
    Path(photo.image.path).unlink()
    WorkOrder.objects.filter(pk=orders[0].pk).delete()


# --- the round trip ----------------------------------------------------------------------------


def test_a_restore_gives_back_every_row_the_timelines_and_the_files(cast, orders):
    # given a backup (the photo and the customer's signature in MEDIA_ROOT)
    photo = Photo.objects.get()
    archive, _out = backup()
    before, files = database_content(), media_files()
    assert photo.image.name in files

    # when work orders are deleted, a row added, a table created, the photo deleted and a file added
    WorkOrder.objects.filter(pk__in=[orders[0].pk, orders[1].pk]).delete()
    department_create(organisation=cast.organisation, name="新部门", code="new")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE backup_test_newer (id integer)")
    Path(photo.image.path).unlink()
    (Path(settings.MEDIA_ROOT) / "later.txt").write_text("uploaded after the backup")
    assert database_content() != before

    # and the backup is restored
    out = restore(archive, "--yes")

    # then every table holds the rows it had, and nothing else is left
    assert database_content() == before
    assert "backup_test_newer" not in connection.introspection.table_names()
    # the timelines verify
    for order in orders:
        restored = WorkOrder.objects.get(pk=order.pk)
        assert Event.objects.for_subject(restored).exists()
        assert verify_chain(restored)
    # and MEDIA_ROOT holds exactly the files of the backup, byte for byte
    assert media_files() == files
    assert out.splitlines()[-1] == "the rows of every table are those of the archive"
    assert not [p.name for p in Path(settings.MEDIA_ROOT).parent.iterdir() if p.name.startswith(".")]


def test_the_archive_holds_the_database_the_files_and_a_manifest_of_them(orders, places, settings):
    # given an export file inside MEDIA_ROOT (not where it belongs, but possible)
    settings.FUWU_EXPORT_ROOT = str(places / "media" / "exports")
    (places / "media" / "exports").mkdir()
    (places / "media" / "exports" / "register.xlsx").write_bytes(b"made again on request")

    archive, out = backup()

    assert archive.parent == places / "var" / "backups"
    assert re.fullmatch(r"fuwu-\d{8}-\d{6}\.tar", archive.name)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]  # no temporary file left
    uploaded = [f"media/{name}" for name in media_files() if not name.startswith("exports/")]
    assert f"media/{Photo.objects.get().image.name}" in uploaded
    database = DATABASE_MEMBERS[connection.vendor]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        digests = {
            name: hashlib.sha256(tar.extractfile(name).read()).hexdigest()  # type: ignore[union-attr]
            for name in names
            if name != MANIFEST
        }
    assert names == [database, *uploaded, MANIFEST]  # the manifest last, no export file
    assert manifest["format"] == "fuwu-backup"
    assert manifest["fuwu_version"] == fuwu.__version__
    assert manifest["database"]["vendor"] == connection.vendor
    assert {name: m["sha256"] for name, m in manifest["members"].items()} == digests
    applied = MigrationRecorder(connection).applied_migrations()
    assert {(app, name) for app, names in manifest["migrations"].items() for name in names} == set(applied)
    assert "0001_work_orders_clocks_approvals_reports_fees" in manifest["migrations"]["workorders"]
    with connection.cursor() as cursor:
        assert manifest["row_counts"] == backups._count_rows(cursor, backups._table_names(cursor))
    assert manifest["row_counts"]["workorders_workorder"] == 3
    rows = sum(manifest["row_counts"].values())
    tables = len(manifest["row_counts"])
    assert out.splitlines()[1].endswith(f": {tables} tables, {rows} rows, {len(uploaded)} uploaded files")


def test_a_compressed_archive_is_written_and_read_back(orders, places):
    archive, _out = backup(str(places / "backup.tar.gz"))

    assert archive.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    assert backup_verify(archive).manifest.media_members == [f"media/{name}" for name in media_files()]


def test_a_backup_that_fails_halfway_leaves_no_archive(orders, places, monkeypatch):
    media_files_really = backups._media_files

    def disk_full():  # the archive half written: the database and the files in, not the manifest
        yield from media_files_really()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "_media_files", disk_full)
    target = places / "var" / "backups"
    target.mkdir(parents=True)

    with pytest.raises(CommandError, match="No space left on device") as failure:
        call_command("backup", str(target), stdout=io.StringIO())

    assert failure.value.returncode == 1
    assert list(target.iterdir()) == []


# --- refusals: nothing changes ----------------------------------------------------------------------


@pytest.mark.parametrize("damaged", ["database.", "media/", MANIFEST], ids=["database", "file", "manifest"])
def test_a_damaged_archive_is_refused_and_nothing_changes(orders, damaged):
    # given an archive with one byte flipped in the middle of a member's data
    archive, _out = backup()
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(damaged))
    data = bytearray(archive.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    changed_after_the_backup(orders)
    before, files = database_content(), media_files()

    message = refused(archive, "--yes")

    if damaged == MANIFEST:  # a flipped ASCII byte is no UTF-8
        assert message.startswith("restore refused, nothing changed: manifest.json is damaged: ")
    else:
        assert message == (
            f"restore refused, nothing changed: {member.name} is damaged: its checksum differs from the "
            "manifest's"
        )
    assert database_content() == before
    assert media_files() == files


def test_an_archive_of_the_other_database_vendor_is_refused(orders):
    archive, _out = backup()
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_vendor(manifest: dict[str, Any]) -> None:
        manifest["database"].update(vendor=other, member=DATABASE_MEMBERS[other])

    foreign = rewritten(
        archive, rename={DATABASE_MEMBERS[connection.vendor]: DATABASE_MEMBERS[other]}, change=other_vendor
    )
    changed_after_the_backup(orders)
    before = database_content()

    message = refused(foreign, "--yes")

    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert (
        f"the archive holds a {names[other]} database but this installation uses {names[connection.vendor]}"
        in message
    )
    assert database_content() == before


def test_an_archive_from_a_newer_fuwu_is_refused(orders):
    archive, _out = backup()
    newer = rewritten(archive, change=lambda m: m["migrations"]["workorders"].append("9999_from_the_future"))
    changed_after_the_backup(orders)
    before = database_content()

    message = refused(newer, "--yes")

    assert "made by a newer fuwu" in message
    assert "workorders.9999_from_the_future" in message
    assert database_content() == before


@pytest.mark.parametrize("name", ["media/../../escaped.txt", "ABSOLUTE"])
def test_a_member_outside_its_place_is_refused(orders, places, name):
    name = str(places / "escaped.txt") if name == "ABSOLUTE" else name
    archive, _out = backup()
    unsafe = rewritten(archive, extra={name: b"written where it should not be"})
    changed_after_the_backup(orders)
    before, files = database_content(), media_files()

    message = refused(unsafe, "--yes")

    assert f"refused: the member {name!r} would be written outside its place" in message
    assert database_content() == before
    assert media_files() == files
    assert not (places / "escaped.txt").exists()
    assert not (places.parent / "escaped.txt").exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stdin", "expected"),
    [
        (io.StringIO(""), "confirm with --yes (no terminal to ask on)"),
        (Terminal("no\n"), "restore cancelled, nothing changed"),
    ],
    ids=["no-terminal", "answered-no"],
)
def test_a_restore_not_confirmed_changes_nothing(orders, monkeypatch, stdin, expected):
    archive, _out = backup()
    changed_after_the_backup(orders)
    before, files = database_content(), media_files()
    monkeypatch.setattr(sys, "stdin", stdin)

    message = refused(archive)

    assert message.endswith(expected)
    assert database_content() == before
    assert media_files() == files
