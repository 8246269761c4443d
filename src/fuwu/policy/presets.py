"""The shipped policy presets, one per kind of organisation (REQUIREMENTS §2)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .schema import PolicyDocument

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
PRESET_NAMES = ("property", "after_sales", "utility", "it_ops")


class UnknownPreset(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown policy preset {self.name!r}; known: {', '.join(PRESET_NAMES)}"


def preset_text(name: str) -> str:
    if name not in PRESET_NAMES:
        raise UnknownPreset(name)
    return (PRESETS_DIR / f"{name}.toml").read_text(encoding="utf-8")


@cache
def preset_document(name: str) -> PolicyDocument:
    from .loader import parse_policy

    return parse_policy(preset_text(name))
