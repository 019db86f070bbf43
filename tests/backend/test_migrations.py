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
