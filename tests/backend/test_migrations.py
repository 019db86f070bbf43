from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.models import Base


def test_migrations_match_the_models(app, session):
    """The schema the migrations built is the schema the models describe."""
    connection = session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_migrations_built_every_table(app, session):
    tables = set(inspect(session.connection()).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_and_downgrade_round_trip(tmp_path):
    from sqlalchemy import create_engine

    from backend.migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    downgrade(url, "base")
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(url)
    assert "enterprises" in inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_batch_migrations_keep_the_rows_that_point_at_a_rebuilt_table(tmp_path):
    """A batch migration rebuilds a table on SQLite (copy, drop, rename). With foreign keys
    enforced, dropping `bad_credit_records` was refused (a blacklist entry points at it,
    RESTRICT) or emptied its children (ON DELETE CASCADE): migrations run with the check off
    and verify every reference afterwards (migrations/env.py)."""
    from datetime import UTC, date, datetime

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from backend.core.db import make_engine
    from backend.migrate import downgrade, upgrade
    from backend.models import (
        BadCreditRecord,
        BadCreditRecordEvent,
        BlacklistEntry,
        Enterprise,
        Jurisdiction,
        User,
    )

    url = f"sqlite:///{tmp_path / 'batch.db'}"
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
        record = BadCreditRecord(
            id="r1",
            enterprise_id=enterprise.id,
            trigger="other_serious",
            source="supervisor",
            status="active",
            starts_on=date(2026, 3, 2),
            ends_on=date(2027, 3, 2),
            created_at=now,
        )
        session.add(record)
        session.flush()
        session.add_all(
            [
                BadCreditRecordEvent(
                    id="e1",
                    record_id="r1",
                    seq=1,
                    action="collect",
                    to_state="active",
                    actor_role="supervisor",
                    at=now,
                    note="",
                    payload={},
                ),
                BlacklistEntry(
                    id="b1",
                    enterprise_id=enterprise.id,
                    state="collected",
                    trigger="serious_threat",
                    reason="案由",
                    bad_credit_record_id="r1",
                    created_by_id=user.id,
                ),
            ]
        )
        session.commit()
    downgrade(url, "0007")
    upgrade(url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT bad_credit_record_id FROM blacklist_entries")) == "r1"
        assert connection.scalar(text("SELECT status FROM bad_credit_records")) == "active"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
