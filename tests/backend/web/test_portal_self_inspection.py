"""The enterprise portal's 自查、自改、自报: a safety manager reports a hazard the enterprise found
(or fixed on the spot), and 核验s and 销号s (or sends back) a self-found general hazard.

Sources: 方案4 L140–L141 (seed 000) 自查隐患、上报隐患、整改隐患, 自查、自改和自报机制;
青安委〔2024〕2号 item 31 (seed 004 L56) 现场核验, 评估整改质量, 销号, 返工; 16号令 第十五条
(立查立改 of a general hazard by the unit's own people).
"""

import io
from datetime import timedelta

from sqlalchemy import select

from backend.core.timeutil import today_in_shanghai
from backend.models import Hazard, HazardAction, Photo
from tests.backend.fixtures.media import jpeg
from tests.backend.web.test_pages import CSRF, csrf_from, log_in, text


def _photo(name="a.jpg"):
    return (io.BytesIO(jpeg()), name)


def _report(client, **fields):
    token = csrf_from(client, "/portal/hazards/new")
    data = {
        "csrf_token": token,
        "title": "配电箱未接地",
        "location": "二车间东侧配电箱",
        "description": "外壳无接地线",
        "grade": "general",
        "due_on": (today_in_shanghai() + timedelta(days=5)).isoformat(),
        "photos": [_photo()],
        **fields,
    }
    return client.post("/portal/hazards/new", data=data, content_type="multipart/form-data")


def test_the_safety_manager_reports_a_hazard_from_the_portal(client, session, world):
    log_in(client, "portal", world["users"]["manager"])
    listing = text(client.get("/portal/hazards"))
    assert 'id="new-hazard"' in listing
    response = _report(client)
    assert response.status_code == 302, text(response)
    hazard = session.scalar(select(Hazard).where(Hazard.title == "配电箱未接地"))
    assert hazard.self_reported is True and hazard.status == "reported"
    assert hazard.location == "二车间东侧配电箱"
    assert hazard.enterprise_id == world["enterprises"]["ent"].id
    detail = text(client.get(response.headers["Location"]))
    assert "隐患已登记" in detail and 'id="self-reported"' in detail
    assert "二车间东侧配电箱" in detail


def test_the_safety_manager_fixes_a_general_hazard_on_the_spot(client, session, world):
    log_in(client, "portal", world["users"]["manager"])
    response = _report(client, due_on="", fixed_on_spot="1", after_photos=[_photo("b.jpg")])
    assert response.status_code == 302, text(response)
    hazard = session.scalar(select(Hazard).where(Hazard.title == "配电箱未接地"))
    assert hazard.status == "closed" and hazard.fixed_on_spot is True
    assert hazard.closed_by_enterprise is True
    fixed = session.scalar(
        select(HazardAction).where(
            HazardAction.hazard_id == hazard.id, HazardAction.action == "fix_on_spot"
        )
    )
    assert session.scalar(select(Photo.id).where(Photo.owner_id == fixed.id)) is not None


def test_a_report_that_breaks_a_rule_answers_in_chinese_and_keeps_nothing(client, session, world):
    log_in(client, "portal", world["users"]["manager"])
    cases = [
        ({"title": "  "}, "请填写隐患名称"),
        ({"due_on": "明天"}, "请填写整改期限"),
        ({"due_on": ""}, "请填写整改期限"),
        ({"fixed_on_spot": "1"}, "立查立改需要整改后的照片"),
        (
            {"grade": "major", "fixed_on_spot": "1", "after_photos": [_photo("b.jpg")]},
            "重大事故隐患不能立查立改",
        ),
    ]
    for fields, message in cases:
        response = _report(client, **fields)
        assert response.status_code == 422, fields
        assert message in text(response), fields
        assert 'value="二车间东侧配电箱"' in text(response)  # what was typed stays
    assert session.scalar(select(Hazard.id)) is None


def test_the_viewer_may_not_report(client, session, world):
    log_in(client, "portal", world["users"]["viewer"])
    assert 'id="new-hazard"' not in text(client.get("/portal/hazards"))
    page = text(client.get("/portal/hazards/new"))
    assert 'id="report"' not in page and "隐患由企业安全管理人员登记" in page
    response = client.post(
        "/portal/hazards/new",
        data={"csrf_token": CSRF.search(page).group(1), "title": "x", "due_on": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert session.scalar(select(Hazard.id)) is None


def _verify(client, hazard, **fields):
    token = csrf_from(client, f"/portal/hazards/{hazard.id}")
    return client.post(
        f"/portal/hazards/{hazard.id}/verification", data={"csrf_token": token, **fields}
    )


def test_the_safety_manager_verifies_and_closes_a_self_found_hazard(
    client, session, world, make_hazard
):
    hazard = make_hazard("submitted", self_reported=True)
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get(f"/portal/hazards/{hazard.id}"))
    assert 'id="verify"' in page and "等待监管部门现场核验销号" not in page
    no_note = _verify(client, hazard, decision="verify")
    assert no_note.status_code == 422 and "请填写核验意见" in text(no_note)
    assert _verify(client, hazard, decision="close", note="x").status_code == 422
    sent_back = _verify(client, hazard, decision="reject", note="接地线规格不符")
    assert sent_back.status_code == 302
    session.expire_all()
    assert session.get(Hazard, hazard.id).status == "rectifying"
    session.get(Hazard, hazard.id).status = "submitted"
    session.commit()
    closed = _verify(client, hazard, decision="verify", note="现场核验合格")
    assert closed.status_code == 302
    session.expire_all()
    hazard = session.get(Hazard, hazard.id)
    assert hazard.status == "closed" and hazard.closed_by_enterprise is True
    detail = text(client.get(f"/portal/hazards/{hazard.id}"))
    assert "已核验销号" in detail and 'id="closed-by-enterprise"' in detail


def test_no_verification_of_what_officials_found_or_by_the_viewer(
    client, session, world, make_hazard
):
    official = make_hazard("submitted")
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get(f"/portal/hazards/{official.id}"))
    assert 'id="verify"' not in page and "等待监管部门现场核验销号" in page
    assert _verify(client, official, decision="verify", note="x").status_code == 403
    major = make_hazard("submitted", grade="major", self_reported=True)
    assert _verify(client, major, decision="verify", note="x").status_code == 403
    own = make_hazard("submitted", self_reported=True)
    client.post("/portal/logout", data={"csrf_token": csrf_from(client, "/portal/hazards")})
    log_in(client, "portal", world["users"]["viewer"])
    assert 'id="verify"' not in text(client.get(f"/portal/hazards/{own.id}"))
    assert _verify(client, own, decision="verify", note="x").status_code == 403
    session.expire_all()
    assert {session.get(Hazard, h.id).status for h in (official, major, own)} == {"submitted"}
