"""Asking for an export, writing it (now or in the background) and cleaning up old files.

An export of at most ``settings.FUWU_EXPORT_SYNC_MAX_ROWS`` rows (2,000) is written during the
request and downloaded at once: it takes a second or two. A bigger one becomes an ``Export`` job:
a huey task writes it, saving the rows written after every chunk, and "My exports" shows the
progress and then the download link. The job runs as the person who asked: the rows are those they
may see when the file is written (visibility, clearance and phone masking are checked again then,
not copied from the moment they asked), in the language they asked in.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Export, ExportStatus
from .registers import Parameters, Register, get_register
from .xlsx import write_register

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_filename(register: Register, moment: datetime) -> str:
    return f"{register.filename}-{timezone.localtime(moment).strftime('%Y%m%d-%H%M')}.xlsx"


@dataclass(frozen=True)
class Outcome:
    """Either the file itself (``content``, ``filename``) or the background job (``export``)."""

    content: bytes | None = None
    filename: str = ""
    rows: int = 0
    export: Export | None = None


def count_rows(register: Register, user: Any, parameters: Parameters, cap: int | None = None) -> int:
    """How many rows the export has; with ``cap``, counted up to it only (during the request a big
    export has only to be known to be big)."""
    records = register.records(user, parameters).order_by()
    if cap is None:
        return records.count()
    return len(records.values("pk")[:cap])


def _check(register: Register, user: Any) -> None:
    if getattr(user, "organisation_id", None) is None or not register.may_export(user):
        raise PermissionDenied(_("You are not allowed to export this list."))


def request_export(*, user: Any, kind: str, parameters: Parameters, now: datetime | None = None) -> Outcome:
    """The export ``kind`` of what ``user`` sees with ``parameters``: written now when small, else
    queued as a background job (started after the transaction commits)."""
    now = now or timezone.now()
    register = get_register(kind)
    _check(register, user)
    limit = settings.FUWU_EXPORT_SYNC_MAX_ROWS
    if count_rows(register, user, parameters, limit + 1) <= limit:
        buffer = io.BytesIO()
        rows = write_register(register, user, parameters, buffer, now=now)
        return Outcome(content=buffer.getvalue(), filename=xlsx_filename(register, now), rows=rows)
    return Outcome(export=queue_export(user=user, register=register, parameters=parameters))


def queue_export(*, user: Any, register: Register, parameters: Parameters) -> Export:
    export = Export.objects.create(
        organisation_id=user.organisation_id,
        requested_by=user,
        kind=register.kind,
        title=str(register.title),
        parameters=json.loads(json.dumps(dict(parameters), cls=DjangoJSONEncoder)),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    from .tasks import write_export

    transaction.on_commit(lambda: write_export(export.pk))
    return export


def run_export(export_id: int, *, now: datetime | None = None) -> Export | None:
    """Writes a queued export (the huey task's body). A job that is not queued any more (written
    already, or by another worker) is left alone."""
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    export = Export.objects.select_related("requested_by__organisation", "requested_by__department").get(
        pk=export_id
    )
    user = export.requested_by
    try:
        with translation.override(export.language):
            register = get_register(export.kind)
            if not user.is_active:
                raise PermissionDenied("the requester's account is not active")
            _check(register, user)
            total = count_rows(register, user, export.parameters)
            Export.objects.filter(pk=export.pk).update(rows_total=total)

            def progress(done: int) -> None:
                Export.objects.filter(pk=export.pk).update(rows_done=done)

            moment = now or timezone.now()
            filename = xlsx_filename(register, moment)
            # Written to a temporary file, not to memory: a big register stays off the heap.
            with tempfile.TemporaryFile() as scratch:
                rows = write_register(
                    register, user, export.parameters, scratch, now=moment, progress=progress
                )
                scratch.seek(0)
                export.file.save(filename, File(scratch), save=False)
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.DONE,
            file=export.file.name,
            filename=filename,
            rows_done=rows,
            rows_total=rows,
            finished_at=timezone.now(),
        )
    except Exception as error:  # the job fails visibly on "My exports"; the reason goes to the log
        logger.exception("export %s failed", export_id)
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
    export.refresh_from_db()
    return export


def exports_of(user: Any) -> Any:
    return Export.objects.filter(requested_by=user).order_by("-created_at", "-id")


def export_for_download(*, user: Any, pk: int) -> Export:
    """The requester's own finished export; anyone else's (or one without a file) is 404."""
    from django.http import Http404

    export = Export.objects.filter(pk=pk, requested_by=user, status=ExportStatus.DONE).first()
    if export is None or not export.file:
        raise Http404
    return export


def delete_expired(*, now: datetime | None = None) -> int:
    """Deletes the files of exports finished more than ``FUWU_EXPORT_KEEP_DAYS`` days ago (the rows
    stay, marked expired, so "My exports" says what happened); returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FUWU_EXPORT_KEEP_DAYS)
    old = Export.objects.filter(
        status__in=[ExportStatus.DONE, ExportStatus.FAILED], finished_at__lt=cutoff
    ).order_by("pk")
    count = 0
    for export in old.iterator(chunk_size=200):
        if export.file:
            export.file.delete(save=False)
        Export.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="")
        count += 1
    # A job whose worker died never finishes: after the same time it is marked failed.
    Export.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lt=cutoff
    ).update(status=ExportStatus.FAILED, error="not finished in time", finished_at=now)
    return count
