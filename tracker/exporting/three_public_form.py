"""The "三公"经费表 laid out as its form: the 经费 lines in 万元, then seed 001's 相关统计数.

The statistics (团组, 人次, 车辆, 接待批次) are counts the ledger does not hold: the rows
are printed, left blank for the unit to fill in, so the form is the published one.
"""

from __future__ import annotations

from tracker.exporting.forms import ROUNDING_NOTE, Column, Form, Row, wan
from tracker.queries.reports.model import ThreePublic

# Seed 001's 公开10表: the 相关统计数 under the "三公" figures (counts, not 万元).
THREE_PUBLIC_STATISTICS = (
    "1. 因公出国（境）团组数（个）",
    "2. 因公出国（境）人次数（人）",
    "3. 公务用车购置数（辆）",
    "4. 公务用车保有量（辆）",
    "5. 国内公务接待批次（个）",
    "其中：外事接待批次（个）",
    "6. 国内公务接待人次（人）",
    "其中：外事接待人次（人）",
    "7. 国（境）外公务接待批次（个）",
    "8. 国（境）外公务接待人次（人）",
)


def three_public_form(t: ThreePublic) -> Form:
    form = Form(
        "three-public",
        "“三公”经费支出表",
        t.unit_label,
        t.year,
        t.as_of,
        [
            Column("index", 6),
            Column("text", 34),
            Column("money", 16),
            Column("money", 16),
            Column("money", 16),
        ],
        [["序号", "项目", "年初预算数", "全年预算数", "执行数"], ["栏次", "", "1", "2", "3"]],
        [(1, 0, 1, 1)],
        name_col=1,
        one_page=True,
    )
    for i, r in enumerate(t.rows, start=1):
        style = "total" if r.depth == 0 else "body"
        form.rows.append(
            Row([str(i), r.label, wan(r.initial), wan(r.budget), wan(r.spent)], style, max(r.depth - 1, 0))
        )
    n = len(form.rows)
    form.rows.append(Row([str(n + 1), "相关统计数", "—", "—", "—"], "body"))
    for k, label in enumerate(THREE_PUBLIC_STATISTICS, start=n + 2):
        form.rows.append(Row([str(k), label, "—", "—", ""], "body", 1))
    form.notes = [
        "注：“三公”经费含因公出国（境）费（30212）、公务用车购置费（31013、30913）、"
        "公务用车运行维护费（30231）和公务接待费（30217）；预算数按项目的经济分类，执行数按支付的经济分类。",
        "注：相关统计数（团组、人次、车辆、接待批次）是使用财政拨款负担费用的批次、人次及车辆情况，"
        "账中没有这些数，表中留空由单位填写（如种子 001 公开10表）。",
        ROUNDING_NOTE,
    ]
    return form
