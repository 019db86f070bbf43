"""The 县级 / 市级 / 省级 lists: each level's public list shows its own entries and those the
rules put on it too — a city entry is on the county list (方案5 L188), a province entry on the
city and county lists (local policy, BLACKLIST_PROVINCE_ON_LOWER_LISTS) — and a bad credit
record carries its level, on every list below it too (方案5 L178 "依次类推")."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from backend.core.db import make_engine
from backend.core.problems import PROBLEM_MIME
from backend.migrate import downgrade, upgrade
from backend.models import BadCreditRecord, BlacklistEntry, Enterprise, Jurisdiction, User
from tests.backend.web.test_pages import text as page_text


@pytest.fixture
def three_levels(app, world, make_entry, monkeypatch):
    """A published entry on each list: `ent` county (the default), `ent2` city (its street),
    `far` province (its district)."""
    nodes = world["nodes"]
    monkeypatch.setitem(
        app.config,
        "BLACKLIST_LIST_LEVEL_BY_JURISDICTION",
        f"{nodes['s2'].id}:city,{nodes['x'].id}:province",
    )
    enterprises = world["enterprises"]
    return {
        level: make_entry("published", enterprise=enterprises[key])
        for level, key in (("county", "ent"), ("city", "ent2"), ("province", "far"))
    }


def _listed(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, response.json
    return {row["list_level"] for row in response.json}


def test_each_entry_gets_the_level_of_its_jurisdiction(three_levels):
    assert {level: entry.list_level for level, entry in three_levels.items()} == {
        "county": "county",
        "city": "city",
        "province": "province",
    }


def test_each_level_lists_its_own_and_the_higher_lists_entries(client, three_levels):
    assert _listed(client, "/api/v1/blacklist?level=county") == {"county", "city", "province"}
    assert _listed(client, "/api/v1/blacklist?level=city") == {"city", "province"}
    assert _listed(client, "/api/v1/blacklist?level=province") == {"province"}
    assert _listed(client, "/api/v1/blacklist") == {"county", "city", "province"}


def test_without_the_local_policy_a_province_entry_stays_on_its_own_list(
    app, client, three_levels, monkeypatch
):
    monkeypatch.setitem(app.config, "BLACKLIST_PROVINCE_ON_LOWER_LISTS", False)
    # 方案5 L188 still puts the city entry on the county list.
    assert _listed(client, "/api/v1/blacklist?level=county") == {"county", "city"}
    assert _listed(client, "/api/v1/blacklist?level=city") == {"city"}
    assert _listed(client, "/api/v1/blacklist?level=province") == {"province"}


def test_removals_are_listed_by_level_too(app, client, world, make_entry, monkeypatch):
    monkeypatch.setitem(
        app.config, "BLACKLIST_LIST_LEVEL_BY_JURISDICTION", f"{world['nodes']['x'].id}:city"
    )
    make_entry("removed", enterprise=world["enterprises"]["far"])
    assert _listed(client, "/api/v1/blacklist/removed?level=county") == {"city"}
    assert _listed(client, "/api/v1/blacklist/removed?level=city") == {"city"}
    assert client.get("/api/v1/blacklist/removed?level=province").json == []


def test_an_unknown_level_is_a_422_naming_it(client):
    response = client.get("/api/v1/blacklist?level=national")
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_MIME
    assert "level" in str(response.json["errors"])


def test_the_page_says_which_list_it_is_and_links_the_others(client, three_levels):
    page = page_text(client.get("/blacklist?level=city"))
    assert 'id="list-name" data-level="city"' in page and "市级安全生产不良记录" in page
    assert three_levels["city"].id in page and three_levels["province"].id in page
    assert three_levels["county"].id not in page
    assert 'href="/blacklist?level=county"' in page
    assert 'href="/blacklist?level=province"' in page
    assert 'href="/blacklist?level=city"' not in page
    county = page_text(client.get("/blacklist?level=county"))
    assert all(entry.id in county for entry in three_levels.values())
    assert "同时列出纳入市级、省级管理" in county
    province = page_text(client.get("/blacklist?level=province"))
    assert three_levels["province"].id in province and three_levels["city"].id not in province


def test_the_page_shows_the_deployments_own_list_by_default(app, client, three_levels, monkeypatch):
    monkeypatch.setitem(app.config, "BLACKLIST_LIST_LEVEL", "province")
    page = page_text(client.get("/blacklist"))
    assert 'data-level="province"' in page and three_levels["city"].id not in page
    assert client.get("/blacklist?level=national").status_code == 404


def test_a_province_list_proposes_trigger_six_as_the_city_list(app, client, world, monkeypatch):
    """No source words a province list: it takes the city list's threshold and wording."""
    monkeypatch.setitem(
        app.config, "BLACKLIST_LIST_LEVEL_BY_JURISDICTION", f"{world['nodes']['d'].id}:province"
    )

    def accident(deaths):
        return client.post(
            "/api/v1/accidents",
            json={
                "enterprise_id": world["enterprises"]["ent2"].id,
                "occurred_at": "2026-03-02T09:30:00+08:00",
                "place": "车间",
                "accident_type": "machinery",
                "deaths": deaths,
                "responsible": True,
            },
            headers=world["headers"]["supervisor"],
        ).json

    assert accident(1)["blacklist_proposal"] is None
    proposal = accident(1)["blacklist_proposal"]  # two deaths in the year's accidents
    assert proposal["list_level"] == "province" and "死亡2人(含)以上" in proposal["trigger_label"]


# --- bad credit records ---------------------------------------------------------------------


def test_a_record_carries_its_level_and_is_on_every_list_below(
    app, client, world, make_record, monkeypatch
):
    county = make_record()
    monkeypatch.setitem(
        app.config, "BLACKLIST_LIST_LEVEL_BY_JURISDICTION", f"{world['nodes']['s2'].id}:city"
    )
    city = make_record(enterprise=world["enterprises"]["ent2"])
    assert (county.management_level, city.management_level) == ("county", "city")
    national = client.post(  # 较大(含)以上 → 国家级 (方案5 L178)
        "/api/v1/accidents",
        json={
            "enterprise_id": world["enterprises"]["ent"].id,
            "occurred_at": "2026-03-02T09:30:00+08:00",
            "place": "储罐区",
            "accident_type": "fire",
            "deaths": 3,
            "responsible": True,
        },
        headers=world["headers"]["supervisor"],
    )
    assert national.status_code == 201

    def levels(level):
        response = client.get(
            f"/api/v1/credit-records?level={level}", headers=world["headers"]["supervisor"]
        )
        assert response.status_code == 200, response.json
        return sorted(record["management_level"] for record in response.json)

    assert levels("county") == ["city", "county", "national"]
    assert levels("city") == ["city", "national"]
    assert levels("province") == ["national"]
    assert levels("national") == ["national"]
    bad = client.get("/api/v1/credit-records?level=town", headers=world["headers"]["supervisor"])
    assert bad.status_code == 422 and "level" in str(bad.json["errors"])


def test_0019_puts_the_older_records_on_the_county_list_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'levels.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        district = Jurisdiction(name="D区", level="district", path="/1/")
        session.add(district)
        session.flush()
        enterprise = Enterprise(
            name="甲化工",
            uscc="91320400MA1XXXXX0X",
            industry="hazardous_chemicals",
            jurisdiction_id=district.id,
        )
        user = User(
            username="sup", password_hash="x", role="supervisor", jurisdiction_id=district.id
        )
        session.add_all([enterprise, user])
        session.flush()
        now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        session.add(
            BadCreditRecord(
                id="r1",
                enterprise_id=enterprise.id,
                trigger="other_serious",
                source="supervisor",
                status="proposed",
                management_level="city",
                created_at=now,
            )
        )
        session.add(
            BlacklistEntry(
                id="b1",
                enterprise_id=enterprise.id,
                trigger="serious_threat",
                reason="x",
                list_level="province",
                created_by_id=user.id,
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()
    downgrade(url, "0021")  # the revision before 0019
    with engine.connect() as connection:
        # Before 0019 there was no province list: the entry goes back to the city list.
        assert connection.scalar(text("SELECT list_level FROM blacklist_entries")) == "city"
        connection.execute(text("UPDATE bad_credit_records SET management_level = NULL"))
        connection.commit()
    upgrade(url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT management_level FROM bad_credit_records")) == (
            "county"
        )
    columns = {c["name"]: c for c in inspect(engine).get_columns("bad_credit_records")}
    assert columns["management_level"]["nullable"] is False
    engine.dispose()
