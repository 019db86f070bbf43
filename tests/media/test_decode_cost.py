"""What decoding may cost (security issue #13, row 13): images far smaller than their pixels
are refused from the header, and decodes run a bounded number at a time."""

import io
import threading
import time

import pytest
from PIL import Image, ImageFile

from media.errors import DecoderBusy, ImplausibleCompression
from media.imaging import DecodeSlots
from media.intake import inspect_image
from tests.media.test_intake import png_claiming


@pytest.fixture
def decoding_forbidden(monkeypatch):
    def refuse(self):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def saved(tmp_path, image: Image.Image, image_format: str, name: str, **options):
    path = tmp_path / name
    image.save(path, image_format, **options)
    return path


def test_a_small_file_declaring_many_pixels_is_refused_before_decoding(
    tmp_path, decoding_forbidden
):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(6000, 6000))  # within the 50 MP budget, 108 MB decoded

    with pytest.raises(ImplausibleCompression) as caught:
        inspect_image(path)

    assert caught.value.http_status == 422 and caught.value.field == "file"
    assert "6000x6000" in caught.value.detail


def test_a_flat_webp_of_a_few_bytes_is_refused(tmp_path):
    path = saved(
        tmp_path, Image.new("RGB", (1000, 1000), "white"), "WEBP", "flat.webp", lossless=True
    )
    assert path.stat().st_size < 1024

    with pytest.raises(ImplausibleCompression):
        inspect_image(path, ratio_free_bytes=1024 * 1024)
    assert inspect_image(path).width == 1000  # below the free bytes any ratio is accepted


def test_a_dark_twelve_megapixel_photo_is_accepted(tmp_path):
    """The photo a phone takes in the dark compresses best of all genuine ones."""
    dark = Image.effect_noise((4032, 3024), 2).point(lambda value: value // 16)
    path = saved(tmp_path, Image.merge("RGB", [dark] * 3), "JPEG", "dark.jpg", quality=95)

    assert inspect_image(path).width == 4032


def test_decode_slots_bound_how_many_decode_at_once():
    slots = DecodeSlots(2)
    running, most = [], []
    guard = threading.Lock()

    def decode():
        with slots.hold():
            with guard:
                running.append(1)
                most.append(len(running))
            time.sleep(0.05)
            with guard:
                running.pop()

    threads = [threading.Thread(target=decode) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert max(most) == 2


def test_waiting_beyond_the_timeout_is_decoder_busy():
    slots = DecodeSlots(1)
    with slots.hold():
        started = time.monotonic()
        with pytest.raises(DecoderBusy) as caught, slots.hold(timeout=0.05):
            pass
    assert time.monotonic() - started < 2
    assert caught.value.http_status == 503 and caught.value.retry_after > 0
    with slots.hold(timeout=0.05):  # released again
        pass


def test_a_slot_is_released_when_the_decode_fails():
    slots = DecodeSlots(1)
    with pytest.raises(OSError), slots.hold():
        Image.open(io.BytesIO(b"not an image"))
    with slots.hold(timeout=0.05):
        pass
