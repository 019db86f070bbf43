"""Which checklists, sections and items apply to an enterprise.

Decision under test: section and item applicability select the part of a checklist that an
inspection covers (`applicable_sections`); they never produce a different checklist version.
`applicable` returns the whole, unchanged checklist.
"""

import pytest

from checklists import (
    applicable,
    applicable_sections,
    load_checklist,
    parse_checklist,
    shipped_checklists,
)


def codes(checklists):
    return {checklist.code for checklist in checklists}


def trade_sections(industry, risk_features=()):
    trade = next(c for c in shipped_checklists() if c.code == "major_hazard_industry_trade")
    sections = applicable_sections(trade, industry, "above_scale", risk_features=risk_features)
    return {section.code: [item.code for item in section.items] for section in sections}


def test_a_chemical_enterprise_gets_duty31_wuluoshi_and_the_chemical_standard():
    result = applicable(shipped_checklists(), "hazardous_chemicals", "above_scale")
    assert codes(result) == {"duty31", "wuluoshi", "major_hazard_chemicals"}


@pytest.mark.parametrize(
    ("industry", "expected"),
    [
        ("fireworks", "major_hazard_fireworks"),
        ("urban_gas", "major_hazard_urban_gas"),
        ("transportation", "major_hazard_road_transport"),
        ("industry_trade.textile", "major_hazard_industry_trade"),
    ],
)
def test_each_industry_gets_its_own_standard_only(industry, expected):
    result = applicable(shipped_checklists(), industry, "below_scale", "supervision")
    assert codes(result) == {"duty31", "wuluoshi", expected}


def test_an_enterprise_outside_the_key_industries_gets_the_general_checklists():
    assert codes(applicable(shipped_checklists(), "other", None)) == {"duty31", "wuluoshi"}


def test_a_building_materials_enterprise_gets_the_general_and_building_sections():
    result = applicable(shipped_checklists(), "industry_trade.building_materials", "above_scale")
    assert "major_hazard_industry_trade" in codes(result)
    sections = trade_sections("industry_trade.building_materials")
    assert list(sections) == ["G3", "G6"]
    assert sections["G3"] == ["G3.1", "G3.2"]
    assert sections["G6"] == [f"G6.{n}" for n in range(1, 9)] + ["G6.art14"]


def test_dust_sections_only_with_the_dust_explosion_feature():
    assert "G11" not in trade_sections("industry_trade.textile")
    with_dust = trade_sections("industry_trade.textile", ["dust_explosion"])
    assert list(with_dust) == ["G3", "G11"]
    assert with_dust["G11"][-1] == "G11.art14"


def test_the_smelting_item_needs_the_metal_smelting_feature():
    assert trade_sections("industry_trade.metallurgy")["G3"] == ["G3.1", "G3.2"]
    smelter = trade_sections("industry_trade.metallurgy", ["metal_smelting"])
    assert smelter["G3"] == ["G3.1", "G3.2", "G3.3"]
    assert list(smelter) == ["G3", "G4"]


def test_applicable_returns_the_whole_checklist_with_its_version():
    trade = next(c for c in shipped_checklists() if c.code == "major_hazard_industry_trade")
    (returned,) = [
        c
        for c in applicable(shipped_checklists(), "industry_trade.machinery", None)
        if c.code == trade.code
    ]
    assert returned is trade
    assert len(returned.sections) == 5
    part = applicable_sections(returned, "industry_trade.machinery", None)
    assert [s.code for s in part] == ["G3", "G7"]
    assert returned.version_id == trade.version_id


def test_the_parent_industry_code_does_not_get_sub_industry_sections():
    assert list(trade_sections("industry_trade")) == ["G3"]


def test_kind_and_scale_filters(make_checklist):
    supervision_only = make_checklist(
        applicability={"industries": ["fireworks"], "kinds": ["supervision"]}
    )
    large_only = make_checklist(code="large", applicability={"scales": ["above_scale"]})
    checklists = [supervision_only, large_only]

    assert codes(applicable(checklists, "fireworks", "above_scale", "supervision")) == {
        "demo",
        "large",
    }
    assert codes(applicable(checklists, "fireworks", "above_scale", "self_inspection")) == {"large"}
    assert codes(applicable(checklists, "fireworks", "below_scale")) == {"demo"}
    assert codes(applicable(checklists, "urban_gas", None)) == {"large"}  # unknown scale


def test_a_checklist_whose_every_section_is_filtered_out_does_not_apply(make_doc):
    doc = make_doc()
    doc["sections"][0]["applicability"] = {"risk_features": ["confined_space"]}
    checklist = parse_checklist(doc)
    assert applicable([checklist], "other", None) == []
    assert applicable([checklist], "other", None, risk_features=["confined_space"]) == [checklist]


def test_a_new_standard_is_only_a_new_yaml_file(make_doc, write_doc, tmp_path):
    mining = make_doc(
        code="non_coal_mining_major", applicability={"industries": ["non_coal_mining"]}
    )
    checklists = [*shipped_checklists(), load_checklist(write_doc(mining, "mining.yaml"))]
    assert "non_coal_mining_major" in codes(applicable(checklists, "non_coal_mining", None))
    assert "non_coal_mining_major" not in codes(applicable(checklists, "fireworks", None))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("chemicals", None), "industry"),
        (("fireworks", "big"), "scale"),
        (("fireworks", None, "audit"), "kind"),
        (("fireworks", None, None, ["lasers"]), "risk feature"),
    ],
)
def test_unknown_codes_are_rejected(args, message):
    with pytest.raises(ValueError, match=message):
        applicable(shipped_checklists(), *args)
