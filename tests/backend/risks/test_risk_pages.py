"""The registers on the pages: the enterprise keeps its risk points and installations in the
portal (/portal/risks); the public page and the board show the four-colour counts, nothing
more."""

import re

from backend.risks.services import create_risk_point
from tests.backend.web.test_pages import csrf_from, log_in, text, token_of


def _point(user, enterprise, name, lec_c):
    return create_risk_point(
        user,
        enterprise_id=enterprise.id,
        kind="place",
        name=name,
        location="",
        hazard_types=["fire"],
        method="lec",
        lec_l=3,
        lec_e=6,
        lec_c=lec_c,
        control_measures="动火作业审批",
        control_level="workshop",
        responsible_person="赵六",
    )


def _count(page: str, level: str) -> int:
    found = re.search(rf'data-level="{level}"><strong class="risk-count">(\d+)</strong>', page)
    return int(found.group(1))


def test_the_manager_keeps_the_registers_in_the_portal(client, session, world):
    log_in(client, "portal", world["users"]["manager"])
    token = csrf_from(client, "/portal/risks")
    added = client.post(
        "/portal/risks/points",
        data={
            "csrf_token": token,
            "kind": "equipment",
            "name": "液氯储罐",
            "hazard_types": ["poisoning_asphyxiation", "vessel_explosion"],
            "method": "lec",
            "lec_l": "3",
            "lec_e": "6",
            "lec_c": "40",
            "control_measures": "泄漏报警联锁",
            "control_level": "company",
            "responsible_person": "王五",
        },
    )
    assert added.status_code == 302
    page = text(client.get("/portal/risks"))
    assert "液氯储罐" in page and "红 · 重大风险" in page and "中毒和窒息、容器爆炸" in page
    assert _count(page, "major") == 1

    bad = client.post(
        "/portal/risks/points",
        data={"csrf_token": token, "kind": "place", "name": "x", "method": "lec", "lec_l": "abc"},
    )
    assert bad.status_code == 422
    assert "L（事故发生的可能性）" in text(bad)

    declared = client.post(
        "/portal/risks/installations",
        data={
            "csrf_token": token,
            "name": "液氯储罐区",
            "unit_kind": "storage",
            "substance_0": "chlorine",
            "quantity_0": "62.5",
            "exposed_people": "120",
            "filing_status": "not_filed",
        },
    )
    assert declared.status_code == 302
    page = text(client.get("/portal/risks"))
    assert "重大危险源 · 一级" in page and "R = 100.00" in page
    refused = client.post(
        "/portal/risks/installations",
        data={
            "csrf_token": token,
            "name": "甲醇罐区",
            "unit_kind": "storage",
            "substance_0": "methanol",
            "quantity_0": "600",
        },
    )
    assert refused.status_code == 422 and "危险化学品" in text(refused)


def test_a_viewer_reads_the_registers_without_forms(client, session, world):
    _point(world["users"]["manager"], world["enterprises"]["ent"], "仓库", 15)
    session.commit()
    log_in(client, "portal", world["users"]["viewer"])
    page = text(client.get("/portal/risks"))
    assert "仓库" in page and 'id="add-point"' not in page
    token = csrf_from(client, "/portal/risks")
    refused = client.post(
        "/portal/risks/points",
        data={
            "csrf_token": token,
            "kind": "place",
            "name": "配电室",
            "hazard_types": ["electric_shock"],
            "method": "matrix",
            "likelihood": "2",
            "severity": "3",
            "control_measures": "挂牌上锁",
            "control_level": "team",
            "responsible_person": "钱七",
        },
    )
    assert refused.status_code == 403
    assert "配电室" not in text(client.get("/portal/risks"))


def test_the_public_page_and_the_board_show_the_counts_only(client, session, world):
    manager, ent = world["users"]["manager"], world["enterprises"]["ent"]
    _point(manager, ent, "动火作业区域", 40)  # D = 720: 重大
    _point(manager, ent, "机修间", 7)  # D = 126: 一般
    _point(world["users"]["other_manager"], world["enterprises"]["far"], "远处", 40)
    session.commit()
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert (_count(page, "major"), _count(page, "general"), _count(page, "low")) == (1, 1, 0)
    assert "动火作业区域" not in page and "赵六" not in page
    log_in(client, "board", world["users"]["supervisor"])
    board = text(client.get("/board/"))
    assert (_count(board, "major"), _count(board, "general")) == (1, 1)  # `far` lies elsewhere


def test_the_manager_edits_a_point_in_the_portal_and_the_class_follows(client, session, world):
    """The page's edit goes through update_risk_point, like PATCH: the level follows the new
    inputs, the class at once, and a bad value is named; another enterprise's point is 404."""
    from backend.models import EnterpriseClassification

    ent = world["enterprises"]["ent"]
    point = _point(world["users"]["manager"], ent, "锅炉房", 7)  # D = 126: 一般
    session.commit()
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get("/portal/risks"))
    assert f'action="/portal/risks/points/{point.id}"' in page
    token = csrf_from(client, "/portal/risks")
    form = {
        "csrf_token": token,
        "kind": "place",
        "name": "锅炉房（改）",
        "hazard_types": ["fire", "boiler_explosion"],
        "method": "lec",
        "lec_l": "10",
        "lec_e": "6",
        "lec_c": "7",
        "control_measures": "动火作业审批",
        "control_level": "workshop",
        "responsible_person": "赵六",
    }
    assert client.post(f"/portal/risks/points/{point.id}", data=form).status_code == 302
    session.expire_all()
    assert (point.name, point.score, point.level) == ("锅炉房（改）", 420, "major")
    row = session.get(EnterpriseClassification, ent.id)
    assert row.factors["major_risk_points"] == 1

    bad = client.post(f"/portal/risks/points/{point.id}", data={**form, "lec_l": "4"})
    assert bad.status_code == 422 and "L（事故发生的可能性）" in text(bad)

    client.post("/portal/logout", data={"csrf_token": token})
    log_in(client, "portal", world["users"]["other_manager"])
    token = csrf_from(client, "/portal/risks")
    stranger = client.post(f"/portal/risks/points/{point.id}", data={**form, "csrf_token": token})
    assert stranger.status_code == 404
