#!/usr/bin/env bash
# Smoke test of an installed tracker: a throw-away SQLite ledger, one payment, the
# status, an alert check, and a rebuild that gives the same answer. Exit 0 when fine.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TRACKER_DB="sqlite:///$tmp/smoke.db" TRACKER_USER=smoke
tracker unit add S001 冒烟测试单位 >/dev/null
tracker project add --year 2024 --unit S001 --code SMOKE --name 冒烟测试项目 >/dev/null
tracker budget SMOKE 1000 --date 2024-01-02 >/dev/null
tracker pay SMOKE 100 --date 2024-02-01 --payee 测试 >/dev/null
before=$(tracker status --year 2024 --as-of 2024-06-30 --format json)
tracker projections rebuild >/dev/null 2>&1
after=$(tracker status --year 2024 --as-of 2024-06-30 --format json)
[ "$before" = "$after" ] || { echo "rebuild changed the status" >&2; exit 1; }
tracker alerts check --as-of 2024-06-30 --format json >/dev/null
echo "smoke test passed"
