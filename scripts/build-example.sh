#!/usr/bin/env bash
# Set up (see setup.sh) and build every document of the bundled example into output/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
exec .venv/bin/briefgen build "$@"
