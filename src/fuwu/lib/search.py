"""Chinese keyword search that behaves the same on SQLite and PostgreSQL.

Text is cut into words by jieba (search mode, so 卫生间漏水 yields 卫生间 and 漏水) and stored as a
space-separated list with a leading and trailing space. A query is cut the same way and every word
must appear as a whole token: ``search_text__contains=" 漏水 "``. Two-character words, which SQLite's
trigram FTS cannot find, work; one Chinese sentence is never a single opaque token.

Addresses are written many ways: 5栋, 5幢, 5座, 5号 (before a unit) and 5号楼 all name building 5.
Text and queries are rewritten to one spelling first (``normalise_places``: 号楼, 单元, 室, 层) and
each numbered place is also kept as one word (``5号楼``, ``2单元``, ``404室``), so 5栋2单元404 finds
5号楼2单元404室 but not 2号楼5单元404. The place words alone (栋, 单元, 室…) are not required of a
match. A single Chinese character (a surname: 宋) matches inside words (宋江, 宋先生), since jieba
keeps a name as one word. Changing these rules changes the stored words: run ``fuwu reindex_search``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba
from django.db.models import Q

jieba.setLogLevel(logging.WARNING)

DATA = Path(__file__).resolve().parent / "data"

_SPLIT = re.compile(r"[\s,.;:!?，。；：！？、()（）\[\]【】\"'“”‘’/\\|<>《》-]+")


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """One tokenizer per process, on the trimmed dictionary plus service words (lib/data/README.md)."""
    cutter = jieba.Tokenizer(dictionary=str(DATA / "jieba_dict.txt"))
    cutter.initialize()
    cutter.load_userdict(str(DATA / "service_words.txt"))
    return cutter


# A numbered place: building (号楼, 栋, 幢, 座; 号 or 楼 right before a unit), unit, room, floor.
_PLACE = re.compile(
    r"(?<![0-9a-z])([0-9]+[a-z]?|[a-z])\s*"
    # A floor's 楼 follows its number directly: "0002 楼道" is a number and a corridor, not floor 2.
    r"(?:(号楼|栋|幢|座|号(?=\s*[0-9a-z]+\s*单元)|楼(?=\s*[0-9a-z]+\s*单元))|(单元)|(室)|(层|(?<!\s)楼))"
)
_PLACE_WORDS = ("号楼", "单元", "室", "层")
_CANONICAL = re.compile(r"([0-9]+[a-z]?|[a-z])(号楼|单元|室|层)")
# Words that only say what kind of place a number is: not required of a match on their own.
PLACE_MARKERS = frozenset({"号", "号楼", "楼", "栋", "幢", "座", "单元", "室", "层"})


def normalise_places(text: str) -> str:
    """``5栋2单元404`` → ``5号楼2单元404``; ``5幢``, ``5座``, ``A座`` → ``5号楼``, ``a号楼``; ``3楼`` → ``3层``
    (a floor, unless a unit follows: ``5楼2单元`` is building 5). ``text`` is lower-cased first."""

    def canonical(match: re.Match[str]) -> str:
        kind = next(i for i in range(4) if match.group(i + 2))
        return f"{match.group(1)}{_PLACE_WORDS[kind]}"

    return _PLACE.sub(canonical, (text or "").lower())


def _is_cjk(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in word)


def tokens(text: str) -> list[str]:
    """Words of ``text`` in order, lower-cased, without punctuation, duplicates removed; places spelt
    one way and each numbered place (``5号楼``) also as one word."""
    cutter = tokenizer()
    seen: dict[str, None] = {}
    for chunk in _SPLIT.split(normalise_places(text)):
        if not chunk:
            continue
        for word in cutter.cut_for_search(chunk):
            word = word.strip()
            if word and not _SPLIT.fullmatch(word):
                seen.setdefault(word, None)
        for match in _CANONICAL.finditer(chunk):
            seen.setdefault(match.group(0), None)
    return list(seen)


def search_text(*parts: str | None) -> str:
    """The value stored in a model's ``search_text`` field for the given texts."""
    words = tokens(" ".join(p for p in parts if p))
    return f" {' '.join(words)} " if words else ""


def query_tokens(query: str) -> list[str]:
    """Tokens a query must match. Digits and Latin words are kept whole (room numbers, serials); the
    place words alone (栋, 单元…) are dropped, their numbered places (``5号楼``) kept."""
    return [word for word in tokens(query) if word not in PLACE_MARKERS]


def search_q(query: str, field: str = "search_text") -> Q:
    """A filter requiring every word of ``query`` to appear in ``field``: as a whole word, or inside
    one for a single Chinese character (宋 finds 宋江)."""
    condition = Q()
    for word in query_tokens(query):
        if len(word) == 1 and _is_cjk(word):
            condition &= Q(**{f"{field}__contains": word})
        else:
            condition &= Q(**{f"{field}__contains": f" {word} "})
    return condition


def joined(values: Iterable[str | None]) -> str:
    return " ".join(v for v in values if v)
