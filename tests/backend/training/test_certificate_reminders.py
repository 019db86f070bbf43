"""Reminders before a certificate expires (CERTIFICATE_REMINDER_DAYS, local policy: 30 and 7):
to the enterprise's safety managers only, once per threshold, again for a renewed certificate."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

VALID_UNTIL = date(2026, 9, 30)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def certificate(session, world):
    from backend.training import services

    manager = world["users"]["manager"]
    person = services.add_person(
        manager, enterprise_id=world["enterprises"]["ent"].id, name="王五", role="special_operator"
    )
    made = services.add_certificate(
        manager,
        person_id=person.id,
        cert_type="special_operation",
        operation_category="electrical",
        number="T0001",
        issuer="市应急管理局",
        issued_on=date(2020, 9, 30),
        valid_until=VALID_UNTIL,
    )
    session.commit()
    return made


def _reminders(session):
    from backend.models import Notification

    return session.scalars(
        select(Notification)
        .where(Notification.kind == "certificate_expiring")
        .order_by(Notification.id)
    ).all()


def _run(day: date) -> dict:
    from backend.jobs.registers import certificate_reminders

    return certificate_reminders(_at(day))


def test_thirty_days_before_the_managers_are_reminded_once(session, world, certificate):
    assert _run(VALID_UNTIL - timedelta(days=31)) == {"notified": 0}
    assert _run(VALID_UNTIL - timedelta(days=30)) == {"notified": 1}
    assert _run(VALID_UNTIL - timedelta(days=29)) == {"notified": 0}
    (notification,) = _reminders(session)
    assert notification.recipient_id == world["users"]["manager"].id  # not the viewer
    assert notification.payload["days_left"] == 30
    assert (
        "王五" in notification.payload["message"]
        and "2026-09-30" in notification.payload["message"]
    )


def test_seven_days_before_a_second_reminder(session, world, certificate):
    _run(VALID_UNTIL - timedelta(days=30))
    assert _run(VALID_UNTIL - timedelta(days=7)) == {"notified": 1}
    assert _run(VALID_UNTIL - timedelta(days=1)) == {"notified": 0}
    assert [n.payload["days_left"] for n in _reminders(session)] == [30, 7]


def test_a_job_that_did_not_run_for_a_while_sends_only_the_closest_reminder(
    session, world, certificate
):
    assert _run(VALID_UNTIL - timedelta(days=5)) == {"notified": 1}
    assert _run(VALID_UNTIL - timedelta(days=4)) == {"notified": 0}
    assert len(_reminders(session)) == 1


def test_an_expired_or_renewed_certificate(session, world, certificate):
    from backend.training.services import update_certificate

    assert _run(VALID_UNTIL + timedelta(days=1)) == {"notified": 0}
    _run(VALID_UNTIL - timedelta(days=30))
    update_certificate(
        world["users"]["manager"], certificate.id, {"valid_until": date(2027, 9, 30)}
    )
    assert _run(date(2027, 8, 31)) == {"notified": 1}


def test_the_reminder_days_are_configurable(app, session, world, certificate, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_REMINDER_DAYS", "60")
    assert _run(VALID_UNTIL - timedelta(days=60)) == {"notified": 1}
    assert _run(VALID_UNTIL - timedelta(days=7)) == {"notified": 0}


def test_the_job_is_registered(app, session, world, certificate):
    from backend.jobs.registry import JOBS

    assert "certificate_reminders" in JOBS and "drill_reminders" in JOBS
