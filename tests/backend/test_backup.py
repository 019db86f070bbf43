"""`xuncha backup` / `xuncha restore`: a world with records and photos, backed up, restored
into an empty database and an empty store; every row and every photo (by digest) is back.
On SQLite, and on PostgreSQL when TEST_DATABASE_URL names one (two databases of its own)."""

import hashlib
import io
import json
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from backend.cli import main
from backend.core.backup import PREFIXES
from backend.models import Base, Hazard, Inspection, MediaObject, User
from media.storage import LocalStorage, original_key
from tests.backend.fixtures.media import jpeg


@pytest.fixture
def databases(tmp_path):
    """A source and a target database, both empty."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'target.db'}"
        return
    url = make_url(base)
    names = [f"{url.database}_backup_source", f"{url.database}_backup_target"]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield tuple(url.set(database=name).render_as_string(hide_password=False) for name in names)
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(args, database_url, media_root, var):
    env = {"DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root), "XUNCHA_VAR_DIR": str(var)}
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def add_photos(database_url, media_root, count=3) -> set[str]:
    from backend.app import create_app
    from backend.core.db import db
    from backend.jobs.worker import work
    from backend.photos.services import receive_upload

    app = create_app({"DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)})
    digests = set()
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        for index in range(count):
            data = jpeg(size=(320 + index, 240))
            digest = hashlib.sha256(data).hexdigest()
            receive_upload(inspector, io.BytesIO(data), digest)
            digests.add(digest)
        db.session.commit()
        work()  # the derivatives: more stored objects
        db.session.remove()
        db.engine.dispose()
    return digests


def table_contents(database_url) -> dict[str, list]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        contents = {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return contents


def test_backup_and_restore_bring_back_every_record_and_photo(databases, tmp_path):
    source_url, target_url = databases
    source_media, target_media = tmp_path / "media-a", tmp_path / "media-b"
    var = tmp_path / "var"
    run(["db", "upgrade"], source_url, source_media, var)
    run(["seed-demo"], source_url, source_media, var)
    digests = add_photos(source_url, source_media)
    before = table_contents(source_url)
    assert before["inspections"] and before["hazards"]

    run(["backup", str(tmp_path / "backup")], source_url, source_media, var)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    source_store = LocalStorage(source_media)
    assert {item["key"] for item in manifest["objects"]} == {
        stored.key for prefix in PREFIXES for stored in source_store.iter_objects(prefix)
    }
    assert len(manifest["objects"]) > len(digests)  # originals and derivatives

    if not target_url.startswith("sqlite"):
        run(["db", "upgrade"], target_url, target_media, var)  # an empty, migrated database
    run(["restore", str(tmp_path / "backup")], target_url, target_media, var)

    assert table_contents(target_url) == before
    # New rows take fresh ids after the restored ones (PostgreSQL's sequences follow).
    run(
        [
            "create-user",
            "--username",
            "after-restore",
            "--password",
            "long passphrase 巡查 9",
            "--role",
            "admin",
        ],
        target_url,
        target_media,
        var,
    )
    target_store = LocalStorage(target_media)
    for item in manifest["objects"]:
        with target_store.open(item["key"]) as restored:
            assert hashlib.sha256(restored.read()).hexdigest() == item["sha256"]
    engine = create_engine(target_url)
    with engine.connect() as connection:
        held = set(connection.scalars(select(MediaObject.sha256)))
        assert digests <= held
        assert connection.scalar(select(func.count()).select_from(Inspection)) >= 1
        assert connection.scalar(select(func.count()).select_from(Hazard)) >= 1
    engine.dispose()
    for digest in held:
        with target_store.open(original_key(digest)) as original:
            assert hashlib.sha256(original.read()).hexdigest() == digest


def test_restore_refuses_a_database_in_use(databases, tmp_path):
    source_url, _ = databases
    media, var = tmp_path / "media", tmp_path / "var"
    run(["db", "upgrade"], source_url, media, var)
    run(["seed-demo"], source_url, media, var)
    run(["backup", str(tmp_path / "backup")], source_url, media, var)
    result = CliRunner().invoke(
        main,
        ["restore", str(tmp_path / "backup")],
        env={"DATABASE_URL": source_url, "MEDIA_ROOT": str(media), "XUNCHA_VAR_DIR": str(var)},
    )
    assert result.exit_code == 1
    assert "restore into an empty database" in result.output
