"""The credit procedure from the board: a supervisor reviews a candidate (another supervisor
than the collector), answers the objection and decides — 方案2 L79 — without the API."""

from tests.backend.web.test_pages import csrf_from, log_in, text


def _step(client, record, action, note=""):
    token = csrf_from(client, "/board/")
    return client.post(
        f"/board/credit/{record.id}", data={"csrf_token": token, "action": action, "note": note}
    )


def test_review_then_decide_after_the_objection(client, session, world, make_record):
    record = make_record(state="proposed", trigger="enforcement_refused")  # by `supervisor`
    session.commit()
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/credit"))
    assert f'data-record-id="{record.id}"' in page and "拒不执行安全监管监察指令" in page
    assert 'id="to-credit"' in text(client.get("/board/"))
    # The collector may not review their own record (CREDIT_REVIEW_BY_ANOTHER).
    own = _step(client, record, "review")
    assert own.status_code == 403 and 'id="error"' in text(own)
    client.post("/board/logout", data={"csrf_token": csrf_from(client, "/board/")})
    log_in(client, "board", world["users"]["street_supervisor"])
    assert _step(client, record, "review").status_code == 302
    session.refresh(record)
    assert record.status == "notified"
    # The enterprise objects (portal or API); the supervisor answers and decides.
    from backend.credit import records as credit

    credit.apply_action(world["users"]["manager"], record, "object", note="已停产整顿")
    session.commit()
    page = text(client.get("/board/credit"))
    assert "企业异议：已停产整顿" in page
    unanswered = _step(client, record, "decide")
    assert unanswered.status_code == 422
    assert _step(client, record, "decide", note="复查时仍在生产").status_code == 302
    session.refresh(record)
    assert record.status == "active" and record.ends_on is not None
    assert f'data-record-id="{record.id}"' not in text(client.get("/board/credit"))


def test_out_of_scope_records_are_not_there(client, session, world, make_record):
    far = make_record(enterprise=world["enterprises"]["far"], state="proposed")
    session.commit()
    log_in(client, "board", world["users"]["supervisor"])
    assert far.id not in text(client.get("/board/credit"))
    assert _step(client, far, "dismiss", note="x").status_code == 404
