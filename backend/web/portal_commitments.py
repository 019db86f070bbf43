"""Commitments (承诺书) in the portal (/portal/commitments): the templates the enterprise signs and
those it signed; a template's text in full with a signature drawn with the finger and the
signer's typed name, signed through the commitments service (`sign`, as the API); a signed one
read back with its signature image.
"""

from flask import Response, redirect, render_template, request, url_for

from ..core.db import db
from ..core.errors import DomainError, Invalid, NotFound
from ..core.scope import Forbidden, get_visible
from ..core.timeutil import SHANGHAI
from ..credit import commitments
from ..models import ROLES, Commitment, Enterprise, User
from . import security
from .messages import describe, status_of
from .portal import bp, portal_user

SIGN_MESSAGES = {
    "signer_name": "请填写签署人姓名（2 至 64 个字）。",
    "signature_png": "请在签名框内用手指（或鼠标）写下签名后再提交。",
}


def _when(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _signer_labels(template) -> str:
    return "、".join(ROLES[role] for role in template.signer_roles)


@bp.get("/commitments")
def commitment_list():
    user, answer = portal_user()
    if user is None:
        return answer
    enterprise = get_visible(Enterprise, user.enterprise_id, user)
    signed = db.session.scalars(commitments.commitment_query(user)).all()
    latest = {}
    for commitment in signed:
        latest.setdefault(commitment.template_code, commitment)
    to_sign = [
        {
            "template": template,
            "signers": _signer_labels(template),
            "signed": latest.get(template.code),
            "current": latest.get(template.code) is not None
            and latest[template.code].template_version == template.version,
            "may_sign": user.role in template.signer_roles,
        }
        for template in commitments.templates_to_sign(enterprise)
    ]
    return render_template(
        "portal/commitments.html",
        to_sign=to_sign,
        signed=[{"commitment": c, "at": _when(c.signed_at)} for c in signed],
    )


@bp.get("/commitments/sign/<string(maxlength=64):template_code>")
def commitment_form(template_code: str):
    user, answer = portal_user()
    if user is None:
        return answer
    return _form(user, _template(user, template_code))


def _template(user: User, code: str):
    """One of the templates this enterprise signs; any other is not found here."""
    enterprise = get_visible(Enterprise, user.enterprise_id, user)
    for template in commitments.templates_to_sign(enterprise):
        if template.code == code:
            return template
    raise NotFound(f"The enterprise does not sign {code}.")


def _form(user: User, template, error: str | None = None, status: int = 200):
    may_sign = user.role in template.signer_roles
    if may_sign:
        security.allow_page_script()
    page = render_template(
        "portal/commitment_sign.html",
        template=template,
        paragraphs=template.text.split("\n")[1:],
        signers=_signer_labels(template),
        may_sign=may_sign,
        form=request.form if request.method == "POST" else {},
        error=error,
    )
    return page, status


@bp.post("/commitments/sign/<string(maxlength=64):template_code>")
def sign_commitment(template_code: str):
    user, answer = portal_user()
    if user is None:
        return answer
    template = _template(user, template_code)
    try:
        commitment = commitments.sign(
            user,
            template_code=template.code,
            signer_name=request.form.get("signer_name", ""),
            signature_png=request.form.get("signature_png", ""),
        )
    except DomainError as error:
        db.session.rollback()
        return _form(user, template, _sign_message(error), max(status_of(error), 400))
    return redirect(url_for("portal.commitment", commitment_id=commitment.id, signed=1))


def _sign_message(error: DomainError) -> str:
    if isinstance(error, Invalid) and error.field in SIGN_MESSAGES:
        return SIGN_MESSAGES[error.field]
    if isinstance(error, Invalid) and error.field == "template_code":
        return "签署履职承诺书前，须先完成《企业安全生产管理人员履职31项》在线自查（见“检查”）。"
    if isinstance(error, Forbidden):
        return "您的账号不能签署此承诺书。"
    return describe(error)


@bp.get("/commitments/<string(maxlength=64):commitment_id>")
def commitment(commitment_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    signed: Commitment = commitments.get_visible_commitment(user, commitment_id)
    return render_template(
        "portal/commitment.html",
        commitment=signed,
        paragraphs=signed.text.split("\n")[1:],
        at=_when(signed.signed_at),
        role=ROLES.get(signed.signer_role, ""),
        just_signed=request.args.get("signed") == "1",
    )


@bp.get("/commitments/<string(maxlength=64):commitment_id>/signature.png")
def commitment_signature(commitment_id: str):
    user, answer = portal_user()
    if user is None:
        return answer
    signed = commitments.get_visible_commitment(user, commitment_id)
    response = Response(signed.signature_png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
