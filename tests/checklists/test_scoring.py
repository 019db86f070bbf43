"""Scoring results against a checklist, eligibility statements of a standardisation
assessment (seed 003), and hazard grades."""

import pytest

from checklists import (
    applicable_sections,
    eligibility_for,
    hazard_grade_for,
    parse_checklist,
    score,
    shipped_checklists,
)
from checklists.loader import SAMPLES_DIR, load_checklist
from tests.checklists.helpers import ASSESSMENT, SEED_003_ELIGIBILITY


@pytest.fixture
def weighted(make_checklist):
    """A checklist whose items A1, A2, A3 weigh the given amounts."""

    def make(*weights, assessment=True):
        items = [
            {"code": f"A{n}", "text": f"项{n}", "guidance": "查", "weight": w}
            for n, w in enumerate(weights, start=1)
        ]
        overrides = {
            "sections": [
                {
                    "code": "S1",
                    "title": "部分",
                    "legal_basis": {"title": "t", "clause": "测试法#1"},
                    "items": items,
                }
            ]
        }
        if assessment:
            overrides.update(ASSESSMENT)
        return make_checklist(**overrides)

    return make


def test_na_items_leave_the_base(weighted):
    result = score(weighted(1, 1, 2), {"A1": "pass", "A2": "fail", "A3": "na"})
    assert result.score == 50.0
    assert result.passed_weight == 1 and result.base_weight == 2
    assert result.failed_items == ("A2",)
    assert result.answered == 3 and result.unanswered == ()
    assert result.complete
    assert result.eligibility == ()  # 50 is below every floor


def test_na_changes_the_score_compared_with_a_pass(weighted):
    checklist = weighted(1, 1, 2)
    assert score(checklist, {"A1": "pass", "A2": "fail", "A3": "pass"}).score == 75.0


def test_all_na_has_no_score_and_no_eligibility(weighted):
    result = score(weighted(1, 1, 2), {"A1": "na", "A2": "na", "A3": "na"})
    assert result.score is None and result.eligibility == ()
    assert result.base_weight == 0 and result.answered == 3


def test_unanswered_items_stay_out_of_the_base_but_are_reported(weighted):
    result = score(weighted(1, 1, 2), {"A1": "pass", "A2": "fail"})
    assert result.score == 50.0
    assert result.base_weight == 2
    assert result.unanswered == ("A3",)
    assert result.answered == 2 and not result.complete


def test_nothing_answered(weighted):
    result = score(weighted(1, 1), {})
    assert result.score is None
    assert result.unanswered == ("A1", "A2")


QUALIFIED, BENCHMARK = "qualified_eligible", "benchmark_eligible"
GRADE2, GRADE1 = "grade2_application_eligible", "grade1_application_eligible"


def _codes(result_or_bands):
    bands = getattr(result_or_bands, "eligibility", result_or_bands)
    return [band.code for band in bands]


@pytest.mark.parametrize(
    ("passed", "failed", "expected_score", "without_certificate", "with_grade2"),
    [
        (599, 401, 59.9, [], []),
        (600, 400, 60.0, [QUALIFIED], [QUALIFIED]),
        (749, 251, 74.9, [QUALIFIED], [QUALIFIED]),
        (750, 250, 75.0, [QUALIFIED, BENCHMARK, GRADE2], [QUALIFIED, BENCHMARK]),
        (899, 101, 89.9, [QUALIFIED, BENCHMARK, GRADE2], [QUALIFIED, BENCHMARK]),
        (900, 100, 90.0, [QUALIFIED, BENCHMARK, GRADE2, GRADE1], [QUALIFIED, BENCHMARK]),
    ],
)
def test_seed_003_floors_and_the_certificate_condition(
    weighted, passed, failed, expected_score, without_certificate, with_grade2
):
    """三(三): 达标 ≥ 60, 标杆 ≥ 75; 四(四): without an 一级/二级 certificate, ≥ 90 may newly
    apply for 一级 and ≥ 75 for 二级."""
    checklist, results = weighted(passed, failed), {"A1": "pass", "A2": "fail"}
    result = score(checklist, results, standardisation_grade="none")
    assert result.score == expected_score
    assert _codes(result) == without_certificate
    assert _codes(score(checklist, results, standardisation_grade="grade3")) == without_certificate
    assert _codes(score(checklist, results, standardisation_grade="grade2")) == with_grade2
    assert _codes(score(checklist, results, standardisation_grade="grade1")) == with_grade2


def test_an_unknown_grade_never_meets_the_certificate_condition(weighted):
    assert _codes(eligibility_for(weighted(1), 95)) == [QUALIFIED, BENCHMARK]
    assert _codes(eligibility_for(weighted(1), None, "none")) == []


def test_an_inspection_checklist_is_scored_and_never_labelled(weighted, make_doc):
    result = score(weighted(1, 1, assessment=False), {"A1": "pass", "A2": "pass"})
    assert result.score == 100.0 and result.eligibility == ()
    # Content published with bands before (duty31, 五落实 2024.1) reads, and still gives none.
    legacy = parse_checklist(make_doc(grade_bands=SEED_003_ELIGIBILITY), published=True)
    assert eligibility_for(legacy, 100.0, "none") == ()


def test_the_shipped_inspection_checklists_carry_no_bands():
    checklists = {c.code: c for c in shipped_checklists()}
    assert all(c.kind == "inspection" and not c.grade_bands for c in checklists.values())
    # 5 of 6 五落实 items passed used to read 「标杆」.
    wuluoshi = checklists["wuluoshi"]
    results = {item.code: "pass" for item in wuluoshi.items} | {"W06": "fail"}
    result = score(wuluoshi, results, standardisation_grade="none")
    assert result.score == 83.3 and result.eligibility == ()


def test_the_sample_outline_is_marked_and_has_the_seed_statements():
    sample = load_checklist(SAMPLES_DIR / "standardisation_outline_sample.yaml")
    assert sample.kind == "standardisation_assessment"
    assert "示例" in sample.title and "非官方" in sample.title
    assert sample.coverage == "partial" and "示例" in sample.coverage_note
    assert [(b.min_score, b.code, b.unless_grades) for b in sample.grade_bands] == [
        (60, QUALIFIED, ()),
        (75, BENCHMARK, ()),
        (75, GRADE2, ("grade1", "grade2")),
        (90, GRADE1, ("grade1", "grade2")),
    ]
    assert "须经评审" in sample.grade_bands[0].label
    assert all(text.startswith("示例") for text in (i.text for i in sample.items))
    assert sample.code not in {c.code for c in shipped_checklists()}  # never published


def test_score_rounds_half_up_to_one_decimal(weighted):
    assert score(weighted(1, 1, 1), {"A1": "pass", "A2": "fail", "A3": "fail"}).score == 33.3
    assert score(weighted(1, 1, 1), {"A1": "pass", "A2": "pass", "A3": "fail"}).score == 66.7
    # 1/16 = 6.25 exactly: half-up gives 6.3 (Python's round() would give 6.2)
    assert score(weighted(1, 15), {"A1": "pass", "A2": "fail"}).score == 6.3


def test_eligibility_follows_the_rounded_score(weighted):
    # 59.96 rounds to 60.0, and the statements agree with the score shown
    result = score(weighted(5996, 4004), {"A1": "pass", "A2": "fail"}, standardisation_grade="none")
    assert result.score == 60.0 and _codes(result) == [QUALIFIED]


def test_unknown_items_and_results_are_rejected(weighted):
    checklist = weighted(1, 1)
    with pytest.raises(ValueError, match="no items"):
        score(checklist, {"A9": "pass"})
    with pytest.raises(ValueError, match="invalid for items"):
        score(checklist, {"A1": "ok"})


def test_scoring_limited_to_the_applicable_sections():
    trade = next(c for c in shipped_checklists() if c.code == "major_hazard_industry_trade")
    sections = applicable_sections(trade, "industry_trade.building_materials", "above_scale")
    results = {"G3.1": "pass", "G3.2": "pass", **{f"G6.{n}": "pass" for n in range(1, 9)}}
    results["G6.8"] = "fail"

    whole = score(trade, results)
    scoped = score(trade, results, sections=sections)

    assert "G11.1" in whole.unanswered and "G3.3" in whole.unanswered
    assert scoped.unanswered == ("G6.art14",)
    assert scoped.failed_items == ("G6.8",)
    assert scoped.base_weight == 10


def test_hazard_grade_follows_the_item():
    checklists = {c.code: c for c in shipped_checklists()}
    duty = checklists["duty31"]
    chemicals = checklists["major_hazard_chemicals"]
    assert hazard_grade_for(duty, duty.item("D21")) == "general"
    assert hazard_grade_for(duty, "D01") == "general"
    assert hazard_grade_for(chemicals, "C12") == "major"
    assert hazard_grade_for(checklists["major_hazard_industry_trade"], "G6.art14") == "major"
    with pytest.raises(KeyError):
        hazard_grade_for(duty, "C12")


def test_item_level_major_overrides_the_checklist_default(make_doc):
    doc = make_doc(major_if_failed=True)
    doc["sections"][0]["items"][1]["major_if_failed"] = False
    checklist = parse_checklist(doc)
    assert [hazard_grade_for(checklist, i) for i in ("A1", "A2", "A3")] == [
        "major",
        "general",
        "major",
    ]
