import io

import pytest
from PIL import Image, ImageDraw

from media import derivatives
from media.derivatives import load_upright, make_derivatives, request_draft
from media.errors import CorruptImage, ImageTooLarge
from media.intake import inspect_image
from media.storage import derivative_key
from tests.media.conftest import camera_exif, photo_like, sha256_of


def open_stored(storage, key) -> Image.Image:
    with storage.open(key) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
        return image


def test_thumb_and_preview_are_stored_under_their_keys(make_photo, storage):
    photo = make_photo("JPEG", size=(4000, 3000), quality=85)
    digest = sha256_of(photo.read_bytes())

    keys = make_derivatives(photo, storage, digest)

    assert keys == {
        "thumb": derivative_key(digest, "thumb"),
        "preview": derivative_key(digest, "preview"),
    }
    thumb, preview = open_stored(storage, keys["thumb"]), open_stored(storage, keys["preview"])
    assert (thumb.format, thumb.size) == ("JPEG", (320, 240))
    assert (preview.format, preview.size) == ("JPEG", (1600, 1200))


def test_derivatives_carry_no_exif_gps_or_icc_although_the_original_does(make_photo, storage):
    photo = make_photo(
        "JPEG",
        size=(1200, 900),
        exif=camera_exif(),
        icc_profile=b"\0" * 128,
        comment=b"inspector phone 13800138000",
    )
    assert inspect_image(photo).latitude is not None
    assert Image.open(photo).getexif().get_ifd(0x8825)

    keys = make_derivatives(photo, storage, sha256_of(photo.read_bytes()))

    for key in keys.values():
        image = open_stored(storage, key)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(0x8825) == {}
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        raw = storage.open(key).read()
        assert b"Exif\x00\x00" not in raw
        assert b"HUAWEI" not in raw
        assert b"13800138000" not in raw


def _marked_landscape(size=(400, 300)) -> Image.Image:
    """A landscape image, grey with a red square in its top-left corner."""
    image = Image.new("RGB", size, (128, 128, 128))
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(255, 0, 0))
    return image


def test_exif_orientation_is_applied(write_file, storage):
    # Orientation 6: the camera was held upright; viewers rotate the stored pixels 90° clockwise.
    buffer = io.BytesIO()
    _marked_landscape().save(buffer, "JPEG", exif=camera_exif(orientation=6), quality=95)
    photo = write_file(buffer.getvalue(), ".jpg")

    keys = make_derivatives(photo, storage, sha256_of(buffer.getvalue()))

    thumb = open_stored(storage, keys["thumb"])
    assert thumb.height > thumb.width
    assert thumb.size == (240, 320)
    red, green, _ = thumb.getpixel((thumb.width - 10, 10))  # top-left went to top-right
    assert red > 200 and green < 60
    red, green, _ = thumb.getpixel((10, 10))
    assert red < 160


def test_jpeg_is_decoded_at_reduced_scale(make_photo):
    photo = make_photo("JPEG", size=(3400, 2550), quality=85)

    with Image.open(photo) as image:
        mode, box = request_draft(image, 1600)
        assert box == (0, 0, 1700.0, 1275.0)  # libjpeg was asked for 1/2 scale

    assert load_upright(photo, 1600).size == (1700, 1275)
    assert load_upright(photo, 320).size == (425, 319)  # 1/8 scale for a thumbnail alone
    assert load_upright(photo, 1600, full_decode=True).size == (3400, 2550)


def test_make_derivatives_never_decodes_full_size(make_photo, storage, monkeypatch):
    photo = make_photo("JPEG", size=(4000, 3000), quality=85)
    decoded_sizes = []
    real_load_upright = derivatives.load_upright

    def spy(*args, **kwargs):
        image = real_load_upright(*args, **kwargs)
        decoded_sizes.append(image.size)
        return image

    monkeypatch.setattr(derivatives, "load_upright", spy)
    make_derivatives(photo, storage, "a" * 64)
    make_derivatives(photo, storage, "b" * 64, full_decode=True)

    assert decoded_sizes == [(2000, 1500), (4000, 3000)]


@pytest.mark.parametrize("image_format", ["PNG", "WEBP", "HEIF"])
def test_other_formats_get_derivatives_too(make_photo, storage, image_format):
    photo = make_photo(image_format, size=(1700, 850))
    keys = make_derivatives(photo, storage, "c" * 64)
    assert open_stored(storage, keys["preview"]).size == (1600, 800)
    assert open_stored(storage, keys["thumb"]).size == (320, 160)


def test_small_images_are_not_upscaled(make_photo, storage):
    keys = make_derivatives(make_photo("JPEG", size=(200, 150)), storage, "d" * 64)
    assert open_stored(storage, keys["preview"]).size == (200, 150)
    assert open_stored(storage, keys["thumb"]).size == (200, 150)


def test_transparent_png_gets_a_white_background(write_file, storage):
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    keys = make_derivatives(write_file(buffer.getvalue(), ".png"), storage, "e" * 64)
    assert open_stored(storage, keys["thumb"]).getpixel((50, 50)) == pytest.approx(
        (255, 255, 255), abs=2
    )


def test_sixteen_bit_png_is_scaled_not_clipped(write_file, storage):
    image = Image.new("I;16", (64, 64), 32768)  # mid grey in 16 bits
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    keys = make_derivatives(write_file(buffer.getvalue(), ".png"), storage, "f" * 64)
    red, _, _ = open_stored(storage, keys["thumb"]).getpixel((32, 32))
    assert red == pytest.approx(128, abs=3)


def test_corrupt_or_huge_sources_raise_media_errors(make_photo, write_file, storage):
    data = make_photo("JPEG", size=(800, 600)).read_bytes()
    with pytest.raises(CorruptImage):
        make_derivatives(write_file(data[: len(data) // 3]), storage, "a" * 64)
    with pytest.raises(ImageTooLarge):
        make_derivatives(make_photo("JPEG", size=(300, 300)), storage, "a" * 64, max_pixels=10)


def test_derivatives_accept_a_stream(make_photo, storage):
    data = make_photo("JPEG", size=(800, 600)).read_bytes()
    keys = make_derivatives(io.BytesIO(data), storage, sha256_of(data))
    assert open_stored(storage, keys["preview"]).size == (800, 600)


def test_multi_picture_jpeg_is_accepted_and_draft_decoded(write_file, storage):
    # Dual-camera phones write MPO: a JPEG followed by more JPEGs; Pillow calls it "MPO".
    buffer = io.BytesIO()
    first, second = photo_like((3400, 2550)), photo_like((3400, 2550))
    first.save(buffer, "MPO", save_all=True, append_images=[second], exif=camera_exif())
    photo = write_file(buffer.getvalue(), ".jpg")

    assert inspect_image(photo).mime == "image/jpeg"
    assert load_upright(photo, 1600).size == (1700, 1275)
    keys = make_derivatives(photo, storage, sha256_of(buffer.getvalue()))
    assert open_stored(storage, keys["preview"]).size == (1600, 1200)


def test_heic_rotation_is_applied_once(write_file, storage):
    # libheif applies the HEIF rotation itself and pillow-heif then reports Orientation 1,
    # so the upright image must not be rotated a second time.
    buffer = io.BytesIO()
    _marked_landscape().save(buffer, "HEIF", exif=camera_exif(orientation=6).tobytes())
    photo = write_file(buffer.getvalue(), ".heic")

    info = inspect_image(photo)
    keys = make_derivatives(photo, storage, sha256_of(buffer.getvalue()))

    assert (info.width, info.height, info.orientation) == (300, 400, 1)
    thumb = open_stored(storage, keys["thumb"])
    assert thumb.size == (240, 320)
    red, green, _ = thumb.getpixel((thumb.width - 10, 10))
    assert red > 200 and green < 60
