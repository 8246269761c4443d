"""huey tasks: write a queued export; delete old export files every night."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import services


@db_task(retries=0)
def write_export(export_id: int) -> str | None:
    export = services.run_export(export_id)
    return export.status if export is not None else None


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("export-cleanup")
def delete_expired_exports() -> int:
    return services.delete_expired()
