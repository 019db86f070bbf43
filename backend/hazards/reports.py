"""Hazard reports: the ledger (隐患台账), supervisors' statistics, and the 16号令 第十四条
quarterly/annual statistics of one enterprise. Numbers only; spreadsheets are drawn elsewhere."""

from collections import defaultdict
from datetime import date, datetime, time

from sqlalchemy import select

from checklists.industries import INDUSTRIES

from ..core.db import db
from ..core.scope import jurisdiction_clause
from ..core.spreadsheets import add_table_sheet, new_workbook
from ..core.timeutil import SHANGHAI, today_in_shanghai
from ..models import HAZARD_GRADES, HAZARD_STATUSES, Enterprise, Hazard, Jurisdiction, utcnow
from .services import AWAITING_VERIFICATION, days_overdue, hazard_query, is_overdue, submitted_at

# Who may read the statistics of hazards across enterprises, each of their own scope: a
# department official those of its department's enterprises ("每项统计可按部门分列", issue 19;
# 管行业必须管安全, seed 000).
STATS_ROLES = ("supervisor", "admin", "department_official")

LEDGER_HEADERS = (
    "隐患编号",
    "企业名称",
    "统一社会信用代码",
    "所属辖区",
    "行业",
    "隐患描述",
    "隐患等级",
    "状态",
    "整改期限",
    "是否逾期",
    "逾期天数",
    "登记时间",
    "销号时间",
    "隐患部位",
    "自查自报",
    "企业自行销号",
    "立查立改",
    "停产停业整改",
    "挂牌督办",
    "整改责任人",
    "依据",
)


def _local(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _basis(legal_basis: dict | None) -> str:
    if not legal_basis:
        return ""
    return legal_basis.get("title") or legal_basis.get("clause") or ""


def ledger_file_names(extension: str) -> tuple[str, str]:
    """The ledger file's ASCII fallback name and its Chinese name, dated today."""
    today = today_in_shanghai().strftime("%Y%m%d")
    return f"hazards-{today}.{extension}", f"隐患台账-{today}.{extension}"


def ledger(user, filters: dict, now: datetime | None = None) -> tuple[tuple, list[list]]:
    """The hazard ledger: the list's filters and scope, one row per hazard, Chinese headers."""
    now = now or utcnow()
    stmt = hazard_query(user, now=now, **filters)
    hazards = db.session.scalars(stmt).all()
    enterprises = _enterprises({hazard.enterprise_id for hazard in hazards})
    rows = []
    for hazard in hazards:
        enterprise, jurisdiction = enterprises[hazard.enterprise_id]
        text = hazard.title + (f"（{hazard.description}）" if hazard.description else "")
        rows.append(
            [
                hazard.id,
                enterprise.name,
                enterprise.uscc,
                jurisdiction.name,
                INDUSTRIES.get(enterprise.industry, enterprise.industry),
                text,
                HAZARD_GRADES[hazard.grade],
                HAZARD_STATUSES[hazard.status],
                hazard.due_on.isoformat(),
                _yes(is_overdue(hazard, now)),
                days_overdue(hazard, now),
                _local(hazard.reported_at),
                _local(hazard.closed_at),
                hazard.location,
                _yes(hazard.self_reported),
                _yes(hazard.closed_by_enterprise),
                _yes(hazard.fixed_on_spot),
                _yes(hazard.stop_work_order),
                _yes(hazard.listed_for_supervision),
                (hazard.plan or {}).get("owner", ""),
                _basis(hazard.legal_basis),
            ]
        )
    return LEDGER_HEADERS, rows


def _enterprises(ids) -> dict[int, tuple[Enterprise, Jurisdiction]]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enterprise, Jurisdiction)
        .join(Jurisdiction, Jurisdiction.id == Enterprise.jurisdiction_id)
        .where(Enterprise.id.in_(ids))
    ).all()
    return {enterprise.id: (enterprise, jurisdiction) for enterprise, jurisdiction in rows}


# --- Supervisors' statistics ------------------------------------------------------------------


def _days_between(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0) / 86400


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


class _Tally:
    """Counts of one group of hazards. Overdue is the enterprise's lateness; the hazards
    submitted and waiting for an official (待核验), and for how long, are the bureau's."""

    def __init__(self) -> None:
        self.total = self.open = self.overdue = self.closed = self.self_reported = 0
        self.days_to_close: list[float] = []
        self.days_awaiting_verification: list[float] = []

    def add(self, hazard: Hazard, now: datetime, submitted: datetime | None = None) -> None:
        self.total += 1
        self.self_reported += hazard.self_reported
        if hazard.status == "closed":
            self.closed += 1
            if hazard.closed_at:
                self.days_to_close.append(_days_between(hazard.reported_at, hazard.closed_at))
            return
        self.open += 1
        self.overdue += is_overdue(hazard, now)
        if hazard.status == AWAITING_VERIFICATION:
            self.days_awaiting_verification.append(
                _days_between(submitted or hazard.reported_at, now)
            )

    def as_dict(self) -> dict:
        waits = self.days_awaiting_verification
        return {
            "total": self.total,
            "open": self.open,
            "overdue": self.overdue,
            "closed": self.closed,
            "self_reported": self.self_reported,
            "rectification_rate": round(self.closed / self.total, 4) if self.total else None,
            "mean_days_to_close": _mean(self.days_to_close),
            "awaiting_verification": len(waits),
            "mean_days_awaiting_verification": _mean(waits),
            "max_days_awaiting_verification": round(max(waits), 2) if waits else None,
        }


def hazard_stats(user, filters: dict, now: datetime | None = None) -> dict:
    """Open, overdue, rectification rate (closed / total), mean days to close and the hazards
    enterprises found themselves (自查自报: 方案4 L143 weighs self-reporting), in total and
    grouped by jurisdiction (each node counts its whole subtree), industry and month reported."""
    now = now or utcnow()
    reported_from = filters.pop("reported_from", None)
    reported_to = filters.pop("reported_to", None)
    stmt = hazard_query(user, now=now, **filters)
    if reported_from:
        stmt = stmt.where(Hazard.reported_at >= _start_of(reported_from))
    if reported_to:
        stmt = stmt.where(Hazard.reported_at < _start_of(reported_to, next_day=True))
    hazards = db.session.scalars(stmt).all()
    enterprises = _enterprises({hazard.enterprise_id for hazard in hazards})
    submitted = submitted_at(
        [hazard.id for hazard in hazards if hazard.status == AWAITING_VERIFICATION]
    )
    visible = {
        node.id: node
        for node in db.session.scalars(select(Jurisdiction).where(jurisdiction_clause(user)))
    }
    total = _Tally()
    by_node: dict[int, _Tally] = defaultdict(_Tally)
    by_industry: dict[str, _Tally] = defaultdict(_Tally)
    by_month: dict[str, _Tally] = defaultdict(_Tally)
    for hazard in hazards:
        enterprise, jurisdiction = enterprises[hazard.enterprise_id]
        tallies = [total, by_industry[enterprise.industry]]
        tallies += [by_node[node] for node in _path_ids(jurisdiction.path) if node in visible]
        tallies.append(by_month[hazard.reported_at.astimezone(SHANGHAI).strftime("%Y-%m")])
        for tally in tallies:
            tally.add(hazard, now, submitted.get(hazard.id))
    return {
        "as_of": now,
        "totals": total.as_dict(),
        "by_jurisdiction": [
            {
                "jurisdiction_id": node_id,
                "name": visible[node_id].name,
                "level": visible[node_id].level,
                "parent_id": visible[node_id].parent_id,
                **tally.as_dict(),
            }
            for node_id, tally in sorted(by_node.items(), key=lambda item: visible[item[0]].path)
        ],
        "by_industry": [
            {"industry": code, "name": INDUSTRIES.get(code, code), **tally.as_dict()}
            for code, tally in sorted(by_industry.items())
        ],
        "by_month": [
            {"month": month, **tally.as_dict()} for month, tally in sorted(by_month.items())
        ],
    }


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _start_of(day: date, next_day: bool = False) -> datetime:
    if next_day:
        day = date.fromordinal(day.toordinal() + 1)
    return datetime.combine(day, time(0), SHANGHAI)


# --- 16号令 第十四条: an enterprise's quarterly / annual statistics ----------------------------

STATISTICS_HEADERS = (
    ("found", "排查发现隐患数"),
    ("major", "其中：重大事故隐患"),
    ("self_reported", "其中：自查自报隐患"),
    ("rectified", "已整改销号数"),
    ("rectification_rate", "整改率"),
    ("major_rectified", "重大事故隐患已整改数"),
    ("in_progress", "正在整改数"),
    ("overdue", "逾期未整改数"),
)


def period_of(year: int, quarter: int | None) -> tuple[date, date, date]:
    """First day, last day, and the day the statistics are due (下一季度15日前 / 次年1月31日前)."""
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31), date(year + 1, 1, 31)
    first = date(year, 3 * quarter - 2, 1)
    next_first = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    last = date.fromordinal(next_first.toordinal() - 1)
    return first, last, date(next_first.year, next_first.month, 15)


def enterprise_statistics(
    enterprise: Enterprise, year: int, quarter: int | None, now: datetime | None = None
) -> dict:
    """Hazards the enterprise found in the period, and where they stood at the end of its last
    day (or now, for a period not yet over): rectified = closed by then; overdue = not closed
    and past the deadline then; in progress = the rest. A reopened hazard counts as not closed.
    Self-reported = found by the enterprise itself (自查自报, 方案4 L141/L143)."""
    now = now or utcnow()
    first, last, report_due_on = period_of(year, quarter)
    start, end = _start_of(first), _start_of(last, next_day=True)
    as_of = min(end, now)
    # A period that is over is judged as at the end of its last day.
    as_of_day = today_in_shanghai(as_of) if as_of < end else last
    hazards = db.session.scalars(
        select(Hazard)
        .where(
            Hazard.enterprise_id == enterprise.id,
            Hazard.reported_at >= start,
            Hazard.reported_at < end,
        )
        .order_by(Hazard.reported_at, Hazard.id)
    ).all()
    counts = dict.fromkeys(
        (
            "found",
            "major",
            "self_reported",
            "rectified",
            "major_rectified",
            "in_progress",
            "overdue",
        ),
        0,
    )
    for hazard in hazards:
        counts["found"] += 1
        major = hazard.grade == "major"
        counts["major"] += major
        counts["self_reported"] += hazard.self_reported
        rectified = hazard.closed_at is not None and hazard.closed_at <= as_of
        if rectified:
            counts["rectified"] += 1
            counts["major_rectified"] += major
        elif hazard.due_on < as_of_day:
            counts["overdue"] += 1
        else:
            counts["in_progress"] += 1
    rate = round(counts["rectified"] / counts["found"], 4) if counts["found"] else None
    return {
        "enterprise_id": enterprise.id,
        "enterprise_name": enterprise.name,
        "uscc": enterprise.uscc,
        "principal_name": enterprise.principal_name,
        "year": year,
        "quarter": quarter,
        "period_start": first,
        "period_end": last,
        "report_due_on": report_due_on,
        "as_of": as_of,
        **counts,
        "rectification_rate": rate,
        "major_hazards": [
            {
                "id": hazard.id,
                "title": hazard.title,
                "status": hazard.status,
                "due_on": hazard.due_on,
                "has_plan": bool(hazard.plan),
                "stop_work_order": hazard.stop_work_order,
                "listed_for_supervision": hazard.listed_for_supervision,
            }
            for hazard in hazards
            if hazard.grade == "major"
        ],
    }


def period_label(year: int, quarter: int | None) -> str:
    return f"{year}年第{quarter}季度" if quarter else f"{year}年度"


def statistics_workbook(stats: dict):
    """The 16号令 第十四条 统计分析表 as a workbook: the figures with a line for the principal's
    signature, and the major hazards (their states in Chinese, as every document here)."""
    label = period_label(stats["year"], stats["quarter"])
    rate = stats["rectification_rate"]
    values = [
        f"{rate:.2%}" if key == "rectification_rate" and rate is not None else stats[key]
        for key, _ in STATISTICS_HEADERS
    ]
    workbook = new_workbook()
    add_table_sheet(
        workbook,
        "统计分析表",
        [title for _, title in STATISTICS_HEADERS],
        [["" if value is None else value for value in values]],
        preamble=[
            ["生产经营单位事故隐患排查治理统计分析表"],
            ["单位名称", stats["enterprise_name"]],
            ["统一社会信用代码", stats["uscc"]],
            ["统计期间", f"{label}（{stats['period_start']} 至 {stats['period_end']}）"],
            [],
        ],
        footer=[
            [],
            ["报送期限", stats["report_due_on"].isoformat()],
            ["主要负责人（签字）", stats["principal_name"] or ""],
            ["填报日期", today_in_shanghai().isoformat()],
        ],
    )
    add_table_sheet(
        workbook,
        "重大事故隐患",
        ["隐患编号", "隐患描述", "状态", "整改期限", "治理方案", "停产停业整改", "挂牌督办"],
        [
            [
                hazard["id"],
                hazard["title"],
                HAZARD_STATUSES[hazard["status"]],
                hazard["due_on"].isoformat(),
                "已制定" if hazard["has_plan"] else "未制定",
                _yes(hazard["stop_work_order"]),
                _yes(hazard["listed_for_supervision"]),
            ]
            for hazard in stats["major_hazards"]
        ],
    )
    return workbook
