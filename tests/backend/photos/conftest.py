"""Fixtures shared by the photo tests."""

from pathlib import Path

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


@pytest.fixture(autouse=True)
def tus_dir(app, tmp_path, monkeypatch) -> Path:
    """An upload folder per test: unfinished uploads count against their owner's quota, and
    user ids come again once a test's transaction is rolled back."""
    monkeypatch.setitem(app.config, "TUS_DIR", str(tmp_path / "tus"))
    return tmp_path / "tus"
