"""Opening images safely: only the accepted formats, with the pixel budget checked first."""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from typing import BinaryIO

import pillow_heif
from PIL import Image

from media.errors import CorruptImage, DecoderBusy, ImageTooLarge, ImplausibleCompression

pillow_heif.register_heif_opener()

DEFAULT_MAX_PIXELS = 50_000_000
# A decompression bomb is a small file declaring many pixels. Decoded bytes (pixels x channels)
# per stored byte (bench/photos/README.md): phone-like photos measure 6-68 in JPEG and 11-37 in
# HEIC; JPEG cannot exceed ~192 at all (every 8x8 block costs bits: a uniform frame is 191);
# the bombs are 943 (PNG) and 75,000 (WebP). Below DEFAULT_RATIO_FREE_BYTES decoded
# (a 12 MP RGB photo is 36 MB) any ratio is accepted: that decode is affordable, and flat
# images (a screenshot, a uniform 12 MP HEIC at 4,666) compress that well.
DEFAULT_MAX_DECODE_RATIO = 400
DEFAULT_RATIO_FREE_BYTES = 64 * 1024 * 1024
RETRY_AFTER_BUSY_SECONDS = 2
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


def check_compression_ratio(
    image: Image.Image,
    stored_bytes: int,
    max_ratio: float = DEFAULT_MAX_DECODE_RATIO,
    free_bytes: int = DEFAULT_RATIO_FREE_BYTES,
) -> None:
    """Refuse an image that decodes to more than ``free_bytes`` and to more than ``max_ratio``
    decoded bytes (pixels x channels) per stored byte: the cost of decoding it is out of all
    proportion to what was uploaded. Read from the header; nothing is decoded."""
    width, height = image.size
    decoded = width * height * len(image.getbands())
    if decoded > free_bytes and decoded > max_ratio * max(stored_bytes, 1):
        image.close()
        raise ImplausibleCompression(
            f"image declares {width}x{height} pixels ({decoded} bytes decoded) in "
            f"{stored_bytes} bytes; above {free_bytes} bytes decoded at most {max_ratio:g} "
            "decoded bytes per stored byte are accepted",
            field="file",
        )


class DecodeSlots:
    """At most ``size`` image decodes at once in this process. One decode within the pixel
    budget may hold ~200 MB of pixels, so it is parallel decodes that exhaust memory."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._semaphore = threading.BoundedSemaphore(size)

    @contextlib.contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[None]:
        """A slot for the block; ``DecoderBusy`` after ``timeout`` seconds (None: wait on)."""
        if not self._semaphore.acquire(timeout=timeout):
            raise DecoderBusy(
                f"the server is decoding {self.size} other images; retry shortly",
                retry_after=RETRY_AFTER_BUSY_SECONDS,
            )
        try:
            yield
        finally:
            self._semaphore.release()
