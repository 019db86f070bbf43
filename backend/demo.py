"""Idempotent demo data: one district, 2 streets, 4 grids, 12 enterprises, a user of each role."""

from sqlalchemy import select

from .core.db import db
from .enterprises.services import create_enterprise
from .enterprises.uscc import with_check_character
from .jurisdictions.services import create_jurisdiction
from .models import Enterprise, Jurisdiction, User
from .users.services import create_user

DISTRICT = ("DEMO", "示范区")
STREETS = {"DEMO-S1": "新城街道", "DEMO-S2": "江南镇"}
GRIDS = {
    "DEMO-S1-G1": ("DEMO-S1", "新城第一网格"),
    "DEMO-S1-G2": ("DEMO-S1", "新城第二网格"),
    "DEMO-S2-G1": ("DEMO-S2", "江南第一网格"),
    "DEMO-S2-G2": ("DEMO-S2", "江南第二网格"),
}
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
        **extra,
    )


def demo_users(district, street, enterprise) -> list[dict]:
    return [
        {
            "username": "admin",
            "password": "demo-admin-pass",
            "role": "admin",
            "display_name": "系统管理员",
        },
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
            "display_name": "赵网格员",
            "jurisdiction_id": street.id,
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
    grids = {
        code: _jurisdiction(code, name, "grid", streets[street])
        for code, (street, name) in GRIDS.items()
    }
    enterprises = [_enterprise(n, spec, grids) for n, spec in enumerate(ENTERPRISES, start=1)]
    logins = demo_users(district, streets["DEMO-S1"], enterprises[0])
    for login in logins:
        if db.session.scalar(select(User.id).where(User.username == login["username"])) is None:
            create_user(**login)
    return logins
