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
