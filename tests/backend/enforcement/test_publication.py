"""双公示: a penalty decision is published within 20 working days of the decision (方案5 L198,
方案6 L233), counted on the State Council's calendar (2026: 中秋 9-25, 国庆 10-1…10-7, 10-10 a
Saturday worked); the board lists those late or due within 3 working days; once published it
shows on /gongshi and /api/v1/gongshi without any natural person's name."""

from datetime import UTC, date, datetime

from backend.core.periods import WorkingDayCalendar
from backend.enforcement import services as enforcement
from tests.backend.web.test_pages import CSRF, log_in, text

DECIDED_ON = date(2026, 9, 21)  # a Monday
DEADLINE = date(2026, 10, 26)  # the 20th working day after it


def test_the_deadline_is_the_20th_working_day_after_the_decision(app, session):
    assert enforcement.publication_deadline(DECIDED_ON) == DEADLINE
    # Weekends alone would give a week earlier: the holidays and the worked Saturday count.
    weekdays_only = WorkingDayCalendar(official=False)
    assert weekdays_only.add_working_days(DECIDED_ON, 20) == date(2026, 10, 19)


def test_published_on_the_deadline_is_on_time_the_day_after_is_late(session, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON)
    assert decision.publish_due_on == DEADLINE
    assert not enforcement.is_publication_overdue(decision, today=DEADLINE)
    assert enforcement.is_publication_overdue(decision, today=date(2026, 10, 27))
    on_time = enforcement.publish_decision(
        world["users"]["supervisor"], decision.id, now=datetime(2026, 10, 26, 15, 59, tzinfo=UTC)
    )
    assert not enforcement.is_published_late(on_time)  # 23:59 in Shanghai, still the 26th
    on_time.published_at = datetime(2026, 10, 26, 16, 0, tzinfo=UTC)  # 00:00 on the 27th
    assert enforcement.is_published_late(on_time)


def test_the_board_lists_decisions_late_or_due_within_3_working_days(session, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON)
    supervisor = world["users"]["supervisor"]

    def listed(today):
        query = enforcement.publication_due_query(supervisor, today=today)
        return decision.id in {d.id for d in session.scalars(query)}

    assert not listed(date(2026, 10, 20))  # 4 working days before the deadline
    assert listed(date(2026, 10, 21))  # 3 working days before
    assert listed(date(2026, 11, 30))  # late
    enforcement.publish_decision(supervisor, decision.id)
    assert not listed(date(2026, 11, 30))


def test_the_due_list_is_the_supervisors(client, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON)
    url = "/api/v1/enforcement/penalty-decisions/publication-due"
    mine = client.get(url, headers=world["headers"]["supervisor"])
    assert [d["id"] for d in mine.json] == [decision.id]
    assert mine.json[0]["publication_overdue"] is True
    assert client.get(url, headers=world["headers"]["other_supervisor"]).json == []
    assert client.get(url, headers=world["headers"]["manager"]).status_code == 403


def test_the_board_page_counts_them(client, world, make_decision):
    make_decision(decided_on=DECIDED_ON)
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/"))
    assert 'id="queue-publication">1<' in page
    assert "已逾期" in page


def test_publishing_shows_the_decision_on_the_public_page_and_api(client, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON, party_legal_representative="张法人")
    assert decision.number not in client.get("/gongshi").get_data(as_text=True)
    assert client.get("/api/v1/gongshi").json == []
    published = client.post(
        f"/api/v1/enforcement/penalty-decisions/{decision.id}/publication",
        headers=world["headers"]["supervisor"],
    )
    assert published.status_code == 200, published.json
    again = client.post(
        f"/api/v1/enforcement/penalty-decisions/{decision.id}/publication",
        headers=world["headers"]["supervisor"],
    )
    assert again.status_code == 409
    page = client.get("/gongshi").get_data(as_text=True)
    assert decision.number in page and decision.party_name in page
    assert decision.party_uscc in page and "罚款" in page and "20000.00元" in page
    (row,) = client.get("/api/v1/gongshi").json
    assert row["number"] == decision.number
    assert row["authority"] == "D区应急管理局"
    for private in ("张法人", "王执法", "赵执法"):
        assert private not in page
        assert private not in str(row)


def test_only_a_supervisor_in_scope_publishes(client, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON)
    url = f"/api/v1/enforcement/penalty-decisions/{decision.id}/publication"
    assert client.post(url, headers=world["headers"]["inspector"]).status_code == 403
    assert client.post(url, headers=world["headers"]["manager"]).status_code == 403
    assert client.post(url, headers=world["headers"]["other_supervisor"]).status_code == 404


def test_the_supervisor_publishes_from_the_board(client, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON)
    log_in(client, "board", world["users"]["supervisor"])
    page = text(client.get("/board/"))
    assert f'data-decision="{decision.id}"' in page
    token = CSRF.search(page).group(1)
    url = f"/board/penalty-decisions/{decision.id}/publication"
    published = client.post(url, data={"csrf_token": token})
    assert published.status_code == 302
    board = text(client.get("/board/"))
    assert f"{decision.number} 已公示" in board
    assert 'id="queue-publication">0<' in board
    assert decision.number in text(client.get("/gongshi"))
    again = client.post(url, data={"csrf_token": token})
    assert again.status_code == 409


def test_a_colleague_outside_the_scope_cannot_publish_from_the_board(client, world, make_decision):
    decision = make_decision(decided_on=DECIDED_ON)
    log_in(client, "board", world["users"]["other_supervisor"])
    token = CSRF.search(text(client.get("/board/"))).group(1)
    answer = client.post(
        f"/board/penalty-decisions/{decision.id}/publication", data={"csrf_token": token}
    )
    assert answer.status_code == 404
    assert decision.number not in text(client.get("/gongshi"))


def test_a_name_typed_into_the_facts_is_published_as_surname_and_mou(
    client, session, world, make_decision
):
    """The facts are the supervisor's own text: a person named in them (the legal
    representative, an official, the principal, a registered person) is shown as 「张某」."""
    from backend.training.services import add_person

    ent = world["enterprises"]["ent"]
    ent.principal_name = "李主要"
    add_person(world["users"]["manager"], enterprise_id=ent.id, name="欧阳电工", role="other")
    decision = make_decision(
        decided_on=DECIDED_ON,
        party_legal_representative="张法人",
        facts="张法人未组织培训；李主要签字确认；特种作业人员欧阳电工无证上岗，由王执法、赵执法发现",
    )
    client.post(
        f"/api/v1/enforcement/penalty-decisions/{decision.id}/publication",
        headers=world["headers"]["supervisor"],
    )
    (row,) = client.get("/api/v1/gongshi").json
    assert row["facts"] == (
        "张某未组织培训；李某签字确认；特种作业人员欧某无证上岗，由王某、赵某发现"
    )
    page = client.get("/gongshi").get_data(as_text=True)
    for private in ("张法人", "李主要", "欧阳电工", "王执法"):
        assert private not in page
    session.refresh(decision)
    assert "欧阳电工" in decision.facts  # the decision itself keeps what was decided


def test_the_public_list_costs_the_same_statements_for_one_decision_or_many(
    client, session, world, make_decision, count_queries
):
    supervisor = world["users"]["supervisor"]

    def publish(count):
        for _ in range(count):
            enforcement.publish_decision(supervisor, make_decision(decided_on=DECIDED_ON).id)
        session.commit()
        session.expire_all()
        with count_queries() as statements:
            assert client.get("/api/v1/gongshi").status_code == 200
            assert client.get("/gongshi").status_code == 200
        return len(statements)

    assert publish(1) == publish(3)


def test_a_decision_is_recorded_while_the_calendar_lacks_its_deadlines_year(
    app, client, session, world, make_decision, monkeypatch
):
    """21 working days after 3 December 2026 fall in 2027 (20 end on the 31st). Until an
    administrator gives 2027's holidays the deadline is unknown: the decision is recorded and
    queued undated (it may be published at once), and the job dates it once the calendar has
    the year."""
    from backend.enforcement.services import fill_publication_deadlines

    monkeypatch.setitem(app.config, "HOLIDAYS", "")
    monkeypatch.setitem(app.config, "WORKDAYS", "")
    monkeypatch.setitem(app.config, "PENALTY_PUBLICATION_WORKING_DAYS", 21)
    decision = make_decision(decided_on=date(2026, 12, 3))
    assert decision.publish_due_on is None
    supervisor = world["users"]["supervisor"]
    # Late December: the warning horizon reaches 2027 too, and the board still answers.
    late_december = date(2026, 12, 29)
    queued = session.scalars(enforcement.publication_due_query(supervisor, late_december))
    assert [d.id for d in queued] == [decision.id]
    assert not enforcement.is_publication_overdue(decision, late_december)
    log_in(client, "board", supervisor)
    board = text(client.get("/board/"))
    assert f'data-decision="{decision.id}"' in board and "公示期限待定" in board

    assert fill_publication_deadlines(None) == {"dated": 0}  # still unknown
    # Published while its deadline was unknown: dated afterwards all the same, and judged.
    enforcement.publish_decision(supervisor, decision.id, now=datetime(2027, 1, 5, 2, tzinfo=UTC))
    monkeypatch.setitem(app.config, "HOLIDAYS", "2027-01-01")  # 2027 given (here: 元旦 only)
    assert fill_publication_deadlines(None) == {"dated": 1}
    assert decision.publish_due_on == date(2027, 1, 4)
    assert enforcement.is_published_late(decision)
