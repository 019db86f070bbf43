"""Fixtures for the media library: images are generated with Pillow, nothing binary is committed."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from media.storage import LocalStorage

SHANGHAI_GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (IFDRational(31), IFDRational(13), IFDRational(4842, 100)),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (IFDRational(121), IFDRational(28), IFDRational(2532, 100)),
}
SHANGHAI_LATITUDE = 31 + 13 / 60 + 48.42 / 3600
SHANGHAI_LONGITUDE = 121 + 28 / 60 + 25.32 / 3600


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def camera_exif(
    orientation: int = 1,
    taken_at: str | None = "2024:05:01 14:03:22",
    offset: str | None = "+08:00",
    gps: dict | None = None,
    make: str = "HUAWEI",
    model: str = "ELS-AN00",
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = model
    details = exif.get_ifd(ExifTags.IFD.Exif)
    if taken_at:
        details[ExifTags.Base.DateTimeOriginal] = taken_at
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(SHANGHAI_GPS if gps is None else gps)
    return exif


def photo_like(size: tuple[int, int]) -> Image.Image:
    """Noise over a gradient: compresses like a real photo, unlike a flat colour."""
    noise = Image.effect_noise(size, 40)
    gradient = Image.linear_gradient("L").resize(size)
    red = Image.blend(noise, gradient, 0.5)
    green = gradient.rotate(90).resize(size)
    return Image.merge("RGB", (red, green, noise))


def image_bytes(image: Image.Image, image_format: str, **save_options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_options)
    return buffer.getvalue()


@pytest.fixture
def write_file(tmp_path):
    """Factory: write bytes to a fresh file under tmp_path and return its path."""
    counter = iter(range(10_000))

    def write(data: bytes, suffix: str = ".bin") -> Path:
        path = tmp_path / f"file-{next(counter)}{suffix}"
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def make_photo(write_file):
    """Factory: a photo file of the given format, size and EXIF; returns its path."""

    def make(
        image_format: str = "JPEG",
        size: tuple[int, int] = (640, 480),
        exif: Image.Exif | None = None,
        **save_options,
    ) -> Path:
        if exif is not None:
            save_options["exif"] = exif
        data = image_bytes(photo_like(size), image_format, **save_options)
        return write_file(data, "." + image_format.lower())

    return make


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "objects")


@pytest.fixture
def stored_files(storage):
    """Factory: every object file under the storage root (temp spool excluded)."""

    def list_files() -> list[Path]:
        return sorted(
            path
            for path in storage.root.rglob("*")
            if path.is_file() and storage.spool_dir not in path.parents
        )

    return list_files


@pytest.fixture
def shanghai_time() -> datetime:
    return datetime.fromisoformat("2024-05-01T14:03:22+08:00")
