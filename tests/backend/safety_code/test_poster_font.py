"""The poster on a fresh machine: without the configured CJK font it falls back to the bundled
subset of WenQuanYi Zen Hei and still names the enterprise in real text."""

import io

from pypdf import PdfReader

from backend.core import pdf


def test_the_poster_renders_with_the_bundled_font_when_the_configured_one_is_missing(
    app, client, world, tmp_path
):
    app.config["POSTER_FONT"] = str(tmp_path / "no-such-font.ttc")
    ent = world["enterprises"]["ent"]
    response = client.get(
        f"/api/v1/enterprises/{ent.id}/poster.pdf", headers=world["headers"]["supervisor"]
    )
    assert response.status_code == 200, response.data[:300]
    with app.app_context():
        assert pdf.font_file() == pdf.BUNDLED_FONT
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in (ent.name, ent.uscc, "常 安 码", "扫码查看企业安全状态"):
        assert expected in text, expected


def test_the_bundled_font_stays_small_and_carries_its_licence():
    fonts = pdf.BUNDLED_FONT.parent
    assert pdf.BUNDLED_FONT.stat().st_size < 3_000_000
    assert (fonts / "GPL-2.txt").is_file()
    assert "font embedding exception" in (fonts / "README.md").read_text(encoding="utf-8")
