"""The validator reports every problem, each naming the file, the place and a clear reason."""

import copy

import pytest

from checklists import ChecklistError, Problem, load_checklist, parse_checklist, validate_path
from checklists.validation import validate_data
from tests.checklists.helpers import ASSESSMENT, SEED_003_ELIGIBILITY


def item(doc, index):
    return doc["sections"][0]["items"][index]


def test_a_valid_document_has_no_problems(make_doc, write_doc):
    assert validate_path(write_doc(make_doc())) == []


def test_three_distinct_faults_give_three_problems_naming_file_and_item(make_doc, write_doc):
    doc = make_doc()
    item(doc, 0)["weight"] = 0
    del item(doc, 1)["text"]
    item(doc, 2)["applicability"] = {"industries": ["chemicals"]}
    path = write_doc(doc)

    problems = validate_path(path)

    assert len(problems) == 3
    assert all(problem.file == str(path) for problem in problems)
    by_item = {problem.item: problem.reason for problem in problems}
    assert set(by_item) == {"A1", "A2", "A3"}
    assert "'weight' must be a positive number" in by_item["A1"]
    assert "missing required field 'text'" in by_item["A2"]
    assert "unknown industry code 'chemicals'" in by_item["A3"]


def test_load_checklist_raises_with_every_problem(make_doc, write_doc):
    doc = make_doc(version=2024.1, coverage="some")
    path = write_doc(doc)
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path)
    assert len(raised.value.problems) == 2
    assert str(path) in str(raised.value)


def _set(path, value):
    def mutate(doc):
        *parents, last = path
        node = doc
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _delete(path):
    def mutate(doc):
        *parents, last = path
        node = doc
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


def _assessment(mutate):
    """A fault in a standardisation assessment (the only kind that has grade bands)."""

    def mutate_assessment(doc):
        doc.update(copy.deepcopy(ASSESSMENT))
        mutate(doc)

    return mutate_assessment


ITEMS = ("sections", 0, "items")

SINGLE_FAULTS = [
    ("unknown top-level field", _set(("colour",), "red"), "checklist", "unknown field 'colour'"),
    ("missing title", _delete(("title",)), "checklist", "missing required field 'title'"),
    ("unquoted version", _set(("version",), 2024.1), "checklist", "'version' must be a string"),
    ("bad coverage", _set(("coverage",), "full"), "checklist", "'coverage' must be"),
    ("partial without note", _set(("coverage",), "partial"), "checklist", "coverage_note"),
    ("bad checklist code", _set(("code",), "duty 31"), "checklist", "checklist code must"),
    (
        "unknown industry",
        _set(("applicability", "industries"), ["steel"]),
        "checklist",
        "unknown industry code 'steel'",
    ),
    (
        "unknown scale",
        _set(("applicability", "scales"), ["huge"]),
        "checklist",
        "unknown scale code 'huge'",
    ),
    (
        "unknown kind",
        _set(("applicability", "kinds"), ["audit"]),
        "checklist",
        "unknown kind code 'audit'",
    ),
    (
        "unknown risk feature",
        _set(("applicability", "risk_features"), ["lasers"]),
        "checklist",
        "unknown risk feature code 'lasers'",
    ),
    (
        "industries not a list",
        _set(("applicability", "industries"), "fireworks"),
        "checklist",
        "'industries' must be a list",
    ),
    (
        "bands not ascending",
        _assessment(_set(("grade_bands", 2, "min_score"), 50)),
        "grade_bands[2]",
        "ascending min_score order",
    ),
    (
        "band above 100",
        _assessment(_set(("grade_bands", 3, "min_score"), 101)),
        "grade_bands[3]",
        "from 0 to 100",
    ),
    (
        "duplicate band code",
        _assessment(_set(("grade_bands", 1, "code"), "qualified_eligible")),
        "grade_bands[1]",
        "twice",
    ),
    (
        "unknown grade in a certificate condition",
        _assessment(_set(("grade_bands", 2, "unless_grades"), ["gold"])),
        "grade_bands[2]",
        "unknown standardisation grade 'gold'",
    ),
    (
        "bands on an inspection checklist",
        _set(("grade_bands",), SEED_003_ELIGIBILITY),
        "checklist",
        "'grade_bands' belong to kind 'standardisation_assessment' checklists only",
    ),
    ("unknown checklist kind", _set(("kind",), "audit"), "checklist", "'kind' must be one of"),
    ("empty sections", _set(("sections",), []), "checklist", "non-empty list"),
    ("duplicate item code", _set((*ITEMS, 1, "code"), "A1"), "A1", "duplicate item code 'A1'"),
    ("missing item code", _delete((*ITEMS, 1, "code")), "sections[0].items[1]", "'code'"),
    ("zero weight", _set((*ITEMS, 0, "weight"), 0), "A1", "'weight' must be a positive number"),
    ("negative weight", _set((*ITEMS, 0, "weight"), -2), "A1", "positive number"),
    ("boolean weight", _set((*ITEMS, 0, "weight"), True), "A1", "positive number"),
    ("fractional days", _set((*ITEMS, 0, "rectification_days"), 1.5), "A1", "whole number"),
    ("zero days", _set((*ITEMS, 0, "rectification_days"), 0), "A1", "whole number of days"),
    ("photo flag text", _set((*ITEMS, 0, "photo_required_on_fail"), "yes"), "A1", "true or false"),
    ("major flag number", _set((*ITEMS, 0, "major_if_failed"), 1), "A1", "true or false"),
    ("unknown item field", _set((*ITEMS, 0, "txt"), "x"), "A1", "unknown field 'txt'"),
    ("empty text", _set((*ITEMS, 0, "text"), "  "), "A1", "'text' must not be empty"),
    (
        "text not a string",
        _set((*ITEMS, 0, "guidance"), ["a"]),
        "A1",
        "'guidance' must be a string",
    ),
    (
        "bad clause",
        _set((*ITEMS, 0, "legal_basis"), {"title": "x", "clause": "第二十五条"}),
        "A1",
        "'clause' must look like 'document#article'",
    ),
    (
        "missing legal basis",
        _delete(("sections", 0, "legal_basis")),
        None,  # reported for every item
        "missing field 'legal_basis'",
    ),
    (
        "no weight anywhere",
        _delete(("item_defaults", "weight")),
        None,
        "missing field 'weight'",
    ),
    (
        "section industry outside the checklist's",
        lambda doc: (
            doc["applicability"].update(industries=["industry_trade"]),
            doc["sections"][0].update(applicability={"industries": ["fireworks"]}),
        ),
        "section S1",
        "outside the checklist's industries",
    ),
    (
        "duplicate section code",
        lambda doc: doc["sections"].append(
            {**doc["sections"][0], "items": [{"code": "B1", "text": "t", "guidance": "g"}]}
        ),
        "section S1",
        "duplicate section code 'S1'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "where", "reason"),
    [fault[1:] for fault in SINGLE_FAULTS],
    ids=[fault[0] for fault in SINGLE_FAULTS],
)
def test_each_fault_is_reported_where_it_is(make_doc, write_doc, mutate, where, reason):
    doc = make_doc()
    mutate(doc)
    problems = validate_path(write_doc(doc))
    assert problems, "expected a problem"
    assert all(reason in problem.reason for problem in problems), problems
    if where is None:
        assert {problem.item for problem in problems} == {"A1", "A2", "A3"}
    else:
        assert [problem.item for problem in problems] == [where]


def test_duplicate_yaml_keys_are_reported_not_silently_overwritten(make_doc, tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "code: demo\ncode: demo2\ntitle: t\nversion: '1'\ncoverage: complete\nsource: s\n"
        "applicability: {}\n"
        "sections:\n  - code: S\n    title: t\n    items:\n"
        "      - {code: A, text: t, text: u, guidance: g, weight: 1, rectification_days: 1,\n"
        "         photo_required_on_fail: false, legal_basis: {title: t, clause: 'a#1'}}\n",
        "utf-8",
    )
    reasons = [problem.reason for problem in validate_path(path)]
    assert reasons == ["duplicate key 'code' on line 2", "duplicate key 'text' on line 12"]


def test_broken_yaml_is_one_problem(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: [unclosed\n", "utf-8")
    (problem,) = validate_path(path)
    assert problem.file == str(path)
    assert problem.reason.startswith("invalid YAML")


def test_a_document_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", "utf-8")
    (problem,) = validate_path(path)
    assert "must be a mapping" in problem.reason


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", "utf-8")
    assert [p.reason for p in validate_path(path)] == ["the file is empty"]


def test_a_folder_reports_problems_of_every_file_and_duplicate_codes(make_doc, write_doc, tmp_path):
    good = write_doc(make_doc(), "a_good.yaml")
    again = write_doc(make_doc(), "b_same_code.yaml")
    bad = write_doc(make_doc(code="other", coverage="partial", title=""), "c_bad.yaml")

    problems = validate_path(tmp_path)

    assert Problem(str(again), "checklist", f"checklist code 'demo' is also used by {good}") in (
        problems
    )
    assert {p.file for p in problems} == {str(again), str(bad)}
    assert len([p for p in problems if p.file == str(bad)]) == 2


def test_an_empty_folder_and_a_missing_path(tmp_path):
    assert [p.reason for p in validate_path(tmp_path)] == [
        "no checklist files (*.yaml) in this folder"
    ]
    assert [p.reason for p in validate_path(tmp_path / "nope.yaml")] == ["no such file or folder"]


def test_problem_renders_as_file_item_reason():
    assert str(Problem("a.yaml", "D01", "bad")) == "a.yaml: D01: bad"


JUNK = [None, 0, -1, 1.5, True, "", "x", [], [None], {}, {"x": 1}]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def test_any_junk_anywhere_is_a_problem_or_a_valid_checklist_never_a_crash(make_doc):
    """Replace every node of a valid document (an inspection checklist and a standardisation
    assessment) with junk of every type."""
    tried = 0
    for base in ({}, ASSESSMENT):
        tried += _try_junk(make_doc, base)
    assert tried > 900


def _try_junk(make_doc, base) -> int:
    tried = 0
    for path in _paths(make_doc(**base)):
        for junk in JUNK:
            doc = make_doc(**base)
            if path:
                _set(path, junk)(doc)
            else:
                doc = junk
            problems = validate_data(doc, "junk.yaml")
            tried += 1
            if problems:
                assert all(p.file == "junk.yaml" and p.item and p.reason for p in problems)
                with pytest.raises(ChecklistError):
                    parse_checklist(doc)
            else:
                parse_checklist(doc)  # must build without error
    return tried


def test_published_content_with_bands_on_an_inspection_checklist_still_reads(make_doc):
    """Versions stored before bands were reserved for assessments (duty31, 五落实 2024.1) must
    stay readable for the inspections that used them."""
    doc = make_doc(grade_bands=SEED_003_ELIGIBILITY)
    assert validate_data(doc, "<content json>", published=True) == []
    assert parse_checklist(doc, published=True).grade_bands
