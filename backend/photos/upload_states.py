"""tus upload state in the database (``tus_uploads``), so any app instance may take an upload's
next request: media/tus.py's ``UploadStates`` over the request's session.

Writes go through the request's (or job's) session and commit with it, like every other write.
The lock on an upload is a row lock: ``SELECT … FOR UPDATE NOWAIT`` on PostgreSQL, held until
the request's transaction ends; a second PATCH of the same upload, from any instance, is
refused with ``UploadLocked`` (423) instead of waiting. SQLite needs no row lock: a writing
request holds the database's write lock from its first statement (core/db.py), so two PATCHes
already run one after the other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from media.errors import UploadLocked
from media.tus import UploadInfo

from ..core.db import db, is_lock_contention
from ..models import TusUpload

# The upload's owner is kept with its metadata under a key clients cannot send (only the
# client keys of photos/services.py are kept from Upload-Metadata), and in its own column.
OWNER_KEY = "xuncha_user_id"


class SqlUploadStates:
    def __init__(self, ttl: timedelta) -> None:
        self.ttl = ttl

    def insert(self, upload_id: str, info: UploadInfo) -> None:
        owner = info.metadata.get(OWNER_KEY)
        db.session.add(
            TusUpload(
                id=upload_id,
                owner_id=int(owner) if owner else None,
                length=info.length,
                offset=info.offset,
                upload_metadata=dict(info.metadata),
                created_at=info.created_at,
                expires_at=info.expires_at(self.ttl),
            )
        )
        db.session.flush()

    def get(self, upload_id: str) -> UploadInfo | None:
        row = db.session.execute(
            select(TusUpload)
            .where(TusUpload.id == upload_id)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        return _info(row) if row is not None else None

    @contextlib.contextmanager
    def locked(self, upload_id: str) -> Iterator[UploadInfo | None]:
        stmt = select(TusUpload).where(TusUpload.id == upload_id)
        if db.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(nowait=True)
        try:
            with db.session.begin_nested():  # a refused lock must not abort the transaction
                row = db.session.execute(
                    stmt.execution_options(populate_existing=True)
                ).scalar_one_or_none()
        except OperationalError as error:
            if not is_lock_contention(error):
                raise
            raise UploadLocked("another request is writing this upload") from None
        yield _info(row) if row is not None else None

    def set_offset(self, upload_id: str, offset: int) -> None:
        db.session.execute(update(TusUpload).where(TusUpload.id == upload_id).values(offset=offset))

    def delete(self, upload_id: str) -> None:
        db.session.execute(delete(TusUpload).where(TusUpload.id == upload_id))

    def created_before(self, cutoff: datetime) -> list[str]:
        return list(
            db.session.scalars(
                select(TusUpload.id).where(TusUpload.created_at < cutoff).order_by(TusUpload.id)
            )
        )


def _info(row: TusUpload) -> UploadInfo:
    return UploadInfo(
        offset=row.offset,
        length=row.length,
        metadata=dict(row.upload_metadata),
        created_at=row.created_at,
    )
