"""Every user-facing string has its Simplified Chinese translation, and the compiled catalogue is current.

The package is copied, its strings extracted afresh with Django's makemessages into the copy of the
catalogue, and every entry must then be translated and not fuzzy: a string added without its
translation fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import fuwu

PACKAGE = Path(fuwu.__file__).resolve().parent
CATALOGUE = Path("locale/zh_Hans/LC_MESSAGES/django.po")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    if shutil.which("xgettext") is None:
        if os.environ.get("FUWU_REQUIRE_GETTEXT"):
            pytest.fail("gettext is required (apt-get install gettext)")
        pytest.skip("gettext is not installed (apt-get install gettext)")
    copy = tmp_path_factory.mktemp("package") / "fuwu"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "testing", "static"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fuwu.settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(copy / CATALOGUE))


def test_every_string_has_a_chinese_translation(extracted):
    untranslated = [
        e.msgid for e in extracted if not e.obsolete and not e.msgstr and not any(e.msgstr_plural.values())
    ]
    fuzzy = [e.msgid for e in extracted if not e.obsolete and "fuzzy" in e.flags]
    assert untranslated == [], f"{len(untranslated)} strings lack a translation (run make messages)"
    assert fuzzy == [], f"{len(fuzzy)} translations are marked fuzzy"


def test_placeholders_survive_translation(extracted):
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    wrong = [
        e.msgid
        for e in extracted
        if e.msgstr and sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))
    ]
    assert wrong == []


def test_compiled_catalogue_matches_the_source():
    source = polib.pofile(str(PACKAGE / CATALOGUE))
    compiled = polib.mofile(str(PACKAGE / CATALOGUE.with_suffix(".mo")))
    expected = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in source if e.translated() and not e.obsolete
    }
    actual = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled if e.msgid}
    assert actual == expected, "run make messages to compile the catalogue"
