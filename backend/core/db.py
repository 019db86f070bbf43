"""Engine and session handling: one session per request or job, committed in one place.

SQLite allows one writer at a time. A transaction that reads and then writes after another
writer committed fails at once with SQLITE_BUSY_SNAPSHOT, and its busy timeout never applies;
so a transaction that may write takes the write lock up front (`BEGIN IMMEDIATE`) and writers
queue on the busy timeout instead. Requests that only read (GET, HEAD, OPTIONS) begin deferred,
so pulls and pages never wait for a writer (WAL lets readers run beside it). Contention that
outlasts the wait is answered 503 with Retry-After, never a 500.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, scoped_session, sessionmaker

EXTENSION_KEY = "xuncha.engine"
SQLITE_BUSY_TIMEOUT_SECONDS = 15
# Whether transactions begun in this thread (or task) may write: requests set it from their
# method; jobs, the CLI and background work keep the default and take the lock up front.
_may_write: ContextVar[bool] = ContextVar("xuncha_may_write", default=True)

# Errors that mean "another transaction holds what we need", by SQLSTATE on PostgreSQL:
# lock_not_available, serialization_failure, deadlock_detected.
_PG_CONTENTION = {"55P03", "40001", "40P01"}
_SQLITE_CONTENTION = ("database is locked", "database is busy", "database table is locked")


KEEP_ON_ERROR = "xuncha_keep_on_error"


def keep_despite_error(session) -> None:
    """Have the request's one commit point commit even though the answer is an error: for what
    must outlive a refusal (a failed login attempt, an Idempotency-Key's stored 409 answer).
    Anything else the request wrote must already be rolled back (its savepoint) by then."""
    session.info[KEEP_ON_ERROR] = True


def kept_despite_error(session) -> bool:
    return session.info.pop(KEEP_ON_ERROR, False)


def serialize_on(session, namespace: int, *keys: str) -> None:
    """Make transactions touching the same keys run one after the other until they end (a
    check and the write that depends on it, e.g. counting login failures, then adding one).
    PostgreSQL: transaction-scoped advisory locks, taken in order; SQLite needs nothing, its
    writers already run one at a time (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in keys:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:key))"),
            {"namespace": namespace, "key": key},
        )


def set_write_intent(may_write: bool) -> None:
    _may_write.set(may_write)


@contextmanager
def read_only_intent():
    token = _may_write.set(False)
    try:
        yield
    finally:
        _may_write.reset(token)


def is_lock_contention(error: BaseException) -> bool:
    """True for a database error caused by another transaction's locks (worth a retry)."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if getattr(original, "sqlstate", None) in _PG_CONTENTION:
        return True
    message = str(original).lower()
    return any(text in message for text in _SQLITE_CONTENTION)


def is_unique_violation(error: BaseException) -> bool:
    """True for a unique key refusing a row another transaction wrote first: two requests
    creating the same record at once (the one that lost should reload and retry)."""
    if not isinstance(error, IntegrityError):
        return False
    if getattr(error.orig, "sqlstate", None) == "23505":
        return True
    return "unique constraint failed" in str(error.orig).lower()


def make_engine(url: str, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write.get() else "BEGIN")


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
