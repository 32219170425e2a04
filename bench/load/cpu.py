"""Where the machine's CPU went during a load run, by kind of process.

The load test shares two cores with everything it measures (locust, gunicorn,
PostgreSQL) and with whatever else runs on the machine. Reading the CPU seconds of
every process from /proc before and after the run says whether the latency came from
a busy CPU, and whose: the figures go beside the latencies in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _kind(pid: str) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "gunicorn" in cmd:
        return "gunicorn"
    if "locust" in cmd:
        return "locust"
    if cmd.startswith("postgres"):
        return "postgres"
    return "other"


def snapshot() -> dict[str, tuple[str, float]]:
    """Every live process's kind and CPU seconds (user + system) so far."""
    seen: dict[str, tuple[str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seen[entry] = (_kind(entry), (int(fields[11]) + int(fields[12])) / TICKS)
    return seen


def children() -> float:
    """CPU seconds of this process's finished children (locust is one, and exits)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spent(before: dict[str, tuple[str, float]], after: dict[str, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds used between the snapshots, summed by kind (new processes count whole)."""
    total: dict[str, float] = {}
    for pid, (kind, seconds) in after.items():
        used = seconds - before.get(pid, (kind, 0.0))[1]
        total[kind] = total.get(kind, 0.0) + max(used, 0.0)
    return total


def report(used: dict[str, float], seconds: float) -> None:
    cores = os.cpu_count() or 1
    print(f"CPU used during the run, seconds (the machine has {cores} cores x {seconds:.0f} s = "
          f"{cores * seconds:.0f} s):")  # fmt: skip
    for kind in ("gunicorn", "postgres", "locust", "other"):
        print(f"  {kind:10} {used.get(kind, 0.0):7.1f}")
