"""Document numbers (文书编号): per issuing authority, kind and year, from 1, without gaps or
repeats, e.g. 「（崂山应急）责改〔2026〕12号」.

The counter row is incremented by one `UPDATE … RETURNING` in the transaction that inserts the
document: on PostgreSQL the row lock makes concurrent issuers wait for each other's commit (and
a document rolled back takes its number back with it); on SQLite the request already holds the
write lock (BEGIN IMMEDIATE, core/db.py). Contention that outlasts the wait is 503 +
Retry-After (core/problems.py), never a 500.

The issuing authority is the district (区县, the top of the enterprise's jurisdiction tree): the
enforcement documents are the district bureau's. The abbreviation in the number
(ENFORCEMENT_ABBREVIATIONS) and the authority's name on the documents
(ENFORCEMENT_AUTHORITY_NAMES) are local policy (docs/sources.md): by default the district's name
without its 区/县/市 suffix plus 应急, and the name plus 应急管理局.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..core.db import db
from ..models import ENFORCEMENT_DOCUMENT_KINDS, EnforcementNumberCounter, Enterprise, Jurisdiction

DISTRICT_SUFFIXES = ("自治县", "区", "县", "市", "旗")


@dataclass(frozen=True)
class Authority:
    jurisdiction: Jurisdiction
    name: str  # 「崂山区应急管理局」
    abbreviation: str  # 「崂山应急」


def _by_jurisdiction(setting: str) -> dict[int, str]:
    """ "12:崂山应急,34:市南应急" → {12: "崂山应急", 34: "市南应急"}."""
    pairs = (part.split(":", 1) for part in (current_app.config.get(setting) or "").split(","))
    return {int(key): value.strip() for key, value in (p for p in pairs if len(p) == 2)}


def authority_of(enterprise: Enterprise) -> Authority:
    """The district bureau the enterprise's documents are issued by."""
    root_id = int(enterprise.jurisdiction.path.strip("/").split("/")[0])
    return authority_for(db.session.get(Jurisdiction, root_id))


def authority_of_document(document) -> Authority:
    """The authority a document was numbered under."""
    return authority_for(db.session.get(Jurisdiction, document.authority_jurisdiction_id))


def authority_for(district: Jurisdiction) -> Authority:
    short = district.name
    for suffix in DISTRICT_SUFFIXES:
        if short.endswith(suffix) and len(short) > len(suffix):
            short = short[: -len(suffix)]
            break
    return Authority(
        jurisdiction=district,
        name=_by_jurisdiction("ENFORCEMENT_AUTHORITY_NAMES").get(
            district.id, f"{district.name}应急管理局"
        ),
        abbreviation=_by_jurisdiction("ENFORCEMENT_ABBREVIATIONS").get(district.id, f"{short}应急"),
    )


def format_number(abbreviation: str, kind: str, year: int, serial: int) -> str:
    return f"（{abbreviation}）{ENFORCEMENT_DOCUMENT_KINDS[kind]}〔{year}〕{serial}号"


def _insert(dialect_name: str):
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def next_serial(jurisdiction_id: int, kind: str, year: int) -> int:
    """The next number of this authority, kind and year, taken under the counter's row lock
    until the caller's transaction ends."""
    session = db.session
    insert = _insert(session.get_bind().dialect.name)
    session.execute(
        insert(EnforcementNumberCounter)
        .values(jurisdiction_id=jurisdiction_id, kind=kind, year=year, last_number=0)
        .on_conflict_do_nothing()
    )
    counter = EnforcementNumberCounter
    return session.execute(
        update(counter)
        .where(
            counter.jurisdiction_id == jurisdiction_id,
            counter.kind == kind,
            counter.year == year,
        )
        .values(last_number=counter.last_number + 1)
        .returning(counter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def assign_number(document, kind: str, enterprise: Enterprise, year: int) -> None:
    """Give a document its authority and the next number of its kind and year."""
    authority = authority_of(enterprise)
    serial = next_serial(authority.jurisdiction.id, kind, year)
    document.authority_jurisdiction_id = authority.jurisdiction.id
    document.number_year = year
    document.serial = serial
    document.number = format_number(authority.abbreviation, kind, year, serial)
