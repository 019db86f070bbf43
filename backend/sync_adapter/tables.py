"""The synced tables and their pull scopes: which records of each table a user's device
receives. The change log (change_log.py) tracks exactly these models."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ..accidents import services as accidents
from ..checklists import services as checklist_service
from ..core import scope as authz
from ..core.db import db
from ..enforcement import services as enforcement
from ..models import (
    ENTERPRISE_ROLES,
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
    Patrol,
    PenaltyDecision,
    Person,
    Photo,
    RectificationOrder,
    ReviewOpinion,
    RiskPoint,
    SyncRejection,
    TrainingSession,
    User,
    utcnow,
)
from ..plans import services as inspection_plans
from .serializers import (
    serialize_accident,
    serialize_certificate,
    serialize_checklist,
    serialize_drill,
    serialize_emergency_plan,
    serialize_enterprise,
    serialize_finding,
    serialize_hazard,
    serialize_hazard_action,
    serialize_hazard_installation,
    serialize_inspection,
    serialize_patrol,
    serialize_penalty_decision,
    serialize_person,
    serialize_photo,
    serialize_rectification_order,
    serialize_rejection,
    serialize_review_opinion,
    serialize_risk_point,
    serialize_training_session,
)

BATCH = 500


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
    # Loader options for what the serializer reads beside the row (one query per batch).
    options: tuple = ()


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


def _recent_documents(model):
    """Enforcement documents of the enterprises in scope (an enterprise: its own), issued within
    SYNC_HISTORY_DAYS: read-only on the device (the rectification order is also pushed)."""

    def scope(user: User):
        days = current_app.config.get("SYNC_HISTORY_DAYS", 90)
        return and_(
            enforcement.document_clause(model, user),
            model.created_at >= utcnow() - timedelta(days=days),
        )

    return scope


def _of_visible_enterprises(model):
    """The enterprise's registers: those of the enterprises the user sees (an inspector's
    device: its jurisdiction's; an enterprise's: its own)."""
    return lambda user: model.enterprise_id.in_(authz.visible_enterprise_ids(user))


# The enterprise's registers, pulled read-only (training and emergency domains).
REGISTER_TABLES = [
    PullTable("enterprise_people", Person, serialize_person, _of_visible_enterprises(Person)),
    PullTable(
        "certificates", Certificate, serialize_certificate, _of_visible_enterprises(Certificate)
    ),
    PullTable(
        "training_sessions",
        TrainingSession,
        serialize_training_session,
        _of_visible_enterprises(TrainingSession),
        options=(selectinload(TrainingSession.participants),),
    ),
    PullTable(
        "emergency_plans",
        EmergencyPlan,
        serialize_emergency_plan,
        _of_visible_enterprises(EmergencyPlan),
    ),
    PullTable("emergency_drills", Drill, serialize_drill, _of_visible_enterprises(Drill)),
]

TABLES = [
    PullTable(
        "enterprises",
        Enterprise,
        serialize_enterprise,
        authz.enterprise_clause,
        options=(selectinload(Enterprise.active_safety_code),),
    ),
    PullTable("checklists", ChecklistVersion, serialize_checklist, _checklist_scope, False),
    PullTable("hazards", Hazard, serialize_hazard, _hazard_scope),
    PullTable(
        "inspection_plans",
        InspectionPlan,
        inspection_plans.serialize_plan,
        inspection_plans.plan_scope,
        officials_only=True,
    ),
    # Read-only, for the inspector on site; an enterprise reads its own accidents online.
    PullTable(
        "accidents",
        Accident,
        serialize_accident,
        accidents.accident_clause,
        officials_only=True,
    ),
    PullTable("risk_points", RiskPoint, serialize_risk_point, _of_visible_enterprises(RiskPoint)),
    PullTable(
        "hazard_installations",
        HazardInstallation,
        serialize_hazard_installation,
        _of_visible_enterprises(HazardInstallation),
    ),
    PullTable("inspections", Inspection, serialize_inspection, _own_inspections, owned=True),
    PullTable("findings", Finding, serialize_finding, _finding_scope, owned=True),
    PullTable("hazard_actions", HazardAction, serialize_hazard_action, _hazard_action_scope),
    PullTable("photos", Photo, serialize_photo, _photo_scope),
    # A grid worker's patrol logs come back to their author only, read-only (docs/sync.md).
    PullTable(
        "patrols",
        Patrol,
        serialize_patrol,
        lambda user: Patrol.user_id == user.id,
        owned=True,
        options=(selectinload(Patrol.visits), selectinload(Patrol.reported)),
    ),
    PullTable(
        "rectification_orders",
        RectificationOrder,
        serialize_rectification_order,
        _recent_documents(RectificationOrder),
    ),
    PullTable(
        "review_opinions",
        ReviewOpinion,
        serialize_review_opinion,
        _recent_documents(ReviewOpinion),
    ),
    PullTable(
        "penalty_decisions",
        PenaltyDecision,
        serialize_penalty_decision,
        _recent_documents(PenaltyDecision),
    ),
    PullTable(
        "sync_rejections",
        SyncRejection,
        serialize_rejection,
        lambda user: SyncRejection.user_id == user.id,
        owned=True,
    ),
    *REGISTER_TABLES,
]
PULL_TABLES = tuple(table.name for table in TABLES)
