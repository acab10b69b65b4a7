"""The command line, through Typer's CliRunner: exit codes, messages, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefgen.cli import app

from .conftest import REPO, edit

Make = Callable[[str], Path]
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("build", "validate", "list", "i18n"):
        assert command in out


def test_version_needs_no_command() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("briefgen ")


def test_every_command_and_option_has_help() -> None:
    for command in ("build", "validate", "list"):
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "--content" in out


def test_help_wraps_paragraphs_to_the_terminal_not_to_the_source() -> None:
    result = runner.invoke(app, ["i18n", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    # The docstring breaks its line after "keep removed": the help must not.
    assert ("Add new messages to every catalog, mark changed ones stale (fuzzy), keep "
            "removed ones as obsolete.") in result.stdout, result.stdout


def test_validate_good_content(project: Make) -> None:
    code, out, err = run("validate", "--content", str(project("minimal")))
    assert code == 0, err
    assert "content is valid: 1 case(s), 2 source(s), 2 instrument(s), 3 actor(s)" in out


def test_validate_reports_all_problems_with_exit_2(project: Make) -> None:
    content = project("minimal")
    edit(content / "cases/sample-case/case.yaml", "priority: high", "priority: urgent")
    edit(content / "cases/sample-case/case.yaml", "to: [other-state]", "to: [nobody]")
    code, _, err = run("validate", "--content", str(content))
    assert code == 2
    assert "Traceback" not in err
    assert "content/cases/sample-case/case.yaml:59: asks[1].priority: 'urgent' is not allowed" \
        in err
    assert "2 problems found; nothing was written" in err


def test_list_shows_outputs(project: Make) -> None:
    code, out, _ = run("list", "--content", str(project("minimal")))
    assert code == 0
    assert "sample-case_brief_party-state_en.pdf" in out
    assert "sample-case_brief_other-state_en.pdf" in out


def test_list_takes_the_options_that_narrow_a_build(project: Make) -> None:
    content = str(project("minimal"))
    code, out, _ = run("list", "--content", content, "--audience", "party-state",
                       "--include-restricted")
    assert code == 0
    assert out.splitlines()[-2:] == ["1 output(s):",
                                     "  sample-case_brief_party-state_en_restricted.pdf"]
    listed = [run("list", "--content", content, "--shard", f"{k}/2")[1] for k in (1, 2)]
    names = sorted(line.strip() for text in listed for line in text.splitlines()
                   if line.startswith("  "))
    assert names == ["sample-case_brief_other-state_en.pdf",
                     "sample-case_brief_party-state_en.pdf"]
    code, _, err = run("list", "--content", content, "--audience", "nobody")
    assert code == 2 and "--audience: unknown" in err


def test_every_line_of_list_is_narrowed(tmp_path: Path) -> None:
    code, out, _ = run("list", "--content", str(REPO / "content"), "--doc", "brief",
                       "--locale", "en", "--audience", "china")
    assert code == 0, out
    assert out.splitlines()[:5] == ["cases:     vietnam-nine-2015", "documents: brief",
                                    "audiences: china", "locales:   en", "1 output(s):"]


def test_unknown_case_is_a_usage_error(project: Make, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run("build", "--content", str(project("minimal")), "--out", str(out_dir),
                       "--case", "sample-cas")
    assert code == 2
    assert "--case: unknown value 'sample-cas' (did you mean 'sample-case'?)" in err
    assert not out_dir.exists()


def test_unknown_audience_and_locale(project: Make, tmp_path: Path) -> None:
    content = str(project("minimal"))
    code, _, err = run("build", "--content", content, "--audience", "mars")
    assert code == 2
    assert "--audience: unknown value 'mars'" in err
    code, _, err = run("build", "--content", content, "--locale", "xx-Nope")
    assert code == 2
    assert "--locale: unknown locale 'xx-Nope'" in err


@pytest.mark.parametrize(("args", "expected"), [
    (("--doc", "handout", "--audience", "china"),
     "--doc handout --audience china: no output matches these options together (briefs "
     "are made for a case's audiences and handouts for its events"),
    (("--doc", "handout", "--include-restricted"),
     "--doc handout --include-restricted: no output matches these options together "
     "(handouts are public material only: there is no restricted handout)"),
    (("--audience", "washington-protest", "--locale", "zh-Hans", "--check"),
     "--audience washington-protest --locale zh-Hans: no output matches"),
])
def test_options_that_together_select_nothing(tmp_path: Path, args: tuple[str, ...],
                                              expected: str) -> None:
    # Each option names something real; together they name no output, and a build that
    # says "built 0" would look like success.
    out_dir = tmp_path / "out"
    code, _, err = run("build", "--content", str(REPO / "content"), "--out", str(out_dir),
                       *args)
    assert code == 2, err
    assert expected in err
    assert not out_dir.exists()


@pytest.mark.parametrize(("args", "expected"), [
    (("--doc", "brief", "--pair", "ko+en"),
     "--pair: --pair chooses the languages of handouts, and no handout is built"),
    (("--doc", "handout", "--archive"),
     "--archive: archive copies are made of briefs, and no brief is built"),
])
def test_options_that_the_document_kinds_make_meaningless(
        tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    code, _, err = run("build", "--content", str(REPO / "content"), "--out",
                       str(tmp_path / "out"), "--check", *args)
    assert code == 2, err
    assert expected in err


@pytest.mark.parametrize("inside", ["content", "content/cases", "locales", "templates"])
def test_outputs_are_not_written_among_the_inputs(project: Make, inside: str) -> None:
    content = project("minimal")
    root = content.parent
    for folder in ("locales", "templates"):
        (root / folder).mkdir(exist_ok=True)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code, _, err = run("build", "--content", str(content), "--out", str(root / inside))
    assert code == 2
    assert f"--out: {root / inside} is inside the {inside.split('/')[0]} directory" in err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_a_pair_given_twice_is_one_handout(tmp_path: Path) -> None:
    code, _, err = run("build", "--content", str(REPO / "content"), "--out",
                       str(tmp_path / "out"), "--check", "--doc", "handout",
                       "--pair", "ko+en", "--pair", "ko+en")
    assert code != 0
    assert "1 output(s) out of date" in err


def test_an_empty_shard_is_no_mistake(project: Make, tmp_path: Path) -> None:
    # The minimal sample makes two outputs, none built yet: of 5 shards, at least three
    # are empty, and checking one of those finds nothing stale.
    content = str(project("minimal"))
    codes = [run("build", "--content", content, "--check", "--shard", f"{k}/5")[0]
             for k in range(1, 6)]
    assert codes.count(0) >= 3 and set(codes) == {0, 3}


def test_unwritable_out_dir(project: Make, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = run("build", "--content", str(project("minimal")), "--out",
                       str(blocker / "out"))
    assert code == 2
    assert f"--out: is below {blocker}, a file, not a directory" in err


def test_check_refuses_a_file_for_out_but_not_a_read_only_directory(
        project: Make, tmp_path: Path) -> None:
    content = str(project("minimal"))
    out_dir = tmp_path / "out"
    assert run("build", "--content", content, "--out", str(out_dir))[0] == 0
    # Checking committed outputs needs no write access...
    out_dir.chmod(0o555)
    try:
        code, _, err = run("build", "--content", content, "--out", str(out_dir), "--check")
    finally:
        out_dir.chmod(0o755)
    assert code == 0, err
    # ...but a file where the outputs should be is a mistake, not "every output missing".
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, out, err = run("build", "--content", content, "--out", str(blocker), "--check")
    assert code == 2
    assert f"{blocker}: --out: is a file, not a directory (choose a directory" in err
    assert "out of date" not in out + err


def test_out_may_not_be_empty_the_project_or_the_cache(project: Make) -> None:
    content = project("minimal")
    root = content.parent
    code, _, err = run("build", "--content", str(content), "--out", "")
    assert code == 2
    assert "Invalid value for '--out': an empty path" in err
    for out, expected in ((root, "is the project directory itself"),
                          (root / ".cache", "is the cache folder"),
                          (root / ".cache/fonts/x", "is inside the cache folder")):
        code, _, err = run("build", "--content", str(content), "--out", str(out))
        assert code == 2, out
        assert f"--out: {out} {expected}" in err
    assert list(root.glob("*.pdf")) == [] and not (root / "manifest.json").exists()


def test_bad_content_writes_nothing(project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    edit(content / "cases/sample-case/case.yaml", "date: 2015-10-22", "date: 2015-13-01")
    out_dir = tmp_path / "out"
    code, _, err = run("build", "--content", str(content), "--out", str(out_dir))
    assert code == 2
    assert "'2015-13-01' has no month 13 (expected 01 to 12)" in err
    assert not out_dir.exists()


def test_internal_errors_exit_1_and_hide_traceback_without_debug(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    import briefgen.build

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(briefgen.build, "validate", boom)
    content = str(project("minimal"))
    code, _, err = run("validate", "--content", content)
    assert code == 1
    assert "internal error: RuntimeError: simulated bug" in err
    assert "Traceback" not in err
    code, _, err = run("--debug", "validate", "--content", content)
    assert code == 1
    assert "Traceback" in err


@pytest.mark.parametrize("what", ["missing", "a file", "the file system's root"])
def test_content_option_that_is_not_a_project(tmp_path: Path, what: str) -> None:
    content = {"missing": tmp_path / "nowhere",
               "a file": tmp_path / "project.yaml",
               "the file system's root": Path("/")}[what]
    if what == "a file":
        content.write_text("name: x\n")
    code, out, err = run("validate", "--content", str(content))
    assert code == 2
    assert "Traceback" not in out + err
    expected = {
        "missing": f"{content}: content directory not found",
        "a file": f"{content}: is a file, not a content directory",
        # Shown whole: "project.yaml" alone would read as the working directory's.
        "the file system's root": "/project.yaml: project.yaml is missing",
    }[what]
    assert expected in err, err
