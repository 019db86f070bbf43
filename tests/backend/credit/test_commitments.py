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
from backend.credit.commitments import commitments_summary, templates_to_sign
from backend.models import Commitment
from tests.backend.fixtures.credit import b64, finish_inspection, signature_png

SHARED = Path(__file__).resolve().parents[4] / "shared"
SOURCES = {
    "《生产体系建设方案》": SHARED / "seeds" / "000_609d30503b9052e0.txt",
    "《中华人民共和国安全生产法》": SHARED / "domain" / "regulations.md",
    "《企业安全生产管理人员履职专项治理工作方案》": SHARED / "seeds" / "004_57840bfd1e155050.txt",
    "蓝山县应急管理局": SHARED / "seeds" / "002_997c2b09415780ff.txt",
}


@pytest.fixture(autouse=True)
def principals(world, make_user, auth_header):
    """Each enterprise's principal (主要负责人), who signs its safety commitment."""
    for name, key in (("principal", "ent"), ("other_principal", "far")):
        user = make_user("enterprise_principal", enterprise=world["enterprises"][key])
        world["users"][name] = user
        world["headers"][name] = auth_header(user)


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
    assert set(listed) == {
        "safety_commitment",
        "safety_commitment_city",
        "safety_commitment_seed002",
        "integrity_commitment_construction",
        "duty_commitment",
    }
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
    response = _sign(client, world["headers"]["principal"], signature_png=b64(png))
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
    assert body["signer_name"] == "李四" and body["signer_role"] == "enterprise_principal"
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
    duty = next(row for row in summary if row["template_code"] == "duty_commitment")
    assert duty["signed"] is False
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
    response = _sign(client, world["headers"]["principal"], signature_png=signature)
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM_MIME
    assert response.json["errors"][0]["field"] == "signature_png"
    assert message in response.json["detail"]


def test_the_signature_size_limit_is_configuration(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNATURE_MAX_BYTES", 1000)
    big = signature_png(size=(1200, 600))
    assert len(big) > 1000
    response = _sign(client, world["headers"]["principal"], signature_png=b64(big))
    assert response.status_code == 422 and "larger than 1000 bytes" in response.json["detail"]


def test_a_data_url_is_accepted(client, world):
    data_url = "data:image/png;base64," + b64(signature_png())
    assert _sign(client, world["headers"]["principal"], signature_png=data_url).status_code == 201


@pytest.mark.parametrize(
    ("who", "template", "status"),
    [
        ("inspector", "safety_commitment", 403),
        ("supervisor", "safety_commitment", 403),
        ("admin", "safety_commitment", 403),
        ("viewer", "duty_commitment", 403),
        # The principal signs the enterprise's commitment (方案2 L69: 企业…公开安全承诺).
        ("viewer", "safety_commitment", 403),
        ("manager", "safety_commitment", 403),
        ("principal", "duty_commitment", 403),
        # Another plan's list than the deployment's (COMMITMENT_PLAN), or the construction one.
        ("principal", "safety_commitment_city", 422),
        ("principal", "integrity_commitment_construction", 422),
        ("manager", "duty_commitment", 422),  # no finished self-inspection yet
    ],
)
def test_who_signs_what(client, world, who, template, status):
    response = _sign(client, world["headers"][who], template_code=template)
    assert response.status_code == status, response.json


def test_a_typed_name_is_required(client, world):
    response = _sign(client, world["headers"]["principal"], signer_name=" ")
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
    body = _sign(client, world["headers"]["principal"]).json
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
    own = _sign(client, world["headers"]["principal"]).json
    other = _sign(client, world["headers"]["other_principal"]).json
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


def test_the_signed_enterprise_commitment_is_on_the_public_page(client, session, world):
    """方案2 L69, 方案5 L167, seed 002 L10: 向社会和全体员工公开安全承诺. The duty commitment
    is published inside the enterprise only (青安委〔2024〕2号)."""
    from tests.backend.web.test_pages import text, token_of

    ent = world["enterprises"]["ent"]
    before = text(client.get(f"/q/{token_of(session, ent)}"))
    assert "尚未签署并公开安全生产承诺书" in before
    assert _sign(client, world["headers"]["principal"]).status_code == 201
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert "企业安全生产承诺书（企业主要负责人签署" in page
    assert "六、自觉接受安全监管和相关部门依法检查，严格执行执法指令。" in page
    assert "李四" not in page  # the typed name stays with the record


def test_the_template_follows_the_sector_and_the_deployments_plan(
    app, client, world, make_enterprise, make_user, auth_header, monkeypatch
):
    """方案6 L229: the construction sector signs the 《安全生产诚信承诺书》; elsewhere the
    deployment's plan (COMMITMENT_PLAN, local policy): 方案2 county, 方案5 city, seed 002."""
    builder = make_enterprise(world["nodes"]["g"], name="丁建筑", industry="construction")
    principal = auth_header(make_user("enterprise_principal", enterprise=builder))
    assert _sign(client, principal).status_code == 422
    signed = _sign(client, principal, template_code="integrity_commitment_construction")
    assert signed.status_code == 201, signed.json
    assert "切实落实安全投入、事故隐患排查治理" in signed.json["text"]
    monkeypatch.setitem(app.config, "COMMITMENT_PLAN", "seed002")
    headers = world["headers"]["principal"]
    assert _sign(client, headers).status_code == 422
    lanshan = _sign(client, headers, template_code="safety_commitment_seed002")
    assert lanshan.status_code == 201
    assert "加强安全生产风险分级管控和隐患排查治理双重预防体系建设" in lanshan.json["text"]


@pytest.mark.parametrize(
    ("industry", "scale", "risk_class", "signs"),
    [
        ("hazardous_chemicals", "below_scale", "general", True),  # one of the eight
        ("industry_trade.machinery", "above_scale", "general", True),  # 规模以上工贸
        ("industry_trade.machinery", "below_scale", "general", False),
        ("industry_trade.machinery", "below_scale", "high", True),  # 辖区重点企业 (local policy)
        ("other", "above_scale", "general", False),
        ("other", "above_scale", "major", True),
    ],
)
def test_the_duty_commitment_is_for_the_campaigns_key_enterprises(
    client, session, world, industry, scale, risk_class, signs
):
    """Seed 004 第二阶段: 「重点行业领域企业安全生产管理人员要签订安全生产履职承诺书」, the key
    objects of its L16."""
    ent = world["enterprises"]["ent"]
    ent.industry, ent.scale, ent.risk_class = industry, scale, risk_class
    session.commit()
    finish_inspection(
        world["users"]["manager"], ent, session, code="duty31", kind="self_inspection"
    )
    response = _sign(client, world["headers"]["manager"], template_code="duty_commitment")
    if signs:
        assert response.status_code == 201, response.json
    else:
        assert response.status_code == 422 and response.mimetype == PROBLEM_MIME
        assert "template_code" in str(response.json)
    offered = {template.code for template in templates_to_sign(ent)}
    assert ("duty_commitment" in offered) == signs


def test_which_risk_classes_make_a_key_enterprise_is_configuration(app, session, world):
    from backend.credit.commitments import signs_duty_commitment

    ent = world["enterprises"]["ent"]
    ent.industry, ent.scale, ent.risk_class = "other", "below_scale", "general"
    assert not signs_duty_commitment(ent, {"DUTY_COMMITMENT_KEY_RISK_CLASSES": "major,high"})
    assert signs_duty_commitment(ent, {"DUTY_COMMITMENT_KEY_RISK_CLASSES": "general"})
