"""`register_summary(enterprise_id)` of each domain: what checklist items D10 and D17 show beside
them in one line, and the enterprise's scan context that carries both to the inspector."""

from datetime import UTC, date, datetime

from backend.safety_code import services as codes

TODAY = date(2026, 12, 3)


def _fill(session, world):
    from backend.emergency.services import add_plan, record_drill
    from backend.training.services import add_certificate, add_person

    manager = world["users"]["manager"]
    ent = world["enterprises"]["ent"]
    ent.created_at = datetime(2020, 1, 1, tzinfo=UTC)
    ent.employee_count = 30
    for name, role, valid_until in (
        ("甲", "principal", date(2028, 1, 1)),
        ("乙", "safety_manager", date(2026, 12, 20)),  # within 30 days
        ("丙", "special_operator", date(2026, 12, 2)),  # expired yesterday
    ):
        person = add_person(manager, enterprise_id=ent.id, name=name, role=role)
        add_certificate(
            manager,
            person_id=person.id,
            cert_type="special_operation" if role == "special_operator" else "safety_qualification",
            operation_category="electrical" if role == "special_operator" else None,
            number=f"N-{name}",
            issuer="市应急管理局",
            issued_on=date(2020, 1, 1),
            valid_until=valid_until,
        )
    add_plan(
        manager,
        enterprise_id=ent.id,
        kind="comprehensive",
        title="综合应急预案",
        filing_status="filed",
        filed_with="区应急管理局",
        filed_on=date(2026, 2, 1),
    )
    record_drill(
        manager,
        enterprise_id=ent.id,
        drill_type="comprehensive",
        held_on=date(2026, 5, 1),
        participants_count=40,
    )
    session.commit()
    return ent


def test_the_training_summary(session, world):
    from backend.training.services import register_summary

    ent = _fill(session, world)
    summary = register_summary(ent.id, TODAY)
    assert summary["certificates"] == {
        "valid": 1,
        "expiring": 1,
        "expired": 1,
        "not_yet_valid": 0,
    }
    assert (summary["certification"]["certified"], summary["certification"]["required"]) == (2, 3)
    assert summary["line"] == "证书有效1、即将到期1、已过期1；持证上岗率2/3"


def test_the_emergency_summary(session, world):
    from backend.emergency.services import register_summary

    ent = _fill(session, world)
    summary = register_summary(ent.id, TODAY)
    assert summary["plans"] == {"filed": 1, "not_filed": 0}
    assert summary["drills"] == {"comprehensive_or_special": "done", "on_site": "overdue"}
    assert summary["drill_overdue"] is True
    assert summary["line"] == (
        "预案1项（已备案1）；综合应急预案演练或者专项应急预案演练已开展、现场处置方案演练逾期未开展"
    )


def test_the_scan_context_carries_both(client, session, world):
    ent = _fill(session, world)
    token = codes.current_code(ent).token
    session.commit()
    body = client.get(f"/api/v1/scan/{token}", headers=world["headers"]["inspector"]).json
    assert body["registers"]["emergency"]["drill_overdue"] is True
    assert body["registers"]["training"]["line"].startswith("证书有效")
