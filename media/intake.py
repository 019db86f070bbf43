"""Photo intake: stream to a spool file while hashing, validate, read EXIF, store the original."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image

from media.errors import CorruptImage, DigestMismatch, PayloadTooLarge, UnsupportedMediaType
from media.imaging import (
    DECODE_ERRORS,
    DEFAULT_MAX_DECODE_RATIO,
    DEFAULT_MAX_PIXELS,
    DEFAULT_RATIO_FREE_BYTES,
    JPEG_FORMATS,
    check_compression_ratio,
    open_image,
)
from media.storage import Storage, normalize_sha256, original_key

CHUNK_SIZE = 64 * 1024
DEFAULT_MAX_BYTES = 32 * 1024 * 1024

HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

TAG_ORIENTATION = 0x0112
TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_OFFSET_TIME_DIGITIZED = 0x9012
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


@dataclass(frozen=True)
class Received:
    """Bytes spooled to ``path``; the caller owns the file and should ``discard()`` it."""

    sha256: str
    size: int
    path: Path

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Received:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime: str
    width: int
    height: int
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    device_make: str | None
    device_model: str | None
    orientation: int

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown, after the EXIF orientation is applied."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


# --- receiving ------------------------------------------------------------------------------


def receive(
    stream: BinaryIO,
    storage: Storage | None = None,
    expected_sha256: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    spool_dir: str | os.PathLike[str] | None = None,
) -> Received:
    """Copy ``stream`` to a spool file in ``CHUNK_SIZE`` reads while hashing it.

    Memory stays flat whatever the size. The spool file is removed again on any failure.
    Without ``spool_dir`` the storage's own spool folder is used when it has one (same
    filesystem as the objects), else the system temp folder.
    """
    expected = normalize_sha256(expected_sha256) if expected_sha256 is not None else None
    spool = _spool_folder(storage, spool_dir)
    fd, name = tempfile.mkstemp(dir=spool, prefix="upload-", suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as spool_file:
            sha256, size = _copy_hashing(stream, spool_file, max_bytes)
        if expected is not None and sha256 != expected:
            raise DigestMismatch(expected, sha256)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(sha256=sha256, size=size, path=path)


def receive_file(path: str | os.PathLike[str], expected_sha256: str | None = None) -> Received:
    """Hash a file that is already on local disk (a finished tus upload) without copying it."""
    expected = normalize_sha256(expected_sha256) if expected_sha256 is not None else None
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    sha256 = digest.hexdigest()
    if expected is not None and sha256 != expected:
        raise DigestMismatch(expected, sha256)
    return Received(sha256=sha256, size=size, path=Path(path))


def _spool_folder(storage, spool_dir) -> Path:
    folder = spool_dir or getattr(storage, "spool_dir", None) or tempfile.gettempdir()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _copy_hashing(stream: BinaryIO, target: BinaryIO, max_bytes: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"upload exceeds {max_bytes} bytes", field="file")
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def store_original(received: Received, storage: Storage, content_type: str | None = None) -> str:
    """Store the spooled bytes unchanged under their content address; a no-op when present."""
    key = original_key(received.sha256)
    if not storage.exists(key):
        storage.put_file(key, received.path, content_type=content_type)
    return key


# --- validation -----------------------------------------------------------------------------


def inspect_image(
    path: str | os.PathLike[str],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_ratio: float = DEFAULT_MAX_DECODE_RATIO,
    ratio_free_bytes: int = DEFAULT_RATIO_FREE_BYTES,
) -> ImageInfo:
    """Validate an uploaded photo and read what the evidence record needs from it.

    Order matters: sniff the format from the magic bytes, read the header and refuse images
    above ``max_pixels`` or with an implausible compression ratio (``check_compression_ratio``)
    before any pixel is decoded, then decode the whole image so that truncated or corrupt
    files are caught here and not later when derivatives are made.
    """
    image_format, mime = sniff_format(path)
    image = open_image(path, formats=(image_format,), max_pixels=max_pixels)
    check_compression_ratio(image, os.path.getsize(path), max_ratio, ratio_free_bytes)
    with image:
        width, height = image.size  # from the header: a JPEG draft shrinks image.size
        decode_all_data(image, path)
        exif = _read_exif(image)
        return ImageInfo(
            format=image_format,
            mime=mime,
            width=width,
            height=height,
            taken_at=_capture_time(exif),
            latitude=_gps_coordinate(exif, GPS_LATITUDE, GPS_LATITUDE_REF, "S", 90),
            longitude=_gps_coordinate(exif, GPS_LONGITUDE, GPS_LONGITUDE_REF, "W", 180),
            device_make=_text_tag(exif, TAG_MAKE),
            device_model=_text_tag(exif, TAG_MODEL),
            orientation=_orientation(exif),
        )


def sniff_format(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(Pillow format, mime type) from the file's magic bytes, or ``UnsupportedMediaType``."""
    with open(path, "rb") as source:
        head = source.read(32)
    if not head:
        raise CorruptImage("the uploaded file is empty", field="file")
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG", MIME_TYPES["JPEG"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG", MIME_TYPES["PNG"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP", MIME_TYPES["WEBP"]
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "HEIF", "image/heic" if head[8:12] in (b"heic", b"heix") else "image/heif"
    raise UnsupportedMediaType(
        "only JPEG, PNG, WebP and HEIC/HEIF photos are accepted", field="file"
    )


def decode_all_data(image: Image.Image, path: str | os.PathLike[str]) -> None:
    """Decode every byte of image data; raises ``CorruptImage`` for truncated/damaged files.

    ``verify()`` misses a JPEG cut short, so this really decodes. For JPEG it asks libjpeg for
    1/8 scale: the whole entropy-coded stream is still parsed (truncation is still detected)
    but the inverse DCT and the pixel buffer shrink 64-fold.
    """
    if image.format in JPEG_FORMATS:
        image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
    try:
        image.load()
    except DECODE_ERRORS as error:
        raise CorruptImage(f"image data is truncated or corrupt: {error}", field="file") from None
    if image.format in JPEG_FORMATS and not _has_end_marker(path):
        raise CorruptImage("image data is truncated: the JPEG has no end marker", field="file")


def _has_end_marker(path) -> bool:
    """True when an end-of-image marker (FFD9) follows the image's first scan. libjpeg quietly
    completes a file cut just before its end marker when the scan data happen to end on a
    whole block; this catches that cut. The segments before the scan (APPn with their EXIF
    thumbnail) are stepped over by their lengths; within scan data a 0xFF byte is always
    stuffed, so the marker cannot appear there by chance, and data after it (a phone's
    trailer, a motion photo's video) do not matter. Read in chunks: memory stays flat
    however large the photo."""
    with open(path, "rb") as source:
        return _first_scan(source) and _found(source, b"\xff\xd9")


def _first_scan(source) -> bool:
    """Step the segment headers from SOI to the first start-of-scan (FFDA); True when found."""
    source.seek(2)  # after SOI
    while (header := source.read(2)) and header[0] == 0xFF:
        if header[1] == 0xFF:  # a fill byte: the marker is the next byte
            source.seek(-1, os.SEEK_CUR)
            continue
        if header[1] == 0xDA:
            return True
        length = source.read(2)
        if len(length) < 2:
            return False
        source.seek(int.from_bytes(length, "big") - 2, os.SEEK_CUR)
    return False


def _found(source, marker: bytes) -> bool:
    """Whether `marker` comes anywhere after the current position."""
    carried = b""
    while chunk := source.read(CHUNK_SIZE):
        if marker in carried + chunk:
            return True
        carried = chunk[-(len(marker) - 1) :]
    return False


# --- EXIF -----------------------------------------------------------------------------------


def _read_exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except DECODE_ERRORS:
        return None  # unreadable metadata never rejects a photo, it just yields no fields


def _exif_ifd(exif: Image.Exif | None, ifd: int) -> dict:
    if exif is None:
        return {}
    try:
        return exif.get_ifd(ifd) or {}
    except DECODE_ERRORS:
        return {}


def _orientation(exif: Image.Exif | None) -> int:
    value = exif.get(TAG_ORIENTATION) if exif is not None else None
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _text_tag(exif: Image.Exif | None, tag: int) -> str | None:
    value = exif.get(tag) if exif is not None else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def _capture_time(exif: Image.Exif | None) -> datetime | None:
    details = _exif_ifd(exif, ExifTags.IFD.Exif)
    for time_tag, offset_tag in (
        (TAG_DATETIME_ORIGINAL, TAG_OFFSET_TIME_ORIGINAL),
        (TAG_DATETIME_DIGITIZED, TAG_OFFSET_TIME_DIGITIZED),
    ):
        taken_at = parse_exif_datetime(details.get(time_tag), details.get(offset_tag))
        if taken_at is not None:
            return taken_at
    return None


def parse_exif_datetime(value, offset=None) -> datetime | None:
    """``'2024:05:01 14:03:22'`` (+ ``'+08:00'``) -> datetime; aware only with an offset."""
    text = _clean_text(value)
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _parse_utc_offset(_clean_text(offset))
    return moment.replace(tzinfo=zone) if zone else moment


def _parse_utc_offset(text: str | None) -> timezone | None:
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def _clean_text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip() or None


def _gps_coordinate(exif, value_tag: int, ref_tag: int, negative_ref: str, limit: float):
    gps = _exif_ifd(exif, ExifTags.IFD.GPSInfo)
    degrees = _degrees_from_dms(gps.get(value_tag))
    if degrees is None or degrees > limit:
        return None
    ref = _clean_text(gps.get(ref_tag)) or ""
    return -degrees if ref.upper() == negative_ref else degrees


def _degrees_from_dms(value) -> float | None:
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    try:
        parts = [float(part) for part in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(part != part or part < 0 for part in parts):  # NaN (0/0 rationals) or negative
        return None
    weights = (1, 60, 3600)
    return round(sum(part / weight for part, weight in zip(parts, weights, strict=False)), 7)
