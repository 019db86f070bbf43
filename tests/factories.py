"""Factory fixtures: each returns a function that makes one record with sensible defaults.

Factories commit: inside the test transaction that only releases a savepoint, and it keeps
their rows when a request under test rolls its own work back.
"""

import itertools

import pytest

from backend.users.auth import hash_password, issue_token

_counter = itertools.count(1)
TEST_PASSWORD = "correct horse battery"
_TEST_PASSWORD_HASH = None


def _password_hash() -> str:
    global _TEST_PASSWORD_HASH
    if _TEST_PASSWORD_HASH is None:
        _TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)
    return _TEST_PASSWORD_HASH


@pytest.fixture
def make_jurisdiction(session):
    from backend.jurisdictions.services import create_jurisdiction

    def make(level="district", parent=None, name=None, code=None):
        node = create_jurisdiction(
            name=name or f"{level}-{next(_counter)}", level=level, parent=parent, code=code
        )
        session.commit()
        return node

    return make


@pytest.fixture
def make_enterprise(session, make_jurisdiction):
    from backend.demo import demo_uscc
    from backend.enterprises.services import create_enterprise

    def make(jurisdiction=None, **fields):
        number = next(_counter)
        jurisdiction = jurisdiction or make_jurisdiction()
        values = {
            "name": f"测试企业{number}",
            "uscc": demo_uscc(900000 + number),
            "industry": "hazardous_chemicals",
            "scale": "above_scale",
            "jurisdiction_id": jurisdiction.id,
        }
        values.update(fields)
        enterprise = create_enterprise(**values)
        session.commit()
        return enterprise

    return make


@pytest.fixture
def make_user(session):
    from backend.models import User

    def make(role="inspector", jurisdiction=None, enterprise=None, username=None, **fields):
        user = User(
            username=username or f"user{next(_counter)}",
            password_hash=_password_hash(),
            role=role,
            jurisdiction_id=jurisdiction.id if jurisdiction else None,
            enterprise_id=enterprise.id if enterprise else None,
            **fields,
        )
        session.add(user)
        session.commit()
        return user

    return make


@pytest.fixture
def auth_header(session):
    from datetime import timedelta

    def make(user):
        token, _ = issue_token(user, ttl=timedelta(hours=1))
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
