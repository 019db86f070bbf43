"""附件1 「企业落实“五落实”进展情况汇总表」 (seed 000 方案1): the department's table, its columns
exactly, matches a hand count of a small world at the end of the month."""

import io
from datetime import date

from openpyxl import load_workbook

from backend.reports.workbooks import FIVE_IMPLEMENTATIONS_HEADERS

ATTACHMENT_1_COLUMNS = (
    "序号",
    "监管行业名称",
    "实有企业(家)",
    "已印制张贴五落实规定挂图企业(家)",
    "覆盖率(%)",
    "实有企业(家)",
    "完成五落实企业(家)",
    "覆盖率(%)",
    "配备注册安全工程师(人)",
)


def _record(client, headers, enterprise, **dates):
    body = {key: value.isoformat() if value else None for key, value in dates.items()}
    return client.put(
        f"/api/v1/reports/five-implementations/{enterprise.id}", json=body, headers=headers
    )


def test_the_headers_are_attachment_1s_columns():
    assert FIVE_IMPLEMENTATIONS_HEADERS == ATTACHMENT_1_COLUMNS


def test_the_department_table_matches_a_hand_count(
    client, reports_world, auth_header, add_engineer
):
    w = reports_world
    official = auth_header(w["official"])
    for enterprise, dates in (
        (w["chem"], {"chart_posted_on": date(2026, 5, 10), "completed_on": date(2026, 5, 20)}),
        (w["chem_small"], {"chart_posted_on": date(2026, 4, 1), "completed_on": None}),
        # Posted after May: not counted in May's table.
        (w["trade"], {"chart_posted_on": date(2026, 6, 1), "completed_on": None}),
        (w["trade_big"], {"chart_posted_on": None, "completed_on": date(2026, 5, 31)}),
    ):
        response = _record(client, official, enterprise, **dates)
        assert response.status_code == 200, response.json
    add_engineer(w["chem"], date(2024, 1, 1), date(2027, 1, 1))
    add_engineer(w["chem"], date(2024, 1, 1), date(2027, 1, 1), active=False)  # has left
    add_engineer(w["trade"], date(2021, 1, 1), date(2026, 5, 15))  # expired in May
    add_engineer(w["trade_big"], date(2026, 6, 10), date(2029, 6, 10))  # from June
    add_engineer(w["chem_west"], date(2024, 1, 1), date(2027, 1, 1))  # not the department's

    response = client.post(
        "/api/v1/reports",
        json={"kind": "five_implementations", "period": "2026-05"},
        headers=official,
    )
    assert response.status_code == 201, response.json
    assert response.json["due_on"] == "2026-05-28"
    workbook = client.get(f"/api/v1/reports/{response.json['id']}/workbook.xlsx", headers=official)
    assert workbook.status_code == 200
    rows = [
        row
        for row in load_workbook(io.BytesIO(workbook.data))
        .worksheets[0]
        .iter_rows(values_only=True)
    ]
    assert rows[1][0] == "填报单位:东镇危化与工贸监管科"
    assert rows[2][2] == "所有企业" and rows[2][5] == "规模以上企业"
    assert rows[3] == ATTACHMENT_1_COLUMNS
    assert rows[4:] == [
        (1, "危险化学品", 2, 2, 100.0, 1, 1, 100.0, 1),
        (2, "工贸", 2, 0, 0.0, 2, 1, 50.0, 0),
        (3, "烟花爆竹", 1, 0, 0.0, 1, 0, 0.0, 0),
        (None, "合计", 5, 2, 40.0, 4, 2, 50.0, 1),
    ]


def test_completion_is_counted_for_above_scale_enterprises_only(client, reports_world, auth_header):
    w = reports_world
    response = _record(
        client, auth_header(w["official"]), w["chem_small"], completed_on=date(2026, 5, 1)
    )
    assert response.status_code == 422
    assert "completed_on" in str(response.json)


def test_only_officials_in_scope_record_the_facts(client, reports_world, auth_header):
    w = reports_world
    assert _record(client, auth_header(w["manager"]), w["chem"]).status_code == 403
    assert _record(client, auth_header(w["away_inspector"]), w["chem"]).status_code == 404
    assert _record(client, auth_header(w["inspector"]), w["chem"]).status_code == 403
    assert _record(client, auth_header(w["official"]), w["chem_west"]).status_code == 404


def test_two_officials_recording_an_enterprise_first_at_once_get_a_409_not_a_500(
    client, session, reports_world, auth_header, monkeypatch
):
    """Both read "no facts yet" and insert: the database's key refuses the second. The race is
    staged by letting the second request miss the first one's row."""
    from backend.models import FiveImplementationStatus
    from backend.reports import services

    w = reports_world
    official = auth_header(w["official"])
    first = _record(client, official, w["chem"], chart_posted_on=date(2026, 3, 2))
    assert first.status_code == 200, first.json
    real_get = services.db.session.get

    def missing_the_first(model, key, *args, **kwargs):
        if model is FiveImplementationStatus:
            return None
        return real_get(model, key, *args, **kwargs)

    monkeypatch.setattr(services.db.session, "get", missing_the_first)
    second = _record(client, official, w["chem"], chart_posted_on=date(2026, 3, 5))
    monkeypatch.undo()
    assert second.status_code == 409 and second.mimetype == "application/problem+json"
    session.expire_all()
    kept = session.get(FiveImplementationStatus, w["chem"].id)
    assert kept.chart_posted_on == date(2026, 3, 2)  # the first stands; the second retries
