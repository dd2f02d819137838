"""The words a record is found by: its own text, folded, and for Chinese its pinyin.

`search_key("杭州明达")` is "hangzhoumingda hzmd": the full pinyin of every Han
character of the text, in order, without tones or spaces, then their initials — so a
search for "mingda", "hangzhou" or "hzmd" finds it. Latin letters and digits are kept
as they are (folded); the pinyin comes from `pypinyin`, which reads phrases (重庆 is
"chongqing", not "zhongqing").
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

# CJK Unified Ideographs, extension A and the compatibility block: what has a pinyin.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text as it is compared: NFKC (full-width letters become ASCII), case-folded,
    runs of white space made one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def pinyin_key(text: str) -> str:
    """Full pinyin and initials of the Han characters of `text`, or "" without any."""
    han = "".join(_HAN.findall(text))
    if not han:
        return ""
    syllables = [s for s in lazy_pinyin(han, errors="ignore") if s]
    full = "".join(syllables)
    initials = "".join(s for s in lazy_pinyin(han, style=Style.FIRST_LETTER, errors="ignore") if s)
    return f"{full} {initials}".casefold()


def short_grams(key: str) -> list[str]:
    """What one- and two-character words are found by, for `key` (a `search_key`):
    every Chinese character and pair of neighbouring characters, and the first one
    and two letters of every other word. A trigram index cannot serve
    `LIKE '%明达%'` (a two-character pattern has no trigram), an array index over these
    can — without any extension."""
    grams: set[str] = set()
    for word in key.split():
        grams.update((word[:1], word[:2]))
        for run in _HAN.findall(word):
            grams.update(run)
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return sorted(grams)


def search_key(*parts: str | None) -> str:
    """The text a record is found by: its parts folded, then the pinyin key of each
    part that has Chinese in it."""
    texts = [fold(part) for part in parts if part]
    pinyin = [pinyin_key(part) for part in parts if part]
    return " ".join(word for word in [*texts, *pinyin] if word)
