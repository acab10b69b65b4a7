"""The README's and guides' commands do what they say: the CI workflow for a content
repository and the translators' CI job run as written."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefgen.cli import app

from .conftest import REPO, SAMPLES

runner = CliRunner()


def workflow_commands() -> list[str]:
    """The briefgen commands of the README's GitHub Actions workflow, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### A CI workflow for a content repository", 1)[1]
    block = section.split("```yaml", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        found = re.match(r"\s*- run: briefgen (.*)", line)
        if found:
            command = re.sub(r"\s+#.*$", "", found.group(1))
            commands.append(command)
    return commands


def test_the_readme_workflow_validates_builds_checks_and_merges(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = workflow_commands()
    assert [c.split()[0] for c in commands] == ["validate", "i18n", "build", "build", "manifest"]
    *per_shard, merge = commands

    # Each matrix job checks out the content repository afresh and builds its shard.
    shards = tmp_path / "shards"
    for shard in (1, 2):
        checkout = tmp_path / f"runner-{shard}"
        shutil.copytree(SAMPLES / "minimal", checkout / "content")
        monkeypatch.chdir(checkout)
        for command in per_shard:
            args = shlex.split(command.replace("${{ matrix.shard }}", str(shard))
                               .replace("$SHARDS", "2"))
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (args, result.stdout + result.stderr)
        shutil.copytree(checkout / "output", shards / f"briefs-{shard}")

    # The merge job downloads every shard's artifact, copies their files into output/
    # and merges their manifests there.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "output").mkdir()
    args = [part for arg in shlex.split(merge)
            for part in (sorted(str(p) for p in tmp_path.glob(arg)) if "*" in arg else [arg])]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, (args, result.stdout + result.stderr)
    merged = json.loads((tmp_path / "output/manifest.json").read_text())
    assert [e["path"] for e in merged["outputs"]] == [
        "sample-case_brief_other-state_en.pdf", "sample-case_brief_party-state_en.pdf"]


def test_the_readme_workflow_installs_what_set_up_installs_to_build() -> None:
    # The PDFs are the same as on any machine set up by setup.sh only with the same
    # libraries and fonts, from the same distribution.
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("### A CI workflow for a content repository", 1)[1].split(
        "```yaml", 1)[1].split("```", 1)[0]
    setup = (REPO / "scripts/setup.sh").read_text(encoding="utf-8")
    listed = setup.split("debian_packages=(", 1)[1].split(")", 1)[0].split()
    needed = [p for p in listed
              if p.startswith(("lib", "fonts-")) or p in ("python3-venv",)]
    install = next(line for line in block.splitlines() if "libpango" in line).split()
    assert [p for p in needed if p not in install] == []
    assert block.count("container: debian:12") == 2
    # One briefgen, pinned, for every job.
    assert "@main" not in block and "/main/" not in block


def translators_ci_commands() -> list[str]:
    """The briefgen commands of the CI job in docs/translators.md, in order."""
    text = (REPO / "docs/translators.md").read_text(encoding="utf-8")
    section = text.split("A CI job for a translation platform's pull requests might run:", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("briefgen ", 1)[1] for line in block.splitlines() if line.strip()]


def test_the_translators_ci_job_passes_on_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    commands = translators_ci_commands()
    assert [c.split()[:2] for c in commands] == [
        ["i18n", "update"], ["i18n", "extract"], ["i18n", "status"], ["validate"]]
    monkeypatch.chdir(REPO)  # the job runs at the root of the repository; none of it writes
    for command in commands:
        result = runner.invoke(app, shlex.split(command))
        assert result.exit_code == 0, (command, result.stdout + result.stderr)
