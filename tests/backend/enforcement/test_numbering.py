"""Document numbers: per authority (the district), kind and year, from 1, without gaps or
repeats — also when many officials issue at once (real commits, SQLite or PostgreSQL)."""

import threading
import uuid

from sqlalchemy import delete

from backend.enforcement.numbering import authority_of, format_number, next_serial

ISSUERS = 12


def test_numbers_read_like_the_official_text_form():
    order = format_number("崂山应急", "rectification_order", 2026, 12)
    assert order == "（崂山应急）责改〔2026〕12号"
    assert format_number("崂山应急", "review_opinion", 2026, 3) == "（崂山应急）复查〔2026〕3号"
    assert format_number("崂山应急", "penalty_decision", 2026, 7) == "（崂山应急）罚〔2026〕7号"


def test_the_authority_is_the_district_with_a_configurable_abbreviation(
    app, session, make_jurisdiction, make_enterprise
):
    district = make_jurisdiction("district", name="崂山区")
    grid = make_jurisdiction("grid", make_jurisdiction("street", district))
    enterprise = make_enterprise(grid)
    authority = authority_of(enterprise)
    assert authority.jurisdiction.id == district.id
    assert (authority.name, authority.abbreviation) == ("崂山区应急管理局", "崂山应急")
    app.config["ENFORCEMENT_ABBREVIATIONS"] = f"{district.id}:青崂应急"
    try:
        assert authority_of(enterprise).abbreviation == "青崂应急"
    finally:
        app.config["ENFORCEMENT_ABBREVIATIONS"] = ""


def test_each_authority_kind_and_year_counts_on_its_own(session, make_jurisdiction):
    first, second = make_jurisdiction(), make_jurisdiction()
    assert [next_serial(first.id, "penalty_decision", 2026) for _ in range(3)] == [1, 2, 3]
    assert next_serial(second.id, "penalty_decision", 2026) == 1
    assert next_serial(first.id, "rectification_order", 2026) == 1
    assert next_serial(first.id, "penalty_decision", 2027) == 1
    assert next_serial(first.id, "penalty_decision", 2026) == 4


def test_a_rolled_back_document_gives_its_number_back(session, make_jurisdiction):
    district = make_jurisdiction()
    assert next_serial(district.id, "review_opinion", 2026) == 1
    session.commit()
    nested = session.begin_nested()
    assert next_serial(district.id, "review_opinion", 2026) == 2
    nested.rollback()
    assert next_serial(district.id, "review_opinion", 2026) == 2


def test_concurrent_issuers_get_one_to_n_without_gap_or_repeat(app, database_url, tmp_path):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY, db
    from backend.models import EnforcementNumberCounter, Jurisdiction

    issuing = create_app(
        {"DATABASE_URL": database_url, "MEDIA_ROOT": str(tmp_path / "media"), "TESTING": True}
    )
    with issuing.app_context():
        district = Jurisdiction(name=f"并发区{uuid.uuid4().hex[:6]}", level="district")
        db.session.add(district)
        db.session.flush()
        district.path = f"/{district.id}/"
        db.session.commit()
        district_id = district.id
        db.session.remove()
    numbers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(ISSUERS)

    def issue() -> None:
        with issuing.app_context():
            try:
                start.wait(timeout=30)
                numbers.append(next_serial(district_id, "penalty_decision", 2026))
                db.session.commit()
            except BaseException as error:  # reported below, with the numbers
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(ISSUERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        assert sorted(numbers) == list(range(1, ISSUERS + 1))
    finally:
        with issuing.app_context():
            db.session.execute(
                delete(EnforcementNumberCounter).where(
                    EnforcementNumberCounter.jurisdiction_id == district_id
                )
            )
            db.session.execute(delete(Jurisdiction).where(Jurisdiction.id == district_id))
            db.session.commit()
            db.session.remove()
        issuing.extensions[EXTENSION_KEY].dispose()
