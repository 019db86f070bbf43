"""Change tracking for sync: every flush logs the synced records it wrote; the commit stamps
them with one value of the server's counter.

The counter is bumped just before commit and its row stays locked until the commit ends, so
transactions stamp in commit order: a pull that reads the committed counter value C and asks
for changes up to C cannot miss a change committed concurrently (it has a value above C).
"""

from sqlalchemy import event, insert, inspect, select, update

from ..core.db import AppSession
from ..models import (
    Accident,
    Certificate,
    ChecklistVersion,
    Drill,
    EmergencyPlan,
    Enterprise,
    Finding,
    Hazard,
    HazardAction,
    HazardInstallation,
    Inspection,
    InspectionPlan,
    Jurisdiction,
    Patrol,
    PenaltyDecision,
    Person,
    Photo,
    RectificationOrder,
    ReviewOpinion,
    RiskPoint,
    SyncChange,
    SyncCounter,
    SyncRejection,
    TrainingSession,
)

DEVICE = "sync_device_id"
# Tables whose records devices create: only those carry the pushing device's id, so what a
# device pushed returns to it as `updated`, while what the server derived is `created`. Of
# hazards, only those reported directly (no finding) are a device's: one a failed finding
# produced is the server's (`_device_of`).
DEVICE_TABLES = {
    "inspections",
    "findings",
    "photos",
    "hazard_actions",
    "hazards",
    "rectification_orders",
    "patrols",
}

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
    InspectionPlan: "inspection_plans",
    RectificationOrder: "rectification_orders",
    ReviewOpinion: "review_opinions",
    PenaltyDecision: "penalty_decisions",
    # The enterprise's registers (training and emergency domains).
    Person: "enterprise_people",
    Certificate: "certificates",
    TrainingSession: "training_sessions",
    EmergencyPlan: "emergency_plans",
    Drill: "emergency_drills",
    Accident: "accidents",
    RiskPoint: "risk_points",
    HazardInstallation: "hazard_installations",
    Patrol: "patrols",
}


# Tables whose records lie in their enterprise's scope and move with it to another jurisdiction.
ENTERPRISE_FOLLOWERS: dict[str, type] = {
    "hazards": Hazard,
    "inspection_plans": InspectionPlan,
    "rectification_orders": RectificationOrder,
    "review_opinions": ReviewOpinion,
    "penalty_decisions": PenaltyDecision,
    "enterprise_people": Person,
    "certificates": Certificate,
    "training_sessions": TrainingSession,
    "emergency_plans": EmergencyPlan,
    "emergency_drills": Drill,
    "accidents": Accident,
    "risk_points": RiskPoint,
    "hazard_installations": HazardInstallation,
}


class _Places:
    """Where the records of one flush lie, looked up level by level with one query per level
    (findings -> inspections -> enterprises -> jurisdiction paths), not one per record.

    Which inspection a finding belongs to, and which enterprise an inspection or hazard, never
    change, so those answers are kept for the transaction; enterprise paths only for the flush,
    since an enterprise (or a jurisdiction above it) may move.
    """

    def __init__(self, session) -> None:
        self.connection = session.connection()
        facts = session.info.setdefault(PLACE_FACTS, {})
        self.finding_inspection = facts.setdefault("finding_inspection", {})
        self.action_hazard = facts.setdefault("action_hazard", {})
        self.inspection_owner = facts.setdefault("inspection_owner", {})
        self.hazard_enterprise = facts.setdefault("hazard_enterprise", {})
        self.enterprise_path: dict = {}
        self.jurisdiction_path: dict = {}

    def learn(self, objects) -> None:
        """Take what the flushed objects themselves say, without touching the database."""
        for obj in objects:
            state = inspect(obj).dict
            if isinstance(obj, Finding) and state.get("inspection_id"):
                self.finding_inspection[obj.id] = state["inspection_id"]
            elif isinstance(obj, Inspection) and state.get("enterprise_id"):
                self.inspection_owner[obj.id] = (state["enterprise_id"], state.get("inspector_id"))
            elif isinstance(obj, Hazard) and state.get("enterprise_id"):
                self.hazard_enterprise[obj.id] = state["enterprise_id"]
            elif isinstance(obj, HazardAction) and state.get("hazard_id"):
                self.action_hazard[obj.id] = state["hazard_id"]

    def resolve(self, anchors) -> None:
        """Fill the maps for every (kind, id) anchor, one query per level for what is missing."""
        wanted = {kind: {i for k, i in anchors if k == kind and i is not None} for kind in KINDS}
        self._fetch(wanted["findings"], self.finding_inspection, Finding.inspection_id, Finding)
        wanted["inspections"] |= {self.finding_inspection.get(i) for i in wanted["findings"]}
        self._fetch(
            wanted["hazard_actions"], self.action_hazard, HazardAction.hazard_id, HazardAction
        )
        wanted["hazards"] |= {self.action_hazard.get(i) for i in wanted["hazard_actions"]}
        missing = {i for i in wanted["inspections"] if i and i not in self.inspection_owner}
        if missing:
            rows = self.connection.execute(
                select(Inspection.id, Inspection.enterprise_id, Inspection.inspector_id).where(
                    Inspection.id.in_(missing)
                )
            )
            self.inspection_owner.update({row[0]: (row[1], row[2]) for row in rows})
        self._fetch(wanted["hazards"], self.hazard_enterprise, Hazard.enterprise_id, Hazard)
        enterprises = wanted["enterprises"]
        enterprises |= {self.inspection_owner.get(i, (None,))[0] for i in wanted["inspections"]}
        enterprises |= {self.hazard_enterprise.get(i) for i in wanted["hazards"]}
        enterprises.discard(None)
        if enterprises:
            rows = self.connection.execute(
                select(Enterprise.id, Jurisdiction.path)
                .join(Jurisdiction, Jurisdiction.id == Enterprise.jurisdiction_id)
                .where(Enterprise.id.in_(enterprises))
            )
            self.enterprise_path.update(rows.all())

    def _fetch(self, ids, known: dict, column, model) -> None:
        missing = {i for i in ids if i is not None and i not in known}
        if missing:
            rows = self.connection.execute(select(model.id, column).where(model.id.in_(missing)))
            known.update(rows.all())

    def path_of_jurisdiction(self, jurisdiction_id):
        if jurisdiction_id is None:
            return None
        if jurisdiction_id not in self.jurisdiction_path:
            self.jurisdiction_path[jurisdiction_id] = self.connection.scalar(
                select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)
            )
        return self.jurisdiction_path[jurisdiction_id]

    def of_enterprise(self, enterprise_id, user_id=None) -> dict:
        return {
            "enterprise_id": enterprise_id,
            "jurisdiction_path": self.enterprise_path.get(enterprise_id),
            "user_id": user_id,
        }

    def of(self, kind: str, record_id, user_id=None) -> dict:
        if kind == "findings":
            kind, record_id = "inspections", self.finding_inspection.get(record_id)
        if kind == "hazard_actions":
            kind, record_id = "hazards", self.action_hazard.get(record_id)
        if kind == "inspections":
            enterprise_id, inspector_id = self.inspection_owner.get(record_id, (None, None))
            return self.of_enterprise(enterprise_id, user_id or inspector_id)
        if kind == "hazards":
            return self.of_enterprise(self.hazard_enterprise.get(record_id), user_id)
        return self.of_enterprise(record_id, user_id)


# The records a device may attach photos to (a photo's change lies where its owner does).
PHOTO_OWNER_TABLES = ("findings", "hazard_actions", "inspections", "hazards")
# The kinds of record a change can be anchored to, to find where it lies.
KINDS = (*PHOTO_OWNER_TABLES, "enterprises")
PLACE_FACTS = "sync_place_facts"
PENDING = "sync_changes_pending"


def _anchor(obj) -> tuple[str | None, object]:
    """The record whose place a change takes: itself, its parent, or its enterprise."""
    if isinstance(obj, Enterprise):
        return "enterprises", obj.id
    if isinstance(obj, Hazard | Inspection | Finding | HazardAction):
        return TABLES[type(obj)], obj.id
    if isinstance(obj, Photo):
        owner_kind = obj.owner_table if obj.owner_table in KINDS else None
        return owner_kind, obj.owner_id
    if isinstance(obj, SyncRejection | Patrol):
        return None, None
    if hasattr(obj, "hazard_id"):
        return "hazards", obj.hazard_id
    if hasattr(obj, "enterprise_id"):  # other records of one enterprise (plans, accidents)
        return "enterprises", obj.enterprise_id
    return None, None


def _place(places: _Places, obj) -> dict:
    """enterprise_id, jurisdiction_path and user_id of the record, for scoping its changes."""
    if isinstance(obj, Enterprise):
        return {
            **places.of_enterprise(obj.id),
            "jurisdiction_path": places.path_of_jurisdiction(obj.jurisdiction_id),
        }
    if isinstance(obj, SyncRejection | Patrol):  # their author's alone
        return {"enterprise_id": None, "jurisdiction_path": None, "user_id": obj.user_id}
    kind, record_id = _anchor(obj)
    user_id = obj.created_by_id if isinstance(obj, Photo) else None
    if kind is None:
        return {"enterprise_id": None, "jurisdiction_path": None, "user_id": user_id}
    return places.of(kind, record_id, user_id)


def _previous_path(places: _Places, obj) -> str | None:
    """Where an enterprise lay before this change, when it moved to another jurisdiction."""
    if not isinstance(obj, Enterprise):
        return None
    history = inspect(obj).attrs.jurisdiction_id.history
    if not history.deleted or history.deleted[0] in (None, obj.jurisdiction_id):
        return None
    return places.path_of_jurisdiction(history.deleted[0])


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
    changed = [(obj, op) for obj, op in _changed(session) if type(obj) in TABLES]
    if not changed:
        return
    places = _Places(session)
    places.learn(obj for obj, _ in changed)
    places.resolve([_anchor(obj) for obj, _ in changed])
    device_id = session.info.get(DEVICE)
    rows = [
        {
            "seq": None,
            "table_name": TABLES[type(obj)],
            "record_id": str(obj.id),
            "operation": operation,
            "previous_path": _previous_path(places, obj),
            "device_id": _device_of(obj, device_id),
            **_place(places, obj),
        }
        for obj, operation in changed
    ]
    rows += _records_following_moves(places.connection, rows)
    places.connection.execute(insert(SyncChange), rows)
    session.info[PENDING] = True


def _device_of(obj, device_id):
    if TABLES[type(obj)] not in DEVICE_TABLES:
        return None
    if isinstance(obj, Hazard) and inspect(obj).dict.get("finding_id") is not None:
        return None
    return device_id


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
    """Stamp the transaction's changes once, at its real commit: `before_commit` also fires
    when a savepoint is released, and stamping there would take the counter's lock for the
    rest of the transaction."""
    if session.in_nested_transaction():
        return
    session.flush()
    if not session.info.pop(PENDING, False):
        return
    connection = session.connection()
    # Asked of the database rather than remembered: a rolled-back savepoint may have taken
    # back some or all of this transaction's change rows.
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


@event.listens_for(AppSession, "after_soft_rollback")
def forget_places(session, _previous_transaction) -> None:
    # A rolled-back savepoint may have taken back records whose places were remembered.
    session.info.pop(PLACE_FACTS, None)


@event.listens_for(AppSession, "after_transaction_end")
def forget_transaction_state(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PLACE_FACTS, None)
        session.info.pop(PENDING, None)


def committed_counter(session) -> int:
    return session.scalar(select(SyncCounter.value).where(SyncCounter.id == 1)) or 0


def pruned_through(session) -> int:
    """The counter value up to which the change log was pruned (0: never)."""
    return session.scalar(select(SyncCounter.pruned_through).where(SyncCounter.id == 1)) or 0
