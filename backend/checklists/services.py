"""Published checklist versions: the shipped YAML becomes immutable rows keyed by content."""

from functools import lru_cache

from sqlalchemy import select, update

from checklists import applicable
from checklists.applicability import applicable_sections
from checklists.loader import shipped_checklists
from checklists.model import Checklist

from ..core.db import db
from ..core.errors import NotFound
from ..models import ChecklistVersion, Enterprise


def publish(checklist: Checklist) -> tuple[ChecklistVersion, bool]:
    """Store this content as the current version of its code; True when it is new."""
    version = db.session.get(ChecklistVersion, checklist.version_id)
    created = version is None
    if created:
        version = ChecklistVersion(
            id=checklist.version_id,
            code=checklist.code,
            title=checklist.title,
            version=checklist.version,
            content_hash=checklist.content_hash,
            content=checklist.to_content_json(),
        )
        db.session.add(version)
    db.session.execute(
        update(ChecklistVersion)
        .where(ChecklistVersion.code == checklist.code, ChecklistVersion.id != version.id)
        .values(is_current=False)
    )
    version.is_current = True
    db.session.flush()
    return version, created


def publish_shipped() -> list[tuple[ChecklistVersion, bool]]:
    return [publish(checklist) for checklist in shipped_checklists()]


@lru_cache(maxsize=256)
def _parse(content: str) -> Checklist:
    return Checklist.from_content_json(content)


def checklist_of(version: ChecklistVersion) -> Checklist:
    """The checklist exactly as published in this version (immutable, so parsed once)."""
    return _parse(version.content)


def get_version(version_id: str, field: str | None = None) -> ChecklistVersion:
    version = db.session.get(ChecklistVersion, version_id)
    if version is None:
        raise NotFound(f"checklist version {version_id} not found", field=field)
    return version


def current_versions() -> list[ChecklistVersion]:
    stmt = (
        select(ChecklistVersion).where(ChecklistVersion.is_current).order_by(ChecklistVersion.code)
    )
    return list(db.session.scalars(stmt))


def applicable_versions(
    enterprise: Enterprise, kind: str | None = None, versions: list | None = None
) -> list[ChecklistVersion]:
    """Current versions that apply (pass `versions` to reuse an already loaded list)."""
    versions = {version.id: version for version in (versions or current_versions())}
    chosen = applicable(
        [checklist_of(version) for version in versions.values()],
        enterprise.industry,
        enterprise.scale,
        kind,
        enterprise.risk_features or (),
    )
    return [versions[checklist.version_id] for checklist in chosen]


def items_for(enterprise: Enterprise, checklist: Checklist, kind: str):
    """The items of `checklist` that apply to this enterprise and kind of inspection."""
    sections = applicable_sections(
        checklist, enterprise.industry, enterprise.scale, kind, enterprise.risk_features or ()
    )
    return sections, {item.code: item for section in sections for item in section.items}
