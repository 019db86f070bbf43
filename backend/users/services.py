"""User accounts."""

from flask import current_app
from sqlalchemy import and_, select, update
from zxcvbn import zxcvbn

from ..core.db import db
from ..core.errors import Conflict, Invalid
from ..core.scope import Forbidden, require_role, user_clause
from ..models import (
    DEPARTMENT_ROLES,
    ENTERPRISE_ROLES,
    AccessToken,
    AccountEvent,
    Department,
    Jurisdiction,
    User,
    utcnow,
)
from .auth import LoginThrottle, check_current_password, hash_password


def check_role_scope(role: str, jurisdiction_id, enterprise_id, department_id=None) -> None:
    if role in DEPARTMENT_ROLES:
        if department_id is None:
            raise Invalid(f"A {role} needs a department.", field="department_id")
        if jurisdiction_id is not None or enterprise_id is not None:
            field = "jurisdiction_id" if jurisdiction_id is not None else "enterprise_id"
            raise Invalid(f"A {role} is scoped to its department only.", field=field)
        if db.session.get(Department, department_id) is None:
            raise Invalid(f"department {department_id} not found", field="department_id")
        return
    if department_id is not None:
        raise Invalid("Only a department official has a department.", field="department_id")
    if role in ENTERPRISE_ROLES:
        if enterprise_id is None:
            raise Invalid(f"A {role} needs an enterprise.", field="enterprise_id")
        if jurisdiction_id is not None:
            raise Invalid(f"A {role} is scoped to its enterprise only.", field="jurisdiction_id")
        return
    if enterprise_id is not None:
        raise Invalid(f"A {role} is scoped to a jurisdiction.", field="enterprise_id")
    if jurisdiction_id is None and role != "admin":
        raise Invalid(f"A {role} needs a jurisdiction.", field="jurisdiction_id")
    if role == "grid_worker":
        _check_grid(jurisdiction_id)


def _check_grid(jurisdiction_id: int) -> None:
    """A grid worker (网格员) works one grid (村/网格, seed 001 L55)."""
    grid = db.session.get(Jurisdiction, jurisdiction_id)
    if grid is not None and grid.level != "grid":
        raise Invalid("A grid_worker is scoped to a grid (村/网格).", field="jurisdiction_id")


PASSWORD_MIN_LENGTH = 12
# zxcvbn's score (0 to 4) a password must reach: 3 refuses common passwords, keyboard runs,
# dates and variations of the username.
PASSWORD_MIN_SCORE = 3


def check_password(password: str, username: str, field: str = "password") -> None:
    """The one password policy (local policy, no source): long, not the username, not common."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid(f"A password needs at least {PASSWORD_MIN_LENGTH} characters.", field=field)
    if password.strip().lower() == username.lower():
        raise Invalid("A password must not be the username.", field=field)
    if zxcvbn(password, user_inputs=[username])["score"] < PASSWORD_MIN_SCORE:
        raise Invalid(
            "This password is too common or too easy to guess; use a longer phrase.", field=field
        )


def create_user(*, username: str, password: str, role: str, **fields) -> User:
    check_role_scope(
        role,
        fields.get("jurisdiction_id"),
        fields.get("enterprise_id"),
        fields.get("department_id"),
    )
    check_password(password, username)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username {username} is taken.", field="username")
    user = User(username=username, password_hash=hash_password(password), role=role, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, actor: User, password: str | None = None, **fields) -> User:
    """Change an account as `actor`; a new password goes through `set_password`."""
    merged = {
        "role": user.role,
        "jurisdiction_id": user.jurisdiction_id,
        "enterprise_id": user.enterprise_id,
        "department_id": user.department_id,
        **fields,
    }
    check_role_scope(
        merged["role"], merged["jurisdiction_id"], merged["enterprise_id"], merged["department_id"]
    )
    for key, value in fields.items():
        setattr(user, key, value)
    if password is not None:
        set_password(user, password, actor=actor, source="api")
    elif fields.get("is_active") is False:
        revoke_all_tokens(user)
    db.session.flush()
    return user


def set_password(user: User, password: str, *, actor: User | None, source: str) -> None:
    """A new password for `user`, set by `actor` (None: an operator at the command line).

    Set by anyone but its holder, it is a reset: the holder must change it before doing
    anything else (PASSWORD_RESET_FORCES_CHANGE, local policy), since someone else knows it.
    Either way every token of the account ends and the audit trail records who, whose, when.
    """
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    revoke_all_tokens(user)
    reset = actor is None or actor.id != user.id
    forced = current_app.config.get("PASSWORD_RESET_FORCES_CHANGE", True)
    user.must_change_password = reset and forced
    record_event(user, "password_reset" if reset else "password_changed", actor, source)


def change_own_password(
    user: User,
    token: AccessToken,
    *,
    current_password: str,
    new_password: str,
    address: str,
    throttle: LoginThrottle,
) -> None:
    """The holder picks a new password, proving they know the current one (a wrong one counts
    as a failed login). This clears a pending forced change; the account's other tokens end,
    the one used for this request stays valid."""
    check_current_password(user, current_password, address, throttle)
    if new_password == current_password:
        raise Invalid("The new password must differ from the current one.", field="new_password")
    check_password(new_password, user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_all_tokens(user, keep=token)
    record_event(user, "password_changed", user, "api")
    db.session.flush()


def record_event(user: User, event: str, actor: User | None, source: str) -> AccountEvent:
    entry = AccountEvent(
        user_id=user.id, actor_id=actor.id if actor else None, event=event, source=source
    )
    db.session.add(entry)
    return entry


def account_events(viewer: User):
    """The audit trail of the accounts an admin manages, newest first."""
    require_role(viewer, "admin")
    managed = select(User.id).where(user_clause(viewer))
    return (
        select(AccountEvent)
        .where(AccountEvent.user_id.in_(managed))
        .order_by(AccountEvent.created_at.desc(), AccountEvent.id.desc())
    )


def revoke_all_tokens(user: User, keep: AccessToken | None = None) -> None:
    live = and_(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
    if keep is not None:
        live = and_(live, AccessToken.id != keep.id)
    db.session.execute(update(AccessToken).where(live).values(revoked_at=utcnow()))


def require_no_forced_change(user: User) -> None:
    """Until a reset password is changed, the account reaches nothing else."""
    if user.must_change_password:
        raise Forbidden(
            "Your password was reset: change it (POST /api/v1/auth/password) before anything else.",
            code="password_change_required",
        )
