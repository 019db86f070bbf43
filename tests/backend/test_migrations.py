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


def test_0012_fills_in_who_found_and_who_closed_existing_hazards(tmp_path):
    """Hazards that exist before 0012 learn whether the enterprise found them (the inspection's
    kind, the reporter's role) and closed them (the closing step's actor), and keep their
    history; 方案4 L141 自查、自改、自报."""
    from datetime import timedelta

    from sqlalchemy import create_engine, text

    from backend.app import create_app
    from backend.checklists.services import current_versions, publish_shipped
    from backend.core.db import EXTENSION_KEY, db
    from backend.core.timeutil import today_in_shanghai
    from backend.demo import demo_uscc
    from backend.enterprises.services import create_enterprise
    from backend.hazards.services import report_hazard
    from backend.jurisdictions.services import create_jurisdiction
    from backend.migrate import downgrade, upgrade
    from backend.models import Inspection, User

    url = f"sqlite:///{tmp_path / 'backfill.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        publish_shipped()
        street = create_jurisdiction(name="示范区", level="district", parent=None)
        enterprise = create_enterprise(
            name="示范化工",
            uscc=demo_uscc(777002),
            industry="hazardous_chemicals",
            scale="above_scale",
            jurisdiction_id=street.id,
        )
        inspector = User(
            username="i", role="inspector", jurisdiction_id=street.id, password_hash="x"
        )
        manager = User(
            username="m", role="enterprise_manager", enterprise_id=enterprise.id, password_hash="x"
        )
        db.session.add_all([inspector, manager])
        db.session.flush()
        self_check = Inspection(
            id="self-1",
            enterprise_id=enterprise.id,
            checklist_version_id=current_versions()[0].id,
            kind="self_inspection",
            inspector_id=manager.id,
        )
        db.session.add(self_check)
        due_on = today_in_shanghai() + timedelta(days=5)
        found_by_self = report_hazard(
            inspector, enterprise_id=enterprise.id, title="自查发现", due_on=due_on
        )
        found_by_self.inspection_id = "self-1"
        fixed = report_hazard(
            inspector,
            enterprise_id=enterprise.id,
            title="立查立改",
            fixed_on_spot=True,
            photos=["a" * 64],
            after_photos=["b" * 64],
        )
        fixed_by_enterprise = report_hazard(
            manager,
            enterprise_id=enterprise.id,
            title="企业立查立改",
            fixed_on_spot=True,
            photos=["a" * 64],
            after_photos=["b" * 64],
        )
        db.session.commit()
        ids = found_by_self.id, fixed.id, fixed_by_enterprise.id
    app.extensions[EXTENSION_KEY].dispose()

    downgrade(url, "0007")
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {
            row.id: row
            for row in connection.execute(
                text("SELECT id, self_reported, closed_by_enterprise, location FROM hazards")
            )
        }
        actions = connection.execute(text("SELECT count(*) FROM hazard_actions")).scalar()
    engine.dispose()
    assert actions == 5  # the history survives the migration
    by_self, by_official, by_enterprise = (rows[hazard_id] for hazard_id in ids)
    assert (by_self.self_reported, by_self.closed_by_enterprise, by_self.location) == (1, 0, "")
    assert (by_official.self_reported, by_official.closed_by_enterprise) == (0, 0)
    assert (by_enterprise.self_reported, by_enterprise.closed_by_enterprise) == (1, 1)
