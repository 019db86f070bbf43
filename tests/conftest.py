"""Fixtures shared by the whole suite.

The database is SQLite unless TEST_DATABASE_URL points elsewhere (CI also runs PostgreSQL).
The schema is built by the Alembic migrations, and each test runs inside a transaction that
is rolled back, so tests never see each other's rows.
"""

import os
import shutil

import pytest
from sqlalchemy import text

os.environ.setdefault("SECRET_KEY", "test-secret-key-0123456789abcdef0123")

# Fixtures registered once for the whole suite: factories, then each domain's worlds.
pytest_plugins = [
    "tests.factories",
    "tests.backend.fixtures.hazards",
    "tests.backend.fixtures.credit",
    "tests.backend.fixtures.sync",
    "tests.backend.fixtures.grids",
    "tests.backend.fixtures.campaigns",
]


def require_tool(name: str) -> str:
    """The path of an external tool; a missing tool skips, except under CI where it fails."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI but was not found")
    pytest.skip(f"{name} not installed")


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE_URL', 'SQLite (temporary file)')}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY, db
    from backend.migrate import upgrade

    os.environ["XUNCHA_VAR_DIR"] = str(tmp_path_factory.mktemp("var"))
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
            "SECRET_KEY": "test-secret-key",
            "TESTING": True,
            # Terms run into years after the calendar package's last: the tests run on any
            # day, so those years count as configured (New Year's Day their only holiday).
            "HOLIDAYS": "2027-01-01,2028-01-01,2029-01-01",
        }
    )
    engine = app.extensions[EXTENSION_KEY]
    _reset_schema(engine)
    upgrade(database_url)
    with app.app_context():
        from backend.checklists.services import publish_shipped

        publish_shipped()
        db.session.commit()
        db.session.remove()
    yield app
    db.session.remove()
    engine.dispose()


def _reset_schema(engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def session(app):
    """The request-scoped session, bound to one connection whose transaction is rolled back."""
    from backend.core.db import EXTENSION_KEY, db

    connection = app.extensions[EXTENSION_KEY].connect()
    transaction = connection.begin()
    db.bind(connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        yield db.session
    db.session.remove()
    transaction.rollback()
    connection.close()
    db.bind(None)


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """A context manager collecting the SQL statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from backend.core.db import EXTENSION_KEY

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        engine = app.extensions[EXTENSION_KEY]
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting
