import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from media import stamp as stamp_module
from media.derivatives import make_derivatives
from media.stamp import (
    CJK_FONT_CANDIDATES,
    EvidenceStamp,
    apply_stamp,
    find_cjk_font,
    stamp_band_height,
)
from media.storage import LocalStorage
from tests.media.conftest import sha256_of


@pytest.fixture
def evidence_stamp(shanghai_time) -> EvidenceStamp:
    return EvidenceStamp(
        time=shanghai_time,
        enterprise="上海浦江精细化工有限公司",
        inspector="王建国",
        latitude=31.230450,
        longitude=121.473700,
    )


@pytest.fixture
def no_cjk_font(monkeypatch):
    monkeypatch.delenv("XUNCHA_CJK_FONT", raising=False)
    monkeypatch.setattr(stamp_module, "CJK_FONT_CANDIDATES", ("/nonexistent/font.ttc",))


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(first, second)).mean) / 3


def read_image(storage, key) -> Image.Image:
    with storage.open(key) as stored:
        return Image.open(io.BytesIO(stored.read())).convert("RGB")


def test_stamp_alters_only_the_preview_band(make_photo, tmp_path, evidence_stamp):
    photo = make_photo("JPEG", size=(2400, 1800), quality=90)
    original_bytes = photo.read_bytes()
    digest = sha256_of(original_bytes)
    plain, stamped = LocalStorage(tmp_path / "plain"), LocalStorage(tmp_path / "stamped")

    plain_keys = make_derivatives(photo, plain, digest)
    stamped_keys = make_derivatives(photo, stamped, digest, stamp=evidence_stamp)

    assert photo.read_bytes() == original_bytes
    assert stamped.open(stamped_keys["thumb"]).read() == plain.open(plain_keys["thumb"]).read()

    before = read_image(plain, plain_keys["preview"])
    after = read_image(stamped, stamped_keys["preview"])
    band = stamp_band_height(before, evidence_stamp)
    assert 0 < band < before.height // 3
    top = (0, 0, before.width, before.height - band - 16)
    bottom = (0, before.height - band, before.width, before.height)
    assert mean_difference(before.crop(top), after.crop(top)) < 1.0
    assert mean_difference(before.crop(bottom), after.crop(bottom)) > 20
    # semi-transparent: the band darkens the photo but does not blot it out
    band_pixels = after.crop((before.width - 40, before.height - 20, before.width, before.height))
    assert ImageStat.Stat(band_pixels).stddev[0] > 0


def test_apply_stamp_returns_a_new_image(evidence_stamp):
    image = Image.new("RGB", (800, 600), (200, 200, 200))
    stamped = apply_stamp(image, evidence_stamp)
    assert image.getpixel((400, 599)) == (200, 200, 200)
    assert stamped.size == image.size and stamped.mode == "RGB"
    assert stamped.getpixel((799, 599))[0] < 150  # darkened band, right edge (no text there)
    assert stamped.getpixel((400, 10)) == (200, 200, 200)


def test_cjk_text_when_a_font_is_installed(evidence_stamp):
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-zenhei)")
    lines = evidence_stamp.lines(cjk=True)
    assert lines[0] == "2024-05-01 14:03:22 UTC+08:00  N31.230450 E121.473700"
    assert "上海浦江精细化工有限公司" in lines[1]
    assert "王建国" in lines[2]


def test_without_a_cjk_font_it_draws_ascii_only_and_never_crashes(no_cjk_font, evidence_stamp):
    assert find_cjk_font() is None
    lines = evidence_stamp.lines(cjk=False)
    assert all(line.isascii() for line in lines)
    assert lines == ["2024-05-01 14:03:22 UTC+08:00  N31.230450 E121.473700"]

    image = Image.new("RGB", (1600, 1200), (200, 200, 200))
    stamped = apply_stamp(image, evidence_stamp)
    assert mean_difference(image.crop((0, 1150, 1600, 1200)), stamped.crop((0, 1150, 1600, 1200)))


def test_font_from_environment_variable_wins(monkeypatch):
    installed = next((path for path in CJK_FONT_CANDIDATES if Path(path).is_file()), None)
    if installed is None:
        pytest.skip("no CJK font installed")
    monkeypatch.setattr(stamp_module, "CJK_FONT_CANDIDATES", ())
    monkeypatch.setenv("XUNCHA_CJK_FONT", installed)
    assert find_cjk_font() == installed
    monkeypatch.setenv("XUNCHA_CJK_FONT", "/nonexistent/font.ttf")
    assert find_cjk_font() is None


def test_long_names_are_shortened_to_fit(evidence_stamp, shanghai_time):
    long_name = EvidenceStamp(shanghai_time, "某" * 200, "检" * 50, None, None)
    image = Image.new("RGB", (320, 240), (90, 90, 90))
    assert apply_stamp(image, long_name).size == (320, 240)
    assert long_name.lines(cjk=False) == ["2024-05-01 14:03:22 UTC+08:00"]


def test_southern_western_position_and_naive_time(shanghai_time):
    naive = shanghai_time.replace(tzinfo=None)
    stamp = EvidenceStamp(naive, "E", "I", latitude=-33.5, longitude=-70.25)
    assert stamp.lines(cjk=False) == ["2024-05-01 14:03:22  S33.500000 W70.250000"]
