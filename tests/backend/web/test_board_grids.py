"""The board: hazards cut by department, and the grid workers' duty performance."""

from backend.core.timeutil import today_in_shanghai
from backend.patrols import services as patrols
from tests.backend.web.test_pages import log_in, text


def test_the_board_filters_by_department(client, grids_world, report):
    w = grids_world
    report(w["supervisor"], w["chem"])
    report(w["supervisor"], w["fireworks"])
    assert log_in(client, "board", w["supervisor"]).status_code in (302, 303)

    page = client.get(f"/board/?department_id={w['department'].id}")

    assert page.status_code == 200
    assert f'<option value="{w["department"].id}" selected>东镇危化与工贸监管科' in text(page)
    assert client.get("/board/?department_id=x").status_code == 400
    assert client.get("/board/?department_id=999999").status_code == 404


def test_the_board_shows_grid_workers_duty_performance(client, grids_world, session):
    w = grids_world
    today = today_in_shanghai()
    patrols.record_patrol(w["worker"], id="bp-1", patrol_date=today, enterprise_ids=[w["chem"].id])
    session.commit()
    assert log_in(client, "board", w["supervisor"]).status_code in (302, 303)

    assert 'id="to-patrols"' in text(client.get("/board/"))
    page = client.get(f"/board/patrols?month={today.strftime('%Y-%m')}")

    assert page.status_code == 200
    body = text(page)
    assert f'data-user-id="{w["worker"].id}"' in body
    assert "网格员甲" in body and "东一村" in body
    assert "1 / 4" in body
    assert client.get("/board/patrols?month=2026-13").status_code == 400
