"""Campaigns over REST: phases validated, targets materialised, who sees what."""

from tests.backend.fixtures.campaigns import SEED_004_PHASES

URL = "/api/v1/campaigns"


def _body(w, **changes):
    body = {
        "title": "履职专项治理",
        "jurisdiction_id": w["district"].id,
        "checklist_codes": ["duty31"],
        "phases": [
            {
                "name": p["name"],
                "starts_on": p["starts_on"].isoformat(),
                "ends_on": p["ends_on"].isoformat(),
            }
            for p in SEED_004_PHASES
        ],
        "target_filter": {"industries": ["hazardous_chemicals"]},
    }
    body.update(changes)
    return body


def test_a_supervisor_organises_a_campaign(client, grids_world, auth_header):
    w = grids_world
    answer = client.post(URL, json=_body(w), headers=auth_header(w["supervisor"]))
    assert answer.status_code == 201, answer.json
    assert answer.json["target_count"] == 2  # chem and chem_west; chem_away is elsewhere
    assert [p["name"] for p in answer.json["phases"]] == [
        "动员部署",
        "自查自纠",
        "严格执法",
        "巩固提升",
    ]
    flags = [(p["self_inspection"], p["report_due"]) for p in answer.json["phases"]]
    assert flags == [(False, False), (True, True), (False, False), (False, True)]


def test_overlapping_phases_are_refused_naming_the_field(client, grids_world, auth_header):
    w = grids_world
    phases = _body(w)["phases"]
    phases[2]["starts_on"] = "2026-06-30"
    answer = client.post(URL, json=_body(w, phases=phases), headers=auth_header(w["supervisor"]))
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.json["errors"][0]["field"] == "phases.2.starts_on"


def test_a_phase_ending_before_it_starts_is_refused(client, grids_world, auth_header):
    w = grids_world
    phases = _body(w)["phases"]
    phases[0]["ends_on"] = "2026-02-01"
    answer = client.post(URL, json=_body(w, phases=phases), headers=auth_header(w["supervisor"]))
    assert answer.status_code == 422
    assert answer.json["errors"][0]["field"] == "phases.0.ends_on"


def test_unknown_checklist_and_no_target_are_refused(client, grids_world, auth_header):
    w = grids_world
    header = auth_header(w["supervisor"])
    answer = client.post(URL, json=_body(w, checklist_codes=["nope"]), headers=header)
    assert answer.json["errors"][0]["field"] == "checklist_codes"
    answer = client.post(
        URL, json=_body(w, target_filter={"industries": ["mining"]}), headers=header
    )
    assert answer.status_code == 422
    assert answer.json["errors"][0]["field"] == "target_filter"


def test_who_sees_the_campaign(client, campaign_world, auth_header, make_user):
    w = campaign_world
    campaign_id = w["campaign"].id

    def listed(user):
        answer = client.get(URL, headers=auth_header(user))
        assert answer.status_code == 200
        return [c["id"] for c in answer.json]

    assert listed(w["supervisor"]) == [campaign_id]
    assert listed(w["official"]) == [campaign_id]
    assert listed(make_user("supervisor", jurisdiction=w["town"])) == [campaign_id]
    other = make_user("supervisor", jurisdiction=w["other_district"])
    assert listed(other) == []
    assert client.get(f"{URL}/{campaign_id}", headers=auth_header(other)).status_code == 404
    assert listed(make_user("enterprise_manager", enterprise=w["chem"])) == [campaign_id]
    assert listed(make_user("enterprise_manager", enterprise=w["chem_away"])) == []


def test_an_enterprise_only_reads(client, campaign_world, auth_header, make_user):
    w = campaign_world
    header = auth_header(make_user("enterprise_manager", enterprise=w["chem"]))
    answer = client.get(f"{URL}/{w['campaign'].id}", headers=header)
    assert answer.status_code == 200 and answer.json["title"] == w["campaign"].title
    assert client.post(URL, json=_body(w), headers=header).status_code == 403
    assert client.get(f"{URL}/{w['campaign'].id}/progress", headers=header).status_code == 403


def test_progress_over_rest(client, campaign_world, auth_header):
    w = campaign_world
    answer = client.get(f"{URL}/{w['campaign'].id}/progress", headers=auth_header(w["supervisor"]))
    assert answer.status_code == 200
    assert answer.json["totals"]["targets"] == 3 and answer.json["totals"]["rechecked"] == 1
    assert [s["name"] for s in answer.json["streets"]] == ["东镇", "西镇"]


def test_the_list_costs_the_same_statements_for_one_campaign_or_several(
    client, session, grids_world, auth_header, count_queries
):
    w = grids_world
    headers = auth_header(w["supervisor"])

    def statements_of_the_list():
        session.expire_all()
        with count_queries() as statements:
            listed = client.get(URL, headers=headers)
        assert listed.status_code == 200
        assert {c["target_count"] for c in listed.json} == {2}
        return len(statements)

    client.post(URL, json=_body(w), headers=headers)
    one = statements_of_the_list()
    for number in range(3):
        client.post(URL, json=_body(w, title=f"专项治理{number}"), headers=headers)
    assert statements_of_the_list() == one
