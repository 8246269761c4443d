"""The timeline is an engine every process uses: it imports none of them. Labels and formats of a
process's events come from that process's own ``display`` module (fuwu.timeline.display registry)."""

from __future__ import annotations

import ast
from pathlib import Path

import fuwu.timeline

TIMELINE = Path(fuwu.timeline.__file__).parent
ALLOWED = ("fuwu.timeline", "fuwu.lib")  # itself and the shared helpers


def _modules() -> list[Path]:
    return sorted(p for p in TIMELINE.rglob("*.py") if "tests" not in p.relative_to(TIMELINE).parts)


def _imported(path: Path) -> list[str]:
    package = ["fuwu", *path.relative_to(TIMELINE.parent).parent.parts]  # e.g. fuwu.timeline.templatetags
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names += [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
    return names


def _is_allowed(name: str) -> bool:
    return not (name == "fuwu" or name.startswith("fuwu.")) or any(
        name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED
    )


def test_the_check_sees_every_module_and_resolves_relative_imports():
    modules = {p.relative_to(TIMELINE).as_posix() for p in _modules()}
    assert {
        "display.py",
        "services.py",
        "templatetags/timeline.py",
        "management/commands/verify_timeline.py",
    } <= modules
    assert "fuwu.timeline.display" in _imported(TIMELINE / "templatetags" / "timeline.py")  # from ..display
    assert not _is_allowed("fuwu.workorders.models")
    assert not _is_allowed("fuwu.visibility")


def test_no_module_of_the_timeline_imports_a_process():
    found = {
        f"{path.relative_to(TIMELINE).as_posix()}: {name}"
        for path in _modules()
        for name in _imported(path)
        if not _is_allowed(name)
    }
    assert found == set()
