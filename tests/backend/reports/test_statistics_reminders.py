"""Reminders before the 16号令 statistics are due: those not yet submitted, REPORT_REMINDER_DAYS
before the due date, once per enterprise, period and recipient."""

from datetime import UTC, datetime

from sqlalchemy import select

from backend.jobs.registry import JOBS
from backend.jobs.reports import statistics_reminders
from backend.models import Notification, Report
from backend.reports import services as reports


def _reminders(session, enterprise):
    return session.scalars(
        select(Notification).where(
            Notification.kind == "report_due",
            Notification.payload["enterprise_id"].as_integer() == enterprise.id,
        )
    ).all()


def test_reminded_once_before_the_due_date_unless_submitted(app, session, reports_world):
    w = reports_world
    assert "statistics_reminders" in JOBS
    # 2026-Q1 is due on 15 April; seven days before is 8 April (Shanghai).
    statistics_reminders(datetime(2026, 4, 7, 2, tzinfo=UTC))
    assert _reminders(session, w["chem"]) == []

    statistics_reminders(datetime(2026, 4, 8, 2, tzinfo=UTC))
    statistics_reminders(datetime(2026, 4, 9, 2, tzinfo=UTC))
    session.commit()
    reminded = _reminders(session, w["chem"])
    assert sorted(n.recipient_id for n in reminded) == sorted([w["principal"].id, w["manager"].id])
    assert reminded[0].payload["period"] == "2026-Q1"
    assert reminded[0].payload["due_on"] == "2026-04-15"


def test_an_enterprise_that_submitted_is_not_reminded(app, session, reports_world):
    w = reports_world
    report = reports.generate_draft(w["principal"], kind="hazard_statistics", period="2026-Q1")
    reports.submit(w["principal"], report)
    session.commit()
    assert session.get(Report, report.id).state == "submitted"
    statistics_reminders(datetime(2026, 4, 10, 2, tzinfo=UTC))
    assert _reminders(session, w["chem"]) == []


def test_the_days_before_are_configurable(app, session, reports_world):
    w = reports_world
    app.config["REPORT_REMINDER_DAYS"] = 2
    try:
        statistics_reminders(datetime(2026, 4, 10, 2, tzinfo=UTC))
        assert _reminders(session, w["chem"]) == []
        statistics_reminders(datetime(2026, 4, 13, 2, tzinfo=UTC))
        assert len(_reminders(session, w["chem"])) == 2
    finally:
        app.config["REPORT_REMINDER_DAYS"] = 7
