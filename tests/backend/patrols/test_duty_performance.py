"""Duty performance (履职情况) per grid worker and month: patrols against the grid's required
number (its own setting, else PATROLS_PER_MONTH), enterprises visited, hazards found and how
many are closed, follow-up visits; REST for officials in scope, a worker's own row for them."""

from datetime import date, timedelta

import pytest

from backend.core.timeutil import today_in_shanghai
from backend.patrols import services as patrols


@pytest.fixture
def month_of_patrols(session, grids_world):
    """Three patrols by the worker in one month: a hazard reported at the chemical plant on
    the first, the plant visited again on the third (a follow-up)."""
    w = grids_world
    today = today_in_shanghai()
    first_day = today.replace(day=1)
    days = [first_day + timedelta(days=n) for n in (0, 0, 0)]
    if today.day >= 3:
        days = [first_day, first_day + timedelta(days=1), first_day + timedelta(days=2)]
    due_on = (today + timedelta(days=10)).isoformat()
    worker = w["worker"]
    patrols.record_patrol(
        worker,
        id="pm-1",
        patrol_date=days[0],
        enterprise_ids=[w["trade"].id],
        hazards=[{"enterprise_id": w["chem"].id, "title": "储罐区无防火堤", "due_on": due_on}],
    )
    patrols.record_patrol(worker, id="pm-2", patrol_date=days[1], enterprise_ids=[w["trade"].id])
    patrols.record_patrol(worker, id="pm-3", patrol_date=days[2], enterprise_ids=[w["chem"].id])
    session.commit()
    return today.strftime("%Y-%m"), days


def test_a_month_of_patrols_against_the_default_frequency(
    app, client, grids_world, auth_header, month_of_patrols
):
    w = grids_world
    month, days = month_of_patrols
    app.config["PATROLS_PER_MONTH"] = 4

    rows = client.get(
        f"/api/v1/patrols/performance?month={month}", headers=auth_header(w["supervisor"])
    ).json

    by_worker = {row["user_id"]: row for row in rows}
    assert set(by_worker) == {w["worker"].id, w["west_worker"].id}
    mine = by_worker[w["worker"].id]
    assert mine["required_patrols"] == 4
    assert mine["patrols"] == 3
    assert mine["met"] is False
    assert mine["enterprises_visited"] == 2
    assert mine["hazards_found"] == 1
    assert mine["hazards_open"] == 1 and mine["hazards_closed"] == 0
    follow_ups = 1 if days[2] > days[0] else 0
    assert mine["follow_up_visits"] == follow_ups
    assert by_worker[w["west_worker"].id]["patrols"] == 0


def test_the_grids_own_frequency_wins(client, grids_world, auth_header, month_of_patrols):
    w = grids_world
    month, _ = month_of_patrols
    admin = auth_header(w["admin"])
    changed = client.patch(
        f"/api/v1/jurisdictions/{w['grid'].id}", json={"patrols_per_month": 3}, headers=admin
    )
    assert changed.status_code == 200, changed.json

    rows = client.get(f"/api/v1/patrols/performance?month={month}", headers=admin).json
    (mine,) = [row for row in rows if row["user_id"] == w["worker"].id]
    assert mine["required_patrols"] == 3 and mine["met"] is True

    bad = client.patch(
        f"/api/v1/jurisdictions/{w['grid'].id}", json={"patrols_per_month": 0}, headers=admin
    )
    assert bad.status_code == 422
    assert "patrols_per_month" in bad.json["errors"][0]["field"]


def test_who_reads_performance(client, grids_world, auth_header, month_of_patrols):
    w = grids_world
    month, _ = month_of_patrols
    url = f"/api/v1/patrols/performance?month={month}"

    own = client.get(url, headers=auth_header(w["worker"])).json
    assert [row["user_id"] for row in own] == [w["worker"].id]
    away = client.get(url, headers=auth_header(w["away_inspector"])).json
    assert away == []
    assert client.get(url, headers=auth_header(w["official"])).status_code == 403
    bad = client.get("/api/v1/patrols/performance?month=2026-13", headers=auth_header(w["admin"]))
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "month"


def test_a_month_without_patrols(client, grids_world, auth_header):
    w = grids_world
    rows = client.get(
        "/api/v1/patrols/performance?month=2020-02", headers=auth_header(w["supervisor"])
    ).json
    assert {row["patrols"] for row in rows} == {0}
    assert date(2020, 2, 29) == patrols.month_bounds("2020-02")[1]
