"""The board a supervisor acts from: what waits for them, with counts; a hazard's detail with
its photos and history; the actions their role allows, through the hazard service."""

import re
from datetime import timedelta

from backend.core.timeutil import today_in_shanghai
from tests.backend.web.test_pages import csrf_from, log_in, text


def _act(client, hazard, **form):
    token = csrf_from(client, "/board/")  # one token per session
    return client.post(f"/board/hazards/{hazard.id}/actions", data={"csrf_token": token, **form})


def test_the_queue_counts_what_waits_for_the_supervisor(
    client, world, make_hazard, make_record, make_entry
):
    make_hazard("submitted", title="待核验一")
    make_hazard("submitted", enterprise=world["enterprises"]["far"], title="辖区外待核验")
    asked = make_hazard("rectifying", title="申请延期")
    asked.extension_requested_due_on = today_in_shanghai() + timedelta(days=30)
    make_record(state="proposed")
    make_entry("confirmed")
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/"))
    counts = {
        name: int(re.search(rf'id="queue-{name}">(\d+)<', page).group(1))
        for name in ("awaiting", "extensions", "credit", "blacklist")
    }
    assert counts == {"awaiting": 1, "extensions": 1, "credit": 1, "blacklist": 1}
    assert "待核验一" in page and "辖区外待核验" not in page


def test_a_supervisor_verifies_rejects_and_decides_extensions(client, world, make_hazard):
    submitted = make_hazard("submitted")
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get(f"/board/hazards/{submitted.id}"))
    assert 'id="do-verify"' in page and 'id="do-reject"' in page
    no_reason = _act(client, submitted, action="reject")
    assert no_reason.status_code == 422 and 'id="error"' in text(no_reason)
    assert _act(client, submitted, action="reject", note="照片不清晰").status_code == 302
    assert 'data-status="rectifying"' in text(client.get(f"/board/hazards/{submitted.id}"))

    asked = make_hazard("rectifying")
    asked.extension_requested_due_on = today_in_shanghai() + timedelta(days=30)
    wanted = asked.extension_requested_due_on
    page = text(client.get(f"/board/hazards/{asked.id}"))
    assert 'id="do-approve_extension"' in page and 'id="do-verify"' not in page
    approved = _act(client, asked, action="approve_extension", note="同意")
    assert approved.status_code == 302
    page = text(client.get(f"/board/hazards/{asked.id}"))
    assert f'id="due-on">{wanted}<' in page and "已同意延期" in page
    again = make_hazard("rectifying")
    again.extension_requested_due_on = today_in_shanghai() + timedelta(days=20)
    bad_date = _act(client, again, action="approve_extension", due_on="2026-13-40")
    assert bad_date.status_code == 422 and "日期格式不正确" in text(bad_date)
    denied = _act(client, again, action="deny_extension", note="理由不充分")
    assert denied.status_code == 302


def test_admins_read_but_do_not_act_and_scope_holds(client, world, make_hazard):
    submitted = make_hazard("submitted")
    far = make_hazard("submitted", enterprise=world["enterprises"]["far"])
    log_in(client, "board", world["users"]["admin"])
    page = text(client.get(f"/board/hazards/{submitted.id}"))
    assert 'id="hazard"' in page and 'id="actions"' not in page
    assert _act(client, submitted, action="verify").status_code == 403
    assert client.get(f"/board/hazards/{far.id}").status_code == 404


def test_the_ledger_downloads_from_the_board_session(client, world, make_hazard):
    """The export answered 401 to the board's cookie; the board has its own, same filters."""
    import io

    from openpyxl import load_workbook

    make_hazard("rectifying", title="本辖区隐患")
    make_hazard("rectifying", enterprise=world["enterprises"]["far"], title="辖区外隐患")
    assert client.get("/board/ledger.xlsx").status_code == 302  # to the login
    log_in(client, "board", world["users"]["supervisor"])
    assert 'id="ledger"' in text(client.get("/board/"))
    response = client.get("/board/ledger.xlsx")
    assert response.status_code == 200
    assert "hazards-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = {cell.value for row in sheet.iter_rows() for cell in row}
    assert "本辖区隐患" in cells and "辖区外隐患" not in cells
