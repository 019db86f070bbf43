"""The enterprise keeps its registers in the portal (/portal/registers): people, certificates,
training, emergency plans and drills, through the training and emergency services; its viewer
reads them; a bad field is named in Chinese; another enterprise's records stay out of reach."""

from sqlalchemy import select

from tests.backend.web.test_pages import csrf_from, log_in, text

PAGE = "/portal/registers"


def test_the_manager_keeps_the_registers(client, session, world):
    from backend.models import Certificate, Drill, EmergencyPlan, Person, TrainingSession

    log_in(client, "portal", world["users"]["manager"])
    token = csrf_from(client, PAGE)
    posted = client.post(
        f"{PAGE}/people",
        data={"csrf_token": token, "name": "张电工", "role": "special_operator"},
    )
    assert posted.status_code == 302
    person = session.scalar(select(Person).where(Person.name == "张电工"))
    certificate = {
        "csrf_token": token,
        "person_id": person.id,
        "cert_type": "special_operation",
        "number": "T330100",
        "issuer": "市应急管理局",
        "issued_on": "2024-05-01",
        "valid_until": "2030-05-01",
    }
    missing = client.post(f"{PAGE}/certificates", data=certificate)
    assert missing.status_code == 422 and "作业类别" in text(missing)
    assert (
        client.post(
            f"{PAGE}/certificates", data={**certificate, "operation_category": "electrical"}
        ).status_code
        == 302
    )
    bad_date = client.post(
        f"{PAGE}/certificates",
        data={**certificate, "operation_category": "electrical", "issued_on": "明天"},
    )
    assert bad_date.status_code == 422 and "发证日期" in text(bad_date)
    training = client.post(
        f"{PAGE}/trainings",
        data={
            "csrf_token": token,
            "held_at": "2026-03-02T09:00",
            "content": "用电安全培训",
            "hours": "4",
            "participant": [person.id],
            f"assessment-{person.id}": "passed",
        },
    )
    assert training.status_code == 302
    plan = client.post(
        f"{PAGE}/plans",
        data={
            "csrf_token": token,
            "kind": "on_site",
            "title": "触电事故现场处置方案",
            "filing_status": "filed",
            "filed_with": "",
        },
    )
    assert plan.status_code == 422 and "备案部门" in text(plan)
    client.post(
        f"{PAGE}/plans",
        data={"csrf_token": token, "kind": "on_site", "title": "触电事故现场处置方案"},
    )
    plan_id = session.scalar(select(EmergencyPlan.id))
    drill = client.post(
        f"{PAGE}/drills",
        data={
            "csrf_token": token,
            "drill_type": "on_site",
            "held_on": "2026-03-05",
            "plan_id": plan_id,
            "participants_count": "9",
            "evaluation": "处置流程熟练",
        },
    )
    assert drill.status_code == 302
    page = text(client.get(PAGE))
    assert "T330100" in page and "电工作业" in page and "持证上岗率 1/1" in page
    assert "用电安全培训" in page and "张电工（合格）" in page
    assert "触电事故现场处置方案" in page and "处置流程熟练" in page
    assert "每半年至少组织一次现场处置方案演练" in page
    assert session.scalar(select(Certificate.number)) == "T330100"
    held_at = session.scalar(select(TrainingSession.held_at))
    assert held_at.isoformat() == "2026-03-02T01:00:00+00:00"  # read as Beijing time
    assert session.scalar(select(Drill.participants_count)) == 9


def test_a_viewer_reads_but_does_not_keep(client, session, world):
    from backend.training.services import add_person

    person = add_person(
        world["users"]["manager"],
        enterprise_id=world["enterprises"]["ent"].id,
        name="李主任",
        role="safety_manager",
    )
    session.commit()
    log_in(client, "portal", world["users"]["viewer"])
    page = text(client.get(PAGE))
    assert "李主任" in page and 'id="add-person"' not in page
    token = csrf_from(client, PAGE)
    refused = client.post(
        f"{PAGE}/people", data={"csrf_token": token, "name": "x", "role": "other"}
    )
    assert refused.status_code == 403
    left = client.post(f"{PAGE}/people/{person.id}/leave", data={"csrf_token": token})
    assert left.status_code == 403


def test_another_enterprise_sees_none_of_it(client, session, world):
    from backend.training.services import add_person

    person = add_person(
        world["users"]["manager"],
        enterprise_id=world["enterprises"]["ent"].id,
        name="李主任",
        role="safety_manager",
    )
    session.commit()
    log_in(client, "portal", world["users"]["manager2"])
    assert "李主任" not in text(client.get(PAGE))
    token = csrf_from(client, PAGE)
    assert (
        client.post(f"{PAGE}/people/{person.id}/leave", data={"csrf_token": token}).status_code
        == 404
    )


def test_the_manager_edits_a_drill_like_patch(client, session, world):
    from datetime import date

    from backend.emergency.services import record_drill
    from backend.models import Drill

    drill = record_drill(
        world["users"]["manager"],
        enterprise_id=world["enterprises"]["ent"].id,
        drill_type="on_site",
        held_on=date(2026, 3, 5),
        participants_count=9,
    )
    session.commit()
    log_in(client, "portal", world["users"]["manager"])
    assert f'action="{PAGE}/drills/{drill.id}"' in text(client.get(PAGE))
    token = csrf_from(client, PAGE)
    form = {
        "csrf_token": token,
        "drill_type": "special",
        "held_on": "2026-03-06",
        "plan_id": "",
        "participants_count": "12",
        "evaluation": "疏散有序",
        "improvements": "",
    }
    assert client.post(f"{PAGE}/drills/{drill.id}", data=form).status_code == 302
    session.expire_all()
    changed = session.get(Drill, drill.id)
    assert (changed.drill_type, changed.held_on, changed.participants_count) == (
        "special",
        date(2026, 3, 6),
        12,
    )
    assert changed.evaluation == "疏散有序"
    bad = client.post(f"{PAGE}/drills/{drill.id}", data={**form, "participants_count": "x"})
    assert bad.status_code == 422

    client.post("/portal/logout", data={"csrf_token": token})
    log_in(client, "portal", world["users"]["viewer"])
    token = csrf_from(client, PAGE)
    refused = client.post(f"{PAGE}/drills/{drill.id}", data={**form, "csrf_token": token})
    assert refused.status_code == 403


def test_the_manager_corrects_a_training_and_enters_the_results(client, session, world):
    from datetime import UTC, datetime

    from backend.models import TrainingSession
    from backend.training.services import add_person, record_training

    manager = world["users"]["manager"]
    ent = world["enterprises"]["ent"]
    first = add_person(manager, enterprise_id=ent.id, name="王电工", role="special_operator")
    second = add_person(manager, enterprise_id=ent.id, name="李焊工", role="special_operator")
    held = record_training(
        manager,
        enterprise_id=ent.id,
        held_at=datetime(2026, 3, 2, 1, tzinfo=UTC),
        content="用电安全",
        hours=4,
        participants=[{"person_id": first.id}],
    )
    session.commit()
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get(PAGE))
    assert f'action="{PAGE}/trainings/{held.id}"' in page
    assert 'value="2026-03-02T09:00"' in page  # shown in Beijing time
    token = csrf_from(client, PAGE)
    form = {
        "csrf_token": token,
        "held_at": "2026-03-02T09:00",
        "content": "用电安全再培训",
        "hours": "6",
        "participant": [first.id, second.id],
        f"assessment-{first.id}": "passed",
        f"assessment-{second.id}": "failed",
    }
    assert client.post(f"{PAGE}/trainings/{held.id}", data=form).status_code == 302
    session.expire_all()
    changed = session.get(TrainingSession, held.id)
    assert (changed.content, changed.hours) == ("用电安全再培训", 6.0)
    assert {(p.person_id, p.assessment) for p in changed.participants} == {
        (first.id, "passed"),
        (second.id, "failed"),
    }
    nobody = client.post(f"{PAGE}/trainings/{held.id}", data={**form, "participant": []})
    assert nobody.status_code == 422 and "参加人员" in text(nobody)

    client.post("/portal/logout", data={"csrf_token": token})
    log_in(client, "portal", world["users"]["other_manager"])
    token = csrf_from(client, PAGE)
    outside = client.post(f"{PAGE}/trainings/{held.id}/delete", data={"csrf_token": token})
    assert outside.status_code == 404
    client.post("/portal/logout", data={"csrf_token": token})
    log_in(client, "portal", world["users"]["manager"])
    token = csrf_from(client, PAGE)
    gone = client.post(f"{PAGE}/trainings/{held.id}/delete", data={"csrf_token": token})
    assert gone.status_code == 302
    session.expire_all()
    assert session.get(TrainingSession, held.id) is None
