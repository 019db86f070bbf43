"""Emergency plans with their 备案, drills, the overdue flag officials see, the reminders (once
each), and who may keep and read the registers."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from backend.core.problems import PROBLEM_MIME


@pytest.fixture
def old_world(session, world):
    """The enterprises were registered long ago: their past periods count."""
    for enterprise in world["enterprises"].values():
        enterprise.created_at = datetime(2020, 1, 1, tzinfo=UTC)
    session.commit()
    return world


def _plan(client, world, **fields):
    return client.post(
        "/api/v1/emergency-plans",
        json={
            "enterprise_id": world["enterprises"]["ent"].id,
            "kind": "comprehensive",
            "title": "生产安全事故综合应急预案",
            **fields,
        },
        headers=world["headers"]["manager"],
    )


def test_a_filed_plan_names_the_authority_and_the_date(client, session, world):
    missing = _plan(client, world, filing_status="filed", filed_on="2026-03-01")
    assert missing.status_code == 422 and missing.mimetype == PROBLEM_MIME
    assert "filed_with" in str(missing.json)
    plan = _plan(client, world)
    assert plan.status_code == 201 and plan.json["filing_status_label"] == "未备案"
    filed = client.patch(
        f"/api/v1/emergency-plans/{plan.json['id']}",
        json={"filing_status": "filed", "filed_with": "县应急管理局", "filed_on": "2026-03-01"},
        headers=world["headers"]["manager"],
    )
    assert filed.status_code == 200, filed.json
    assert (filed.json["filed_with"], filed.json["filed_on"]) == ("县应急管理局", "2026-03-01")
    assert filed.json["kind_label"] == "综合应急预案"


def test_a_drill_is_not_in_the_future_and_its_plan_is_the_enterprises(client, session, world):
    headers = world["headers"]["manager"]
    body = {
        "enterprise_id": world["enterprises"]["ent"].id,
        "drill_type": "on_site",
        "held_on": "2099-01-01",
        "participants_count": 8,
    }
    future = client.post("/api/v1/drills", json=body, headers=headers)
    assert future.status_code == 422 and "held_on" in str(future.json)
    other_plan = client.post(
        "/api/v1/emergency-plans",
        json={"enterprise_id": world["enterprises"]["ent2"].id, "kind": "on_site", "title": "x"},
        headers=world["headers"]["manager2"],
    ).json["id"]
    foreign = client.post(
        "/api/v1/drills",
        json={**body, "held_on": "2026-01-05", "plan_id": other_plan},
        headers=headers,
    )
    assert foreign.status_code == 404 and "plan_id" in str(foreign.json)
    made = client.post(
        "/api/v1/drills",
        json={**body, "held_on": "2026-01-05", "evaluation": "疏散用时4分钟"},
        headers=headers,
    )
    assert made.status_code == 201 and made.json["drill_type_label"] == "现场处置方案演练"
    negative = client.post(
        "/api/v1/drills",
        json={**body, "held_on": "2026-01-05", "participants_count": -1},
        headers=headers,
    )
    assert negative.status_code == 422 and "participants_count" in str(negative.json)


def test_officials_see_the_overdue_enterprises_in_their_scope(client, session, old_world):
    from backend.emergency.services import overdue_drills

    world = old_world
    street = world["users"]["street_supervisor"]
    flagged = overdue_drills(street, today=date(2026, 7, 1))
    assert [row["enterprise_id"] for row in flagged] == [world["enterprises"]["ent"].id]
    district = overdue_drills(world["users"]["supervisor"], today=date(2026, 7, 1))
    assert {row["enterprise_id"] for row in district} == {
        world["enterprises"]["ent"].id,
        world["enterprises"]["ent2"].id,
    }
    response = client.get("/api/v1/overdue-drills", headers=world["headers"]["other_supervisor"])
    assert [row["enterprise_id"] for row in response.json] == [world["enterprises"]["far"].id]
    status = client.get(
        f"/api/v1/enterprises/{world['enterprises']['ent'].id}/drill-status",
        headers=world["headers"]["inspector"],
    )
    assert status.status_code == 200 and status.json["overdue"] is True
    assert "每半年至少组织一次现场处置方案演练" in status.json["rule"]
    assert (
        client.get(
            f"/api/v1/enterprises/{world['enterprises']['ent'].id}/drill-status",
            headers=world["headers"]["manager2"],
        ).status_code
        == 404
    )


def _notices(session, kind):
    from backend.models import Notification

    return session.scalars(
        select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    ).all()


def test_an_overdue_drill_reminds_the_managers_once(session, old_world):
    from backend.emergency.services import record_drill
    from backend.jobs.registers import drill_reminders

    world = old_world
    ent = world["enterprises"]["ent"]
    now = datetime(2026, 7, 1, 2, tzinfo=UTC)
    first = drill_reminders(now)
    assert first["overdue"] >= 2  # ent's two requirements, and the other enterprises'
    mine = [n for n in _notices(session, "drill_overdue") if n.payload["enterprise_id"] == ent.id]
    assert {n.recipient_id for n in mine} == {world["users"]["manager"].id}
    assert {n.payload["requirement"] for n in mine} == {"comprehensive_or_special", "on_site"}
    assert drill_reminders(now) == {"overdue": 0, "due_soon": 0}
    record_drill(
        world["users"]["manager"],
        enterprise_id=ent.id,
        drill_type="on_site",
        held_on=date(2026, 7, 1),
        participants_count=5,
        now=now,
    )
    record_drill(
        world["users"]["manager"],
        enterprise_id=ent.id,
        drill_type="special",
        held_on=date(2026, 7, 1),
        participants_count=5,
        now=now,
    )
    # Both held in this half-year: nothing is due before 2027.
    drill_reminders(datetime(2026, 12, 15, 2, tzinfo=UTC))
    ent_due = [n for n in _notices(session, "drill_due") if n.payload["enterprise_id"] == ent.id]
    assert ent_due == []


def test_a_drill_still_due_near_the_end_of_its_period_reminds_once(session, old_world):
    from backend.emergency.services import record_drill
    from backend.jobs.registers import drill_reminders

    world = old_world
    ent = world["enterprises"]["ent"]
    for drill_type in ("comprehensive", "on_site"):
        record_drill(
            world["users"]["manager"],
            enterprise_id=ent.id,
            drill_type=drill_type,
            held_on=date(2026, 3, 1),
            participants_count=5,
            now=datetime(2026, 3, 2, tzinfo=UTC),
        )

    def ent_due():
        return [n for n in _notices(session, "drill_due") if n.payload["enterprise_id"] == ent.id]

    drill_reminders(datetime(2026, 11, 30, 2, tzinfo=UTC))  # 31 days before 12-31
    assert ent_due() == []
    drill_reminders(datetime(2026, 12, 1, 2, tzinfo=UTC))  # 30 days before
    assert [n.payload["requirement"] for n in ent_due()] == ["on_site"]
    drill_reminders(datetime(2026, 12, 2, 2, tzinfo=UTC))
    assert len(ent_due()) == 1


ACCESS = {
    "manager": (200, 201),
    "viewer": (200, 403),
    "inspector": (200, 403),
    "supervisor": (200, 403),
    "manager2": (404, 404),
    "other_supervisor": (404, 404),
}


@pytest.mark.parametrize("role", ACCESS)
def test_who_reads_and_who_keeps_the_plans_and_drills(client, session, world, role):
    plan_id = _plan(client, world).json["id"]
    read, write = ACCESS[role]
    headers = world["headers"][role]
    assert client.get(f"/api/v1/emergency-plans/{plan_id}", headers=headers).status_code == read
    drill = client.post(
        "/api/v1/drills",
        json={
            "enterprise_id": world["enterprises"]["ent"].id,
            "drill_type": "comprehensive",
            "held_on": "2026-01-05",
            "participants_count": 30,
            "plan_id": plan_id,
        },
        headers=headers,
    )
    assert drill.status_code == write
    listed = client.get("/api/v1/emergency-plans", headers=headers).json
    assert (plan_id in {p["id"] for p in listed}) == (read == 200)
