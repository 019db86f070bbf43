from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SyncCounter(Base):
    """The server's change counter: one row, bumped once per writing transaction.

    The bump takes the row's lock until commit, so writers of synced data commit in counter
    order and a pull that reads the committed value cannot miss a change made concurrently.
    """

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    # The change log holds no change stamped at or below this value any more (the retention
    # job, jobs/retention.py): a device that last pulled before it must resync from scratch.
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class SyncChange(Base):
    """One change of a synced record, with where it lay (for scoping tombstones and moves)."""

    __tablename__ = "sync_changes"
    __table_args__ = (
        Index("ix_sync_changes_table_record", "table_name", "record_id"),
        Index("ix_sync_changes_table_seq", "table_name", "seq"),  # what a pull reads
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Assigned when the writing transaction commits (see sync_adapter/change_log.py).
    seq: Mapped[int | None] = mapped_column(BigInteger, index=True)
    table_name: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(8))
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    jurisdiction_path: Mapped[str | None] = mapped_column(String(255))
    previous_path: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(Integer)
    device_id: Mapped[str | None] = mapped_column(String(128))
    # When the change was logged: what the retention job (jobs/retention.py) measures age by.
    logged_at: Mapped[datetime | None] = mapped_column(default=utcnow)


class SyncRejection(Base):
    """A pushed record the server refused: the device reads why; an admin reviews the raw copy."""

    __tablename__ = "sync_rejections"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(128))
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict | list | str | None] = mapped_column(JSON)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
