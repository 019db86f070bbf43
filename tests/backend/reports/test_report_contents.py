"""The 联合惩戒 monthly report (方案2) and the enterprise's signed 16号令 statistics."""

import io
from datetime import date

from openpyxl import load_workbook

from backend.models import BadCreditRecord, BlacklistEntry
from backend.reports import services as reports


def _rows(content: bytes, sheet: int = 0) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[sheet].iter_rows(values_only=True))


def _record(session, enterprise, decided_on, status="active", number=1):
    session.add(
        BadCreditRecord(
            id=f"bcr-{enterprise.id}-{number}",
            enterprise_id=enterprise.id,
            trigger="major_hazard_found",
            source="supervisor",
            status=status,
            decided_on=decided_on,
            starts_on=decided_on,
            ends_on=date(decided_on.year + 1, decided_on.month, decided_on.day),
        )
    )


def _entry(session, enterprise, decided_on, created_by, state="published"):
    session.add(
        BlacklistEntry(
            id=f"bl-{enterprise.id}",
            enterprise_id=enterprise.id,
            state=state,
            trigger="major_hazard_not_rectified",
            reason="重大安全生产隐患不及时整改",
            created_by_id=created_by.id,
            decided_on=decided_on,
        )
    )


def test_the_joint_punishment_report_lists_the_months_objects_and_entries(session, reports_world):
    w = reports_world
    _record(session, w["chem"], date(2026, 5, 6))
    _record(session, w["trade"], date(2026, 4, 30), number=2)  # April's
    _record(session, w["trade"], date(2026, 5, 9), status="revoked", number=3)
    _record(session, w["chem_west"], date(2026, 5, 9), number=4)  # not the department's
    _entry(session, w["trade_big"], date(2026, 5, 20), w["supervisor"])
    session.commit()

    report = reports.generate_draft(w["official"], kind="joint_punishment", period="2026-05")
    assert report.due_on == date(2026, 6, 2)
    rows = _rows(report.workbook)
    assert rows[0] == ("2026年5月纳入联合惩戒对象和“黑名单”管理信息",) + (None,) * 8
    lines = rows[3:5]
    assert [(line[1], line[2], line[6]) for line in lines] == [
        ("联合惩戒对象", w["chem"].name, "2026-05-06"),
        ("“黑名单”", w["trade_big"].name, "2026-05-20"),
    ]
    assert rows[-2][:2] == ("本月纳入合计", 2)


def test_the_statistics_carry_the_principals_signature(session, reports_world):
    w = reports_world
    report = reports.generate_draft(w["manager"], kind="hazard_statistics", period="2026-Q1")
    reports.submit(w["principal"], report)
    rows = _rows(report.workbook)
    assert rows[0][0] == "生产经营单位事故隐患排查治理统计分析表"
    assert ("主要负责人（签字）", "张主要负责人") in [row[:2] for row in rows]
    assert ("报送期限", "2026-04-15") in [row[:2] for row in rows]
