"""Notifications: an outbox read in the app and, when WEBHOOK_URL is set, pushed by webhook.

Each notification has a unique dedupe key, so whatever creates them (the scheduler's jobs) can
run any number of times and notify once. Webhook delivery is at least once: a receiver that
must not act twice uses the `X-Xuncha-Dedupe-Key` header.
"""

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..core.db import db, read_only_intent
from ..core.errors import NotFound
from ..models import Hazard, Notification, User, utcnow

log = logging.getLogger("xuncha.notifications")

MAX_BACKOFF = timedelta(days=1)
DELIVERY_BATCH = 100


def enterprise_users(enterprise_id: int) -> list[User]:
    """The enterprise's own active accounts: its principal/viewers and safety managers."""
    return db.session.scalars(
        select(User)
        .where(User.enterprise_id == enterprise_id, User.is_active.is_(True))
        .order_by(User.id)
    ).all()


def supervisors_over(enterprise) -> list[User]:
    """Active supervisors of the enterprise's jurisdiction and of every jurisdiction above it."""
    chain = [int(part) for part in enterprise.jurisdiction.path.strip("/").split("/") if part]
    return db.session.scalars(
        select(User)
        .where(
            User.role == "supervisor",
            User.jurisdiction_id.in_(chain),
            User.is_active.is_(True),
        )
        .order_by(User.id)
    ).all()


def notify(
    recipient: User,
    kind: str,
    *,
    dedupe_key: str,
    hazard: Hazard | None = None,
    payload: dict | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Queue one notification; None when one with the same dedupe key already exists."""
    if db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    notification = Notification(
        recipient_id=recipient.id,
        kind=kind,
        hazard_id=hazard.id if hazard else None,
        payload=payload or {},
        dedupe_key=dedupe_key,
        created_at=now or utcnow(),
        attempts=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None  # queued concurrently by someone else: that one counts
    return notification


def notifications_of(user: User, *, unread: bool | None = None):
    stmt = select(Notification).where(Notification.recipient_id == user.id)
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def mark_read(user: User, notification_id: int, now: datetime | None = None) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != user.id:
        raise NotFound(f"notification {notification_id} not found")
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
    return notification


def deliver_webhooks(
    now: datetime,
    *,
    url: str | None,
    timeout: float = 10.0,
    max_attempts: int = 8,
    backoff_seconds: float = 60.0,
) -> dict:
    """POST every pending notification to `url`; a failure is retried with exponential backoff
    (backoff_seconds × 2^(attempts−1), at most a day) until max_attempts."""
    if not url:
        return {"skipped": "WEBHOOK_URL is not set"}
    with read_only_intent():
        due = [
            (notification.id, notification.dedupe_key, webhook_body(notification))
            for notification in db.session.scalars(
                select(Notification)
                .where(
                    Notification.delivered_at.is_(None),
                    Notification.attempts < max_attempts,
                    or_(
                        Notification.next_attempt_at.is_(None),
                        Notification.next_attempt_at <= now,
                    ),
                )
                .order_by(Notification.id)
                .limit(DELIVERY_BATCH)
            )
        ]
        # Ends the read before the HTTP calls: on SQLite a transaction held across them would
        # keep every other writer waiting for as long as the receiver takes to answer.
        db.session.commit()
    errors = {notification_id: _post(url, body, key, timeout) for notification_id, key, body in due}
    for notification_id, error in errors.items():
        _record_attempt(db.session.get(Notification, notification_id), error, now, backoff_seconds)
    db.session.flush()
    failed = sum(1 for error in errors.values() if error is not None)
    return {"delivered": len(errors) - failed, "failed": failed}


def webhook_outbox(max_attempts: int = 8) -> dict[str, int]:
    """The webhook deliveries by state, for `xuncha jobs queue`: waiting (never tried),
    retrying (failed, to be tried again), delivered, and given up after max_attempts."""
    pending = Notification.delivered_at.is_(None)
    states = {
        "waiting": pending & (Notification.attempts == 0),
        "retrying": pending & (Notification.attempts > 0) & (Notification.attempts < max_attempts),
        "given_up": pending & (Notification.attempts >= max_attempts),
        "delivered": Notification.delivered_at.is_not(None),
    }
    return {
        state: db.session.scalar(select(func.count()).select_from(Notification).where(clause))
        for state, clause in states.items()
    }


def _record_attempt(notification: Notification, error: str | None, now, backoff_seconds) -> None:
    notification.attempts += 1
    if error is None:
        notification.delivered_at = now
        notification.next_attempt_at = None
        notification.last_error = None
        return
    notification.last_error = error[:2000]
    delay = timedelta(seconds=backoff_seconds * 2 ** (notification.attempts - 1))
    notification.next_attempt_at = now + min(delay, MAX_BACKOFF)
    log.warning("webhook delivery of notification %s failed: %s", notification.id, error)


def webhook_body(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "recipient_id": notification.recipient_id,
        "hazard_id": notification.hazard_id,
        "payload": notification.payload,
        "created_at": notification.created_at.isoformat(),
    }


def _post(url: str, body: dict, dedupe_key: str, timeout: float) -> str | None:
    """None on a 2xx answer, else what went wrong."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Xuncha-Dedupe-Key": dedupe_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return None
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
