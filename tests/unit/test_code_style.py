"""The code passes its own tooling: ruff's formatter and linter, and mypy on every
package (``tracker``, ``workers``, ``web``). Run as tests so that the README's one test
command is also the style check CI runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGES = ["tracker", "workers", "web", "tests", "bench"]


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists() and shutil.which(name) is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return str(path) if path.exists() else name


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_code_is_formatted_with_ruff() -> None:
    proc = run(tool("ruff"), "format", "--check", *PACKAGES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_finds_nothing() -> None:
    proc = run(tool("ruff"), "check", *PACKAGES)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    proc = run(tool("mypy"))
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr
