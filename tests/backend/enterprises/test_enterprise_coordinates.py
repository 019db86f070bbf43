"""An enterprise's coordinates (the app's 附近企业): set through the API by who may edit the
enterprise, validated; learned once from an on-site inspection or a code scan with GPS (local
policy); pulled by devices in the `enterprises` sync table (schema v3)."""

import pytest

from backend.core.problems import PROBLEM_MIME
from backend.safety_code.services import current_code
from tests.backend.fixtures.sync import pull


@pytest.fixture
def place(make_jurisdiction, make_enterprise, make_user, auth_header):
    district = make_jurisdiction()
    street = make_jurisdiction("street", district)
    enterprise = make_enterprise(street, industry="hazardous_chemicals", scale="above_scale")
    inspector = make_user("inspector", jurisdiction=street)
    return {
        "enterprise": enterprise,
        "supervisor": auth_header(make_user("supervisor", jurisdiction=district)),
        "inspector": auth_header(inspector),
        "manager": auth_header(make_user("enterprise_manager", enterprise=enterprise)),
        "other_supervisor": auth_header(make_user("supervisor", jurisdiction=make_jurisdiction())),
    }


def _patch(client, place, headers, **body):
    return client.patch(f"/api/v1/enterprises/{place['enterprise'].id}", json=body, headers=headers)


def test_whoever_edits_the_enterprise_sets_its_coordinates(client, place):
    response = _patch(client, place, place["supervisor"], latitude=26.2, longitude=112.33)
    assert response.status_code == 200, response.json
    assert (response.json["latitude"], response.json["longitude"]) == (26.2, 112.33)
    cleared = _patch(client, place, place["supervisor"], latitude=None, longitude=None)
    assert (cleared.json["latitude"], cleared.json["longitude"]) == (None, None)


@pytest.mark.parametrize("who", ["inspector", "manager", "other_supervisor"])
def test_others_may_not_set_them(client, place, who):
    response = _patch(client, place, place[who], latitude=26.2, longitude=112.33)
    assert response.status_code in (403, 404)
    assert response.mimetype == PROBLEM_MIME


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 91, "longitude": 112.3}, "latitude"),
        ({"latitude": 26.2, "longitude": -180.5}, "longitude"),
        ({"latitude": "north", "longitude": 112.3}, "latitude"),
        ({"latitude": 26.2}, "longitude"),
        ({"longitude": 112.3}, "latitude"),
        ({"latitude": 26.2, "longitude": None}, "longitude"),
    ],
)
def test_bad_coordinates_are_422_naming_the_field(client, place, body, field):
    response = _patch(client, place, place["supervisor"], **body)
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM_MIME
    assert [error["field"] for error in response.json["errors"]] == [field]


def _start_inspection(client, place, latitude, longitude, who="inspector", kind="supervision"):
    enterprise = place["enterprise"]
    lists = client.get(
        f"/api/v1/enterprises/{enterprise.id}/checklists?kind={kind}", headers=place[who]
    ).json
    response = client.post(
        "/api/v1/inspections",
        json={
            "enterprise_id": enterprise.id,
            "checklist_version_id": lists[0]["id"],
            "kind": kind,
            "latitude": latitude,
            "longitude": longitude,
        },
        headers=place[who],
    )
    assert response.status_code == 201, response.json
    return response


def _position(client, place):
    body = client.get(
        f"/api/v1/enterprises/{place['enterprise'].id}", headers=place["supervisor"]
    ).json
    return body["latitude"], body["longitude"]


def test_an_inspection_on_site_with_gps_teaches_a_missing_position_once(client, place):
    _start_inspection(client, place, None, None)
    assert _position(client, place) == (None, None)
    _start_inspection(client, place, 26.21, 112.34)
    assert _position(client, place) == (26.21, 112.34)
    _start_inspection(client, place, 27.0, 113.0)  # never overwritten
    assert _position(client, place) == (26.21, 112.34)


def test_an_enterprises_own_self_inspection_teaches_nothing(client, place):
    """The enterprise's user may self-inspect from anywhere: only an official on site counts."""
    _start_inspection(client, place, 30.0, 120.0, who="manager", kind="self_inspection")
    assert _position(client, place) == (None, None)
    _start_inspection(client, place, 26.21, 112.34)
    assert _position(client, place) == (26.21, 112.34)


def test_a_scan_with_gps_teaches_a_missing_position_but_never_overwrites(client, session, place):
    token = current_code(place["enterprise"]).token
    session.commit()
    scanned = client.get(f"/api/v1/scan/{token}?latitude=26.19", headers=place["inspector"])
    assert scanned.status_code == 200
    assert _position(client, place) == (None, None)  # half a position teaches nothing
    client.get(f"/api/v1/scan/{token}?latitude=26.19&longitude=112.31", headers=place["inspector"])
    assert _position(client, place) == (26.19, 112.31)
    client.get(f"/api/v1/scan/{token}?latitude=30&longitude=120", headers=place["inspector"])
    assert _position(client, place) == (26.19, 112.31)


def test_set_coordinates_are_not_replaced_by_a_scan(client, session, place):
    _patch(client, place, place["supervisor"], latitude=26.2, longitude=112.33)
    token = current_code(place["enterprise"]).token
    session.commit()
    client.get(f"/api/v1/scan/{token}?latitude=30&longitude=120", headers=place["inspector"])
    assert _position(client, place) == (26.2, 112.33)


def test_learning_can_be_switched_off(app, client, place):
    app.config["ENTERPRISE_LEARN_COORDINATES"] = False
    try:
        _start_inspection(client, place, 26.21, 112.34)
    finally:
        app.config["ENTERPRISE_LEARN_COORDINATES"] = True
    assert _position(client, place) == (None, None)


def test_devices_pull_the_coordinates(client, place):
    _patch(client, place, place["supervisor"], latitude=26.2, longitude=112.33)
    first = pull(client, place["inspector"])
    (record,) = first["changes"]["enterprises"]["created"]
    assert (record["latitude"], record["longitude"]) == (26.2, 112.33)
    _patch(client, place, place["supervisor"], latitude=26.25, longitude=112.3)
    later = pull(client, place["inspector"], first["timestamp"])
    (record,) = later["changes"]["enterprises"]["updated"]
    assert (record["latitude"], record["longitude"]) == (26.25, 112.3)


def test_the_server_speaks_schema_v3(client, place):
    response = client.get("/api/v1/sync?schema_version=3", headers=place["inspector"])
    assert response.status_code == 200, response.json
    assert (
        client.get("/api/v1/sync?schema_version=4", headers=place["inspector"]).status_code == 422
    )


def test_demo_enterprises_are_scattered_within_5_km_of_the_town(session):
    from math import asin, cos, radians, sin, sqrt

    from backend.demo import TOWN, seed_demo
    from backend.models import Enterprise

    seed_demo()

    def km(lat1, lon1, lat2, lon2):
        a = (
            sin(radians(lat2 - lat1) / 2) ** 2
            + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ** 2
        )
        return 2 * 6371 * asin(sqrt(a))

    demo = [e for e in session.query(Enterprise) if e.name.endswith("公司")]
    assert len(demo) >= 12
    distances = [km(*TOWN, e.latitude, e.longitude) for e in demo if e.latitude is not None]
    assert len(distances) == len(demo)
    assert max(distances) < 5.5 and len({round(d, 2) for d in distances}) == len(distances)
