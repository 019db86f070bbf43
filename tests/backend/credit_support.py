"""Helpers for the credit tests: the hazard world, plus entries and records in any state."""

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageDraw

from . import hazard_world

world = hazard_world.world
make_hazard = hazard_world.make_hazard

# Path to each blacklist state through the procedure (the enterprise defends itself, so no
# step has to wait for the defence period to pass).
PATHS = {
    "collected": [],
    "notified": [("supervisor", "notify")],
    "defence_accepted": [
        ("supervisor", "notify"),
        ("manager", "submit_defence"),
        ("supervisor", "accept_defence"),
    ],
    "confirmed": [
        ("supervisor", "notify"),
        ("manager", "submit_defence"),
        ("supervisor", "confirm"),
    ],
    "published": [
        ("supervisor", "notify"),
        ("manager", "submit_defence"),
        ("supervisor", "confirm"),
        ("supervisor", "publish"),
    ],
    "removed": [
        ("supervisor", "notify"),
        ("manager", "submit_defence"),
        ("supervisor", "confirm"),
        ("supervisor", "publish"),
        ("manager", "apply_removal"),
        ("supervisor", "accept_removal"),
    ],
}
# Who supervises and who manages each enterprise of the hazard world.
CAST = {
    "ent": ("supervisor", "manager"),
    "ent2": ("supervisor", "manager2"),
    "far": ("other_supervisor", "other_manager"),
}
NOTES = {
    "submit_defence": "隐患已于期限前整改完毕，附整改照片。",
    "accept_defence": "申辩意见所述事实经核实成立。",
    "confirm": "经现场核实，申辩意见不成立。",
    "apply_removal": "已完成整改并经自查合格，申请移出。",
    "reject_removal": "整改尚未到位。",
    "remove": "管理期满。",
}


@pytest.fixture
def make_entry(session, world):
    """A blacklist entry of `ent` (by default) driven through the services into `state`."""
    from backend.credit import blacklist

    def make(state="collected", *, enterprise=None, now=None, **fields):
        users = world["users"]
        enterprise = enterprise or world["enterprises"]["ent"]
        key = _key(world, enterprise)
        cast = {"supervisor": users[CAST[key][0]], "manager": users[CAST[key][1]]}
        now = now or datetime.now(UTC)
        entry = blacklist.collect(
            cast["supervisor"],
            enterprise_id=enterprise.id,
            trigger=fields.pop("trigger", "major_hazard_not_rectified"),
            reason=fields.pop("reason", "重大事故隐患逾期未整改"),
            facts=fields.pop("facts", "储罐区可燃气体报警器失效，限期30日整改，逾期未整改。"),
            now=now,
            **fields,
        )
        for role, action in PATHS[state]:
            actor = cast[role]
            blacklist.apply_action(actor, entry, action, note=NOTES.get(action, ""), now=now)
        session.commit()
        return entry

    return make


def signature_png(size=(300, 120), *, blank=False, mode="RGBA") -> bytes:
    image = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else "white")
    if not blank:
        ImageDraw.Draw(image).line([(10, 60), (150, 20), (290, 100)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def shanghai_midnight(day) -> datetime:
    """The instant `day` starts in Asia/Shanghai."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)


def finish_inspection(user, enterprise, session, code="wuluoshi", kind="supervision"):
    """A finished inspection of `enterprise` against the current `code`, every item passed."""
    from backend.checklists import services as checklist_service
    from backend.inspections import services as inspection_service

    (version,) = [v for v in checklist_service.current_versions() if v.code == code]
    inspection = inspection_service.start_inspection(
        user, enterprise_id=enterprise.id, checklist_version_id=version.id, kind=kind
    )
    _checklist, _sections, items = inspection_service._applicable_items(inspection)
    for item_code in items:
        inspection_service.record_finding(user, inspection, item_code=item_code, result="pass")
    inspection_service.finish_inspection(user, inspection)
    session.commit()
    return inspection


@pytest.fixture
def make_record(session, world):
    """A bad credit record a supervisor made (now, unless `now` is given)."""
    from backend.credit import records as credit

    def make(enterprise=None, trigger="other_serious", now=None, evidence="核查记录"):
        enterprise = enterprise or world["enterprises"]["ent"]
        supervisor = world["users"][CAST[_key(world, enterprise)][0]]
        return credit.create_bad_record(
            supervisor,
            enterprise_id=enterprise.id,
            trigger=trigger,
            description="",
            evidence_text=evidence,
            now=now,
        )

    return make


def _key(world, enterprise) -> str:
    return next(k for k, e in world["enterprises"].items() if e is enterprise)
