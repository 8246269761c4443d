"""``fuwu import customers FILE [--org NAME]`` / ``fuwu import staff FILE --org NAME``.

Checks every row; prints each bad row with its number and reason and exits non-zero, importing
nothing, unless the whole file is good.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fuwu.customers.imports import ImportResult, import_customers
from fuwu.org.imports import import_staff
from fuwu.org.models import Organisation


def find_organisation(name: str | None) -> Organisation:
    name = name or settings.FUWU_DEFAULT_ORGANISATION
    if name:
        found = (
            Organisation.objects.filter(name=name).first()
            or Organisation.objects.filter(short_name=name).first()
        )
        if found is None:
            raise CommandError(f"No organisation named {name!r}.")
        return found
    organisations = list(Organisation.objects.all()[:2])
    if len(organisations) != 1:
        raise CommandError("Say which organisation with --org NAME (or set FUWU_ORGANISATION).")
    return organisations[0]


class Command(BaseCommand):
    help = "Import customers or staff from an Excel (.xlsx) or CSV file; nothing is imported unless every row is good."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["customers", "staff"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", dest="organisation", help="organisation name (default: the only one)")

    def handle(self, *args: Any, what: str, file: Path, organisation: str | None, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        org = find_organisation(organisation)
        importer = import_customers if what == "customers" else import_staff
        with file.open("rb") as handle:
            result: ImportResult = importer(organisation=org, file=handle, by=None, filename=file.name)
        if not result.ok:
            for error in result.errors:
                where = f"row {error.row}" if error.row else str(file)
                column = f" [{error.column}]" if error.column else ""
                self.stderr.write(f"{where}{column}: {error.message}")
            raise CommandError(f"{len(result.errors)} problem(s) in {file}; nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"Imported {result.created} {what} from {file} into {org}."))
