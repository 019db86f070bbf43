"""The inspector's offline app (/app/, issue 15) in a real headless Chromium at a phone's size:
log in, first sync, go offline, scan a poster, inspect, report a 立查立改, verify a hazard,
reload offline, go online, sync; then the server holds every record and photo exactly once.
Then the second round: the rectification order made offline (issue 17), the registers beside
the items (issue 18), the grid worker's patrol (issue 19) and the EXIF capture time (issue 15)."""

import hashlib
import io
import os
import re
import time
from datetime import timedelta

import pytest
import qrcode
from sqlalchemy import func, select

from tests.backend.fixtures.browser import PASSWORD, live_server, phone_browser
from tests.backend.fixtures.media import jpeg

SCREENSHOTS = os.environ.get("XUNCHA_APP_SCREENSHOTS")  # a directory outside the repo


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with live_server(tmp_path_factory, "live-app", _app_world) as served:
        yield served


def _app_world(app, base) -> dict:
    from backend.checklists.services import publish_shipped
    from backend.core.db import db
    from backend.core.timeutil import today_in_shanghai
    from backend.demo import demo_uscc
    from backend.enterprises.services import create_enterprise
    from backend.hazards import services as hazard_service
    from backend.jurisdictions.services import create_jurisdiction
    from backend.models import Photo
    from backend.photos.services import receive_upload
    from backend.risks.services import create_risk_point, declare_installation
    from backend.safety_code.services import current_code, public_url
    from backend.users.services import create_user

    publish_shipped()
    district = create_jurisdiction(name="示范区", level="district", parent=None)
    ent = create_enterprise(
        name="示范化工有限公司",
        uscc=demo_uscc(881),
        industry="hazardous_chemicals",
        scale="above_scale",
        jurisdiction_id=district.id,
        principal_name="张主任",
    )
    inspector = create_user(
        username="inspector", password=PASSWORD, role="inspector", jurisdiction_id=district.id
    )
    manager = create_user(
        username="manager", password=PASSWORD, role="enterprise_manager", enterprise_id=ent.id
    )
    town = create_jurisdiction(name="东镇", level="street", parent=district)
    grid = create_jurisdiction(name="东一村", level="grid", parent=town)
    in_grid = create_enterprise(
        name="东一村五金厂",
        uscc=demo_uscc(882),
        industry="industry_trade.machinery",
        jurisdiction_id=grid.id,
    )
    create_user(
        username="gridworker", password=PASSWORD, role="grid_worker", jurisdiction_id=grid.id
    )
    point = create_risk_point(
        manager,
        enterprise_id=ent.id,
        kind="place",
        name="液氯储罐区",
        location="东厂区",
        hazard_types=["fire"],
        method="lec",
        lec_l=3,
        lec_e=6,
        lec_c=40,
        control_measures="动火审批",
        control_level="company",
        responsible_person="赵六",
    )
    declare_installation(
        manager,
        enterprise_id=ent.id,
        name="液氯储罐区",
        unit_kind="storage",
        substances=[{"substance": "chlorine", "quantity_t": 62.5}],
        exposed_people=120,
    )
    hazard = hazard_service.report_hazard(
        inspector,
        enterprise_id=ent.id,
        title="配电箱未上锁",
        due_on=today_in_shanghai() + timedelta(days=7),
    )
    hazard_service.apply_action(manager, hazard, "start_rectification", plan={"owner": "王五"})
    after = jpeg()
    receive_upload(manager, io.BytesIO(after), hashlib.sha256(after).hexdigest())
    hazard_service.apply_action(
        manager, hazard, "submit", note="已加锁", photos=[hashlib.sha256(after).hexdigest()]
    )
    seeded_photo_owners = list(db.session.scalars(select(Photo.owner_id)))
    code = current_code(ent)
    poster = qrcode.make(public_url(code.token))
    buffer = io.BytesIO()
    poster.save(buffer, format="PNG")
    db.session.commit()
    world = {"enterprise_id": ent.id, "to_verify": hazard.id, "poster": buffer.getvalue()}
    world |= {"in_grid": in_grid.id, "risk_point": point.id, "risk_level": point.level}
    world["seeded_photo_owners"] = seeded_photo_owners
    return world


@pytest.fixture
def phone(request):
    """A fresh phone; `service_workers` "block" lets Playwright see every request (a service
    worker's requests bypass its routes)."""
    with _phone_context(getattr(request, "param", "allow")) as context:
        yield context


def _phone_context(service_workers="allow", extra_args=()):
    return phone_browser("xuncha-app-", extra_args, service_workers=service_workers)


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def _watched_page(phone):
    """The phone's page, and the script errors it throws from now on."""
    page = phone.pages[0] if phone.pages else phone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def _signed_in(phone, live, username="inspector"):
    """`_watched_page` once `username` has logged in and the first sync has filled 今日."""
    page, errors = _watched_page(phone)
    _log_in(page, live, username)
    page.wait_for_selector("#enterprise-list li", timeout=60_000)
    return page, errors


def _files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _wait_for(page, condition, seconds=30):
    """Poll, letting Playwright run its handlers meanwhile (a sleep would stall them)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        page.wait_for_timeout(300)
    return False


def test_a_days_inspection_offline_lands_on_the_server_once(live, phone, tmp_path):
    from backend.core.db import db
    from backend.models import (
        Finding,
        Hazard,
        HazardAction,
        Inspection,
        MediaObject,
        Photo,
        SyncRejection,
    )
    from backend.users.auth import issue_token

    page, errors = _watched_page(phone)
    page.goto(f"{live['base']}/app/")
    page.fill("#username", "inspector")
    page.fill("#password", PASSWORD)
    page.click("form.login button")
    page.wait_for_selector("#enterprise-list li", timeout=60_000)  # the first sync
    _shot(page, "1-today")
    assert "配电箱未上锁" in page.inner_text("#to-verify")
    assert page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

    phone.set_offline(True)
    page.goto(f"{live['base']}/app/#/scan")
    page.set_input_files("#scan-file", _files(tmp_path, "poster.png", live["poster"]))
    page.wait_for_selector("#checklists li", timeout=20_000)
    _shot(page, "2-enterprise")
    assert page.inner_text("#colour") in ("绿码", "黄码", "红码")
    assert "配电箱未上锁" in page.inner_text("#open-hazards")

    page.click("#checklists button >> text=五落实")
    page.wait_for_selector("li.item")
    items = page.locator("li.item")
    count = items.count()
    items.nth(0).locator("button[data-result=fail]").click()
    items.nth(0).locator("input[type=file]").set_input_files(
        _files(tmp_path, "finding.jpg", jpeg())
    )
    for index in range(1, count):
        items.nth(index).locator("button[data-result=pass]").click()
    _shot(page, "3-checklist")
    page.click("#finish")
    page.wait_for_selector("#score")
    assert "得分" in page.inner_text("#score")

    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    form = page.locator("#hazard-form")
    form.locator("input[name=title]").fill("灭火器压力不足")
    form.locator("input[type=file]").nth(0).set_input_files(_files(tmp_path, "b.jpg", jpeg()))
    form.locator("input[name=fixed_on_spot]").check()
    form.locator("input[type=file]").nth(1).set_input_files(_files(tmp_path, "a.jpg", jpeg()))
    assert _wait_for(page, lambda: "整改后照片 1" in form.locator("small").inner_text(), 10)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#toast:not([hidden])")

    page.goto(f"{live['base']}/app/#/h/{live['to_verify']}")
    page.fill("#decision-note", "现场核验，已整改到位")
    page.click("#verify")
    page.wait_for_selector("#enterprise-list")

    page.reload()  # offline: the service worker serves the shell, the data is on the phone
    page.goto(f"{live['base']}/app/#/outbox")
    page.wait_for_selector("#waiting li")
    _shot(page, "4-outbox-offline")
    assert "照片待上传：3 张" in page.inner_text("#photos-waiting")

    phone.set_offline(False)
    page.click("#sync-button")

    def everything_arrived():
        with live["app"].app_context():
            held = db.session.scalar(select(func.count()).select_from(MediaObject))
            verified = db.session.scalar(
                select(func.count())
                .select_from(HazardAction)
                .where(HazardAction.action == "verify")
            )
            reported = db.session.scalar(
                select(func.count()).select_from(Hazard).where(Hazard.title == "灭火器压力不足")
            )
            db.session.remove()
            return held >= 4 and verified and reported

    assert _wait_for(page, everything_arrived, 60), "the records and photos did not arrive"
    with live["app"].app_context():
        (inspection,) = db.session.scalars(select(Inspection)).all()
        assert inspection.status == "finished"
        findings = db.session.scalars(select(Finding)).all()
        assert len(findings) == count
        assert [f.result for f in findings].count("fail") == 1
        titles = {h.title: h for h in db.session.scalars(select(Hazard))}
        assert (
            titles["灭火器压力不足"].status == "closed" and titles["灭火器压力不足"].fixed_on_spot
        )
        assert any(h.finding_id for h in titles.values())  # the failed item's hazard
        rejected = [(r.table_name, r.reason) for r in db.session.scalars(select(SyncRejection))]
        assert rejected == []
        assert titles["配电箱未上锁"].status == "closed"
        verified = db.session.scalars(
            select(HazardAction).where(HazardAction.action == "verify")
        ).all()
        assert len(verified) == 1
        pushed = db.session.scalars(
            select(Photo).where(Photo.owner_id.not_in(live["seeded_photo_owners"]))
        ).all()
        shas = [p.sha256 for p in pushed]
        assert len(set(shas)) == 3 == len(shas)
        assert db.session.scalar(select(func.count()).select_from(MediaObject)) == 4
        token, _ = issue_token(inspection.inspector, ttl=timedelta(minutes=5))
        db.session.commit()
        db.session.remove()
    # What the server says through its API, as any client would see it.
    api = live["app"].test_client()
    auth = {"Authorization": f"Bearer {token}"}
    listed = api.get(f"/api/v1/hazards?enterprise_id={live['enterprise_id']}", headers=auth)
    titles = sorted(h["title"] for h in listed.json)
    assert titles.count("灭火器压力不足") == 1 and "配电箱未上锁" in titles
    for sha in shas:
        assert api.head(f"/api/v1/media/{sha}", headers=auth).status_code == 200
    assert not errors, errors


@pytest.mark.parametrize("phone", ["block"], indirect=True)
def test_a_photo_upload_cut_midway_resumes_where_it_stopped(live, phone, tmp_path):
    """The connection drops after the first chunk of a photo: tus asks the server how far it
    got and sends only the rest; one upload, the bytes held once."""
    from backend.core.db import db
    from backend.models import MediaObject

    posts, offsets, cut = [], [], []

    def uploads(route, request):
        if request.method == "POST":
            posts.append(request.url)
        if request.method == "PATCH":
            offsets.append(int(request.headers["upload-offset"]))
            if len(offsets) == 2 and not cut:
                cut.append(offsets[-1])
                return route.abort("connectionreset")
        return route.continue_()

    page = phone.pages[0] if phone.pages else phone.new_page()
    page.route(re.compile(r"/api/v1/uploads"), uploads)
    page.goto(f"{live['base']}/app/")
    page.fill("#username", "inspector")
    page.fill("#password", PASSWORD)
    page.click("form.login button")
    page.wait_for_selector("#enterprise-list li", timeout=60_000)
    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    big = jpeg(size=(1600, 1200), quality=95)
    page.locator("#hazard-form input[type=file]").nth(0).set_input_files(
        _files(tmp_path, "big.jpg", big)
    )

    def held_count():
        with live["app"].app_context():
            count = db.session.scalar(select(func.count()).select_from(MediaObject))
            db.session.remove()
            return count

    before = held_count()
    assert _wait_for(page, lambda: held_count() == before + 1, 60), (posts, offsets)
    assert len(posts) == 1  # one upload, resumed rather than started again
    assert cut and cut[0] > 0
    assert offsets.count(0) == 1  # the first chunk was never sent again
    assert offsets.count(cut[0]) == 2  # the cut chunk, sent again from where it stopped
    assert page.inner_text("#main")  # the app kept running


def _log_in(page, live, username):
    page.goto(f"{live['base']}/app/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login button")


def _inspect(page, live, checklist_title, failed_code):
    """Start a checklist at the enterprise, fail one item and pass the rest; the inspection id."""
    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    page.click(f"#checklists button >> text={checklist_title}")
    page.wait_for_selector("li.item")
    inspection_id = page.evaluate("() => location.hash.split('/')[2]")
    items = page.locator("li.item")
    for index in range(items.count()):
        code = items.nth(index).get_attribute("data-code")
        items.nth(index).locator(
            f"button[data-result={'fail' if code == failed_code else 'pass'}]"
        ).click()
    return inspection_id


def _api_token(live, username):
    from backend.core.db import db
    from backend.models import User
    from backend.users.auth import issue_token

    with live["app"].app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        token, _ = issue_token(user, ttl=timedelta(minutes=5))
        db.session.commit()
        db.session.remove()
    return {"Authorization": f"Bearer {token}"}


def test_a_rectification_order_made_offline_is_numbered_by_the_server_once(live, phone):
    from backend.core.db import db
    from backend.models import RectificationOrder

    page, errors = _signed_in(phone, live)
    phone.set_offline(True)
    inspection_id = _inspect(page, live, "五落实", None)
    page.locator("li.item").nth(0).locator("button[data-result=fail]").click()
    page.click("#finish")
    page.wait_for_selector("#issue-order")
    assert page.input_value("#official-1") == "inspector"  # the user's name, prefilled
    page.click("#issue-order")
    assert "指令书需两名执法人员签名" in page.inner_text("#toast")
    page.fill("#official-2", "李四")
    page.click("#issue-order")
    page.wait_for_selector("#order-number")
    assert page.inner_text("#order-number") == "待编号"  # a device never numbers
    _shot(page, "5-order-pending")

    phone.set_offline(False)
    page.click("#sync-button")
    assert _wait_for(
        page,
        lambda: (
            page.locator("#order-number").count()
            and page.inner_text("#order-number") not in ("", "待编号")
        ),
        60,
    )
    number = page.inner_text("#order-number")
    page.click("#sync-button")  # a second sync sends nothing twice
    page.wait_for_timeout(1500)
    with live["app"].app_context():
        orders = db.session.scalars(
            select(RectificationOrder).where(RectificationOrder.inspection_id == inspection_id)
        ).all()
        assert len(orders) == 1
        assert orders[0].number == number and orders[0].official_names == ["inspector", "李四"]
        db.session.remove()
    api = live["app"].test_client()
    listed = api.get(
        f"/api/v1/enforcement/orders?enterprise_id={live['enterprise_id']}",
        headers=_api_token(live, "inspector"),
    )
    assert listed.status_code == 200, listed.json
    numbers = [o["number"] for o in listed.json]
    assert numbers.count(number) == 1
    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    page.wait_for_selector("#orders li")
    assert number in page.inner_text("#orders")  # read-only on the enterprise screen
    assert not errors, errors


def test_registers_show_beside_their_items_and_a_failed_item_links_a_risk_point(live, phone):
    from backend.core.db import db
    from backend.models import Finding, Hazard

    page, errors = _signed_in(phone, live)
    phone.set_offline(True)
    inspection_id = _inspect(page, live, "履职检查表", "D13")
    d13 = page.locator("li.item[data-code=D13]")
    lines = d13.locator("p.register").all_inner_texts()
    assert any("风险点1个" in line for line in lines), lines
    assert any("重大危险源" in line for line in lines), lines
    assert page.locator("li.item[data-code=D15] p.register").count() == 1
    assert page.locator("li.item[data-code=D1] p.register").count() == 0
    d13.locator("select.risk-point").select_option(live["risk_point"])
    _shot(page, "6-registers")
    page.click("#finish")
    page.wait_for_selector("#score")
    phone.set_offline(False)
    page.click("#sync-button")

    def arrived():
        with live["app"].app_context():
            found = db.session.scalars(
                select(Finding).where(Finding.inspection_id == inspection_id)
            ).all()
            hazard = db.session.scalar(select(Hazard).where(Hazard.inspection_id == inspection_id))
            db.session.remove()
            return found and hazard is not None

    assert _wait_for(page, arrived, 60)
    with live["app"].app_context():
        (failed,) = db.session.scalars(
            select(Finding).where(Finding.inspection_id == inspection_id, Finding.result == "fail")
        ).all()
        assert failed.item_code == "D13" and failed.risk_point_id == live["risk_point"]
        hazard = db.session.scalar(select(Hazard).where(Hazard.inspection_id == inspection_id))
        assert hazard.risk_point_id == live["risk_point"]
        db.session.remove()
    assert not errors, errors


def test_the_grid_worker_records_a_patrol_with_its_route_offline_and_it_arrives_once(live, phone):
    from backend.core.db import db
    from backend.models import Hazard, Patrol

    phone.grant_permissions(["geolocation"])
    phone.set_geolocation({"latitude": 36.07, "longitude": 120.38, "accuracy": 10})
    page, errors = _watched_page(phone)
    _log_in(page, live, "gridworker")
    page.wait_for_selector("#start-patrol", timeout=60_000)
    assert "巡查" in page.inner_text("nav") and "扫码" not in page.inner_text("nav")
    phone.set_offline(True)
    page.click("#start-patrol")
    assert _wait_for(page, lambda: "轨迹 1 点" in page.inner_text("#gps-points"), 20)
    phone.set_geolocation({"latitude": 36.08, "longitude": 120.39, "accuracy": 10})
    page.fill("#places", "东一村村委\n东一村工业园")
    page.check(f"#visited input[value='{live['in_grid']}']")
    page.fill("#observations", "园区消防通道畅通")
    page.select_option("#patrol-hazard-enterprise", str(live["in_grid"]))
    page.fill("#patrol-hazard-title", "仓库门口堆放杂物")
    page.click("#add-patrol-hazard")
    page.click("#save-patrol")
    page.wait_for_selector("#patrols li")
    _shot(page, "7-patrol")
    assert "待同步" in page.inner_text("#patrols")

    phone.set_offline(False)
    page.click("#sync-button")
    assert _wait_for(page, lambda: "已同步" in page.inner_text("#patrols"), 60)
    page.click("#sync-button")
    page.wait_for_timeout(1500)
    with live["app"].app_context():
        (patrol,) = db.session.scalars(select(Patrol)).all()
        assert patrol.places == ["东一村村委", "东一村工业园"]
        assert patrol.observations == "园区消防通道畅通"
        assert patrol.route and patrol.route[0]["lat"] == pytest.approx(36.07)
        hazards = db.session.scalars(select(Hazard).where(Hazard.title == "仓库门口堆放杂物")).all()
        assert len(hazards) == 1 and hazards[0].enterprise_id == live["in_grid"]
        db.session.remove()
    api = live["app"].test_client()
    listed = api.get("/api/v1/patrols", headers=_api_token(live, "inspector"))
    assert listed.status_code == 200, listed.json
    body = listed.json if isinstance(listed.json, list) else listed.json.get("items", [])
    assert [p["id"] for p in body] == [patrol.id]
    assert not errors, errors


def _jpeg_taken_at(text):
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = text  # DateTimeOriginal, in the Exif sub-IFD
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_a_photo_keeps_the_time_it_was_taken_from_its_exif(live, phone, tmp_path):
    from datetime import UTC, datetime

    from backend.core.db import db
    from backend.models import Photo

    page = phone.pages[0] if phone.pages else phone.new_page()
    _log_in(page, live, "inspector")
    page.wait_for_selector("#enterprise-list li", timeout=60_000)
    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    page.click("#checklists button >> text=五落实")
    page.wait_for_selector("li.item")
    inspection_id = page.evaluate("() => location.hash.split('/')[2]")
    shot = _jpeg_taken_at("2024:05:06 12:00:00")
    page.locator("li.item").nth(0).locator("input[type=file]").set_input_files(
        _files(tmp_path, "exif.jpg", shot)
    )
    page.wait_for_selector("#toast:not([hidden])")
    page.click("#sync-button")

    def photo():
        with live["app"].app_context():
            from backend.models import Finding

            finding_ids = select(Finding.id).where(Finding.inspection_id == inspection_id)
            found = db.session.scalar(select(Photo).where(Photo.owner_id.in_(finding_ids)))
            db.session.remove()
            return found

    assert _wait_for(page, lambda: photo() is not None, 60)
    taken = photo().taken_at
    taken = taken if taken.tzinfo else taken.replace(tzinfo=UTC)
    # The camera's local time, read in the phone's zone: within a day of it, not "now".
    assert abs(taken - datetime(2024, 5, 6, 12, tzinfo=UTC)) < timedelta(hours=14)


def _place(live, **positions):
    """Give enterprises of the live world coordinates (name → (lat, lon)), adding those missing."""
    from backend.core.db import db
    from backend.demo import demo_uscc
    from backend.enterprises.services import create_enterprise
    from backend.models import Enterprise

    with live["app"].app_context():
        district = db.session.get(Enterprise, live["enterprise_id"]).jurisdiction_id
        for number, (name, where) in enumerate(positions.items(), start=890):
            found = db.session.scalar(select(Enterprise).where(Enterprise.name == name))
            found = found or create_enterprise(
                name=name, uscc=demo_uscc(number), industry="fireworks", jurisdiction_id=district
            )
            found.latitude, found.longitude = where or (None, None)
        db.session.commit()
        db.session.remove()


def _nearby_rows(page, nearest: list[str]) -> list[str]:
    """The 附近企业 rows once the nearest are `nearest`; the list is drawn again when a sync
    ends, so it is read whole in one go."""
    seen = {"rows": []}

    def arrived():
        seen["rows"] = page.locator("#nearby-list li").all_inner_texts()
        return [row.split(" ")[0] for row in seen["rows"]][: len(nearest)] == nearest

    assert _wait_for(page, arrived, 20), seen["rows"]
    return seen["rows"]


def _plan_every_enterprise(live) -> dict[str, str]:
    """The planning job's plans, and each planned checklist's title by enterprise name."""
    from backend.core.db import db
    from backend.models import ChecklistVersion, Enterprise, InspectionPlan
    from backend.models.base import utcnow
    from backend.plans.services import plan_inspections

    with live["app"].app_context():
        plan_inspections(utcnow())
        db.session.commit()
        rows = db.session.execute(
            select(Enterprise.name, ChecklistVersion.title)
            .join(InspectionPlan, InspectionPlan.enterprise_id == Enterprise.id)
            .join(ChecklistVersion, ChecklistVersion.code == InspectionPlan.checklist_code)
            .where(ChecklistVersion.is_current.is_(True))
        )
        return dict(rows.all())


def test_enterprises_nearby_are_sorted_by_distance_on_the_phone_offline_too(live, phone):
    _place(
        live,
        **{
            "示范化工有限公司": (25.3700, 112.1940),
            "东一村五金厂": (25.4000, 112.2200),
            "城西烟花仓库": (25.3950, 112.2150),
            "无坐标烟花店": None,
        },
    )
    page, errors = _signed_in(phone, live)
    # No permission to locate: it says so, and the search still works.
    assert _wait_for(page, lambda: "无法获取当前位置" in page.inner_text("#nearby-status"), 20)
    page.fill("#search", "五金")
    assert page.inner_text("#enterprise-list") == "东一村五金厂"
    # The planned visits name their checklist by its title, not its code.
    titles = _plan_every_enterprise(live)
    page.reload()
    seen = {}

    def titled():
        seen["plans"] = page.locator(".plan-checklist").all_inner_texts()
        plans = seen["plans"]
        return plans and all(any(t in text for t in titles.values()) for text in plans)

    assert _wait_for(page, titled, 20), seen

    phone.grant_permissions(["geolocation"])
    phone.set_geolocation({"latitude": 25.4005, "longitude": 112.2204, "accuracy": 10})
    for offline in (False, True):  # offline, the positions come from the phone's database
        phone.set_offline(offline)
        page.reload()
        rows = _nearby_rows(page, ["东一村五金厂", "城西烟花仓库", "示范化工有限公司"])
        names = [row.split(" ")[0] for row in rows]
        assert names[-1] == "无坐标烟花店" and rows[-1].endswith("位置未知")
        assert re.search(r"\d+ 米$", rows[0]) and re.search(r"\d+\.\d 公里$", rows[2]), rows
    _shot(page, "8-nearby")
    assert not errors, errors


def _y4m_of(image_bytes, path, size=(640, 480), frames=10):
    """A Y4M video (YUV4MPEG2, 4:2:0 planar: Y, then U and V at half size) showing the image in
    the middle of a white frame: what Chromium's fake camera plays in a loop."""
    from PIL import Image

    picture = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    side = min(size) - 40
    picture = picture.resize((side, side))
    frame = Image.new("RGB", size, "white")
    frame.paste(picture, ((size[0] - side) // 2, (size[1] - side) // 2))
    y, u, v = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return str(path)


def test_the_camera_scans_the_poster_offline_to_its_enterprise(live, tmp_path):
    """Chromium's fake camera plays a video of the poster's QR code: getUserMedia + jsQR find
    the enterprise on the phone, with no network."""
    video = _y4m_of(live["poster"], tmp_path / "poster.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with _phone_context(extra_args=camera) as phone:
        phone.grant_permissions(["camera"])
        page, errors = _signed_in(phone, live)
        phone.set_offline(True)
        page.goto(f"{live['base']}/app/#/scan")
        page.click("#scan-camera")
        page.wait_for_selector("#colour", timeout=20_000)
        assert page.evaluate("() => location.hash") == f"#/e/{live['enterprise_id']}"
        assert page.inner_text("h1") == "示范化工有限公司"
        _shot(page, "9-camera-scan")
        assert not errors, errors


def _kept_after_photos(page):
    """The SHA-256 of the after-photos the phone keeps."""
    urls = page.evaluate(
        "() => caches.open('xuncha-after-photos').then((c) => c.keys())"
        ".then((keys) => keys.map((k) => k.url))"
    )
    return {re.search(r"/media/([0-9a-f]{64})", url).group(1) for url in urls}


def test_the_enterprises_after_photos_are_kept_for_verifying_offline(live, phone):
    """The enterprise sends its after-photos through the API; the inspector's sync keeps them,
    the verify screen shows them offline, and once verified they are dropped."""
    from backend.core.db import db
    from backend.core.timeutil import today_in_shanghai
    from backend.hazards import services as hazard_service
    from backend.models import User

    with live["app"].app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        manager = db.session.scalar(select(User).where(User.username == "manager"))
        hazard = hazard_service.report_hazard(
            inspector,
            enterprise_id=live["enterprise_id"],
            title="消防通道堆放货物",
            due_on=today_in_shanghai() + timedelta(days=7),
        )
        hazard_service.apply_action(manager, hazard, "start_rectification", plan={"owner": "王五"})
        hazard_id = hazard.id
        db.session.commit()
        db.session.remove()
    api = live["app"].test_client()
    enterprise = _api_token(live, "manager")
    shas = []
    for _ in range(2):
        photo = jpeg()
        sha = hashlib.sha256(photo).hexdigest()
        put = api.put(f"/api/v1/media/{sha}", data=photo, headers=enterprise)
        assert put.status_code == 201, put.get_data(as_text=True)
        shas.append(sha)
    submitted = api.post(
        f"/api/v1/hazards/{hazard_id}/actions",
        json={"action": "submit", "note": "货物已清走", "photos": shas},
        headers=enterprise,
    )
    assert submitted.status_code in (200, 201), submitted.json

    page, errors = _signed_in(phone, live)
    assert _wait_for(page, lambda: set(shas) <= _kept_after_photos(page), 30)

    phone.set_offline(True)
    page.reload()  # nothing of the online session left in memory
    page.goto(f"{live['base']}/app/#/h/{hazard_id}")
    page.wait_for_selector("#after-photos img", timeout=20_000)
    images = page.locator("#after-photos img")
    assert _wait_for(page, lambda: images.count() == 2, 10)
    widths = page.eval_on_selector_all(
        "#after-photos img",
        "(imgs) => Promise.all(imgs.map((i) => i.decode().then(() => i.naturalWidth)))",
    )
    assert all(width > 0 for width in widths), widths
    _shot(page, "10-after-photos-offline")

    page.fill("#decision-note", "现场核验，已清理")
    page.click("#verify")
    page.wait_for_selector("#enterprise-list")
    phone.set_offline(False)
    page.click("#sync-button")
    assert _wait_for(page, lambda: not set(shas) & _kept_after_photos(page), 60)  # verified
    assert not errors, errors


def test_the_phone_holds_one_users_records_and_hands_over_only_what_the_server_has(live, phone):
    """A shared phone: logging out, or another user logging in, wipes the phone's copy — the
    grid worker must not read the inspector's district offline, and their first pull must start
    from nothing — but never while a record still waits for the server."""
    page, errors = _signed_in(phone, live)

    phone.set_offline(True)
    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    page.locator("#hazard-form input[name=title]").fill("安全出口锁闭")
    page.locator("#hazard-form button[type=submit]").click()
    page.wait_for_selector("#toast:not([hidden])")
    page.goto(f"{live['base']}/app/#/outbox")
    page.wait_for_selector("#waiting li")
    page.click("#log-out")
    assert _wait_for(page, lambda: "未同步" in page.inner_text("#toast"), 10)
    assert page.evaluate("() => localStorage.getItem('xuncha.token')")  # still logged in

    # The inspector's session ends while the record waits: a colleague cannot take the phone.
    page.evaluate("() => localStorage.removeItem('xuncha.token')")
    phone.set_offline(False)
    _log_in(page, live, "gridworker")
    page.wait_for_selector("form.login p.error:has-text('inspector')", timeout=20_000)
    assert page.evaluate("() => localStorage.getItem('xuncha.token')") is None

    # The inspector syncs, then logs out: now the phone can change hands.
    _log_in(page, live, "inspector")
    page.wait_for_selector("#enterprise-list li", timeout=60_000)
    page.goto(f"{live['base']}/app/#/outbox")
    page.click("#sync-button")
    assert _wait_for(page, lambda: page.locator("#waiting li").count() == 0, 30)
    page.click("#log-out")
    page.wait_for_selector("form.login", timeout=20_000)
    _log_in(page, live, "gridworker")
    assert _wait_for(page, lambda: "本网格企业 1 家" in page.inner_text("body"), 60)
    page.goto(f"{live['base']}/app/#/e/{live['enterprise_id']}")
    page.wait_for_timeout(1000)
    assert "示范化工有限公司" not in page.inner_text("body")
    assert not errors, errors
