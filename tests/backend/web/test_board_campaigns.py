"""Campaigns on the board (/board/campaigns): the list with the current phase and progress, a
campaign's page with its phases, cuts, lagging targets and reports, and the create form; on
the campaigns world (tests/backend/fixtures/campaigns.py), seen on 15 August 2026, in 严格执法."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from backend.models import Campaign, CampaignTarget
from tests.backend.fixtures.campaigns import utc
from tests.backend.web.test_pages import csrf_from, log_in, text

TODAY = date(2026, 8, 15)


@pytest.fixture
def on_board(client, campaign_world, monkeypatch):
    monkeypatch.setattr("backend.web.board_campaigns.today_in_shanghai", lambda: TODAY)
    assert log_in(client, "board", campaign_world["supervisor"]).status_code in (302, 303)
    return campaign_world


def _figure(body: str, campaign_id: int, name: str) -> str:
    card = body.split(f'id="campaign-{campaign_id}"')[1]
    return re.search(rf'data-figure="{name}">.*?<span>([0-9]+ / [0-9]+)</span></div>', card)[1]


def test_the_list_shows_the_current_phase_and_the_progress(client, on_board):
    campaign = on_board["campaign"]
    assert 'id="to-campaigns"' in text(client.get("/board/"))

    body = text(client.get("/board/campaigns"))

    assert '<strong class="current-phase">严格执法</strong>（2026-07-01 至 2026-10-31）' in body
    assert "距本阶段结束 77 天" in body
    # The hand count of tests/backend/campaigns/test_progress.py.
    assert _figure(body, campaign.id, "self_inspected") == "1 / 3"
    assert _figure(body, campaign.id, "supervised") == "2 / 3"
    assert _figure(body, campaign.id, "hazards_closed") == "2 / 4"
    assert _figure(body, campaign.id, "rechecked") == "1 / 3"


def test_the_detail_shows_phases_cuts_lagging_and_reports(client, on_board):
    w = on_board
    body = text(client.get(f"/board/campaigns/{w['campaign'].id}"))

    assert '<li class="past" data-phase="自查自纠">' in body
    assert '<li class="current" data-phase="严格执法">' in body
    assert '<li class="future" data-phase="巩固提升">' in body
    east = body.split(f'data-row="street:{w["town"].id}"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]+)</td>', east) == [
        "2", "1（50%）", "2（100%）", "2/4", "1", "1", "1"
    ]  # fmt: skip
    assert f'data-row="department:{w["department"].id}"' in body
    # trade self-inspected after 自查自纠 ended, chem_west never: both lag, linked to their page.
    lagging = body.split('id="lagging"')[1].split("</div>")[0]
    assert re.findall(r'data-enterprise="([0-9]+)"', lagging) == [
        str(w["trade"].id),
        str(w["chem_west"].id),
    ]
    assert f'href="/board/enterprises/{w["trade"].id}"' in lagging
    # 自查自纠's report was due on 7 July: nobody sent it; 巩固提升's is not due yet.
    phases = {p.name: p for p in w["campaign"].phases}
    due = body.split(f'id="reports-{phases["自查自纠"].id}"')[1].split("</div>")[0]
    assert f'data-unit="jurisdiction:{w["town"].id}" data-standing="late"' in due
    assert f'data-unit="department:{w["department"].id}" data-standing="late"' in due
    later = body.split(f'id="reports-{phases["巩固提升"].id}"')[1].split("</div>")[0]
    assert 'data-standing="missing"' in later and 'data-standing="late"' not in later


def test_a_supervisor_of_another_county_gets_404(client, campaign_world, make_user):
    stranger = make_user("supervisor", jurisdiction=campaign_world["other_district"])
    assert log_in(client, "board", stranger).status_code in (302, 303)

    assert client.get(f"/board/campaigns/{campaign_world['campaign'].id}").status_code == 404
    listed = text(client.get("/board/campaigns"))
    assert f'id="campaign-{campaign_world["campaign"].id}"' not in listed


def _form(client, w, **changes) -> dict:
    form = {
        "csrf_token": csrf_from(client, "/board/campaigns"),
        "title": "燃气安全专项整治",
        "jurisdiction_id": str(w["district"].id),
        "checklist_code": "duty31",
        "industries": ["hazardous_chemicals"],
        "street_id": str(w["town"].id),
    }
    for index, (name, starts_on, ends_on) in enumerate(
        [
            ("动员部署", "2026-01-01", "2026-04-30"),
            ("自查自纠", "2026-05-01", "2026-06-30"),
            ("严格执法", "2026-07-01", "2026-10-31"),
            ("巩固提升", "2026-11-01", "2026-12-31"),
        ]
    ):
        form |= {
            f"phase-{index}-name": name,
            f"phase-{index}-starts_on": starts_on,
            f"phase-{index}-ends_on": ends_on,
        }
    return form | changes


def test_the_form_is_prefilled_with_seed_004s_phases(client, on_board):
    body = text(client.get("/board/campaigns"))
    year = TODAY.year  # this year's, as the board sees it
    assert 'name="phase-1-name" maxlength="32" value="自查自纠"' in body
    assert f'name="phase-1-starts_on" value="{year}-05-01"' in body
    assert f'name="phase-3-ends_on" value="{year}-12-31"' in body


def test_the_form_creates_a_campaign(client, session, on_board):
    w = on_board
    answer = client.post("/board/campaigns", data=_form(client, w))

    assert answer.status_code in (302, 303)
    created = session.scalar(select(Campaign).where(Campaign.title == "燃气安全专项整治"))
    assert answer.headers["Location"].endswith(f"/board/campaigns/{created.id}")
    assert [p.name for p in created.phases] == ["动员部署", "自查自纠", "严格执法", "巩固提升"]
    targets = session.scalars(
        select(CampaignTarget.enterprise_id).where(CampaignTarget.campaign_id == created.id)
    ).all()
    assert targets == [w["chem"].id]  # the chemical enterprises of 东镇 only


def test_a_bad_phase_order_is_named_in_chinese(client, session, on_board):
    w = on_board
    form = _form(client, on_board, **{"phase-1-starts_on": "2026-04-15"})

    answer = client.post("/board/campaigns", data=form)

    assert answer.status_code == 422
    assert (
        "第2阶段（自查自纠）的开始日期早于上一阶段的结束日期：各阶段须按顺序排列、不得重叠。"
        in text(answer)
    )
    assert 'value="燃气安全专项整治"' in text(answer)  # the form keeps what was typed
    assert session.scalar(select(Campaign).where(Campaign.title == "燃气安全专项整治")) is None
    assert f'id="campaign-{w["campaign"].id}"' in text(answer)


def test_a_date_that_is_no_date_is_named(client, on_board):
    form = _form(client, on_board, **{"phase-2-ends_on": "十月底"})
    answer = client.post("/board/campaigns", data=form)
    assert answer.status_code == 422
    assert "第3阶段（严格执法）的结束日期不是有效日期。" in text(answer)


def test_the_detail_page_runs_as_many_statements_for_more_targets(
    client, session, on_board, make_enterprise, add_inspection, count_queries
):
    w = on_board
    path = f"/board/campaigns/{w['campaign'].id}"
    client.get(path)
    with count_queries() as before:
        assert client.get(path).status_code == 200
    for number in range(6):
        enterprise = make_enterprise(w["grid"], name=f"东一新化工{number}")
        session.add(CampaignTarget(campaign_id=w["campaign"].id, enterprise_id=enterprise.id))
        session.commit()
        add_inspection(enterprise, "supervision", utc(2026, 7, 20, 2), hazards=["reported"])

    with count_queries() as after:
        body = text(client.get(path))

    assert '<strong id="targets">9</strong>' in body
    assert len(after) == len(before)


def test_a_report_due_in_a_year_the_calendar_lacks_leaves_the_page_standing(
    app, client, on_board, monkeypatch
):
    """巩固提升 ends on 31 December: its report falls due in 2027. Until an administrator gives
    2027's holidays, that one due date is unknown; the page says so and shows the rest."""
    monkeypatch.setitem(app.config, "HOLIDAYS", "")
    monkeypatch.setitem(app.config, "WORKDAYS", "")
    w = on_board
    page = client.get(f"/board/campaigns/{w['campaign'].id}")
    assert page.status_code == 200
    body = text(page)
    phases = {p.name: p for p in w["campaign"].phases}
    later = body.split(f'id="reports-{phases["巩固提升"].id}"')[1].split("</div>")[0]
    assert 'data-uncovered="2027"' in later and "报送截止日期待定" in later
    due = body.split(f'id="reports-{phases["自查自纠"].id}"')[1].split("</div>")[0]
    assert f'data-unit="jurisdiction:{w["town"].id}" data-standing="late"' in due


def test_a_title_or_phase_name_too_long_for_its_column_is_refused_not_a_500(client, on_board):
    for field, value, message in (
        ("title", "专项治理" * 60, "专项治理名称最多200个字。"),
        ("phase-0-name", "动员部署" * 10, "第1阶段的名称最多32个字。"),
    ):
        answer = client.post("/board/campaigns", data=_form(client, on_board, **{field: value}))
        assert answer.status_code == 422 and message in text(answer), field
