"""Input that used to answer 500: each gets a 4xx naming what is wrong, or refuses its record
alone, and nothing else of the request is lost."""

import json

import pytest

from tests.backend.fixtures.sync import offline_inspection, pull, wuluoshi

DEEP = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.fixture
def pusher(client, sync_world, device):
    headers = device(sync_world["inspector"], "dev-a")
    first = pull(client, headers)
    version_id, codes = wuluoshi(first)

    def push(changes_or_text):
        body = changes_or_text if isinstance(changes_or_text, str) else json.dumps(changes_or_text)
        return client.post(
            f"/api/v1/sync?last_pulled_at={first['timestamp']}",
            data=body,
            content_type="application/json",
            headers=headers,
        )

    def inspection(prefix, **columns):
        changes = offline_inspection(
            sync_world["inside"], version_id, codes[:1], finished=False, prefix=prefix
        )
        changes["inspections"]["created"][0].update(columns)
        return changes

    return {"push": push, "inspection": inspection, "headers": headers}


def test_deeply_nested_bodies_are_refused(client, pusher, auth_header, make_user):
    assert pusher["push"](DEEP).status_code in (400, 422)
    rest = client.post(
        "/api/v1/jurisdictions",
        data=DEEP,
        content_type="application/json",
        headers=auth_header(make_user("admin")),
    )
    assert rest.status_code in (400, 422)
    assert rest.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "columns",
    [
        {"started_at": 1e20},  # OverflowError before
        {"started_at": -62135596800000},  # year 1
        {"enterprise_id": str(2**80)},  # larger than any id column
    ],
)
def test_bad_pushed_values_refuse_their_record_alone(pusher, columns):
    good = pusher["inspection"]("good")
    bad = pusher["inspection"]("bad", **columns)
    changes = {
        "inspections": {
            "created": good["inspections"]["created"] + bad["inspections"]["created"],
            "updated": [],
            "deleted": [],
        }
    }
    response = pusher["push"](changes)
    assert response.status_code == 200
    assert response.json["experimentalRejectedIds"] == {"inspections": ["bad"]}


def test_a_pull_timestamp_beyond_the_counter_is_a_422(client, pusher):
    response = client.get(
        "/api/v1/sync?schema_version=1&last_pulled_at=9223372036854775808",
        headers=pusher["headers"],
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "last_pulled_at"


@pytest.mark.parametrize(
    "columns", [{"note": 5}, {"plan": json.dumps({"owner": 5})}, {"due_on": 20260101}]
)
def test_a_hazard_action_with_a_wrong_type_refuses_that_action_alone(
    client, session, sync_world, device, columns
):
    from sqlalchemy import select

    from backend.models import Hazard

    headers = device(sync_world["manager"], "dev-m")
    inspector = device(sync_world["inspector"], "dev-i")
    first = pull(client, inspector)
    version_id, codes = wuluoshi(first)
    changes = offline_inspection(sync_world["inside"], version_id, codes, failures=codes[:1])
    client.post(
        f"/api/v1/sync?last_pulled_at={first['timestamp']}", json=changes, headers=inspector
    )
    hazard = session.scalar(select(Hazard))
    last = pull(client, headers)["timestamp"]
    action = {"id": "act-bad", "hazard_id": hazard.id, "action": "file_plan", **columns}
    response = client.post(
        f"/api/v1/sync?last_pulled_at={last}",
        json={"hazard_actions": {"created": [action], "updated": [], "deleted": []}},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json["experimentalRejectedIds"] == {"hazard_actions": ["act-bad"]}


@pytest.mark.parametrize("note", [5, "长" * 2001])
def test_a_pushed_finding_note_follows_the_rest_rules(pusher, note):
    changes = pusher["inspection"]("noted")
    changes["findings"]["created"][0]["note"] = note
    response = pusher["push"](changes)
    assert response.status_code == 200
    assert response.json["experimentalRejectedIds"] == {"findings": ["noted-f0"]}


def test_a_push_is_bounded_in_records_and_bytes(app, pusher, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_MAX_RECORDS_PER_PUSH", 5)
    changes = pusher["inspection"]("many")
    changes["findings"]["created"] *= 6
    response = pusher["push"](changes)
    assert response.status_code == 422 and "at most 5 records" in response.json["detail"]
    monkeypatch.setitem(app.config, "SYNC_MAX_BODY_BYTES", 100)
    response = pusher["push"](pusher["inspection"]("big"))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_refused_records_raw_copy_is_bounded(session, pusher):
    from sqlalchemy import select

    from backend.models import SyncRejection

    changes = pusher["inspection"]("huge")
    changes["findings"]["created"][0]["note"] = "长" * 100_000
    assert pusher["push"](changes).json["experimentalRejectedIds"] == {"findings": ["huge-f0"]}
    kept = session.scalar(select(SyncRejection).where(SyncRejection.record_id == "huge-f0"))
    assert kept.raw["truncated"] is True and len(kept.raw["head"]) <= 16 * 1024
    assert "note" in kept.reason


def test_query_dates_at_the_ends_of_the_calendar_are_a_422(client, auth_header, make_user):
    headers = auth_header(make_user("admin"))
    for query in ("reported_from=0001-01-01", "reported_to=9999-12-31"):
        assert client.get(f"/api/v1/hazards/stats?{query}", headers=headers).status_code == 422
    assert client.get("/api/v1/hazards?due_from=0001-01-01", headers=headers).status_code == 422


def test_a_file_name_with_line_breaks_cannot_break_the_header():
    from backend.core.http import content_disposition

    value = content_disposition('甲化工\r\nSet-Cookie: x=1"', inline=True)
    assert "\r" not in value and "\n" not in value
    assert value.startswith('inline; filename="') and "%0D%0A" in value
