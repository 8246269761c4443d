"""``fuwu init --preset NAME --org "名称"``: a new organisation whose policy version 1 is a preset."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import ValidationFailed
from fuwu.org.models import Organisation, Role
from fuwu.org.services import staff_create
from fuwu.policy.presets import PRESET_NAMES
from fuwu.policy.services import organisation_create


class Command(BaseCommand):
    help = "Create an organisation with its policy initialised from a preset."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", required=True, help=f"one of: {', '.join(PRESET_NAMES)}")
        parser.add_argument("--org", required=True, help="the organisation's full name")
        parser.add_argument("--short-name", default="", help="a short name shown where space is tight")
        parser.add_argument("--admin", default="", help="also create this administrator login")
        parser.add_argument(
            "--admin-password",
            default="",
            help="the administrator's password (default: $FUWU_ADMIN_PASSWORD, else asked)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        preset, name = options["preset"], options["org"]
        if preset not in PRESET_NAMES:
            raise CommandError(
                _("Unknown preset %(preset)s. Valid presets: %(known)s")
                % {"preset": preset, "known": ", ".join(PRESET_NAMES)}
            )
        try:
            with transaction.atomic():
                organisation = organisation_create(name=name, preset=preset, short_name=options["short_name"])
                if options["admin"]:
                    self.create_administrator(organisation, options["admin"], options["admin_password"])
        except ValidationFailed as exc:
            problems = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in exc.fields.items())
            raise CommandError(problems or str(exc.message)) from exc
        version = organisation.policy_versions.get()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created organisation %(name)s (id %(id)s) with policy version %(number)s from preset %(preset)s."
                )
                % {
                    "name": organisation.name,
                    "id": organisation.pk,
                    "number": version.number,
                    "preset": preset,
                }
            )
        )

    def create_administrator(self, organisation: Organisation, username: str, password: str) -> None:
        password = password or os.environ.get("FUWU_ADMIN_PASSWORD", "")
        if not password:
            password = getpass.getpass(_("Password for %(username)s: ") % {"username": username})
        if len(password) < 8:
            raise ValidationFailed.field(
                "admin-password", _("must have at least %(n)s characters") % {"n": 8}
            )
        user = staff_create(
            organisation=organisation,
            username=username,
            full_name=username,
            department=None,
            roles=[Role.ADMINISTRATOR],
            password=password,
            clearance=3,
        )
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
        self.stdout.write(_("Administrator %(username)s can sign in now.") % {"username": username})
