"""The public side a newcomer or a passer-by sees: the landing page, why an enterprise has its
colour, "not yet inspected" said as such, who publishes, and colours readable (WCAG AA)."""

import re
from datetime import timedelta
from pathlib import Path

from backend.core.timeutil import SHANGHAI, today_in_shanghai
from tests.backend.web.test_pages import text, token_of

BASE_HTML = Path(__file__).resolve().parents[3] / "backend" / "templates" / "base.html"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_white_text_on_each_status_colour_meets_wcag_aa():
    css = BASE_HTML.read_text(encoding="utf-8")
    for name in ("green", "yellow", "red"):
        colour = re.search(rf"--{name}: (#[0-9a-f]{{6}})", css).group(1)
        contrast = 1.05 / (_luminance(colour) + 0.05)
        assert contrast >= 4.5, (name, colour, round(contrast, 2))


def test_the_landing_page_links_every_way_in(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = text(response)
    for link in ("/portal/", "/board/", "/blacklist", "/api/v1/docs"):
        assert f'href="{link}"' in page, link
    assert '<html lang="zh-CN">' in page


def test_a_green_enterprise_never_inspected_says_so(client, session, world):
    page = text(client.get(f"/q/{token_of(session, world['enterprises']['ent'])}"))
    assert 'data-color="green"' in page
    assert 'id="not-inspected"' in page and "不代表已经检查合格" in page
    assert "尚未检查" in page
    assert "发布单位：D区应急管理部门" in page


def test_the_page_says_why_the_enterprise_is_red(client, session, world, make_hazard, make_entry):
    ent = world["enterprises"]["ent"]
    make_hazard("rectifying", grade="major", due_on=today_in_shanghai() - timedelta(days=2))
    make_hazard("rectifying", due_on=today_in_shanghai() - timedelta(days=1))
    make_entry("published")
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    assert 'data-color="red"' in page
    reasons = page.split('id="reasons"')[1].split("</div>")[0]
    assert "列入安全生产“黑名单”" in reasons
    assert "1项重大事故隐患逾期未整改" in reasons
    assert "1项一般事故隐患逾期未整改" in reasons
    assert 'id="not-inspected"' not in page


def test_the_last_inspection_is_dated_when_it_took_place(client, session, world):
    """An inspection finished offline ten days ago and synced today is dated ten days ago."""
    from datetime import UTC, datetime

    from backend.checklists import services as checklists
    from backend.inspections import services as inspections

    ent, inspector = world["enterprises"]["ent"], world["users"]["inspector"]
    (version,) = [v for v in checklists.current_versions() if v.code == "wuluoshi"]
    inspection = inspections.start_inspection(
        inspector, enterprise_id=ent.id, checklist_version_id=version.id, kind="supervision"
    )
    for code in inspections.applicable_items(inspection)[2]:
        inspections.record_finding(inspector, inspection, item_code=code, result="pass")
    on_site = datetime.now(UTC) - timedelta(days=10)
    inspections.finish_inspection(inspector, inspection, finished_at=on_site)
    session.commit()
    page = text(client.get(f"/q/{token_of(session, ent)}"))
    day = on_site.astimezone(SHANGHAI).date()
    assert f'<dd id="last-inspection">{day}（监管检查）</dd>' in page
