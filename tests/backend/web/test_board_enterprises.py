"""An enterprise on the board: the list of enterprises in scope (search, 持证上岗率 per
jurisdiction), and one enterprise's page with its class, colour, open hazards and registers
read-only (risk points, major hazards and their flags, certificates, plans and drills); another
jurisdiction's enterprise is 404; the board admits no department official."""

from datetime import date, timedelta

from backend.core.timeutil import today_in_shanghai
from backend.risks import services as risks
from backend.training import services as training
from tests.backend.web.test_pages import log_in, text


def _registers(world):
    ent = world["enterprises"]["ent"]
    manager = world["users"]["manager"]
    today = today_in_shanghai()
    risks.create_risk_point(
        manager,
        enterprise_id=ent.id,
        kind="equipment",
        name="液氯储罐",
        location="罐区",
        hazard_types=["poisoning_asphyxiation"],
        method="lec",
        lec_l=10,
        lec_e=6,
        lec_c=7,
        control_measures="泄漏报警联锁",
        control_level="company",
        responsible_person="王五",
    )
    unit = risks.declare_installation(
        manager,
        enterprise_id=ent.id,
        name="液氯储罐区",
        unit_kind="storage",
        substances=[{"substance": "chlorine", "quantity_t": 62.5}],
        exposed_people=120,
        last_evaluated_on=today - timedelta(days=40),  # 备案 was due 25 days ago
    )
    person = training.add_person(manager, enterprise_id=ent.id, name="赵六", role="principal")
    training.add_certificate(
        manager,
        person_id=person.id,
        cert_type="safety_qualification",
        number="A001",
        issuer="市应急管理局",
        issued_on=date(2020, 1, 1),
        valid_until=today + timedelta(days=10),
    )
    return unit


def test_an_official_reads_an_enterprise_and_its_registers(client, session, world, make_hazard):
    ent = world["enterprises"]["ent"]
    unit = _registers(world)
    hazard = make_hazard("rectifying", title="消防通道被占用")
    session.commit()
    assert log_in(client, "board", world["users"]["supervisor"]).status_code in (302, 303)

    board = text(client.get("/board/"))
    assert 'id="to-enterprises"' in board
    page = client.get(f"/board/enterprises/{ent.id}")
    assert page.status_code == 200
    body = text(page)
    assert "甲化工" in body
    assert 'id="class"' in body and 'id="colour"' in body
    assert f'data-hazard-id="{hazard.id}"' in body and "消防通道被占用" in body
    assert 'data-level="major"' in body and "液氯储罐" in body
    assert f'data-installation-id="{unit.id}"' in body
    assert 'data-flag="filing_overdue"' in body and "逾期未备案" in body
    assert "一级" in body  # R = 100
    assert "1/1（100.0%）" in body  # the principal holds a valid certificate
    assert "即将到期" in body
    assert 'data-requirement="on_site"' in body

    hazard_page = text(client.get(f"/board/hazards/{hazard.id}"))
    assert f'href="/board/enterprises/{ent.id}"' in hazard_page


def test_another_jurisdictions_enterprise_is_not_found(client, session, world):
    far = world["enterprises"]["far"]
    assert log_in(client, "board", world["users"]["supervisor"]).status_code in (302, 303)
    assert client.get(f"/board/enterprises/{far.id}").status_code == 404
    listed = text(client.get("/board/enterprises"))
    assert "丙企业" not in listed
    assert "甲化工" in listed and "乙机械" in listed


def test_the_list_searches_and_shows_certification_per_jurisdiction(client, session, world):
    _registers(world)
    session.commit()
    assert log_in(client, "board", world["users"]["supervisor"]).status_code in (302, 303)
    found = text(client.get("/board/enterprises?q=甲化"))
    assert "甲化工" in found and "乙机械" not in found
    d, s = world["nodes"]["d"], world["nodes"]["s"]
    assert f'data-jurisdiction-id="{d.id}"' in found and f'data-jurisdiction-id="{s.id}"' in found
    assert "1 / 1" in found  # D区 and S街道 each: the one principal, certified


def test_the_board_admits_no_enterprise_user(client, session, world):
    assert log_in(client, "board", world["users"]["manager"]).status_code == 403
