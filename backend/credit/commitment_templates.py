"""The texts enterprises sign (承诺书), as data: code, version, title, text.

A new wording is a new version (never an edit of a shipped one): signed commitments keep the
exact text they were signed with, and its SHA-256.

`quoted` lists, for each template, the passages copied verbatim from the sources (punctuation
normalised to full-width); everything else in the text is this system's own framing. The seeds
give the content of the enterprise's safety commitment, but not a form; for the duty commitment
青安委〔2024〕2号 only says that safety managers sign one after the self-inspection
("自查自纠结束后，重点行业领域企业安全生产管理人员要签订安全生产履职承诺书并在企业内部公开"),
so its wording is ours, built on the seven duties of 安全生产法 第二十五条 and items 29–31 of
青安委〔2024〕2号.
"""

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Quote:
    passage: str
    source: str


@dataclass(frozen=True)
class CommitmentTemplate:
    code: str
    version: str
    title: str
    text: str
    signer_roles: tuple[str, ...]
    source: str
    quoted: tuple[Quote, ...]
    # A finished self-inspection against this checklist must come first (青安委〔2024〕2号).
    requires_self_inspection: str | None = None
    # An enterprise commitment, disclosed to the public ("向社会和全体员工公开安全承诺"); a
    # duty commitment is published inside the enterprise only.
    public: bool = False

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


SEED_000_PLAN_2 = "《生产体系建设方案》方案2 三（一）2“建立安全生产承诺制度”重点承诺内容"
SAFETY_LAW_25 = "《中华人民共和国安全生产法》（2021）第二十五条"
SEED_004 = "《企业安全生产管理人员履职专项治理工作方案》（青安委〔2024〕2号）三、治理内容"

# Items 一 to 六 are the six 重点承诺内容 of 《生产体系建设方案》方案2 (the fullest of the three
# lists: its 方案5 and 蓝山县信用体系实施方案 give five, without 应急预案), with "一是…" turned
# into "一、…".
SAFETY_COMMITMENT_ITEMS = (
    "严格执行安全生产、职业病防治、消防等各项法律法规、标准规范，绝不非法违法组织生产",
    "建立健全并严格落实安全生产责任制度",
    "确保职工生命安全和职业健康，不违章指挥，不冒险作业，杜绝生产安全责任事故",
    "加强安全生产标准化建设和落实风险分级管控隐患排查治理双重预防制度",
    "健全完善安全生产应急预案，加强应急演练",
    "自觉接受安全监管和相关部门依法检查，严格执行执法指令",
)


def _enterprise_commitment(code: str, title: str, items: tuple[str, ...], source: str):
    numbers = "一二三四五六七八"[: len(items)]
    return CommitmentTemplate(
        code=code,
        version="2026.1",
        title=title,
        text="\n".join(
            (
                title,
                "",
                "本单位郑重承诺：",
                *(
                    f"{number}、{item}{'。' if number == numbers[-1] else '；'}"
                    for number, item in zip(numbers, items, strict=True)
                ),
                "",
                "本单位向社会和全体员工公开本承诺，接受各方监督。",
            )
        ),
        signer_roles=("enterprise_principal",),
        source=source,
        quoted=tuple(Quote(item, source) for item in items),
        public=True,
    )


SAFETY_COMMITMENT = _enterprise_commitment(
    "safety_commitment", "企业安全生产承诺书", SAFETY_COMMITMENT_ITEMS, SEED_000_PLAN_2
)


SEED_000_PLAN_5 = "《生产体系建设方案》方案5 二（一）“建立安全生产承诺制度”重点承诺内容"
# 方案5's five items (the city plan), verbatim.
CITY_COMMITMENT = _enterprise_commitment(
    "safety_commitment_city",
    "企业安全生产承诺书",
    (
        "严格执行安全生产、职业病防治、消防等各项法律法规、标准规范，绝不非法违法组织生产",
        "建立健全并严格落实安全生产责任制度",
        "确保职工生命安全和职业健康，不违章指挥，不冒险作业，杜绝生产安全责任事故",
        "加强安全生产标准化建设和建立隐患排查治理制度",
        "自觉接受安全监管监察和相关部门依法检查，严格执行执法指令",
    ),
    SEED_000_PLAN_5,
)
SEED_002_COMMITMENTS = (
    "蓝山县应急管理局关于创建全国社会信用体系建设示范县城的实施方案 三（一）重点承诺内容"
)
# 蓝山县's five items, with the 双重预防 wording of its item 四, verbatim.
LANSHAN_COMMITMENT = _enterprise_commitment(
    "safety_commitment_seed002",
    "企业安全生产承诺书",
    (
        "严格执行安全生产各项法律法规、标准规范，绝不非法违法组织生产",
        "建立健全并严格落实安全生产责任制度",
        "确保职工生命安全，不违章指挥，不冒险作业，杜绝生产安全责任事故",
        "加强安全生产风险分级管控和隐患排查治理双重预防体系建设",
        "自觉接受安全监管监察和相关部门依法检查，严格执行执法指令",
    ),
    SEED_002_COMMITMENTS,
)
SEED_000_PLAN_6 = "《生产体系建设方案》方案6 制订《安全生产诚信承诺书》"
# The construction sector's 《安全生产诚信承诺书》 (方案6): its duties, verbatim.
CONSTRUCTION_COMMITMENT = _enterprise_commitment(
    "integrity_commitment_construction",
    "安全生产诚信承诺书",
    (
        "信守安全生产法律法规和规章制度",
        "切实落实安全投入、事故隐患排查治理、安全教育培训、安全权益保障、防治职业危害、"
        "应急救援处置等法定责任",
        "主动接受社会各界和新闻媒体的监督",
    ),
    SEED_000_PLAN_6,
)
# Which plan's list an enterprise outside construction signs: the deployment's (COMMITMENT_PLAN).
ENTERPRISE_COMMITMENTS = {
    "plan2": SAFETY_COMMITMENT,
    "plan5": CITY_COMMITMENT,
    "seed002": LANSHAN_COMMITMENT,
}


def enterprise_commitment_for(industry: str, plan: str) -> CommitmentTemplate:
    """The enterprise commitment an enterprise signs: 方案6's for construction, else the
    deployment's plan (方案2 county, 方案5 city, 蓝山县 seed 002)."""
    if industry == "construction" or industry.startswith("construction."):
        return CONSTRUCTION_COMMITMENT
    return ENTERPRISE_COMMITMENTS[plan]


# 安全生产法 第二十五条 (一)–(七), verbatim (shared/domain/regulations.md §1).
SEVEN_DUTIES = (
    "（一）组织或者参与拟订本单位安全生产规章制度、操作规程和生产安全事故应急救援预案；",
    "（二）组织或者参与本单位安全生产教育和培训，如实记录安全生产教育和培训情况；",
    "（三）组织开展危险源辨识和评估，督促落实本单位重大危险源的安全管理措施；",
    "（四）组织或者参与本单位应急救援演练；",
    "（五）检查本单位的安全生产状况，及时排查生产安全事故隐患，提出改进安全生产管理的建议；",
    "（六）制止和纠正违章指挥、强令冒险作业、违反操作规程的行为；",
    "（七）督促落实本单位安全生产整改措施。",
)
# 青安委〔2024〕2号 items 29, 30 and 31 (督促落实本单位安全生产整改措施方面).
RECTIFICATION_QUOTES = (
    "做到整改责任、措施、资金、时限、预案“五落实”",
    "确保按期按质完成整改任务",
    "切实做到闭环管理",
)
DUTY_COMMITMENT = CommitmentTemplate(
    code="duty_commitment",
    version="2026.1",
    title="安全生产管理人员履职承诺书",
    text="\n".join(
        (
            "安全生产管理人员履职承诺书",
            "",
            "本人系本单位安全生产管理人员，已对照《中华人民共和国安全生产法》第二十五条规定的"
            "职责和企业安全生产管理人员履职31项治理内容完成自查自纠。本人郑重承诺，依法履行下列职责：",
            *SEVEN_DUTIES,
            f"对检查发现的问题隐患，{RECTIFICATION_QUOTES[0]}，{RECTIFICATION_QUOTES[1]}，"
            f"{RECTIFICATION_QUOTES[2]}。",
            "",
            "本承诺书在本单位内部公开，接受全体员工监督。",
        )
    ),
    signer_roles=("enterprise_manager",),
    source=f"{SAFETY_LAW_25}；{SEED_004}",
    quoted=(
        *(Quote(duty, SAFETY_LAW_25) for duty in SEVEN_DUTIES),
        *(Quote(passage, SEED_004) for passage in RECTIFICATION_QUOTES),
    ),
    requires_self_inspection="duty31",
)

TEMPLATES: dict[str, CommitmentTemplate] = {
    template.code: template
    for template in (
        SAFETY_COMMITMENT,
        CITY_COMMITMENT,
        LANSHAN_COMMITMENT,
        CONSTRUCTION_COMMITMENT,
        DUTY_COMMITMENT,
    )
}
