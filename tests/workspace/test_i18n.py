"""The Simplified Chinese catalogue: complete, not fuzzy, and compiled.

The .mo is committed (a bare machine may have no gettext to compile it), so these
tests fail when someone edits the .po and forgets to run `compilemessages`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
# Python-format placeholders: %(name)s, %(count)d, %s …
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]?\d*(?:\.\d+)?[diouxXeEfFgGcrs]")


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(CATALOGUE / "django.po"))


def _live(catalogue) -> list[polib.POEntry | polib.MOEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def _mapping(catalogue) -> dict[tuple, object]:
    """(context, msgid, plural) → translation, for every real entry (not the header)."""
    mapping = {}
    for entry in _live(catalogue):
        if entry.msgid == "" and not entry.msgctxt:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        mapping[key] = (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
    return mapping


def test_the_catalogue_has_the_workspace_strings(po):
    # Given the catalogue collected by makemessages, it covers the shell and the
    # roles, not an empty or stale file.
    msgids = {entry.msgid for entry in _live(po)}

    assert {"Invite your team", "Sign out", "Salesperson", "Dealer", "Create workspace"} <= msgids


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    untranslated = [entry.msgid for entry in _live(po) if not entry.translated()]
    fuzzy = [entry.msgid for entry in _live(po) if "fuzzy" in entry.flags]

    assert untranslated == []
    assert fuzzy == []
    assert not po.metadata_is_fuzzy, "a fuzzy header makes msgfmt skip the whole catalogue"
    assert po.metadata.get("Language") == "zh_Hans"


def test_translations_keep_their_placeholders(po):
    # A lost or misspelt %(name)s raises at render time, or shows a raw placeholder.
    broken = []
    for entry in _live(po):
        sources = [entry.msgid, *([entry.msgid_plural] if entry.msgid_plural else [])]
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        expected = Counter(PLACEHOLDER.findall(sources[-1].replace("%%", "")))
        if "python-format" not in entry.flags and not expected:
            continue
        broken += [
            entry.msgid
            for target in targets
            if Counter(PLACEHOLDER.findall(target.replace("%%", ""))) != expected
        ]

    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file(po):
    mo = polib.mofile(str(CATALOGUE / "django.mo"))

    compiled, source = _mapping(mo), _mapping(po)

    missing = sorted(key[1] for key in source.keys() - compiled.keys())
    extra = sorted(key[1] for key in compiled.keys() - source.keys())
    changed = sorted(
        key[1] for key in source.keys() & compiled.keys() if source[key] != compiled[key]
    )
    assert (missing, extra, changed) == ([], [], []), (
        "django.mo is out of date: run compilemessages and commit the .mo"
    )
