"""Printing exported spreadsheets the way a finance office would: LibreOffice to PDF,
poppler to PNG, and a look at the page (size and how much of it is ink)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_tool(name: str, package: str) -> str:
    """The tool's path; outside CI a missing tool skips, naming the package to install."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} not found: install the Debian package {package} (apt-get install {package})"
        if IN_CI:
            pytest.fail(message + " — required under CI=true")
        pytest.skip(message)
    return found


def render(xlsx: Path, tmp_path: Path) -> Path:
    """Print ``xlsx`` to PDF with LibreOffice and rasterise its first page; the PNG path."""
    office = need_tool("libreoffice", "libreoffice-calc-nogui")
    pdftoppm = need_tool("pdftoppm", "poppler-utils")
    profile = (tmp_path / "lo-profile").as_uri()  # a private profile: parallel runs do not clash
    subprocess.run(
        [
            office,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / f"{xlsx.stem}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    pdfinfo = shutil.which("pdfinfo")  # poppler-utils, like pdftoppm
    if pdfinfo and xlsx.stem.startswith("selfeval"):
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        assert re.search(r"^Pages:\s+1$", info.stdout, re.M)  # the 自评表 fits on one page
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / xlsx.stem)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return next(tmp_path.glob(f"{xlsx.stem}*.png"))


def png_size_and_ink(path: Path) -> tuple[int, int, float]:
    """Width, height and the share of dark pixels of an 8-bit grey/RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IHDR":
            header = data[pos + 8 : pos + 8 + length]
        elif kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw, stride = zlib.decompress(idat), width * channels
    previous, dark = bytearray(stride), 0
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        cur = _unfilter(line[0], bytearray(line[1:]), previous, channels)
        dark += sum(1 for x in range(0, stride, channels) if cur[x] < 128)
        previous = cur
    return width, height, dark / (width * height)


def _unfilter(kind: int, cur: bytearray, previous: bytearray, channels: int) -> bytearray:
    """Undo one scanline's PNG filter (None, Sub, Up, Average, Paeth)."""
    for i in range(len(cur)):
        a = cur[i - channels] if i >= channels else 0
        b = previous[i]
        c = previous[i - channels] if i >= channels else 0
        if kind == 1:
            cur[i] = (cur[i] + a) & 0xFF
        elif kind == 2:
            cur[i] = (cur[i] + b) & 0xFF
        elif kind == 3:
            cur[i] = (cur[i] + (a + b) // 2) & 0xFF
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return cur
