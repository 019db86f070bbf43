"""/board/five-implementations: the enterprises in scope with the two 五落实 facts 附件1 counts,
kept in place through the reports service (its scope and rules, errors in Chinese), under the
department's 附件1 figures for this month."""

import re
from datetime import timedelta

from backend.core.timeutil import today_in_shanghai
from backend.models import FiveImplementationStatus
from tests.backend.web.test_pages import csrf_from, log_in, text


def _save(client, enterprise, query="", **form):
    token = csrf_from(client, "/board/")
    return client.post(
        f"/board/five-implementations/{enterprise.id}{query}",
        data={"csrf_token": token, **form},
    )


def _listed(page) -> set[str]:
    return set(
        re.findall(r'<li data-enterprise-id="\d+">\s*<div class="row"><strong>([^<]+)<', text(page))
    )


def _total_row(page) -> list[str]:
    row = re.search(r'<tr id="figures-total">(.*?)</tr>', text(page), re.S).group(1)
    return re.findall(r"<td>([^<]*)</td>", row)


def test_a_department_official_keeps_its_enterprises_facts(client, grids_world, session):
    w = grids_world
    log_in(client, "board", w["official"])
    assert 'id="to-five-implementations"' in text(client.get("/board/"))

    page = client.get("/board/five-implementations")

    assert page.status_code == 200
    assert _listed(page) == {"东一化工", "东一机械"}
    assert "东镇危化与工贸监管科" in text(page)
    # 合计: 2 enterprises, none posted, 2 above scale, none completed, no engineers.
    assert _total_row(page) == ["", "合计", "2", "0", "0.0", "2", "0", "0.0", "0"]

    posted = today_in_shanghai() - timedelta(days=10)
    accepted = today_in_shanghai() - timedelta(days=2)
    saved = _save(
        client, w["chem"], chart_posted_on=posted.isoformat(), completed_on=accepted.isoformat()
    )

    assert saved.status_code == 302
    status = session.get(FiveImplementationStatus, w["chem"].id)
    assert (status.chart_posted_on, status.completed_on) == (posted, accepted)
    assert status.updated_by_id == w["official"].id
    page = client.get("/board/five-implementations")
    assert "已保存东一化工的五落实情况" in text(page)
    assert f'value="{posted.isoformat()}"' in text(page)
    assert _total_row(page) == ["", "合计", "2", "1", "50.0", "2", "1", "50.0", "0"]


def test_a_date_in_the_future_is_refused_in_chinese(client, grids_world, session):
    w = grids_world
    log_in(client, "board", w["official"])
    tomorrow = today_in_shanghai() + timedelta(days=1)

    refused = _save(client, w["chem"], chart_posted_on=tomorrow.isoformat())

    assert refused.status_code == 422
    assert "挂图张贴日期不能晚于今天。" in text(refused)
    assert session.get(FiveImplementationStatus, w["chem"].id) is None
    garbled = _save(client, w["chem"], chart_posted_on="2026-02-30")
    assert garbled.status_code == 422 and "日期格式不正确" in text(garbled)


def test_completion_is_for_above_scale_enterprises(client, grids_world, make_enterprise):
    w = grids_world
    small = make_enterprise(
        w["grid"], name="东一小化工", industry="hazardous_chemicals", scale="below_scale"
    )
    log_in(client, "board", w["official"])

    refused = _save(client, small, completed_on=today_in_shanghai().isoformat())

    assert refused.status_code == 422
    assert "规模以下企业不填写检查验收合格日期" in text(refused)
    assert 'class="notice error row-error"' in text(refused)


def test_an_enterprise_outside_the_department_is_not_found(client, grids_world, session):
    w = grids_world
    log_in(client, "board", w["official"])

    for enterprise in (w["fireworks"], w["chem_west"], w["chem_away"]):
        refused = _save(client, enterprise, chart_posted_on=today_in_shanghai().isoformat())
        assert refused.status_code == 404
        assert session.get(FiveImplementationStatus, enterprise.id) is None


def test_the_form_needs_its_csrf_token(client, grids_world, session):
    w = grids_world
    log_in(client, "board", w["official"])

    refused = client.post(
        f"/board/five-implementations/{w['chem'].id}",
        data={"chart_posted_on": today_in_shanghai().isoformat()},
    )

    assert refused.status_code in (400, 403)
    assert session.get(FiveImplementationStatus, w["chem"].id) is None


def test_a_supervisor_filters_by_department_and_jurisdiction(client, grids_world):
    w = grids_world
    log_in(client, "board", w["supervisor"])

    everything = client.get("/board/five-implementations")
    by_department = client.get(f"/board/five-implementations?department_id={w['department'].id}")
    west = client.get(f"/board/five-implementations?jurisdiction_id={w['other_town'].id}")

    assert _listed(everything) == {"东一化工", "东一机械", "东一烟花", "西一化工"}
    assert 'id="figures"' not in text(everything)
    assert _listed(by_department) == {"东一化工", "东一机械"}
    assert _total_row(by_department)[2] == "2"
    assert _listed(west) == {"西一化工"}
    assert client.get("/board/five-implementations?department_id=x").status_code == 400
    assert client.get("/board/five-implementations?department_id=999999").status_code == 404
    away = client.get(f"/board/five-implementations?jurisdiction_id={w['other_district'].id}")
    assert away.status_code == 404
    saved = _save(
        client,
        w["fireworks"],
        query=f"?jurisdiction_id={w['town'].id}",
        chart_posted_on=today_in_shanghai().isoformat(),
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"?jurisdiction_id={w['town'].id}")
