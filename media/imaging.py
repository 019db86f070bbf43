"""Opening images safely: only the accepted formats, with the pixel budget checked first."""

from __future__ import annotations

import os
import warnings
from typing import BinaryIO

import pillow_heif
from PIL import Image

from media.errors import CorruptImage, ImageTooLarge

pillow_heif.register_heif_opener()

DEFAULT_MAX_PIXELS = 50_000_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
# Pillow reports multi-picture JPEGs (dual-camera phones) as MPO; they decode like JPEG.
JPEG_FORMATS = ("JPEG", "MPO")

# Errors Pillow and its plugins raise for files that are damaged or lie about themselves.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


def open_image(
    source: str | os.PathLike[str] | BinaryIO,
    formats: tuple[str, ...] = ACCEPTED_FORMATS,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Open (header only, nothing decoded yet) and refuse images above ``max_pixels``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source, formats=list(formats))
    except Image.DecompressionBombError:
        raise ImageTooLarge(_too_large_detail(max_pixels), field="file") from None
    except DECODE_ERRORS as error:
        raise CorruptImage(f"cannot read the image header: {error}", field="file") from None
    check_pixel_budget(image, max_pixels)
    return image


def check_pixel_budget(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise CorruptImage("image header declares no pixels", field="file")
    if width * height > max_pixels:
        image.close()
        raise ImageTooLarge(
            f"image is {width}x{height} pixels; {_too_large_detail(max_pixels)}", field="file"
        )


def _too_large_detail(max_pixels: int) -> str:
    return f"at most {max_pixels} pixels are accepted"
