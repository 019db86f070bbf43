"""Idempotent demo data: one district, 2 streets (one with a 片), 4 grids, 12 enterprises, a
department, a user of each role, and a month of activity made through the services."""

import hashlib
import io
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from checklists.industries import KEY_INDUSTRIES

from .campaigns.services import TargetFilter, create_campaign, seed_004_phases
from .checklists.services import current_versions, publish_shipped
from .core.db import db
from .credit.blacklist import apply_action as blacklist_apply
from .credit.blacklist import collect
from .departments.services import create_department
from .enterprises.services import create_enterprise
from .enterprises.uscc import with_check_character
from .hazards.services import apply_action, report_hazard
from .inspections.services import (
    applicable_items,
    finish_inspection,
    record_finding,
    start_inspection,
)
from .jurisdictions.services import create_jurisdiction
from .models import Department, Enterprise, Inspection, Jurisdiction, Patrol, User, utcnow
from .patrols.services import record_patrol
from .photos.services import receive_upload
from .reports.services import record_five_implementations
from .training.services import add_certificate, add_person
from .users.services import create_user

DISTRICT = ("DEMO", "示范区")
STREETS = {"DEMO-S1": "新城街道", "DEMO-S2": "江南镇"}
# 镇 → 片 → 村 (seed 001 L55): the town has a 片; the street's grids sit right under it.
AREAS = {"DEMO-S2-A1": ("DEMO-S2", "江南东片")}
GRIDS = {
    "DEMO-S1-G1": ("DEMO-S1", "新城第一网格"),
    "DEMO-S1-G2": ("DEMO-S1", "新城第二网格"),
    "DEMO-S2-G1": ("DEMO-S2-A1", "江南村"),
    "DEMO-S2-G2": ("DEMO-S2-A1", "江北村"),
}
DEPARTMENT = ("示范区应急管理局危化工贸科", ["hazardous_chemicals", "industry_trade"])
# name, industry, scale, grid, extra fields
ENTERPRISES = [
    (
        "示范化工有限公司",
        "hazardous_chemicals",
        "above_scale",
        "DEMO-S1-G1",
        {
            "major_hazard_sources": ["液氨储罐区（二级）"],
            "risk_features": ["major_hazard_source"],
            "risk_class": "major",
        },
    ),
    ("宏达危险化学品经营有限公司", "hazardous_chemicals", "below_scale", "DEMO-S1-G2", {}),
    (
        "青山石料矿业有限公司",
        "non_coal_mining",
        "above_scale",
        "DEMO-S2-G1",
        {"risk_class": "high"},
    ),
    ("瑞丰烟花爆竹批发有限公司", "fireworks", "below_scale", "DEMO-S2-G2", {"risk_class": "high"}),
    ("城南燃气有限公司", "urban_gas", "above_scale", "DEMO-S1-G1", {}),
    ("建安建筑工程有限公司", "construction", "above_scale", "DEMO-S1-G2", {}),
    ("通达道路运输有限公司", "transportation", "above_scale", "DEMO-S2-G1", {}),
    ("安泰民用爆炸物品销售有限公司", "civil_explosives", "below_scale", "DEMO-S2-G2", {}),
    (
        "鑫钢冶金制品有限公司",
        "industry_trade.metallurgy",
        "above_scale",
        "DEMO-S1-G1",
        {"risk_features": ["metal_smelting"]},
    ),
    ("华新水泥建材有限公司", "industry_trade.building_materials", "above_scale", "DEMO-S1-G2", {}),
    (
        "精工机械制造有限公司",
        "industry_trade.machinery",
        "above_scale",
        "DEMO-S2-G1",
        {"risk_features": ["dust_explosion"]},
    ),
    ("锦绣纺织有限公司", "industry_trade.textile", "above_scale", "DEMO-S2-G2", {}),
]
# Where the demo enterprises are (WGS-84): scattered within about 5 km of a county town
# (蓝山县城, 湖南), in ENTERPRISES' order, so the app's 附近企业 has something to sort.
TOWN = (25.3700, 112.1940)
OFFSETS = [
    (0.004, 0.003),
    (-0.009, 0.012),
    (0.031, -0.022),
    (-0.027, -0.018),
    (0.012, -0.006),
    (0.006, 0.021),
    (0.024, 0.017),
    (-0.035, 0.009),
    (-0.014, -0.030),
    (0.018, 0.036),
    (0.038, -0.004),
    (-0.020, 0.027),
]
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def demo_uscc(number: int) -> str:
    """A well-formed USCC: 91 (company) + 450103 + a GB 11714 organisation code."""
    body = f"MA{number:06d}"
    total = sum(ORG_CODE_ALPHABET.index(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    return with_check_character("91450103" + org_code)


def _jurisdiction(code: str, name: str, level: str, parent=None) -> Jurisdiction:
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    return found or create_jurisdiction(name=name, level=level, parent=parent, code=code)


def _enterprise(number: int, spec, grids) -> Enterprise:
    name, industry, scale, grid, extra = spec
    uscc = demo_uscc(number)
    found = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    return found or create_enterprise(
        name=name,
        uscc=uscc,
        industry=industry,
        scale=scale,
        jurisdiction_id=grids[grid].id,
        address=f"示范区{grids[grid].name}{number}号",
        principal_name="张主任",
        safety_manager_name="李安全",
        employee_count=50 + number * 10,
        safety_staff_count=2,
        special_operation_staff_count=number % 5,
        standardisation_grade="grade3",
        latitude=round(TOWN[0] + OFFSETS[(number - 1) % len(OFFSETS)][0], 6),
        longitude=round(TOWN[1] + OFFSETS[(number - 1) % len(OFFSETS)][1], 6),
        **extra,
    )


ADMIN_LOGIN = {
    "username": "admin",
    "password": "demo-admin-pass",
    "role": "admin",
    "display_name": "系统管理员",
}


def demo_users(district, street, enterprise, department=None, grid=None) -> list[dict]:
    return [
        ADMIN_LOGIN,
        {
            "username": "supervisor",
            "password": "demo-supervisor-pass",
            "role": "supervisor",
            "display_name": "王科长",
            "jurisdiction_id": district.id,
        },
        {
            "username": "inspector",
            "password": "demo-inspector-pass",
            "role": "inspector",
            "display_name": "赵执法员",
            "jurisdiction_id": street.id,
        },
        {
            "username": "department",
            "password": "demo-department-pass",
            "role": "department_official",
            "display_name": "孙科员",
            "department_id": department.id if department else None,
        },
        {
            "username": "gridworker",
            "password": "demo-gridworker-pass",
            "role": "grid_worker",
            "display_name": "钱网格员",
            "jurisdiction_id": grid.id if grid else None,
        },
        {
            "username": "manager",
            "password": "demo-manager-pass",
            "role": "enterprise_manager",
            "display_name": "李安全",
            "enterprise_id": enterprise.id,
        },
        {
            "username": "principal",
            "password": "demo-principal-pass",
            "role": "enterprise_principal",
            "display_name": "王总经理",
            "enterprise_id": enterprise.id,
        },
        {
            "username": "viewer",
            "password": "demo-viewer-pass",
            "role": "enterprise_viewer",
            "display_name": "张主任",
            "enterprise_id": enterprise.id,
        },
    ]


def seed_demo() -> list[dict]:
    """Create what is missing; return the demo logins."""
    district = _jurisdiction(*DISTRICT, "district")
    streets = {
        code: _jurisdiction(code, name, "street", district) for code, name in STREETS.items()
    }
    areas = {
        code: _jurisdiction(code, name, "area", streets[street])
        for code, (street, name) in AREAS.items()
    }
    parents = {**streets, **areas}
    grids = {
        code: _jurisdiction(code, name, "grid", parents[parent])
        for code, (parent, name) in GRIDS.items()
    }
    enterprises = [_enterprise(n, spec, grids) for n, spec in enumerate(ENTERPRISES, start=1)]
    admin = _login_user(ADMIN_LOGIN)
    department = _department(district, admin)
    logins = demo_users(
        district, streets["DEMO-S1"], enterprises[0], department, grids["DEMO-S1-G1"]
    )
    for login in logins:
        _login_user(login)
    return logins


def _department(district: Jurisdiction, admin: User) -> Department:
    name, industries = DEPARTMENT
    found = db.session.scalar(select(Department).where(Department.name == name))
    return found or create_department(
        admin, name=name, industries=industries, jurisdiction_id=district.id
    )


def _login_user(login: dict) -> User:
    found = db.session.scalar(select(User).where(User.username == login["username"]))
    return found or create_user(**login)


# --- a month of activity, through the services ----------------------------------------------

DAYS_AGO = timedelta(days=1)


def seed_activity(now: datetime | None = None) -> bool:
    """A month of realistic work so every page has something to show: a supervision inspection
    that found a major hazard (a credit candidate follows), hazards in every state — reported,
    rectifying and late, submitted (待核验), fixed on the spot — a blacklist entry published, and
    what 附件1 counts (wall charts, 五落实 accepted, registered safety engineers). Made once
    (False when it exists already)."""
    chemicals = _demo_enterprise(1)
    if db.session.scalar(select(Inspection.id).where(Inspection.enterprise_id == chemicals.id)):
        return False
    now = now or utcnow()
    users = {u.username: u for u in db.session.scalars(select(User)).all()}
    inspector, supervisor, manager = users["inspector"], users["supervisor"], users["manager"]
    publish_shipped()
    photos = [_demo_photo(inspector, f"现场照片 {n}") for n in range(1, 4)]
    _supervision_with_findings(inspector, chemicals, photos, now - 20 * DAYS_AGO)
    late = report_hazard(
        inspector,
        enterprise_id=chemicals.id,
        title="消防通道堆放杂物",
        grade="general",
        due_on=(now - 9 * DAYS_AGO).date(),
        photos=[photos[0]],
        now=now - 16 * DAYS_AGO,
    )
    apply_action(manager, late, "file_plan", plan={"owner": "李安全"}, now=now - 15 * DAYS_AGO)
    apply_action(manager, late, "start_rectification", now=now - 15 * DAYS_AGO)
    report_hazard(
        inspector,
        enterprise_id=chemicals.id,
        title="配电箱未上锁",
        grade="general",
        fixed_on_spot=True,
        photos=[photos[1]],
        after_photos=[photos[2]],
        now=now - 12 * DAYS_AGO,
    )
    _published_blacklist_entry(supervisor, _demo_enterprise(2), now - 25 * DAYS_AGO)
    _patrols(users["gridworker"], now)
    _five_implementation_facts(users["department"], supervisor, now)
    _registered_safety_engineers(manager, chemicals, now)
    _campaign(users)
    db.session.flush()
    return True


# 附件1's facts (number of the enterprise in ENTERPRISES: chart posted, 五落实 checked and
# accepted, days ago). 5 (城南燃气) is not the department's: the supervisor keeps its facts.
FIVE_IMPLEMENTATION_FACTS = {
    1: (40, 20),
    2: (35, None),
    9: (30, 10),
    10: (25, None),
    5: (30, 15),
}


def _five_implementation_facts(official: User, supervisor: User, now: datetime) -> None:
    for number, (posted, accepted) in FIVE_IMPLEMENTATION_FACTS.items():
        record_five_implementations(
            official if number != 5 else supervisor,
            _demo_enterprise(number).id,
            chart_posted_on=(now - posted * DAYS_AGO).date(),
            completed_on=(now - accepted * DAYS_AGO).date() if accepted else None,
        )


# The chemical plant's registered safety engineers: two with a valid 执业证, one whose
# certificate has expired (附件1 does not count them), and a special operator.
SAFETY_ENGINEERS = (
    ("周工程师", "registered_safety_engineer", 700, 400),
    ("吴工程师", "registered_safety_engineer", 300, 800),
    ("郑工程师", "registered_safety_engineer", 1200, -30),
    ("冯电工", "special_operation", 300, 800),
)


def _registered_safety_engineers(manager: User, enterprise: Enterprise, now: datetime) -> None:
    today = now.date()
    for number, (name, cert_type, issued, valid) in enumerate(SAFETY_ENGINEERS, start=1):
        special = cert_type == "special_operation"
        person = add_person(
            manager,
            enterprise_id=enterprise.id,
            name=name,
            role="special_operator" if special else "registered_safety_engineer",
        )
        add_certificate(
            manager,
            person_id=person.id,
            cert_type=cert_type,
            operation_category="electrical" if special else None,
            number=f"DEMO-{number:04d}",
            issuer="应急管理部" if not special else "示范区应急管理局",
            issued_on=today - timedelta(days=issued),
            valid_until=today + timedelta(days=valid),
        )


CAMPAIGN_TITLE = "企业安全生产管理人员履职专项治理"
CAMPAIGN_YEAR = 2026


def _campaign(users: dict) -> None:
    """Seed 004's campaign over the demo enterprises of the eight key industries, with the
    principal's self-inspection in 自查自纠 and supervisions (one a 回头看) in 严格执法, so its
    board page has figures to show."""
    supervisor, inspector, manager = users["supervisor"], users["inspector"], users["manager"]
    create_campaign(
        supervisor,
        title=CAMPAIGN_TITLE,
        jurisdiction_id=supervisor.jurisdiction_id,
        phases=seed_004_phases(CAMPAIGN_YEAR),
        checklist_codes=["duty31"],
        target_filter=TargetFilter(industries=tuple(KEY_INDUSTRIES)),
    )
    _passed_duty31(manager, _demo_enterprise(1), "self_inspection", _day(5, 20))
    for number, day in ((1, _day(7, 15)), (2, _day(8, 6)), (5, _day(9, 10)), (1, _day(10, 20))):
        _passed_duty31(inspector, _demo_enterprise(number), "supervision", day)


def _day(month: int, day: int) -> datetime:
    return datetime(CAMPAIGN_YEAR, month, day, 2, tzinfo=UTC)


def _passed_duty31(user: User, enterprise: Enterprise, kind: str, at: datetime) -> None:
    """duty31 with every item passed. The demo dates its arrival on the server too (the
    campaign counts inspections by the day they reached the server), as if sent that day."""
    (version,) = [v for v in current_versions() if v.code == "duty31"]
    inspection = start_inspection(
        user, enterprise_id=enterprise.id, checklist_version_id=version.id, kind=kind, started_at=at
    )
    _checklist, _sections, items = applicable_items(inspection)
    for code in items:
        record_finding(user, inspection, item_code=code, result="pass")
    finish_inspection(user, inspection, finished_at=at)
    inspection.finished_received_at = at


def _patrols(worker: User, now: datetime) -> None:
    """Three patrols of the grid worker's grid this past month; the second reports a hazard."""
    if db.session.scalar(select(Patrol.id).where(Patrol.user_id == worker.id)):
        return
    in_grid = db.session.scalars(
        select(Enterprise.id).where(Enterprise.jurisdiction_id == worker.jurisdiction_id)
    ).all()
    for number, days_ago in enumerate((18, 10, 3), start=1):
        start = now - days_ago * DAYS_AGO
        hazards = []
        if number == 2:
            due_on = (start + 14 * DAYS_AGO).date()
            hazards = [
                {
                    "enterprise_id": in_grid[0],
                    "title": "厂区外围堆放易燃包装物",
                    "due_on": due_on.isoformat(),
                }
            ]
        record_patrol(
            worker,
            id=f"demo-patrol-{number}",
            patrol_date=start.date(),
            started_at=start,
            ended_at=start + timedelta(hours=2),
            route=[
                {"lat": 31.2301 + n * 0.001, "lon": 121.4737 + n * 0.001, "at": None}
                for n in range(4)
            ],
            places=["新城社区居委会", "新城路沿街商铺"],
            observations="沿街商铺消防器材齐全；企业门口通道畅通。",
            enterprise_ids=in_grid,
            hazards=hazards,
            now=now,
        )


def _demo_enterprise(number: int) -> Enterprise:
    return db.session.scalar(select(Enterprise).where(Enterprise.uscc == demo_uscc(number)))


def _demo_photo(user: User, caption: str) -> str:
    """A small JPEG made here and stored like an upload; its SHA-256. Each caption gets its own
    shade, so no two demo photos share bytes (the default font draws no Chinese)."""
    digest = hashlib.sha256(caption.encode()).hexdigest()
    shade = int(digest[:2], 16)
    image = Image.new("RGB", (640, 480), (160 + shade % 90, 190, 220 - shade % 90))
    ImageDraw.Draw(image).text((24, 24), f"demo photo {digest[:16]}", fill=(31, 35, 40))
    data = io.BytesIO()
    image.save(data, format="JPEG", quality=80)
    sha256 = hashlib.sha256(data.getvalue()).hexdigest()
    data.seek(0)
    receive_upload(user, data, sha256)
    return sha256


def _supervision_with_findings(inspector: User, enterprise: Enterprise, photos, at: datetime):
    """duty31 on site: two items failed (one a major hazard, one general), the rest passed;
    the manager then rectifies the general one and submits it for verification."""
    (version,) = [v for v in current_versions() if v.code == "duty31"]
    inspection = start_inspection(
        inspector,
        enterprise_id=enterprise.id,
        checklist_version_id=version.id,
        kind="supervision",
        started_at=at,
    )
    _checklist, _sections, items = applicable_items(inspection)
    for index, code in enumerate(items):
        failed = index < 2
        record_finding(
            inspector,
            inspection,
            item_code=code,
            result="fail" if failed else "pass",
            grade=("major" if index == 0 else "general") if failed else None,
            note="现场检查发现问题" if failed else "",
            photos=[photos[index]] if failed else [],
            due_on=(at + 30 * DAYS_AGO).date() if failed else None,
        )
    major, general = finish_inspection(inspector, inspection, finished_at=at)
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    apply_action(manager, general, "file_plan", plan={"owner": "李安全"}, now=at + DAYS_AGO)
    apply_action(manager, general, "start_rectification", now=at + DAYS_AGO)
    after = _demo_photo(manager, "整改后照片")
    apply_action(manager, general, "submit", photos=[after], note="已整改", now=at + 5 * DAYS_AGO)
    return major


def _published_blacklist_entry(supervisor: User, enterprise: Enterprise, at: datetime) -> None:
    entry = collect(
        supervisor,
        enterprise_id=enterprise.id,
        trigger="major_hazard_not_rectified",
        reason="重大事故隐患逾期未整改（示例）",
        facts="示例数据：复查发现重大事故隐患逾期仍未整改。",
        now=at,
    )
    blacklist_apply(supervisor, entry, "notify", now=at)
    after_defence = at + timedelta(days=10)  # no defence came within the 5 working days
    for action in ("confirm", "publish"):
        blacklist_apply(supervisor, entry, action, now=after_defence)
