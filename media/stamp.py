"""The evidence stamp: time, place, enterprise and inspector drawn on a photo's preview.

Only previews are stamped; the original is evidence and is never altered.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

CJK_FONT_ENV = "XUNCHA_CJK_FONT"
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
BAND_COLOR = (0, 0, 0, 150)
TEXT_COLOR = (255, 255, 255, 255)


@dataclass(frozen=True)
class EvidenceStamp:
    time: datetime
    enterprise: str
    inspector: str
    latitude: float | None = None
    longitude: float | None = None

    def lines(self, cjk: bool) -> list[str]:
        """The text to draw; without a CJK font only the ASCII facts (time, place)."""
        first = f"{format_stamp_time(self.time)}  {self.position()}".strip()
        if not cjk:
            return [first]
        return [first, f"企业：{self.enterprise}", f"检查人：{self.inspector}"]

    def position(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        north_south = "N" if self.latitude >= 0 else "S"
        east_west = "E" if self.longitude >= 0 else "W"
        return f"{north_south}{abs(self.latitude):.6f} {east_west}{abs(self.longitude):.6f}"


def format_stamp_time(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    return f"{text} UTC{offset[:3]}:{offset[3:]}" if offset else text


def apply_stamp(image: Image.Image, stamp: EvidenceStamp) -> Image.Image:
    """A copy of ``image`` with a semi-transparent band and the stamp text at the bottom."""
    font, cjk = stamp_font(font_size_for(image))
    lines = stamp.lines(cjk)
    line_height, padding = _line_metrics(font)
    band_top = image.height - (len(lines) * line_height + 2 * padding)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, max(0, band_top), image.width, image.height), fill=BAND_COLOR)
    for index, line in enumerate(lines):
        text = fit_text(draw, line, font, image.width - 2 * padding, cjk)
        draw.text(
            (padding, band_top + padding + index * line_height), text, font=font, fill=TEXT_COLOR
        )
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def stamp_band_height(image: Image.Image, stamp: EvidenceStamp) -> int:
    font, cjk = stamp_font(font_size_for(image))
    line_height, padding = _line_metrics(font)
    return len(stamp.lines(cjk)) * line_height + 2 * padding


def font_size_for(image: Image.Image) -> int:
    return max(12, round(image.width / 50))


def _line_metrics(font) -> tuple[int, int]:
    size = int(getattr(font, "size", 11))
    return round(size * 1.3), max(4, size // 2)


def fit_text(draw: ImageDraw.ImageDraw, text: str, font, max_width: int, cjk: bool) -> str:
    """``text`` shortened with an ellipsis until it fits ``max_width`` pixels."""
    ellipsis = "…" if cjk else "..."
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + ellipsis, font=font) > max_width:
        text = text[:-1]
    return text + ellipsis


def stamp_font(size: int):
    """(font, True) with a CJK font installed, else (Pillow's default font, False)."""
    path = find_cjk_font()
    if path is not None:
        return _truetype(path, size), True
    return ImageFont.load_default(size=size), False


@functools.lru_cache(maxsize=32)
def _truetype(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def find_cjk_font() -> str | None:
    for candidate in (os.environ.get(CJK_FONT_ENV), *CJK_FONT_CANDIDATES):
        if candidate and _loadable(candidate):
            return candidate
    return None


@functools.lru_cache(maxsize=16)
def _loadable(path: str) -> bool:
    try:
        ImageFont.truetype(path, 12)
    except OSError:
        return False
    return True
