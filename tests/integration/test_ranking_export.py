"""The 通报 table as exported (``tracker export ranking``): 万元 with two decimals,
its title, header rows, the total row and the chain head (both engines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from year_end_world import two_years

from tracker.commands.tracker import BudgetTracker
from tracker.domain.errors import InvalidInputError
from tracker.exporting.ranking import write_ranking
from tracker.store.chain import read_head


def sheet_rows(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def test_the_tongbao_is_in_wan_with_title_headers_total_and_chain_head(
    tracker: BudgetTracker, tmp_path: Path
) -> None:
    world = two_years(tracker)
    path = write_ranking(world.read, 2024, dt.date(2024, 6, 30), "45", tmp_path / "r.xlsx")
    rows = sheet_rows(path)
    assert rows[0][0] == "2024年预算执行进度通报（截至 6月30日）"
    assert rows[2][:4] == ("排名", "单位编码", "单位名称", "本年")
    assert rows[3][3:9] == ("全年预算", "执行数", "执行率", "序时进度", "差距（百分点）", "状态")
    first, second, total = rows[4], rows[5], rows[6]
    assert first[:5] == (1, "4501", "单位甲", 15.0, 5.0)
    assert first[9:] == (8.0, 2.0, "25.00%", "8.33")
    assert second[9:] == (None, None, None, None)
    assert total[1] == "合计"
    assert (Decimal(str(total[3])), Decimal(str(total[4]))) == (Decimal("35.00"), Decimal("11.00"))
    assert rows[-1][0] == read_head(world.read).footer()


def test_a_file_name_without_a_known_suffix_is_refused(tracker: BudgetTracker, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as e:
        write_ranking(tracker.read, 2024, None, None, tmp_path / "r.pdf")
    assert e.value.field == "导出格式"
