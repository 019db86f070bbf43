"""双公示's other half: a supervisor records a 行政许可决定 on an enterprise in scope and publishes
it (seed 000 L66–67); the deadline is local policy (7 working days by default, on the State
Council's calendar); once published it shows on /gongshi?kind=licences and
/api/v1/gongshi/licences, holder enterprise only."""

from datetime import date

import pytest

from backend.core.problems import PROBLEM_MIME
from backend.enforcement import licences
from tests.backend.web.test_pages import CSRF, log_in, text

URL = "/api/v1/enforcement/licence-decisions"
DECIDED_ON = date(2026, 9, 28)  # a Monday; 中秋 was the 25th, 国庆 runs 10-1…10-7


def _licence(world, **overrides):
    return {
        "enterprise_id": world["enterprises"]["ent"].id,
        "kind": "hazardous_chemicals_business",
        "decision": "grant",
        "licence_number": "D危化经字〔2026〕000123",
        "content": "批发：甲醇、乙醇（不带储存设施）",
        "decided_on": DECIDED_ON.isoformat(),
        "valid_from": DECIDED_ON.isoformat(),
        "valid_until": "2029-09-27",
        **overrides,
    }


def test_the_deadline_is_the_7th_working_day_after_the_decision(app, session):
    # 9-29, 9-30, then 国庆 to 10-7, 10-8, 10-9, 10-10 (a worked Saturday), 10-12, 10-13.
    assert licences.publication_deadline(DECIDED_ON) == date(2026, 10, 13)


def test_the_deadline_is_configuration(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "LICENCE_PUBLICATION_WORKING_DAYS", 2)
    assert licences.publication_deadline(DECIDED_ON) == date(2026, 9, 30)


def test_a_licence_decision_is_recorded_published_and_shown_without_a_person(client, world):
    headers = world["headers"]["supervisor"]
    made = client.post(URL, json=_licence(world), headers=headers)
    assert made.status_code == 201, made.json
    body = made.json
    ent = world["enterprises"]["ent"]
    assert (body["holder_name"], body["holder_uscc"]) == (ent.name, ent.uscc)
    assert body["kind_label"] == "危险化学品经营许可证" and body["decision_label"] == "准予许可"
    assert body["publish_due_on"] == "2026-10-13" and body["published_at"] is None
    assert client.get("/api/v1/gongshi/licences").json == []
    due = client.get(f"{URL}/publication-due", headers=headers).json
    assert [row["id"] for row in due] == [body["id"]]  # long past its deadline today

    published = client.post(f"{URL}/{body['id']}/publication", headers=headers)
    assert published.status_code == 200 and published.json["published_at"]
    again = client.post(f"{URL}/{body['id']}/publication", headers=headers)
    assert again.status_code == 409
    assert client.get(f"{URL}/publication-due", headers=headers).json == []

    (public,) = client.get("/api/v1/gongshi/licences").json
    assert public["licence_number"] == "D危化经字〔2026〕000123"
    assert public["authority"].endswith("应急管理局")
    assert ent.principal_name is None or ent.principal_name not in str(public)
    page = text(client.get("/gongshi?kind=licences"))
    assert f'data-licence-id="{body["id"]}"' in page and "危险化学品经营许可证" in page
    assert "2026-09-28 至 2029-09-27" in page
    penalties = text(client.get("/gongshi"))
    assert "data-licence-id" not in penalties and "行政许可" in penalties  # the tab


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "driving_licence"}, "kind"),
        ({"decision": "maybe"}, "decision"),
        ({"valid_until": None}, "valid_until"),
        ({"valid_until": "2026-01-01"}, "valid_until"),
        ({"decided_on": "2099-01-01"}, "decided_on"),
        ({"licence_number": ""}, "licence_number"),
        ({"content": "   "}, "content"),
    ],
)
def test_a_bad_licence_decision_is_refused_naming_the_field(client, world, overrides, field):
    response = client.post(
        URL, json=_licence(world, **overrides), headers=world["headers"]["supervisor"]
    )
    assert response.status_code == 422 and response.mimetype == PROBLEM_MIME
    assert field in str(response.json)


def test_a_deregistration_needs_no_validity(client, world):
    body = _licence(world, decision="deregister", valid_from=None, valid_until=None)
    response = client.post(URL, json=body, headers=world["headers"]["supervisor"])
    assert response.status_code == 201, response.json


def test_who_records_and_who_reads_licence_decisions(client, world):
    made = client.post(URL, json=_licence(world), headers=world["headers"]["supervisor"]).json
    one = f"{URL}/{made['id']}"
    for role in ("inspector", "manager", "admin"):
        refused = client.post(URL, json=_licence(world), headers=world["headers"][role])
        assert refused.status_code == 403, role
        assert client.post(f"{one}/publication", headers=world["headers"][role]).status_code == 403
    outside = client.post(URL, json=_licence(world), headers=world["headers"]["other_supervisor"])
    assert outside.status_code == 404 and "enterprise_id" in str(outside.json)
    assert client.get(one, headers=world["headers"]["manager"]).status_code == 200  # the holder
    for stranger in ("other_supervisor", "other_manager"):
        assert client.get(one, headers=world["headers"][stranger]).status_code == 404
        listed = client.get(URL, headers=world["headers"][stranger]).json
        assert made["id"] not in {row["id"] for row in listed}


def test_the_supervisor_publishes_a_licence_from_the_board(client, world):
    made = client.post(URL, json=_licence(world), headers=world["headers"]["supervisor"]).json
    url = f"/board/licence-decisions/{made['id']}/publication"

    log_in(client, "board", world["users"]["other_supervisor"])
    page = text(client.get("/board/"))
    assert f'data-licence="{made["id"]}"' not in page
    assert client.post(url, data={"csrf_token": CSRF.search(page).group(1)}).status_code == 404
    client.post("/board/logout", data={"csrf_token": CSRF.search(page).group(1)})

    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/"))
    assert f'data-licence="{made["id"]}"' in page and 'id="queue-licences">1<' in page
    published = client.post(url, data={"csrf_token": CSRF.search(page).group(1)})
    assert published.status_code == 302
    board = text(client.get("/board/"))
    assert "D危化经字〔2026〕000123）已公示" in board and 'id="queue-licences">0<' in board
    assert f'data-licence-id="{made["id"]}"' in text(client.get("/gongshi?kind=licences"))


def test_a_kind_that_is_no_text_is_refused_by_the_service_too(app, session, world):
    """Callers other than the API (the board, a job) reach the service without a schema."""
    from backend.core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        licences.record_licence(
            world["users"]["supervisor"],
            enterprise_id=world["enterprises"]["ent"].id,
            kind=["safety_production"],
            decision="grant",
            licence_number="X-1",
            content="许可内容",
            decided_on=DECIDED_ON,
            valid_until=date(2029, 1, 1),
        )
    assert refused.value.field == "kind"
