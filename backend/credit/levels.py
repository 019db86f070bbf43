"""The levels of the credit lists (县级 / 市级 / 省级): which list an entry or a record goes on,
and which entries and records each level's list shows.

- Which body keeps the list an enterprise's entries go on is the deployment's (local policy):
  BLACKLIST_LIST_LEVEL, per jurisdiction BLACKLIST_LIST_LEVEL_BY_JURISDICTION.
- 黑名单: "纳入市级管理的安全生产诚信'黑名单'，必须同时纳入县级管理" (方案5, S000:L188): the county
  list shows the city list's entries too. No source sets up a province list or says it reaches
  the lists below; that a province entry is on the city and county lists as well is local
  policy (BLACKLIST_PROVINCE_ON_LOWER_LISTS, on by default, as the records' rule below).
- 不良信用记录: "纳入国家安全生产不良信用记录的，必须纳入省级记录，依次类推" (方案5, S000:L178): a
  record at one level is on every list below it.
"""

from flask import current_app

from ..models import BLACKLIST_LIST_LEVELS, Enterprise

# Lowest first.
BLACKLIST_LEVEL_ORDER = ("county", "city", "province")
RECORD_LEVEL_ORDER = ("county", "city", "province", "national")


def list_level_for(enterprise: Enterprise) -> str:
    """The list (县级, 市级 or 省级) an entry of this enterprise goes on: the level configured
    for the nearest of its jurisdictions (BLACKLIST_LIST_LEVEL_BY_JURISDICTION, "<id>:city,…"),
    else BLACKLIST_LIST_LEVEL. Local policy: which body keeps the list is the deployment's."""
    overrides = _levels_by_jurisdiction(current_app.config["BLACKLIST_LIST_LEVEL_BY_JURISDICTION"])
    path = [int(part) for part in enterprise.jurisdiction.path.strip("/").split("/") if part]
    for jurisdiction_id in reversed(path):
        if jurisdiction_id in overrides:
            return overrides[jurisdiction_id]
    return current_app.config["BLACKLIST_LIST_LEVEL"]


def _levels_by_jurisdiction(setting: str) -> dict[int, str]:
    levels = {}
    for part in filter(None, (piece.strip() for piece in setting.split(","))):
        jurisdiction_id, _, level = part.partition(":")
        if not jurisdiction_id.isdigit() or level not in BLACKLIST_LIST_LEVELS:
            raise ValueError(f"BLACKLIST_LIST_LEVEL_BY_JURISDICTION: cannot read {part!r}")
        levels[int(jurisdiction_id)] = level
    return levels


def entry_levels_on_list(level: str) -> tuple[str, ...]:
    """The levels of the blacklist entries the `level` list shows: its own; on the county list
    the city list's too (方案5 L188); on the city and county lists the province list's, if
    BLACKLIST_PROVINCE_ON_LOWER_LISTS (local policy)."""
    levels = [level]
    if level == "county":
        levels.append("city")
    if level in ("county", "city") and current_app.config["BLACKLIST_PROVINCE_ON_LOWER_LISTS"]:
        levels.append("province")
    return tuple(levels)


def record_levels_on_list(level: str) -> tuple[str, ...]:
    """The levels of the bad credit records the `level` list holds: its own and every one above
    ("依次类推", 方案5 L178)."""
    return RECORD_LEVEL_ORDER[RECORD_LEVEL_ORDER.index(level) :]
