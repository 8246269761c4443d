"""Checks that a rendered page reads as text for people: no Python values, no codes, no sentences in
the other language.

``page_text(html)`` is what a reader sees (scripts, styles, form fields and elements marked
``data-raw``, and verbatim text in ``pre``, ``code``, ``kbd`` or ``samp`` — a policy's TOML, a
command, an identifier shown on purpose — are left out).
``problems(text, language)`` lists what should not be there:

- Python values: ``None``, ``True``, ``False``, ``{'``, ``['``;
- on Chinese pages, codes of the models' ``TextChoices`` (``urgent``, ``household``,
  ``department_head``…) and other codes (SLA class keys, preset names) as whole words;
- on English pages, codes with an underscore (``out_of_warranty``) and sentences the system stores
  (``fuwu.lib.display.system_texts``) in their Chinese wording (按时完成, B角：…).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser

from django.apps import apps
from django.db import models
from django.utils import translation

PYTHON_VALUES = ("None", "True", "False", "{'", "['")
# Verbatim text (a policy's TOML, a command, a code shown as such) is not prose for a reader.
_SKIPPED = {"script", "style", "template", "textarea", "pre", "code", "kbd", "samp"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "section",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "time",
    "label",
    "button",
    "small",
}


class _Text(HTMLParser):
    def __init__(self, within: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.within = within  # a data-testid: only the text inside that element
        self.stack: list[tuple[str, bool, bool]] = []  # tag, skipped, inside
        self.lines: list[str] = []
        self.line: list[str] = []

    def _state(self) -> tuple[bool, bool]:
        if not self.stack:
            return False, self.within is None
        return self.stack[-1][1], self.stack[-1][2]

    def _break(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.line)).strip()
        if text:
            self.lines.append(text)
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._break()
        if tag in _VOID:
            return
        skipped, inside = self._state()
        attributes = dict(attrs)
        skipped = skipped or tag in _SKIPPED or "data-raw" in attributes
        inside = inside or (self.within is not None and attributes.get("data-testid") == self.within)
        self.stack.append((tag, skipped, inside))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._break()
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        skipped, inside = self._state()
        if inside and not skipped:
            self.line.append(data)


def page_text(html: str | bytes, within: str | None = None) -> str:
    """The text a reader sees, a line per block (``within``: only inside ``data-testid=within``)."""
    parser = _Text(within)
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    parser.close()
    parser._break()
    return "\n".join(parser.lines)


@cache
def choice_codes() -> frozenset[str]:
    """The values of every ``TextChoices`` class of fuwu's models."""
    codes: set[str] = set()
    for config in apps.get_app_configs():
        module = config.models_module
        if module is None or not config.name.startswith("fuwu"):
            continue
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, models.TextChoices)
                and value.__module__ == module.__name__
            ):
                codes.update(str(v) for v in value.values)
    return frozenset(codes)


def _words(codes: Iterable[str]) -> re.Pattern[str] | None:
    codes = sorted({c for c in codes if c}, key=len, reverse=True)
    if not codes:
        return None
    return re.compile(
        r"(?<![A-Za-z0-9_\-])(" + "|".join(re.escape(c) for c in codes) + r")(?![A-Za-z0-9_\-])"
    )


@cache
def chinese_system_words() -> tuple[str, ...]:
    """Fixed pieces (three Chinese characters or more) of the stored system sentences, in Chinese."""
    from fuwu.lib.display import system_texts

    pieces: set[str] = set()
    with translation.override("zh-hans"):
        for entry in system_texts._texts:
            if entry.is_label:
                continue  # a word (管理员) may well be part of a name or a post: only sentences count
            chinese = str(entry.text)
            with translation.override("en"):
                english = str(entry.text)
            if chinese == english:
                continue  # not translated (yet): nothing Chinese to look for
            for piece in re.split(r"%\(\w+\)[sd]", chinese):
                piece = piece.strip(" ：:，,。.()（）·—-")
                if len(re.findall(r"[\u4e00-\u9fff]", piece)) >= 3:
                    pieces.add(piece)
    return tuple(sorted(pieces, key=len, reverse=True))


def problems(
    text: str, language: str, *, more_codes: Iterable[str] = (), allowed: Iterable[str] = ()
) -> list[str]:
    """What in ``text`` is not written for a reader of ``language`` (``allowed``: tokens to let pass)."""
    allowed = set(allowed)
    found = [token for token in PYTHON_VALUES if token in text and token not in allowed]
    if language.startswith("zh"):
        pattern = _words([*choice_codes(), *more_codes])
    else:
        pattern = _words([c for c in [*choice_codes(), *more_codes] if "_" in c])
        found += [
            f"Chinese: {piece}" for piece in chinese_system_words() if piece in text and piece not in allowed
        ]
    if pattern is not None:
        found += sorted(
            {
                m.group(1)
                for m in pattern.finditer(text)
                if m.group(1) not in allowed and not _in_english_words(text, m)
            }
        )
    return found


def _in_english_words(text: str, match: re.Match[str]) -> bool:
    """A word inside English prose ("Most urgent first"): a sentence not translated yet, which the
    translation completeness test reports, not a code shown in place of a label."""
    before, after = text[: match.start()], text[match.end() :]
    return bool(re.search(r"[A-Za-z]+ $", before) or re.match(r" [A-Za-z]", after))
