"""Migration 0006 turns the escalation job's credit candidates into bad credit records, and back;
0008 turns the records the job made by itself into candidates for a supervisor to decide."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.core.db import make_engine
from backend.migrate import downgrade, upgrade


def _old_user(session, jurisdiction_id: int) -> int:
    """A supervisor as the 0005 schema stores one (the User model describes the newest)."""
    return session.execute(
        text(
            "INSERT INTO users (username, display_name, password_hash, role, jurisdiction_id,"
            " is_active, created_at, updated_at) VALUES ('sup', '', 'x', 'supervisor', :j, 1,"
            " '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000') RETURNING id"
        ),
        {"j": jurisdiction_id},
    ).scalar_one()


def _old_district(session) -> int:
    """A district as the 0005 schema stores one (the Jurisdiction model has later columns)."""
    district_id = session.execute(
        text(
            "INSERT INTO jurisdictions (name, level, path, created_at, updated_at) VALUES"
            " ('D区', 'district', '', '2024-01-01 00:00:00.000000',"
            " '2024-01-01 00:00:00.000000') RETURNING id"
        )
    ).scalar_one()
    session.execute(
        text("UPDATE jurisdictions SET path = :p WHERE id = :i"),
        {"p": f"/{district_id}/", "i": district_id},
    )
    return district_id


def test_credit_candidates_become_bad_credit_records(tmp_path):
    url = f"sqlite:///{tmp_path / 'candidates.db'}"
    upgrade(url, "0005")
    engine = make_engine(url)
    with Session(engine) as session:
        district_id = _old_district(session)
        # Raw SQL: the Enterprise model describes the newest schema (coordinates since 0028).
        session.execute(
            text(
                "INSERT INTO enterprises (name, address, uscc, industry, scale,"
                " safety_staff_count, employee_count, special_operation_staff_count,"
                " major_hazard_sources, special_equipment, risk_features,"
                " standardisation_grade, risk_class, jurisdiction_id, created_at, updated_at)"
                " VALUES ('甲化工', '', '91320400MA1XXXXX0X', 'hazardous_chemicals',"
                " 'below_scale', 0, 0, 0, '[]', '[]', '[]', 'none', 'general', :j,"
                " '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000')"
            ),
            {"j": district_id},
        )
        enterprise = SimpleNamespace(
            id=session.scalar(text("SELECT id FROM enterprises WHERE name = '甲化工'"))
        )
        user_id = _old_user(session, district_id)
        # Raw SQL: the Hazard model describes the newest schema, not the one at 0005.
        session.execute(
            text(
                "INSERT INTO hazards (id, enterprise_id, title, description, grade, status,"
                " due_on, reported_by_id, reported_at, created_at, updated_at) VALUES"
                " ('hz-1', :e, '储罐区报警器失效', '', 'major', 'rectifying', :due, :u,"
                " :at, :at, :at)"
            ),
            {
                "e": enterprise.id,
                "u": user_id,
                "due": date(2024, 2, 20).isoformat(),
                "at": "2024-02-01 00:00:00.000000",
            },
        )
        # 2024-02-29 01:00 in Shanghai: a one-year term ends on 2025-02-28.
        session.execute(
            text(
                "INSERT INTO credit_candidates (enterprise_id, hazard_id, reason, created_at)"
                " VALUES (:e, 'hz-1', 'major_hazard_overdue', '2024-02-28 17:00:00.000000')"
            ),
            {"e": enterprise.id},
        )
        session.commit()
        enterprise_id = enterprise.id

    upgrade(url, "0006")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, enterprise_id, trigger, source, hazard_id, source_key, starts_on,"
                " ends_on, status FROM bad_credit_records"
            )
        ).all()
        tables = set(
            connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        )
    assert [tuple(row) for row in rows] == [
        (
            "credit-candidate-1",
            enterprise_id,
            "major_hazard_overdue",
            "system",
            "hz-1",
            "major_hazard_overdue:hz-1",
            "2024-02-29",
            "2025-02-28",
            "active",
        )
    ]
    assert "credit_candidates" not in tables

    # 0008: a record the job made by itself had no review, notice or hearing — a candidate again.
    upgrade(url)
    with engine.connect() as connection:
        record = connection.execute(
            text("SELECT status, starts_on, ends_on FROM bad_credit_records")
        ).one()
        steps = connection.execute(
            text("SELECT action, from_state, to_state, actor_role FROM bad_credit_record_events")
        ).all()
    assert tuple(record) == ("proposed", None, None)
    assert [tuple(step) for step in steps] == [("propose", "active", "proposed", "system")]
    downgrade(url, "0007")
    with engine.connect() as connection:
        status = connection.scalar(text("SELECT status FROM bad_credit_records"))
    assert status == "revoked"

    downgrade(url, "0005")
    with engine.connect() as connection:
        back = connection.execute(
            text("SELECT enterprise_id, hazard_id, reason, created_at FROM credit_candidates")
        ).all()
    assert [(r[0], r[1], r[2]) for r in back] == [(enterprise_id, "hz-1", "major_hazard_overdue")]
    assert datetime.fromisoformat(back[0][3]).replace(tzinfo=UTC) == datetime(
        2024, 2, 28, 17, 0, tzinfo=UTC
    )
    engine.dispose()
