"""Fixtures shared by the photo tests."""

import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture
def media_root(app) -> Path:
    return Path(app.config["MEDIA_ROOT"])


@pytest.fixture
def site(make_jurisdiction, make_enterprise, make_user, auth_header):
    """Enterprise A in a street of district 1, enterprise B in district 2, and their people."""
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    elsewhere = make_jurisdiction()
    enterprise_a = make_enterprise(street, name="甲化工有限公司")
    enterprise_b = make_enterprise(elsewhere)
    people = {
        "inspector": make_user("inspector", jurisdiction=street, display_name="王检查"),
        "supervisor": make_user("supervisor", jurisdiction=district),
        "manager_a": make_user("enterprise_manager", enterprise=enterprise_a),
        "viewer_a": make_user("enterprise_viewer", enterprise=enterprise_a),
        "manager_b": make_user("enterprise_manager", enterprise=enterprise_b),
        "inspector_elsewhere": make_user("inspector", jurisdiction=elsewhere),
    }
    site = {"a": enterprise_a, "b": enterprise_b, **people}
    site["headers"] = {name: auth_header(user) for name, user in people.items()}
    return site


@pytest.fixture(params=["local", "s3"])
def instances(request, app, database_url, tmp_path, monkeypatch):
    """Two app instances on one database and one media store, committing for real (the
    rolled-back test transaction belongs to one connection, never shared by two instances).
    SQLite: a database file of their own; PostgreSQL: the suite's, with their rows removed
    after. The store: one local folder, or one S3 bucket (moto's server) with a folder of
    its own per instance (what a host keeps is not shared). A user of theirs, with a token:
    ``instances.user_id`` / ``instances.headers``."""
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY, db
    from backend.migrate import upgrade

    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        upgrade(url)
    config = {
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path / "shared-media"),
        "SECRET_KEY": "instances-secret-0123456789abcdef0123456789",
        "MEDIA_DERIVATIVES_ASYNC": True,
    }
    if request.param == "s3":
        config.update(_moto_bucket(request))
        pair = SimpleNamespace(
            a=create_app({**config, "MEDIA_ROOT": str(tmp_path / "host-a")}),
            b=create_app({**config, "MEDIA_ROOT": str(tmp_path / "host-b")}),
        )
    else:
        pair = SimpleNamespace(a=create_app(config), b=create_app(config))
    with pair.a.app_context():
        pair.user_id, pair.jurisdiction_id, token = _instances_user()
        db.session.commit()
    pair.headers = {"Authorization": f"Bearer {token}"}
    yield pair
    if not url.startswith("sqlite"):
        with pair.a.app_context():
            _remove_instances_rows(pair.user_id, pair.jurisdiction_id)
            db.session.commit()
    for instance in (pair.a, pair.b):
        instance.extensions[EXTENSION_KEY].dispose()


def _moto_bucket(request) -> dict:
    import socket

    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    request.addfinalizer(server.stop)
    settings = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "xuncha-instances",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "moto-access-key",
        "S3_SECRET_ACCESS_KEY": "moto-secret-key",
    }
    boto3.client(
        "s3",
        endpoint_url=settings["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="moto-access-key",
        aws_secret_access_key="moto-secret-key",
    ).create_bucket(Bucket=settings["S3_BUCKET"])
    return settings


def _instances_user():
    from backend.jurisdictions.services import create_jurisdiction
    from backend.users.auth import issue_token
    from backend.users.services import create_user

    district = create_jurisdiction(name="两实例区", level="district", parent=None)
    user = create_user(
        username=f"instances-{uuid.uuid4().hex[:8]}",
        password="instances inspector password",
        role="inspector",
        jurisdiction_id=district.id,
    )
    token, _ = issue_token(user, ttl=timedelta(hours=1))
    return user.id, district.id, token


def _remove_instances_rows(user_id: int, jurisdiction_id: int) -> None:
    from sqlalchemy import delete, or_

    from backend.core.db import db
    from backend.models import (
        AccessToken,
        AccountEvent,
        Jurisdiction,
        MediaObject,
        QueuedJob,
        TusUpload,
        User,
    )

    db.session.execute(delete(QueuedJob))
    db.session.execute(delete(TusUpload).where(TusUpload.owner_id == user_id))
    db.session.execute(delete(MediaObject).where(MediaObject.uploaded_by_id == user_id))
    db.session.execute(delete(AccessToken).where(AccessToken.user_id == user_id))
    db.session.execute(
        delete(AccountEvent).where(
            or_(AccountEvent.user_id == user_id, AccountEvent.actor_id == user_id)
        )
    )
    db.session.execute(delete(User).where(User.id == user_id))
    db.session.execute(delete(Jurisdiction).where(Jurisdiction.id == jurisdiction_id))
