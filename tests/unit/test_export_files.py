"""Export files are written whole or not at all, and a refused target is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.domain.errors import InvalidInputError
from tracker.exporting.files import FIELD, os_errors_named, replacing


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def half_write(target: Path, data: bytes) -> None:
    """Start writing ``target``, then fail as a full disk or a killed process would."""
    with replacing(target) as temporary:
        temporary.write_bytes(data)
        raise RuntimeError("disk full")


def test_a_complete_write_replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "支出总表.csv"
    target.write_text("旧表", encoding="utf-8")
    with replacing(target) as temporary:
        temporary.write_text("新表", encoding="utf-8")
        assert target.read_text(encoding="utf-8") == "旧表"  # not yet
    assert target.read_text(encoding="utf-8") == "新表"
    assert leftovers(tmp_path) == []


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_fragment(tmp_path: Path) -> None:
    target = tmp_path / "支出总表.csv"
    target.write_text("旧表", encoding="utf-8")
    with pytest.raises(RuntimeError):
        half_write(target, "新表的前半".encode())
    assert target.read_text(encoding="utf-8") == "旧表"
    assert leftovers(tmp_path) == []


def test_a_failed_first_write_leaves_nothing_at_all(tmp_path: Path) -> None:
    target = tmp_path / "新.xlsx"
    with pytest.raises(RuntimeError):
        half_write(target, b"PK\x03\x04")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["no/such/folder/表.xlsx", "a-file.txt/表.xlsx"])
def test_a_target_in_a_missing_folder_is_refused_by_name(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught, replacing(tmp_path / where):
        pass
    assert caught.value.field == FIELD
    assert "不存在" in caught.value.message


def test_a_folder_as_target_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught, replacing(tmp_path):
        pass
    assert caught.value.field == FIELD
    assert "是一个目录" in caught.value.message


def test_an_operating_system_refusal_is_said_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "a-file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught, os_errors_named(tmp_path / "pkg"):
        (tmp_path / "a-file.txt" / "pkg").mkdir(parents=True)
    assert caught.value.field == FIELD
    assert "路径中有一段不是目录" in caught.value.message
