"""Chinese keyword search that behaves the same on SQLite and PostgreSQL.

Text is cut into words by jieba (search mode, so 卫生间漏水 yields 卫生间 and 漏水) and stored as a
space-separated list with a leading and trailing space. A query is cut the same way and every word
must appear as a whole token: ``search_text__contains=" 漏水 "``. Two-character words, which SQLite's
trigram FTS cannot find, work; one Chinese sentence is never a single opaque token.
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


def tokens(text: str) -> list[str]:
    """Words of ``text`` in order, lower-cased, without punctuation, duplicates removed."""
    cutter = tokenizer()
    seen: dict[str, None] = {}
    for chunk in _SPLIT.split(text or ""):
        if not chunk:
            continue
        for word in cutter.cut_for_search(chunk.lower()):
            word = word.strip()
            if word and not _SPLIT.fullmatch(word):
                seen.setdefault(word, None)
    return list(seen)


def search_text(*parts: str | None) -> str:
    """The value stored in a model's ``search_text`` field for the given texts."""
    words = tokens(" ".join(p for p in parts if p))
    return f" {' '.join(words)} " if words else ""


def query_tokens(query: str) -> list[str]:
    """Tokens a query must match. Digits and Latin words are kept whole (room numbers, serials)."""
    return tokens(query)


def search_q(query: str, field: str = "search_text") -> Q:
    """A filter requiring every word of ``query`` to appear in ``field``."""
    condition = Q()
    for word in query_tokens(query):
        condition &= Q(**{f"{field}__contains": f" {word} "})
    return condition


def joined(values: Iterable[str | None]) -> str:
    return " ".join(v for v in values if v)
