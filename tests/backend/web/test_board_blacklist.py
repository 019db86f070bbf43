"""The blacklist procedure from the board (issue 16): a supervisor notifies a collected entry
(告知书, defence period), decides once the enterprise defended itself or the period is over,
publishes, and decides a removal application or removes an entry whose term is over — through
the blacklist service, with a count of each in the board's work queue."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.accidents import services as accidents
from backend.credit import blacklist
from backend.models import BlacklistEntry
from tests.backend.web.test_pages import csrf_from, log_in, text


def _step(client, entry, action, note=""):
    token = csrf_from(client, "/board/")
    return client.post(
        f"/board/blacklist/{entry.id}", data={"csrf_token": token, "action": action, "note": note}
    )


def _entry_html(page: str, entry) -> str:
    match = re.search(rf'<li class="entry" id="entry-{entry.id}".*?</li>', page, re.S)
    assert match, f"entry {entry.id} not on the page"
    return match.group(0)


def _buttons(client, entry) -> set[str]:
    html = _entry_html(text(client.get("/board/blacklist")), entry)
    return set(re.findall(r'name="action" value="(\w+)"', html))


def test_notify_then_decide_after_the_defence_then_publish(client, session, world, make_entry):
    entry = make_entry("collected")
    log_in(client, "board", world["users"]["supervisor"])
    board = text(client.get("/board/"))
    assert 'id="to-blacklist"' in board and 'data-wait="待告知">1<' in board
    assert _buttons(client, entry) == {"notify"}
    assert _step(client, entry, "notify").status_code == 302
    session.refresh(entry)
    assert entry.state == "notified" and entry.defence_due_on is not None
    notice = client.get(f"/board/blacklist/{entry.id}/notice")
    assert notice.status_code == 200 and "告知书" in text(notice)
    # Within the defence period and without a defence, no decision: the service says so.
    assert _buttons(client, entry) == set()
    early = _step(client, entry, "confirm")
    assert early.status_code == 409
    assert f"申辩期至{entry.defence_due_on}" in text(early)
    assert 'id="queue-blacklist">0<' in text(client.get("/board/"))  # nothing due yet
    # The enterprise defends itself: the supervisor answers it (a reason is required).
    blacklist.apply_action(
        world["users"]["manager"], entry, "submit_defence", note="隐患已于期限前整改完毕。"
    )
    session.commit()
    assert _buttons(client, entry) == {"accept_defence", "confirm"}
    assert "隐患已于期限前整改完毕。" in _entry_html(text(client.get("/board/blacklist")), entry)
    assert 'data-wait="待决定是否纳入">1<' in text(client.get("/board/"))
    unanswered = _step(client, entry, "confirm")
    assert unanswered.status_code == 422 and "请填写说明" in text(unanswered)
    assert _step(client, entry, "confirm", note="经复查，隐患仍未整改。").status_code == 302
    session.refresh(entry)
    assert entry.state == "confirmed" and entry.publish_due_on is not None
    assert _buttons(client, entry) == {"publish"}
    assert 'data-wait="待公布">1<' in text(client.get("/board/"))
    assert _step(client, entry, "publish").status_code == 302
    session.refresh(entry)
    assert entry.state == "published" and entry.ends_on is not None
    assert entry.id in text(client.get("/blacklist"))
    # In publication, nothing due: listed, no step, not in the queue.
    assert _buttons(client, entry) == set()
    assert 'id="queue-blacklist">0<' in text(client.get("/board/"))


def test_once_the_defence_period_is_over_the_supervisor_confirms(
    client, session, world, make_entry
):
    long_ago = datetime.now(UTC) - timedelta(days=40)
    entry = blacklist.collect(
        world["users"]["supervisor"],
        enterprise_id=world["enterprises"]["ent"].id,
        trigger="serious_threat",
        reason="拒不停产整改",
        facts="现场检查记录",
        now=long_ago,
    )
    blacklist.apply_action(world["users"]["supervisor"], entry, "notify", now=long_ago)
    session.commit()
    log_in(client, "board", world["users"]["supervisor"])
    assert "（已届满）" in _entry_html(text(client.get("/board/blacklist")), entry)
    assert _buttons(client, entry) == {"confirm"}
    assert _step(client, entry, "confirm").status_code == 302
    session.refresh(entry)
    assert entry.state == "confirmed"


def test_a_removal_application_and_a_term_over(client, session, world, make_entry):
    past = datetime.now(UTC) - timedelta(days=400)
    entry = make_entry("published", now=past)  # its one-year term is over
    other = make_entry("published", enterprise=world["enterprises"]["ent2"], now=past)
    blacklist.apply_action(
        world["users"]["manager"], entry, "apply_removal", note="已完成整改并经自查合格。"
    )
    session.commit()
    log_in(client, "board", world["users"]["supervisor"])
    board = text(client.get("/board/"))
    assert 'data-wait="移出申请待处理">1<' in board
    assert 'data-wait="管理期满待移出">2<' in board
    assert 'id="queue-blacklist">2<' in board
    assert _buttons(client, entry) == {"accept_rectification", "reject_removal", "remove"}
    assert "已完成整改并经自查合格。" in _entry_html(text(client.get("/board/blacklist")), entry)
    refused = _step(client, entry, "reject_removal")
    assert refused.status_code == 422
    assert _step(client, entry, "reject_removal", note="整改尚未到位。").status_code == 302
    session.refresh(entry)
    assert entry.state == "published" and entry.removal_applied_on is None
    assert _buttons(client, entry) == {"remove"}
    # The other's term is over without a rectification: the supervisor removes it.
    assert _step(client, other, "remove", note="管理期满。").status_code == 302
    session.refresh(other)
    assert other.state == "removed" and other.removal_kind == "term_ended"


def test_removal_before_the_term_ends_is_refused_with_the_date(client, session, world, make_entry):
    entry = make_entry("published")
    log_in(client, "board", world["users"]["supervisor"])
    assert _buttons(client, entry) == set()
    early = _step(client, entry, "remove", note="提前移出")
    assert early.status_code == 409 and f"管理期限至{entry.ends_on}" in text(early)
    session.refresh(entry)
    assert entry.state == "published"


def test_only_the_supervisors_entries_in_scope(client, session, world, make_entry):
    far = make_entry("collected", enterprise=world["enterprises"]["far"])
    log_in(client, "board", world["users"]["supervisor"])
    assert far.id not in text(client.get("/board/blacklist"))
    assert _step(client, far, "notify").status_code == 404
    assert client.get(f"/board/blacklist/{far.id}/notice").status_code == 404
    assert _step(client, far, "delete").status_code == 422
    session.refresh(far)
    assert far.state == "collected"


def test_an_enterprise_user_cannot_use_the_board(client, world, make_entry):
    entry = make_entry("collected")
    log_in(client, "board", world["users"]["manager"])
    response = client.get("/board/blacklist")
    assert response.status_code in (302, 403)
    assert entry.id not in text(response)


def test_the_supervisor_collects_an_accidents_proposal(client, session, world):
    """A responsible fatal accident proposes an entry; the supervisor collects it from the
    board, the level and term coming from the accident (重大: 2 years)."""
    supervisor = world["users"]["supervisor"]
    accident = accidents.record_accident(
        supervisor,
        enterprise_id=world["enterprises"]["ent"].id,
        occurred_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        place="储罐区",
        accident_type="fire",
        deaths=10,
        responsible=True,
        summary="储罐区火灾，死亡10人。",
    )
    session.commit()
    log_in(client, "board", supervisor)
    assert 'data-wait="事故拟列入待采集">1<' in text(client.get("/board/"))
    page = text(client.get("/board/blacklist"))
    assert f'data-accident-id="{accident.id}"' in page and "2年" in page
    token = csrf_from(client, "/board/")
    form = {"csrf_token": token, "reason": "", "facts": "储罐区火灾，死亡10人。"}
    unreasoned = client.post(f"/board/blacklist/accidents/{accident.id}", data=form)
    assert unreasoned.status_code == 422
    form["reason"] = "2026年03月02日发生生产安全责任事故（重大事故），死亡10人"
    assert client.post(f"/board/blacklist/accidents/{accident.id}", data=form).status_code == 302
    entry = session.scalars(
        select(BlacklistEntry).where(BlacklistEntry.accident_id == accident.id)
    ).one()
    assert (entry.state, entry.accident_level, entry.term_years) == ("collected", "major", 2)
    page = text(client.get("/board/blacklist"))
    assert f'data-accident-id="{accident.id}"' not in page
    assert _buttons(client, entry) == {"notify"}
    again = client.post(f"/board/blacklist/accidents/{accident.id}", data=form)
    assert again.status_code == 409 and "不能重复采集" in text(again)
