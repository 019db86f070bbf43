"""The server-rendered pages through the test client: the public safety-code page (nothing
private, escaped, live, secure headers), the enterprise portal and the supervisors' board."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core.timeutil import today_in_shanghai
from backend.models import Enterprise, Hazard, HazardAction, Photo
from backend.safety_code import services as codes
from tests.backend.fixtures.media import jpeg
from tests.factories import TEST_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(session, enterprise) -> str:
    token = codes.current_code(enterprise).token
    session.commit()
    return token


def csrf_from(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return CSRF.search(page.get_data(as_text=True)).group(1)


def log_in(client, area: str, user, password: str = TEST_PASSWORD):
    token = csrf_from(client, f"/{area}/login")
    return client.post(
        f"/{area}/login",
        data={"username": user.username, "password": password, "csrf_token": token},
    )


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the public page ------------------------------------------------------------------------


@pytest.fixture
def private_world(session, world, make_hazard):
    ent = world["enterprises"]["ent"]
    ent.principal_name, ent.principal_phone = "李四", "13800138000"
    ent.safety_manager_name, ent.safety_manager_phone = "王安全", "13900139000"
    ent.standardisation_grade = "grade2"
    world["users"]["manager"].display_name = "钱经理"
    world["users"]["manager"].phone = "13700137000"
    world["users"]["inspector"].display_name = "孙网格员"
    session.commit()
    overdue = make_hazard(
        "rectifying",
        title="二号仓库消防通道被占用",
        description="叉车停放于通道内",
        due_on=today_in_shanghai() - timedelta(days=3),
    )
    make_hazard("reported", title="配电箱未上锁")
    make_hazard("closed", title="已销号隐患")
    return {**world, "overdue": overdue}


def test_public_page_shows_the_live_status_and_nothing_private(client, session, private_world):
    ent = private_world["enterprises"]["ent"]
    response = client.get(f"/q/{token_of(session, ent)}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = text(response)
    assert 'lang="zh-CN"' in page
    for shown in (ent.name, ent.uscc, "黄码", "二级", "12350", "危险化学品", "G网格"):
        assert shown in page, shown
    assert re.search(r'id="open-count">2<', page) and re.search(r'id="overdue-count">1<', page)
    # No source defines the 常安码 colours: the legend says they are local policy.
    legend = re.search(r'<p id="color-policy">(.*?)</p>', page).group(1)
    assert "本地管理规定" in legend and "均未规定" in legend
    private = (
        "李四",
        "13800138000",
        "王安全",
        "13900139000",
        "钱经理",
        "13700137000",
        "孙网格员",
        "二号仓库消防通道被占用",
        "叉车停放于通道内",
        "配电箱未上锁",
        "已销号隐患",
        "<img",
        "/media/",
    )
    for secret in private:
        assert secret not in page, secret
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # the public page keeps no session
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'none'" in policy
    nonce = re.search(r"style-src 'nonce-([^']+)'", policy).group(1)
    assert f'<style nonce="{nonce}">' in page
    assert "<script" not in page and "style=" not in page


def test_public_page_escapes_what_users_entered(client, session, world, make_enterprise):
    evil = make_enterprise(world["nodes"]["g"], name="<script>alert(1)</script>")
    page = text(client.get(f"/q/{token_of(session, evil)}"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_public_page_colour_follows_the_hazards(client, session, world, make_hazard):
    ent = world["enterprises"]["ent"]
    token = token_of(session, ent)
    assert 'data-color="green"' in text(client.get(f"/q/{token}"))
    make_hazard("rectifying", grade="major", due_on=today_in_shanghai() - timedelta(days=1))
    # Shown live: the page refreshes the stored colour itself.
    session.execute(
        Enterprise.__table__.update()
        .where(Enterprise.id == ent.id)
        .values(safety_code_color="green")
    )
    session.commit()
    page = text(client.get(f"/q/{token}"))
    assert 'data-color="red"' in page and "红码" in page
    session.expire_all()
    assert session.get(Enterprise, ent.id).safety_code_color == "red"


def test_unknown_and_revoked_codes(client, session, world):
    ent = world["enterprises"]["ent"]
    old = token_of(session, ent)
    codes.rotate_code(ent, world["users"]["supervisor"])
    session.commit()
    gone = client.get(f"/q/{old}")
    assert gone.status_code == 410
    assert "此常安码已失效" in text(gone) and "最新常安码" in text(gone)
    assert gone.headers["Cache-Control"] == "no-store"
    unknown = client.get("/q/abcdefghijklmnopqrstuvwxyz012345")
    assert unknown.status_code == 404 and "未找到该常安码" in text(unknown)
    assert client.get("/q/" + "x" * 65).status_code == 404


# --- the portal -----------------------------------------------------------------------------


def test_portal_login_session_cookie_and_csrf(client, world):
    manager = world["users"]["manager"]
    assert client.get("/portal/hazards").headers["Location"].endswith("/portal/login")
    no_token = client.post("/portal/login", data={"username": manager.username, "password": "x"})
    assert no_token.status_code == 400 and "页面已过期" in text(no_token)
    wrong = log_in(client, "portal", manager, "wrong password")
    assert wrong.status_code == 401 and "用户名或密码错误" in text(wrong)
    supervisor = log_in(client, "portal", world["users"]["supervisor"])
    assert supervisor.status_code == 403 and "企业端仅供企业用户登录" in text(supervisor)
    ok = log_in(client, "portal", manager)
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/portal/hazards")
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/portal/hazards").status_code == 200
    # Logging out needs the token too, then the session is gone.
    assert client.post("/portal/logout").status_code == 400
    token = csrf_from(client, "/portal/hazards")
    assert client.post("/portal/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/portal/hazards").status_code == 302


def test_a_cookie_copied_before_logout_is_worthless_after_it(app, client, world):
    manager = world["users"]["manager"]
    assert log_in(client, "portal", manager).status_code == 302
    copied = client.get_cookie("xuncha_session").value
    token = csrf_from(client, "/portal/hazards")
    assert client.post("/portal/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("xuncha_session", copied)
    assert thief.get("/portal/hazards").status_code == 302  # back to the login page


def test_a_password_change_ends_the_session(client, session, world):
    from backend.users.services import update_user

    manager = world["users"]["manager"]
    log_in(client, "portal", manager)
    assert client.get("/portal/hazards").status_code == 200
    update_user(manager, actor=manager, password="a brand new password")
    session.commit()
    assert client.get("/portal/hazards").headers["Location"].endswith("/portal/login")


def test_charts_escape_their_labels():
    from backend.web.charts import bar_chart, rate_chart

    bars = str(bar_chart([("<script>x</script>", 3), ("乙", 0)], title="t"))
    assert "&lt;script&gt;" in bars and "<script>" not in bars
    assert bars.startswith('<svg class="chart" viewBox="0 0 360 ')
    assert "暂无数据" in str(bar_chart([], title="t"))
    line = str(rate_chart([("26.01", 0.5), ("26.02", None), ("26.03", 1.0)], title="t"))
    assert "50%" in line and "100%" in line and line.count("<circle") == 2


def test_portal_lists_only_the_enterprises_own_hazards(client, world, make_hazard):
    today = today_in_shanghai()
    late = make_hazard("rectifying", title="储罐区报警器失效", due_on=today - timedelta(days=4))
    make_hazard("reported", title="安全出口堵塞", grade="major")
    make_hazard("closed", title="早已销号的隐患")
    make_hazard("reported", enterprise=world["enterprises"]["ent2"], title="别家企业的隐患")
    log_in(client, "portal", world["users"]["viewer"])
    page = text(client.get("/portal/hazards"))
    assert "储罐区报警器失效" in page and "安全出口堵塞" in page
    assert "逾期 4 天" in page and f"整改期限 {late.due_on}" in page
    assert "重大事故隐患" in page and "整改中" in page
    assert "早已销号的隐患" not in page and "别家企业的隐患" not in page
    closed = text(client.get("/portal/hazards?show=closed"))
    assert "早已销号的隐患" in closed and "安全出口堵塞" not in closed
    overdue = text(client.get("/portal/hazards?show=overdue"))
    assert "储罐区报警器失效" in overdue and "安全出口堵塞" not in overdue


def test_portal_hides_other_enterprises_hazards(client, world, make_hazard):
    other = make_hazard("reported", enterprise=world["enterprises"]["ent2"])
    log_in(client, "portal", world["users"]["manager"])
    response = client.get(f"/portal/hazards/{other.id}")
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "未找到" in text(response)


def test_portal_submits_a_rectification_with_photos(client, session, world, make_hazard):
    hazard = make_hazard("reported", title="配电箱未上锁")
    log_in(client, "portal", world["users"]["manager"])
    path = f"/portal/hazards/{hazard.id}"
    page = text(client.get(path))
    assert "整改责任人（责任落实）" in page  # the plan first (test_portal_steps.py)
    under_way = make_hazard("rectifying", title="消防通道被占用")
    photos_form = text(client.get(f"/portal/hazards/{under_way.id}"))
    assert 'capture="environment"' in photos_form and 'accept="image/*"' in photos_form
    assert "multiple" in photos_form
    token = CSRF.search(page).group(1)
    photo, second = jpeg(), jpeg()
    response = client.post(
        f"{path}/rectification",
        data={
            "csrf_token": token,
            "plan_owner": "设备科 周工",
            "note": "已加锁并张贴警示标识",
            "photos": [(_file(photo), "after1.jpg"), (_file(second), "after2.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    session.expire_all()
    hazard = session.get(Hazard, hazard.id)
    assert hazard.status == "submitted" and hazard.plan["owner"] == "设备科 周工"
    submit = session.scalar(
        select(HazardAction).where(
            HazardAction.hazard_id == hazard.id, HazardAction.action == "submit"
        )
    )
    attached = session.scalars(select(Photo.sha256).where(Photo.owner_id == submit.id)).all()
    assert len(attached) == 2
    detail = text(client.get(path))
    assert "整改已提交成功" in detail and "等待监管部门现场核验销号" in detail
    assert "待复查" in detail
    assert "已加锁并张贴警示标识" in detail
    # The thumbnails come through the portal's own route, under the photo rules.
    thumb = client.get(f"/portal/media/{attached[0]}?variant=thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert "private" in thumb.headers["Cache-Control"]
    assert f"/portal/media/{attached[0]}?variant=thumb" in detail


def _file(data: bytes):
    import io

    return io.BytesIO(data)


def test_portal_errors_are_chinese_and_undo_the_whole_submission(
    client, session, world, make_hazard
):
    hazard = make_hazard("reported", grade="major", title="液氨泄漏报警失效")
    log_in(client, "portal", world["users"]["manager"])
    path = f"/portal/hazards/{hazard.id}"
    token = csrf_from(client, path)
    # A major hazard needs its whole governance plan before rectification starts.
    response = client.post(
        f"{path}/rectification",
        data={"csrf_token": token, "plan_owner": "周工", "photos": [(_file(jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = text(response)
    assert "请先填写整改方案" in page and "整改措施（措施落实）" in page
    assert 'value="周工"' in page  # what was typed stays
    session.expire_all()
    assert session.get(Hazard, hazard.id).status == "reported"
    # No photo: the plan is right, the submission is not, and nothing is kept.
    general = make_hazard("reported")
    token = csrf_from(client, f"/portal/hazards/{general.id}")
    response = client.post(
        f"/portal/hazards/{general.id}/rectification",
        data={"csrf_token": token, "plan_owner": "周工"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "提交复查需要整改后的照片" in text(response)
    session.expire_all()
    assert session.get(Hazard, general.id).status == "reported"
    # Not a photo at all.
    response = client.post(
        f"/portal/hazards/{general.id}/rectification",
        data={
            "csrf_token": token,
            "plan_owner": "周工",
            "photos": [(_file(b"%PDF-1.4 not a photo"), "a.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 415 and "只能上传" in text(response)


def test_portal_viewer_sees_no_form_and_may_not_submit(client, world, make_hazard):
    hazard = make_hazard("rectifying")
    log_in(client, "portal", world["users"]["viewer"])
    page = text(client.get(f"/portal/hazards/{hazard.id}"))
    assert 'id="rectify"' not in page and "整改由企业安全管理人员提交" in page
    token = CSRF.search(page).group(1)
    response = client.post(
        f"/portal/hazards/{hazard.id}/rectification",
        data={"csrf_token": token, "photos": [(_file(jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403 and "无权" in text(response)


def test_portal_escapes_notes_and_titles(client, session, world, make_hazard):
    hazard = make_hazard("reported", title="<b>加粗</b>标题")
    act = HazardAction(
        id="evil-note",
        hazard_id=hazard.id,
        seq=99,
        action="reject",
        from_status="submitted",
        to_status="rectifying",
        actor_role="inspector",
        note='<img src=x onerror="alert(1)">未整改到位',
    )
    session.add(act)
    session.commit()
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get(f"/portal/hazards/{hazard.id}"))
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;未整改到位" in page
    assert "<img src=x" not in page and "<b>加粗</b>" not in page
    assert "&lt;b&gt;加粗&lt;/b&gt;标题" in page


def test_portal_media_follows_the_photo_rules(client, session, world, make_hazard):
    from tests.backend.fixtures.media import put_photo

    data = jpeg()
    other_headers = world["headers"]["other_inspector"]
    sha = put_photo(client, other_headers, data).json["sha256"]
    log_in(client, "portal", world["users"]["manager"])
    assert client.get(f"/portal/media/{sha}?variant=thumb").status_code == 404


def test_portal_poster(client, world):
    log_in(client, "portal", world["users"]["viewer"])
    response = client.get("/portal/poster.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


# --- the board ------------------------------------------------------------------------------


def test_board_is_for_supervisors_and_admins(client, world):
    assert client.get("/board/").headers["Location"].endswith("/board/login")
    refused = log_in(client, "board", world["users"]["manager"])
    assert refused.status_code == 403 and "监管看板仅供" in text(refused)
    refused = log_in(client, "board", world["users"]["inspector"])
    assert refused.status_code == 403
    assert log_in(client, "board", world["users"]["supervisor"]).status_code == 302
    assert client.get("/board/").status_code == 200


def test_board_orders_overdue_rectifications_and_filters(client, world, make_hazard):
    today = today_in_shanghai()
    ents = world["enterprises"]
    make_hazard("rectifying", title="逾期两天", due_on=today - timedelta(days=2))
    make_hazard("reported", title="逾期十天", grade="major", due_on=today - timedelta(days=10))
    make_hazard(
        "rectifying", enterprise=ents["ent2"], title="乙逾期五天", due_on=today - timedelta(days=5)
    )
    make_hazard("rectifying", title="未逾期", due_on=today + timedelta(days=5))
    make_hazard(
        "rectifying", enterprise=ents["far"], title="辖区外逾期", due_on=today - timedelta(days=30)
    )
    make_hazard("rectifying", title="<i>斜体</i>逾期", due_on=today - timedelta(days=1))
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/"))
    days = [int(d) for d in re.findall(r'data-days-overdue="(\d+)"', page)]
    assert days == [10, 5, 2, 1]
    assert page.index("逾期十天") < page.index("乙逾期五天") < page.index("逾期两天")
    assert "未逾期" not in page and "辖区外逾期" not in page
    assert "&lt;i&gt;斜体&lt;/i&gt;逾期" in page and "<i>斜体</i>" not in page
    # Charts drawn on the server: bars per street and per industry, the monthly rate.
    assert page.count('<svg class="chart"') == 3
    assert "S街道" in page and "S2街道" in page and "工贸·机械" in page
    major = text(client.get("/board/?grade=major"))
    assert re.findall(r'data-days-overdue="(\d+)"', major) == ["10"]
    street = text(client.get(f"/board/?jurisdiction_id={world['nodes']['s2'].id}"))
    assert re.findall(r'data-days-overdue="(\d+)"', street) == ["5"]
    industry = text(client.get("/board/?industry=industry_trade"))
    assert re.findall(r'data-days-overdue="(\d+)"', industry) == ["5"]
    assert client.get("/board/?grade=huge").status_code == 400
    outside = client.get(f"/board/?jurisdiction_id={world['nodes']['x'].id}")
    assert outside.status_code == 404 and "未找到" in text(outside)


def test_the_board_filter_takes_only_ascii_digits(client, world):
    log_in(client, "board", world["users"]["supervisor"])
    assert client.get("/board/?jurisdiction_id=²").status_code == 400
