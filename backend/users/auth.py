"""Passwords (argon2), opaque bearer tokens stored hashed, and login throttling."""

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import and_, delete, func, select

from ..core.db import db, keep_despite_error, serialize_on
from ..core.errors import Invalid, TooManyAttempts, Unauthorized
from ..models import AccessToken, LoginFailure, User, utcnow

_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
TOKEN_PREFIX = "xc_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def digest_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, *, ttl: timedelta, device_id: str | None = None):
    """Create a token; the caller gets the clear value once, the database only its digest."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = AccessToken(
        user=user,
        token_hash=digest_token(token),
        device_id=device_id,
        expires_at=utcnow() + ttl,
    )
    db.session.add(record)
    db.session.flush()
    return token, record


def user_for_token(token: str) -> tuple[User, AccessToken] | None:
    record = db.session.scalar(
        select(AccessToken).where(AccessToken.token_hash == digest_token(token))
    )
    now = utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    if not record.user.is_active:
        return None
    return record.user, record


def revoke(record: AccessToken) -> None:
    record.revoked_at = utcnow()
    db.session.flush()


LOGIN_LOCKS = 1  # advisory-lock namespace of login attempts


class LoginThrottle:
    """Failed logins within `window`: per account from one address (`per_account`), per
    account from anywhere (`per_account_anywhere`, much higher, so that nobody can lock
    somebody else out with a few wrong passwords), and per address (`per_address`)."""

    def __init__(
        self,
        *,
        per_account: int,
        per_address: int,
        window: timedelta,
        per_account_anywhere: int | None = None,
    ) -> None:
        self.per_account = per_account
        self.per_account_anywhere = per_account_anywhere or per_account * 10
        self.per_address = per_address
        self.window = window

    def check(self, username: str, address: str) -> None:
        since = utcnow() - self.window
        account = LoginFailure.username == username
        by_address = LoginFailure.address == address
        counted = (
            (self._failures(and_(account, by_address), since), self.per_account),
            (self._failures(account, since), self.per_account_anywhere),
            (self._failures(by_address, since), self.per_address),
        )
        for (count, oldest), limit in counted:
            if count >= limit:
                raise TooManyAttempts(
                    "Too many failed logins; try again later.",
                    retry_after=self._seconds_until_free(oldest),
                )

    def record_failure(self, username: str, address: str) -> None:
        db.session.add(LoginFailure(username=username, address=address))
        db.session.flush()

    def forget_account(self, username: str) -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))

    def _failures(self, condition, since: datetime) -> tuple[int, datetime | None]:
        row = db.session.execute(
            select(func.count(), func.min(LoginFailure.created_at)).where(
                condition, LoginFailure.created_at > since
            )
        ).one()
        oldest = row[1]
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        return row[0], oldest

    def _seconds_until_free(self, oldest: datetime | None) -> int:
        if oldest is None:
            return int(self.window.total_seconds())
        return max(1, int((oldest + self.window - utcnow()).total_seconds()) + 1)


def authenticate(username: str, password: str, address: str, throttle: LoginThrottle) -> User:
    """The active user with these credentials; failures are recorded and throttled.

    Attempts on one account or from one address run one after the other, so parallel guesses
    cannot all pass the check before any of their failures is counted."""
    serialize_on(db.session, LOGIN_LOCKS, f"account:{username}", f"address:{address}")
    throttle.check(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    valid = password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if not (user and valid and user.is_active):
        throttle.record_failure(username, address)
        # The failure must outlive the refusal, or throttling would never trigger.
        keep_despite_error(db.session)
        raise Unauthorized("Invalid username or password.")
    throttle.forget_account(username)
    return user


def check_current_password(
    user: User, password: str, address: str, throttle: LoginThrottle
) -> None:
    """Proof that the holder of a live token knows its password, throttled like a login (a
    stolen token must not become a way to guess the password)."""
    serialize_on(db.session, LOGIN_LOCKS, f"account:{user.username}", f"address:{address}")
    throttle.check(user.username, address)
    if not password_matches(user.password_hash, password):
        throttle.record_failure(user.username, address)
        keep_despite_error(db.session)
        raise Invalid("The current password is wrong.", field="current_password")


def login_throttle() -> LoginThrottle:
    config = current_app.config
    return LoginThrottle(
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_account_anywhere=config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT_ANYWHERE"),
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]),
    )
