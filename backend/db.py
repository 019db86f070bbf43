"""Engine and session handling: one session per request or job, committed in one place."""

from flask import current_app
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

EXTENSION_KEY = "xuncha.engine"


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN")


class AppSession(Session):
    """Uses the current app's engine unless bound explicitly (tests bind to one transaction)."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return current_app.extensions[EXTENSION_KEY]


class Database:
    """A thread-scoped session over each app's engine; the app removes the session per request."""

    def __init__(self) -> None:
        self.session = self._scoped_session()

    @staticmethod
    def _scoped_session(**options) -> scoped_session:
        return scoped_session(sessionmaker(class_=AppSession, expire_on_commit=False, **options))

    def init_app(self, app) -> None:
        app.extensions[EXTENSION_KEY] = make_engine(app.config["DATABASE_URL"])
        app.teardown_appcontext(self._remove_session)

    @property
    def engine(self) -> Engine:
        return current_app.extensions[EXTENSION_KEY]

    def bind(self, bind=None, **session_options) -> None:
        """Bind new sessions to a connection, or with None back to the app's engine."""
        self.session.remove()
        self.session = self._scoped_session(bind=bind, **session_options)

    def _remove_session(self, _exc=None) -> None:
        self.session.remove()


db = Database()
