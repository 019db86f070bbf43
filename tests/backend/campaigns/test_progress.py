"""Progress counted by hand on the campaign world (conftest) equals what the service counts."""

from datetime import date

from backend.campaigns import progress
from backend.models import CampaignTarget
from tests.backend.fixtures.campaigns import utc

EXPECTED_TOTALS = {
    "targets": 3,  # chem, trade, chem_west (fireworks: another industry; chem_away: elsewhere)
    "self_inspected": 1,  # chem; trade's came on 1 July in Shanghai, after 自查自纠
    "supervised": 2,  # chem, trade
    "hazards_found": 4,  # chem's self-inspection 1 + chem's supervision 2 + trade's 1
    "hazards_closed": 2,
    "rechecked": 1,  # chem, inspected twice
    "committed": 1,  # chem in July; chem_west's was before the campaign began
    "penalised": 1,  # trade; chem_away is no target
}


def test_totals_match_the_hand_count(campaign_world):
    assert progress.totals(campaign_world["campaign"]).as_dict() == EXPECTED_TOTALS


def test_each_phase_counts_its_own_dates(campaign_world):
    phases = {phase.name: f.as_dict() for phase, f in progress.by_phase(campaign_world["campaign"])}
    assert phases["动员部署"] == dict.fromkeys(EXPECTED_TOTALS, 0) | {"targets": 3}
    assert phases["自查自纠"] == {
        "targets": 3,
        "self_inspected": 1,
        "supervised": 0,
        "hazards_found": 1,
        "hazards_closed": 1,
        "rechecked": 0,
        "committed": 0,
        "penalised": 0,
    }
    assert phases["严格执法"] == {
        "targets": 3,
        "self_inspected": 0,
        "supervised": 2,
        "hazards_found": 3,
        "hazards_closed": 1,
        "rechecked": 1,
        "committed": 1,
        "penalised": 1,
    }


def test_cut_by_street_and_by_department(campaign_world):
    w = campaign_world
    streets = {street.name: f.as_dict() for street, f in progress.by_street(w["campaign"])}
    assert streets == {
        "东镇": EXPECTED_TOTALS | {"targets": 2},
        "西镇": {**dict.fromkeys(EXPECTED_TOTALS, 0), "targets": 1},  # chem_west
    }
    departments = {d.id: f.as_dict() for d, f in progress.by_department(w["campaign"])}
    assert departments == {w["department"].id: EXPECTED_TOTALS | {"targets": 2}}


def test_lagging_targets_once_self_inspection_has_ended(campaign_world):
    w = campaign_world
    assert progress.lagging(w["campaign"], today=date(2026, 6, 30)) == []
    lagging = progress.lagging(w["campaign"], today=date(2026, 7, 1))
    assert {e.id for e in lagging} == {w["trade"].id, w["chem_west"].id}


def test_a_self_inspection_on_the_last_evening_of_the_phase_counts(campaign_world, add_inspection):
    w = campaign_world
    add_inspection(w["chem_west"], "self_inspection", utc(2026, 6, 30, 15, 30))  # 23:30 Shanghai
    assert progress.totals(w["campaign"]).self_inspected == 2


def test_counted_in_a_fixed_number_of_statements(
    campaign_world, add_inspection, make_enterprise, count_queries, session
):
    w = campaign_world
    campaign = w["campaign"]
    assert campaign.phases  # loaded
    with count_queries() as before:
        progress.totals(campaign)
        progress.by_street(campaign)
    for number in range(5):
        enterprise = make_enterprise(w["grid"], name=f"新增化工{number}")
        session.add(CampaignTarget(campaign_id=campaign.id, enterprise_id=enterprise.id))
        add_inspection(enterprise, "self_inspection", utc(2026, 5, 12, 2), hazards=["closed"])
    with count_queries() as after:
        totals = progress.totals(campaign)
        progress.by_street(campaign)
    assert totals.targets == 8 and totals.self_inspected == 6
    selects = [s for s in after if s.lstrip().upper().startswith("SELECT")]
    assert len(after) == len(before) and len(selects) == 3  # totals, by street, the streets
