"""Refused records are kept for the device (the `sync_rejections` table it pulls) and for
review, bounded: a raw copy up to MAX_RAW_BYTES (a longer one is kept as its head), and a
user's latest KEPT_REJECTIONS."""

import json
import uuid

from sqlalchemy import delete, select

from ..core.db import db
from ..models import SyncRejection, User

MAX_RAW_BYTES = 16 * 1024
MAX_REASON = 2000
KEPT_REJECTIONS = 1000


def bounded_copy(raw):
    text = json.dumps(raw, default=str, ensure_ascii=False)
    if len(text.encode()) <= MAX_RAW_BYTES:
        return json.loads(text)
    return {"truncated": True, "bytes": len(text.encode()), "head": text[: MAX_RAW_BYTES // 4]}


def keep_latest_rejections(user_id: int) -> None:
    stale = (
        select(SyncRejection.id)
        .where(SyncRejection.user_id == user_id)
        .order_by(SyncRejection.created_at.desc(), SyncRejection.id.desc())
        .offset(KEPT_REJECTIONS)
    )
    stale_ids = list(db.session.scalars(stale))
    if stale_ids:
        db.session.execute(delete(SyncRejection).where(SyncRejection.id.in_(stale_ids)))


def add_rejections(user: User, device_id: str | None, rejections) -> None:
    for rejection in rejections:
        db.session.add(
            SyncRejection(
                id=uuid.uuid4().hex,
                user_id=user.id,
                device_id=device_id,
                table_name=rejection.table[:64],
                record_id=rejection.record_id[:64],
                reason=rejection.reason[:MAX_REASON],
                raw=bounded_copy(rejection.raw),
            )
        )
