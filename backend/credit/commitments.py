"""Commitments (承诺书): signed in the app by an enterprise user, kept immutably.

Signing copies the template's exact text into the record with its SHA-256, the typed name, the
drawn signature (a PNG, validated here) and the server's time; a signed commitment is never
updated or deleted (no endpoint does, and a flush that tries is refused). The safety manager's
duty commitment follows a finished self-inspection against the 31 duty items (青安委〔2024〕2号).

`commitments_summary(enterprise_id)` is what the enterprise's public page shows: which
templates are signed and when, no names.
"""

import base64
import binascii
import hashlib
import io
import uuid
from datetime import datetime

from flask import current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import event, select

from checklists.industries import KEY_INDUSTRIES, industry_matches

from ..core.db import db
from ..core.errors import Conflict, Invalid, NotFound
from ..core.scope import Forbidden, visible_enterprise_ids
from ..models import (
    ENTERPRISE_ROLES,
    ChecklistVersion,
    Commitment,
    Enterprise,
    Inspection,
    User,
    utcnow,
)
from .commitment_templates import (
    DUTY_COMMITMENT,
    TEMPLATES,
    CommitmentTemplate,
    enterprise_commitment_for,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"
MIN_SIZE = (40, 20)
MAX_SIZE = (4096, 4096)
# A pixel darker than this (0 black … 255 white, over a white ground) is ink.
INK_THRESHOLD = 224


def templates_to_sign(enterprise: Enterprise) -> list[CommitmentTemplate]:
    """What an enterprise signs: its enterprise commitment (by its principal; 方案6's for
    construction, else the deployment's plan) and, for a 专项治理重点对象, the safety manager's
    duty commitment."""
    own = enterprise_commitment_for(enterprise.industry, current_app.config["COMMITMENT_PLAN"])
    return [own, DUTY_COMMITMENT] if signs_duty_commitment(enterprise) else [own]


def signs_duty_commitment(enterprise: Enterprise, config=None) -> bool:
    """青安委〔2024〕2号 (seed 004) 第二阶段: 「重点行业领域企业安全生产管理人员要签订安全生产履职
    承诺书」, the 专项治理重点对象 of its L16: 「辖区重点企业以及…非煤矿山、危险化学品、烟花爆竹、
    城镇燃气、建筑施工、交通运输、民用爆炸物品、规模以上(或限额以上)工贸八大行业企业」. Which
    enterprises are 辖区重点企业 the seed leaves to the county: local policy, the risk classes in
    DUTY_COMMITMENT_KEY_RISK_CLASSES (default 重大风险 and 较大风险)."""
    if _in_the_eight_industries(enterprise):
        return True
    text = (config or current_app.config).get("DUTY_COMMITMENT_KEY_RISK_CLASSES", "major,high")
    return enterprise.risk_class in {part.strip() for part in str(text).split(",")}


def _in_the_eight_industries(enterprise: Enterprise) -> bool:
    if industry_matches("industry_trade", enterprise.industry):
        return enterprise.scale == "above_scale"
    return enterprise.industry in KEY_INDUSTRIES


def get_template(code: str) -> CommitmentTemplate:
    template = TEMPLATES.get(code)
    if template is None:
        raise Invalid(f"Unknown commitment template {code}.", field="template_code")
    return template


# --- the signature --------------------------------------------------------------------------


def decode_signature(value: str, max_bytes: int) -> bytes:
    """The PNG bytes of a drawn signature sent as base64 (a data: URL prefix is accepted)."""
    field = "signature_png"
    text = (value or "").strip()
    if text.startswith(DATA_URL_PREFIX):
        text = text[len(DATA_URL_PREFIX) :]
    if len(text) > (max_bytes + 2) // 3 * 4:
        raise Invalid(f"The signature is larger than {max_bytes} bytes.", field=field)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("The signature is not valid base64.", field=field) from None
    if len(data) > max_bytes:
        raise Invalid(f"The signature is larger than {max_bytes} bytes.", field=field)
    if not data.startswith(PNG_MAGIC):
        raise Invalid("The signature must be a PNG image.", field=field)
    _check_png(data, field)
    return data


def _check_png(data: bytes, field: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise Invalid("The signature must be a PNG image.", field=field)
            width, height = image.size
            if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
                raise Invalid(
                    f"The signature must measure between {MIN_SIZE[0]}×{MIN_SIZE[1]} and "
                    f"{MAX_SIZE[0]}×{MAX_SIZE[1]} pixels.",
                    field=field,
                )
            image.load()
            ground = Image.new("RGBA", image.size, "white")
            ground.alpha_composite(image.convert("RGBA"))
            darkest, _lightest = ground.convert("L").getextrema()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        raise Invalid("The signature is not a readable PNG image.", field=field) from None
    if darkest > INK_THRESHOLD:
        raise Invalid("The signature is blank.", field=field)


# --- signing --------------------------------------------------------------------------------


def sign(
    user: User,
    *,
    template_code: str,
    signer_name: str,
    signature_png: str,
    now: datetime | None = None,
) -> Commitment:
    """An enterprise user signs a template for their enterprise."""
    if user.role not in ENTERPRISE_ROLES:
        raise Forbidden("Only an enterprise's own users sign its commitments.")
    template = get_template(template_code)
    if user.role not in template.signer_roles:
        raise Forbidden(f"The role {user.role} does not sign the {template.title}.")
    signer_name = (signer_name or "").strip()
    if not 2 <= len(signer_name) <= 64:
        raise Invalid("Type your full name (2 to 64 characters).", field="signer_name")
    enterprise = db.session.get(Enterprise, user.enterprise_id)
    if template.public:
        _require_the_enterprises_own(template, enterprise)
    elif template.code == DUTY_COMMITMENT.code and not signs_duty_commitment(enterprise):
        raise Invalid(
            "The duty commitment is signed by the campaign's key enterprises "
            "(青安委〔2024〕2号); this enterprise is not one.",
            field="template_code",
        )
    png = decode_signature(signature_png, int(current_app.config["SIGNATURE_MAX_BYTES"]))
    inspection = None
    if template.requires_self_inspection:
        inspection = _finished_self_inspection(user.enterprise_id, template)
    commitment = Commitment(
        id=uuid.uuid4().hex,
        enterprise_id=user.enterprise_id,
        template_code=template.code,
        template_version=template.version,
        title=template.title,
        text=template.text,
        text_sha256=template.text_sha256,
        signer_id=user.id,
        signer_role=user.role,
        signer_name=signer_name,
        signature_png=png,
        signature_sha256=hashlib.sha256(png).hexdigest(),
        signed_at=now or utcnow(),
        inspection_id=inspection.id if inspection else None,
    )
    db.session.add(commitment)
    db.session.flush()
    return commitment


def _require_the_enterprises_own(template: CommitmentTemplate, enterprise: Enterprise) -> None:
    own = enterprise_commitment_for(enterprise.industry, current_app.config["COMMITMENT_PLAN"])
    if template.code != own.code:
        raise Invalid(
            f"This enterprise signs the commitment {own.code} ({own.source}).",
            field="template_code",
        )


def _finished_self_inspection(enterprise_id: int, template: CommitmentTemplate) -> Inspection:
    inspection = db.session.scalar(
        select(Inspection)
        .join(ChecklistVersion, ChecklistVersion.id == Inspection.checklist_version_id)
        .where(
            Inspection.enterprise_id == enterprise_id,
            Inspection.kind == "self_inspection",
            Inspection.status == "finished",
            ChecklistVersion.code == template.requires_self_inspection,
        )
        .order_by(Inspection.finished_received_at.desc(), Inspection.id)
        .limit(1)
    )
    if inspection is None:
        raise Invalid(
            f"The {template.title} follows a finished self-inspection against "
            f"{template.requires_self_inspection}; finish one first.",
            field="template_code",
        )
    return inspection


@event.listens_for(Commitment, "before_update")
@event.listens_for(Commitment, "before_delete")
def _refuse_change(_mapper, _connection, commitment: Commitment) -> None:
    raise Conflict(f"Commitment {commitment.id} is signed and cannot change.")


# --- reading --------------------------------------------------------------------------------


def commitment_query(
    user: User, *, enterprise_id: int | None = None, template_code: str | None = None
):
    stmt = select(Commitment).where(Commitment.enterprise_id.in_(visible_enterprise_ids(user)))
    if enterprise_id is not None:
        stmt = stmt.where(Commitment.enterprise_id == enterprise_id)
    if template_code is not None:
        stmt = stmt.where(Commitment.template_code == template_code)
    return stmt.order_by(Commitment.signed_at.desc(), Commitment.id)


def get_visible_commitment(user: User, commitment_id: str) -> Commitment:
    commitment = db.session.scalar(commitment_query(user).where(Commitment.id == commitment_id))
    if commitment is None:
        raise NotFound(f"commitment {commitment_id} not found")
    return commitment


def public_commitments(enterprise_id: int) -> list[Commitment]:
    """What the public page discloses: the latest signed enterprise commitment of each kind
    ("向社会和全体员工公开安全承诺", 方案2 L69, 方案5 L167, seed 002 L10)."""
    public_codes = [code for code, template in TEMPLATES.items() if template.public]
    signed = db.session.scalars(
        select(Commitment)
        .where(
            Commitment.enterprise_id == enterprise_id, Commitment.template_code.in_(public_codes)
        )
        .order_by(Commitment.signed_at.desc(), Commitment.id)
    ).all()
    latest: dict[str, Commitment] = {}
    for commitment in signed:
        latest.setdefault(commitment.template_code, commitment)
    return list(latest.values())


def commitments_summary(enterprise_id: int) -> list[dict]:
    """Each template, whether the enterprise signed it and when last (and which version);
    never who signed."""
    rows = db.session.execute(
        select(Commitment.template_code, Commitment.template_version, Commitment.signed_at)
        .where(Commitment.enterprise_id == enterprise_id)
        .order_by(Commitment.signed_at.desc(), Commitment.id)
    ).all()
    latest: dict[str, tuple[str, datetime]] = {}
    for code, version, signed_at in rows:
        latest.setdefault(code, (version, signed_at))
    summary = []
    for template in TEMPLATES.values():
        version, signed_at = latest.get(template.code, (None, None))
        summary.append(
            {
                "template_code": template.code,
                "title": template.title,
                "current_version": template.version,
                "signed": version is not None,
                "signed_version": version,
                "signed_at": signed_at,
            }
        )
    return summary
