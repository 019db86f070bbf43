"""The registers beside checklist items: which register an item concerns (register_items.yaml,
data) and the register's current state for an enterprise (REGISTERS: kind → summary).

The registers are kept by domains below checklists in the domain order (risks; training and
emergency beside it), so this table may import them; each register plugs in with one line.
A summary is counts and dates only, the same for the app, the pages and the device.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ..emergency import services as emergency
from ..risks import services as risks
from ..training import services as training

ITEMS_FILE = Path(__file__).parent / "register_items.yaml"


@dataclass(frozen=True)
class Register:
    label: str
    summary: Callable[[int], dict]  # enterprise id → the register's state


REGISTERS: dict[str, Register] = {
    "risk_points": Register("风险点清单（风险分级管控）", risks.risk_point_summary),
    "hazard_installations": Register("危险化学品重大危险源", risks.installation_summary),
    "training_records": Register("安全生产教育和培训档案、持证上岗", training.register_summary),
    "drills": Register("应急预案演练", emergency.register_summary),
}


@cache
def _item_registers() -> dict[str, dict[str, tuple[str, ...]]]:
    with ITEMS_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {
        code: {str(item): tuple(kinds) for item, kinds in items.items()}
        for code, items in data.items()
    }


def registers_of_items(checklist_code: str) -> dict[str, list[str]]:
    """item code → the kinds of the registers it concerns that this deployment keeps."""
    return {
        item: [kind for kind in kinds if kind in REGISTERS]
        for item, kinds in _item_registers().get(checklist_code, {}).items()
        if any(kind in REGISTERS for kind in kinds)
    }


def register_summaries(enterprise_id: int, kinds) -> dict[str, dict]:
    """The current state of each named register of the enterprise."""
    return {
        kind: {
            "kind": kind,
            "label": REGISTERS[kind].label,
            "summary": REGISTERS[kind].summary(enterprise_id),
        }
        for kind in dict.fromkeys(kinds)
        if kind in REGISTERS
    }


def registers_beside_items(enterprise_id: int, checklist_code: str) -> dict[str, list[dict]]:
    """item code → the state of each register it concerns, for one checklist's items."""
    items = registers_of_items(checklist_code)
    summaries = register_summaries(enterprise_id, (k for kinds in items.values() for k in kinds))
    return {item: [summaries[kind] for kind in kinds] for item, kinds in items.items()}
