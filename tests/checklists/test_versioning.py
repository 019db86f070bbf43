"""Published checklist versions: content hash, version id, and the content JSON round trip."""

import hashlib
import json
import re
import shutil

import pytest

from checklists import (
    CONTENT_DIR,
    Checklist,
    ChecklistError,
    load_checklist,
    parse_checklist,
    shipped_checklists,
)
from checklists.model import VERSION_ID_PATTERN
from tests.checklists.helpers import ASSESSMENT


def test_content_hash_is_sha256_of_the_canonical_json(make_checklist):
    checklist = make_checklist()
    content = checklist.to_content_json()
    assert checklist.content_hash == hashlib.sha256(content.encode("utf-8")).hexdigest()
    parsed = json.loads(content)
    assert content == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert {"sections", "grade_bands", "rules", "applicability"} <= set(parsed)


def test_content_json_carries_every_resolved_item_field(make_checklist):
    items = json.loads(make_checklist().to_content_json())["sections"][0]["items"]
    assert items[0] == {
        "code": "A1",
        "text": "检查项甲",
        "guidance": "查阅甲",
        "legal_basis": {"title": "测试法第一条", "clause": "测试法#1"},
        "weight": 1.0,
        "major_if_failed": False,
        "rectification_days": 7,
        "photo_required_on_fail": False,
    }


def test_shipped_version_ids_are_code_version_and_hash_prefix():
    ids = [checklist.version_id for checklist in shipped_checklists()]
    assert len(set(ids)) == len(ids)
    for checklist in shipped_checklists():
        assert VERSION_ID_PATTERN.match(checklist.version_id)
        assert checklist.version_id == (
            f"{checklist.code}.{checklist.version}.{checklist.content_hash[:12]}"
        )


@pytest.mark.parametrize("checklist", shipped_checklists(), ids=lambda c: c.code)
def test_every_shipped_checklist_round_trips_through_its_content_json(checklist):
    rebuilt = Checklist.from_content_json(checklist.to_content_json())
    assert rebuilt == checklist
    assert rebuilt.version_id == checklist.version_id
    assert rebuilt.to_content_json() == checklist.to_content_json()


def test_a_content_change_gives_a_new_version_and_the_old_json_keeps_the_old_one(tmp_path):
    path = tmp_path / "duty31.yaml"
    shutil.copy(CONTENT_DIR / "duty31.yaml", path)
    old = load_checklist(path)
    stored = old.to_content_json()  # what the database kept for past inspections

    path.write_text(
        path.read_text("utf-8").replace("rectification_days: 7", "rectification_days: 10"),
        "utf-8",
    )
    new = load_checklist(path)

    assert new.version == old.version
    assert new.version_id != old.version_id
    assert new.content_hash != old.content_hash
    restored = Checklist.from_content_json(stored)
    assert restored.version_id == old.version_id
    assert restored.item("D01").rectification_days == 7
    assert new.item("D01").rectification_days == 10


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc["sections"][0]["items"][0].update(guidance="另一种说明"),
        lambda doc: doc.update(ASSESSMENT),
        lambda doc: doc.update(title="新标题"),
        lambda doc: doc["sections"][0]["items"].reverse(),
        lambda doc: doc["applicability"].update(kinds=["supervision"]),
    ],
    ids=["guidance", "assessment", "title", "item order", "applicability"],
)
def test_any_content_change_changes_the_hash(make_doc, change):
    before = parse_checklist(make_doc())
    doc = make_doc()
    change(doc)
    assert parse_checklist(doc).version_id != before.version_id


def test_formatting_and_defaults_that_resolve_the_same_keep_the_version(make_doc):
    doc = make_doc()
    explicit = make_doc()
    del explicit["item_defaults"]
    for item in explicit["sections"][0]["items"]:
        item.update(weight=1.0, rectification_days=7, photo_required_on_fail=False)
    reordered = dict(reversed(list(doc.items())))
    versions = {parse_checklist(d).version_id for d in (doc, explicit, reordered)}
    assert len(versions) == 1


def test_version_strings_are_sanitised_into_the_id(make_checklist):
    checklist = make_checklist(version="2024/1 草案")
    assert re.fullmatch(r"demo\.2024_1_\.[0-9a-f]{12}", checklist.version_id)
    long_code = make_checklist(code="x" * 40, version="v" * 20)
    assert len(long_code.version_id) == 64
    assert VERSION_ID_PATTERN.match(long_code.version_id)


def test_from_content_json_rejects_tampered_content(make_checklist):
    content = json.loads(make_checklist().to_content_json())
    content["sections"][0]["items"][0]["weight"] = -1
    with pytest.raises(ChecklistError, match="positive number"):
        Checklist.from_content_json(json.dumps(content))
