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
# WenQuanYi Zen Hei cut down to GB 2312 and ASCII (fonts/README.md), for a machine without it.
BUNDLED_FONT = Path(__file__).with_name("fonts") / "wqy-zenhei-gb2312.ttf"
_font_lock = threading.Lock()


class FontUnavailable(DomainError):
    status = 503
    title = "Service unavailable"


def font_file() -> Path:
    """The configured CJK font (POSTER_FONT, by default Debian's fonts-wqy-zenhei), or the
    bundled subset when that file is absent."""
    configured = Path(current_app.config.get("POSTER_FONT") or DEFAULT_FONT)
    if configured.is_file():
        return configured
    if BUNDLED_FONT.is_file():
        return BUNDLED_FONT
    raise FontUnavailable(f"The CJK font {configured} is not installed (fonts-wqy-zenhei).")


def register_cjk_font() -> str:
    """Register the CJK font once per process and file, and return its name."""
    path = font_file()
    name = f"{FONT_NAME}-{path.stem}"
    with _font_lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            index = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
            pdfmetrics.registerFont(TTFont(name, str(path), **index))
        return name


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
