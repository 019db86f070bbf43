"""Change tracking for sync: every flush logs the synced records it wrote; the commit stamps
them with one value of the server's counter.

The counter is bumped just before commit and its row stays locked until the commit ends, so
transactions stamp in commit order: a pull that reads the committed counter value C and asks
for changes up to C cannot miss a change committed concurrently (it has a value above C).
"""

from sqlalchemy import event, insert, select, update

from ..db import AppSession
from ..models import (
    ChecklistVersion,
    Enterprise,
    Finding,
    Hazard,
    HazardAction,
    Inspection,
    Jurisdiction,
    Photo,
    SyncChange,
    SyncCounter,
    SyncRejection,
)

DEVICE = "sync_device_id"
# Tables whose records devices create: only those carry the pushing device's id, so what a
# device pushed returns to it as `updated`, while what the server derived (hazards) is `created`.
DEVICE_TABLES = {"inspections", "findings", "photos", "hazard_actions"}

# Which sync table a model feeds, and how to find where a record lies for scoping.
TABLES: dict[type, str] = {
    Enterprise: "enterprises",
    ChecklistVersion: "checklists",
    Hazard: "hazards",
    Inspection: "inspections",
    Finding: "findings",
    Photo: "photos",
    SyncRejection: "sync_rejections",
    HazardAction: "hazard_actions",
}


# Tables whose records lie in their enterprise's scope and move with it to another jurisdiction.
ENTERPRISE_FOLLOWERS: dict[str, type] = {"hazards": Hazard}


def register(model: type, table_name: str, *, follows_enterprise: bool = False) -> None:
    """Track another model (e.g. hazard actions) under a sync table name; `follows_enterprise`:
    its records (with an `enterprise_id`) are logged again when their enterprise moves."""
    TABLES[model] = table_name
    if follows_enterprise:
        ENTERPRISE_FOLLOWERS[table_name] = model


def _path_of_jurisdiction(connection, jurisdiction_id):
    if jurisdiction_id is None:
        return None
    return connection.scalar(select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id))


def _enterprise_place(connection, enterprise_id):
    row = connection.execute(
        select(Enterprise.id, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == Enterprise.jurisdiction_id)
        .where(Enterprise.id == enterprise_id)
    ).first()
    return (row[0], row[1]) if row else (enterprise_id, None)


def _inspection_place(connection, inspection_id):
    row = connection.execute(
        select(Inspection.enterprise_id, Inspection.inspector_id).where(
            Inspection.id == inspection_id
        )
    ).first()
    if row is None:
        return None, None, None
    return (*_enterprise_place(connection, row[0]), row[1])


def _hazard_place(connection, hazard_id):
    enterprise_id = connection.scalar(select(Hazard.enterprise_id).where(Hazard.id == hazard_id))
    return (*_enterprise_place(connection, enterprise_id), None)


def _hazard_action_place(connection, action_id):
    hazard_id = connection.scalar(
        select(HazardAction.hazard_id).where(HazardAction.id == action_id)
    )
    return _hazard_place(connection, hazard_id)


OWNER_PLACES = {
    "inspections": _inspection_place,
    "hazards": _hazard_place,
    "hazard_actions": _hazard_action_place,
    "findings": lambda connection, finding_id: _inspection_place(
        connection,
        connection.scalar(select(Finding.inspection_id).where(Finding.id == finding_id)),
    ),
}


def place_of(connection, obj) -> dict:
    """enterprise_id, jurisdiction_path and user_id of the record, for scoping its changes."""
    enterprise_id = path = user_id = None
    if isinstance(obj, Enterprise):
        enterprise_id, path = obj.id, _path_of_jurisdiction(connection, obj.jurisdiction_id)
    elif isinstance(obj, Hazard):
        enterprise_id, path = _enterprise_place(connection, obj.enterprise_id)
    elif isinstance(obj, Inspection):
        enterprise_id, path = _enterprise_place(connection, obj.enterprise_id)
        user_id = obj.inspector_id
    elif isinstance(obj, Finding):
        enterprise_id, path, user_id = _inspection_place(connection, obj.inspection_id)
    elif isinstance(obj, Photo):
        locate = OWNER_PLACES.get(obj.owner_table)
        if locate:
            enterprise_id, path, _ = locate(connection, obj.owner_id)
        user_id = obj.created_by_id
    elif isinstance(obj, SyncRejection):
        user_id = obj.user_id
    elif hasattr(obj, "hazard_id"):
        enterprise_id, path, _ = _hazard_place(connection, obj.hazard_id)
    elif hasattr(obj, "enterprise_id"):  # other records of one enterprise (inspection plans)
        enterprise_id, path = _enterprise_place(connection, obj.enterprise_id)
    return {"enterprise_id": enterprise_id, "jurisdiction_path": path, "user_id": user_id}


def _previous_path(connection, obj) -> str | None:
    """Where an enterprise lay before this change, when it moved to another jurisdiction."""
    if not isinstance(obj, Enterprise):
        return None
    from sqlalchemy import inspect

    history = inspect(obj).attrs.jurisdiction_id.history
    if not history.deleted or history.deleted[0] in (None, obj.jurisdiction_id):
        return None
    return _path_of_jurisdiction(connection, history.deleted[0])


def _changed(session):
    for obj in session.new:
        yield obj, "created"
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            yield obj, "updated"
    for obj in session.deleted:
        yield obj, "deleted"


@event.listens_for(AppSession, "after_flush")
def log_changes(session, _flush_context) -> None:
    connection = session.connection()
    rows = []
    for obj, operation in _changed(session):
        table = TABLES.get(type(obj))
        if table is None:
            continue
        rows.append(
            {
                "seq": None,
                "table_name": table,
                "record_id": str(obj.id),
                "operation": operation,
                "previous_path": _previous_path(connection, obj),
                "device_id": session.info.get(DEVICE) if table in DEVICE_TABLES else None,
                **place_of(connection, obj),
            }
        )
    rows += _records_following_moves(connection, rows)
    if rows:
        connection.execute(insert(SyncChange), rows)


def _records_following_moves(connection, rows) -> list[dict]:
    """An enterprise's hazards (and other followers) move with it: log them so they leave the
    old scope's devices."""
    moved = [row for row in rows if row["table_name"] == "enterprises" and row["previous_path"]]
    followers = []
    for row in moved:
        for table_name, model in ENTERPRISE_FOLLOWERS.items():
            record_ids = connection.scalars(
                select(model.id).where(model.enterprise_id == row["enterprise_id"])
            )
            followers += [
                {
                    **row,
                    "table_name": table_name,
                    "record_id": str(record_id),
                    "operation": "updated",
                }
                for record_id in record_ids
            ]
    return followers


@event.listens_for(AppSession, "before_commit")
def stamp_changes(session) -> None:
    # Asked of the database rather than remembered: a rolled-back savepoint may have taken
    # back some or all of this transaction's change rows.
    session.flush()
    connection = session.connection()
    pending = select(SyncChange.id).where(SyncChange.seq.is_(None)).limit(1)
    if connection.scalar(pending) is None:
        return
    seq = connection.scalar(
        update(SyncCounter)
        .where(SyncCounter.id == 1)
        .values(value=SyncCounter.value + 1)
        .returning(SyncCounter.value)
    )
    connection.execute(update(SyncChange).where(SyncChange.seq.is_(None)).values(seq=seq))


def committed_counter(session) -> int:
    return session.scalar(select(SyncCounter.value).where(SyncCounter.id == 1)) or 0
