"""Names in the order Chinese readers expect: by pinyin.

PostgreSQL sorts Han characters by code point (or, with ICU, by a collation the
embedded server does not have), which reads as random to a Chinese user: 张 before 王
before 李. A model that is listed by name keeps `name_sort`, this module's key of the
name, in the "C" collation, and lists order by it:

    name_sort_key("杭州明达")    -> "hang zhou ming da"
    name_sort_key("Apple 苹果")  -> "apple ping guo"

Han characters become their toneless pinyin (`pypinyin` reads phrases, so 重庆 is
"chong qing"); everything else is case-folded as it is. Latin and Chinese names
interleave the way a pinyin index does ("an" < "apple" < "bei"). Names with the same
pinyin (王 / 汪) tie, and the list's next key (the id) decides.
"""

from __future__ import annotations

from pypinyin import lazy_pinyin

NAME_SORT_MAX = 600


def name_sort_key(name: str) -> str:
    """The sort key of `name` (at most NAME_SORT_MAX characters)."""
    words = (" ".join(part.split()) for part in lazy_pinyin(name or ""))
    return " ".join(word.casefold() for word in words if word)[:NAME_SORT_MAX]
