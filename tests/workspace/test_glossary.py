"""The glossary (platform/tradepost/locale/GLOSSARY.md) against the Chinese catalogue:
a message whose English is exactly a glossary term carries the term's Chinese word."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])


def _glossary() -> dict[str, str]:
    terms = {}
    for line in (LOCALE / "GLOSSARY.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("English", "") and not cells[0].startswith("-"):
            terms[cells[0].lower()] = cells[1]
    return terms


def test_every_message_named_like_a_term_uses_its_chinese_word():
    terms = _glossary()
    catalogue = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))

    checked, wrong = set(), []
    for entry in catalogue:
        term = terms.get(entry.msgid.lower())
        if entry.obsolete or term is None or entry.msgctxt:
            continue
        checked.add(entry.msgid.lower())
        if entry.msgstr != term:
            wrong.append((entry.msgid, entry.msgstr, term))

    assert wrong == []
    # The table is read and meets the catalogue (not a test that checks nothing).
    assert len(terms) >= 20
    assert {"order", "quote", "dealer", "credit limit", "compensation", "tax amount"} <= checked
