"""Reminders of major hazard installations to the enterprise's safety managers, once each: the
safety evaluation due (three years after the last, 暂行规定 第十一条; local policy: 60 days
before) or overdue, and 备案 late — 15 days after the evaluation report (第二十三条), or, with
no evaluation date, INSTALLATION_FILING_DAYS after 登记建档 (local policy, 30)."""

from datetime import UTC, date, datetime

from sqlalchemy import select


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _declare(world, **fields):
    from backend.risks.services import declare_installation

    return declare_installation(
        world["users"]["manager"],
        enterprise_id=world["enterprises"]["ent"].id,
        name="液氯储罐区",
        unit_kind="storage",
        substances=[{"substance": "chlorine", "quantity_t": 62.5}],
        exposed_people=120,
        **fields,
    )


def _run(day: date) -> dict:
    from backend.jobs.registers import installation_reminders

    return installation_reminders(_at(day))


def _notices(session, kind):
    from backend.models import Notification

    return session.scalars(
        select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    ).all()


def test_the_evaluation_due_and_then_overdue_is_reminded_once_each(session, world):
    _declare(
        world,
        last_evaluated_on=date(2024, 3, 15),
        filing_status="filed",
        filed_on=date(2024, 3, 20),
    )
    # Due 2027-03-15: 60 days before is 2027-01-14.
    assert _run(date(2027, 1, 13))["evaluation_due"] == 0
    assert _run(date(2027, 1, 14))["evaluation_due"] == 1
    assert _run(date(2027, 2, 1))["evaluation_due"] == 0
    (due,) = _notices(session, "installation_evaluation_due")
    assert due.recipient_id == world["users"]["manager"].id  # not the viewer
    assert due.payload["due_on"] == "2027-03-15"
    assert "安全评估" in due.payload["message"] and "第十一条" in due.payload["message"]

    assert _run(date(2027, 3, 15))["evaluation_overdue"] == 0  # due that day, not yet late
    assert _run(date(2027, 3, 16))["evaluation_overdue"] == 1
    assert _run(date(2027, 4, 1)) == {
        "evaluation_due": 0,
        "evaluation_overdue": 0,
        "filing_overdue": 0,
    }
    assert len(_notices(session, "installation_evaluation_overdue")) == 1


def test_filing_is_late_fifteen_days_after_the_evaluation(session, world):
    installation = _declare(
        world, registered_on=date(2026, 1, 5), last_evaluated_on=date(2026, 1, 10)
    )
    assert _run(date(2026, 1, 25))["filing_overdue"] == 0  # the 15th day: still in time
    assert _run(date(2026, 1, 26))["filing_overdue"] == 1
    assert _run(date(2026, 1, 27))["filing_overdue"] == 0
    (late,) = _notices(session, "installation_filing_overdue")
    assert late.payload["installation_id"] == installation.id
    assert late.payload["due_on"] == "2026-01-25"
    assert "第二十三条" in late.payload["message"]


def test_registered_only_the_filing_deadline_is_local_policy(app, session, world, monkeypatch):
    _declare(world, registered_on=date(2026, 1, 5))
    assert _run(date(2026, 2, 4))["filing_overdue"] == 0  # 30 days after 登记建档
    monkeypatch.setitem(app.config, "INSTALLATION_FILING_DAYS", 20)
    assert _run(date(2026, 2, 4))["filing_overdue"] == 1


def test_a_filed_unit_or_one_below_the_threshold_owes_nothing(session, world):
    _declare(
        world,
        registered_on=date(2020, 1, 5),
        last_evaluated_on=date(2020, 1, 10),
        filing_status="accepted",
        filed_on=date(2020, 1, 20),
        accepted_on=date(2020, 2, 1),
    )
    from backend.risks.services import declare_installation

    declare_installation(
        world["users"]["manager"],
        enterprise_id=world["enterprises"]["ent"].id,
        name="小仓库",
        unit_kind="storage",
        substances=[{"substance": "ammonia", "quantity_t": 1}],
        registered_on=date(2020, 1, 5),
        last_evaluated_on=date(2020, 1, 10),
    )
    counts = _run(date(2026, 6, 1))
    assert counts == {"evaluation_due": 0, "evaluation_overdue": 1, "filing_overdue": 0}


def test_the_job_is_registered():
    from backend.jobs.registry import JOBS

    assert "installation_reminders" in JOBS
