"""Commitments (承诺书) in the portal: the templates the enterprise signs and those signed, the
text in full, a signature drawn on the page with the signer's name, signed through the
commitments service, read back with its signature image; only one's own enterprise's."""

import base64
import io
import re

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from backend.models import Commitment
from tests.backend.web.test_pages import csrf_from, log_in, text


def signature_data_url(ink=True) -> str:
    image = Image.new("RGBA", (340, 180), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 120), (120, 40), (200, 130), (320, 50)], "black", 4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def principal(make_user, world):
    return make_user("enterprise_principal", enterprise=world["enterprises"]["ent"])


def _sign(client, code, **fields):
    path = f"/portal/commitments/sign/{code}"
    data = {"csrf_token": csrf_from(client, path), "signer_name": "李四", **fields}
    return client.post(path, data=data)


def test_the_principal_reads_and_signs_the_enterprise_commitment(client, session, principal):
    log_in(client, "portal", principal)
    listing = text(client.get("/portal/commitments"))
    assert 'data-template="safety_commitment"' in listing
    assert 'data-template="duty_commitment"' in listing and "未签署" in listing
    form = client.get("/portal/commitments/sign/safety_commitment")
    page = text(form)
    assert "本单位郑重承诺" in page and "自觉接受安全监管和相关部门依法检查" in page
    assert '<canvas class="pad" id="pad"' in page
    nonce = re.search(r'<script nonce="([^"]+)"', page).group(1)
    assert f"script-src 'nonce-{nonce}'" in form.headers["Content-Security-Policy"]

    signed = _sign(client, "safety_commitment", signature_png=signature_data_url())
    assert signed.status_code == 302, text(signed)
    commitment = session.scalar(select(Commitment))
    assert commitment.signer_name == "李四" and commitment.signer_id == principal.id
    assert commitment.template_code == "safety_commitment"
    shown = text(client.get(signed.headers["Location"]))
    assert "承诺书已签署" in shown and "李四（企业主要负责人）" in shown
    assert "本单位郑重承诺" in shown
    image = client.get(f"/portal/commitments/{commitment.id}/signature.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == commitment.signature_png
    listing = text(client.get("/portal/commitments"))
    assert "已签署" in listing and f"/portal/commitments/{commitment.id}" in listing
    # Pages without a signature pad run no script at all.
    policy = client.get("/portal/commitments").headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy


def test_a_signature_that_breaks_a_rule_answers_in_chinese(client, session, world, principal):
    log_in(client, "portal", principal)
    cases = [
        ({"signer_name": " ", "signature_png": signature_data_url()}, "请填写签署人姓名"),
        ({"signature_png": ""}, "请在签名框内"),
        ({"signature_png": signature_data_url(ink=False)}, "请在签名框内"),
    ]
    for fields, message in cases:
        response = _sign(client, "safety_commitment", **fields)
        assert response.status_code == 422, fields
        assert message in text(response), fields
    client.post("/portal/logout", data={"csrf_token": csrf_from(client, "/portal/commitments")})
    # The duty commitment follows a finished self-inspection against the 31 duty items.
    log_in(client, "portal", world["users"]["manager"])
    early = _sign(client, "duty_commitment", signature_png=signature_data_url())
    assert early.status_code == 422 and "须先完成" in text(early)
    # The manager does not sign the enterprise's commitment: no pad, and a post is refused.
    page = text(client.get("/portal/commitments/sign/safety_commitment"))
    assert 'id="pad"' not in page and "本承诺书由企业主要负责人签署" in page
    refused = _sign(client, "safety_commitment", signature_png=signature_data_url())
    assert refused.status_code == 403 and "不能签署" in text(refused)
    # A template this enterprise does not sign is not offered.
    other = client.get("/portal/commitments/sign/integrity_commitment_construction")
    assert other.status_code == 404
    assert session.scalar(select(Commitment.id)) is None


def test_another_enterprises_commitment_is_not_found(client, session, world, principal):
    log_in(client, "portal", principal)
    signed = _sign(client, "safety_commitment", signature_png=signature_data_url())
    commitment_id = signed.headers["Location"].split("/")[-1].split("?")[0]
    client.post("/portal/logout", data={"csrf_token": csrf_from(client, "/portal/commitments")})
    log_in(client, "portal", world["users"]["other_manager"])
    assert client.get(f"/portal/commitments/{commitment_id}").status_code == 404
    assert client.get(f"/portal/commitments/{commitment_id}/signature.png").status_code == 404
    assert commitment_id not in text(client.get("/portal/commitments"))
