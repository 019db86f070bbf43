"""User accounts."""

from sqlalchemy import select, update
from zxcvbn import zxcvbn

from ..core.db import db
from ..core.errors import Conflict, Invalid
from ..models import ENTERPRISE_ROLES, AccessToken, User, utcnow
from .auth import hash_password


def check_role_scope(role: str, jurisdiction_id, enterprise_id) -> None:
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


PASSWORD_MIN_LENGTH = 12
# zxcvbn's score (0 to 4) a password must reach: 3 refuses common passwords, keyboard runs,
# dates and variations of the username.
PASSWORD_MIN_SCORE = 3


def check_password(password: str, username: str) -> None:
    """The one password policy (local policy, no source): long, not the username, not common."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise Invalid(
            f"A password needs at least {PASSWORD_MIN_LENGTH} characters.", field="password"
        )
    if password.strip().lower() == username.lower():
        raise Invalid("A password must not be the username.", field="password")
    if zxcvbn(password, user_inputs=[username])["score"] < PASSWORD_MIN_SCORE:
        raise Invalid(
            "This password is too common or too easy to guess; use a longer phrase.",
            field="password",
        )


def create_user(*, username: str, password: str, role: str, **fields) -> User:
    check_role_scope(role, fields.get("jurisdiction_id"), fields.get("enterprise_id"))
    check_password(password, username)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"The username {username} is taken.", field="username")
    user = User(username=username, password_hash=hash_password(password), role=role, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, password: str | None = None, **fields) -> User:
    merged = {
        "role": user.role,
        "jurisdiction_id": user.jurisdiction_id,
        "enterprise_id": user.enterprise_id,
        **fields,
    }
    check_role_scope(merged["role"], merged["jurisdiction_id"], merged["enterprise_id"])
    for key, value in fields.items():
        setattr(user, key, value)
    if password is not None:
        check_password(password, user.username)
        user.password_hash = hash_password(password)
    if password is not None or fields.get("is_active") is False:
        revoke_all_tokens(user)
    db.session.flush()
    return user


def revoke_all_tokens(user: User) -> None:
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
