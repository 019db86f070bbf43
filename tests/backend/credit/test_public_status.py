"""What the public page says of an enterprise on the blacklist: red, the list by its name, and
no standardisation grade — 方案5 二(四) (S000:L196) "对纳入'黑名单'的生产经营单位…下调或取消
安全生产诚信等级", the grade being the 诚信等级 (S000:L195)."""

from tests.backend.web.test_pages import text, token_of


def test_a_blacklisted_enterprise_shows_no_grade(client, session, world, make_entry):
    ent = world["enterprises"]["ent"]
    ent.standardisation_grade = "grade1"
    session.commit()
    before = text(client.get(f"/q/{token_of(session, ent)}"))
    assert '<dd id="grade">一级</dd>' in before

    make_entry("published")
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert 'data-color="red"' in page
    assert '<dd id="grade">一级</dd>' not in page
    assert "列入“黑名单”管理期间不予展示" in page
    assert "严重失信名单" not in page and "“黑名单”" in page


def test_an_entry_still_in_procedure_changes_nothing_public(client, session, world, make_entry):
    ent = world["enterprises"]["ent"]
    ent.standardisation_grade = "grade2"
    session.commit()
    make_entry("confirmed")
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert '<dd id="grade">二级</dd>' in page and 'data-color="green"' in page


def test_a_device_pulls_the_blacklisted_enterprise_red(client, session, world, make_entry, device):
    from tests.backend.hazards.test_overdue_meaning import _pulled_enterprise

    make_entry("published")
    headers = device(world["users"]["inspector"], "phone-1")
    record = _pulled_enterprise(client, headers, world["enterprises"]["ent"].id)
    assert record["safety_code_color"] == "red"


def test_a_decided_record_is_published_without_its_evidence(client, session, world, make_record):
    """公布 (方案2 L79, L95): a record in force shows on the public page — what and until when —
    never the evidence; a candidate still under review does not."""
    ent = world["enterprises"]["ent"]
    make_record(state="proposed", trigger="illegal_production", evidence="线人举报材料")
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert 'id="bad-records"' not in page
    record = make_record(trigger="enforcement_refused", evidence="现场检查笔录 2026-015")
    session.commit()
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    published = page.split('id="bad-records"')[1].split('id="commitments"')[0]
    assert "拒不执行安全监管监察指令" in published and f"管理期限至 {record.ends_on}" in published
    assert "现场检查笔录" not in page and "线人举报材料" not in page
    assert "非法违法组织生产经营建设" not in page
