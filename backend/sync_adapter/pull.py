"""The pull: a device's first sync streams everything in its user's scope; later ones read
the change log since `last_pulled_at` and send what was created, updated or deleted in that
scope (docs/sync.md)."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from sync.protocol import empty_changes

from ..core import scope as authz
from ..core.db import db
from ..models import ENTERPRISE_ROLES, Enterprise, Jurisdiction, SyncChange, User
from .change_log import committed_counter, pruned_through
from .tables import BATCH, PULL_TABLES, TABLES, PullTable


def pull(
    user: User, last_pulled_at: int | None, device_id: str | None, migration: str | None = None
) -> dict:
    """`{"changes", "timestamp"}`; rows are read from the database in batches.

    A device that has just migrated its local schema (WatermelonDB sends `migration`) gets
    its whole scope again, as on a first sync: its new columns are filled on records it
    already holds, since WatermelonDB applies a `created` record it holds as an update
    (docs/sync.md, "Schema versions")."""
    if is_migration(migration):
        last_pulled_at = None
    if _log_pruned_past(last_pulled_at):
        return _resync(user, device_id)
    answer = _pull(user, last_pulled_at, device_id)
    if _log_pruned_past(last_pulled_at):  # pruned while this pull read the log
        return _resync(user, device_id)
    return answer


REPLACEMENT = "replacement"


def _log_pruned_past(last_pulled_at: int | None) -> bool:
    """Whether changes after `last_pulled_at` may be gone from the log (jobs/retention.py)."""
    return last_pulled_at is not None and last_pulled_at < pruned_through(db.session)


def _resync(user: User, device_id: str | None) -> dict:
    """The whole scope, with WatermelonDB's replacement strategy: the device drops the records
    it holds that the answer does not name (those deleted while the log was pruned), keeping
    its own unpushed work (docs/sync.md, "The change log's retention")."""
    return {**_pull(user, None, device_id), "experimentalStrategy": REPLACEMENT}


def _pull(user: User, last_pulled_at: int | None, device_id: str | None) -> dict:
    timestamp = committed_counter(db.session)
    changes = empty_changes(PULL_TABLES)
    viewer = _Viewer.of(user)
    for table in TABLES:
        if table.officials_only and user.role in ENTERPRISE_ROLES:
            continue
        condition = table.scope(user)
        target = changes[table.name]
        if last_pulled_at is None:
            target["created"] = list(_stream(table, condition))
        else:
            _incremental(table, condition, viewer, device_id, last_pulled_at, timestamp, target)
    return {"changes": changes, "timestamp": timestamp}


def is_migration(migration: str | None) -> bool:
    return migration not in (None, "", "null")


def _stream(table: PullTable, condition, ids=None) -> Iterator[dict]:
    stmt = select(table.model).where(condition).options(*table.options)
    if ids is not None:
        stmt = stmt.where(table.model.id.in_(ids))
    stmt = stmt.order_by(table.model.id).execution_options(yield_per=BATCH)
    for record in db.session.scalars(stmt):
        yield table.serialize(record)
        db.session.expunge(record)  # keeps memory flat while thousands of rows stream by


@dataclass
class _Change:
    created_elsewhere: bool = False
    deleted: bool = False
    rows: list = field(default_factory=list)


def changes_query(table_name: str, last: int, upto: int):
    """A table's changes after `last`, in commit order (served by ix_sync_changes_table_seq)."""
    return (
        select(SyncChange)
        .where(
            SyncChange.table_name == table_name,
            SyncChange.seq > last,
            SyncChange.seq <= upto,
        )
        .order_by(SyncChange.seq, SyncChange.id)
    )


def changes_since(
    table_name: str, last: int, upto: int, device_id, where=None
) -> dict[str, _Change]:
    stmt = changes_query(table_name, last, upto)
    if where is not None:
        stmt = stmt.where(where)
    stmt = stmt.execution_options(yield_per=BATCH)
    changed: dict[str, _Change] = {}
    for row in db.session.scalars(stmt):
        change = changed.setdefault(row.record_id, _Change())
        if row.operation == "created" and (device_id is None or row.device_id != device_id):
            change.created_elsewhere = True
        change.deleted = row.operation == "deleted"
        change.rows.append(
            (row.jurisdiction_path, row.previous_path, row.enterprise_id, row.user_id)
        )
    return changed


@dataclass(frozen=True)
class _Viewer:
    """Who pulls, with their jurisdiction's path looked up once per pull."""

    user: User
    root: str | None

    @classmethod
    def of(cls, user: User) -> "_Viewer":
        root = None
        if not authz.is_global(user) and user.role not in ENTERPRISE_ROLES:
            root = db.session.scalar(
                select(Jurisdiction.path).where(Jurisdiction.id == authz.scope_root_id(user))
            )
        return cls(user, root)

    def may_hold(self, table: PullTable, change: _Change) -> bool:
        """A record gone from the user's view is sent as deleted only if the device may hold
        it: not when it was created and removed since the last pull, nor when it never was in
        the user's scope."""
        if change.created_elsewhere and change.deleted:
            return False
        return any(self._saw(table, *place) for place in change.rows)

    def change_filter(self, table: PullTable):
        """The change-log rows that can concern this user, as SQL (the same rule as `_saw`,
        plus rows with no place, such as checklists): a pull reads its own share of the log,
        not every colleague's work."""
        user = self.user
        if user.role in ENTERPRISE_ROLES:
            return or_(
                SyncChange.enterprise_id == user.enterprise_id, SyncChange.user_id == user.id
            )
        if table.owned:
            return SyncChange.user_id == user.id
        if authz.is_global(user):
            return None
        placeless = and_(SyncChange.jurisdiction_path.is_(None), SyncChange.user_id.is_(None))
        if not self.root:
            return or_(placeless, SyncChange.user_id == user.id)
        return or_(
            placeless,
            SyncChange.user_id == user.id,
            SyncChange.jurisdiction_path.startswith(self.root, autoescape=True),
            SyncChange.previous_path.startswith(self.root, autoescape=True),
        )

    def _saw(self, table: PullTable, path, previous, enterprise_id, owner) -> bool:
        user = self.user
        if user.role in ENTERPRISE_ROLES:
            return enterprise_id == user.enterprise_id
        if table.owned:
            return owner == user.id
        if authz.is_global(user):
            return True
        return owner == user.id or any(
            p and self.root and p.startswith(self.root) for p in (path, previous)
        )


def _incremental(table, condition, viewer: _Viewer, device_id, last, upto, target) -> None:
    changed = changes_since(table.name, last, upto, device_id, viewer.change_filter(table))
    ids = list(changed)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        typed = [int(i) for i in chunk] if table.model is Enterprise else chunk
        present = set()
        for raw in _stream(table, condition, typed):
            present.add(raw["id"])
            bucket = "created" if changed[raw["id"]].created_elsewhere else "updated"
            target[bucket].append(raw)
        if not table.sends_deletions:
            continue
        target["deleted"] += [
            record_id
            for record_id in chunk
            if record_id not in present and viewer.may_hold(table, changed[record_id])
        ]
