"""Compile briefs with Typst from the JSON data bench.py extracts from briefgen's views.

Used two ways by ``bench.py``:

- imported, for the warm comparison: :func:`make_compiler` once, then :func:`compile_brief`
  per document;
- run as a script in a fresh process, for the cold comparison:
  ``python benchmarks/typst_build.py DATA_DIR OUT_DIR FONT_DIR`` compiles every
  ``DATA_DIR/*.json`` into ``OUT_DIR/<same name>.pdf``.

Only the standard library and the ``typst`` binding are imported here, so the cold run
measures Typst alone: no briefgen, WeasyPrint or Jinja2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typst

TEMPLATE_DIR = Path(__file__).resolve().parent / "typst"
TEMPLATE = TEMPLATE_DIR / "brief.typ"
# A fixed PDF creation date, as briefgen's PDFs carry the case's as-of date, not the clock.
TIMESTAMP = 1_449_014_400  # 2015-12-02T00:00:00Z


def font_book(font_dir: Path) -> typst.Fonts:
    """Only the prepared faces: no system fonts and none of Typst's embedded fonts."""
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                       font_paths=[font_dir])


def make_compiler(font_dir: Path) -> typst.Compiler:
    """A compiler to reuse across documents (fonts scanned once, memo caches kept)."""
    return typst.Compiler(TEMPLATE, root=TEMPLATE_DIR, font_paths=font_book(font_dir))


def compile_brief(compiler: typst.Compiler, data: dict[str, Any] | str, *,
                  tagged: bool = True) -> bytes:
    """One brief as PDF bytes; any Typst warning (a missing font, say) is an error.

    ``tagged`` is Typst's default: a tagged PDF (structure tree for accessibility).
    """
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    pdf, warnings = compiler.compile_with_warnings(
        sys_inputs={"data": text}, format="pdf", timestamp=TIMESTAMP, pdf_tags=tagged)
    if warnings:
        details = "; ".join(f"{w.message} {w.hints}" for w in warnings)
        raise RuntimeError(f"typst warned: {details}")
    if not isinstance(pdf, bytes):
        raise RuntimeError(f"typst returned {type(pdf).__name__}, not PDF bytes")
    return pdf


def main(argv: list[str]) -> int:
    """Compile every DATA_DIR/*.json into OUT_DIR; print one line of totals."""
    if len(argv) != 3:
        print("usage: typst_build.py DATA_DIR OUT_DIR FONT_DIR", file=sys.stderr)
        return 2
    data_dir, out_dir, font_dir = (Path(arg) for arg in argv)
    started = time.perf_counter()
    compiler = make_compiler(font_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(data_dir.glob("*.json")):
        pdf = compile_brief(compiler, path.read_text(encoding="utf-8"))
        (out_dir / f"{path.stem}.pdf").write_bytes(pdf)
        count += 1
    print(f"{count} document(s) in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
