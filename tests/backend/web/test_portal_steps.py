"""The portal takes a rectification in the steps of the procedure: the plan files and starts
the work (no photos asked), the after-photos submit it, and an extension can be requested
meanwhile — so a manager never claims work finished in order to start it."""

from datetime import timedelta

from backend.core.timeutil import today_in_shanghai
from tests.backend.fixtures.hazards import FULL_PLAN
from tests.backend.web.test_pages import csrf_from, log_in, text


def _page(client, hazard):
    return text(client.get(f"/portal/hazards/{hazard.id}"))


def test_plan_then_start_then_submit(client, world, make_hazard):
    hazard = make_hazard("reported", grade="major")
    log_in(client, "portal", world["users"]["manager"])
    page = _page(client, hazard)
    assert 'id="start"' in page and 'id="photos"' not in page
    token = csrf_from(client, f"/portal/hazards/{hazard.id}")
    incomplete = client.post(
        f"/portal/hazards/{hazard.id}/start", data={"csrf_token": token, "plan_owner": "周工"}
    )
    assert incomplete.status_code == 422 and 'id="error"' in text(incomplete)
    plan = {f"plan_{name}": value for name, value in FULL_PLAN.items()}
    started = client.post(f"/portal/hazards/{hazard.id}/start", data={"csrf_token": token, **plan})
    assert started.status_code == 302
    page = _page(client, hazard)
    assert 'data-status="rectifying"' in page
    assert 'id="photos"' in page and 'id="start"' not in page


def test_an_extension_request_from_the_portal(client, world, make_hazard):
    hazard = make_hazard("rectifying")
    log_in(client, "portal", world["users"]["manager"])
    token = csrf_from(client, f"/portal/hazards/{hazard.id}")
    url = f"/portal/hazards/{hazard.id}/extension"
    no_date = client.post(url, data={"csrf_token": token, "note": "备件未到"})
    assert no_date.status_code == 422 and "请选择申请延期至的日期" in text(no_date)
    earlier = (hazard.due_on - timedelta(days=1)).isoformat()
    refused = client.post(url, data={"csrf_token": token, "due_on": earlier, "note": "备件未到"})
    assert refused.status_code == 422
    later = (today_in_shanghai() + timedelta(days=40)).isoformat()
    asked = client.post(url, data={"csrf_token": token, "due_on": later, "note": "备件未到"})
    assert asked.status_code == 302
    page = _page(client, hazard)
    assert f"申请延期至 {later}，待审批" in page and 'id="extension"' not in page


def test_a_viewer_sees_no_step_forms(client, world, make_hazard):
    hazard = make_hazard("reported")
    log_in(client, "portal", world["users"]["viewer"])
    page = _page(client, hazard)
    assert 'id="start"' not in page and 'id="extension"' not in page
    token = csrf_from(client, f"/portal/hazards/{hazard.id}")
    refused = client.post(
        f"/portal/hazards/{hazard.id}/start", data={"csrf_token": token, "plan_owner": "x"}
    )
    assert refused.status_code == 403
