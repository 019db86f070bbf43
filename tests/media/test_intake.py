import hashlib
import io
import random
import struct
import tracemalloc
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from media.errors import (
    CorruptImage,
    DigestMismatch,
    ImageTooLarge,
    InvalidDigest,
    MediaError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from media.intake import (
    CHUNK_SIZE,
    inspect_image,
    receive,
    receive_file,
    store_original,
)
from media.storage import original_key
from tests.media.conftest import (
    SHANGHAI_LATITUDE,
    SHANGHAI_LONGITUDE,
    camera_exif,
    image_bytes,
    photo_like,
    sha256_of,
)

# --- streaming intake -----------------------------------------------------------------------


PATTERN = bytes(range(256)) * 1024


class StrictStream:
    """A request body that only allows bounded reads and produces ``total`` bytes lazily."""

    def __init__(self, total: int, fail_after: int | None = None):
        self.total = total
        self.sent = 0
        self.fail_after = fail_after
        self.largest_read = 0
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        if size is None or size < 0 or size > CHUNK_SIZE:
            raise AssertionError(f"unbounded read({size!r}) would buffer the whole body")
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise ConnectionResetError("client went away")
        start = self.sent % 256
        chunk = PATTERN[start : start + min(size, self.total - self.sent)]
        self.sent += len(chunk)
        self.largest_read = max(self.largest_read, len(chunk))
        self.digest.update(chunk)
        return chunk


def spool_files(folder):
    return list(folder.iterdir())


def test_receive_hashes_while_spooling_in_bounded_chunks(tmp_path, storage):
    spool = tmp_path / "spool"
    stream = StrictStream(total=3 * 1024 * 1024 + 17)

    received = receive(stream, storage, spool_dir=spool)

    assert received.size == 3 * 1024 * 1024 + 17
    assert received.sha256 == stream.digest.hexdigest()
    assert received.path.parent == spool
    assert sha256_of(received.path.read_bytes()) == received.sha256
    assert 0 < stream.largest_read <= CHUNK_SIZE


def test_receive_memory_does_not_grow_with_the_upload(tmp_path):
    stream = StrictStream(total=24 * 1024 * 1024)
    tracemalloc.start()
    try:
        received = receive(stream, None, max_bytes=32 * 1024 * 1024, spool_dir=tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received.size == 24 * 1024 * 1024
    assert peak < 2 * 1024 * 1024


def test_receive_spools_next_to_local_storage_by_default(storage):
    with receive(io.BytesIO(b"abc"), storage) as received:
        assert received.path.parent == storage.spool_dir
    assert not received.path.exists()  # the context manager discards the spool file


def test_digest_mismatch_removes_the_spool_file_and_stores_nothing(tmp_path, storage, stored_files):
    spool = tmp_path / "spool"
    with pytest.raises(DigestMismatch) as caught:
        receive(io.BytesIO(b"tampered"), storage, expected_sha256="0" * 64, spool_dir=spool)

    assert caught.value.field == "sha256"
    assert caught.value.actual == sha256_of(b"tampered")
    assert spool_files(spool) == []
    assert stored_files() == []


def test_expected_digest_is_case_insensitive(tmp_path):
    received = receive(io.BytesIO(b"x"), None, sha256_of(b"x").upper(), spool_dir=tmp_path)
    assert received.sha256 == sha256_of(b"x")


def test_malformed_expected_digest_is_refused_before_reading(tmp_path):
    stream = StrictStream(total=10)
    with pytest.raises(InvalidDigest):
        receive(stream, None, expected_sha256="not-a-digest", spool_dir=tmp_path)
    assert stream.sent == 0


def test_oversized_upload_is_cut_off_and_removed(tmp_path):
    stream = StrictStream(total=10 * CHUNK_SIZE)
    with pytest.raises(PayloadTooLarge):
        receive(stream, None, max_bytes=3 * CHUNK_SIZE, spool_dir=tmp_path)
    assert stream.sent <= 4 * CHUNK_SIZE  # stopped reading right after the limit
    assert spool_files(tmp_path) == []


def test_interrupted_body_leaves_no_spool_file(tmp_path):
    with pytest.raises(ConnectionResetError):
        receive(StrictStream(total=10**6, fail_after=2 * CHUNK_SIZE), None, spool_dir=tmp_path)
    assert spool_files(tmp_path) == []


def test_receive_file_hashes_in_place(write_file):
    path = write_file(b"finished tus upload")
    received = receive_file(path, expected_sha256=sha256_of(b"finished tus upload"))
    assert received.path == path
    assert received.size == len(b"finished tus upload")
    with pytest.raises(DigestMismatch):
        receive_file(path, expected_sha256="f" * 64)


def test_same_bytes_are_stored_once(make_photo, storage, stored_files, monkeypatch):
    photo = make_photo("JPEG")
    first = receive(io.BytesIO(photo.read_bytes()), storage)
    second = receive(io.BytesIO(photo.read_bytes()), storage)
    puts = []
    original_put = storage.put_file

    def counting_put(*args, **kwargs):
        puts.append(args[0])
        original_put(*args, **kwargs)

    monkeypatch.setattr(storage, "put_file", counting_put)

    first_key = store_original(first, storage, content_type="image/jpeg")
    second_key = store_original(second, storage, content_type="image/jpeg")

    assert first_key == second_key == original_key(first.sha256)
    assert len(puts) == 1
    assert stored_files() == [storage.path(first_key)]


def test_original_is_stored_byte_exact(make_photo, storage):
    photo = make_photo("JPEG", exif=camera_exif(orientation=6))
    with receive(io.BytesIO(photo.read_bytes()), storage) as received:
        key = store_original(received, storage)
    assert storage.open(key).read() == photo.read_bytes()


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "mime"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")],
)
def test_accepted_formats(make_photo, image_format, mime):
    info = inspect_image(make_photo(image_format, size=(320, 200)))
    assert (info.format, info.mime) == (image_format, mime)
    assert (info.width, info.height) == (320, 200)


def _pdf_bytes() -> bytes:
    return image_bytes(photo_like((50, 50)), "PDF")


@pytest.mark.parametrize(
    "make_bytes",
    [
        lambda: image_bytes(photo_like((50, 50)), "GIF"),
        lambda: image_bytes(photo_like((50, 50)), "TIFF"),
        lambda: image_bytes(photo_like((50, 50)), "BMP"),
        _pdf_bytes,
        lambda: "隐患照片说明 — not an image\n".encode(),
    ],
    ids=["gif", "tiff", "bmp", "pdf", "text"],
)
def test_other_files_are_refused_as_unsupported(write_file, make_bytes):
    with pytest.raises(UnsupportedMediaType) as caught:
        inspect_image(write_file(make_bytes()))
    error = caught.value
    assert isinstance(error, MediaError)
    assert (error.code, error.field, error.http_status) == ("unsupported_media_type", "file", 415)
    assert error.detail.isascii()


def test_empty_file_is_corrupt(write_file):
    with pytest.raises(CorruptImage):
        inspect_image(write_file(b""))


# --- truncated and corrupt files -------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.9, -2], ids=["half", "most", "all-but-eoi"])
def test_truncated_jpeg_is_refused(make_photo, write_file, keep, monkeypatch):
    data = make_photo("JPEG", size=(800, 600), quality=90).read_bytes()
    cut = data[:keep] if isinstance(keep, int) else data[: int(len(data) * keep)]
    assert Image.open(io.BytesIO(cut)).verify() is None  # verify() alone lets it through
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)

    with pytest.raises(CorruptImage) as caught:
        inspect_image(write_file(cut))
    assert caught.value.http_status == 422


def _noisy_jpeg(seed: int, size=(800, 600)) -> bytes:
    """A photo-like JPEG from a seeded noise, the same bytes on every run."""
    noise = Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))
    gradient = Image.linear_gradient("L").resize(size)
    green = gradient.rotate(90).resize(size)
    image = Image.merge("RGB", (Image.blend(noise, gradient, 0.5), green, noise))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_a_jpeg_cut_just_before_its_end_marker_is_refused_even_when_libjpeg_completes_it(
    write_file, monkeypatch
):
    """With this seed the scan data end on a whole block: libjpeg decodes the cut file without
    complaint (the random photos of the test above did so about one run in forty)."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    whole = _noisy_jpeg(74)
    assert inspect_image(write_file(whole)).format == "JPEG"
    with pytest.raises(CorruptImage) as caught:
        inspect_image(write_file(whole[:-2]))
    assert caught.value.http_status == 422
    # A trailer after the end marker (a phone's, a motion photo's video) is not a cut.
    trailer = b"MotionPhoto" + b"\xff\xda\x00\x08" * 64  # markers' bytes by chance
    assert inspect_image(write_file(whole + trailer)).format == "JPEG"


def test_the_end_marker_check_reads_a_large_photo_in_chunks(write_file):
    """A motion photo carries its video after the JPEG: looking for the end marker must not
    hold the whole file in memory."""
    path = write_file(_noisy_jpeg(74) + b"\x00" * (20 * 1024 * 1024))
    tracemalloc.start()
    try:
        assert inspect_image(path).format == "JPEG"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_truncated_png_and_heic_are_refused(make_photo, write_file):
    for image_format in ("PNG", "HEIF"):
        data = make_photo(image_format, size=(400, 300)).read_bytes()
        with pytest.raises(CorruptImage):
            inspect_image(write_file(data[: len(data) // 2]))


def test_jpeg_with_damaged_header_is_corrupt_not_unsupported(write_file):
    with pytest.raises(CorruptImage):
        inspect_image(write_file(b"\xff\xd8\xff\xe0" + b"\x00" * 200))


# --- decompression bombs ---------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


@pytest.fixture
def decoding_forbidden(monkeypatch):
    def refuse(self):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize("dimensions", [(30000, 30000), (8000, 8000)])
def test_bomb_is_refused_from_the_header_before_decoding(
    write_file, decoding_forbidden, monkeypatch, dimensions
):
    # Pillow's own guard may be switched off by someone; ours must not depend on it.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    path = write_file(png_claiming(*dimensions), ".png")
    assert path.stat().st_size < 200

    with pytest.raises(ImageTooLarge) as caught:
        inspect_image(path)
    assert caught.value.http_status == 413


def test_bomb_beyond_pillows_own_limit_is_still_an_image_too_large(write_file, decoding_forbidden):
    with pytest.raises(ImageTooLarge):
        inspect_image(write_file(png_claiming(30000, 30000), ".png"))


def test_pixel_limit_is_configurable(make_photo):
    photo = make_photo("JPEG", size=(200, 100))
    assert inspect_image(photo, max_pixels=20_000).width == 200
    with pytest.raises(ImageTooLarge):
        inspect_image(photo, max_pixels=19_999)


# --- EXIF -----------------------------------------------------------------------------------


def test_exif_time_gps_and_device_are_read(make_photo):
    info = inspect_image(make_photo("JPEG", exif=camera_exif(orientation=6)))

    assert info.taken_at == datetime(2024, 5, 1, 14, 3, 22, tzinfo=timezone(timedelta(hours=8)))
    assert info.latitude == pytest.approx(SHANGHAI_LATITUDE, abs=1e-6)
    assert info.longitude == pytest.approx(SHANGHAI_LONGITUDE, abs=1e-6)
    assert (info.device_make, info.device_model) == ("HUAWEI", "ELS-AN00")
    assert info.orientation == 6
    assert (info.width, info.height) == (640, 480)
    assert info.display_size == (480, 640)


def test_exif_time_without_offset_is_naive(make_photo):
    info = inspect_image(make_photo("JPEG", exif=camera_exif(offset=None)))
    assert info.taken_at == datetime(2024, 5, 1, 14, 3, 22)
    assert info.taken_at.tzinfo is None


def test_southern_and_western_coordinates_are_negative(make_photo):
    gps = {
        1: "S",
        2: (33.0, 52.0, 4.0),
        3: "W",
        4: (151.0, 12.0, 36.0),
    }
    info = inspect_image(make_photo("JPEG", exif=camera_exif(gps=gps)))
    assert info.latitude == pytest.approx(-(33 + 52 / 60 + 4 / 3600), abs=1e-6)
    assert info.longitude == pytest.approx(-(151 + 12 / 60 + 36 / 3600), abs=1e-6)


def test_photo_without_exif_has_empty_fields(make_photo):
    info = inspect_image(make_photo("PNG"))
    assert info.taken_at is None
    assert info.latitude is None and info.longitude is None
    assert info.device_make is None and info.device_model is None
    assert info.orientation == 1


def test_blank_exif_time_and_zero_denominators_are_ignored(make_photo):
    zero_by_zero = IFDRational(0, 0)
    gps = {1: "N", 2: (IFDRational(31), zero_by_zero, IFDRational(0))}
    exif = camera_exif(taken_at="    :  :     :  :  ", gps=gps)
    info = inspect_image(make_photo("JPEG", exif=exif))
    assert info.taken_at is None
    assert info.latitude is None


def test_heic_exif_is_read(make_photo):
    info = inspect_image(make_photo("HEIF", exif=camera_exif(orientation=1).tobytes()))
    assert info.format == "HEIF"
    assert info.device_model == "ELS-AN00"
    assert info.latitude == pytest.approx(SHANGHAI_LATITUDE, abs=1e-6)
    assert info.taken_at == datetime(2024, 5, 1, 14, 3, 22, tzinfo=timezone(timedelta(hours=8)))
