"""Blacklist entries (黑名单): every transition and who may take it, working-day deadlines and
late flags, the written notice, the public list and page, and the end of the term."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.core.errors import Conflict, Invalid
from backend.core.periods import working_day_calendar
from backend.core.problems import PROBLEM_MIME
from backend.core.timeutil import today_in_shanghai as today
from backend.credit import blacklist
from backend.models import BLACKLIST_STATES, BlacklistEntry, BlacklistEvent, Notification
from tests.backend.fixtures.credit import NOTES, shanghai_midnight

ROLES = (
    "supervisor",
    "street_supervisor",
    "manager",
    "viewer",
    "inspector",
    "admin",
    "global_admin",
    "other_supervisor",
    "other_manager",
)
# What a fitting step answers on an entry fresh in its state: the steps that need something
# first (a defence, an application, the end of the term) are refused with 409.
FITTING = {
    "notify": 200,
    "submit_defence": 200,
    "accept_defence": 409,
    "confirm": 409,  # no defence yet and the defence period still runs
    "publish": 200,
    "apply_removal": 409,  # only within 30 working days before the term ends
    "accept_rectification": 409,
    "reject_removal": 409,
    "remove": 409,  # the term runs
}


def _expected(world, role: str, state: str, action: str) -> int:
    user = world["users"][role]
    if role in ("other_supervisor", "other_manager"):
        return 404  # out of scope
    if user.role in ("enterprise_manager", "enterprise_viewer") and state == "collected":
        return 404  # not yet told
    transition = blacklist.TRANSITIONS[action]
    if user.role not in transition.roles:
        return 403
    if state not in transition.from_states:
        return 409
    return FITTING[action]


def _act(client, headers, entry, action, note=None, **body):
    note = NOTES.get(action, "") if note is None else note
    return client.post(
        f"/api/v1/blacklist-entries/{entry.id}/actions",
        json={"action": action, "note": note, **body},
        headers=headers,
    )


@pytest.mark.parametrize("state", list(BLACKLIST_STATES))
@pytest.mark.parametrize("role", ROLES)
def test_every_transition_by_role_and_state(client, world, make_entry, session, role, state):
    headers = world["headers"][role]
    entry = make_entry(state)
    expected = {action: _expected(world, role, state, action) for action in blacklist.TRANSITIONS}
    # At most one step fits a role in a state; it is taken last, after every refusal.
    assert sum(status == 200 for status in expected.values()) <= 1
    for action, status in sorted(expected.items(), key=lambda item: item[1] == 200):
        response = _act(client, headers, entry, action)
        assert response.status_code == status, (role, state, action, response.json)
        if status >= 400:
            assert response.mimetype == PROBLEM_MIME
            session.refresh(entry)
            assert entry.state == state  # a refused step changes nothing
        if status == 409:
            assert response.json["current_state"] == state
        if status == 200:
            assert response.json["state"] == (blacklist.TRANSITIONS[action].to_state or state)


def test_collecting_is_for_supervisors_in_scope_with_the_facts(client, world, session):
    ent = world["enterprises"]["ent"]
    body = {
        "enterprise_id": ent.id,
        "trigger": "major_hazard_not_rectified",
        "reason": "重大事故隐患逾期未整改",
        "facts": "储罐区可燃气体报警器失效，逾期未整改。",
        "photos": ["c" * 64],
    }
    headers = world["headers"]
    for who, status in (
        ("manager", 403),
        ("inspector", 403),
        ("admin", 403),
        ("other_supervisor", 404),
    ):
        response = client.post("/api/v1/blacklist-entries", json=body, headers=headers[who])
        assert response.status_code == status, who
    missing = client.post(
        "/api/v1/blacklist-entries", json={**body, "facts": " "}, headers=headers["supervisor"]
    )
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "facts"
    created = client.post("/api/v1/blacklist-entries", json=body, headers=headers["supervisor"])
    assert created.status_code == 201, created.json
    entry = created.json
    assert (entry["state"], entry["term_years"], entry["accident_level"]) == (
        "collected",
        1,
        "none",
    )
    assert entry["allowed_actions"] == ["notify"]
    # One entry in progress per enterprise.
    second = client.post(
        "/api/v1/blacklist-entries", json=body, headers=headers["street_supervisor"]
    )
    assert second.status_code == 409 and second.json["entry_id"] == entry["id"]
    # Not yet told: the enterprise does not see it.
    assert client.get("/api/v1/blacklist-entries", headers=headers["manager"]).json == []
    hidden = client.get(f"/api/v1/blacklist-entries/{entry['id']}", headers=headers["manager"])
    assert hidden.status_code == 404
    history = client.get(
        f"/api/v1/blacklist-entries/{entry['id']}/history", headers=headers["supervisor"]
    ).json
    assert [(e["action"], e["to_state"], e["photos"]) for e in history] == [
        ("collect", "collected", ["c" * 64])
    ]


@pytest.mark.parametrize(
    ("level", "years", "ends_on"),
    [
        ("none", 1, date(2027, 10, 12)),
        ("larger", 1, date(2027, 10, 12)),
        ("major", 2, date(2028, 10, 12)),
        ("especially_major", 3, date(2029, 10, 12)),
    ],
)
def test_the_term_follows_the_accident_level(world, make_entry, level, years, ends_on):
    published = shanghai_midnight(date(2026, 10, 12)) + timedelta(hours=10)
    entry = make_entry("published", accident_level=level, now=published)
    assert (entry.term_years, entry.published_on, entry.ends_on) == (
        years,
        date(2026, 10, 12),
        ends_on,
    )


def test_a_bad_record_of_another_enterprise_cannot_ground_an_entry(world, session, make_record):
    record = make_record(world["enterprises"]["ent2"])
    with pytest.raises(Invalid) as refused:
        blacklist.collect(
            world["users"]["supervisor"],
            enterprise_id=world["enterprises"]["ent"].id,
            trigger="serious_threat",
            reason="严重威胁安全生产",
            facts="核查记录",
            bad_credit_record_id=record.id,
        )
    assert refused.value.field == "bad_credit_record_id"


def test_deadlines_count_working_days_and_late_steps_are_flagged(world, session):
    supervisor = world["users"]["supervisor"]
    at = lambda day, hour=10: shanghai_midnight(day) + timedelta(hours=hour)  # noqa: E731
    entry = blacklist.collect(
        supervisor,
        enterprise_id=world["enterprises"]["ent"].id,
        trigger="major_hazard_not_rectified",
        reason="重大事故隐患逾期未整改",
        facts="逾期未整改",
        now=at(date(2026, 9, 25)),
    )
    # 告知 on Monday 28 Sep: five working days around 国庆节 end on Saturday 10 Oct (调休).
    blacklist.apply_action(supervisor, entry, "notify", now=at(date(2026, 9, 28)))
    assert (entry.notified_on, entry.defence_due_on) == (date(2026, 9, 28), date(2026, 10, 10))
    with pytest.raises(Conflict) as early:
        blacklist.apply_action(supervisor, entry, "confirm", now=at(date(2026, 10, 10), 20))
    assert early.value.extra["defence_due_on"] == "2026-10-10"
    # No defence by then: the decision may follow, and publication is due 10 working days on.
    blacklist.apply_action(supervisor, entry, "confirm", now=at(date(2026, 10, 11)))
    assert (entry.state, entry.decided_on, entry.publish_due_on) == (
        "confirmed",
        date(2026, 10, 11),
        date(2026, 10, 23),
    )
    blacklist.apply_action(supervisor, entry, "publish", now=at(date(2026, 10, 26)))
    assert (entry.state, entry.published_on, entry.publish_late) == (
        "published",
        date(2026, 10, 26),
        True,
    )
    history = [item["event"].action for item in blacklist.history(entry)]
    assert history == ["collect", "notify", "confirm", "publish"]


def test_removal_comes_only_at_the_end_of_the_term(world, make_entry, session):
    """方案2 L84: the application "期满前30个工作日内"; 方案5 L193: 整改验收合格 is published,
    and the entry is removed after the term, published within 10 working days."""
    supervisor, manager = world["users"]["supervisor"], world["users"]["manager"]
    published = shanghai_midnight(date(2025, 6, 2)) + timedelta(hours=10)
    entry = make_entry("published", now=published)
    assert entry.ends_on == date(2026, 6, 2)
    mid_term = shanghai_midnight(date(2025, 12, 1)) + timedelta(hours=10)
    with pytest.raises(Conflict) as closed:
        blacklist.apply_action(manager, entry, "apply_removal", note="整改完毕", now=mid_term)
    opens_on = date.fromisoformat(closed.value.extra["application_opens_on"])
    calendar = working_day_calendar()
    assert calendar.add_working_days(opens_on, 30) >= entry.ends_on
    day_before = opens_on - timedelta(days=1)
    assert calendar.add_working_days(day_before, 30) < entry.ends_on or not (
        calendar.is_working_day(opens_on)
    )
    in_window = shanghai_midnight(opens_on) + timedelta(hours=10)
    blacklist.apply_action(manager, entry, "apply_removal", note="整改完毕", now=in_window)
    blacklist.apply_action(supervisor, entry, "accept_rectification", now=in_window)
    # Accepted rectification does not lift the entry early.
    assert (entry.state, entry.rectified_on, entry.removed_on) == ("published", opens_on, None)
    with pytest.raises(Conflict):
        blacklist.apply_action(manager, entry, "apply_removal", note="再次申请", now=in_window)
    last_day = shanghai_midnight(entry.ends_on) + timedelta(hours=23)
    assert blacklist.credit_terms(last_day)["blacklist_removed"] == 0
    day_after = shanghai_midnight(entry.ends_on + timedelta(days=1)) + timedelta(minutes=5)
    assert blacklist.credit_terms(day_after)["blacklist_removed"] == 1
    assert (entry.state, entry.removal_kind, entry.removed_on) == (
        "removed",
        "expired",
        date(2026, 6, 3),
    )
    assert entry.removal_due_on == calendar.add_working_days(entry.ends_on, 10)


def test_without_an_accepted_rectification_the_entry_is_retained(world, make_entry, session):
    """方案5 L193 "未达到规定要求的，继续保留'黑名单'管理"; a rectification accepted after the
    term then removes it at once."""
    published = shanghai_midnight(date(2025, 6, 2)) + timedelta(hours=10)
    entry = make_entry("published", now=published)
    day_after = shanghai_midnight(date(2026, 6, 3)) + timedelta(hours=1)
    assert blacklist.credit_terms(day_after)["blacklist_retained"] == 1
    assert (entry.state, entry.retained_since) == ("published", date(2026, 6, 3))
    later = day_after + timedelta(days=20)
    blacklist.apply_action(
        world["users"]["manager"], entry, "apply_removal", note="已整改", now=later
    )
    blacklist.apply_action(world["users"]["supervisor"], entry, "accept_rectification", now=later)
    assert (entry.state, entry.removal_kind) == ("removed", "rectified")


def test_on_time_steps_are_not_late_and_a_late_defence_is_flagged(world, make_entry):
    supervisor, manager = world["users"]["supervisor"], world["users"]["manager"]
    notified = shanghai_midnight(date(2026, 11, 2)) + timedelta(hours=9)
    entry = make_entry("notified", now=notified)
    assert entry.defence_due_on == date(2026, 11, 9)
    blacklist.apply_action(
        manager, entry, "submit_defence", note="申辩", now=notified + timedelta(days=8)
    )
    assert entry.defence_late is True and entry.state == "notified"
    with pytest.raises(Conflict):  # one defence
        blacklist.apply_action(manager, entry, "submit_defence", note="再次申辩", now=notified)
    with pytest.raises(Invalid):  # a decision against a defence says why
        blacklist.apply_action(supervisor, entry, "confirm", note="", now=notified)
    blacklist.apply_action(supervisor, entry, "confirm", note="申辩不成立", now=notified)
    blacklist.apply_action(supervisor, entry, "publish", now=notified + timedelta(days=14))
    assert entry.publish_due_on == date(2026, 11, 16) and entry.publish_late is False


def test_a_removal_application_can_be_rejected_and_made_again(client, world, make_entry):
    entry = make_entry("published", now=datetime.now(UTC) - timedelta(days=355))  # in the window
    headers = world["headers"]
    assert _act(client, headers["manager"], entry, "apply_removal", note="").status_code == 422
    assert _act(client, headers["manager"], entry, "apply_removal").status_code == 200
    assert _act(client, headers["manager"], entry, "apply_removal").status_code == 409
    assert _act(client, headers["supervisor"], entry, "reject_removal", note="").status_code == 422
    rejected = _act(client, headers["supervisor"], entry, "reject_removal")
    assert rejected.status_code == 200
    assert (rejected.json["state"], rejected.json["removal_applied_on"]) == ("published", None)
    assert _act(client, headers["manager"], entry, "apply_removal").status_code == 200
    accepted = _act(client, headers["supervisor"], entry, "accept_rectification")
    assert accepted.status_code == 200
    assert (accepted.json["state"], accepted.json["rectified_on"]) == ("published", str(today()))


def test_the_written_notice_reaches_the_enterprise(client, world, make_entry, session):
    entry = make_entry("collected", reason="拒不整改<script>alert(1)</script>")
    headers = world["headers"]
    notice_url = f"/api/v1/blacklist-entries/{entry.id}/notice"
    assert client.get(notice_url, headers=headers["supervisor"]).status_code == 404
    assert _act(client, headers["supervisor"], entry, "notify").status_code == 200
    response = client.get(notice_url, headers=headers["manager"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    ent = world["enterprises"]["ent"]
    assert "安全生产不良记录“黑名单”管理告知书" in html
    assert ent.name in html and ent.uscc in html
    assert str(entry.defence_due_on) in html and "申辩" in html
    assert "5个工作日" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "D区安全生产监督管理部门" in html  # the issuing supervisor's jurisdiction
    assert client.get(notice_url, headers=headers["other_manager"]).status_code == 404
    notices = session.scalars(
        select(Notification).where(Notification.kind == "blacklist_notice")
    ).all()
    assert {n.recipient_id for n in notices} == {
        world["users"]["manager"].id,
        world["users"]["viewer"].id,
    }
    # From now on the enterprise sees its entry.
    listed = client.get("/api/v1/blacklist-entries", headers=headers["viewer"]).json
    assert [e["id"] for e in listed] == [entry.id]
    assert listed[0]["allowed_actions"] == []


PUBLIC_FIELDS = {
    "id",
    "enterprise_name",
    "uscc",
    "trigger",
    "trigger_label",
    "reason",
    "published_on",
    "ends_on",
    "term_years",
    "rectified_on",
    "removed_on",
    "list_level",
    "list_level_label",
}


def test_the_public_list_shows_only_published_entries_and_no_personal_data(
    client, world, make_entry, session
):
    ent, ent2, far = (world["enterprises"][k] for k in ("ent", "ent2", "far"))
    make_entry("published", facts="经查，主要负责人李四拒不整改。")
    make_entry("confirmed", enterprise=ent2)
    removed = make_entry("removed", enterprise=far)
    response = client.get("/api/v1/blacklist")  # no token
    assert response.status_code == 200, response.json
    (row,) = response.json
    assert set(row) == PUBLIC_FIELDS
    assert (row["enterprise_name"], row["uscc"], row["term_years"]) == (ent.name, ent.uscc, 1)
    assert row["reason"] == "重大事故隐患逾期未整改"
    text = response.get_data(as_text=True)
    assert "李四" not in text  # neither the facts nor the enterprise's principal
    assert ent2.name not in text and removed.id not in text
    # The removal is published too (方案5 L193), with its dates.
    (gone,) = client.get("/api/v1/blacklist/removed").json
    assert (gone["id"], gone["removed_on"]) == (removed.id, str(removed.removed_on))
    page = client.get("/blacklist")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert ent.name in html and ent.uscc in html and "重大事故隐患逾期未整改" in html
    assert "李四" not in html and ent2.name not in html
    current, recent = html.split('id="removed"')
    assert far.name not in current and far.name in recent and str(removed.removed_on) in recent
    assert "script-src 'none'" in page.headers["Content-Security-Policy"]


def test_the_public_page_escapes_what_supervisors_wrote(client, world, make_entry):
    make_entry("published", reason="<b>拒不整改</b>")
    html = client.get("/blacklist").get_data(as_text=True)
    assert "<b>拒不整改</b>" not in html and "&lt;b&gt;拒不整改&lt;/b&gt;" in html
    empty_world = client.get("/api/v1/blacklist?page=2").json
    assert empty_world == []


def test_the_term_ends_with_removal_unless_a_new_bad_record_came(
    world, make_entry, session, make_record, app, monkeypatch
):
    monkeypatch.setitem(app.config, "HOLIDAYS", "2027-01-01")  # 2027, beyond chinesecalendar
    published = shanghai_midnight(date(2026, 3, 2)) + timedelta(hours=10)
    kept = make_entry("published", now=published)
    freed = make_entry("published", enterprise=world["enterprises"]["ent2"], now=published)
    assert kept.ends_on == freed.ends_on == date(2027, 3, 2)
    in_window = shanghai_midnight(date(2027, 2, 22)) + timedelta(hours=10)
    for entry, manager in ((kept, "manager"), (freed, "manager2")):
        blacklist.apply_action(
            world["users"][manager], entry, "apply_removal", note="整改完毕", now=in_window
        )
        blacklist.apply_action(
            world["users"]["supervisor"], entry, "accept_rectification", now=in_window
        )
    make_record(
        world["enterprises"]["ent"],
        trigger="enforcement_refused",
        now=published + timedelta(days=90),
        evidence="管理期内再次拒不执行指令",
    )
    last_day = shanghai_midnight(date(2027, 3, 2)) + timedelta(hours=23)
    assert blacklist.credit_terms(last_day) == {
        "bad_records_expired": 0,
        "blacklist_removed": 0,
        "blacklist_retained": 0,
    }
    day_after = shanghai_midnight(date(2027, 3, 3)) + timedelta(minutes=5)
    result = blacklist.credit_terms(day_after)
    assert result == {"bad_records_expired": 0, "blacklist_removed": 1, "blacklist_retained": 1}
    assert (freed.state, freed.removal_kind, freed.removed_on) == (
        "removed",
        "expired",
        date(2027, 3, 3),
    )
    assert freed.removal_due_on == date(2027, 3, 16) and freed.removal_late is False
    assert (kept.state, kept.retained_since) == ("published", date(2027, 3, 3))
    # Reruns change nothing; the retained entry is noted once.
    assert blacklist.credit_terms(day_after + timedelta(days=1))["blacklist_retained"] == 0
    events = session.scalars(
        select(BlacklistEvent.action).where(BlacklistEvent.entry_id == kept.id)
    ).all()
    assert events.count("retain") == 1
    # A supervisor may remove it once the term is over (not before: see the table above).
    blacklist.apply_action(
        world["users"]["supervisor"], kept, "remove", note="新的不良记录已处理", now=day_after
    )
    assert (kept.state, kept.removal_kind, kept.removal_due_on) == (
        "removed",
        "term_ended",
        date(2027, 3, 16),
    )


def test_the_job_removes_an_entry_at_term_end_even_without_next_years_calendar(
    app, world, make_entry, caplog, monkeypatch
):
    published = shanghai_midnight(date(2026, 3, 2)) + timedelta(hours=10)
    entry = make_entry("published", now=published)
    in_window = shanghai_midnight(date(2027, 2, 22)) + timedelta(hours=10)
    users = world["users"]
    blacklist.apply_action(users["manager"], entry, "apply_removal", note="整改", now=in_window)
    blacklist.apply_action(users["supervisor"], entry, "accept_rectification", now=in_window)
    monkeypatch.setitem(app.config, "HOLIDAYS", "")
    day_after = shanghai_midnight(date(2027, 3, 3)) + timedelta(minutes=5)
    # 2027 is neither in chinesecalendar 1.11 nor configured: the removal's due date is unknown,
    # but the term is over, so the job removes the entry, logs the missing year and goes on.
    result = blacklist.credit_terms(day_after)
    assert result["blacklist_removed"] == 1
    assert (entry.state, entry.removed_on, entry.removal_due_on, entry.removal_late) == (
        "removed",
        date(2027, 3, 3),
        None,
        False,
    )


def test_a_step_that_needs_an_uncovered_year_answers_503_for_the_admin(
    client, world, make_entry, monkeypatch
):
    monkeypatch.setattr("backend.core.periods.official_working_day", lambda day: None)
    entry = make_entry("collected")
    response = _act(client, world["headers"]["supervisor"], entry, "notify")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM_MIME
    assert "HOLIDAYS" in response.json["detail"] and "工作日历" in response.json["detail"]
    assert response.json["year"] >= 2026
    assert entry.state == "collected"


def test_a_removed_or_dismissed_entry_allows_a_new_one(world, make_entry, session):
    make_entry("defence_accepted")
    second = make_entry("removed")
    assert second.state == "removed"
    third = make_entry("collected")
    states = session.scalars(
        select(BlacklistEntry.state).where(
            BlacklistEntry.enterprise_id == world["enterprises"]["ent"].id
        )
    ).all()
    assert sorted(states) == ["collected", "defence_accepted", "removed"]
    assert third.state == "collected"


def test_history_is_in_order_with_actors(client, world, make_entry):
    entry = make_entry("published")
    response = client.get(
        f"/api/v1/blacklist-entries/{entry.id}/history", headers=world["headers"]["manager"]
    )
    assert response.status_code == 200
    steps = [(e["seq"], e["action"], e["actor_role"], e["to_state"]) for e in response.json]
    assert steps == [
        (1, "collect", "supervisor", "collected"),
        (2, "notify", "supervisor", "notified"),
        (3, "submit_defence", "enterprise_manager", "notified"),
        (4, "confirm", "supervisor", "confirmed"),
        (5, "publish", "supervisor", "published"),
    ]
    assert response.json[2]["note"] == NOTES["submit_defence"]
    assert response.json[1]["payload"]["defence_due_on"] == str(entry.defence_due_on)


def test_publication_and_removal_change_class_and_colour_at_once(world, make_entry, session):
    from backend.models import EnterpriseClassification

    ent = world["enterprises"]["ent"]
    entry = make_entry("confirmed")
    blacklist.apply_action(world["users"]["supervisor"], entry, "publish")
    assert session.get(EnterpriseClassification, ent.id).effective_class == "key"
    assert ent.safety_code_color == "red"
    blacklist.credit_terms(datetime.now(UTC) + timedelta(days=400))  # retained: not rectified
    assert ent.safety_code_color == "red"
    later = datetime.now(UTC) + timedelta(days=401)
    blacklist.apply_action(
        world["users"]["manager"], entry, "apply_removal", note="整改", now=later
    )
    blacklist.apply_action(world["users"]["supervisor"], entry, "accept_rectification", now=later)
    assert entry.state == "removed"
    assert session.get(EnterpriseClassification, ent.id).factors["blacklisted"] is False
    assert ent.safety_code_color == "green"


def test_trigger_six_is_worded_by_the_list_the_entry_is_on(
    app, client, world, make_entry, monkeypatch
):
    """Seed 002 L14 六 "一年内发生死亡的生产安全责任事故" for the county list; 方案5 L187
    "死亡2人(含)以上…" for the city list (纳入市级管理, S000:L181), chosen per jurisdiction."""
    county = make_entry("published", trigger="fatal_accident")
    assert county.list_level == "county"
    assert blacklist.trigger_label(county) == "一年内发生死亡的生产安全责任事故"
    street = world["nodes"]["s2"].id
    monkeypatch.setitem(app.config, "BLACKLIST_LIST_LEVEL_BY_JURISDICTION", f"{street}:city")
    city = make_entry("notified", trigger="fatal_accident", enterprise=world["enterprises"]["ent2"])
    assert city.list_level == "city"
    assert "死亡2人(含)以上" in blacklist.trigger_label(city)
    notice = client.get(
        f"/api/v1/blacklist-entries/{city.id}/notice", headers=world["headers"]["manager2"]
    ).get_data(as_text=True)
    assert "死亡2人(含)以上" in notice and "市级（同时纳入县级）" in notice
    (row,) = client.get("/api/v1/blacklist").json
    assert (row["list_level"], row["trigger_label"]) == (
        "county",
        "一年内发生死亡的生产安全责任事故",
    )
    monkeypatch.setitem(app.config, "BLACKLIST_LIST_LEVEL_BY_JURISDICTION", "x:city")
    with pytest.raises(ValueError, match="BLACKLIST_LIST_LEVEL_BY_JURISDICTION"):
        make_entry("collected", trigger="fatal_accident", enterprise=world["enterprises"]["far"])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BLACKLIST_LIST_LEVEL", "national"),  # a record level, not a list any body keeps
        ("BLACKLIST_LIST_LEVEL_BY_JURISDICTION", "12:city,x:county"),
        ("BLACKLIST_LIST_LEVEL_BY_JURISDICTION", "12=city"),
    ],
)
def test_an_unreadable_list_level_setting_stops_the_start(monkeypatch, name, value):
    from backend.config import ConfigError, load_config

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config({"DATABASE_URL": "sqlite://", "TESTING": True})
    monkeypatch.setenv(name, "city" if name == "BLACKLIST_LIST_LEVEL" else "12:city, 3:county")
    assert load_config({"DATABASE_URL": "sqlite://", "TESTING": True})[name]
