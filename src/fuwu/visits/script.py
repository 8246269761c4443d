"""The call script of a return visit (004 回访过程及内容): the day's holiday greeting, the opening,
what to say when the customer is busy, the questionnaire in order and the closing — all from the
policy's ``[visits.script]`` and ``questionnaire``, in the reader's language where the policy
gives an English text.

The greeting (004: 节日期间使用统一的开头用语 … 具体使用时间，统一以每次节日通知为准) is said on
the days the working-day calendar names after one of a greeting's holidays: the calendar holds the
State Council notice, so "the notice decides when" is the calendar deciding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fuwu.org.models import Organisation
from fuwu.policy.schema import CallScript, Greeting, PolicyDocument, Question

from .display import question_label


@dataclass(frozen=True)
class Script:
    greeting: str  # "" outside the holidays
    opening: str
    not_convenient: str
    questions: list[str]
    closing: str


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _said(chinese: str, english: str) -> str:
    return english if _english() and english else chinese


def greeting_for(script: CallScript, holidays: Sequence[str]) -> Greeting | None:
    """The policy's greeting for a day of ``holidays`` (the calendar's names of it; the first
    holiday with a greeting wins, so 国庆节、中秋节 greets for 国庆节 when both have one)."""
    for name in holidays:
        for greeting in script.greetings:
            if name in greeting.holidays:
                return greeting
    return None


def _filled(text: str, organisation: str, hotline: str) -> str:
    # ``str.replace``, not ``format``: a brace elsewhere in a policy's sentence is kept as written.
    return text.replace("{organisation}", organisation).replace("{hotline}", hotline)


def call_script(
    policy: PolicyDocument,
    organisation: Organisation,
    day: date,
    questionnaire: Sequence[Question] | None = None,
    *,
    planned: bool = False,
) -> Script:
    """What the visitor says on ``day`` (the organisation's calendar names the day's holiday):
    ``questionnaire`` is the visit's (by default the policy's); a ``planned`` visit (no request
    behind it) opens with thanks instead."""
    from fuwu.workcal.selectors import holiday_names, work_calendar_for

    script = policy.visits.script
    hotline = script.hotline or _("our service line")
    greeting = None
    if script.greetings:
        greeting = greeting_for(script, holiday_names(work_calendar_for(organisation), day))
    name = organisation.name
    return Script(
        greeting=_said(greeting.text, greeting.text_en) if greeting else "",
        opening=_filled(
            _said(script.planned_opening, script.planned_opening_en)
            if planned
            else _said(script.opening, script.opening_en),
            name,
            hotline,
        ),
        not_convenient=_filled(_said(script.not_convenient, script.not_convenient_en), name, hotline),
        questions=[
            question_label(q)
            for q in (questionnaire if questionnaire is not None else policy.visits.questionnaire)
        ],
        closing=_filled(_said(script.closing, script.closing_en), name, hotline),
    )


__all__ = ["Script", "call_script", "greeting_for"]
