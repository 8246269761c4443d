"""Values as people read them, in the language of the page.

Small formatting helpers every page uses (yes/no, money, minutes, local times, lists and "label:
value" pairs with the punctuation of the language), and the system texts: sentences the system
wrote into the database in the language of whoever caused them (a clock "met in time", an A/B
hand-over "B: 周师傅, because 孙师傅 is absent (Leave) until …", a notification title).
``system_text`` recognises such a sentence in any of the site's languages, with its parameters, and
says it again in the language of the reader. Apps register the sentences they store (their
``display`` module, loaded by the timeline app at start-up); anything not registered — what a
person typed — is shown as it was written.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

EMPTY = "—"


def is_chinese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith("zh")


def join_list(items: Iterable[Any]) -> str:
    """``a、b、c`` in Chinese, ``a, b, c`` in English."""
    return ("、" if is_chinese() else ", ").join(str(item) for item in items)


def join_pairs(pairs: Iterable[tuple[Any, Any]]) -> str:
    """``保修：已过保修期，用时：40 分钟`` / ``warranty: Out of warranty; time spent: 40 minutes``."""
    if is_chinese():
        return "，".join(f"{label}：{value}" for label, value in pairs)
    return "; ".join(f"{label}: {value}" for label, value in pairs)


def label_with_value(label: Any, value: Any) -> str:
    return f"{label}：{value}" if is_chinese() else f"{label}: {value}"


def yes_no(value: Any) -> str:
    if value is None:
        return EMPTY
    return _("yes") if value else _("no")


def money(value: Any) -> str:
    """¥1,234.50 — two decimals, whatever the stored value looked like ("40", 40, Decimal)."""
    if value is None or value == "":
        return EMPTY
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"¥{amount:,.2f}"


def minutes(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return str(value) if value not in (None, "") else EMPTY
    return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": n}


def parse_moment(value: Any) -> datetime | date | None:
    """A datetime or date, also from the ISO 8601 text the timeline stores."""
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            if value[10:11] == "T":
                return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def local_time(value: Any) -> str:
    """A moment in the organisation's time zone (Asia/Shanghai), to the minute: 2026-11-22 22:02."""
    moment = parse_moment(value)
    if isinstance(moment, datetime):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "Y-m-d H:i")
    if isinstance(moment, date):
        return formats.date_format(moment, "Y-m-d")
    return EMPTY if value in (None, "") else str(value)


def local_day(value: Any) -> str:
    moment = parse_moment(value)
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    if isinstance(moment, date):
        return formats.date_format(moment, "Y-m-d")
    return EMPTY if value in (None, "") else str(value)


def choice_label(choices: Any, code: Any) -> str:
    """The label of ``code`` in a ``TextChoices`` class (or a mapping); the code itself if unknown."""
    if isinstance(choices, type) and issubclass(choices, models.Choices):
        try:
            return str(choices(code).label)
        except ValueError:
            return system_text(code) if isinstance(code, str) else str(code)
    found = dict(choices).get(code)
    return str(found) if found is not None else (system_text(code) if isinstance(code, str) else str(code))


# --- system texts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    text: Any  # a lazy translation: str() gives it in the active language
    # Parameters that are always one of a few labels (an absence's kind): their possible texts,
    # so that "孙师傅请假" splits into the name and the kind.
    choices: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    # Parameters stored as a code (a preset's name): code → label.
    codes: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    is_label: bool = False  # a choice's label (a word), not a sentence


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _pattern(translated: str, choices: dict[str, list[str]]) -> re.Pattern[str] | None:
    """``B: %(name)s, because %(why)s`` → a regular expression with one group per parameter."""
    parts, position, names = [], 0, []
    for match in _PLACEHOLDER.finditer(translated):
        parts.append(re.escape(translated[position : match.start()]))
        name = match.group(1)
        if match.group(0) == "%%":
            parts.append("%")
        elif name in names:  # the same parameter twice: the same text twice
            parts.append(f"(?P={name})")
        else:
            names.append(name)
            if name in choices:
                alternatives = "|".join(re.escape(c) for c in sorted(choices[name], key=len, reverse=True))
                parts.append(f"(?P<{name}>{alternatives})")
            else:
                parts.append(f"(?P<{name}>.+?)")
        position = match.end()
    if not names:
        return None
    parts.append(re.escape(translated[position:]))
    return re.compile("".join(parts), re.DOTALL)


class SystemTexts:
    """Sentences the system stores as text, recognised in every language and said again in the reader's."""

    def __init__(self) -> None:
        self._texts: list[_Entry] = []
        self._lock = threading.Lock()
        self._index: tuple[dict[str, _Entry], list[tuple[re.Pattern[str], _Entry]]] | None = None

    def register(self, *texts: Any, **choices: Any) -> None:
        """Lazy translations (``gettext_lazy``) of stored sentences, with ``%(name)s`` parameters.

        ``choices``: parameters that are always a label of a ``TextChoices`` class (or one of a
        list of lazy texts), e.g. ``kind=AbsenceKind``; or a code, given as a mapping code → label
        (``preset={"property": _("property management")}``)."""
        labels = tuple(
            (
                name,
                tuple(
                    values.labels
                    if isinstance(values, type) and issubclass(values, models.Choices)
                    else values
                ),
            )
            for name, values in choices.items()
            if not isinstance(values, Mapping)
        )
        codes = tuple(
            (name, tuple(values.items())) for name, values in choices.items() if isinstance(values, Mapping)
        )
        with self._lock:
            self._texts.extend(_Entry(text, labels, codes) for text in texts)
            self._index = None
        _translate.cache_clear()

    def register_choices(self, *choices: type[models.Choices] | Iterable[Any]) -> None:
        """Choice labels stored as text (inside a sentence: "absent (Leave)"); or other words stored as
        text, given as lazy texts (a preset's name): words, not sentences."""
        with self._lock:
            self._texts.extend(
                _Entry(label, is_label=True)
                for choice in choices
                for label in (choice.labels if isinstance(choice, type) else choice)
            )
            self._index = None
        _translate.cache_clear()

    def index(self) -> tuple[dict[str, _Entry], list[tuple[re.Pattern[str], _Entry]]]:
        with self._lock:
            if self._index is None:
                exact: dict[str, _Entry] = {}
                patterns: list[tuple[re.Pattern[str], _Entry]] = []
                for code, _name in settings.LANGUAGES:
                    with translation.override(code):
                        for entry in self._texts:
                            shown = str(entry.text)
                            alternatives = {name: [str(v) for v in values] for name, values in entry.choices}
                            alternatives.update(
                                {
                                    name: [code for code, _label in pairs] + [str(v) for _c, v in pairs]
                                    for name, pairs in entry.codes
                                }
                            )
                            pattern = _pattern(shown, alternatives)
                            if pattern is None:
                                exact.setdefault(shown, entry)
                            else:
                                patterns.append((pattern, entry))
                # Longer sentences first, so that a short one never takes the words of a long one.
                patterns.sort(key=lambda item: -len(item[0].pattern))
                self._index = (exact, patterns)
            return self._index

    def translate(self, text: str) -> str:
        if not text or not isinstance(text, str):
            return text
        return _translate(text, translation.get_language() or settings.LANGUAGE_CODE)

    def _say(self, text: str, depth: int = 0) -> str | None:
        """``text`` in the active language, or None when it is not a known sentence."""
        exact, patterns = self.index()
        if text in exact:
            return str(exact[text].text)
        if depth > 4:
            return None
        for pattern, entry in patterns:
            match = pattern.fullmatch(text)
            if match is None:
                continue
            codes = {name: dict(pairs) for name, pairs in entry.codes}
            params = {
                name: str(codes[name][value])
                if value in codes.get(name, {})
                else self._say_or_keep(value, depth + 1)
                for name, value in match.groupdict().items()
            }
            try:
                return str(entry.text) % params
            except (KeyError, TypeError, ValueError):
                return None
        return None

    def _say_or_keep(self, text: str, depth: int) -> str:
        said = self._say(text, depth)
        if said is not None:
            return said
        # Several sentences joined with "; " (a dispatcher's reason and the A/B explanation).
        parts = text.split("; ")
        if len(parts) > 1:
            for cut in range(1, len(parts)):
                tail = self._say("; ".join(parts[cut:]), depth)
                if tail is not None:
                    return self._say_or_keep("; ".join(parts[:cut]), depth) + "; " + tail
            said_parts = [self._say(part, depth) for part in parts]
            if any(p is not None for p in said_parts):
                return "; ".join(s if s is not None else p for s, p in zip(said_parts, parts, strict=True))
        return text


system_texts = SystemTexts()


@lru_cache(maxsize=4096)
def _translate(text: str, language: str) -> str:
    return system_texts._say_or_keep(text, 0)


def system_text(text: Any) -> Any:
    """A stored system sentence in the reader's language; any other text as it was written."""
    return system_texts.translate(text) if isinstance(text, str) else text


def duration(amount: Any, unit: str) -> str:
    """``2 个工作日`` / ``2 working days``: an amount in one of the policy's duration units."""
    try:
        n = int(amount)
    except (TypeError, ValueError):
        return EMPTY
    match unit:
        case "working_days":
            return ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}
        case "business_hours":
            return ngettext("%(n)s business hour", "%(n)s business hours", n) % {"n": n}
        case "business_minutes":
            return ngettext("%(n)s business minute", "%(n)s business minutes", n) % {"n": n}
        case "calendar_hours":
            return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
        case "calendar_minutes":
            return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": n}
    return f"{n} {unit}"
