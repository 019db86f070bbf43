"""Done when: an enterprise whose major hazard runs past its deadline is proposed for a bad
credit record, which a supervisor reviews, the enterprise objects to and a supervisor decides;
a blacklist entry goes through notice and publication, and is removed only at the end of its
term after an accepted rectification; its class and inspection plan follow every step."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from backend.core.periods import add_months
from backend.core.timeutil import today_in_shanghai
from backend.credit import blacklist
from backend.credit import records as credit
from backend.jobs import deadlines
from backend.jobs.registry import JOBS
from backend.models import Enterprise, EnterpriseClassification, InspectionPlan
from backend.plans import services as inspection_plans
from tests.backend.fixtures.credit import shanghai_midnight
from tests.backend.fixtures.hazards import FULL_PLAN, SHA_A, act


def test_done_when(client, world, make_hazard, session):
    headers = world["headers"]
    ent2_id = world["enterprises"]["ent2"].id  # 乙机械: machinery, no standardisation grade
    supervisor, manager = headers["supervisor"], headers["manager2"]
    assert JOBS["credit_terms"].run is blacklist.credit_terms
    assert JOBS["plan_inspections"].run is inspection_plans.plan_inspections

    def state():
        session.expire_all()
        enterprise = session.get(Enterprise, ent2_id)
        plan = session.scalars(
            select(InspectionPlan).where(
                InspectionPlan.enterprise_id == ent2_id, InspectionPlan.status == "open"
            )
        ).one()
        row = session.get(EnterpriseClassification, ent2_id)
        return enterprise, row.effective_class, plan

    now = datetime.now(UTC)
    inspection_plans.plan_inspections(now)
    enterprise, class_code, plan = state()
    assert (class_code, plan.due_on) == ("general", add_months(plan.basis_on, 6))
    assert enterprise.safety_code_color == "green"

    # A major hazard, reported with a deadline that has now passed.
    hazard = make_hazard(
        "reported",
        enterprise=world["enterprises"]["ent2"],
        grade="major",
        due_on=today_in_shanghai() - timedelta(days=1),
    )
    assert deadlines.mark_overdue(now)["marked"] == 1
    assert deadlines.escalate_overdue(now)["credit_candidates"] == 1
    session.commit()
    enterprise, class_code, plan = state()
    assert enterprise.safety_code_color == "red"  # an overdue major hazard (safety_code rules)
    assert credit.credit_colour_signal(enterprise) is None  # a candidate is no record

    records = client.get(
        f"/api/v1/credit-records?enterprise_id={ent2_id}&trigger=major_hazard_overdue",
        headers=supervisor,
    ).json
    assert [(r["status"], r["source"], r["hazard_id"]) for r in records] == [
        ("proposed", "system", hazard.id)
    ]
    assert client.get("/api/v1/credit-records", headers=manager).json == []
    record_steps = f"/api/v1/credit-records/{records[0]['id']}/actions"

    def record_step(headers_, action, note=""):
        response = client.post(
            record_steps, json={"action": action, "note": note}, headers=headers_
        )
        assert response.status_code == 200, (action, response.json)
        return response.json

    assert record_step(supervisor, "review")["status"] == "notified"
    assert record_step(manager, "object", "正在整改，请求不予列入。")["status"] == "objected"
    assert record_step(supervisor, "decide", "逾期属实，异议不成立。")["active"] is True
    enterprise, class_code, plan = state()
    assert credit.credit_colour_signal(enterprise) == "yellow"  # the bad credit record
    assert class_code == "key"  # machinery 1, + bad record, + open major hazard
    assert plan.due_on == add_months(plan.basis_on, 1)
    mine = client.get("/api/v1/credit-records", headers=manager).json
    assert [r["id"] for r in mine] == [records[0]["id"]]

    # 信息采集 → 信息告知 → 申辩 → 确认纳入 → 信息公布.
    created = client.post(
        "/api/v1/blacklist-entries",
        json={
            "enterprise_id": ent2_id,
            "trigger": "major_hazard_not_rectified",
            "reason": "重大事故隐患逾期未整改",
            "facts": "重大事故隐患整改期限已过，经复查仍未整改。",
            "bad_credit_record_id": records[0]["id"],
        },
        headers=supervisor,
    )
    assert created.status_code == 201, created.json
    entry_id = created.json["id"]
    steps = f"/api/v1/blacklist-entries/{entry_id}/actions"

    def step(headers_, action, note="", status=200):
        response = client.post(steps, json={"action": action, "note": note}, headers=headers_)
        assert response.status_code == status, (action, response.json)
        return response.json

    assert step(supervisor, "notify")["state"] == "notified"
    notice = client.get(f"/api/v1/blacklist-entries/{entry_id}/notice", headers=manager)
    assert notice.status_code == 200 and "乙机械" in notice.get_data(as_text=True)
    assert step(manager, "submit_defence", "正在整改，请求从轻处理。")["defence_late"] is False
    assert step(supervisor, "publish", status=409)["current_state"] == "notified"
    decided = step(supervisor, "confirm", "重大事故隐患逾期未整改属实，申辩不成立。")
    assert decided["state"] == "confirmed" and decided["publish_due_on"] > decided["decided_on"]
    published = step(supervisor, "publish")
    assert (published["state"], published["publish_late"]) == ("published", False)
    public = client.get("/api/v1/blacklist").json
    assert [(row["enterprise_name"], row["term_years"]) for row in public] == [("乙机械", 1)]
    enterprise, class_code, plan = state()
    assert enterprise.safety_code_color == "red"
    assert credit.credit_colour_signal(enterprise) == "red"
    assert class_code == "key" and plan.due_on == add_months(plan.basis_on, 1)

    # The enterprise rectifies; the hazard is verified and closed.
    assert act(client, manager, hazard, "start_rectification", plan=FULL_PLAN).status_code == 200
    assert act(client, manager, hazard, "submit", photos=[SHA_A]).status_code == 200
    assert act(client, supervisor, hazard, "verify").status_code == 200
    # 信息移出 only at the end of the term (方案2 L84, 方案5 L193): no application mid-term.
    early = step(manager, "apply_removal", "已整改，申请移出。", status=409)
    opens_on = date.fromisoformat(early["application_opens_on"])
    entry = session.get(blacklist.BlacklistEntry, entry_id)
    users = world["users"]
    in_window = shanghai_midnight(opens_on) + timedelta(hours=10)
    blacklist.apply_action(
        users["manager2"], entry, "apply_removal", note="整改完毕，申请移出。", now=in_window
    )
    blacklist.apply_action(users["supervisor"], entry, "accept_rectification", now=in_window)
    session.commit()
    # 整改验收合格 is published at once; the entry stays on the list until its term ends.
    (public_row,) = client.get("/api/v1/blacklist").json
    assert (public_row["rectified_on"], public_row["removed_on"]) == (str(opens_on), None)
    after_term = shanghai_midnight(entry.ends_on + timedelta(days=1)) + timedelta(hours=1)
    assert blacklist.credit_terms(after_term)["blacklist_removed"] == 1
    session.commit()
    assert client.get("/api/v1/blacklist").json == []
    (gone,) = client.get("/api/v1/blacklist/removed").json
    assert (gone["enterprise_name"], gone["removed_on"]) == (
        "乙机械",
        str(entry.ends_on + timedelta(days=1)),
    )
    assert entry.removal_kind == "expired"
    session.expire_all()
    # The record's year is over too: back to green and to the class it started in.
    assert session.get(Enterprise, ent2_id).safety_code_color == "green"
    assert session.get(EnterpriseClassification, ent2_id).effective_class == "general"
    history = client.get(
        f"/api/v1/enterprises/{ent2_id}/classification/history", headers=supervisor
    ).json
    assert [h["to_class"] for h in history] == ["general", "key", "general"]
