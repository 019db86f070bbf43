"""The enterprise safety code (常安码): its token, rotation, and its live colour.

The code
    Each enterprise has at most one active code: a random, unguessable token
    (``secrets.token_urlsafe(24)``) printed in a QR code that encodes
    ``{PUBLIC_BASE_URL}/q/{token}``. The token is a capability: whoever holds it sees the public
    page, nothing more. It is made on first use, never changes with the colour, and changes only
    when an admin or supervisor rotates it; the old code is then revoked (kept as history) and
    its public page says that the code is no longer valid.

The colour, from these rules (the worst that applies wins):
    red     an open major hazard (重大事故隐患) past its deadline; or a stop-work order
            (停产停业整改) on an open hazard; or a signal answering red (a published
            blacklist entry, from the credit domain)
    yellow  any open hazard past its deadline; or any open major hazard; or a signal
            answering yellow
    green   otherwise

    A hazard is past its deadline from the start of the day after ``due_on`` in Asia/Shanghai
    (the same rule as the hazard list's ``overdue``). ``refresh_safety_code_color`` stores the
    colour on ``enterprises.safety_code_color``; it runs on every HazardChanged and
    CreditChanged event (backend/wiring.py), in the mark_overdue job after deadlines pass, and
    when the public page is shown. Storing a new colour updates the enterprise row, so sync
    sends it as updated.

Signals
    ``COLOR_SIGNALS`` holds the rules owned by other domains (the credit domain's): each is
    called with the enterprise and answers "red", "yellow" or None.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ..core.db import db
from ..core.errors import NotFound
from ..core.timeutil import today_in_shanghai
from ..credit.records import (
    active_bad_record_counts,
    blacklisted_enterprise_ids,
    credit_colour_signal,
)
from ..hazards.services import overdue_clause
from ..models import Enterprise, Hazard, SafetyCode, User, utcnow

GREEN, YELLOW, RED = "green", "yellow", "red"
SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
TOKEN_BYTES = 24

ColorSignal = Callable[[Enterprise], str | None]
# Colour rules of other domains: "red", "yellow" or None each.
COLOR_SIGNALS: list[ColorSignal] = [credit_colour_signal]


# --- the code ---------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def active_code(enterprise_id: int) -> SafetyCode | None:
    return db.session.scalar(
        select(SafetyCode).where(
            SafetyCode.enterprise_id == enterprise_id, SafetyCode.revoked_at.is_(None)
        )
    )


def current_code(enterprise: Enterprise, user: User | None = None) -> SafetyCode:
    """The enterprise's active code, made on first use.

    Two requests making the first code at once: the partial unique index lets one win, the
    other reads the winner's code.
    """
    code = active_code(enterprise.id)
    if code is not None:
        return code
    try:
        with db.session.begin_nested():
            code = _issue(enterprise, user)
    except IntegrityError:
        code = active_code(enterprise.id)
        if code is None:
            raise
    return code


def rotate_code(enterprise: Enterprise, user: User | None, now: datetime | None = None):
    """Revoke the active code (if any) and issue a new one; the old one stays as history."""
    now = now or utcnow()
    old = active_code(enterprise.id)
    if old is not None:
        old.revoked_at = now
        old.revoked_by_id = user.id if user else None
        db.session.flush()
    return _issue(enterprise, user, now)


def _issue(enterprise: Enterprise, user: User | None, now: datetime | None = None) -> SafetyCode:
    now = now or utcnow()
    code = SafetyCode(
        enterprise_id=enterprise.id,
        token=new_token(),
        created_at=now,
        created_by_id=user.id if user else None,
    )
    db.session.add(code)
    # The enterprise as devices hold it carries its code's digest (token_digest): a new code
    # changes that record, so the next pull sends it and the new poster scans offline.
    held = db.session.get(Enterprise, enterprise.id)
    held.updated_at = now
    db.session.flush()
    db.session.expire(held, ["active_safety_code"])
    return code


def token_digest(token: str) -> str:
    """What devices hold of a code: the SHA-256 of its token (hex). A device resolves a
    scanned code offline by hashing the token in the URL, without holding the capability
    itself (the token opens the public page to whoever has it)."""
    return hashlib.sha256(token.encode()).hexdigest()


def code_history(enterprise: Enterprise) -> list[SafetyCode]:
    """Every code the enterprise has had, newest first."""
    return list(
        db.session.scalars(
            select(SafetyCode)
            .where(SafetyCode.enterprise_id == enterprise.id)
            .order_by(SafetyCode.created_at.desc(), SafetyCode.id.desc())
        )
    )


def code_by_token(token: str) -> SafetyCode | None:
    """The code with this token, active or revoked; None when there is none."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(SafetyCode).where(SafetyCode.token == token))


def active_code_by_token(token: str) -> SafetyCode:
    """The active code with this token, else NotFound (unknown and revoked look the same)."""
    code = code_by_token(token)
    if code is None or code.revoked_at is not None:
        raise NotFound("safety code not found", field="token")
    return code


def public_url(token: str) -> str:
    """What the QR code encodes."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/q/{token}"


# --- the colour -------------------------------------------------------------------------------


def worst(*colors: str | None) -> str:
    return max((c for c in colors if c), key=SEVERITY.__getitem__, default=GREEN)


def _any_hazard(enterprise_id: int, *conditions) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(Hazard.enterprise_id == enterprise_id, *conditions))
        )
    )


def _hazard_rules(today) -> tuple[tuple[str, tuple, str], ...]:
    """The colours hazards give, worst first: (colour, conditions on one of the enterprise's
    hazards, the reason in words) — the rules in the module docstring. Once red rules are out,
    a yellow one's extra `~major` / `~overdue` changes no colour; it keeps each reason's count
    apart."""
    is_open = Hazard.status != "closed"
    major = Hazard.grade == "major"
    overdue = overdue_clause(today)
    return (
        (RED, (overdue, major), "项重大事故隐患逾期未整改"),
        (RED, (is_open, Hazard.stop_work_order.is_(True)), "项隐患被责令停产停业整改"),
        (YELLOW, (overdue, ~major), "项一般事故隐患逾期未整改"),
        (YELLOW, (is_open, major, ~overdue), "项重大事故隐患正在整改"),
    )


def colour_reasons(enterprise: Enterprise, now: datetime | None = None) -> list[tuple[str, str]]:
    """Why the enterprise has its colour, in plain words for the public page: (colour, reason)
    for every rule that applies, worst first — counts only, never a hazard's title."""
    today = today_in_shanghai(now)
    count = select(func.count()).select_from(Hazard).where(Hazard.enterprise_id == enterprise.id)
    reasons = []
    if blacklisted_enterprise_ids([enterprise.id]):
        reasons.append((RED, "列入安全生产“黑名单”"))
    for colour, conditions, words in _hazard_rules(today):
        number = db.session.scalar(count.where(*conditions))
        if number:
            reasons.append((colour, f"{number}{words}"))
    records = active_bad_record_counts(today, [enterprise.id]).get(enterprise.id)
    if records:
        reasons.append((YELLOW, f"{records}条安全生产不良信用记录在管理期内"))
    return reasons


def hazard_color(enterprise_id: int, now: datetime | None = None) -> str:
    """The colour the enterprise's own hazards give it (the rules above, without signals)."""
    for color, conditions, _words in _hazard_rules(today_in_shanghai(now)):
        if _any_hazard(enterprise_id, *conditions):
            return color
    return GREEN


def signal_color(enterprise: Enterprise) -> str:
    answers = []
    for signal in COLOR_SIGNALS:
        answer = signal(enterprise)
        if answer not in (None, YELLOW, RED):
            raise ValueError(f"colour signal {signal!r} answered {answer!r}")
        answers.append(answer)
    return worst(*answers)


def compute_safety_code_color(enterprise: Enterprise, now: datetime | None = None) -> str:
    return worst(hazard_color(enterprise.id, now), signal_color(enterprise))


def refresh_safety_code_color(enterprise_id: int, now: datetime | None = None) -> str:
    """Work out the enterprise's colour and store it when it changed (flushes only)."""
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(f"enterprise {enterprise_id} not found")
    color = compute_safety_code_color(enterprise, now)
    if enterprise.safety_code_color != color:
        enterprise.safety_code_color = color
        db.session.flush()
    return color


def refresh_stale_colors(now: datetime | None = None) -> int:
    """Refresh every enterprise whose stored colour differs from what its hazards say now
    (deadlines pass with no event of their own); returns how many colours changed.

    One set-based query per rule finds the enterprises the hazards make red or yellow; only those
    whose stored colour disagrees are refreshed one by one (signals included). A signal's own
    input changing (e.g. a blacklist entry published) calls refresh_safety_code_color itself.
    """

    def enterprises_with(*conditions) -> set[int]:
        return set(db.session.scalars(select(Hazard.enterprise_id).where(*conditions).distinct()))

    expected: dict[int, str] = {}
    for color, conditions, _words in _hazard_rules(today_in_shanghai(now)):
        for enterprise_id in enterprises_with(*conditions):
            expected.setdefault(enterprise_id, color)
    changed = 0
    for enterprise_id, stored in db.session.execute(
        select(Enterprise.id, Enterprise.safety_code_color).order_by(Enterprise.id)
    ).all():
        hazards_say = expected.get(enterprise_id, GREEN)
        if stored != hazards_say and refresh_safety_code_color(enterprise_id, now) != stored:
            changed += 1
    return changed
