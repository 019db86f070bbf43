"""Seed 004 item 17: "每年（重点单位每半年）至少组织一次综合应急预案演练或者专项应急预案演练，每半年
至少组织一次现场处置方案演练" — at each boundary of the year and the half-year, for an ordinary
and a key unit (重点: its class under 分级分类, local policy)."""

from datetime import UTC, date, datetime

import pytest

from backend.emergency.services import requirement_state

LONG_AGO = date(2020, 1, 1)


@pytest.mark.parametrize(
    ("last", "today", "state"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), "done"),
        (date(2025, 12, 31), date(2026, 12, 31), "due"),  # the year still runs
        (date(2025, 12, 31), date(2027, 1, 1), "overdue"),  # 2026 passed without one
        (date(2025, 1, 1), date(2026, 1, 1), "due"),
        (date(2024, 12, 31), date(2026, 1, 1), "overdue"),
        (None, date(2026, 6, 1), "overdue"),
    ],
)
def test_a_comprehensive_or_special_drill_every_calendar_year(last, today, state):
    assert requirement_state(last, today, 12, LONG_AGO)["state"] == state


@pytest.mark.parametrize(
    ("last", "today", "state"),
    [
        (date(2026, 1, 1), date(2026, 6, 30), "done"),
        (date(2026, 6, 30), date(2026, 7, 1), "due"),
        (date(2026, 1, 1), date(2026, 12, 31), "due"),
        (date(2025, 12, 31), date(2026, 7, 1), "overdue"),  # January–June passed without one
        (date(2026, 6, 30), date(2027, 1, 1), "overdue"),
        (date(2026, 7, 1), date(2027, 6, 30), "due"),
    ],
)
def test_every_half_year(last, today, state):
    assert requirement_state(last, today, 6, LONG_AGO)["state"] == state


def test_an_enterprise_new_to_the_system_is_given_the_current_period():
    assert requirement_state(None, date(2026, 7, 1), 6, date(2026, 7, 1))["state"] == "due"
    assert requirement_state(None, date(2026, 7, 1), 6, date(2026, 6, 30))["state"] == "overdue"


def test_the_overdue_state_names_the_missed_period():
    state = requirement_state(date(2025, 12, 31), date(2026, 7, 1), 6, LONG_AGO)
    assert (state["missed_period_start"], state["period_start"]) == (
        date(2026, 1, 1),
        date(2026, 7, 1),
    )


@pytest.fixture
def ent(session, world):
    enterprise = world["enterprises"]["ent"]
    enterprise.created_at = datetime(2020, 1, 1, tzinfo=UTC)
    session.commit()
    return enterprise


def _drill(world, enterprise, drill_type, held_on):
    from backend.emergency.services import record_drill

    return record_drill(
        world["users"]["manager"],
        enterprise_id=enterprise.id,
        drill_type=drill_type,
        held_on=held_on,
        participants_count=12,
        now=datetime(2030, 1, 1, tzinfo=UTC),
    )


def _states(enterprise, today):
    from backend.emergency.services import drill_statuses

    status = drill_statuses([enterprise], today)[enterprise.id]
    return status["key_unit"], {r["code"]: r["state"] for r in status["requirements"]}


def test_either_a_comprehensive_or_a_special_drill_counts(session, world, ent):
    _drill(world, ent, "special", date(2026, 3, 1))
    _drill(world, ent, "on_site", date(2026, 3, 1))
    assert _states(ent, date(2026, 6, 30)) == (
        False,
        {"comprehensive_or_special": "done", "on_site": "done"},
    )
    # The second half of the year: on-site is due again, the yearly one is not.
    assert _states(ent, date(2026, 7, 1))[1] == {
        "comprehensive_or_special": "done",
        "on_site": "due",
    }
    assert _states(ent, date(2027, 1, 1))[1] == {
        "comprehensive_or_special": "due",
        "on_site": "overdue",
    }


def test_a_key_unit_drills_every_half_year(session, world, ent):
    from backend.models import EnterpriseClassification

    session.add(
        EnterpriseClassification(
            enterprise_id=ent.id, computed_class="key", effective_class="key", factors={}
        )
    )
    _drill(world, ent, "comprehensive", date(2026, 3, 1))
    assert _states(ent, date(2026, 7, 1)) == (
        True,
        {"comprehensive_or_special": "due", "on_site": "overdue"},
    )
    assert _states(ent, date(2027, 1, 1))[1]["comprehensive_or_special"] == "overdue"


def test_which_classes_are_key_units_is_configurable(app, session, world, ent, monkeypatch):
    from backend.models import EnterpriseClassification

    session.add(
        EnterpriseClassification(
            enterprise_id=ent.id,
            computed_class="elevated",
            effective_class="elevated",
            factors={},
        )
    )
    assert _states(ent, date(2026, 7, 1))[0] is False
    monkeypatch.setitem(app.config, "EMERGENCY_KEY_UNIT_CLASSES", "key,elevated")
    assert _states(ent, date(2026, 7, 1))[0] is True
