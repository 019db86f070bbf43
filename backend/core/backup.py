"""`xuncha backup` / `xuncha restore` (issue 20): the database and the photo store, together.

A backup is a folder:
- `database.sqlite3` (SQLite, copied with its online backup API: a consistent copy while the
  app keeps running) or `database.jsonl.gz` (any other engine: every table's rows, tables in
  foreign-key order, read in one transaction so the copy is one moment's state);
- `media/`, a copy of every stored object, and `manifest.json`, each object's key, size and
  SHA-256, with the database's migration revision.

The database is copied first, then the objects: objects are written once and never changed,
and only the cleanup deletes one no row names, so every object the copy names is in the store
when the objects are copied. A restore goes into an empty database (migrated to the same
revision) and store, and checks every object's digest against the manifest.
"""

import base64
import gzip
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import (
    Date,
    DateTime,
    Engine,
    LargeBinary,
    Numeric,
    Time,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from media.storage import CONTENT_PREFIXES, LocalStorage, storage_from_config
from media.tus import PART_PREFIX

from ..models import Base, User

SQLITE_FILE = "database.sqlite3"
PORTABLE_FILE = "database.jsonl.gz"
MANIFEST = "manifest.json"
MEDIA = "media"
CHUNK = 1024 * 1024
# Every object the app stores: photos, their derivatives, and unfinished uploads' parts (their
# state is in the database, so a device resumes an upload after a restore).
PREFIXES = (*CONTENT_PREFIXES, PART_PREFIX)


class BackupError(Exception):
    pass


def backup(engine: Engine, target: Path) -> dict:
    target.mkdir(parents=True, exist_ok=False)
    if engine.dialect.name == "sqlite":
        _copy_sqlite(_sqlite_path(engine), target / SQLITE_FILE)
    else:
        _dump_tables(engine, target / PORTABLE_FILE)
    objects = _copy_objects(_store(), LocalStorage(target / MEDIA))
    manifest = {"revision": _revision(engine), "engine": engine.dialect.name, "objects": objects}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return {"objects": len(objects), "revision": manifest["revision"]}


def restore(engine: Engine, source: Path) -> dict:
    manifest = json.loads((source / MANIFEST).read_text())
    if (source / SQLITE_FILE).exists():
        _restore_sqlite(engine, source / SQLITE_FILE)
    else:
        _load_tables(engine, source / PORTABLE_FILE, manifest["revision"])
    restored = _restore_objects(LocalStorage(source / MEDIA), _store(), manifest["objects"])
    return {"objects": restored, "revision": manifest["revision"]}


def _store():
    return storage_from_config(current_app.config)


def _sqlite_path(engine: Engine) -> str:
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _copy_sqlite(source: str, target: Path) -> None:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    copy.close()
    origin.close()


def _restore_sqlite(engine: Engine, source: Path) -> None:
    if engine.dialect.name != "sqlite":
        raise BackupError("a SQLite backup restores into SQLite only")
    path = _sqlite_path(engine)
    _refuse_live_database(engine)
    engine.dispose()
    with sqlite3.connect(source) as origin, sqlite3.connect(path) as target:
        origin.backup(target)
    target.close()
    origin.close()


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _refuse_live_database(engine: Engine) -> None:
    """A restore replaces everything: it goes into an empty (freshly migrated) database."""
    if not inspect(engine).has_table(User.__tablename__):
        return
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(User.__table__)).scalar():
            raise BackupError("the target database holds users: restore into an empty database")


# The portable dump: one JSON object a line, {"table": name, "row": {column: value}}.


def _dump_tables(engine: Engine, path: Path) -> None:
    with engine.connect() as connection, gzip.open(path, "wt", encoding="utf-8") as out:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        for table in Base.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            for row in rows.mappings():
                line = {"table": table.name, "row": {k: _plain(v) for k, v in row.items()}}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _load_tables(engine: Engine, path: Path, revision: str | None) -> None:
    if _revision(engine) != revision:
        raise BackupError(
            f"migrate the target database to revision {revision} first (xuncha db upgrade)"
        )
    _refuse_live_database(engine)
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):  # what migrations put there
            connection.execute(delete(table))
        for name, rows in _rows_by_table(path):
            table = tables[name]
            connection.execute(insert(table), [_typed(table, row) for row in rows])
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection)


def _rows_by_table(path: Path) -> Iterator[tuple[str, list[dict]]]:
    batch_table, batch = None, []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["table"] != batch_table or len(batch) >= 1000:
                if batch:
                    yield batch_table, batch
                batch_table, batch = item["table"], []
            batch.append(item["row"])
    if batch:
        yield batch_table, batch


def _typed(table, row: dict) -> dict:
    typed = {}
    for name, value in row.items():
        column_type = table.columns[name].type
        if value is not None:
            value = _parse(column_type, value)
        typed[name] = value
    return typed


def _parse(column_type, value):
    impl = getattr(column_type, "impl", column_type)
    if isinstance(impl, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(impl, Date):
        return date.fromisoformat(value)
    if isinstance(impl, Time):
        return time.fromisoformat(value)
    if isinstance(impl, LargeBinary):
        return base64.b64decode(value)
    if isinstance(impl, Numeric) and isinstance(value, str):
        return Decimal(value)
    return value


def _reset_sequences(connection) -> None:
    """Ids were inserted as they were: each table's id sequence continues after the highest."""
    for table in Base.metadata.sorted_tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or columns[0].type.python_type is not int:
            continue
        column = columns[0].name
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column),"
                f" COALESCE((SELECT MAX({column}) FROM {table.name}), 1),"
                f" (SELECT MAX({column}) FROM {table.name}) IS NOT NULL)"
            ),
            {"table": table.name, "column": column},
        )


# The photo store.


def _copy_objects(store, copy: LocalStorage) -> list[dict]:
    objects = []
    stored_objects = (item for prefix in PREFIXES for item in store.iter_objects(prefix))
    for stored in stored_objects:
        with store.open(stored.key) as source:
            reader = _HashingReader(source)
            copy.put_file(stored.key, reader)
        objects.append({"key": stored.key, "size": reader.size, "sha256": reader.hexdigest()})
    return sorted(objects, key=lambda item: item["key"])


class _HashingReader:
    def __init__(self, stream) -> None:
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def _restore_objects(copy: LocalStorage, store, objects: list[dict]) -> int:
    for item in objects:
        path = copy.path(item["key"])
        if _sha256_of(path) != item["sha256"]:
            raise BackupError(f"object {item['key']} does not match its digest in the manifest")
        store.put_file(item["key"], str(path))
    return len(objects)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
