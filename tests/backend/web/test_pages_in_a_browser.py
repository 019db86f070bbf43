"""The pages in a real headless Chromium (Debian's, driven by Playwright) at a phone's size,
against the app served by a real WSGI server in a thread with its own SQLite file."""

import io
import urllib.request
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image

from tests.backend.fixtures.browser import PASSWORD, PHONE, live_server, phone_browser
from tests.backend.fixtures.media import jpeg


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The app on 127.0.0.1 with a small world: an enterprise with hazards in every state."""
    with live_server(tmp_path_factory, "live-pages", _pages_world) as served:
        yield served


def _pages_world(app, base) -> dict:
    from backend.checklists.services import applicable_versions, publish_shipped
    from backend.core.db import db
    from backend.core.timeutil import today_in_shanghai
    from backend.credit import blacklist
    from backend.demo import _published_blacklist_entry, demo_uscc
    from backend.enterprises.services import create_enterprise
    from backend.hazards import services as hazard_service
    from backend.inspections import services as inspections
    from backend.jurisdictions.services import create_jurisdiction
    from backend.models import HazardAction, utcnow
    from backend.safety_code.services import current_code, refresh_safety_code_color
    from backend.users.auth import issue_token
    from backend.users.services import create_user

    today = today_in_shanghai()
    publish_shipped()
    district = create_jurisdiction(name="示范区", level="district", parent=None)
    street = create_jurisdiction(name="新城街道", level="street", parent=district)
    other_street = create_jurisdiction(name="江南镇", level="street", parent=district)
    ent = create_enterprise(
        name="示范化工有限公司",
        uscc=demo_uscc(771),
        industry="hazardous_chemicals",
        scale="above_scale",
        jurisdiction_id=street.id,
        principal_name="张主任",
        principal_phone="13800138000",
        standardisation_grade="grade2",
    )
    ent2 = create_enterprise(
        name="精工机械制造有限公司",
        uscc=demo_uscc(772),
        industry="industry_trade.machinery",
        scale="above_scale",
        jurisdiction_id=other_street.id,
    )
    ent3 = create_enterprise(
        name="绿源食品有限公司",
        uscc=demo_uscc(773),
        industry="industry_trade.light_industry",
        scale="above_scale",
        jurisdiction_id=street.id,
    )
    users = {
        "manager": create_user(
            username="manager",
            password=PASSWORD,
            role="enterprise_manager",
            enterprise_id=ent.id,
        ),
        "supervisor": create_user(
            username="supervisor",
            password=PASSWORD,
            role="supervisor",
            jurisdiction_id=district.id,
        ),
        "inspector": create_user(
            username="inspector",
            password=PASSWORD,
            role="inspector",
            jurisdiction_id=district.id,
        ),
    }
    inspector = users["inspector"]

    def report(enterprise, title, grade="general", overdue_days=0):
        hazard = hazard_service.report_hazard(
            inspector,
            enterprise_id=enterprise.id,
            title=title,
            grade=grade,
            due_on=today + timedelta(days=7),
        )
        if overdue_days:
            hazard.due_on = today - timedelta(days=overdue_days)
        return hazard

    to_rectify = report(ent, "配电箱未上锁")
    report(ent, "储罐区可燃气体报警器失效", grade="major", overdue_days=12)
    report(ent2, "冲压机安全光栅失效", overdue_days=4)
    report(ent2, "<b>粗体</b>标题的隐患", overdue_days=1)
    noted = report(ent, "消防通道被占用")
    to_verify = report(ent2, "应急照明损坏")
    to_verify.status = "submitted"
    db.session.add(
        HazardAction(
            id="html-note",
            hazard_id=noted.id,
            seq=50,
            action="reject",
            from_status="submitted",
            to_status="rectifying",
            actor_role="inspector",
            note='<img src=x alt="注入">整改不到位',
        )
    )
    # The manager's finished duty self-inspection (the duty commitment follows one).
    duty31 = next(v for v in applicable_versions(ent, "self_inspection") if v.code == "duty31")
    duty = inspections.start_inspection(
        users["manager"],
        enterprise_id=ent.id,
        checklist_version_id=duty31.id,
        kind="self_inspection",
    )
    for code in inspections.applicable_items(duty)[2]:
        inspections.record_finding(users["manager"], duty, item_code=code, result="pass")
    inspections.finish_inspection(users["manager"], duty)
    # A blacklist entry in publication, for /blacklist to show (the demo's own).
    listed = create_enterprise(
        name="恒达建材有限公司",
        uscc=demo_uscc(774),
        industry="industry_trade.building_materials",
        scale="above_scale",
        jurisdiction_id=street.id,
    )
    _published_blacklist_entry(users["supervisor"], listed, utcnow() - timedelta(days=25))
    # A blacklist entry told to the enterprise, which defended itself: the board decides.
    entry = blacklist.collect(
        users["supervisor"],
        enterprise_id=ent.id,
        trigger="major_hazard_not_rectified",
        reason="重大事故隐患逾期未整改",
        facts="储罐区可燃气体报警器失效，逾期12日未整改。",
    )
    blacklist.apply_action(users["supervisor"], entry, "notify")
    blacklist.apply_action(users["manager"], entry, "submit_defence", note="报警器已订货。")
    for enterprise in (ent, ent2, ent3):
        refresh_safety_code_color(enterprise.id)
    tokens = {
        color: current_code(enterprise).token
        for color, enterprise in (("red", ent), ("yellow", ent2), ("green", ent3))
    }
    token, _ = issue_token(users["supervisor"], ttl=timedelta(hours=1))
    db.session.commit()
    world = {
        "enterprise_id": ent.id,
        "enterprise_name": ent.name,
        "to_rectify": to_rectify.id,
        "extension_to": (today + timedelta(days=30)).isoformat(),
        "noted": noted.id,
        "to_verify": to_verify.id,
        "tokens": tokens,
        "entry": entry.id,
    }
    return {"auth": {"Authorization": f"Bearer {token}"}, **world}


@pytest.fixture(scope="module")
def browser():
    with phone_browser("xuncha-chromium-") as context:
        yield context


@pytest.fixture
def page(browser):
    page = browser.new_page()
    browser.clear_cookies()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    yield page
    page.close()
    # A page that broke its own CSP (an inline style, a script) says so on the console.
    assert not [e for e in errors if "Content Security Policy" in e], errors


def _log_in(page, live, area: str, username: str) -> None:
    page.goto(f"{live['base']}/{area}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_public_page_opened_from_the_decoded_qr_code(live, page, tmp_path):
    request = urllib.request.Request(
        f"{live['base']}/api/v1/enterprises/{live['enterprise_id']}/qr.png", headers=live["auth"]
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        png = response.read()
    (decoded,) = [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded.startswith(f"{live['base']}/q/")
    response = page.goto(decoded)
    assert response.status == 200
    status = page.locator("#status")
    assert status.get_attribute("data-color") == "red"  # an overdue major hazard
    assert "红码" in status.inner_text()
    assert page.inner_text("#enterprise-name") == live["enterprise_name"]
    assert page.inner_text("#overdue-count") == "1"
    body = page.inner_text("body")
    assert "12350" in body and "二级" in body
    assert "张主任" not in body and "13800138000" not in body and "报警器失效" not in body
    # The colour band is drawn by the nonce'd stylesheet (the CSP let it apply).
    background = status.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background == "rgb(217, 48, 37)"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "public.png", full_page=True)


def test_portal_rectification_with_a_photo(live, page, tmp_path):
    _log_in(page, live, "portal", "manager")
    assert page.url.endswith("/portal/hazards")
    assert page.locator("#code-color").get_attribute("data-color") == "red"
    assert page.locator("li.hz").count() == 3  # its own open hazards only
    page.screenshot(path=tmp_path / "portal-hazards.png", full_page=True)
    page.click(f"li[data-hazard-id='{live['to_rectify']}'] a.title")
    assert page.locator("#hazard").get_attribute("data-status") == "reported"
    # Plan → start → (an extension request) → submit: separate steps, none claiming the next.
    assert page.locator("#photos").count() == 0
    page.fill("#plan_owner", "设备科 周工")
    with page.expect_navigation():
        page.click("#start")
    assert page.locator("#hazard").get_attribute("data-status") == "rectifying"
    page.fill("#extension-due-on", live["extension_to"])
    page.fill("#extension-note", "锁具需定制，到货后安装")
    with page.expect_navigation():
        page.click("#request-extension")
    assert "延期申请已提交" in page.inner_text("#flash")
    assert "待审批" in page.inner_text("#hazard")
    page.fill("#note", "已加锁，张贴警示标识")
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg())
    page.set_input_files("#photos", str(photo))
    with page.expect_navigation():
        page.click("#submit")
    assert page.locator("#hazard").get_attribute("data-status") == "submitted"
    assert page.inner_text("#status") == "待复查"
    assert "整改已提交" in page.inner_text("#flash")
    thumbnail = page.locator("#history img").first
    thumbnail.wait_for()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=tmp_path / "portal-submitted.png", full_page=True)
    # A note holding HTML shows as text.
    page.goto(f"{live['base']}/portal/hazards/{live['noted']}")
    assert '<img src=x alt="注入">整改不到位' in page.inner_text("#history")
    assert page.locator("img[src='x']").count() == 0


def test_board_shows_the_most_overdue_first(live, page, tmp_path):
    _log_in(page, live, "board", "supervisor")
    rows = page.locator("#overdue li.od")
    days = [
        int(value) for value in rows.evaluate_all("items => items.map(i => i.dataset.daysOverdue)")
    ]
    assert days == sorted(days, reverse=True) and days[0] == 12
    assert "储罐区可燃气体报警器失效" in rows.first.inner_text()
    assert "<b>粗体</b>标题的隐患" in page.inner_text("#overdue")
    assert page.locator("#overdue b").count() == 0
    assert page.locator("svg.chart").count() == 3
    assert "新城街道" in page.inner_text("#chart-jurisdiction")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "board.png", full_page=True)
    # The filters narrow the list (folded away until asked for).
    page.click("details.filters-box summary")
    page.select_option("#grade", "major")
    with page.expect_navigation():
        page.click("form.filters button")
    assert page.locator("#overdue li.od").count() == 1


def test_the_supervisor_verifies_from_the_board(live, page, tmp_path):
    _log_in(page, live, "board", "supervisor")
    assert int(page.inner_text("#queue-awaiting")) >= 1
    page.click(f"#queue a[href$='/board/hazards/{live['to_verify']}']")
    assert page.locator("#hazard").get_attribute("data-status") == "submitted"
    page.fill("#note", "现场核验，应急照明已更换")
    with page.expect_navigation():
        page.click("#do-verify")
    assert page.locator("#hazard").get_attribute("data-status") == "closed"
    assert "已核验合格，销号" in page.inner_text("#flash")
    assert "现场核验，应急照明已更换" in page.inner_text("#history")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "board-verified.png", full_page=True)


# --- accessibility (axe-core) ---------------------------------------------------------------

SERIOUS = ("serious", "critical")


def _accessibility_problems(page) -> list[str]:
    """axe-core's violations that are serious or critical, and any colour-contrast one."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS or violation["id"] == "color-contrast"
    ]


@pytest.mark.parametrize("color", ["green", "yellow", "red"])
def test_the_public_page_passes_axe(live, page, color, tmp_path):
    page.goto(f"{live['base']}/q/{live['tokens'][color]}")
    assert page.locator("#status").get_attribute("data-color") == color
    assert _accessibility_problems(page) == []
    page.screenshot(path=tmp_path / f"public-{color}.png", full_page=True)


@pytest.mark.parametrize("path", ["/", "/blacklist", "/gongshi", "/gongshi?kind=licences"])
def test_the_landing_page_and_the_blacklist_pass_axe(live, page, path):
    page.goto(f"{live['base']}{path}")
    if path == "/blacklist":
        assert "恒达建材有限公司" in page.inner_text("main")
    assert _accessibility_problems(page) == []


@pytest.mark.parametrize("path", ["/board/campaigns", "/board/five-implementations"])
def test_the_boards_new_pages_pass_axe_and_fit_the_phone(live, page, path):
    _log_in(page, live, "board", "supervisor")
    page.goto(f"{live['base']}{path}")
    assert _accessibility_problems(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- the portal's inspections and commitments ----------------------------------------------


def test_the_manager_reads_an_inspection_report_and_signs_a_commitment(live, page, tmp_path):
    _log_in(page, live, "portal", "manager")
    page.click("#to-inspections")
    page.click("#inspections li.ins a.title")
    assert page.locator("#inspection").get_attribute("data-status") == "finished"
    assert page.locator(".item[data-result='pass']").count() == 31
    assert page.inner_text("#score")
    assert _accessibility_problems(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "portal-report.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("header.bar").is_visible()  # the printed report has no navigation
    page.emulate_media(media="screen")

    page.click("#to-commitments")
    page.click("li[data-template='duty_commitment'] a")
    assert "本人郑重承诺" in page.inner_text("#commitment-text")
    page.fill("#signer_name", "王安全")
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for x, y in ((90, 40), (150, 130), (210, 50), (280, 110)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    assert _accessibility_problems(page) == []
    page.screenshot(path=tmp_path / "portal-sign.png", full_page=True)
    with page.expect_navigation():
        page.click("#sign")
    assert "承诺书已签署" in page.inner_text("#flash")
    assert "王安全" in page.inner_text("#signer")
    signature = page.locator("#signature")
    signature.wait_for()
    assert signature.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=tmp_path / "portal-signed.png", full_page=True)


def test_the_manager_self_inspects_online_and_a_failure_becomes_a_hazard(live, page, tmp_path):
    _log_in(page, live, "portal", "manager")
    page.goto(f"{live['base']}/portal/inspections")
    page.select_option("#checklist", label=page.locator("#checklist option").first.inner_text())
    with page.expect_navigation():
        page.click("#start-self-inspection")
    items = page.locator("#self-inspection .item")
    codes = items.evaluate_all("nodes => nodes.map(n => n.dataset.item)")
    first, *rest = codes
    page.check(f"#result-{first}-fail")
    page.click(f".item[data-item='{first}'] summary")
    page.fill(f"#note-{first}", "应急预案未按期演练")
    photo = tmp_path / "finding.jpg"
    photo.write_bytes(jpeg())
    page.set_input_files(f"#photos-{first}", str(photo))
    with page.expect_navigation():
        page.click("#save")
    assert "已保存" in page.inner_text("#flash")
    assert page.locator(f"#result-{first}-fail").is_checked()
    assert _accessibility_problems(page) == []
    page.screenshot(path=tmp_path / "portal-self-inspection.png", full_page=True)
    for code in rest:
        page.check(f"#result-{code}-pass")
    with page.expect_navigation():
        page.click("#finish")
    assert "1 项不合格已登记为隐患" in page.inner_text("#flash")
    assert page.locator(f".item[data-item='{first}']").get_attribute("data-result") == "fail"
    page.screenshot(path=tmp_path / "portal-self-inspection-done.png", full_page=True)
    with page.expect_navigation():
        page.click(f".item[data-item='{first}'] a.hazard-link")
    assert page.locator("#hazard").get_attribute("data-status") == "reported"
    assert "应急预案未按期演练" in page.inner_text("#description")
    assert page.locator("#self-reported").count() == 1


def test_the_supervisor_decides_a_blacklist_entry_from_the_board(live, page, tmp_path):
    _log_in(page, live, "board", "supervisor")
    assert page.inner_text("#queue-blacklist") == "1"
    assert "待决定是否纳入" in page.inner_text("#queue-blacklist-steps")
    with page.expect_navigation():
        page.click("#to-blacklist")
    entry = page.locator(f"li[data-entry-id='{live['entry']}']")
    assert entry.get_attribute("data-state") == "notified"
    assert "报警器已订货。" in entry.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "board-blacklist.png", full_page=True)
    # Answering the defence needs a reason: the service refuses, the page says so.
    with page.expect_navigation():
        entry.locator("button.confirm").click()
    assert "请填写说明" in page.inner_text("#error")
    page.fill(f"#note-{live['entry']}", "复查时报警器仍未更换，申辩不成立。")
    with page.expect_navigation():
        page.locator(f"li[data-entry-id='{live['entry']}'] button.confirm").click()
    assert "已确认纳入" in page.inner_text("#flash")
    confirmed = page.locator(f"li[data-entry-id='{live['entry']}']")
    assert confirmed.get_attribute("data-state") == "confirmed"
    with page.expect_navigation():
        confirmed.locator("button.publish").click()
    published = page.locator(f"li[data-entry-id='{live['entry']}']")
    assert published.get_attribute("data-state") == "published"
    page.screenshot(path=tmp_path / "board-blacklist-published.png", full_page=True)
    page.goto(f"{live['base']}/blacklist?level=county")
    assert live["enterprise_name"] in page.inner_text("#current")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "public-blacklist.png", full_page=True)
