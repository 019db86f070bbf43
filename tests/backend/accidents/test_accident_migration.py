"""Migration 0017 (accidents; bad credit records and blacklist entries resting on one) goes down
and up again keeping the records and entries, and the links come back empty."""

from datetime import UTC, datetime

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from backend.core.db import make_engine
from backend.migrate import downgrade, upgrade
from backend.models import (
    Accident,
    BadCreditRecord,
    BlacklistEntry,
    Enterprise,
    Jurisdiction,
    User,
)


def test_0017_round_trip_keeps_the_records_and_entries(tmp_path):
    url = f"sqlite:///{tmp_path / 'accidents.db'}"
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    with Session(engine) as session:
        district = Jurisdiction(name="D区", level="district", path="/1/")
        session.add(district)
        session.flush()
        enterprise = Enterprise(
            name="甲化工",
            uscc="91320400MA1XXXXX0X",
            industry="hazardous_chemicals",
            jurisdiction_id=district.id,
        )
        user = User(
            username="sup", password_hash="x", role="supervisor", jurisdiction_id=district.id
        )
        session.add_all([enterprise, user])
        session.flush()
        session.add(
            Accident(
                id="a1",
                enterprise_id=enterprise.id,
                occurred_at=now,
                place="储罐区",
                accident_type="fire",
                deaths=10,
                level="major",
                responsible=True,
                report_due_at=now,
                reported_up_to="state_council",
                handled_by_level="provincial",
                created_by_id=user.id,
            )
        )
        session.flush()
        session.add(
            BadCreditRecord(
                id="r1",
                enterprise_id=enterprise.id,
                trigger="fatal_accident",
                source="system",
                source_key="fatal_accident:a1",
                accident_id="a1",
                management_level="national",
                created_at=now,
            )
        )
        session.flush()
        session.add(
            BlacklistEntry(
                id="b1",
                enterprise_id=enterprise.id,
                trigger="fatal_accident",
                reason="案由",
                accident_level="major",
                term_years=2,
                bad_credit_record_id="r1",
                accident_id="a1",
                created_by_id=user.id,
            )
        )
        session.commit()

    downgrade(url, "0016")
    assert "accidents" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT trigger FROM bad_credit_records")) == "fatal_accident"
        assert connection.scalar(text("SELECT term_years FROM blacklist_entries")) == 2

    upgrade(url, "0017")
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT accident_id, management_level FROM bad_credit_records")
        ).one() == (None, None)
        assert connection.scalar(text("SELECT accident_id FROM blacklist_entries")) is None
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
