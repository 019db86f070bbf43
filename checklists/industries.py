"""Industry, scale and risk-feature codes shared by checklist applicability and enterprises.

The eight key industries are those of 青安委〔2024〕2号 (专项治理重点对象); 工贸 is split into the
sub-industries named in 应急管理部令第10号 第二条 so that a standard can target one of them.
"""

KEY_INDUSTRIES: dict[str, str] = {
    "non_coal_mining": "非煤矿山",
    "hazardous_chemicals": "危险化学品",
    "fireworks": "烟花爆竹",
    "urban_gas": "城镇燃气",
    "construction": "建筑施工",
    "transportation": "交通运输",
    "civil_explosives": "民用爆炸物品",
    "industry_trade": "工贸",
}

INDUSTRY_TRADE_SUBINDUSTRIES: dict[str, str] = {
    "industry_trade.metallurgy": "冶金",
    "industry_trade.nonferrous": "有色",
    "industry_trade.building_materials": "建材",
    "industry_trade.machinery": "机械",
    "industry_trade.light_industry": "轻工",
    "industry_trade.textile": "纺织",
    "industry_trade.tobacco": "烟草",
    "industry_trade.commerce": "商贸",
}

INDUSTRIES: dict[str, str] = {
    **KEY_INDUSTRIES,
    **{code: f"工贸·{name}" for code, name in INDUSTRY_TRADE_SUBINDUSTRIES.items()},
    "other": "其他",
}

SCALES: dict[str, str] = {
    "above_scale": "规模以上",
    "below_scale": "规模以下",
}

# Cross-industry risk features a standard may depend on (e.g. 令第10号 第十一条 粉尘涉爆).
RISK_FEATURES: dict[str, str] = {
    "dust_explosion": "粉尘涉爆",
    "metal_smelting": "金属冶炼",
    "liquid_ammonia_refrigeration": "涉氨制冷",
    "confined_space": "有限空间作业",
    "major_hazard_source": "重大危险源",
}

# The standardisation grades an enterprise may hold (安全生产标准化等级); "none" is no grade.
STANDARDISATION_GRADES: dict[str, str] = {
    "grade1": "一级",
    "grade2": "二级",
    "grade3": "三级",
    "none": "未定级",
}

INSPECTION_KINDS: dict[str, str] = {
    "supervision": "监督检查",
    "self_inspection": "企业自查",
}


def industry_matches(wanted: str, industry: str) -> bool:
    """True when an enterprise's `industry` falls under the applicability code `wanted`.

    `industry_trade` covers every 工贸 sub-industry; a sub-industry code covers only itself.
    """
    return industry == wanted or industry.startswith(wanted + ".")
