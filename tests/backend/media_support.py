"""Helpers for the media API tests: photos made with Pillow, records to attach them to."""

import hashlib
import io
import itertools
import struct
import zlib
from datetime import date
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from backend.models import ChecklistVersion, Finding, Hazard, Inspection
from backend.photos.services import attach_photos
from tests.media.conftest import camera_exif, image_bytes, photo_like

_ids = itertools.count(1)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jpeg(size=(640, 480), exif=None, quality=90) -> bytes:
    """A photo-like JPEG; noise makes every call's bytes unique."""
    options = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    return image_bytes(photo_like(size), "JPEG", **options)


def marked_jpeg(orientation: int) -> bytes:
    """640x480, white with a red top-left corner, tagged with an EXIF orientation."""
    image = Image.new("RGB", (640, 480), "white")
    image.paste((255, 0, 0), (0, 0, 160, 120))
    image.putpixel((639, 479), (0, 0, 254))  # keeps bytes unique per orientation
    return image_bytes(image, "JPEG", quality=95, exif=camera_exif(orientation=orientation))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def put_photo(client, headers, data: bytes, sha256: str | None = None):
    return client.put(
        f"/api/v1/media/{sha256 or sha256_of(data)}",
        data=data,
        headers={**headers, "Content-Type": "image/jpeg"},
    )


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def stored_files(root: str | Path, sha256: str) -> list[Path]:
    """Every stored object (original or derivative) of these bytes under a local media root."""
    root = Path(root)
    candidates = [
        root / "originals" / sha256[:2] / sha256[2:],
        root / "thumb" / sha256[:2] / f"{sha256[2:]}.jpg",
        root / "preview" / sha256[:2] / f"{sha256[2:]}.jpg",
    ]
    return [path for path in candidates if path.exists()]


def finding_of(session, enterprise, inspector) -> Finding:
    version_id = session.scalar(select(ChecklistVersion.id).limit(1))
    number = next(_ids)
    inspection = Inspection(
        id=f"media-insp-{number}",
        enterprise_id=enterprise.id,
        checklist_version_id=version_id,
        kind="supervision",
        inspector_id=inspector.id,
    )
    finding = Finding(
        id=f"media-find-{number}",
        inspection_id=inspection.id,
        item_code="1.1",
        result="fail",
        recorded_by_id=inspector.id,
    )
    session.add(inspection)
    session.flush()
    session.add(finding)
    session.commit()
    return finding


def hazard_of(session, enterprise, reporter) -> Hazard:
    hazard = Hazard(
        id=f"media-hazard-{next(_ids)}",
        enterprise_id=enterprise.id,
        title="消防通道堵塞",
        grade="general",
        due_on=date(2030, 1, 1),
        reported_by_id=reporter.id,
    )
    session.add(hazard)
    session.commit()
    return hazard


def attach(session, user, owner_table: str, owner_id: str, sha256: str):
    photos = attach_photos(user, owner_table, owner_id, [sha256])
    session.commit()
    return photos
