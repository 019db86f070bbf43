"""The enterprise's inspections in the portal: the report of an inspection (who, when, the
checklist, the score, each item's result with note and photos, the hazards it produced), only
the enterprise's own; and the self-inspection online, saved between visits, finished through the
inspections service so a failed item becomes a hazard as from the app."""

import io
import re

import pytest
from sqlalchemy import select

from backend.checklists import services as checklists
from backend.inspections import services as inspections
from backend.models import Finding, Hazard, Inspection, Photo
from tests.backend.fixtures.media import jpeg, put_photo, sha256_of
from tests.backend.web.test_pages import CSRF, csrf_from, log_in, text


def _version(enterprise, kind, code=None):
    versions = checklists.applicable_versions(enterprise, kind)
    return next(v for v in versions if code is None or v.code == code)


@pytest.fixture
def finished(client, session, world):
    """A supervision inspection of 甲化工: every item passed but one failed, with note and photo."""
    inspector = world["users"]["inspector"]
    inspector.display_name = "孙网格员"
    ent = world["enterprises"]["ent"]
    photo = jpeg((320, 240))
    assert put_photo(client, world["headers"]["inspector"], photo).status_code in (200, 201)
    inspection = inspections.start_inspection(
        inspector,
        enterprise_id=ent.id,
        checklist_version_id=_version(ent, "supervision", "duty31").id,
        kind="supervision",
    )
    _checklist, _sections, items = inspections.applicable_items(inspection)
    failed, not_applicable, *passed = list(items)
    inspections.record_finding(
        inspector,
        inspection,
        item_code=failed,
        result="fail",
        note="安全管理人员未参加年度培训",
        photos=[sha256_of(photo)],
    )
    inspections.record_finding(inspector, inspection, item_code=not_applicable, result="na")
    for code in passed:
        inspections.record_finding(inspector, inspection, item_code=code, result="pass")
    (hazard,) = inspections.finish_inspection(inspector, inspection)
    session.commit()
    return {"inspection": inspection, "hazard": hazard, "failed": failed, "photo": photo}


def test_the_manager_reads_the_report_of_an_inspection(client, world, finished):
    inspection = finished["inspection"]
    log_in(client, "portal", world["users"]["viewer"])
    listing = text(client.get("/portal/inspections"))
    assert f'data-inspection-id="{inspection.id}"' in listing and "监管检查" in listing
    assert 'id="start-self-inspection"' not in listing  # a viewer does not self-inspect
    report = text(client.get(f"/portal/inspections/{inspection.id}"))
    assert "孙网格员" in report and "监管执法人员" in report
    assert inspection.checklist_version.title in report
    assert re.search(r'id="score">[0-9.]+<', report)
    assert re.search(rf'data-item="{finished["failed"]}" data-result="fail"', report)
    assert 'data-result="na"' in report and 'data-result="pass"' in report
    for label in ("合格", "不合格", "不适用"):
        assert f">{label}</span>" in report
    assert "安全管理人员未参加年度培训" in report
    sha = sha256_of(finished["photo"])
    assert f"/portal/media/{sha}" in report
    assert client.get(f"/portal/media/{sha}?variant=thumb").status_code == 200
    assert f'data-hazard-id="{finished["hazard"].id}"' in report and "已登记" in report
    assert "@media print" in report  # printable as it is


def test_another_enterprises_report_is_not_found(client, world, finished):
    log_in(client, "portal", world["users"]["other_manager"])
    assert client.get(f"/portal/inspections/{finished['inspection'].id}").status_code == 404
    assert finished["inspection"].id not in text(client.get("/portal/inspections"))
    sha = sha256_of(finished["photo"])
    assert client.get(f"/portal/media/{sha}?variant=thumb").status_code == 404


def _answers(codes, result="pass", **overrides):
    return {f"result_{code}": overrides.get(code, result) for code in codes}


def _save(client, inspection_id, data, files=None):
    token = csrf_from(client, f"/portal/self-inspections/{inspection_id}")
    payload = {"csrf_token": token, **data, **(files or {})}
    return client.post(
        f"/portal/self-inspections/{inspection_id}",
        data=payload,
        content_type="multipart/form-data",
    )


def test_a_self_inspection_online_is_saved_as_a_draft_and_finished_into_hazards(
    client, session, world
):
    ent = world["enterprises"]["ent"]
    version = _version(ent, "self_inspection", "duty31")
    log_in(client, "portal", world["users"]["manager"])
    listing = text(client.get("/portal/inspections"))
    assert f'value="{version.id}"' in listing
    started = client.post(
        "/portal/self-inspections",
        data={"csrf_token": CSRF.search(listing).group(1), "checklist_version_id": version.id},
    )
    assert started.status_code == 302
    inspection_id = started.headers["Location"].rsplit("/", 1)[1]
    form = text(client.get(f"/portal/self-inspections/{inspection_id}"))
    codes = re.findall(r'name="result_([A-Za-z0-9_.-]+)" value="pass"', form)
    assert len(codes) == 31
    first, second, *rest = codes

    # A draft: two answers now, the rest on another visit.
    saved = _save(
        client,
        inspection_id,
        {**_answers([first], "fail"), f"note_{first}": "未建立隐患排查台账", **_answers([second])},
        {f"photos_{first}": (io.BytesIO(jpeg()), "a.jpg")},
    )
    assert saved.status_code == 302
    again = text(client.get(f"/portal/self-inspections/{inspection_id}"))
    assert re.search(rf'id="result-{first}-fail" checked', again)
    assert "未建立隐患排查台账" in again and 'id="answered">2<' in again
    assert "/portal/media/" in again  # the photo kept with its item
    listing = text(client.get("/portal/inspections"))
    assert f"/portal/self-inspections/{inspection_id}" in listing  # the draft, to continue

    # Finishing with items left open is refused, and nothing is lost.
    early = _save(client, inspection_id, {"finish": "1"})
    assert early.status_code == 422 and "还有 29 项未填写结果" in text(early)
    assert session.scalar(select(Hazard.id).where(Hazard.inspection_id == inspection_id)) is None

    done = _save(client, inspection_id, {**_answers(rest), "finish": "1"})
    assert done.status_code == 302, text(done)
    assert done.headers["Location"].endswith(f"/portal/inspections/{inspection_id}")
    session.expire_all()
    inspection = session.get(Inspection, inspection_id)
    assert inspection.status == "finished" and inspection.kind == "self_inspection"
    (hazard,) = session.scalars(select(Hazard).where(Hazard.inspection_id == inspection_id)).all()
    assert hazard.self_reported is True and hazard.status == "reported"
    assert hazard.item_code == first and hazard.description == "未建立隐患排查台账"
    finding = session.scalar(select(Finding).where(Finding.id == hazard.finding_id))
    assert session.scalar(select(Photo.id).where(Photo.owner_id == finding.id)) is not None
    report = text(client.get(done.headers["Location"]))
    assert "1 项不合格已登记为隐患" in report and f'data-hazard-id="{hazard.id}"' in report
    # A finished self-inspection is read, no longer edited.
    assert client.get(f"/portal/self-inspections/{inspection_id}").status_code == 302
    late = client.post(
        f"/portal/self-inspections/{inspection_id}",
        data={"csrf_token": csrf_from(client, "/portal/inspections"), **_answers([first])},
    )
    assert late.status_code == 409


def test_only_the_manager_who_started_it_fills_a_self_inspection(client, session, world):
    ent = world["enterprises"]["ent"]
    version = _version(ent, "self_inspection", "duty31")
    draft = inspections.start_inspection(
        world["users"]["manager"],
        enterprise_id=ent.id,
        checklist_version_id=version.id,
        kind="self_inspection",
    )
    session.commit()
    log_in(client, "portal", world["users"]["viewer"])
    token = csrf_from(client, "/portal/inspections")
    refused = client.post(
        "/portal/self-inspections", data={"csrf_token": token, "checklist_version_id": version.id}
    )
    assert refused.status_code == 303 and "无权" in text(client.get("/portal/inspections"))
    assert client.get(f"/portal/self-inspections/{draft.id}").status_code == 403
    client.post("/portal/logout", data={"csrf_token": token})
    log_in(client, "portal", world["users"]["other_manager"])
    assert client.get(f"/portal/self-inspections/{draft.id}").status_code == 404
    assert client.get(f"/portal/inspections/{draft.id}").status_code == 404
    assert session.scalar(select(Finding.id)) is None


def _finish_all_passed(inspector, enterprise):
    inspection = inspections.start_inspection(
        inspector,
        enterprise_id=enterprise.id,
        checklist_version_id=_version(enterprise, "supervision", "duty31").id,
        kind="supervision",
    )
    _checklist, _sections, items = inspections.applicable_items(inspection)
    for code in items:
        inspections.record_finding(inspector, inspection, item_code=code, result="pass")
    inspections.finish_inspection(inspector, inspection)


def test_the_inspection_list_costs_the_same_statements_for_one_row_or_many(
    client, session, world, finished, count_queries
):
    log_in(client, "portal", world["users"]["viewer"])

    def statements_for_the_list():
        session.expire_all()
        with count_queries() as statements:
            assert client.get("/portal/inspections").status_code == 200
        return len(statements)

    one_row = statements_for_the_list()
    for _ in range(3):
        _finish_all_passed(world["users"]["inspector"], world["enterprises"]["ent"])
    session.commit()
    four_rows = statements_for_the_list()
    assert four_rows == one_row


def test_a_note_on_an_item_left_without_a_result_is_refused_and_kept_on_the_form(
    client, session, world
):
    ent = world["enterprises"]["ent"]
    draft = inspections.start_inspection(
        world["users"]["manager"],
        enterprise_id=ent.id,
        checklist_version_id=_version(ent, "self_inspection", "duty31").id,
        kind="self_inspection",
    )
    session.commit()
    log_in(client, "portal", world["users"]["manager"])
    form = text(client.get(f"/portal/self-inspections/{draft.id}"))
    first, second, *_rest = re.findall(r'name="result_([A-Za-z0-9_.-]+)" value="pass"', form)
    saved = _save(
        client,
        draft.id,
        {**_answers([first]), f"note_{second}": "消防通道堆放杂物"},
    )
    assert saved.status_code == 422
    page = text(saved)
    assert f"第 {second} 项" in page and "请选择" in page
    assert "消防通道堆放杂物" in page  # what was typed is still on the form
    session.expire_all()
    assert session.scalar(select(Finding.id).where(Finding.inspection_id == draft.id)) is None
