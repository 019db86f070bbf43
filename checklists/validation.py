"""Checklist document validation that reports every problem, not just the first.

A problem names the file, where in the file (`checklist`, `section <code>`, an item code, or a
path such as `sections[2].items[0]` when the code itself is missing) and a reason in English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checklists.industries import (
    INDUSTRIES,
    INSPECTION_KINDS,
    RISK_FEATURES,
    SCALES,
    STANDARDISATION_GRADES,
    industry_matches,
)
from checklists.model import CHECKLIST_KINDS, STANDARDISATION_ASSESSMENT

CHECKLIST_FILE_SUFFIXES = (".yaml", ".yml")

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
CLAUSE_PATTERN = re.compile(r"^[^#\s]+#[^#\s]+$")
MAX_VERSION_LENGTH = 20
MAX_RECTIFICATION_DAYS = 365

CHECKLIST_REQUIRED = ("code", "title", "version", "coverage", "source", "applicability", "sections")
CHECKLIST_OPTIONAL = (
    "kind",
    "coverage_note",
    "grade_bands",
    "rules",
    "major_if_failed",
    "item_defaults",
)
SECTION_REQUIRED = ("code", "title", "items")
SECTION_OPTIONAL = ("legal_basis", "applicability")
ITEM_REQUIRED = ("code", "text", "guidance")
# Each may come from the item, `item_defaults` (or, for major_if_failed, the checklist itself).
ITEM_DEFAULTABLE = ("weight", "major_if_failed", "rectification_days", "photo_required_on_fail")
ITEM_OPTIONAL = ("legal_basis", "applicability", *ITEM_DEFAULTABLE)
DEFAULTS_ALLOWED = ("weight", "rectification_days", "photo_required_on_fail")
BAND_FIELDS = ("min_score", "code", "label")
BAND_OPTIONAL = ("unless_grades",)
RULE_FIELDS = ("code", "text", "legal_basis")
LEGAL_BASIS_FIELDS = ("title", "clause")
APPLICABILITY_FIELDS = {
    "industries": INDUSTRIES,
    "scales": SCALES,
    "risk_features": RISK_FEATURES,
    "kinds": INSPECTION_KINDS,
}
COVERAGES = ("complete", "partial")


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.reason}"


class ChecklistError(ValueError):
    """A checklist document that does not validate; `problems` lists every fault."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _DuplicateKeyLoader(yaml.SafeLoader):
    """A safe loader that remembers duplicate mapping keys instead of silently keeping the last."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicate_keys: list[tuple[str, int]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                self.duplicate_keys.append((key, key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse a YAML file; problems for unreadable files, syntax errors and duplicate keys."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(file, "checklist", f"cannot read file: {exc}")]
    loader = _DuplicateKeyLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        return None, [Problem(file, "checklist", f"invalid YAML: {_one_line(str(exc))}")]
    finally:
        loader.dispose()
    problems = [
        Problem(file, "checklist", f"duplicate key {key!r} on line {line}")
        for key, line in loader.duplicate_keys
    ]
    return data, problems


def checklist_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix in CHECKLIST_FILE_SUFFIXES
    )


def validate_path(path: str | Path) -> list[Problem]:
    """Every problem in one checklist file, or in every checklist file of a folder."""
    path = Path(path)
    if path.is_dir():
        files = checklist_files(path)
        if not files:
            return [Problem(str(path), "checklist", "no checklist files (*.yaml) in this folder")]
        problems: list[Problem] = []
        codes: dict[str, Path] = {}
        for file in files:
            data, file_problems = _validate_file(file)
            problems += file_problems
            code = data.get("code") if isinstance(data, dict) else None
            if isinstance(code, str):
                if code in codes:
                    problems.append(
                        Problem(
                            str(file),
                            "checklist",
                            f"checklist code {code!r} is also used by {codes[code]}",
                        )
                    )
                else:
                    codes[code] = file
        return problems
    if not path.exists():
        return [Problem(str(path), "checklist", "no such file or folder")]
    return _validate_file(path)[1]


def _validate_file(path: Path) -> tuple[Any, list[Problem]]:
    data, problems = read_yaml(path)
    if data is None and not problems:
        problems.append(Problem(str(path), "checklist", "the file is empty"))
    elif data is not None:
        problems += validate_data(data, str(path))
    return data, problems


def validate_data(data: Any, file: str, *, published: bool = False) -> list[Problem]:
    """Every problem in one parsed checklist document.

    `published`: content stored before grade bands were reserved for standardisation
    assessments (versions an inspection may still use); its bands are accepted, never used.
    """
    return _Validator(file, published=published).checklist(data)


class _Validator:
    def __init__(self, file: str, *, published: bool = False):
        self.file = file
        self.published = published
        self.problems: list[Problem] = []

    def report(self, where: str, reason: str) -> None:
        self.problems.append(Problem(self.file, where, reason))

    # --- generic field checks -------------------------------------------------------------

    def fields(
        self,
        data: Mapping[str, Any],
        where: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        context: str = "",
    ) -> None:
        for name in required:
            if name not in data:
                self.report(where, f"missing required field {name!r}{context}")
        allowed = set(required) | set(optional)
        for name in data:
            if name not in allowed:
                self.report(where, f"unknown field {name!r}{context}")

    def mapping(self, value: Any, where: str, what: str) -> bool:
        if isinstance(value, dict):
            return True
        self.report(where, f"{what} must be a mapping, got {_type_name(value)}")
        return False

    def text(self, data: Mapping[str, Any], name: str, where: str, prefix: str = "") -> None:
        if name not in data:
            return
        value = data[name]
        if not isinstance(value, str):
            self.report(where, f"{prefix}{name!r} must be a string, got {_type_name(value)}")
        elif not value.strip():
            self.report(where, f"{prefix}{name!r} must not be empty")

    def code(self, data: Mapping[str, Any], where: str, what: str) -> None:
        value = data.get("code")
        if "code" not in data:
            return
        if not isinstance(value, str) or not CODE_PATTERN.fullmatch(value):
            self.report(
                where,
                f"{what} code must be 1-40 characters of letters, digits, '_', '.', '-', "
                f"got {value!r}",
            )

    def boolean(self, data: Mapping[str, Any], name: str, where: str) -> None:
        if name in data and not isinstance(data[name], bool):
            self.report(where, f"{name!r} must be true or false, got {data[name]!r}")

    def positive_number(self, data: Mapping[str, Any], name: str, where: str) -> None:
        if name not in data:
            return
        value = data[name]
        if not _is_number(value) or value <= 0 or not math.isfinite(value):
            self.report(where, f"{name!r} must be a positive number, got {value!r}")

    def days(self, data: Mapping[str, Any], name: str, where: str) -> None:
        if name not in data:
            return
        value = data[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_RECTIFICATION_DAYS
        ):
            self.report(
                where,
                f"{name!r} must be a whole number of days from 1 to {MAX_RECTIFICATION_DAYS}, "
                f"got {value!r}",
            )

    def legal_basis(self, value: Any, where: str) -> None:
        if not self.mapping(value, where, "'legal_basis'"):
            return
        self.fields(value, where, LEGAL_BASIS_FIELDS, context=" in 'legal_basis'")
        self.text(value, "title", where, prefix="legal_basis ")
        clause = value.get("clause")
        if "clause" in value and (
            not isinstance(clause, str) or not CLAUSE_PATTERN.fullmatch(clause)
        ):
            self.report(
                where,
                f"legal_basis 'clause' must look like 'document#article' (e.g. '安全生产法#25.1'), "
                f"got {clause!r}",
            )

    def applicability(self, value: Any, where: str) -> None:
        if not self.mapping(value, where, "'applicability'"):
            return
        self.fields(value, where, (), tuple(APPLICABILITY_FIELDS), context=" in 'applicability'")
        for name, known in APPLICABILITY_FIELDS.items():
            if name not in value:
                continue
            codes = value[name]
            if not isinstance(codes, list):
                self.report(
                    where, f"applicability {name!r} must be a list, got {_type_name(codes)}"
                )
                continue
            for code in codes:
                if name == "industries" and code == "*":
                    continue
                if not isinstance(code, str) or code not in known:
                    self.report(where, f"unknown {_singular(name)} code {code!r} in applicability")
            duplicates = sorted({c for c in codes if isinstance(c, str) and codes.count(c) > 1})
            for code in duplicates:
                self.report(where, f"{_singular(name)} code {code!r} is listed twice")

    def narrower(self, inner: Any, outer: Any, where: str) -> None:
        """Report a section/item applicability that can never hold inside the checklist's."""
        if not (isinstance(inner, dict) and isinstance(outer, dict)):
            return
        outer_industries = _codes(outer.get("industries"))
        inner_industries = _codes(inner.get("industries"))
        if outer_industries and "*" not in outer_industries:
            for code in inner_industries:
                if code != "*" and not any(industry_matches(o, code) for o in outer_industries):
                    self.report(where, f"industry {code!r} lies outside the checklist's industries")
        for name in ("scales", "kinds"):
            outer_codes = _codes(outer.get(name))
            for code in _codes(inner.get(name)):
                if outer_codes and code not in outer_codes:
                    self.report(
                        where, f"{_singular(name)} {code!r} lies outside the checklist's {name}"
                    )

    # --- the document ---------------------------------------------------------------------

    def checklist(self, data: Any) -> list[Problem]:
        where = "checklist"
        if not self.mapping(data, where, "a checklist document"):
            return self.problems
        self.fields(data, where, CHECKLIST_REQUIRED, CHECKLIST_OPTIONAL)
        self.code(data, where, "checklist")
        for name in ("title", "source"):
            self.text(data, name, where)
        self.version(data, where)
        self.coverage(data, where)
        self.kind(data, where)
        self.boolean(data, "major_if_failed", where)
        if "applicability" in data:
            self.applicability(data["applicability"], where)
        defaults = data.get("item_defaults", {})
        if "item_defaults" in data and self.mapping(defaults, where, "'item_defaults'"):
            self.fields(defaults, where, (), DEFAULTS_ALLOWED, context=" in 'item_defaults'")
            self.positive_number(defaults, "weight", where)
            self.days(defaults, "rectification_days", where)
            self.boolean(defaults, "photo_required_on_fail", where)
        if not isinstance(defaults, dict):
            defaults = {}
        if "major_if_failed" in data:
            defaults = {**defaults, "major_if_failed": data["major_if_failed"]}
        if "grade_bands" in data:
            self.grade_bands(data["grade_bands"])
        if "rules" in data:
            self.rules(data["rules"])
        if "sections" in data:
            self.sections(data["sections"], defaults, data.get("applicability"))
        return self.problems

    def version(self, data: Mapping[str, Any], where: str) -> None:
        if "version" not in data:
            return
        value = data["version"]
        if not isinstance(value, str):
            self.report(
                where,
                f"'version' must be a string (quote it, e.g. \"2024.1\"), got {_type_name(value)} "
                f"{value!r}",
            )
        elif not value.strip() or len(value) > MAX_VERSION_LENGTH:
            self.report(where, f"'version' must be 1-{MAX_VERSION_LENGTH} characters")

    def coverage(self, data: Mapping[str, Any], where: str) -> None:
        coverage = data.get("coverage")
        if "coverage" in data and coverage not in COVERAGES:
            self.report(where, f"'coverage' must be 'complete' or 'partial', got {coverage!r}")
        self.text(data, "coverage_note", where)
        if coverage == "partial" and "coverage_note" not in data:
            self.report(where, "partial coverage needs a 'coverage_note' saying what is missing")

    def kind(self, data: Mapping[str, Any], where: str) -> None:
        kind = data.get("kind", "inspection")
        if kind not in CHECKLIST_KINDS:
            self.report(where, f"'kind' must be one of {list(CHECKLIST_KINDS)}, got {kind!r}")
        elif data.get("grade_bands") and kind != STANDARDISATION_ASSESSMENT and not self.published:
            # 常州市方案 三(三)/四(四): 60/75/90 are floors of the 创建大纲 for a bureau's decision,
            # not labels of an inspection.
            self.report(
                where,
                f"'grade_bands' belong to kind {STANDARDISATION_ASSESSMENT!r} checklists only",
            )

    def grade_bands(self, bands: Any) -> None:
        if not isinstance(bands, list):
            self.report("grade_bands", f"'grade_bands' must be a list, got {_type_name(bands)}")
            return
        previous: float | None = None
        codes: set[str] = set()
        for index, band in enumerate(bands):
            where = f"grade_bands[{index}]"
            if not self.mapping(band, where, "a grade band"):
                continue
            self.fields(band, where, BAND_FIELDS, BAND_OPTIONAL)
            self.code(band, where, "band")
            self.text(band, "label", where)
            self.unless_grades(band.get("unless_grades", []), where)
            code = band.get("code")
            if isinstance(code, str):
                if code in codes:
                    self.report(where, f"band code {code!r} is used twice")
                codes.add(code)
            score = band.get("min_score")
            if "min_score" not in band:
                continue
            if not _is_number(score) or not 0 <= score <= 100:
                self.report(where, f"'min_score' must be a number from 0 to 100, got {score!r}")
                continue
            if previous is not None and score < previous:
                self.report(
                    where,
                    f"grade bands must be in ascending min_score order: {score} follows {previous}",
                )
            previous = score

    def unless_grades(self, grades: Any, where: str) -> None:
        if not isinstance(grades, list):
            self.report(where, f"'unless_grades' must be a list, got {_type_name(grades)}")
            return
        for grade in grades:
            if not isinstance(grade, str) or grade not in STANDARDISATION_GRADES:
                self.report(
                    where,
                    f"unknown standardisation grade {grade!r} in 'unless_grades' "
                    f"(one of {list(STANDARDISATION_GRADES)})",
                )

    def rules(self, rules: Any) -> None:
        if not isinstance(rules, list):
            self.report("rules", f"'rules' must be a list, got {_type_name(rules)}")
            return
        codes: set[str] = set()
        for index, rule in enumerate(rules):
            where = f"rules[{index}]"
            if not self.mapping(rule, where, "a rule"):
                continue
            self.fields(rule, where, RULE_FIELDS)
            self.code(rule, where, "rule")
            self.text(rule, "text", where)
            if "legal_basis" in rule:
                self.legal_basis(rule["legal_basis"], where)
            code = rule.get("code")
            if isinstance(code, str):
                if code in codes:
                    self.report(where, f"rule code {code!r} is used twice")
                codes.add(code)

    def sections(self, sections: Any, defaults: Mapping[str, Any], outer: Any) -> None:
        if not isinstance(sections, list) or not sections:
            self.report("checklist", "'sections' must be a non-empty list")
            return
        section_codes: set[str] = set()
        item_codes: dict[str, str] = {}
        for s_index, section in enumerate(sections):
            where = _locate(section, f"sections[{s_index}]", "section ")
            if not self.mapping(section, where, "a section"):
                continue
            self.fields(section, where, SECTION_REQUIRED, SECTION_OPTIONAL)
            self.code(section, where, "section")
            self.text(section, "title", where)
            code = section.get("code")
            if isinstance(code, str):
                if code in section_codes:
                    self.report(where, f"duplicate section code {code!r}")
                section_codes.add(code)
            if "legal_basis" in section:
                self.legal_basis(section["legal_basis"], where)
            if "applicability" in section:
                self.applicability(section["applicability"], where)
                self.narrower(section["applicability"], outer, where)
            items = section.get("items")
            if "items" in section and (not isinstance(items, list) or not items):
                self.report(where, "'items' must be a non-empty list")
                continue
            for i_index, item in enumerate(items or []):
                path = f"sections[{s_index}].items[{i_index}]"
                self.item(item, path, section, defaults, outer, item_codes, where)

    def item(
        self,
        item: Any,
        path: str,
        section: Mapping[str, Any],
        defaults: Mapping[str, Any],
        outer: Any,
        item_codes: dict[str, str],
        section_where: str,
    ) -> None:
        where = _locate(item, path)
        if not self.mapping(item, where, "an item"):
            return
        self.fields(item, where, ITEM_REQUIRED, ITEM_OPTIONAL)
        for name in ITEM_DEFAULTABLE:
            if name not in item and name not in defaults and name != "major_if_failed":
                self.report(
                    where, f"missing field {name!r} (set it on the item or in 'item_defaults')"
                )
        self.code(item, where, "item")
        code = item.get("code")
        if isinstance(code, str):
            if code in item_codes:
                self.report(where, f"duplicate item code {code!r} (also in {item_codes[code]})")
            else:
                item_codes[code] = section_where
        self.text(item, "text", where)
        self.text(item, "guidance", where)
        if "legal_basis" in item:
            self.legal_basis(item["legal_basis"], where)
        elif "legal_basis" not in section:
            self.report(where, "missing field 'legal_basis' (on the item or its section)")
        self.positive_number(item, "weight", where)
        self.days(item, "rectification_days", where)
        self.boolean(item, "major_if_failed", where)
        self.boolean(item, "photo_required_on_fail", where)
        if "applicability" in item:
            self.applicability(item["applicability"], where)
            self.narrower(item["applicability"], outer, where)


def _locate(node: Any, path: str, prefix: str = "") -> str:
    """The item/section code when it is usable, else the node's path in the document."""
    if isinstance(node, dict):
        code = node.get("code")
        if isinstance(code, str) and CODE_PATTERN.fullmatch(code):
            return prefix + code
    return path


def _codes(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _singular(name: str) -> str:
    return {"industries": "industry", "scales": "scale", "risk_features": "risk feature"}.get(
        name, name.rstrip("s")
    )


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "nothing (null)",
    }.get(type(value), type(value).__name__)


def _one_line(text: str) -> str:
    return " ".join(text.split())
