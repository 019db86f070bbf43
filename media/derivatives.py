"""Thumbnails and previews: small JPEGs carrying pixels only (no EXIF, no GPS, no ICC)."""

from __future__ import annotations

import io
import math
import os
from typing import BinaryIO

from PIL import Image, ImageOps

from media.errors import CorruptImage
from media.imaging import DECODE_ERRORS, DEFAULT_MAX_PIXELS, JPEG_FORMATS, open_image
from media.stamp import EvidenceStamp, apply_stamp
from media.storage import Storage, derivative_key

VARIANT_LONGEST_SIDE = {"preview": 1600, "thumb": 320}
JPEG_QUALITY = 82
RESAMPLING = Image.Resampling.LANCZOS
# Resize in two steps (box reduce, then Lanczos) when shrinking more than this factor: faster,
# visually the same at these sizes.
REDUCING_GAP = 2.0


def make_derivatives(
    source: str | os.PathLike[str] | BinaryIO,
    storage: Storage,
    sha256: str,
    stamp: EvidenceStamp | None = None,
    full_decode: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> dict[str, str]:
    """Render and store every variant; returns ``{variant: key}``.

    The image is decoded once, at the strongest JPEG draft reduction (1/2, 1/4, 1/8) that still
    covers the preview (``full_decode=True`` switches that off; only the benchmark uses it).
    The thumb is cut from the unstamped preview-sized image. A ``stamp`` is drawn on the preview
    only.
    """
    keys = {}
    for variant, image in render_variants(source, stamp, full_decode, max_pixels).items():
        key = derivative_key(sha256, variant)
        storage.put_file(key, io.BytesIO(encode_jpeg(image)), content_type="image/jpeg")
        keys[variant] = key
    return keys


def render_variants(
    source,
    stamp: EvidenceStamp | None = None,
    full_decode: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> dict[str, Image.Image]:
    base = load_upright(source, VARIANT_LONGEST_SIDE["preview"], full_decode, max_pixels)
    preview = fit_within(base, VARIANT_LONGEST_SIDE["preview"])
    thumb = fit_within(preview, VARIANT_LONGEST_SIDE["thumb"])
    if stamp is not None:
        preview = apply_stamp(preview, stamp)
    return {"thumb": thumb, "preview": preview}


def load_upright(
    source, longest_side: int, full_decode: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Image.Image:
    """Decode ``source`` as RGB, no larger than needed for ``longest_side``, EXIF-rotated."""
    with open_image(source, max_pixels=max_pixels) as image:
        if not full_decode:
            request_draft(image, longest_side)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except DECODE_ERRORS as error:
            raise CorruptImage(f"cannot decode the image: {error}", field="file") from None
        rgb = to_rgb(upright)
        rgb.info = {}  # drop EXIF, ICC, comments: JPEG save would copy a comment from info
        return rgb


def request_draft(image: Image.Image, longest_side: int):
    """Ask the JPEG decoder for the largest 1/2, 1/4 or 1/8 reduction still >= the target.

    Returns what ``Image.draft`` returns: ``None`` when the format has no reduced decoding
    (PNG, WebP, HEIF) or no reduction fits, else ``(mode, box)``.
    """
    if image.format not in JPEG_FORMATS:
        return None
    return image.draft("RGB", target_size(image.size, longest_side))


def target_size(size: tuple[int, int], longest_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, longest_side / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def fit_within(image: Image.Image, longest_side: int) -> Image.Image:
    size = target_size(image.size, longest_side)
    if size == image.size:
        return image.copy()
    return image.resize(size, RESAMPLING, reducing_gap=REDUCING_GAP)


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white rather than black."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I"):  # 16-bit greyscale PNG: scale to 8 bits, do not clip
        eight_bit = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
        return eight_bit.convert("RGB")
    return image.convert("RGB")


def encode_jpeg(image: Image.Image) -> bytes:
    # Neither exif= nor icc_profile= is passed: the derivative is bare pixels.
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()
