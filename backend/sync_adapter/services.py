"""The server side of WatermelonDB sync: scoped pulls from the change log, pushes applied
through the same domain services as the online API."""

import json
import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import DataError, IntegrityError

from media.storage import is_sha256
from sync.engine import PushConflict, RecordRejected, Rejection, push
from sync.protocol import datetime_to_ms, empty_changes, ms_to_datetime

from ..checklists import services as checklist_service
from ..core import scope as authz
from ..core.db import db
from ..core.errors import DomainError
from ..core.http import COORDINATE_LIMITS, MAX_ID
from ..hazards import services as hazard_service
from ..inspections import services as inspection_service
from ..models import (
    ENTERPRISE_ROLES,
    ChecklistVersion,
    Enterprise,
    Finding,
    Hazard,
    HazardAction,
    Inspection,
    InspectionPlan,
    Jurisdiction,
    Photo,
    SyncChange,
    SyncRejection,
    User,
    utcnow,
)
from ..photos import services as photo_service
from ..plans import services as inspection_plans
from .change_log import DEVICE, PHOTO_OWNER_TABLES, committed_counter

BATCH = 500


# ---------------------------------------------------------------- serialisation


def _value(value):
    if isinstance(value, datetime):
        return datetime_to_ms(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _raw(**fields) -> dict:
    return {key: _value(value) for key, value in fields.items()}


def serialize_enterprise(e: Enterprise) -> dict:
    return _raw(
        id=str(e.id),
        name=e.name,
        uscc=e.uscc,
        address=e.address,
        industry=e.industry,
        scale=e.scale,
        jurisdiction_id=str(e.jurisdiction_id),
        risk_class=e.risk_class,
        standardisation_grade=e.standardisation_grade,
        safety_code_color=getattr(e, "safety_code_color", None),
    )


def serialize_checklist(v: ChecklistVersion) -> dict:
    return _raw(
        id=v.id,
        code=v.code,
        title=v.title,
        version=v.version,
        content=v.content,
        is_current=v.is_current,
    )


def serialize_hazard(h: Hazard) -> dict:
    return _raw(
        id=h.id,
        enterprise_id=str(h.enterprise_id),
        finding_id=h.finding_id,
        inspection_id=h.inspection_id,
        title=h.title,
        location=h.location,
        grade=h.grade,
        status=h.status,
        due_on=h.due_on,
        self_reported=h.self_reported,
        closed_by_enterprise=h.closed_by_enterprise,
        updated_at=h.updated_at,
    )


def serialize_inspection(i: Inspection) -> dict:
    return _raw(
        id=i.id,
        enterprise_id=str(i.enterprise_id),
        checklist_id=i.checklist_version_id,
        kind=i.kind,
        started_at=i.started_at,
        finished_at=i.finished_at,
        latitude=i.latitude,
        longitude=i.longitude,
        status=i.status,
        score=i.score,
    )


def serialize_finding(f: Finding) -> dict:
    return _raw(
        id=f.id,
        inspection_id=f.inspection_id,
        item_code=f.item_code,
        result=f.result,
        note=f.note,
        grade=f.grade,
        due_on=f.due_on,
    )


def serialize_photo(p: Photo) -> dict:
    return _raw(
        id=p.id,
        sha256=p.sha256,
        owner_table=p.owner_table,
        owner_id=p.owner_id,
        taken_at=p.taken_at,
        latitude=p.latitude,
        longitude=p.longitude,
    )


def serialize_hazard_action(a: HazardAction) -> dict:
    return _raw(
        id=a.id,
        hazard_id=a.hazard_id,
        action=a.action,
        note=a.note,
        due_on=a.due_on_after,
        created_at=a.device_time or a.received_at,
        from_status=a.from_status,
        to_status=a.to_status,
        actor_role=a.actor_role,
        received_at=a.received_at,
    )


def serialize_rejection(r: SyncRejection) -> dict:
    return _raw(
        id=r.id,
        table_name=r.table_name,
        record_id=r.record_id,
        reason=r.reason,
        created_at=r.created_at,
    )


# ---------------------------------------------------------------- scopes


@dataclass
class PullTable:
    name: str
    model: type
    serialize: callable
    scope: callable  # (user) -> SQL condition on the model: what this user receives
    sends_deletions: bool = True
    # Officials receive the records of this table that they own (their own inspections and
    # findings), not everything in their jurisdiction: a colleague's record never reached
    # their device, so it must not come back to it as deleted.
    owned: bool = False
    # Never sent to enterprise users, not even as deletions (inspection plans: supervision
    # visits are unannounced, 四不两直).
    officials_only: bool = False


def _own_inspections(user: User):
    if user.role in ENTERPRISE_ROLES:
        owned = authz.inspection_clause(user)
    else:
        owned = Inspection.inspector_id == user.id
    return and_(owned, _kept_on_device(user))


def _kept_on_device(user: User):
    """What a device holds of past inspections, so a first pull stays bounded however long
    the history: the open ones, those received within SYNC_HISTORY_DAYS, and those a hazard
    in the user's view came from. Older ones stay on the server (and in the REST API)."""
    days = current_app.config.get("SYNC_HISTORY_DAYS", 90)
    referenced = select(Hazard.inspection_id).where(
        _hazard_scope(user), Hazard.inspection_id.is_not(None)
    )
    return or_(
        Inspection.status == "in_progress",
        Inspection.created_at >= utcnow() - timedelta(days=days),
        Inspection.id.in_(referenced),
    )


def _hazard_scope(user: User):
    visible = authz.hazard_clause(user)
    if user.role in ENTERPRISE_ROLES:
        return visible
    return and_(visible, Hazard.status != "closed")


def _finding_scope(user: User):
    return Finding.inspection_id.in_(select(Inspection.id).where(_own_inspections(user)))


def _hazard_action_scope(user: User):
    return HazardAction.hazard_id.in_(select(Hazard.id).where(_hazard_scope(user)))


def _photo_scope(user: User):
    findings = select(Finding.id).where(_finding_scope(user))
    hazards = select(Hazard.id).where(_hazard_scope(user))
    inspections = select(Inspection.id).where(_own_inspections(user))
    actions = select(HazardAction.id).where(_hazard_action_scope(user))
    return or_(
        and_(Photo.owner_table == "findings", Photo.owner_id.in_(findings)),
        and_(Photo.owner_table == "hazards", Photo.owner_id.in_(hazards)),
        and_(Photo.owner_table == "inspections", Photo.owner_id.in_(inspections)),
        and_(Photo.owner_table == "hazard_actions", Photo.owner_id.in_(actions)),
    )


def _checklist_scope(user: User):
    """The current versions the user's enterprises need, and every version they inspected."""
    needed: set[str] = set()
    seen_profiles: set[tuple] = set()
    current = checklist_service.current_versions()
    stmt = select(Enterprise.industry, Enterprise.scale, Enterprise.risk_features).where(
        authz.enterprise_clause(user)
    )
    for industry, scale, features in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        profile = (industry, scale, tuple(sorted(features or ())))
        if profile in seen_profiles:
            continue
        seen_profiles.add(profile)
        profile_enterprise = Enterprise(industry=industry, scale=scale, risk_features=features)
        needed |= {
            v.id for v in checklist_service.applicable_versions(profile_enterprise, None, current)
        }
    used = select(Inspection.checklist_version_id).where(_own_inspections(user))
    return or_(ChecklistVersion.id.in_(needed), ChecklistVersion.id.in_(used))


TABLES = [
    PullTable("enterprises", Enterprise, serialize_enterprise, authz.enterprise_clause),
    PullTable("checklists", ChecklistVersion, serialize_checklist, _checklist_scope, False),
    PullTable("hazards", Hazard, serialize_hazard, _hazard_scope),
    PullTable(
        "inspection_plans",
        InspectionPlan,
        inspection_plans.serialize_plan,
        inspection_plans.plan_scope,
        officials_only=True,
    ),
    PullTable("inspections", Inspection, serialize_inspection, _own_inspections, owned=True),
    PullTable("findings", Finding, serialize_finding, _finding_scope, owned=True),
    PullTable("hazard_actions", HazardAction, serialize_hazard_action, _hazard_action_scope),
    PullTable("photos", Photo, serialize_photo, _photo_scope),
    PullTable(
        "sync_rejections",
        SyncRejection,
        serialize_rejection,
        lambda user: SyncRejection.user_id == user.id,
        owned=True,
    ),
]
PULL_TABLES = tuple(table.name for table in TABLES)


# ---------------------------------------------------------------- pull


def pull(user: User, last_pulled_at: int | None, device_id: str | None) -> dict:
    """`{"changes", "timestamp"}`; rows are read from the database in batches."""
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


def _stream(table: PullTable, condition, ids=None) -> Iterator[dict]:
    stmt = select(table.model).where(condition)
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


def _changes_query(table_name: str, last: int, upto: int):
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


def _changes_since(
    table_name: str, last: int, upto: int, device_id, where=None
) -> dict[str, _Change]:
    stmt = _changes_query(table_name, last, upto)
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
                select(Jurisdiction.path).where(Jurisdiction.id == user.jurisdiction_id)
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
    changed = _changes_since(table.name, last, upto, device_id, viewer.change_filter(table))
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


# ---------------------------------------------------------------- push


@dataclass
class PushContext:
    user: User
    device_id: str | None
    last_pulled_at: int | None
    to_finish: dict[str, dict] = field(default_factory=dict)
    # The hazard actions this push creates, by id (their after-photos come first).
    pushed_actions: dict[str, dict] = field(default_factory=dict)


def _last_seq(table: str, record_id: str) -> int | None:
    return db.session.scalar(
        select(func.max(SyncChange.seq)).where(
            SyncChange.table_name == table, SyncChange.record_id == record_id
        )
    )


def _check_conflict(ctx: PushContext, table: str, record: dict, server: dict) -> None:
    """409 when the server's copy changed after the device's last pull and differs."""
    changed_at = _last_seq(table, record["id"])
    if ctx.last_pulled_at is None or changed_at is None or changed_at <= ctx.last_pulled_at:
        return
    if any(key in server and server[key] != record[key] for key in record if key != "id"):
        raise PushConflict(table, record["id"])


def _domain(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except DomainError as error:
        raise RecordRejected(error.detail) from error


def _int(record, key):
    """A reference to a row by its integer id (devices may send it as a string)."""
    try:
        value = int(record.get(key))
    except (TypeError, ValueError):
        raise RecordRejected(f"{key} must be an id") from None
    if not 1 <= value <= MAX_ID:
        raise RecordRejected(f"{key} must be an id from 1 to {MAX_ID}")
    return value


def _time(record, key):
    try:
        return ms_to_datetime(record.get(key))
    except ValueError as error:
        raise RecordRejected(f"{key} {error}") from None


def _coordinate(record, key):
    """A latitude or longitude in degrees, or None; anything else refuses the record."""
    value = record.get(key)
    if value is None:
        return None
    limit = COORDINATE_LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordRejected(f"{key} must be a number")
    if not -limit <= value <= limit:
        raise RecordRejected(f"{key} must be between -{limit} and {limit}")
    return value


def _date(record, key):
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RecordRejected(f"{key} must be a date YYYY-MM-DD") from None


def _visible_parent(model, record_id, user, child: str):
    """The record `child` belongs to, if the user sees it; otherwise `child` is refused as not
    found, like a record that does not exist: the reason names nothing out of the pusher's
    scope, not even the parent's id."""
    try:
        return authz.get_visible(model, record_id, user)
    except DomainError:
        raise RecordRejected(f"{child} not found") from None


def _visible(model, record_id, user, what):
    try:
        return authz.get_visible(model, record_id, user)
    except DomainError:
        raise RecordRejected(f"{what} {record_id} not found") from None


class InspectionsAdapter:
    name = "inspections"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx

    def apply(self, operation, record):
        if operation == "deleted":
            raise RecordRejected("inspections cannot be deleted")
        existing = db.session.get(Inspection, record["id"])
        if existing is None:
            _domain(
                inspection_service.start_inspection,
                self.ctx.user,
                id=record["id"],
                enterprise_id=_int(record, "enterprise_id"),
                checklist_version_id=str(record.get("checklist_id") or ""),
                kind=record.get("kind"),
                started_at=_time(record, "started_at"),
                latitude=_coordinate(record, "latitude"),
                longitude=_coordinate(record, "longitude"),
            )
        else:
            self._same_inspection(existing, record, operation)
        if record.get("finished_at") is not None:
            self.ctx.to_finish[record["id"]] = record

    def _same_inspection(self, existing: Inspection, record, operation) -> None:
        server = serialize_inspection(existing)
        identity = ("enterprise_id", "checklist_id", "kind")
        mine = existing.inspector_id == self.ctx.user.id
        if not mine or any(str(record.get(k)) != str(server[k]) for k in identity):
            raise RecordRejected(f"inspection id {record['id']} is taken")
        # Pushing an inspection as still open after another device finished it conflicts.
        _check_conflict(
            self.ctx,
            "inspections",
            {"id": record["id"], "finished": record.get("finished_at") is not None},
            {"finished": existing.status == "finished"},
        )


class FindingsAdapter:
    name = "findings"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx
        # Held for the push: the inspections (and what they load) stay in the session's
        # identity map, so the findings of one inspection cost one lookup, not one each.
        self.inspections: dict[str, Inspection] = {}

    def _inspection(self, inspection_id: str) -> Inspection:
        if inspection_id not in self.inspections:
            self.inspections[inspection_id] = _visible(
                Inspection, inspection_id, self.ctx.user, "inspection"
            )
        return self.inspections[inspection_id]

    def apply(self, operation, record):
        if operation == "deleted":
            return self._delete(record)
        inspection = self._inspection(str(record.get("inspection_id")))
        # Before the shortcuts below (an unchanged copy, a conflict): nobody else's push of a
        # finding is accepted, nor may it abort the batch with a 409.
        _domain(authz.require_inspection_owner, self.ctx.user, inspection)
        wanted = {
            "result": record.get("result"),
            "note": record.get("note") or "",
            "grade": record.get("grade") or None,
            "due_on": _date(record, "due_on"),
        }
        if wanted["result"] not in ("pass", "fail", "na"):
            raise RecordRejected("result must be pass, fail or na")
        existing = inspection_service.finding_for(inspection, record.get("item_code"))
        if existing is not None:
            if existing.id != record["id"]:
                raise RecordRejected(f"item {existing.item_code} already has another finding")
            current = {k: getattr(existing, k) for k in wanted}
            if current == wanted:
                return
            _check_conflict(
                self.ctx, "findings", {"id": record["id"], **_raw(**wanted)}, _raw(**current)
            )
        _domain(
            inspection_service.record_finding,
            self.ctx.user,
            inspection,
            item_code=str(record.get("item_code")),
            id=record["id"],
            flush=False,
            **wanted,
        )

    def _delete(self, finding_id):
        finding = db.session.get(Finding, finding_id)
        if finding is None:
            return  # already gone: deleting twice is no error
        _visible_parent(Inspection, finding.inspection_id, self.ctx.user, f"finding {finding_id}")
        _domain(inspection_service.delete_finding, self.ctx.user, finding)


class PhotosAdapter:
    name = "photos"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx

    def apply(self, operation, record):
        if operation == "deleted":
            raise RecordRejected("photos are evidence and cannot be deleted")
        sha256 = str(record.get("sha256") or "")
        if not is_sha256(sha256):
            raise RecordRejected("sha256 must be 64 lowercase hex characters")
        owner_table = record.get("owner_table")
        if owner_table not in PHOTO_OWNER_TABLES:
            raise RecordRejected(f"owner_table must be one of {', '.join(PHOTO_OWNER_TABLES)}")
        owner_id = str(record.get("owner_id"))
        self._check_owner(owner_table, owner_id)
        _domain(
            photo_service.attach_photo,
            self.ctx.user,
            record["id"],
            sha256,
            owner_table,
            owner_id,
            taken_at=_time(record, "taken_at"),
            latitude=_coordinate(record, "latitude"),
            longitude=_coordinate(record, "longitude"),
        )

    def _check_owner(self, owner_table, owner_id):
        """Attaching a photo is adding evidence: it takes the authority to act on its owner
        (the rules live in the owning domains), not merely to see it."""
        user = self.ctx.user
        if owner_table == "hazard_actions":
            return self._check_action_owner(owner_id)
        if owner_table == "hazards":
            hazard = _visible(Hazard, owner_id, user, "hazard")
            return _domain(hazard_service.require_may_act, user, hazard)
        if owner_table == "findings":
            finding = db.session.get(Finding, owner_id)
            if finding is None:
                raise RecordRejected(f"finding {owner_id} not found")
            inspection = _visible_parent(
                Inspection, finding.inspection_id, user, f"finding {owner_id}"
            )
        else:
            inspection = _visible(Inspection, owner_id, user, "inspection")
        _domain(inspection_service.require_may_add_evidence, user, inspection)

    def _check_action_owner(self, action_id):
        user = self.ctx.user
        action = db.session.get(HazardAction, action_id)
        if action is not None:
            _visible_parent(Hazard, action.hazard_id, user, f"hazard action {action_id}")
            return _domain(hazard_service.require_action_actor, user, action)
        # After-photos travel before the action they prove: it must be in this same push, on a
        # hazard this user may act on.
        pushed = self.ctx.pushed_actions.get(action_id)
        if pushed is None:
            raise RecordRejected(f"hazard action {action_id} not found")
        hazard = _visible(Hazard, str(pushed.get("hazard_id")), user, "hazard")
        _domain(hazard_service.require_may_act, user, hazard)


class HazardActionsAdapter:
    """Actions taken offline go through the hazard service's one transition function."""

    name = "hazard_actions"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx

    def apply(self, operation, record):
        if operation == "deleted":
            raise RecordRejected("hazard actions are an append-only history")
        existing = db.session.get(HazardAction, record["id"])
        # A replay is its actor's alone; anyone else's copy goes the way of a new action and
        # is refused there (a hazard out of scope, or an id that is taken).
        if (
            operation == "updated"
            and existing is not None
            and existing.actor_id == self.ctx.user.id
        ):
            if (existing.action, existing.hazard_id) != (
                record.get("action"),
                record.get("hazard_id"),
            ):
                raise RecordRejected("hazard actions are an append-only history")
            return
        hazard = _visible(Hazard, str(record.get("hazard_id")), self.ctx.user, "hazard")
        _domain(
            hazard_service.apply_action,
            self.ctx.user,
            hazard,
            str(record.get("action")),
            id=record["id"],
            note=record.get("note") or "",
            due_on=_date(record, "due_on"),
            plan=_json_object(record, "plan"),
            device_time=_time(record, "created_at"),
        )


def _json_object(record, key):
    value = record.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise RecordRejected(f"{key} must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise RecordRejected(f"{key} must be a JSON object")
    return parsed


class PullOnly:
    pull_only = True

    def __init__(self, name: str) -> None:
        self.name = name

    def apply(self, operation, record):  # never called: the engine refuses pull-only tables
        raise RecordRejected(f"{self.name} is pull-only")


PUSH_ADAPTERS = [InspectionsAdapter, FindingsAdapter, PhotosAdapter, HazardActionsAdapter]


def _finish_inspections(ctx: PushContext, outcome) -> None:
    for inspection_id, record in ctx.to_finish.items():
        inspection = db.session.get(Inspection, inspection_id)
        if inspection is None or inspection.status == "finished":
            continue
        try:
            with db.session.begin_nested():
                inspection_service.finish_inspection(
                    ctx.user, inspection, finished_at=_time(record, "finished_at")
                )
        except (DomainError, RecordRejected) as error:
            reason = getattr(error, "detail", None) or getattr(error, "reason", str(error))
            outcome.rejections.append(Rejection("inspections", inspection_id, reason, record))


@contextmanager
def _record_savepoint():
    """One record's savepoint; a write the database refuses (a taken id, a value that does not
    fit its column) refuses that record alone instead of failing the whole batch."""
    try:
        with db.session.begin_nested():
            yield
    except (IntegrityError, DataError) as error:
        raise RecordRejected(
            f"the database refused the record: {type(error.orig).__name__}"
        ) from None


# A refused record is kept for the device and for review, bounded: its raw copy up to
# MAX_RAW_BYTES (a longer one is kept as its head), and a user's latest KEPT_REJECTIONS.
MAX_RAW_BYTES = 16 * 1024
MAX_REASON = 2000
KEPT_REJECTIONS = 1000


def bounded_copy(raw):
    text = json.dumps(raw, default=str, ensure_ascii=False)
    if len(text.encode()) <= MAX_RAW_BYTES:
        return json.loads(text)
    return {"truncated": True, "bytes": len(text.encode()), "head": text[: MAX_RAW_BYTES // 4]}


def _keep_latest_rejections(user_id: int) -> None:
    stale = (
        select(SyncRejection.id)
        .where(SyncRejection.user_id == user_id)
        .order_by(SyncRejection.created_at.desc(), SyncRejection.id.desc())
        .offset(KEPT_REJECTIONS)
    )
    stale_ids = list(db.session.scalars(stale))
    if stale_ids:
        db.session.execute(delete(SyncRejection).where(SyncRejection.id.in_(stale_ids)))


def apply_push(user: User, changes: dict, last_pulled_at: int | None, device_id: str | None):
    """Apply a pushed batch; rejected records are stored for the device and for review."""
    ctx = PushContext(
        user=user,
        device_id=device_id,
        last_pulled_at=last_pulled_at,
        pushed_actions={
            str(record.get("id")): record
            for record in (changes.get("hazard_actions") or {}).get("created") or []
            if isinstance(record, dict)
        },
    )
    db.session.info[DEVICE] = device_id
    try:
        adapters = [adapter(ctx) for adapter in PUSH_ADAPTERS]
        adapters += [
            PullOnly(name) for name in PULL_TABLES if name not in {a.name for a in adapters}
        ]
        outcome = push(
            changes,
            adapters,
            _record_savepoint,
            finishers=[lambda outcome: _finish_inspections(ctx, outcome)],
        )
        for rejection in outcome.rejections:
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
        db.session.flush()
        if outcome.rejections:
            _keep_latest_rejections(user.id)
    finally:
        db.session.info.pop(DEVICE, None)
    return outcome
