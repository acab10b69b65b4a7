"""Generate synthetic briefgen projects: the example case copied under many case ids.

``generate(root, into, cases=N, locales=[...], audience="china")`` writes ``into/`` as a
project briefgen can build:

- ``content/``: project.yaml (with the given locales, and briefs as the only document
  kind), sources, law and actors copied from ``root/content``; and for each case
  ``cases/bench-NNNN/case.yaml``, the example's case with its ``id:`` replaced and its
  audiences reduced to the one given, so that a build makes exactly cases × locales
  outputs;
- ``locales/<locale>/``: templates.po and shared.po copied, and ``case.bench-NNNN.po``
  from the example's case catalog with every ``case:<example id>:`` context renamed;
- ``templates/``: copied, so the project is complete on its own.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

EXAMPLE_CASE = "vietnam-nine-2015"
DOCUMENT = "brief"  # the only document kind built, so outputs = cases × locales


def case_id(number: int) -> str:
    return f"bench-{number:04d}"


def generate(root: Path, into: Path, *, cases: int, locales: Sequence[str],
             audience: str) -> list[str]:
    """Write the project into ``into`` (which must not exist); return its case ids."""
    content = root / "content"
    shutil.copytree(content, into / "content",
                    ignore=shutil.ignore_patterns("cases"))
    shutil.copytree(root / "templates", into / "templates")
    set_locales(into / "content" / "project.yaml", locales)
    set_list(into / "content" / "project.yaml", "documents", [DOCUMENT])

    case_text = (content / "cases" / EXAMPLE_CASE / "case.yaml").read_text(encoding="utf-8")
    case_text = _one_audience(case_text, audience)
    catalogs = {
        locale: (root / "locales" / locale / f"case.{EXAMPLE_CASE}.po").read_text(
            encoding="utf-8")
        for locale in locales if locale != "en"
    }
    for locale in catalogs:
        for name in ("templates.po", "shared.po"):
            target = into / "locales" / locale / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / "locales" / locale / name, target)

    ids = [case_id(n) for n in range(1, cases + 1)]
    for new_id in ids:
        case_dir = into / "content" / "cases" / new_id
        case_dir.mkdir(parents=True)
        text, count = re.subn(rf"^id: {re.escape(EXAMPLE_CASE)}$", f"id: {new_id}",
                              case_text, count=1, flags=re.MULTILINE)
        if count != 1:
            raise ValueError(f"no 'id: {EXAMPLE_CASE}' line in the example case")
        (case_dir / "case.yaml").write_text(text, encoding="utf-8")
        for locale, catalog in catalogs.items():
            renamed = catalog.replace(f'"case:{EXAMPLE_CASE}:', f'"case:{new_id}:').replace(
                f'"case.{EXAMPLE_CASE}"', f'"case.{new_id}"').replace(
                f"cases/{EXAMPLE_CASE}/", f"cases/{new_id}/")
            (into / "locales" / locale / f"case.{new_id}.po").write_text(
                renamed, encoding="utf-8")
    return ids


def set_locales(project_yaml: Path, locales: Sequence[str]) -> None:
    """Rewrite the ``locales:`` line of a project.yaml."""
    set_list(project_yaml, "locales", locales)


def set_list(project_yaml: Path, key: str, values: Sequence[str]) -> None:
    """Rewrite the one-line list ``key: [...]`` of a project.yaml."""
    text = project_yaml.read_text(encoding="utf-8")
    text, count = re.subn(rf"^{re.escape(key)}:.*$", f"{key}: [{', '.join(values)}]", text,
                          count=1, flags=re.MULTILINE)
    if count != 1:
        raise ValueError(f"no '{key}:' line in {project_yaml}")
    project_yaml.write_text(text, encoding="utf-8")


def _one_audience(case_text: str, audience: str) -> str:
    text, count = re.subn(r"^audiences:.*$", f"audiences: [{audience}]", case_text, count=1,
                          flags=re.MULTILINE)
    if count != 1:
        raise ValueError("no 'audiences:' line in the example case")
    return text
