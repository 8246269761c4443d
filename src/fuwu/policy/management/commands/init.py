"""``fuwu init --preset NAME --org "名称"``: a new organisation whose policy version 1 is a preset."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fuwu.lib.errors import ValidationFailed
from fuwu.policy.presets import PRESET_NAMES
from fuwu.policy.services import organisation_create


class Command(BaseCommand):
    help = "Create an organisation with its policy initialised from a preset."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", required=True, help=f"one of: {', '.join(PRESET_NAMES)}")
        parser.add_argument("--org", required=True, help="the organisation's full name")
        parser.add_argument("--short-name", default="", help="a short name shown where space is tight")

    def handle(self, *args: Any, **options: Any) -> None:
        preset, name = options["preset"], options["org"]
        if preset not in PRESET_NAMES:
            raise CommandError(_("Unknown preset %(preset)s. Valid presets: %(known)s") % {
                "preset": preset, "known": ", ".join(PRESET_NAMES)})
        try:
            organisation = organisation_create(name=name, preset=preset, short_name=options["short_name"])
        except ValidationFailed as exc:
            problems = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in exc.fields.items())
            raise CommandError(problems or str(exc.message)) from exc
        version = organisation.policy_versions.get()
        self.stdout.write(self.style.SUCCESS(
            _("Created organisation %(name)s (id %(id)s) with policy version %(number)s from preset %(preset)s.") % {
                "name": organisation.name, "id": organisation.pk, "number": version.number, "preset": preset}
        ))
