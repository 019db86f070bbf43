"""Every role × the accident endpoints × inside / outside its scope (the hazard world: district
D → street S → grid G holds `ent`, street S2 holds `ent2`, district X holds `far`).

Supervisors in scope record and change accidents; inspectors, admins and the enterprise's own
users read them; an enterprise never sees another's. Outside the caller's scope: 404."""

from datetime import UTC, datetime

import pytest

from backend.core.problems import PROBLEM_MIME

ROLES = [
    "global_admin",
    "admin",
    "supervisor",
    "street_supervisor",
    "inspector",
    "manager",
    "viewer",
    "manager2",
    "other_manager",
    "other_supervisor",
]
VISIBLE = {
    "global_admin": {"ent", "ent2", "far"},
    "admin": {"ent", "ent2"},
    "supervisor": {"ent", "ent2"},
    "street_supervisor": {"ent"},
    "inspector": {"ent"},
    "manager": {"ent"},
    "viewer": {"ent"},
    "manager2": {"ent2"},
    "other_manager": {"far"},
    "other_supervisor": {"far"},
}
# Recording an accident of `ent`, and of `far`.
CREATE = {
    "global_admin": (403, 403),
    "admin": (403, 404),
    "supervisor": (201, 404),
    "street_supervisor": (201, 404),
    "inspector": (403, 404),
    "manager": (403, 404),
    "viewer": (403, 404),
    "manager2": (404, 404),
    "other_manager": (404, 403),
    "other_supervisor": (404, 201),
}
# Changing the accident of `ent`, and of `far`.
PATCH = {
    "global_admin": (403, 403),
    "admin": (403, 404),
    "supervisor": (200, 404),
    "street_supervisor": (200, 404),
    "inspector": (403, 404),
    "manager": (403, 404),
    "viewer": (403, 404),
    "manager2": (404, 404),
    "other_manager": (404, 403),
    "other_supervisor": (404, 200),
}
OCCURRED_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@pytest.fixture
def accidents(session, world):
    from backend.accidents.services import record_accident

    recorders = {"ent": "supervisor", "ent2": "supervisor", "far": "other_supervisor"}
    made = {
        key: record_accident(
            world["users"][recorder],
            enterprise_id=world["enterprises"][key].id,
            occurred_at=OCCURRED_AT,
            place="车间",
            accident_type="machinery",
            deaths=1,
        )
        for key, recorder in recorders.items()
    }
    session.commit()
    return {key: accident.id for key, accident in made.items()}


@pytest.mark.parametrize("role", ROLES)
def test_accident_list_and_get(client, world, accidents, role):
    headers = world["headers"][role]
    listed = client.get("/api/v1/accidents?page_size=100", headers=headers)
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json} == {accidents[key] for key in VISIBLE[role]}
    for key, accident_id in accidents.items():
        response = client.get(f"/api/v1/accidents/{accident_id}", headers=headers)
        if key in VISIBLE[role]:
            assert response.status_code == 200
        else:
            assert response.status_code == 404 and response.mimetype == PROBLEM_MIME


@pytest.mark.parametrize("role", ROLES)
def test_accident_create(client, world, role):
    for key, status in zip(("ent", "far"), CREATE[role], strict=True):
        response = client.post(
            "/api/v1/accidents",
            json={
                "enterprise_id": world["enterprises"][key].id,
                "occurred_at": "2026-03-02T09:30:00+08:00",
                "place": "车间",
                "accident_type": "machinery",
            },
            headers=world["headers"][role],
        )
        assert response.status_code == status, (key, response.json)


@pytest.mark.parametrize("role", ROLES)
def test_accident_update(client, world, accidents, role):
    for key, status in zip(("ent", "far"), PATCH[role], strict=True):
        response = client.patch(
            f"/api/v1/accidents/{accidents[key]}",
            json={"investigation_status": "investigating"},
            headers=world["headers"][role],
        )
        assert response.status_code == status, (key, response.json)


def test_without_a_token_nothing_is_answered(client, accidents):
    assert client.get("/api/v1/accidents").status_code == 401
    assert client.get(f"/api/v1/accidents/{accidents['ent']}").status_code == 401
