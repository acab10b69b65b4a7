"""Incremental, explainable, reproducible, parallel and sharded builds."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefgen.build import BuildReport, Paths
from briefgen.cli import app
from briefgen.errors import BriefgenError

from .conftest import REPO, edit, own_templates, write

Make = Callable[[str], Path]
CASE = "cases/sample-case/case.yaml"
runner = CliRunner()


def build(content: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["build", "--content", str(content), "--jobs", "1", *args])
    return result.exit_code, result.stdout + result.stderr


def outputs(content: Path) -> dict[str, bytes]:
    out = content.parent / "output"
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def add_case(content: Path, new_id: str) -> None:
    target = content / "cases" / new_id / "case.yaml"
    target.parent.mkdir(parents=True)
    text = (content / CASE).read_text().replace("id: sample-case", f"id: {new_id}", 1)
    target.write_text(text)


def test_second_build_does_nothing(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    code, out = build(content)
    assert code == 0
    assert "built 0, up to date 2, removed 0, failed 0" in out
    assert build(content, "--check")[0] == 0


def test_change_to_a_case_rebuilds_that_case_only_and_says_why(project: Make) -> None:
    content = project("minimal")
    add_case(content, "other-case")
    assert build(content)[0] == 0
    before = outputs(content)
    edit(content / CASE, "Release them.", "Release them now.")
    code, out = build(content)
    assert code == 0, out
    assert "built 2, up to date 2" in out
    assert ("sample-case_brief_party-state_en.pdf (content/cases/sample-case/case.yaml "
            "changed)") in out
    after = outputs(content)
    assert after["other-case_brief_party-state_en.pdf"] == \
        before["other-case_brief_party-state_en.pdf"]
    assert after["sample-case_brief_party-state_en.pdf"] != \
        before["sample-case_brief_party-state_en.pdf"]


def test_a_change_to_a_restricted_item_rechecks_every_case_s_public_outputs(
        project: Make) -> None:
    # Every public document is checked against every case's restricted items, so a
    # change to one of them rebuilds the others' too; a public change (above) does not.
    content = project("minimal")
    add_case(content, "other-case")
    assert build(content)[0] == 0
    edit(content / CASE, "text: Their cousin lives in Springfield",
         "text: Their cousin lives in Shelbyville")
    code, out = build(content)
    assert code == 0, out
    assert "built 4, up to date 0" in out
    assert ("other-case_brief_party-state_en.pdf (restricted items of other cases "
            "changed)") in out


def test_law_and_sources_rebuild_only_what_uses_them(project: Make) -> None:
    content = project("minimal")
    add_case(content, "other-case")
    # other-case stops citing the treaty and src-b.
    other = content / "cases/other-case/case.yaml"
    text = other.read_text()
    text = text.replace("provisions: [treaty/art-1]", "provisions: [custom/rule]")
    text = text.replace("[src-a, src-b]", "[src-a]").replace("src-b", "src-a")
    other.write_text(text)
    assert build(content)[0] == 0

    edit(content / "law/treaty.yaml", "No return to danger.", "No return to any danger.")
    code, out = build(content)
    assert code == 0
    assert "built 2, up to date 2" in out
    assert "content/law/treaty.yaml changed" in out

    edit(content / "sources/sources.yaml", "title: Second report", "title: Second report (b)")
    code, out = build(content)
    assert code == 0
    assert "built 2, up to date 2" in out
    assert "content/sources/sources.yaml (source src-b) changed" in out

    write(content / "law/unused.yaml", (content / "law/custom.yaml").read_text().replace(
        "id: custom", "id: unused"))
    code, out = build(content)
    assert code == 0
    assert "built 0, up to date 4" in out


def test_a_source_cited_only_for_a_ratification_rebuilds_the_briefs_citing_it(
        project: Make) -> None:
    content = project("minimal")
    edit(content / "actors/actors.yaml", "        date: 1982-09-24\n        sources: [src-a]",
         "        date: 1982-09-24\n        sources: [src-c]")
    sources = content / "sources/sources.yaml"
    sources.write_text(sources.read_text() + "  - id: src-c\n    outlet: Treaty Office\n"
                       "    title: Status of the treaty\n    author: not stated\n"
                       "    date: not stated\n    language: en\n")
    assert build(content)[0] == 0
    edit(sources, "title: Status of the treaty", "title: Status of the treaty (2015)")
    code, out = build(content)
    assert code == 0, out
    assert "content/sources/sources.yaml (source src-c) changed" in out
    assert "built 0" not in out


def test_removed_audience_is_removed_and_recorded(project: Make,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    edit(content / CASE, "audiences: [party-state, other-state]", "audiences: [party-state]")
    assert build(content, "--check")[0] == 3
    # Paths are shown from the working directory, as the user would type them.
    monkeypatch.chdir(content.parent)
    code, out = build(content)
    assert code == 0
    assert "removed output/sample-case_brief_other-state_en.pdf" in out
    assert "manifest: output/manifest.json" in out
    assert list(outputs(content)) == ["manifest.json", "sample-case_brief_party-state_en.pdf"]
    manifest = json.loads((content.parent / "output/manifest.json").read_text())
    assert manifest["removed"] == ["sample-case_brief_other-state_en.pdf"]


def test_check_lists_what_is_stale_and_writes_nothing(project: Make) -> None:
    content = project("minimal")
    code, out = build(content, "--check")
    assert code == 3
    out_dir = content.parent / "output"
    assert f"out of date: {out_dir}/sample-case_brief_party-state_en.pdf (new output)" in out
    assert not (content.parent / "output").exists()
    assert build(content)[0] == 0
    (content.parent / "output/sample-case_brief_party-state_en.pdf").write_bytes(b"%PDF-x")
    code, out = build(content, "--check")
    assert code == 3
    assert "output file is missing or was changed" in out


def test_check_reports_the_error_a_build_of_its_stale_outputs_would_fail_on(
        project: Make) -> None:
    # "Run 'briefgen build'" would be the wrong advice: that build fails.
    content = project("minimal")
    assert build(content)[0] == 0
    edit(content / "cases/sample-case/case.yaml", "Release them.", "Release them now.")
    edit(content / "project.yaml", "locales: [en]",
         "locales: [en, ko]\ntranslation_policy: {ko: strict}")
    code, out = build(content, "--check")
    assert code == 2, out
    assert "no Korean translations" in out or "catalog missing" in out
    assert "run 'briefgen build" not in out


def test_force_rebuilds_everything(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    code, out = build(content, "--force")
    assert code == 0
    assert "built 2, up to date 0" in out
    assert "(--force)" in out


def test_check_sees_outputs_kept_from_builds_with_other_options(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    assert build(content, "--include-restricted")[0] == 0
    assert build(content, "--check")[0] == 0
    edit(content / CASE, "Release them.", "Release them now.")
    code, out = build(content, "--check")
    assert code == 3
    # The command that makes that one output, with the --content this run was given.
    made_by = (f"briefgen build --include-restricted --case sample-case --doc brief "
               f"--audience party-state --locale en --content {content}")
    assert ("sample-case_brief_party-state_en_restricted.pdf (content/cases/sample-case/"
            f"case.yaml changed; made by '{made_by}')") in out
    last = out.strip().splitlines()[-1]
    assert last.startswith(f"4 output(s) out of date; run 'briefgen build --content {content}', ")
    assert f"'{made_by}'" in last
    # A plain build refreshes the public briefs and says the restricted one is stale.
    code, out = build(content)
    assert code == 0, out
    assert ("warning: sample-case_brief_party-state_en_restricted.pdf is out of date "
            "(content/cases/sample-case/case.yaml changed) and is kept as it is: this build "
            f"does not make it; '{made_by}' does") in " ".join(out.split())
    code, out = build(content, "--check")
    assert code == 3
    assert "2 output(s) out of date; run 'briefgen build --include-restricted --case" in out
    assert build(content, "--include-restricted")[0] == 0
    assert build(content, "--check")[0] == 0
    # A plain build counts the kept outputs up to date, as --check does ("all 4").
    assert "built 0, up to date 4," in build(content)[1]


def test_a_stale_public_copy_kept_from_another_build_is_rebuilt(project: Make) -> None:
    from briefgen.pdfcheck import contains, pdf_strings

    content = project("minimal")
    archive = content.parent / "output/sample-case_brief_party-state_en_archive.pdf"
    assert build(content)[0] == 0
    assert build(content, "--archive", "--audience", "party-state", "--paper", "letter")[0] == 0
    assert any(contains(text, "stopped at a checkpoint")
               for _, text in pdf_strings(archive.read_bytes()))
    # The fact is marked restricted: the archive copy, which printed it, must not stay.
    edit(content / CASE, "    status: confirmed\n    sources: [src-a, src-b]\n",
         "    status: confirmed\n    sources: [src-a, src-b]\n    sensitivity: restricted\n")
    code, out = build(content)
    assert code == 0, out
    assert ("sample-case_brief_party-state_en_archive.pdf (content/cases/sample-case/"
            "case.yaml changed; kept from 'briefgen build --archive --case sample-case --doc "
            "brief --audience party-state --locale en --paper letter')") in out
    assert "built 3" in out
    assert not any(contains(text, "stopped at a checkpoint")
                   for _, text in pdf_strings(archive.read_bytes()))
    # Rebuilt on the paper it was made on, not this build's.
    assert build(content, "--check")[0] == 0
    entries = json.loads((content.parent / "output/manifest.json").read_text())["outputs"]
    assert {e["path"]: e["paper"] for e in entries}[archive.name] == "letter"


def test_a_handout_is_made_from_the_sources_it_cites_not_law_or_actors() -> None:
    from briefgen.loader import load_content
    from briefgen.stamps import FileDigests, case_inputs

    content = load_content(REPO / "content")
    case = content.cases["vietnam-nine-2015"]
    shared = {"files": FileDigests(REPO), "templates": REPO / "templates",
              "catalogs": REPO / "locales", "fonts": "fonts", "options": {}}
    brief = case_inputs(content, case, document="brief", locales=("en",), **shared)
    handout = case_inputs(content, case, document="handout", locales=("ko", "en"), **shared)
    made_of = ("content/law/", "content/sources/", "content/actors/")
    assert {label.split("/")[1] for label in brief if label.startswith(made_of)} == {
        "law", "sources", "actors"}
    assert [label for label in handout if label.startswith(made_of)] == [
        f"content/sources/2015-vietnam-nine.yaml (source {source})" for source in (
            "blog-2015-11-20", "hrw-2015-11-21", "upi-2015-11-18")]
    assert f"content/cases/{case.id}/case.yaml" in handout


def test_a_shard_with_no_output_warns_and_succeeds(project: Make) -> None:
    content = project("minimal")
    # Nothing is built yet: a shard with an output finds it missing.
    results = [build(content, "--check", "--shard", f"{k}/20") for k in range(1, 21)]
    empty = [out for code, out in results if code == 0]
    assert len(empty) == 18  # 2 outputs over 20 shards
    assert all("has none of the 2 outputs" in out for out in empty)
    assert "warning: shard " in empty[0] and "nothing to do" in empty[0]
    assert not (content.parent / "output").exists()  # --check writes nothing
    # Built, an empty shard leaves the manifest its summary names, for the merge.
    shard = next(f"{k}/20" for k, (code, _) in enumerate(results, start=1) if code == 0)
    code, out = build(content, "--shard", shard)
    assert code == 0 and "manifest: " in out
    manifest = json.loads((content.parent / "output/manifest.json").read_text())
    assert manifest["outputs"] == []


def test_check_of_a_folder_of_restricted_briefs_says_which_options_made_them(
        project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    out = tmp_path / "restricted"
    assert build(content, "--include-restricted", "--out", str(out))[0] == 0
    code, text = build(content, "--check", "--out", str(out))
    assert code == 3
    assert (f"note: {out} holds none of the outputs of 'briefgen build --content {content} "
            f"--out {out}', only outputs of 'briefgen build --include-restricted --content "
            f"{content} --out {out}': if those are what it is for, check it with the same "
            f"options, as 'briefgen build --check --include-restricted --content {content} "
            f"--out {out}'") in " ".join(text.split()), text
    assert build(content, "--check", "--include-restricted", "--out", str(out))[0] == 0
    # Where some of the build's own outputs are there, the missing ones are just missing.
    assert build(content, "--out", str(out), "--audience", "party-state")[0] == 0
    code, text = build(content, "--check", "--out", str(out))
    assert code == 3 and "note:" not in text, text


def test_check_names_the_command_that_makes_its_own_outputs(project: Make) -> None:
    content = project("minimal")
    code, out = build(content, "--check", "--include-restricted", "--audience", "party-state")
    assert code == 3
    assert (f"run 'briefgen build --audience party-state --include-restricted --content "
            f"{content}'") in out
    code, out = build(content, "--check", "--paper", "Letter", "--case", "sample-case")
    assert code == 3
    assert f"run 'briefgen build --case sample-case --paper letter --content {content}'" in out


def test_a_change_to_briefgen_s_code_makes_outputs_stale(
        project: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    import briefgen
    from briefgen import stamps

    content = project("minimal")
    assert build(content)[0] == 0
    digest = briefgen.code_digest()
    assert len(digest) == 16 and digest == briefgen.code_digest()
    monkeypatch.setattr(stamps, "code_digest", lambda: "0" * 16)
    code, out = build(content, "--check")
    assert code == 3
    assert "(briefgen version changed)" in out


def test_a_build_option_that_changed_is_named(project: Make) -> None:
    content = project("minimal")
    assert build(content, "--paper", "letter")[0] == 0
    code, out = build(content, "--check")
    assert code == 3
    assert "sample-case_brief_party-state_en.pdf (build option paper changed)" in out


def test_template_change_is_named(project: Make) -> None:
    from .conftest import REPO

    content = project("minimal")
    shutil.copytree(REPO / "templates", content.parent / "templates")
    assert build(content)[0] == 0
    css = content.parent / "templates/brief.css"
    css.write_text(css.read_text() + "\n/* darker rules */\n")
    code, out = build(content)
    assert code == 0
    assert "templates/brief.css changed" in out


def test_a_template_s_include_in_a_folder_is_an_input_and_leftovers_are_not(
        project: Make) -> None:
    from .conftest import REPO

    content = project("minimal")
    templates = content.parent / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "partials").mkdir()
    (templates / "partials/note.html").write_text("<p>Partial one</p>\n")
    brief = templates / "brief.html"
    brief.write_text(brief.read_text().replace(
        "<h2>{{ _(\"Summary\") }}</h2>", "<h2>{{ _(\"Summary\") }}</h2>"
        "{% include \"partials/note.html\" %}", 1))
    assert build(content)[0] == 0
    before = outputs(content)
    # What editors and file managers leave beside the templates changes nothing.
    for name in (".DS_Store", "brief.html~", ".brief.html.swp", "brief.css.orig"):
        (templates / name).write_text("x")
    assert build(content, "--check")[0] == 0
    assert "built 0, up to date 2" in build(content)[1]
    assert outputs(content) == before
    (templates / "partials/note.html").write_text("<p>Partial two</p>\n")
    code, out = build(content, "--check")
    assert code == 3 and "templates/partials/note.html changed" in out, out
    code, out = build(content)
    assert code == 0 and "built 2" in out, out
    # A file named like the other kind's (handout.part.html) is an input too: only
    # handout.html and handout.css are the handout's alone.
    (templates / "handout.part.html").write_text("<p>Shared part</p>\n")
    code, out = build(content, "--check")
    assert code == 3 and "now uses templates/handout.part.html" in out, out


@pytest.mark.parametrize("name", [".logo.png", "logo.png~", "logo.png.bak"])
def test_a_template_may_not_use_a_file_that_is_no_input(project: Make, name: str) -> None:
    from PIL import Image

    from .conftest import REPO

    content = project("minimal")
    templates = content.parent / "templates"
    shutil.copytree(REPO / "templates", templates)
    Image.new("RGB", (4, 4), "red").save(templates / name, format="PNG")
    brief = templates / "brief.html"
    brief.write_text(brief.read_text().replace(
        "<h2>{{ _(\"Summary\") }}</h2>",
        f"<h2>{{{{ _(\"Summary\") }}}}</h2><img src=\"{name}\" alt=\"logo\">", 1))
    code, out = build(content)
    assert code == 2 and "refused to fetch" in out and name in out, out
    include = templates / "part.html~"
    include.write_text("<p>x</p>")
    brief.write_text(brief.read_text().replace(f'<img src="{name}" alt="logo">',
                                               '{% include "part.html~" %}'))
    code, out = build(content)
    assert code == 2
    assert "template 'part.html~' is a hidden file or an editor's leftover" in out, out


def test_an_include_that_links_out_of_the_templates_is_refused(
        project: Make, tmp_path: Path) -> None:
    from .conftest import REPO

    content = project("minimal")
    templates = content.parent / "templates"
    shutil.copytree(REPO / "templates", templates)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OUTSIDE-FILE")
    (templates / "outside.html").symlink_to(secret)
    brief = templates / "brief.html"
    brief.write_text(brief.read_text().replace(
        "<h2>{{ _(\"Summary\") }}</h2>", "<h2>{{ _(\"Summary\") }}</h2>"
        "{% include \"outside.html\" %}", 1))
    for command in ("build", "validate"):
        result = runner.invoke(app, [command, "--content", str(content)])
        out = result.stdout + result.stderr
        assert result.exit_code == 2, out
        assert (f"templates/outside.html: template 'outside.html' is a link to "
                f"{secret.resolve()}, outside templates/") in " ".join(out.split())
        assert "SECRET-OUTSIDE-FILE" not in out
    assert not (content.parent / "output").exists() or not any(
        (content.parent / "output").glob("*.pdf"))


def test_a_template_may_not_load_a_file_from_content(project: Make) -> None:
    # content/ holds data, and no file there is an input of a document's stamp.
    from PIL import Image

    from .conftest import REPO

    content = project("minimal")
    templates = content.parent / "templates"
    shutil.copytree(REPO / "templates", templates)
    Image.new("RGB", (4, 4), "red").save(content / "logo.png")
    brief = templates / "brief.html"
    brief.write_text(brief.read_text().replace(
        "<h2>{{ _(\"Summary\") }}</h2>",
        "<h2>{{ _(\"Summary\") }}</h2><img src=\"../content/logo.png\" alt=\"logo\">", 1))
    code, out = build(content)
    assert code == 2
    assert "sample-case_brief_party-state_en.pdf: refused to fetch content/logo.png " in out, out


def _cli(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "briefgen", *args], cwd=cwd, env=env, check=True,
                   capture_output=True)


@pytest.mark.slow
def test_builds_are_byte_identical_across_processes_and_directories(
        project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    first, second = tmp_path / "first", tmp_path / "second"
    tmp_a, tmp_b = tmp_path / "tmp-a", tmp_path / "tmp-b"
    tmp_a.mkdir()
    tmp_b.mkdir()
    env = dict(os.environ)
    _cli(content.parent, {**env, "TMPDIR": str(tmp_a)}, "build", "--out", str(first),
         "--jobs", "1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _cli(elsewhere, {**env, "TMPDIR": str(tmp_b), "TZ": "Asia/Seoul", "LC_ALL": "C"},
         "build", "--content", str(content), "--out", str(second), "--jobs", "2")
    a = {p.name: p.read_bytes() for p in first.iterdir() if p.suffix in (".pdf", ".json")}
    b = {p.name: p.read_bytes() for p in second.iterdir() if p.suffix in (".pdf", ".json")}
    assert a.keys() == b.keys() and len(a) == 3
    assert a == b


@pytest.mark.slow
def test_parallel_build_equals_serial(project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    add_case(content, "other-case")
    assert build(content, "--out", str(tmp_path / "serial"))[0] == 0
    code, out = build(content, "--out", str(tmp_path / "parallel"), "--jobs", "2")
    assert code == 0, out
    serial = {p.name: p.read_bytes() for p in (tmp_path / "serial").iterdir()}
    parallel = {p.name: p.read_bytes() for p in (tmp_path / "parallel").iterdir()}
    assert serial == parallel


def test_shards_cover_the_build_and_merge_into_its_manifest(
        project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    add_case(content, "other-case")
    add_case(content, "third-case")
    assert build(content, "--out", str(tmp_path / "full"))[0] == 0
    names: list[str] = []
    for k in (1, 2, 3):
        code, out = build(content, "--out", str(tmp_path / f"shard{k}"), "--shard", f"{k}/3")
        assert code == 0, out
        names += [p.name for p in (tmp_path / f"shard{k}").glob("*.pdf")]
    full = sorted(p.name for p in (tmp_path / "full").glob("*.pdf"))
    assert sorted(names) == full  # every output in exactly one shard
    merged = tmp_path / "merged.json"
    result = runner.invoke(app, ["manifest", "merge",
                                 *(str(tmp_path / f"shard{k}/manifest.json") for k in (1, 2, 3)),
                                 "--out", str(merged)])
    assert result.exit_code == 0, result.stderr
    assert merged.read_bytes() == (tmp_path / "full/manifest.json").read_bytes()


@pytest.mark.parametrize("name", ["../victim.txt", "/VICTIM", "sub/victim.txt"])
def test_a_manifest_cannot_make_a_build_delete_outside_the_output(
        project: Make, tmp_path: Path, name: str) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    out = content.parent / "output"
    victim = (tmp_path / "victim.txt" if name == "/VICTIM" else out / name).resolve()
    victim.parent.mkdir(parents=True, exist_ok=True)
    victim.write_text("not briefgen's")
    manifest = json.loads((out / "manifest.json").read_text())
    orphan = dict(manifest["outputs"][0], audience="gone",
                  path=str(victim) if name == "/VICTIM" else name)
    manifest["outputs"].append(orphan)
    (out / "manifest.json").write_text(json.dumps(manifest))
    code, text = build(content)
    assert code == 0, text
    assert victim.read_text() == "not briefgen's"
    assert "victim" not in (out / "manifest.json").read_text()

    # Merging such a manifest is refused outright.
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(app, ["manifest", "merge", str(out / "manifest.json"),
                                 "--out", str(tmp_path / "merged.json")])
    assert result.exit_code == 2
    assert "is not the name of a file in the output directory" in result.stderr
    assert not (tmp_path / "merged.json").exists()


def test_an_unreadable_manifest_is_rebuilt_with_a_warning(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    (content.parent / "output/manifest.json").write_text('{"outputs": [')
    manifest = content.parent / "output/manifest.json"
    code, out = build(content, "--check")
    assert code == 3
    assert (f"warning: {manifest} cannot be read (Expecting value: line 1 column 14 (char "
            "13)); every output counts as out of date") in " ".join(out.split())
    code, out = build(content)
    assert code == 0, out
    assert f"warning: {manifest} cannot be read (Expecting value: line 1" in out
    assert "every output is rebuilt and the manifest written anew" in out
    assert "built 2," in out
    assert build(content)[1].count("warning") == 0


def test_merge_refuses_incomplete_entries_other_versions_and_a_directory(
        project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    assert build(content, "--shard", "1/2")[0] == 0
    good = content.parent / "output/manifest.json"
    manifest = json.loads(good.read_text())

    def merge(*manifests: Path, out: Path = tmp_path / "merged.json") -> tuple[int, str]:
        result = runner.invoke(app, ["manifest", "merge", *map(str, manifests),
                                     "--out", str(out)])
        return result.exit_code, result.stderr

    lacking = tmp_path / "lacking.json"
    del manifest["outputs"][0]["sha256"]
    lacking.write_text(json.dumps(manifest))
    code, err = merge(lacking)
    assert code == 2
    assert f"{lacking}: not a briefgen manifest: an output lacks sha256" in err

    other = tmp_path / "other.json"
    other.write_text(good.read_text().replace('"generator": "briefgen ',
                                              '"generator": "briefgen 9.9.9 was '))
    code, err = merge(good, other)
    assert code == 2
    assert f"{other}: written by briefgen 9.9.9 was" in err

    code, err = merge(good, out=tmp_path)
    assert code == 2
    assert f"--out: {tmp_path} is a directory" in err
    assert not (tmp_path / "merged.json").exists()


def test_merge_takes_every_shard_of_one_build_once(project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    shards = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    for k, out in enumerate(shards, start=1):
        assert build(content, "--out", str(out), "--shard", f"{k}/3")[0] == 0
    merged = tmp_path / "merged.json"

    def merge(*manifests: Path) -> tuple[int, str]:
        result = runner.invoke(app, ["manifest", "merge", *map(str, manifests),
                                     "--out", str(merged)])
        return result.exit_code, result.stderr

    one, two, three = (out / "manifest.json" for out in shards)
    assert merge(one, two, three)[0] == 0
    merged.unlink()

    full = tmp_path / "full"
    assert build(content, "--out", str(full))[0] == 0
    code, err = merge(full / "manifest.json", one)
    assert code == 2
    assert f"{full / 'manifest.json'}: not a shard's manifest: written by a build without " \
           "--shard" in err

    code, err = merge(one, two, two, three)
    assert code == 2
    assert f"{two}: shard 2/3 is given twice, also as {two}" in err

    # Left out, a shard's outputs would silently be missing from the merged manifest,
    # whether or not it had any (the minimal sample's two fall to two of three shards).
    for left_out in (one, two, three):
        code, err = merge(*(m for m in (one, two, three) if m != left_out))
        assert code == 2
        k = left_out.parent.name[-1]
        assert f"the manifest of shard {k}/3 is missing" in err, err
        assert "(pass the manifests of all 3 shards)" in err

    two_of_two = tmp_path / "of-two"
    assert build(content, "--out", str(two_of_two), "--shard", "2/2")[0] == 0
    code, err = merge(one, two_of_two / "manifest.json")
    assert code == 2
    assert "shard 2/2 is not of the same build as shard 1/3" in err
    assert "it splits the build into 2 shards, not 3" in err

    # One shard built again after a change the others have not seen.
    edit(content / CASE, "Release them.", "Release them now.")
    last = max(k for k, out in enumerate(shards, start=1) if list(out.glob("*.pdf")))
    assert build(content, "--out", str(shards[last - 1]), "--shard", f"{last}/3")[0] == 0
    code, err = merge(one, two, three)
    assert code == 2
    assert (f"{shards[last - 1] / 'manifest.json'}: shard {last}/3 is not of the same build "
            f"as shard 1/3 ({one}): it was built from another "
            "content/cases/sample-case/case.yaml") in err, err
    assert "(build every shard from the same commit and options" in err
    assert not merged.exists()


def test_a_shard_whose_outputs_are_current_records_a_changed_build(
        project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    shards = {k: tmp_path / f"shard{k}" for k in range(1, 4)}
    for k, out in shards.items():
        assert build(content, "--out", str(out), "--shard", f"{k}/3")[0] == 0
    empty = next(k for k, out in shards.items() if not list(out.glob("*.pdf")))
    before = (shards[empty] / "manifest.json").read_bytes()
    # A change to outputs that all fall to other shards: this one's files are current,
    # but its manifest's record of the whole build is not.
    edit(content / CASE, "Release them.", "Release them now.")
    code, out = build(content, "--out", str(shards[empty]), "--shard", f"{empty}/3",
                      "--check")
    assert code == 3
    assert (f"out of date: {shards[empty]}/manifest.json (it records shard {empty}/3 of "
            "another build") in out, out
    assert "the manifest out of date; run 'briefgen build --shard" in out
    code, out = build(content, "--out", str(shards[empty]), "--shard", f"{empty}/3")
    assert code == 0 and "built 0," in out, out
    assert (shards[empty] / "manifest.json").read_bytes() != before
    assert build(content, "--out", str(shards[empty]), "--shard", f"{empty}/3",
                 "--check")[0] == 0
    for k, out_dir in shards.items():
        if k != empty:
            assert build(content, "--out", str(out_dir), "--shard", f"{k}/3")[0] == 0
    # A folder built whole and then as a shard, or the other way round, holds a manifest
    # that another kind of build wrote: rewritten, so that a merge never takes a full
    # build's manifest for a shard's.
    whole = tmp_path / "whole"
    assert build(content, "--out", str(whole))[0] == 0
    code, out = build(content, "--out", str(whole), "--shard", "1/3", "--check")
    assert code == 3
    assert (f"out of date: {whole}/manifest.json (it was written by a build without "
            "--shard, not as shard 1/3)") in out, out
    assert build(content, "--out", str(whole), "--shard", "1/3")[0] == 0
    code, out = build(content, "--out", str(whole), "--shard", "2/3", "--check")
    assert code == 3 and "(it records shard 1/3, not 2/3)" in out, out
    code, out = build(content, "--out", str(whole), "--check")
    assert code == 3 and "(it records shard 1/3 of a sharded build)" in out, out
    assert build(content, "--out", str(whole))[0] == 0
    assert "shard" not in json.loads((whole / "manifest.json").read_text())
    result = runner.invoke(app, ["manifest", "merge",
                                 *(str(out / "manifest.json") for out in shards.values()),
                                 "--out", str(tmp_path / "merged.json")])
    assert result.exit_code == 0, result.stderr


def test_bad_shard_is_a_usage_error(project: Make) -> None:
    content = project("minimal")
    code, out = build(content, "--shard", "4/3")
    assert code == 2
    assert "--shard: shard 4 of 3 does not exist" in out
    for odd in ("\u0661/\u0662", " 1/2", "+1/2", "1/2.0"):  # Arabic-Indic digits, ...
        code, out = build(content, "--shard", odd)
        assert code == 2, odd
        assert f"--shard: {odd!r} is not a shard" in out


def test_the_manifest_is_read_under_the_lock_even_for_a_new_output_directory(
        project: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Read before taking the lock, it could be replaced by another build in between,
    # and this build would write back entries for files that are no longer there.
    from briefgen import build as build_module

    real = build_module.read_manifest
    held = []

    def read_manifest(out_dir: Path, problems: list[str] | None = None) -> object:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(False)
        except BlockingIOError:
            held.append(True)
        finally:
            os.close(fd)
        return real(out_dir, problems)

    monkeypatch.setattr(build_module, "read_manifest", read_manifest)
    out = tmp_path / "new" / "output"
    assert build(project("minimal"), "--out", str(out))[0] == 0
    assert held == [True]


def test_a_failed_first_build_leaves_no_output_directory(project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    edit(content / CASE, "text: Protect them.", "text: Protect them \U00013000.")
    out = tmp_path / "output"
    code, _ = build(content, "--out", str(out))
    assert code == 2
    assert not out.exists()


def test_a_second_build_at_once_is_refused(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    edit(content / CASE, "Release them.", "Release them now.")
    fd = os.open(content.parent / "output", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        code, out = build(content)
    finally:
        os.close(fd)
    assert code == 2
    assert "another briefgen build is writing to this directory" in out


class _Quiet:
    def step(self, message: str) -> None: ...
    def start(self, total: int) -> None: ...
    def document(self, done: int, total: int, name: str, why: str) -> None: ...


def watch_quietly(paths: Paths, changes: Iterator[set[tuple[int, str]]],
                  reports: list[BuildReport], errors: list[BriefgenError]) -> None:
    """Run ``briefgen watch`` over these batches of changes, collecting what it reports."""
    from briefgen.build import Options, Selection
    from briefgen.watch import watch

    watch(paths, Selection(), Options(), _Quiet(), on_report=reports.append,
          on_error=errors.append, changes=changes)


def test_watch_keeps_going_after_a_content_error(project: Make) -> None:
    content = project("minimal")
    paths = Paths.for_content(content)
    reports: list[BuildReport] = []
    errors: list[BriefgenError] = []
    case_file = content / CASE

    def changes():  # type: ignore[no-untyped-def]
        edit(case_file, "priority: high", "priority: hgih")  # a mistake...
        yield {(2, str(case_file))}
        edit(case_file, "priority: hgih", "priority: low")  # ...and its fix
        yield {(2, str(case_file))}

    watch_quietly(paths, changes(), reports, errors)
    assert [len(r.written) for r in reports] == [2, 2]
    assert len(errors) == 1
    assert "'hgih' is not allowed (did you mean 'high'?)" in "\n".join(errors[0].lines())


def test_watch_keeps_going_after_a_template_that_fails_while_rendering(project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    paths = Paths.for_content(content)
    template = templates / "brief.html"
    original = template.read_text(encoding="utf-8")
    reports: list[BuildReport] = []
    errors: list[BriefgenError] = []

    def changes():  # type: ignore[no-untyped-def]
        template.write_text(original + "{{ 1 // 0 }}\n", encoding="utf-8")
        yield {(2, str(template))}
        template.write_text(original, encoding="utf-8")
        yield {(2, str(template))}

    watch_quietly(paths, changes(), reports, errors)
    assert len(reports) == 2 and len(errors) == 1
    line = original.count("\n") + 1
    assert errors[0].lines()[0].startswith(
        f"templates/brief.html:{line}: template failed while rendering: ZeroDivisionError")


@pytest.mark.parametrize(("option", "message"), [
    (["--jobs", "0"], "--jobs: 0 is not a number of jobs"),
    (["--paper", "a5"], "--paper: unknown paper size 'a5'"),
    (["--render-timeout", "0"], "--render-timeout: 0 is not a time limit"),
    (["--doc", "brief", "--pair", "en+ko"], "--pair: --pair chooses the languages of "
                                            "handouts, and no handout is built"),
])
def test_watch_ends_at_once_on_an_option_no_saved_file_can_fix(
        project: Make, monkeypatch: pytest.MonkeyPatch, option: list[str], message: str) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the watch started")

    monkeypatch.setattr("watchfiles.watch", never)
    result = runner.invoke(app, ["watch", "--content", str(project("minimal")), *option])
    assert result.exit_code == 2
    assert message in result.stderr


def test_watch_refuses_a_content_directory_that_is_not_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A content error keeps a watch going; a mistyped --content would watch nothing useful.
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the watch started")

    monkeypatch.setattr("briefgen.watch.watch", never)
    (tmp_path / "content.yaml").write_text("{}\n", encoding="utf-8")
    for given, message in [("contnet", "no content directory at "),
                           ("content.yaml", "is a file, not a content directory")]:
        result = runner.invoke(app, ["watch", "--content", str(tmp_path / given)])
        assert result.exit_code == 2
        assert result.stderr.startswith(f"--content: {message}" if message.startswith("no")
                                        else f"--content: {tmp_path / given} {message}")
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content.yaml"]  # wrote nothing


def test_watch_ignores_files_that_came_and_went_within_a_batch(project: Make) -> None:
    from watchfiles import Change

    from briefgen.build import Options, Paths, Selection
    from briefgen.watch import watch

    content = project("minimal")
    paths = Paths.for_content(content)
    case_file = content / CASE
    temporary = case_file.with_name("sedAb12Cd")  # sed -i's file, renamed over case.yaml
    steps: list[str] = []
    builds: list[int] = []

    def changes():  # type: ignore[no-untyped-def]
        yield {(Change.added, str(temporary)), (Change.modified, str(temporary)),
               (Change.deleted, str(temporary))}  # nothing else: no build
        edit(case_file, "priority: high", "priority: low")
        yield {(Change.added, str(temporary)), (Change.deleted, str(temporary)),
               (Change.added, str(case_file))}

    class Steps:
        def step(self, message: str) -> None:
            steps.append(message)

        def start(self, total: int) -> None: ...
        def document(self, done: int, total: int, name: str, why: str) -> None: ...

    watch(paths, Selection(), Options(), Steps(), on_report=lambda r: builds.append(1),
          on_error=lambda e: None, changes=changes())
    assert len(builds) == 2  # the first build and the one for case.yaml
    assert [s for s in steps if s.startswith("changed:")] == ["changed: case.yaml"]


def test_font_record_covers_only_the_project_languages(tmp_path: Path) -> None:
    from dataclasses import replace

    from briefgen.fontspec import load_spec
    from briefgen.stamps import font_digest

    specs = load_spec()
    english = font_digest(specs, ["en"])
    korean = font_digest(specs, ["ko"])
    assert font_digest(specs, ["en", "ko"]) not in (english, korean)
    # A locale with a region is set in the faces of its language, and counts them.
    assert font_digest(specs, ["en-GB", "ko-KR"]) == font_digest(specs, ["en", "ko"])

    # An updated font file (a new Debian font package) changes the record of the
    # languages it serves, and no other; a missing one is recorded, not raised.
    face = next(s for s in specs if "en" in s.languages and "ko" not in s.languages)
    copy = tmp_path / face.source.name
    copy.write_bytes(face.source.read_bytes())
    moved = [replace(s, source=copy) if s == face else s for s in specs]
    before = font_digest(moved, ["en"])
    copy.write_bytes(copy.read_bytes() + b"\0")
    assert font_digest(moved, ["en"]) != before
    assert font_digest(moved, ["ko"]) == korean
    copy.unlink()
    assert font_digest(moved, ["en"]) not in (before, english)


def test_an_empty_font_cache_leaves_outputs_current(
        project: Make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A content repository's CI runner starts with no prepared fonts: the outputs built
    # on another machine from the same fonts are current there, not stale.
    content = project("minimal")
    assert build(content)[0] == 0
    before = outputs(content)
    monkeypatch.setenv("BRIEFGEN_FONT_CACHE", str(tmp_path / "empty-font-cache"))
    code, out = build(content, "--check")
    assert code == 0, out
    code, out = build(content)
    assert code == 0, out
    assert "built 0, up to date 2" in out and "preparing" not in out
    assert outputs(content) == before


def test_only_another_case_s_restricted_translations_rebuild_a_case(project: Make) -> None:
    from babel.messages.pofile import read_po, write_po

    content = project("minimal")
    add_case(content, "other-case")
    edit(content / "project.yaml", "locales: [en]",
         "locales: [en, ko]\ntranslation_policy: {ko: mark}")
    result = runner.invoke(app, ["i18n", "update", "--content", str(content)])
    assert result.exit_code == 0, result.stderr
    assert build(content)[0] == 0
    public = content.parent / "locales/ko/case.other-case.po"

    def translate(context: str, text: str, po: Path = public) -> None:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="ko")
        (message,) = [m for m in catalog if m.context == context]
        message.string = text
        with po.open("wb") as handle:
            write_po(handle, catalog, width=88)

    translate("case:other-case:fact:stopped", "두 사람은 검문소에서 멈춰 세워졌다.")
    code, out = build(content, "--check")
    assert code == 3
    stale = [line for line in out.splitlines() if line.startswith("out of date")]
    assert stale and all("other-case_" in line for line in stale), out
    assert build(content)[0] == 0
    translate("case:other-case:fact:secret-fact", "그들의 사촌은 스프링필드에 산다.",
              content.parent / "locales/restricted/ko/case.other-case.po")
    code, out = build(content, "--check")
    assert code == 3
    assert "sample-case_brief_party-state_ko.pdf (restricted items of other cases " \
           "changed)" in out, out


def test_files_the_manifest_does_not_list_are_warned_about(project: Make) -> None:
    content = project("minimal")
    assert build(content)[0] == 0
    out = content.parent / "output"
    (out / "old-brief.pdf").write_bytes((out / "sample-case_brief_party-state_en.pdf")
                                        .read_bytes())
    (out / ".notes").write_text("hidden: a temporary file's kind of name, not warned about")
    (out / "drafts").mkdir()
    for args in ((), ("--check",)):
        code, text = build(content, *args)
        assert code == 0, text
        assert (f"warning: {out} holds 1 file(s) its manifest does not list: old-brief.pdf; "
                "nothing tells them from current documents, so move them out or delete "
                "them") in " ".join(text.split()), text
    (out / "old-brief.pdf").unlink()
    assert "warning" not in build(content)[1]


def test_a_restricted_brief_deleted_as_the_warning_advises_leaves_the_manifest(
        project: Make) -> None:
    # The warning says to delete restricted briefs from a folder of public documents:
    # done, the next check says the manifest still lists them, a build drops them, and
    # nothing asks for them to be made there again.
    content = project("minimal")
    out = content.parent / "output"
    name = "sample-case_brief_party-state_en_restricted.pdf"
    assert build(content)[0] == 0
    assert build(content, "--include-restricted", "--audience", "party-state")[0] == 0
    public = {path.name: path.read_bytes() for path in out.iterdir()
              if path.name != name and path.name != "manifest.json"}
    (out / name).unlink()
    code, text = build(content, "--check")
    flat = " ".join(text.split())
    assert code == 3, text
    assert f"orphaned: {out}/{name} (a restricted brief deleted from the folder" in flat, text
    assert "beside" not in flat and "--include-restricted --case" not in flat, text
    code, text = build(content)
    assert code == 0 and f"removed {out}/{name}" in " ".join(text.split()), text
    assert "warning" not in text, text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert name not in [entry["path"] for entry in manifest["outputs"]]
    assert name in manifest["removed"]
    assert {path.name: path.read_bytes() for path in out.iterdir()
            if path.name != "manifest.json"} == public
    assert build(content, "--check")[0] == 0


def test_restricted_briefs_beside_public_documents_are_warned_about(
        project: Make, tmp_path: Path) -> None:
    content = project("minimal")
    warning = "restricted brief(s) beside 2 public document(s)"
    assert build(content)[0] == 0
    code, out = build(content, "--include-restricted", "--audience", "party-state")
    assert code == 0, out
    assert ("holds 1 restricted brief(s) beside 2 public document(s) "
            "(sample-case_brief_party-state_en_restricted.pdf): whatever uploads or shares "
            "the folder takes them too") in " ".join(out.split()), out
    for args in ((), ("--check",)):  # as long as they are together
        code, out = build(content, *args)
        assert code == 0 and warning in " ".join(out.split()), out
    # In a folder of their own, they are what it is for.
    code, out = build(content, "--include-restricted", "--out", str(tmp_path / "restricted"))
    assert code == 0 and "warning" not in out, out
