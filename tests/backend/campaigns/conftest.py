"""The campaigns world: the grids world's district organises a campaign modelled on seed 004
over its chemical and industry-and-trade enterprises, with inspections and hazards placed
around the phase boundaries, hand-counted in the tests."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend.campaigns import services as campaigns
from backend.models import ChecklistVersion, Hazard, Inspection

SEED_004_PHASES = [
    {"name": "动员部署", "starts_on": date(2026, 3, 1), "ends_on": date(2026, 4, 30)},
    {"name": "自查自纠", "starts_on": date(2026, 5, 1), "ends_on": date(2026, 6, 30)},
    {"name": "严格执法", "starts_on": date(2026, 7, 1), "ends_on": date(2026, 10, 31)},
    {"name": "巩固提升", "starts_on": date(2026, 11, 1), "ends_on": date(2026, 12, 31)},
]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def add_inspection(session, grids_world):
    counter = iter(range(1, 1000))

    def add(enterprise, kind, received_at, code="duty31", hazards=()):
        version = session.scalar(
            select(ChecklistVersion).where(ChecklistVersion.code == code).limit(1)
        )
        number = next(counter)
        inspection = Inspection(
            id=f"cmp-insp-{number}",
            enterprise_id=enterprise.id,
            checklist_version_id=version.id,
            kind=kind,
            status="finished",
            inspector_id=grids_world["inspector"].id,
            finished_received_at=received_at,
        )
        session.add(inspection)
        session.flush()
        for index, status in enumerate(hazards):
            session.add(
                Hazard(
                    id=f"cmp-hz-{number}-{index}",
                    enterprise_id=enterprise.id,
                    inspection_id=inspection.id,
                    title="隐患",
                    grade="general",
                    status=status,
                    due_on=date(2026, 12, 31),
                    reported_by_id=grids_world["inspector"].id,
                )
            )
        session.commit()
        return inspection

    return add


@pytest.fixture
def campaign_world(session, grids_world, add_inspection):
    w = dict(grids_world)
    w["campaign"] = campaigns.create_campaign(
        w["supervisor"],
        title="安全生产管理人员履职专项治理",
        jurisdiction_id=w["district"].id,
        department_id=w["department"].id,
        phases=SEED_004_PHASES,
        checklist_codes=["duty31"],
        target_filter=campaigns.TargetFilter(industries=("hazardous_chemicals", "industry_trade")),
    )
    session.commit()
    chem, trade = w["chem"], w["trade"]
    # chem: self-inspected in 自查自纠 (one closed hazard), supervised in 严格执法 (two hazards,
    # one closed), then rechecked (回头看).
    add_inspection(chem, "self_inspection", utc(2026, 5, 10, 2), hazards=["closed"])
    add_inspection(chem, "supervision", utc(2026, 7, 5, 2), hazards=["closed", "rectifying"])
    add_inspection(chem, "supervision", utc(2026, 9, 1, 2))
    # trade: self-inspected at 00:30 on 1 July in Shanghai, after 自查自纠; supervised once.
    add_inspection(trade, "self_inspection", utc(2026, 6, 30, 16, 30))
    add_inspection(trade, "supervision", utc(2026, 8, 1, 2), hazards=["reported"])
    # Not counted: another checklist; an enterprise outside the targets.
    other_code = session.scalar(
        select(ChecklistVersion.code).where(ChecklistVersion.code != "duty31").limit(1)
    )
    add_inspection(w["chem_west"], "self_inspection", utc(2026, 5, 20, 2), code=other_code)
    add_inspection(w["chem_away"], "self_inspection", utc(2026, 5, 20, 2))
    return w
