"""The reports world: the grids world's department with enterprises of both scales, one assigned
by name, their 五落实 facts and registered safety engineers, hand-counted in the tests."""

from datetime import date

import pytest

from backend.departments import services as departments
from backend.models import Certificate, Person


@pytest.fixture
def reports_world(session, grids_world, make_enterprise, make_user):
    w = dict(grids_world)
    w["chem_small"] = make_enterprise(
        w["grid"], name="东一小化工", industry="hazardous_chemicals", scale="below_scale"
    )
    w["trade_big"] = make_enterprise(w["area"], name="东一纺织", industry="industry_trade.textile")
    departments.assign_enterprise(w["admin"], w["department"], w["fireworks"].id)
    w["principal"] = make_user(
        "enterprise_principal", enterprise=w["chem"], display_name="张主要负责人"
    )
    w["manager"] = make_user("enterprise_manager", enterprise=w["chem"])
    session.commit()
    return w


@pytest.fixture
def add_engineer(session):
    """A person of the enterprise with a 注册安全工程师执业证 over the given dates."""
    counter = iter(range(1, 1000))

    def add(enterprise, issued_on, valid_until, active=True):
        number = next(counter)
        person = Person(
            id=f"rse-{enterprise.id}-{number}",
            enterprise_id=enterprise.id,
            name=f"工程师{number}",
            role="registered_safety_engineer",
            active=active,
        )
        session.add(person)
        session.flush()
        session.add(
            Certificate(
                id=f"rse-cert-{enterprise.id}-{number}",
                enterprise_id=enterprise.id,
                person_id=person.id,
                cert_type="registered_safety_engineer",
                number=f"RSE{number:06d}",
                issuer="应急管理部",
                issued_on=issued_on,
                valid_until=valid_until,
            )
        )
        session.commit()
        return person

    return add


MAY = date(2026, 5, 1)
