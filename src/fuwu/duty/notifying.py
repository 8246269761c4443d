"""Shifts, swaps and handovers as subjects of notifications (``fuwu.notify``): title, link and the
department whose robots hear of them; and the events only they have. Registered when the app is
ready (the events at import, so that services can name them)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.notify import events, subjects

# Translators: a notification event — a colleague asks you to take their shift (换班)
SWAP_ASKED = events.register("shift_swap_asked", _("A colleague asks you to take a shift"))
# Translators: a notification event — your colleague agreed to, declined or withdrew a swap of shifts
SWAP_ANSWERED = events.register("shift_swap_answered", _("Shift swap answered"))
# Translators: a notification event — a shift handover (交接班) for you to acknowledge
HANDOVER = events.register("shift_handover", _("Shift handover to acknowledge"))


def _swap_title(swap: Any) -> str:
    from .services.swaps import swap_title

    return swap_title(swap)


def register() -> None:
    subjects.register(
        "duty.Shift",
        title=str,
        link=lambda shift: reverse("duty:shift", args=[shift.pk]),
        department=lambda shift: shift.department,
    )
    subjects.register(
        "duty.SwapRequest",
        title=_swap_title,
        link=lambda swap: reverse("duty:swap", args=[swap.pk]),
        department=lambda swap: swap.department,
    )
    subjects.register(
        "duty.Handover",
        title=str,
        link=lambda handover: reverse("duty:handover", args=[handover.pk]),
        department=lambda handover: handover.department,
    )
