"""The change log's retention (issue 20): the sync's change log grows by every write; changes
older than SYNC_CHANGE_LOG_RETENTION_DAYS (local policy, no source) are deleted.

Deletion goes by counter value, not by row: the newest stamp among the changes that are old
enough marks a cut, and every change stamped at or below it goes, so the log keeps exactly the
changes after the cut. The cut is recorded (`sync_counter.pruned_through`); a device that last
pulled before it can no longer be told what changed and resyncs from scratch
(sync_adapter/pull.py). Changes not yet stamped (a transaction still running) are never cut.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..core.db import db
from ..models import SyncChange, SyncCounter


def prune_change_log(now: datetime) -> dict:
    days = int(current_app.config["SYNC_CHANGE_LOG_RETENTION_DAYS"])
    cut = db.session.scalar(
        select(func.max(SyncChange.seq)).where(
            SyncChange.logged_at < now - timedelta(days=days), SyncChange.seq.is_not(None)
        )
    )
    if cut is None:
        return {"deleted": 0}
    deleted = db.session.execute(delete(SyncChange).where(SyncChange.seq <= cut)).rowcount
    db.session.execute(
        update(SyncCounter)
        .where(SyncCounter.id == 1, SyncCounter.pruned_through < cut)
        .values(pruned_through=cut)
    )
    return {"deleted": deleted, "pruned_through": cut}
