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
