"""附件1 on the demo data (issue 19: "the monthly 附件1 table for a department matches a hand count
on the demo data"): the demo is loaded as `xuncha seed-demo` loads it, the department's table
built for this month, and every cell compared with numbers counted by hand from backend/demo.py."""

from sqlalchemy import select

from backend.core.timeutil import today_in_shanghai
from backend.demo import DEPARTMENT, seed_activity, seed_demo
from backend.models import Department
from backend.reports.periods import period_of
from backend.reports.workbooks import first_sheet_rows, five_implementations_workbook

# The department (demo.DEPARTMENT): 示范区应急管理局危化工贸科, industries hazardous_chemicals and
# industry_trade, territory the whole district, so every demo enterprise of those industries.
#
# 危险化学品 — ENTERPRISES 1 示范化工 (above_scale) and 2 宏达 (below_scale): 2 enterprises.
#   Wall chart: FIVE_IMPLEMENTATION_FACTS 1 (40 days ago) and 2 (35 days ago) → 2, 100.0 %.
#   Above scale: 1 only → 1; checked and accepted: 1 (20 days ago) → 1, 100.0 %.
#   Engineers: SAFETY_ENGINEERS at 1 — 周 and 吴 valid; 郑's certificate expired 30 days ago;
#   冯 holds a special-operation certificate → 2.
# 工贸 — ENTERPRISES 9 鑫钢 (industry_trade.metallurgy), 10 华新 (building_materials), 11 精工
#   (machinery), 12 锦绣 (textile), all above_scale: 4 enterprises.
#   Wall chart: 9 and 10 → 2, 50.0 %. Above scale: 4; accepted: 9 only → 1, 25.0 %.
#   Engineers: none registered → 0.
# Not counted: 5 城南燃气 (urban_gas) has both facts, but is not the department's industry.
# 合计: 2+4 = 6 enterprises, 2+2 = 4 charts (66.7 %), 1+4 = 5 above scale, 1+1 = 2 accepted
#   (40.0 %), 2+0 = 2 engineers.
HAND_COUNT = [
    (1, "危险化学品", 2, 2, 100.0, 1, 1, 100.0, 2),
    (2, "工贸", 4, 2, 50.0, 4, 1, 25.0, 0),
    (None, "合计", 6, 4, 66.7, 5, 2, 40.0, 2),
]


def test_attachment_1_of_the_demo_department_matches_a_hand_count(session):
    seed_demo()
    assert seed_activity() is True
    session.commit()
    department = session.scalar(select(Department).where(Department.name == DEPARTMENT[0]))
    month = period_of("five_implementations", today_in_shanghai().strftime("%Y-%m"))

    rows = first_sheet_rows(five_implementations_workbook(department, month))

    assert rows[0][0] == "附件1  企业落实“五落实”进展情况汇总表"
    assert rows[1][0] == f"填报单位:{DEPARTMENT[0]}"
    table = [tuple(None if cell == "" else cell for cell in row) for row in rows[4:]]
    assert table == HAND_COUNT
    # Every column of 附件1 has a non-zero figure on the demo data.
    assert all(HAND_COUNT[-1][2:])
