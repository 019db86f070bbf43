"""A report's period and the day it is due, each from the source that sets it."""

import re
from dataclasses import dataclass
from datetime import date

from ..campaigns import services as campaigns
from ..core.errors import Invalid
from ..core.periods import working_day_calendar
from ..hazards import reports as hazard_reports

MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
QUARTER_OR_YEAR = re.compile(r"([0-9]{4})(?:-Q([1-4]))?")
MONTHLY_KINDS = ("five_implementations", "joint_punishment")
CAMPAIGN_PHASE = re.compile(r"P([1-9][0-9]{0,6})")
# Seed 004 L67: 「自查自纠阶段结束后5个工作日内」, 「本年度结束后5个工作日内」.
CAMPAIGN_REPORT_WORKING_DAYS = 5
# 方案1 四(二) (seed 000 L26): "于每月28日前向县安办报送企业'五落实'进展情况汇总表(附件1)".
FIVE_IMPLEMENTATIONS_DAY = 28
# 方案2 三(一)6(3) (seed 000 L83): "每月2日前收集汇总上月本行业纳入联合惩戒对象和'黑名单'管理信息".
JOINT_PUNISHMENT_DAY = 2


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date
    due_on: date
    label: str
    year: int
    quarter: int | None = None


def _month(code: str) -> tuple[int, int]:
    match = MONTH.fullmatch(code)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise Invalid("A monthly report's period is a month, YYYY-MM.", field="period")
    return int(match[1]), int(match[2])


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def period_of(kind: str, code: str) -> Period:
    """The period a code names for a kind of report, with its due date: 附件1 by the 28th of the
    month itself, 联合惩戒 by the 2nd of the next month, 16号令 第十四条 by the 15th of the
    following quarter's first month or by 31 January for a year (hazards/reports.py)."""
    if not isinstance(code, str):
        raise Invalid("The period is text.", field="period")
    if kind == "campaign_progress":
        return campaign_phase_period(code)
    if kind in MONTHLY_KINDS:
        year, month = _month(code)
        start, following = date(year, month, 1), _next_month(year, month)
        end = date.fromordinal(following.toordinal() - 1)
        if kind == "five_implementations":
            due_on = date(year, month, FIVE_IMPLEMENTATIONS_DAY)
        else:
            due_on = following.replace(day=JOINT_PUNISHMENT_DAY)
        return Period(code, start, end, due_on, f"{year}年{month}月", year)
    match = QUARTER_OR_YEAR.fullmatch(code)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise Invalid("The statistics' period is a quarter (YYYY-Qn) or a year.", field="period")
    year, quarter = int(match[1]), int(match[2]) if match[2] else None
    start, end, due_on = hazard_reports.period_of(year, quarter)
    return Period(
        code, start, end, due_on, hazard_reports.period_label(year, quarter), year, quarter
    )


def statistics_period_due_next(today: date) -> list[Period]:
    """The 16号令 periods whose statistics are due next: the quarter just ended, and the year
    just ended while its 31 January has not passed."""
    year, month = today.year, today.month
    quarter = (month - 1) // 3  # the quarter before today's; 0 means the previous year's Q4
    code = f"{year - 1}-Q4" if quarter == 0 else f"{year}-Q{quarter}"
    periods = [period_of("hazard_statistics", code)]
    if month == 1:
        periods.append(period_of("hazard_statistics", str(year - 1)))
    return periods


def _months_back(today: date, count: int) -> list[str]:
    year, month = today.year, today.month
    codes = []
    for _ in range(count):
        codes.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return codes


def latest_past_due(kind: str, today: date) -> Period:
    """The most recent period of a kind whose due date has passed (the one whose late units
    the receiving level chases today)."""
    if kind in MONTHLY_KINDS:
        codes = _months_back(today, 3)
    else:
        quarter = (today.month - 1) // 3 + 1
        codes = [str(today.year - 1)] + [
            f"{year}-Q{q}"
            for year in (today.year - 1, today.year)
            for q in range(1, 5)
            if (year, q) < (today.year, quarter)
        ]
    periods = [period_of(kind, code) for code in codes]
    return max((p for p in periods if p.due_on < today), key=lambda p: p.due_on)


def campaign_phase_code(phase_id: int) -> str:
    """A campaign report's period: "P" and the phase's id (fits String(8); the phase, hence
    its campaign, is in the period, so the unique key (kind, period, unit) holds)."""
    return f"P{phase_id}"


def campaign_phase_period(code: str) -> Period:
    """From the campaign's start to the end of a phase that asks for a report, due 5 working
    days after the phase ends (seed 004 L67; working days as core/periods.py counts them)."""
    match = CAMPAIGN_PHASE.fullmatch(code)
    if not match:
        raise Invalid("A campaign report's period is P<phase id>.", field="period")
    phase = campaigns.get_phase(int(match[1]))
    if not phase.report_due:
        raise Invalid("No report is due after this phase.", field="campaign_phase_id")
    campaign = phase.campaign
    due_on = working_day_calendar().add_working_days(phase.ends_on, CAMPAIGN_REPORT_WORKING_DAYS)
    label = f"{campaign.title}·{phase.name}"
    return Period(code, campaigns.starts_on(campaign), phase.ends_on, due_on, label, due_on.year)
