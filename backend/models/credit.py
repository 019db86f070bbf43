"""Credit (诚信): bad credit records (不良信用记录), blacklist entries (黑名单) and
commitments (承诺书).

The trigger lists follow 蓝山县信用体系实施方案 三(二)/(三) and 《生产体系建设方案》方案5
二(二)/(三) (docs/sources.md); the labels keep the sources' wording.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .enterprise import Enterprise

# 不良信用记录 triggers: 蓝山县信用体系实施方案 三(二) 一至八 / 《生产体系建设方案》方案5
# 二(二) 一至八. Item 五 ("隐患排查不如实记录和上报…，期限内未完成治理整改的") is split in two,
# and its overdue half again by hazard grade. The system proposes candidates for the facts it
# sees itself (CANDIDATE_TRIGGERS); a supervisor decides every record (credit/records.py).
BAD_RECORD_TRIGGERS = {
    "fatal_accident": "一年内发生生产安全死亡责任事故",
    "illegal_production": "非法违法组织生产经营建设",
    "major_hazard_found": "执法检查发现存在重大安全生产隐患、重大职业病危害隐患",
    "no_dual_prevention": "未按规定开展企业安全生产风险分级管控和隐患排查治理双重预防体系建设",
    "standardisation_not_met": (
        "未按规定开展企业安全生产标准化建设的或在规定期限内未达到安全生产标准化要求"
    ),
    "hazards_not_reported": "隐患排查不如实记录和上报隐患排查治理情况",
    "hazard_overdue": "隐患期限内未完成治理整改",
    "major_hazard_overdue": "重大事故隐患期限内未完成治理整改",
    "enforcement_refused": (
        "拒不执行安全监管监察指令的，以及逾期不履行停产停业、停止使用、停止施工和罚款等处罚"
    ),
    "accident_not_reported": "未依法依规报告事故、组织开展抢险救援",
    "other_serious": "其他安全生产非法违法或造成恶劣社会影响的行为",
}
# Triggers the system proposes candidates for: a supervision inspection (执法检查) that finds a
# major hazard (方案5 二(二)三, S000:L172), and a major hazard not rectified by its deadline
# (方案5 二(二)五, S000:L174).
CANDIDATE_TRIGGERS = ("major_hazard_found", "major_hazard_overdue")
BAD_RECORD_SOURCES = {"system": "系统提出候选", "supervisor": "监管部门采集"}
# "对责任事故的不良信用记录，实行分级管理" (方案5, S000:L178): the level of the record an
# accident's candidate goes on (credit/records.py `accident_record_level`); a record on other
# grounds goes on the list the enterprise's entries go on (credit/levels.py, local policy).
# A record at one level is on every list below it ("依次类推").
ACCIDENT_RECORD_LEVELS = {
    "county": "县(区)级",
    "city": "市级",
    "province": "省级",
    "national": "国家级",
}
# 采集 → 审核 → 告知 → 异议处理 → 认定 (公布) → 期满 (方案2 L79-85, 方案5 L169).
BAD_RECORD_STATUSES = {
    "proposed": "待审核",
    "notified": "已告知（异议期）",
    "objected": "异议处理中",
    "active": "管理期内",
    "dismissed": "不予认定",
    "expired": "已期满",
    "revoked": "已撤销",
}

# 黑名单 triggers: 蓝山县信用体系实施方案 三(三) 一至六 / 《生产体系建设方案》方案5 二(三) 一至六.
BLACKLIST_TRIGGERS = {
    "major_hazard_not_rectified": "重大安全生产隐患不及时整改或整改不到位",
    "violent_resistance": "发生暴力抗法的行为，或未按时完成行政执法指令",
    "accident_concealed": "发生事故隐瞒不报、谎报或迟报，故意破坏事故现场、毁灭有关证据",
    "unlicensed": "无证、证照不全、超层越界开采、超载超限超时运输等非法违法行为",
    "serious_threat": "经监管执法部门认定严重威胁安全生产的其他行为",
    "fatal_accident": "一年内发生死亡的生产安全责任事故",
}
# Which list an entry is on decides the wording of trigger 六. The county list follows
# 蓝山县信用体系实施方案 三(三) 六 (seed 002 L14, above); 方案5 二(三) is the city list
# ("纳入市级管理的安全生产诚信'黑名单'", S000:L181), whose 六 needs 死亡2人(含)以上 (S000:L187),
# and "纳入市级管理的…必须同时纳入县级管理" (S000:L188). No source sets up a province list (local
# policy, worded as the city list). Chosen per jurisdiction (config; credit/levels.py).
BLACKLIST_LIST_LEVELS = {"county": "县级", "city": "市级（同时纳入县级）", "province": "省级"}
_CITY_FATAL_WORDING = (
    "一年内发生死亡2人(含)以上的生产安全责任事故，或累计发生责任事故死亡超过2人(含)以上"
)
FATAL_ACCIDENT_WORDING = {
    "county": BLACKLIST_TRIGGERS["fatal_accident"],
    "city": _CITY_FATAL_WORDING,
    "province": _CITY_FATAL_WORDING,
}
# "列入'黑名单'管理的期限一般为一年，对发生较大事故、重大事故、特别重大事故管理的期限分别为一年、
# 二年、三年" (蓝山县信用体系实施方案 三(三), 《生产体系建设方案》方案5).
ACCIDENT_LEVELS = {
    "none": "未发生较大及以上事故",
    "larger": "较大事故",
    "major": "重大事故",
    "especially_major": "特别重大事故",
}
ACCIDENT_TERM_YEARS = {"none": 1, "larger": 1, "major": 2, "especially_major": 3}
# 信息采集 → 信息告知 → (申辩成立 | 确认纳入 → 信息公布 → 信息移出). 确认纳入 is
# 《生产体系建设方案》方案2's 《…"黑名单"管理确认书》: the decision the 10 working days to
# publication count from.
BLACKLIST_STATES = {
    "collected": "信息采集",
    "notified": "信息告知",
    "defence_accepted": "申辩成立（不予纳入）",
    "confirmed": "确认纳入",
    "published": "信息公布",
    "removed": "信息移出",
}
REMOVAL_KINDS = {
    "expired": "管理期满且未再发生不良信用记录情形，自动移出",
    "rectified": "整改验收合格，依申请移出",
    "term_ended": "管理期满，经监管部门决定移出",
}


def _state_check(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BadCreditRecord(Base):
    """A bad credit record (不良信用记录) from collection (采集) to the end of its term: in force
    from `starts_on` to `ends_on` inclusive once decided; `BadCreditRecordEvent` is its history."""

    __tablename__ = "bad_credit_records"
    __table_args__ = (
        CheckConstraint(_state_check("source", BAD_RECORD_SOURCES), name="source"),
        CheckConstraint(_state_check("status", BAD_RECORD_STATUSES), name="status"),
        CheckConstraint("ends_on >= starts_on", name="term"),
        CheckConstraint(
            _state_check("management_level", ACCIDENT_RECORD_LEVELS), name="management_level"
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    evidence_text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    hazard_id: Mapped[str | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[str | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="RESTRICT"), index=True
    )
    accident_id: Mapped[str | None] = mapped_column(
        ForeignKey("accidents.id", ondelete="RESTRICT"), index=True
    )
    # The list the record is on (分级管理, 方案5 L178): an accident's level, else the list the
    # enterprise's entries go on (credit/levels.py).
    management_level: Mapped[str] = mapped_column(
        String(16), default="county", server_default="county"
    )
    # What a system candidate was made from (trigger and hazard, inspection or accident):
    # proposed once.
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # The term, set by the decision (认定).
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 告知 and 异议处理: the enterprise sees the record from the notice on.
    notified_on: Mapped[date | None]
    objection_due_on: Mapped[date | None]
    objection_text: Mapped[str | None] = mapped_column(Text)
    objection_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    decided_on: Mapped[date | None]
    expired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped[Enterprise] = relationship()


class BadCreditRecordEvent(Base):
    """One step of a bad credit record's append-only history (photos attach to it)."""

    __tablename__ = "bad_credit_record_events"
    __table_args__ = (
        UniqueConstraint("record_id", "seq", name="uq_bad_credit_record_events_record_seq"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(
        ForeignKey("bad_credit_records.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class BlacklistEntry(Base):
    """A blacklist entry (黑名单) from collection to removal; `BlacklistEvent` is its history."""

    __tablename__ = "blacklist_entries"
    __table_args__ = (
        CheckConstraint(_state_check("state", BLACKLIST_STATES), name="state"),
        CheckConstraint(_state_check("accident_level", ACCIDENT_LEVELS), name="accident_level"),
        CheckConstraint("term_years BETWEEN 1 AND 3", name="term_years"),
        CheckConstraint(_state_check("list_level", BLACKLIST_LIST_LEVELS), name="list_level"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="collected", index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    # 案由: published as written, so it names the conduct, never a person.
    reason: Mapped[str] = mapped_column(Text)
    # 违法违规行为 and evidence (not published).
    facts: Mapped[str] = mapped_column(Text, default="")
    accident_level: Mapped[str] = mapped_column(String(16), default="none")
    list_level: Mapped[str] = mapped_column(String(8), default="county", server_default="county")
    term_years: Mapped[int] = mapped_column(Integer, default=1)
    bad_credit_record_id: Mapped[str | None] = mapped_column(
        ForeignKey("bad_credit_records.id", ondelete="RESTRICT")
    )
    # The accident the entry rests on: its level sets `accident_level` and so the term.
    accident_id: Mapped[str | None] = mapped_column(ForeignKey("accidents.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # 信息告知: the written notice (告知书) and the defence period.
    notice_html: Mapped[str | None] = mapped_column(Text)
    notified_on: Mapped[date | None]
    defence_due_on: Mapped[date | None]
    defence_text: Mapped[str | None] = mapped_column(Text)
    defence_submitted_at: Mapped[datetime | None]
    defence_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 确认纳入 → 信息公布 within BLACKLIST_PUBLISH_WORKING_DAYS.
    decided_on: Mapped[date | None]
    publish_due_on: Mapped[date | None]
    published_on: Mapped[date | None] = mapped_column(index=True)
    publish_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ends_on: Mapped[date | None] = mapped_column(index=True)
    # 信息移出: on application after rectification, or at the end of the term.
    removal_application: Mapped[str | None] = mapped_column(Text)
    removal_applied_on: Mapped[date | None]
    removal_due_on: Mapped[date | None]
    removed_on: Mapped[date | None]
    removal_kind: Mapped[str | None] = mapped_column(String(16))
    removal_late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 整改验收合格, published (方案5 L193); the entry stays until the end of its term.
    rectified_on: Mapped[date | None]
    # The term ended but a new bad record fell within it: 继续保留"黑名单"管理.
    retained_since: Mapped[date | None]

    enterprise: Mapped[Enterprise] = relationship()


class BlacklistEvent(Base):
    """One step of a blacklist entry's append-only history (photos attach to it)."""

    __tablename__ = "blacklist_events"
    __table_args__ = (UniqueConstraint("entry_id", "seq", name="uq_blacklist_events_entry_seq"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("blacklist_entries.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)


class Commitment(Base):
    """A signed commitment (承诺书): the exact text signed, its digest and the drawn signature.

    Immutable once written (the service refuses updates and deletes at flush time).
    """

    __tablename__ = "commitments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    template_code: Mapped[str] = mapped_column(String(64), index=True)
    template_version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    signer_role: Mapped[str] = mapped_column(String(32))
    signer_name: Mapped[str] = mapped_column(String(64))
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    signature_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The self-inspection a duty commitment follows (青安委〔2024〕2号: 自查自纠结束后签订).
    inspection_id: Mapped[str | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="RESTRICT")
    )
