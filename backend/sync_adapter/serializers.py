"""What a device receives of each synced record: its columns as WatermelonDB raw values
(times as milliseconds, dates as ISO strings; docs/sync.md)."""

import json
from datetime import date, datetime

from sync.protocol import datetime_to_ms

from ..models import (
    ChecklistVersion,
    Enterprise,
    Finding,
    Hazard,
    HazardAction,
    Inspection,
    Photo,
    SyncRejection,
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
    )


def serialize_checklist(v: ChecklistVersion) -> dict:
    return to_raw(
        id=v.id,
        code=v.code,
        title=v.title,
        version=v.version,
        content=v.content,
        is_current=v.is_current,
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
