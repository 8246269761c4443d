"""Differences between two policy versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .models import PolicyVersion


def unified_diff(older: PolicyVersion, newer: PolicyVersion) -> str:
    return "".join(
        difflib.unified_diff(
            older.text.splitlines(keepends=True),
            newer.text.splitlines(keepends=True),
            fromfile=f"v{older.number}",
            tofile=f"v{newer.number}",
        )
    )


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "context", "hunk", "header"
    text: str
    old_line: int | None = None
    new_line: int | None = None


def diff_lines(older: PolicyVersion, newer: PolicyVersion) -> list[DiffLine]:
    """The unified diff as typed lines with line numbers, for highlighting on a page."""
    lines: list[DiffLine] = []
    old_no = new_no = 0
    in_hunk = False
    for raw in unified_diff(older, newer).splitlines():
        if not in_hunk and raw.startswith(("---", "+++")):
            lines.append(DiffLine("header", raw))
        elif raw.startswith("\\"):  # "\ No newline at end of file"
            continue
        elif raw.startswith("@@"):
            in_hunk = True
            # "@@ -a,b +c,d @@"
            parts = raw.split()
            old_no = int(parts[1][1:].split(",")[0]) - 1
            new_no = int(parts[2][1:].split(",")[0]) - 1
            lines.append(DiffLine("hunk", raw))
        elif raw.startswith("+"):
            new_no += 1
            lines.append(DiffLine("added", raw[1:], None, new_no))
        elif raw.startswith("-"):
            old_no += 1
            lines.append(DiffLine("removed", raw[1:], old_no, None))
        else:
            old_no += 1
            new_no += 1
            lines.append(DiffLine("context", raw[1:], old_no, new_no))
    return lines
