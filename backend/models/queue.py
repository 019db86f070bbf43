from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

QUEUED_JOB_STATES = ("queued", "running", "dead")


class QueuedJob(Base):
    """Background work waiting for a worker of any instance (core/queue.py): a job is claimed
    with a lease (locked_by, locked_until), deleted once done, retried with backoff, dead after
    QUEUE_MAX_ATTEMPTS."""

    __tablename__ = "queued_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'dead')", name="state"),
        Index("ix_queued_jobs_ready", "state", "run_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
