"""Shared test data for checklist tests."""

import os
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"

# 常州市安全生产达标企业创建方案 (seed 003) 三(三) and 四(四), as a standardisation assessment's
# eligibility statements (the shipped sample outline has the same).
SEED_003_ELIGIBILITY = [
    {"min_score": 60, "code": "qualified_eligible", "label": "可认定为达标企业"},
    {"min_score": 75, "code": "benchmark_eligible", "label": "可列入标杆企业名单"},
    {
        "min_score": 75,
        "code": "grade2_application_eligible",
        "label": "可新申报二级标准化",
        "unless_grades": ["grade1", "grade2"],
    },
    {
        "min_score": 90,
        "code": "grade1_application_eligible",
        "label": "可新申报一级标准化",
        "unless_grades": ["grade1", "grade2"],
    },
]
ASSESSMENT = {"kind": "standardisation_assessment", "grade_bands": SEED_003_ELIGIBILITY}

BASE_DOC: dict[str, Any] = {
    "code": "demo",
    "title": "示例检查表",
    "version": "1.0",
    "coverage": "complete",
    "source": "测试用文件",
    "applicability": {"industries": ["*"], "kinds": ["supervision", "self_inspection"]},
    "item_defaults": {"weight": 1, "rectification_days": 7, "photo_required_on_fail": False},
    "sections": [
        {
            "code": "S1",
            "title": "第一部分",
            "legal_basis": {"title": "测试法第一条", "clause": "测试法#1"},
            "items": [
                {"code": "A1", "text": "检查项甲", "guidance": "查阅甲"},
                {"code": "A2", "text": "检查项乙", "guidance": "查阅乙"},
                {"code": "A3", "text": "检查项丙", "guidance": "查阅丙"},
            ],
        }
    ],
}


def shared_file(*parts: str) -> Path:
    """A file from ../shared; missing skips the test, except under CI where it fails."""
    path = SHARED.joinpath(*parts)
    if path.exists():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{path} is required in CI but was not found")
    pytest.skip(f"{path} not available")
