"""Scoring results against a checklist, grade bands, and hazard grades."""

import pytest

from checklists import (
    applicable_sections,
    band_for,
    hazard_grade_for,
    parse_checklist,
    score,
    shipped_checklists,
)


@pytest.fixture
def weighted(make_checklist):
    """A checklist whose items A1, A2, A3 weigh the given amounts."""

    def make(*weights, bands=True):
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
        if not bands:
            overrides["grade_bands"] = []
        return make_checklist(**overrides)

    return make


def test_na_items_leave_the_base(weighted):
    result = score(weighted(1, 1, 2), {"A1": "pass", "A2": "fail", "A3": "na"})
    assert result.score == 50.0
    assert result.passed_weight == 1 and result.base_weight == 2
    assert result.failed_items == ("A2",)
    assert result.answered == 3 and result.unanswered == ()
    assert result.complete
    assert result.band.code == "unqualified"


def test_na_changes_the_score_compared_with_a_pass(weighted):
    checklist = weighted(1, 1, 2)
    assert score(checklist, {"A1": "pass", "A2": "fail", "A3": "pass"}).score == 75.0


def test_all_na_has_no_score_and_no_band(weighted):
    result = score(weighted(1, 1, 2), {"A1": "na", "A2": "na", "A3": "na"})
    assert result.score is None and result.band is None
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


@pytest.mark.parametrize(
    ("passed", "failed", "expected_score", "band"),
    [
        (599, 401, 59.9, "unqualified"),
        (600, 400, 60.0, "qualified"),
        (749, 251, 74.9, "qualified"),
        (750, 250, 75.0, "benchmark"),
        (899, 101, 89.9, "benchmark"),
        (900, 100, 90.0, "grade1_eligible"),
    ],
)
def test_changzhou_band_boundaries(weighted, passed, failed, expected_score, band):
    result = score(weighted(passed, failed), {"A1": "pass", "A2": "fail"})
    assert result.score == expected_score
    assert result.band.code == band


@pytest.mark.parametrize(
    ("result", "expected_score", "band"),
    [("pass", 100.0, "grade1_eligible"), ("fail", 0.0, "unqualified")],
)
def test_all_pass_and_all_fail(weighted, result, expected_score, band):
    outcome = score(weighted(1, 2), {"A1": result, "A2": result})
    assert outcome.score == expected_score and outcome.band.code == band


@pytest.mark.parametrize(
    ("value", "band"),
    [(0, "unqualified"), (59.9, "unqualified"), (60, "qualified"), (74.9, "qualified")]
    + [(75, "benchmark"), (89.9, "benchmark"), (90, "grade1_eligible"), (100, "grade1_eligible")],
)
def test_band_for(weighted, value, band):
    assert band_for(weighted(1), value).code == band


def test_score_rounds_half_up_to_one_decimal(weighted):
    assert score(weighted(1, 1, 1), {"A1": "pass", "A2": "fail", "A3": "fail"}).score == 33.3
    assert score(weighted(1, 1, 1), {"A1": "pass", "A2": "pass", "A3": "fail"}).score == 66.7
    # 1/16 = 6.25 exactly: half-up gives 6.3 (Python's round() would give 6.2)
    assert score(weighted(1, 15), {"A1": "pass", "A2": "fail"}).score == 6.3


def test_band_follows_the_rounded_score(weighted):
    # 59.96 rounds to 60.0, and the band agrees with the score shown
    result = score(weighted(5996, 4004), {"A1": "pass", "A2": "fail"})
    assert result.score == 60.0 and result.band.code == "qualified"


def test_without_bands_there_is_no_band(weighted):
    result = score(weighted(1, 1, bands=False), {"A1": "pass", "A2": "pass"})
    assert result.score == 100.0 and result.band is None


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
