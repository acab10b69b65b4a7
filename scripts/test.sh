#!/usr/bin/env bash
# Set up (see setup.sh), then run every check: ruff, mypy and the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --tests
cd "$root"
echo "== ruff" >&2
.venv/bin/ruff check src tests benchmarks
echo "== mypy" >&2
.venv/bin/mypy
echo "== pytest" >&2
exec .venv/bin/pytest "$@"
