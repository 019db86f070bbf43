"""The board: hazards cut by department, and the grid workers' duty performance."""

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
