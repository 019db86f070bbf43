"""The enforcement tests' helpers, over the hazard world (district D「D区」→ street S → grid G
holds `ent`; street S2 holds `ent2`; district X holds `far`)."""

from datetime import date

import pytest

from tests.backend.fixtures.credit import finish_inspection

OFFICIALS = ["王执法", "赵执法"]


@pytest.fixture
def failed_inspection(session, world):
    """A finished supervision inspection of `ent` by the inspector, two items failed."""
    return finish_inspection(
        world["users"]["inspector"], world["enterprises"]["ent"], session, fail_major=2
    )


@pytest.fixture
def make_order(session, world, failed_inspection):
    from backend.enforcement.services import issue_order

    def make(user=None, inspection=None):
        order = issue_order(
            user or world["users"]["inspector"],
            (inspection or failed_inspection).id,
            official_names=OFFICIALS,
        )
        session.commit()
        return order

    return make


@pytest.fixture
def make_decision(session, world):
    from backend.enforcement.services import record_decision

    def make(enterprise="ent", user="supervisor", decided_on=None, **fields):
        values = {
            "facts": "未按规定对重大危险源进行监测监控",
            "legal_basis": "《中华人民共和国安全生产法》第一百零一条第三项",
            "penalty_types": ["warning", "fine"],
            "amount_yuan": "20000.00",
            "official_names": OFFICIALS,
        }
        values.update(fields)
        decision = record_decision(
            world["users"][user],
            enterprise_id=world["enterprises"][enterprise].id,
            decided_on=decided_on or date(2026, 3, 2),
            **values,
        )
        session.commit()
        return decision

    return make
