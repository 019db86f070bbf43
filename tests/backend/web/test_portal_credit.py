"""The enterprise handles its own credit affairs in the portal: it sees what it has been told
(never a candidate under review), objects to a record (方案2 L85), reads the blacklist notice
and defends itself (方案5 L191), through the credit services' rules."""

from tests.backend.web.test_pages import csrf_from, log_in, text


def test_the_manager_objects_to_a_record_it_was_told_of(client, session, world, make_record):
    hidden = make_record(state="proposed", trigger="illegal_production")
    told = make_record(state="notified", trigger="enforcement_refused")
    session.commit()
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get("/portal/credit"))
    assert f'data-record-id="{told.id}"' in page and hidden.id not in page
    assert f'id="objection-{told.id}"' in page
    token = csrf_from(client, "/portal/credit")
    url = f"/portal/credit/records/{told.id}/objection"
    empty = client.post(url, data={"csrf_token": token, "note": ""})
    assert empty.status_code == 422 and 'id="error"' in text(empty)
    done = client.post(url, data={"csrf_token": token, "note": "已按期停产，附复产验收材料"})
    assert done.status_code == 302
    page = text(client.get("/portal/credit"))
    assert "异议处理中" in page and "本单位异议：已按期停产" in page
    assert (
        client.post(
            f"/portal/credit/records/{hidden.id}/objection", data={"csrf_token": token, "note": "x"}
        ).status_code
        == 404
    )


def test_a_viewer_reads_but_does_not_object(client, session, world, make_record):
    told = make_record(state="notified")
    session.commit()
    log_in(client, "portal", world["users"]["viewer"])
    page = text(client.get("/portal/credit"))
    assert f'data-record-id="{told.id}"' in page and f'id="objection-{told.id}"' not in page
    token = csrf_from(client, "/portal/credit")
    refused = client.post(
        f"/portal/credit/records/{told.id}/objection", data={"csrf_token": token, "note": "x"}
    )
    assert refused.status_code == 403


def test_the_blacklist_notice_and_the_defence(client, session, world, make_entry):
    entry = make_entry("notified")
    log_in(client, "portal", world["users"]["manager"])
    page = text(client.get("/portal/credit"))
    assert f'data-entry-id="{entry.id}"' in page and f'id="defence-{entry.id}"' in page
    notice = client.get(f"/portal/credit/blacklist/{entry.id}/notice")
    assert notice.status_code == 200 and "告知书" in text(notice)
    token = csrf_from(client, "/portal/credit")
    defended = client.post(
        f"/portal/credit/blacklist/{entry.id}/submit_defence",
        data={"csrf_token": token, "note": "隐患已于期限前整改完毕"},
    )
    assert defended.status_code == 302
    page = text(client.get("/portal/credit"))
    assert "本单位申辩：隐患已于期限前整改完毕" in page and f'id="defence-{entry.id}"' not in page


def test_another_enterprise_sees_none_of_it(client, session, world, make_record, make_entry):
    record = make_record(state="notified")
    entry = make_entry("notified")
    log_in(client, "portal", world["users"]["other_manager"])
    page = text(client.get("/portal/credit"))
    assert record.id not in page and entry.id not in page
    assert client.get(f"/portal/credit/blacklist/{entry.id}/notice").status_code == 404
