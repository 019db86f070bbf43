"""A small world for the hazard tests, and helpers to put hazards into any state.

District D (street S → grid G; street S2) and district X. Enterprise `ent` lies in grid G,
`ent2` in street S2, `far` in district X.
"""

from datetime import timedelta

import pytest

from backend.core.timeutil import today_in_shanghai
from backend.models import Hazard

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64

FULL_PLAN = {
    "owner": "张三（安全科科长）",
    "measures": "更换老化管线，增设泄漏报警",
    "funds": "12万元",
    "contingency_plan": "泄漏应急处置预案",
    "objectives": "消除储罐区泄漏风险",
    "methods": "停用受影响储罐，分段更换",
    "funds_and_materials": "公司安全费用列支12万元，物资已采购",
    "organisation": "设备部牵头，安全科配合",
    "time_limit": "30日内完成，分三阶段验收",
    "safety_measures": "作业期间设置警戒区，现场配备应急器材",
}


@pytest.fixture
def world(make_jurisdiction, make_enterprise, make_user, auth_header):
    d = make_jurisdiction("district", name="D区")
    s = make_jurisdiction("street", d, name="S街道")
    g = make_jurisdiction("grid", s, name="G网格")
    s2 = make_jurisdiction("street", d, name="S2街道")
    x = make_jurisdiction("district", name="X区")
    ent = make_enterprise(g, name="甲化工", industry="hazardous_chemicals", principal_name="李四")
    ent2 = make_enterprise(s2, name="乙机械", industry="industry_trade.machinery")
    far = make_enterprise(x, name="丙企业", industry="fireworks")
    users = {
        "manager": make_user("enterprise_manager", enterprise=ent),
        "viewer": make_user("enterprise_viewer", enterprise=ent),
        "inspector": make_user("inspector", jurisdiction=s),
        "supervisor": make_user("supervisor", jurisdiction=d),
        "street_supervisor": make_user("supervisor", jurisdiction=s),
        "admin": make_user("admin", jurisdiction=d),
        "global_admin": make_user("admin"),
        "other_manager": make_user("enterprise_manager", enterprise=far),
        "other_inspector": make_user("inspector", jurisdiction=x),
        "other_supervisor": make_user("supervisor", jurisdiction=x),
        "manager2": make_user("enterprise_manager", enterprise=ent2),
    }
    return {
        "nodes": {"d": d, "s": s, "g": g, "s2": s2, "x": x},
        "enterprises": {"ent": ent, "ent2": ent2, "far": far},
        "users": users,
        "headers": {name: auth_header(user) for name, user in users.items()},
    }


@pytest.fixture
def make_hazard(session, world):
    """A hazard reported by the inspector through the service, then put into `status`."""
    from backend.hazards.services import report_hazard

    def make(
        status="reported",
        *,
        enterprise=None,
        grade="general",
        due_in_days=7,
        due_on=None,
        reporter=None,
        **fields,
    ):
        enterprise = enterprise or world["enterprises"]["ent"]
        reporter = reporter or (
            world["users"]["other_inspector"]
            if enterprise is world["enterprises"]["far"]
            else world["users"]["supervisor"]
        )
        hazard = report_hazard(
            reporter,
            enterprise_id=enterprise.id,
            title=fields.pop("title", "储罐区可燃气体报警器失效"),
            grade=grade,
            due_on=today_in_shanghai() + timedelta(days=due_in_days),
        )
        hazard.status = status
        if due_on is not None:
            hazard.due_on = due_on
        if status == "closed":
            from backend.models import utcnow

            hazard.closed_at = utcnow()
        for name, value in fields.items():
            setattr(hazard, name, value)
        session.commit()
        return hazard

    return make


def act(client, headers, hazard, action, **body):
    hazard_id = hazard.id if isinstance(hazard, Hazard) else hazard
    return client.post(
        f"/api/v1/hazards/{hazard_id}/actions", json={"action": action, **body}, headers=headers
    )
