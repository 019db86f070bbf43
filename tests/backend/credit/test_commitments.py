"""Commitments (承诺书): faithful templates, signing with a validated drawn signature, immutable
records, the duty commitment after self-inspection, scopes and the public summary."""

import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from backend.core.errors import Conflict
from backend.core.problems import PROBLEM_MIME
from backend.credit.commitment_templates import TEMPLATES
from backend.credit.commitments import commitments_summary
from backend.models import Commitment
from tests.backend.fixtures.credit import b64, finish_inspection, signature_png

SHARED = Path(__file__).resolve().parents[4] / "shared"
SOURCES = {
    "《生产体系建设方案》": SHARED / "seeds" / "000_609d30503b9052e0.txt",
    "《中华人民共和国安全生产法》": SHARED / "domain" / "regulations.md",
    "《企业安全生产管理人员履职专项治理工作方案》": SHARED / "seeds" / "004_57840bfd1e155050.txt",
}


def _full_width(text: str) -> str:
    return text.replace(",", "，").replace(";", "；").replace(":", "：")


def test_every_quoted_passage_is_verbatim_in_its_source_and_in_the_text():
    if not all(path.exists() for path in SOURCES.values()):
        pytest.skip("../shared (seeds and regulations) not beside the checkout")
    texts = {key: _full_width(path.read_text(encoding="utf-8")) for key, path in SOURCES.items()}
    for template in TEMPLATES.values():
        assert template.quoted, template.code
        for quote in template.quoted:
            assert quote.passage in template.text, (template.code, quote.passage)
            (key,) = [key for key in texts if quote.source.startswith(key)]
            assert quote.passage in texts[key], (template.code, quote.passage)


def test_the_templates_are_listed_with_their_digest(client, world):
    response = client.get("/api/v1/commitments/templates", headers=world["headers"]["viewer"])
    assert response.status_code == 200
    listed = {t["code"]: t for t in response.json}
    assert set(listed) == {"safety_commitment", "duty_commitment"}
    safety = listed["safety_commitment"]
    assert safety["text"].startswith("企业安全生产承诺书")
    assert safety["text_sha256"] == hashlib.sha256(safety["text"].encode()).hexdigest()
    assert "六、自觉接受安全监管和相关部门依法检查，严格执行执法指令。" in safety["text"]
    duty = listed["duty_commitment"]
    assert duty["requires_self_inspection"] == "duty31"
    assert duty["signer_roles"] == ["enterprise_manager"]
    assert "（七）督促落实本单位安全生产整改措施。" in duty["text"]


def _sign(client, headers, template_code="safety_commitment", **body):
    payload = {
        "template_code": template_code,
        "signer_name": "李四",
        "signature_png": b64(signature_png()),
        **body,
    }
    return client.post("/api/v1/commitments", json=payload, headers=headers)


def test_a_principal_signs_and_the_record_keeps_what_was_signed(client, world, session):
    before = datetime.now(UTC)
    png = signature_png()
    response = _sign(client, world["headers"]["viewer"], signature_png=b64(png))
    assert response.status_code == 201, response.json
    body = response.json
    template = TEMPLATES["safety_commitment"]
    assert (body["template_code"], body["template_version"], body["text"]) == (
        "safety_commitment",
        template.version,
        template.text,
    )
    assert body["text_sha256"] == hashlib.sha256(template.text.encode()).hexdigest()
    assert body["signature_sha256"] == hashlib.sha256(png).hexdigest()
    assert body["signer_name"] == "李四" and body["signer_role"] == "enterprise_viewer"
    assert body["enterprise_id"] == world["enterprises"]["ent"].id
    signed_at = datetime.fromisoformat(body["signed_at"])
    assert before - timedelta(seconds=1) <= signed_at <= datetime.now(UTC)
    image = client.get(body["signature_url"], headers=world["headers"]["supervisor"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == png
    summary = commitments_summary(world["enterprises"]["ent"].id)
    assert summary[0] == {
        "template_code": "safety_commitment",
        "title": "企业安全生产承诺书",
        "current_version": template.version,
        "signed": True,
        "signed_version": template.version,
        "signed_at": session.get(Commitment, body["id"]).signed_at,
    }
    assert summary[1]["template_code"] == "duty_commitment" and summary[1]["signed"] is False
    assert all("signer" not in key for row in summary for key in row)  # no names


def _png(size=(300, 120), fmt="PNG", mode="RGB") -> bytes:
    image = Image.new(mode, size, "white")
    image.putpixel((5, 5), (0, 0, 0) if mode == "RGB" else 0)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("not base64!!", "base64"),
        (b64(_png(fmt="JPEG")), "PNG"),
        (b64(_png(fmt="GIF", mode="L")), "PNG"),
        (b64(signature_png()[:200]), "readable"),
        (b64(signature_png(size=(20, 10))), "pixels"),
        (b64(signature_png(size=(5000, 100))), "pixels"),
        (b64(signature_png(blank=True)), "blank"),
        (b64(signature_png(blank=True, mode="RGB")), "blank"),
        (b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "readable"),
    ],
)
def test_the_signature_must_be_a_drawn_png_of_sensible_size(client, world, signature, message):
    response = _sign(client, world["headers"]["viewer"], signature_png=signature)
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM_MIME
    assert response.json["errors"][0]["field"] == "signature_png"
    assert message in response.json["detail"]


def test_the_signature_size_limit_is_configuration(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNATURE_MAX_BYTES", 1000)
    big = signature_png(size=(1200, 600))
    assert len(big) > 1000
    response = _sign(client, world["headers"]["viewer"], signature_png=b64(big))
    assert response.status_code == 422 and "larger than 1000 bytes" in response.json["detail"]


def test_a_data_url_is_accepted(client, world):
    data_url = "data:image/png;base64," + b64(signature_png())
    assert _sign(client, world["headers"]["viewer"], signature_png=data_url).status_code == 201


@pytest.mark.parametrize(
    ("who", "template", "status"),
    [
        ("inspector", "safety_commitment", 403),
        ("supervisor", "safety_commitment", 403),
        ("admin", "safety_commitment", 403),
        ("viewer", "duty_commitment", 403),
        ("manager", "duty_commitment", 422),  # no finished self-inspection yet
    ],
)
def test_who_signs_what(client, world, who, template, status):
    response = _sign(client, world["headers"][who], template_code=template)
    assert response.status_code == status, response.json


def test_a_typed_name_is_required(client, world):
    response = _sign(client, world["headers"]["viewer"], signer_name=" ")
    assert response.status_code == 422


def test_the_duty_commitment_follows_a_finished_self_inspection(client, world, session):
    inspection = finish_inspection(
        world["users"]["manager"],
        world["enterprises"]["ent"],
        session,
        code="duty31",
        kind="self_inspection",
    )
    response = _sign(
        client, world["headers"]["manager"], template_code="duty_commitment", signer_name="张三"
    )
    assert response.status_code == 201, response.json
    assert response.json["inspection_id"] == inspection.id
    assert response.json["text"] == TEMPLATES["duty_commitment"].text
    summary = {row["template_code"]: row for row in commitments_summary(inspection.enterprise_id)}
    assert summary["duty_commitment"]["signed"] and not summary["safety_commitment"]["signed"]


def test_signed_commitments_are_immutable(client, world, session):
    body = _sign(client, world["headers"]["viewer"]).json
    url = f"/api/v1/commitments/{body['id']}"
    headers = world["headers"]["viewer"]
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(url, json={}, headers=headers).status_code == 405
    commitment = session.get(Commitment, body["id"])
    commitment.signer_name = "王五"
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()
    session.delete(session.get(Commitment, body["id"]))
    with pytest.raises(Conflict):
        session.flush()
    session.rollback()
    assert session.get(Commitment, body["id"]).signer_name == "李四"


def test_commitments_are_listed_within_scope(client, world):
    own = _sign(client, world["headers"]["viewer"]).json
    other = _sign(client, world["headers"]["other_manager"]).json
    headers = world["headers"]

    def listed(who, query=""):
        response = client.get(f"/api/v1/commitments{query}", headers=headers[who])
        assert response.status_code == 200, response.json
        return {c["id"] for c in response.json}

    assert listed("manager") == {own["id"]}
    assert listed("supervisor") == {own["id"]}
    assert listed("global_admin") == {own["id"], other["id"]}
    assert listed("global_admin", f"?enterprise_id={own['enterprise_id']}") == {own["id"]}
    assert listed("global_admin", "?template_code=duty_commitment") == set()
    for who in ("other_supervisor", "manager2"):
        response = client.get(f"/api/v1/commitments/{own['id']}", headers=headers[who])
        assert response.status_code == 404, who
        signature = client.get(own["signature_url"], headers=headers[who])
        assert signature.status_code == 404, who
