"""The contents of each report, in the official layouts (XLSX, Chinese headers).

- 附件1 「企业落实“五落实”进展情况汇总表」 (seed 000 方案1, L29–L39): its columns exactly, one row
  per industry the department supervises, and a 合计 row.
- 联合惩戒 monthly report (方案2 三(一)6(3), L83): the month's 联合惩戒 objects (bad credit
  records decided in it) and blacklist entries (confirmed in it) of the department's enterprises.
- 16号令 第十四条 statistics: the enterprise's 统计分析表 (hazards/reports.py).
"""

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from checklists.industries import INDUSTRIES

from ..campaigns import progress as campaign_progress
from ..core.db import db
from ..core.scope import department_enterprise_clause
from ..core.spreadsheets import add_table_sheet, new_workbook, workbook_bytes
from ..credit.blacklist import trigger_label
from ..hazards import reports as hazard_reports
from ..models import (
    BAD_RECORD_STATUSES,
    BAD_RECORD_TRIGGERS,
    BLACKLIST_STATES,
    BadCreditRecord,
    BlacklistEntry,
    Certificate,
    Department,
    Enterprise,
    FiveImplementationStatus,
    Person,
)
from .periods import Period

FIVE_IMPLEMENTATIONS_TITLE = "企业落实“五落实”进展情况汇总表"
# 附件1's columns, in its order; the two groups are a header row above them.
FIVE_IMPLEMENTATIONS_GROUPS = ("", "", "所有企业", "", "", "规模以上企业", "", "", "")
FIVE_IMPLEMENTATIONS_HEADERS = (
    "序号",
    "监管行业名称",
    "实有企业(家)",
    "已印制张贴五落实规定挂图企业(家)",
    "覆盖率(%)",
    "实有企业(家)",
    "完成五落实企业(家)",
    "覆盖率(%)",
    "配备注册安全工程师(人)",
)
JOINT_PUNISHMENT_TITLE = "纳入联合惩戒对象和“黑名单”管理信息"
JOINT_PUNISHMENT_HEADERS = (
    "序号",
    "类别",
    "单位名称",
    "统一社会信用代码",
    "主要负责人",
    "纳入情形",
    "认定日期",
    "管理期限至",
    "当前状态",
)


def _coverage(part: int, whole: int) -> float | str:
    return round(part * 100 / whole, 1) if whole else ""


def _industry_row_of(enterprise: Enterprise, codes: list[str]) -> str:
    """The department's industry an enterprise counts under ("industry_trade" takes its
    sub-industries); one assigned by name outside them counts under its own industry."""
    for code in codes:
        if enterprise.industry == code or enterprise.industry.startswith(f"{code}."):
            return code
    return enterprise.industry


def registered_safety_engineers(enterprise_ids: list[int], on: date) -> dict[int, int]:
    """Per enterprise, the people still with it who hold a 注册安全工程师执业证 valid on the day."""
    if not enterprise_ids:
        return {}
    rows = db.session.execute(
        select(Person.enterprise_id, func.count(func.distinct(Person.id)))
        .join(Certificate, Certificate.person_id == Person.id)
        .where(
            Person.enterprise_id.in_(enterprise_ids),
            Person.active.is_(True),
            Certificate.cert_type == "registered_safety_engineer",
            Certificate.issued_on <= on,
            Certificate.valid_until >= on,
        )
        .group_by(Person.enterprise_id)
    )
    return dict(rows.all())


def five_implementations_rows(department: Department, period: Period) -> list[list]:
    """附件1's rows for a department at the end of the month: per industry, its enterprises, how
    many had posted the wall chart by then, the above-scale ones and how many of them had
    completed the 五落实 (passed the check), and the registered safety engineers they employ."""
    enterprises = db.session.scalars(
        select(Enterprise).where(department_enterprise_clause(department)).order_by(Enterprise.id)
    ).all()
    statuses = {
        status.enterprise_id: status
        for status in db.session.scalars(
            select(FiveImplementationStatus).where(
                FiveImplementationStatus.enterprise_id.in_([e.id for e in enterprises])
            )
        )
    }
    engineers = registered_safety_engineers([e.id for e in enterprises], period.end)
    codes = list(department.industries or [])
    tallies: dict[str, list[int]] = {code: [0, 0, 0, 0, 0] for code in codes}
    for enterprise in enterprises:
        tally = tallies.setdefault(_industry_row_of(enterprise, codes), [0, 0, 0, 0, 0])
        status = statuses.get(enterprise.id)
        tally[0] += 1
        tally[1] += bool(status and status.chart_posted_on and status.chart_posted_on <= period.end)
        if enterprise.scale == "above_scale":
            tally[2] += 1
            tally[3] += bool(status and status.completed_on and status.completed_on <= period.end)
        tally[4] += engineers.get(enterprise.id, 0)
    rows = [
        [number, INDUSTRIES.get(code, code), *_counted(tally)]
        for number, (code, tally) in enumerate(tallies.items(), start=1)
    ]
    total = [sum(tally[index] for tally in tallies.values()) for index in range(5)]
    return [*rows, ["", "合计", *_counted(total)]]


def _counted(tally: list[int]) -> list:
    enterprises, posted, above_scale, completed, engineers = tally
    return [
        enterprises,
        posted,
        _coverage(posted, enterprises),
        above_scale,
        completed,
        _coverage(completed, above_scale),
        engineers,
    ]


def five_implementations_workbook(department: Department, period: Period) -> bytes:
    workbook = new_workbook()
    add_table_sheet(
        workbook,
        "附件1",
        FIVE_IMPLEMENTATIONS_HEADERS,
        five_implementations_rows(department, period),
        preamble=[
            [f"附件1  {FIVE_IMPLEMENTATIONS_TITLE}"],
            [f"填报单位:{department.name}", "", "", "", "", "", f"{period.label}"],
            FIVE_IMPLEMENTATIONS_GROUPS,
        ],
    )
    sheet = workbook["附件1"]
    sheet.merge_cells("C3:E3")
    sheet.merge_cells("F3:H3")
    return workbook_bytes(workbook)


def joint_punishment_rows(department: Department, period: Period) -> list[list]:
    """The month's 联合惩戒 objects (bad credit records decided in it) and blacklist entries
    (confirmed in it) of the department's enterprises; those later revoked or dismissed stay
    out."""
    supervised = select(Enterprise.id).where(department_enterprise_clause(department))
    records = db.session.scalars(
        select(BadCreditRecord)
        .where(
            BadCreditRecord.enterprise_id.in_(supervised),
            BadCreditRecord.decided_on >= period.start,
            BadCreditRecord.decided_on <= period.end,
            BadCreditRecord.status.in_(("active", "expired")),
        )
        .order_by(BadCreditRecord.decided_on, BadCreditRecord.id)
    ).all()
    entries = db.session.scalars(
        select(BlacklistEntry)
        .where(
            BlacklistEntry.enterprise_id.in_(supervised),
            BlacklistEntry.decided_on >= period.start,
            BlacklistEntry.decided_on <= period.end,
            BlacklistEntry.state.in_(("confirmed", "published", "removed")),
        )
        .order_by(BlacklistEntry.decided_on, BlacklistEntry.id)
    ).all()
    lines = [
        (
            "联合惩戒对象",
            record.enterprise,
            BAD_RECORD_TRIGGERS[record.trigger],
            record.decided_on,
            record.ends_on,
            BAD_RECORD_STATUSES[record.status],
        )
        for record in records
    ] + [
        (
            "“黑名单”",
            entry.enterprise,
            trigger_label(entry),
            entry.decided_on,
            entry.ends_on,
            BLACKLIST_STATES[entry.state],
        )
        for entry in entries
    ]
    return [
        [
            number,
            category,
            enterprise.name,
            enterprise.uscc,
            enterprise.principal_name or "",
            reason,
            decided_on.isoformat(),
            ends_on.isoformat() if ends_on else "",
            state,
        ]
        for number, (category, enterprise, reason, decided_on, ends_on, state) in enumerate(
            lines, start=1
        )
    ]


def joint_punishment_workbook(department: Department, period: Period) -> bytes:
    rows = joint_punishment_rows(department, period)
    workbook = new_workbook()
    add_table_sheet(
        workbook,
        "联合惩戒月报",
        JOINT_PUNISHMENT_HEADERS,
        rows,
        preamble=[
            [f"{period.label}{JOINT_PUNISHMENT_TITLE}"],
            [f"填报单位:{department.name}"],
        ],
        footer=[[], ["本月纳入合计", len(rows)], ["主要负责人审签", ""]],
    )
    return workbook_bytes(workbook)


def hazard_statistics_workbook(enterprise: Enterprise, period: Period, signed_by: str) -> bytes:
    stats = hazard_reports.enterprise_statistics(enterprise, period.year, period.quarter)
    stats["principal_name"] = signed_by
    return workbook_bytes(hazard_reports.statistics_workbook(stats))


def first_sheet_rows(content: bytes) -> list[tuple]:
    """A workbook's first sheet as rows of values (for the JSON view and the tests)."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


CAMPAIGN_PROGRESS_HEADERS = (
    "单位",
    "阶段",
    "目标企业(家)",
    "已自查自纠(家)",
    "自查率(%)",
    "已监督检查(家)",
    "发现问题隐患(项)",
    "已整改销号(项)",
    "“回头看”复查(家)",
    "签订履职承诺(家)",
    "受到行政处罚(家)",
)


def campaign_progress_workbook(campaign, department, street, period: Period) -> bytes:
    """专项治理工作进展情况 (seed 004 L67): the unit's figures for the campaign from its start
    to the end of the phase reported on; a 镇/街道 counts the targets in its subtree, a
    department those it supervises (campaigns/progress.py)."""
    if department is not None:
        unit_name = department.name
        figures = campaign_progress.for_department(campaign, department, period.end)
    else:
        unit_name = street.name
        figures = campaign_progress.for_street(campaign, street, period.end)
    row = (
        unit_name,
        period.label,
        figures.targets,
        figures.self_inspected,
        figures.percent("self_inspected"),
        figures.supervised,
        figures.hazards_found,
        figures.hazards_closed,
        figures.rechecked,
        figures.committed,
        figures.penalised,
    )
    workbook = new_workbook()
    add_table_sheet(
        workbook,
        "专项治理工作进展情况",
        CAMPAIGN_PROGRESS_HEADERS,
        [row],
        preamble=[
            [f"{campaign.title}工作进展情况"],
            [f"统计期间：{period.start.isoformat()} 至 {period.end.isoformat()}"],
        ],
    )
    return workbook_bytes(workbook)
