"""What a device receives of each synced record: its columns as WatermelonDB raw values
(times as milliseconds, dates as ISO strings; docs/sync.md)."""

import json
from datetime import date, datetime

from sync.protocol import datetime_to_ms

from ..checklists.registers import registers_of_items
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
    Patrol,
    PenaltyDecision,
    Person,
    Photo,
    RectificationOrder,
    ReviewOpinion,
    RiskPoint,
    SyncRejection,
    TrainingSession,
)
from ..safety_code.services import token_digest
from .reasons import message_for


def _value(value):
    if isinstance(value, datetime):
        return datetime_to_ms(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_raw(**fields) -> dict:
    return {key: _value(value) for key, value in fields.items()}


def _json_text(value) -> str | None:
    """Lists and objects travel as JSON strings (docs/sync.md: columns are scalars)."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def serialize_enterprise(e: Enterprise) -> dict:
    code = e.active_safety_code
    return to_raw(
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
        safety_code_sha256=token_digest(code.token) if code is not None else None,
        risk_features=_json_text(e.risk_features or []),
        employee_count=e.employee_count,
        principal_name=e.principal_name,
        principal_phone=e.principal_phone,
        safety_manager_name=e.safety_manager_name,
        safety_manager_phone=e.safety_manager_phone,
        latitude=e.latitude,
        longitude=e.longitude,
    )


def serialize_checklist(v: ChecklistVersion) -> dict:
    return to_raw(
        id=v.id,
        code=v.code,
        title=v.title,
        version=v.version,
        content=v.content,
        is_current=v.is_current,
        # item code → the register kinds shown beside it (risk_points, hazard_installations…)
        registers=json.dumps(registers_of_items(v.code), ensure_ascii=False),
    )


def serialize_hazard(h: Hazard) -> dict:
    return to_raw(
        id=h.id,
        enterprise_id=str(h.enterprise_id),
        finding_id=h.finding_id,
        inspection_id=h.inspection_id,
        title=h.title,
        description=h.description,
        item_code=h.item_code,
        location=h.location,
        risk_point_id=h.risk_point_id,
        grade=h.grade,
        status=h.status,
        due_on=h.due_on,
        self_reported=h.self_reported,
        closed_by_enterprise=h.closed_by_enterprise,
        fixed_on_spot=h.fixed_on_spot,
        stop_work_order=h.stop_work_order,
        listed_for_supervision=h.listed_for_supervision,
        plan=_json_text(h.plan),
        reported_at=h.reported_at,
        updated_at=h.updated_at,
    )


def serialize_inspection(i: Inspection) -> dict:
    return to_raw(
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
    return to_raw(
        id=f.id,
        inspection_id=f.inspection_id,
        item_code=f.item_code,
        result=f.result,
        note=f.note,
        grade=f.grade,
        due_on=f.due_on,
        risk_point_id=f.risk_point_id,
    )


def serialize_photo(p: Photo) -> dict:
    return to_raw(
        id=p.id,
        sha256=p.sha256,
        owner_table=p.owner_table,
        owner_id=p.owner_id,
        taken_at=p.taken_at,
        latitude=p.latitude,
        longitude=p.longitude,
    )


def serialize_hazard_action(a: HazardAction) -> dict:
    return to_raw(
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
    return to_raw(
        id=r.id,
        table_name=r.table_name,
        record_id=r.record_id,
        reason=r.reason,
        message=message_for(r.reason),
        created_at=r.created_at,
    )


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def serialize_rectification_order(o: RectificationOrder) -> dict:
    return to_raw(
        id=o.id,
        number=o.number,
        inspection_id=o.inspection_id,
        enterprise_id=str(o.enterprise_id),
        issued_on=o.issued_on,
        official_names=_json(o.official_names),
        items=_json(o.items),
        receiver_name=o.receiver_name,
        received_on=o.received_on,
    )


def serialize_review_opinion(r: ReviewOpinion) -> dict:
    return to_raw(
        id=r.id,
        number=r.number,
        order_id=r.order_id,
        enterprise_id=str(r.enterprise_id),
        reviewed_on=r.reviewed_on,
        official_names=_json(r.official_names),
        items=_json(r.items),
    )


def serialize_penalty_decision(d: PenaltyDecision) -> dict:
    return to_raw(
        id=d.id,
        number=d.number,
        enterprise_id=str(d.enterprise_id),
        party_name=d.party_name,
        party_uscc=d.party_uscc,
        facts=d.facts,
        legal_basis=d.legal_basis,
        penalty_types=_json(d.penalty_types),
        amount_fen=d.amount_fen,
        decided_on=d.decided_on,
        publish_due_on=d.publish_due_on,
        published_at=d.published_at,
    )


# The enterprise's registers (pull-only, docs/sync.md): read beside the checklist items.


def serialize_person(p: Person) -> dict:
    return to_raw(
        id=p.id,
        enterprise_id=str(p.enterprise_id),
        name=p.name,
        role=p.role,
        job_title=p.job_title,
        active=p.active,
        updated_at=p.updated_at,
    )


def serialize_certificate(c: Certificate) -> dict:
    return to_raw(
        id=c.id,
        enterprise_id=str(c.enterprise_id),
        person_id=c.person_id,
        cert_type=c.cert_type,
        operation_category=c.operation_category,
        number=c.number,
        issuer=c.issuer,
        issued_on=c.issued_on,
        valid_until=c.valid_until,
        updated_at=c.updated_at,
    )


def serialize_training_session(t: TrainingSession) -> dict:
    participants = [{"person_id": p.person_id, "assessment": p.assessment} for p in t.participants]
    return to_raw(
        id=t.id,
        enterprise_id=str(t.enterprise_id),
        held_at=t.held_at,
        content=t.content,
        hours=t.hours,
        participants=json.dumps(participants, ensure_ascii=False),
        updated_at=t.updated_at,
    )


def serialize_emergency_plan(p: EmergencyPlan) -> dict:
    return to_raw(
        id=p.id,
        enterprise_id=str(p.enterprise_id),
        kind=p.kind,
        title=p.title,
        issued_on=p.issued_on,
        filing_status=p.filing_status,
        filed_with=p.filed_with,
        filed_on=p.filed_on,
        updated_at=p.updated_at,
    )


def serialize_drill(d: Drill) -> dict:
    return to_raw(
        id=d.id,
        enterprise_id=str(d.enterprise_id),
        drill_type=d.drill_type,
        held_on=d.held_on,
        plan_id=d.plan_id,
        participants_count=d.participants_count,
        evaluation=d.evaluation,
        improvements=d.improvements,
        updated_at=d.updated_at,
    )


def serialize_accident(a: Accident) -> dict:
    """What an inspector carries of an enterprise's accident: the facts, level and finding;
    not the investigation report nor the blacklist proposal (the supervisors' business)."""
    return to_raw(
        id=a.id,
        enterprise_id=str(a.enterprise_id),
        occurred_at=a.occurred_at,
        place=a.place,
        accident_type=a.accident_type,
        summary=a.summary,
        deaths=a.deaths,
        serious_injuries=a.serious_injuries,
        direct_economic_loss_fen=a.direct_economic_loss_fen,
        level=a.level,
        responsible=a.responsible,
        investigation_status=a.investigation_status,
        updated_at=a.updated_at,
    )


def serialize_risk_point(p: RiskPoint) -> dict:
    return to_raw(
        id=p.id,
        enterprise_id=str(p.enterprise_id),
        kind=p.kind,
        name=p.name,
        location=p.location,
        hazard_types=json.dumps(p.hazard_types),
        method=p.method,
        lec_l=p.lec_l,
        lec_e=p.lec_e,
        lec_c=p.lec_c,
        likelihood=p.likelihood,
        severity=p.severity,
        score=p.score,
        level=p.level,
        control_measures=p.control_measures,
        control_level=p.control_level,
        responsible_person=p.responsible_person,
        updated_at=p.updated_at,
    )


def serialize_hazard_installation(i: HazardInstallation) -> dict:
    return to_raw(
        id=i.id,
        enterprise_id=str(i.enterprise_id),
        name=i.name,
        unit_kind=i.unit_kind,
        substances=json.dumps(i.substances, ensure_ascii=False),
        exposed_people=i.exposed_people,
        s_value=i.s_value,
        r_value=i.r_value,
        alpha=i.alpha,
        is_major=i.is_major,
        grade=i.grade,
        registered_on=i.registered_on,
        filing_status=i.filing_status,
        filed_on=i.filed_on,
        accepted_on=i.accepted_on,
        last_evaluated_on=i.last_evaluated_on,
        evaluation_due_on=i.evaluation_due_on,
        monitoring_notes=i.monitoring_notes,
        updated_at=i.updated_at,
    )


def serialize_patrol(patrol: Patrol) -> dict:
    """A patrol log as its author's device holds it; lists travel as JSON strings."""
    enterprise_ids = [visit.enterprise_id for visit in patrol.visits]
    hazard_ids = [report.hazard_id for report in patrol.reported]
    return to_raw(
        id=patrol.id,
        patrol_date=patrol.patrol_date,
        started_at=patrol.started_at,
        ended_at=patrol.ended_at,
        route=json.dumps(patrol.route, ensure_ascii=False),
        places=json.dumps(patrol.places, ensure_ascii=False),
        observations=patrol.observations,
        hazard_note=patrol.hazard_note,
        enterprise_ids=json.dumps([str(i) for i in enterprise_ids]),
        hazard_ids=json.dumps(list(hazard_ids)),
        jurisdiction_id=patrol.jurisdiction_id,
    )
