"""Done when: an enterprise whose major hazard runs past its deadline gets a bad credit record
(and a red safety code); a supervisor takes it through notice, publication and removal; its
class and inspection plan follow every step."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.core.periods import add_months
from backend.core.timeutil import today_in_shanghai
from backend.credit import blacklist
from backend.credit import records as credit
from backend.jobs import deadlines
from backend.jobs.registry import JOBS
from backend.models import Enterprise, EnterpriseClassification, InspectionPlan
from backend.plans import services as inspection_plans
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
    assert deadlines.escalate_overdue(now)["bad_credit_records"] == 1
    session.commit()
    enterprise, class_code, plan = state()
    assert enterprise.safety_code_color == "red"  # an overdue major hazard (safety_code rules)
    assert credit.credit_colour_signal(enterprise) == "yellow"  # the bad credit record
    assert class_code == "key"  # machinery 1, + bad record, + open major hazard
    assert plan.due_on == add_months(plan.basis_on, 1)

    records = client.get(
        f"/api/v1/credit-records?enterprise_id={ent2_id}&active=true", headers=supervisor
    ).json
    assert [(r["trigger"], r["source"], r["hazard_id"]) for r in records] == [
        ("major_hazard_overdue", "system", hazard.id)
    ]
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
    # 信息移出 on application after rectification.
    step(manager, "apply_removal", "重大事故隐患已整改完毕并经核验销号，申请移出。")
    removed = step(supervisor, "accept_removal")
    assert (removed["state"], removed["removal_kind"]) == ("removed", "rectified")
    assert client.get("/api/v1/blacklist").json == []
    enterprise, class_code, plan = state()
    # The bad credit record stays for its year: yellow, one class above where it started.
    assert enterprise.safety_code_color == "yellow"
    assert class_code == "elevated" and plan.due_on == add_months(plan.basis_on, 3)
    history = client.get(
        f"/api/v1/enterprises/{ent2_id}/classification/history", headers=supervisor
    ).json
    assert [h["to_class"] for h in history] == ["general", "key", "elevated"]
