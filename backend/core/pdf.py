"""PDF pieces shared by every printed document (the safety-code poster, the enforcement
documents): the CJK font, registered once per process, and Chinese line filling."""

import threading
from pathlib import Path

from flask import current_app
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import DomainError

FONT_NAME = "XunchaCJK"
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
_font_lock = threading.Lock()


class FontUnavailable(DomainError):
    status = 503
    title = "Service unavailable"


def register_cjk_font() -> str:
    """Register the CJK font once per process (POSTER_FONT; WenQuanYi Zen Hei from
    fonts-wqy-zenhei by default) and return its name."""
    with _font_lock:
        if FONT_NAME in pdfmetrics.getRegisteredFontNames():
            return FONT_NAME
        path = Path(current_app.config.get("POSTER_FONT") or DEFAULT_FONT)
        if not path.is_file():
            raise FontUnavailable(
                f"The poster font {path} is not installed (Debian: fonts-wqy-zenhei)."
            )
        index = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **index))
        return FONT_NAME


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`: Chinese breaks between any two characters, so the text is
    filled character by character (reportlab's simpleSplit only breaks at spaces)."""
    lines, line = [], ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, font, size) > width:
            lines.append(line.rstrip())
            line = char.lstrip()
        else:
            line += char
    if line.strip():
        lines.append(line.strip())
    return lines or [""]
