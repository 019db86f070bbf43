"""The documents as PDF, in the CJK font: the number, the party and each item's basis are in
the text (read back with pypdf)."""

import io

from pypdf import PdfReader


def pdf_text(response) -> str:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    # Long lines wrap: compare without the line breaks.
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_the_order_pdf_has_number_party_and_each_items_basis(client, world, make_order):
    order = make_order()
    text = pdf_text(
        client.get(
            f"/api/v1/enforcement/orders/{order.id}/document.pdf",
            headers=world["headers"]["manager"],
        )
    )
    assert "责令限期整改指令书" in text
    assert order.number in text
    assert world["enterprises"]["ent"].name in text
    for item in order.items:
        assert item["legal_basis"].replace(" ", "") in text.replace(" ", "")
    assert "王执法" in text and "赵执法" in text
    assert "D区应急管理局" in text


def test_the_decision_pdf_has_number_party_basis_and_amount(client, world, make_decision):
    decision = make_decision()
    text = pdf_text(
        client.get(
            f"/api/v1/enforcement/penalty-decisions/{decision.id}/document.pdf",
            headers=world["headers"]["supervisor"],
        )
    )
    assert "行政处罚决定书" in text
    assert decision.number in text
    assert decision.party_name in text and decision.party_uscc in text
    assert decision.legal_basis in text
    assert "20000.00" in text and "警告、罚款" in text


def test_a_missing_font_is_a_503_not_a_500(app, client, world, make_decision, monkeypatch):
    from reportlab.pdfbase import pdfmetrics

    from backend.core import pdf

    decision = make_decision()
    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: [])
    monkeypatch.setitem(app.config, "POSTER_FONT", "/nonexistent/font.ttc")
    monkeypatch.setattr(pdf, "BUNDLED_FONT", pdf.Path("/nonexistent/bundled.ttf"))
    response = client.get(
        f"/api/v1/enforcement/penalty-decisions/{decision.id}/document.pdf",
        headers=world["headers"]["supervisor"],
    )
    assert response.status_code == 503
