"""The typeface our PDFs set non-ASCII text in (Chinese, and "·", "−", "¥" in either
language): WenQuanYi Micro Hei, embedded as a subset, so every viewer shows the same
glyphs.

Why this font: reportlab embeds TrueType outlines only (not the CFF outlines of Noto
Sans CJK / Source Han Sans), and WenQuanYi Micro Hei is a TrueType collection with the
whole of GB 18030's common characters. The pip package `paperang-p2-fonts-cjk` ships
the file byte for byte as Debian's `fonts-wqy-microhei` 0.2.0-beta does
(`FONT_SHA256`); the font's licence is Apache-2.0 or GPL-3+ with the font exception,
both of which allow embedding. reportlab writes only the glyphs a document uses (a
subset named `AAAAAA+WenQuanYiMicroHei-0`, …) with a ToUnicode map, so the text can be
searched and copied and a quote stays around 30 kB.

`cjk_font()` registers the font the first time a PDF needs it (reading the 5 MB file
takes about half a second, which no process that never prints should pay) and returns
its reportlab name. Where the file cannot be had (the package missing and no Debian
copy) it falls back to reportlab's CID font STSong-Light, which is not embedded: the
PDF still opens, and the log says why its glyphs may differ between viewers.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

logger = logging.getLogger(__name__)

EMBEDDED_FONT = "WenQuanYiMicroHei"
FALLBACK_FONT = "STSong-Light"
FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "wqy-microhei.ttc"
# The same file in Debian's fonts-wqy-microhei, for a machine without the pip package.
DEBIAN_FONT_PATH = Path("/usr/share/fonts/truetype/wqy") / FONT_FILE
# sha256 of wqy-microhei.ttc 0.2.0-beta (identical in the pip package and in Debian's).
FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
# The collection's first face is Micro Hei (the second, Micro Hei Mono).
SUBFONT_INDEX = 0


def font_path() -> Path | None:
    """Where the TrueType collection is: the pip package's copy, else Debian's."""
    try:
        packaged = Path(str(importlib.resources.files(FONT_PACKAGE) / "fonts" / FONT_FILE))
    except ModuleNotFoundError:
        packaged = None
    for candidate in (packaged, DEBIAN_FONT_PATH):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


@functools.cache
def cjk_font() -> str:
    """The registered name of the font for non-ASCII text (once per process)."""
    path = font_path()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, str(path), subfontIndex=SUBFONT_INDEX))
            return EMBEDDED_FONT
        except (OSError, TTFError) as exc:
            logger.warning("PDF font %s unreadable (%s): using %s", path, exc, FALLBACK_FONT)
    else:
        logger.warning("PDF font %s not installed: using %s", FONT_FILE, FALLBACK_FONT)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT
