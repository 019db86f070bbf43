"""The shipped checklist content: valid, complete where claimed, and faithful to the sources."""

import re

import pytest

from checklists import CONTENT_DIR, load_checklist, shipped_checklists, validate_path
from tests.checklists.helpers import shared_file

SEED_004 = ("seeds", "004_57840bfd1e155050.txt")
SEED_000 = ("seeds", "000_609d30503b9052e0.txt")
REGULATIONS = ("domain", "regulations.md")

# Encoding damage in the seeds, restored in the shipped text (see the YAML comments).
SEED_REPAIRS = {"?qū)哟蚊鞔_": "层次明确", "?yè)?dān)任": "担任"}

MAJOR_HAZARD_CODES = {
    "major_hazard_chemicals",
    "major_hazard_fireworks",
    "major_hazard_industry_trade",
    "major_hazard_urban_gas",
    "major_hazard_road_transport",
}


def by_code():
    return {checklist.code: checklist for checklist in shipped_checklists()}


def repaired(text: str) -> str:
    for bad, good in SEED_REPAIRS.items():
        text = text.replace(bad, good)
    return text


def seed_duty_items() -> dict[int, str]:
    """Seed 004 section 三: item number → text without the leading 'N.'."""
    lines = shared_file(*SEED_004).read_text("utf-8").splitlines()
    body = lines[lines.index("三、治理内容") : lines.index("四、工作步骤")]
    items = {}
    for line in body:
        match = re.match(r"^(\d+)\.(.*)$", line)
        if match:
            items[int(match.group(1))] = repaired(match.group(2))
    return items


def test_every_shipped_file_validates_without_problems():
    files = sorted(CONTENT_DIR.glob("*.yaml"))
    assert len(files) == 7
    assert validate_path(CONTENT_DIR) == []
    for file in files:
        assert validate_path(file) == [], file
    assert sorted(c.code for c in shipped_checklists()) == sorted(
        load_checklist(f).code for f in files
    )


def test_shipped_checklists_are_the_expected_standards():
    assert set(by_code()) == {"duty31", "wuluoshi", *MAJOR_HAZARD_CODES}


def test_shipped_checklists_is_cached_but_returns_a_fresh_list():
    first, second = shipped_checklists(), shipped_checklists()
    assert first == second and first is not second
    assert all(a is b for a, b in zip(first, second, strict=True))


def test_duty31_has_31_items_grouped_under_the_seven_duties():
    duty = by_code()["duty31"]
    assert [len(section.items) for section in duty.sections] == [7, 5, 3, 2, 6, 5, 3]
    assert [item.code for item in duty.items] == [f"D{n:02d}" for n in range(1, 32)]
    for number, section in enumerate(duty.sections, start=1):
        for item in section.items:
            assert item.legal_basis.clause == f"安全生产法#25.{number}"
    assert all(not item.major_if_failed for item in duty.items)
    assert duty.applicability.industries == ("*",)
    assert set(duty.applicability.kinds) == {"supervision", "self_inspection"}


def test_duty31_item_text_is_the_seed_text_verbatim():
    seed = seed_duty_items()
    assert sorted(seed) == list(range(1, 32))
    duty = by_code()["duty31"]
    for number, item in enumerate(duty.items, start=1):
        assert item.text == seed[number], item.code
    assert "?" not in "".join(item.text for item in duty.items)


def test_duty31_section_titles_are_the_duties_of_article_25():
    text = shared_file(*REGULATIONS).read_text("utf-8")
    duties = re.findall(r"^（[一二三四五六七]）(.+?)[；。]$", text.split("## 2.")[0], re.M)
    assert len(duties) == 7
    assert [section.title for section in by_code()["duty31"].sections] == duties


def test_wuluoshi_rows_are_the_seed_table_verbatim():
    seed = repaired(shared_file(*SEED_000).read_text("utf-8"))
    annex = seed[seed.index("附件2“五落实五到位”工作要求") : seed.index("生产体系建设方案2")]
    wuluoshi = by_code()["wuluoshi"]
    assert [s.title for s in wuluoshi.sections] == ["五落实", "五到位"]
    assert [len(s.items) for s in wuluoshi.sections] == [5, 1]
    for item in wuluoshi.items:
        assert item.text in annex, item.code
        standard = item.guidance.removeprefix("标准内容：").split("。")[0]
        assert standard in annex, item.code
    assert "董事长或总经理担任" in wuluoshi.item("W02").text


def test_wuluoshi_is_presented_as_the_reference_list_the_seed_calls_it():
    seed = shared_file(*SEED_000).read_text("utf-8")
    assert "附件2“五落实五到位”工作要求(参照)" in seed  # S000:L42
    wuluoshi = by_code()["wuluoshi"]
    assert "参照" in wuluoshi.title and "参照" in wuluoshi.coverage_note
    assert "(参照)" in wuluoshi.source
    assert wuluoshi.kind == "inspection" and wuluoshi.grade_bands == ()


@pytest.mark.parametrize(
    ("code", "industry", "prefix"),
    [
        ("major_hazard_chemicals", "hazardous_chemicals", "化工2017-121#"),
        ("major_hazard_fireworks", "fireworks", "烟花爆竹2017-121#"),
    ],
)
def test_complete_major_hazard_standards_have_20_items_all_major(code, industry, prefix):
    checklist = by_code()[code]
    assert checklist.coverage == "complete"
    assert len(checklist.items) == 20
    assert all(item.major_if_failed for item in checklist.items)
    assert checklist.applicability.industries == (industry,)
    assert all(item.legal_basis.clause.startswith(prefix) for item in checklist.items)
    assert len({item.legal_basis.clause for item in checklist.items}) == 20


def test_every_major_hazard_item_is_major_and_cites_its_clause():
    for code in MAJOR_HAZARD_CODES:
        checklist = by_code()[code]
        assert checklist.major_if_failed
        for item in checklist.items:
            assert item.major_if_failed, item.code
            assert "#" in item.legal_basis.clause


def test_major_hazard_item_text_is_copied_from_the_regulations():
    regulations = shared_file(*REGULATIONS).read_text("utf-8")
    for code in MAJOR_HAZARD_CODES:
        for item in by_code()[code].items:
            if item.legal_basis.clause == "工贸令10#14":
                continue
            assert item.text in regulations, (code, item.code)


def test_partial_standards_say_what_is_missing():
    checklists = by_code()
    for code in ("major_hazard_industry_trade", "major_hazard_urban_gas"):
        assert checklists[code].coverage == "partial"
    assert checklists["major_hazard_road_transport"].coverage == "partial"
    for checklist in checklists.values():
        if checklist.coverage == "partial":
            assert checklist.coverage_note
    note = checklists["major_hazard_industry_trade"].coverage_note
    for missing in ("第五条", "第八条", "第九条", "第十条", "第十二条", "第十三条"):
        assert missing in note


def test_industry_trade_sections_and_the_article_14_rule():
    trade = by_code()["major_hazard_industry_trade"]
    sections = {section.code: section for section in trade.sections}
    assert list(sections) == ["G3", "G4", "G6", "G7", "G11"]
    assert [item.code for item in sections["G6"].items if item.code != "G6.art14"] == [
        f"G6.{n}" for n in range(1, 9)
    ]
    assert sections["G4"].applicability.industries == ("industry_trade.metallurgy",)
    assert sections["G6"].applicability.industries == ("industry_trade.building_materials",)
    assert sections["G7"].applicability.industries == ("industry_trade.machinery",)
    assert sections["G11"].applicability.risk_features == ("dust_explosion",)
    assert trade.item("G3.3").applicability.risk_features == ("metal_smelting",)

    (rule,) = trade.rules
    assert rule.legal_basis.clause == "工贸令10#14"
    assert "失效或者无效均判定为重大事故隐患" in rule.text
    for code in ("G4", "G6", "G7", "G11"):
        art14 = [i for i in sections[code].items if i.legal_basis.clause == "工贸令10#14"]
        assert len(art14) == 1, code
        assert art14[0].text.endswith("失效或者无效") and art14[0].major_if_failed
    assert all(i.legal_basis.clause != "工贸令10#14" for i in sections["G3"].items)


def test_every_item_has_practical_guidance_and_a_deadline():
    for checklist in shipped_checklists():
        for item in checklist.items:
            assert len(item.guidance) >= 10, item.code
            assert item.rectification_days > 0
            assert item.weight > 0
