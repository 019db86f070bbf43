"""The push adapters: each device-created table's pushed records applied through the same
domain services as the online API, and refused per record (with the domain's reason) when
they break a rule or reach out of the pusher's scope."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from media.storage import is_sha256
from sync.engine import PushConflict, RecordRejected

from ..core import scope as authz
from ..core.db import db
from ..core.errors import DomainError
from ..enforcement import services as enforcement
from ..hazards import services as hazard_service
from ..inspections import services as inspection_service
from ..models import (
    Finding,
    Hazard,
    HazardAction,
    Inspection,
    RectificationOrder,
    SyncChange,
    User,
)
from ..patrols import services as patrol_service
from ..photos import services as photo_service
from .change_log import PHOTO_OWNER_TABLES
from .pushed_fields import (
    coordinate,
    date_of,
    int_id,
    json_list,
    json_object,
    sha256_list,
    time_of,
)
from .serializers import serialize_inspection, to_raw


@dataclass
class PushContext:
    user: User
    device_id: str | None
    last_pulled_at: int | None
    to_finish: dict[str, dict] = field(default_factory=dict)
    # The hazard actions this push creates, by id (their after-photos come first).
    pushed_actions: dict[str, dict] = field(default_factory=dict)
    # Rectification orders to issue once the push's inspections are finished (their hazards
    # are what the order lists), by id.
    orders_to_issue: dict[str, dict] = field(default_factory=dict)


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
                enterprise_id=int_id(record, "enterprise_id"),
                checklist_version_id=str(record.get("checklist_id") or ""),
                kind=record.get("kind"),
                started_at=time_of(record, "started_at"),
                latitude=coordinate(record, "latitude"),
                longitude=coordinate(record, "longitude"),
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
            "due_on": date_of(record, "due_on"),
            "risk_point_id": record.get("risk_point_id") or None,
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
                self.ctx, "findings", {"id": record["id"], **to_raw(**wanted)}, to_raw(**current)
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
            taken_at=time_of(record, "taken_at"),
            latitude=coordinate(record, "latitude"),
            longitude=coordinate(record, "longitude"),
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


class HazardsAdapter:
    """Hazards reported on site outside a checklist, 立查立改 among them, through the hazard
    service's `report_hazard` (the same rules as `POST /api/v1/hazards`). Once reported, a
    hazard changes only through its actions: a pushed update or deletion is refused."""

    name = "hazards"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx

    def apply(self, operation, record):
        if operation == "deleted":
            raise RecordRejected("hazards are never deleted; they are closed through actions")
        if operation == "updated":
            raise RecordRejected("a reported hazard changes only through hazard actions")
        existing = db.session.get(Hazard, record["id"])
        if existing is not None:
            return self._same_report(existing, record)
        _domain(
            hazard_service.report_hazard,
            self.ctx.user,
            id=record["id"],
            enterprise_id=int_id(record, "enterprise_id"),
            title=record.get("title"),
            grade=record.get("grade") or "general",
            description=record.get("description"),
            location=record.get("location"),
            due_on=date_of(record, "due_on"),
            photos=sha256_list(record, "photos"),
            fixed_on_spot=record.get("fixed_on_spot") is True,
            after_photos=sha256_list(record, "after_photos"),
            device_time=time_of(record, "reported_at"),
        )

    def _same_report(self, existing: Hazard, record) -> None:
        """A report pushed again (its answer was lost) changes nothing; any other use of a
        taken id is refused."""
        mine = existing.reported_by_id == self.ctx.user.id
        same = str(existing.enterprise_id) == str(record.get("enterprise_id"))
        if not (mine and same and existing.finding_id is None):
            raise RecordRejected(f"hazard id {record['id']} is taken")


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
            due_on=date_of(record, "due_on"),
            plan=json_object(record, "plan"),
            device_time=time_of(record, "created_at"),
        )


class RectificationOrdersAdapter:
    """An order made on the device with its inspection: who may issue it is checked here, per
    record; the server numbers it once the inspection is finished (push.py), and until the next
    pull the device shows 「待编号」."""

    name = "rectification_orders"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx

    def apply(self, operation, record):
        if operation == "deleted":
            raise RecordRejected("rectification orders are official documents: never deleted")
        inspection = _visible(
            Inspection, str(record.get("inspection_id")), self.ctx.user, "inspection"
        )
        _domain(enforcement.require_may_issue, self.ctx.user, inspection)
        existing = db.session.get(RectificationOrder, record["id"])
        if existing is not None:
            if existing.issued_by_id != self.ctx.user.id or existing.inspection_id != inspection.id:
                raise RecordRejected(f"rectification order id {record['id']} is taken")
            return  # a replay, or the device's copy coming back: the server's copy stands
        json_list(record, "official_names")  # refused here if it does not read
        self.ctx.orders_to_issue[record["id"]] = record


class PatrolsAdapter:
    """A grid worker's patrol log, received once through the patrol service; it is final, so
    it is neither changed nor deleted by a later push."""

    name = "patrols"
    pull_only = False

    def __init__(self, ctx: PushContext) -> None:
        self.ctx = ctx

    def apply(self, operation, record):
        if operation == "deleted":
            raise RecordRejected("patrol logs cannot be deleted")
        _domain(
            patrol_service.record_patrol,
            self.ctx.user,
            id=record["id"],
            patrol_date=date_of(record, "patrol_date"),
            started_at=time_of(record, "started_at"),
            ended_at=time_of(record, "ended_at"),
            route=json_list(record, "route"),
            places=json_list(record, "places"),
            observations=record.get("observations") or "",
            enterprise_ids=json_list(record, "enterprise_ids"),
            hazards=json_list(record, "hazards"),
            hazard_note=record.get("hazard_note") or "",
        )


# In this order: a pushed hazard exists before the photos and actions that name it.
PUSH_ADAPTERS = [
    InspectionsAdapter,
    FindingsAdapter,
    HazardsAdapter,
    PhotosAdapter,
    HazardActionsAdapter,
    RectificationOrdersAdapter,
    PatrolsAdapter,
]
