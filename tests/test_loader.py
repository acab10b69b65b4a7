"""Loading and validating content: each kind of mistake, with its file, line and hint."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.errors import ProblemReport
from briefgen.fields import parse_date
from briefgen.loader import load_content
from briefgen.model import FactStatus, PartialDate, Precision, Sensitivity

from .conftest import REPO, edit, write

Make = Callable[[str], Path]
CASE = "cases/sample-case/case.yaml"


def problems(content: Path) -> list[str]:
    with pytest.raises(ProblemReport) as info:
        load_content(content)
    return [str(e) for e in info.value.errors]


def test_minimal_sample_loads(project: Make) -> None:
    content = load_content(project("minimal"))
    case = content.cases["sample-case"]
    assert [f.id for f in case.facts] == ["stopped", "secret-fact", "when"]
    assert case.facts[1].sensitivity is Sensitivity.RESTRICTED
    assert case.facts[2].status is FactStatus.DISPUTED
    assert [a.sources for a in case.facts[2].accounts] == [("src-a",), ("src-b",)]
    assert case.timeline[0].date.precision is Precision.MONTH
    assert case.timeline[1].approximate is True
    assert content.sources["src-b"].outlet is None  # "not stated"
    assert content.sources["src-b"].date is None
    assert case.facts[0].origin.line == 20
    assert content.warnings == ()


def test_runs_of_spaces_become_one_but_a_no_break_space_is_kept(project: Make) -> None:
    content = project("minimal")
    edit(content / "cases/sample-case/case.yaml", "text: The two were stopped at a checkpoint.",
         "text: The two   were stopped at\u00a01 p.m.\u202fsharp.")
    fact = load_content(content).cases["sample-case"].facts[0]
    assert fact.text == "The two were stopped at\u00a01 p.m.\u202fsharp."


def test_hidden_files_and_directories_are_not_content(project: Make) -> None:
    content = project("minimal")
    # An editor's lock or backup beside the real file, and a tool's directory of cases.
    shutil.copy(content / "actors/actors.yaml", content / "actors/.#actors.yaml")
    shutil.copy(content / "actors/actors.yaml", content / "actors/.actors.yaml.swp.yaml")
    shutil.copytree(content / "cases/sample-case", content / "cases/.sample-case")
    loaded = load_content(content)  # read, their ids would be duplicates
    assert "party-state" in loaded.actors
    assert list(loaded.cases) == ["sample-case"]


def test_unknown_key_suggests_nearest(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "    status: confirmed\n", "    staus: confirmed\n")
    found = problems(content)
    assert (
        "content/cases/sample-case/case.yaml:22: facts[1].staus: unknown key 'staus' "
        "(did you mean 'status'?)" in found
    )


def test_wrong_type_is_reported_with_expectation(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "    sources: [src-a, src-b]\n", "    sources:\n      a: b\n")
    found = problems(content)
    assert any("facts[1].sources: is a mapping" in p and "expected a list" in p for p in found)


def test_all_problems_are_reported_together(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "date: 2015-10-22", "date: 2015-02-30")
    edit(content / CASE, "priority: high", "priority: urgent")
    edit(content / "sources/sources.yaml", "date: 2015-11-18", "date: 18/11/2015")
    found = problems(content)
    assert len(found) == 3
    assert any("'2015-02-30' is not a real day (February 2015 has 28 days)" in p for p in found)
    assert any("'urgent' is not allowed (expected one of high, medium, low)" in p for p in found)
    assert any("'18/11/2015' is not a date" in p for p in found)


def test_dangling_references(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "sources: [src-a, src-b]", "sources: [src-a, src-c]")
    edit(content / CASE, "to: [party-state]", "to: [party-stat]")
    edit(content / CASE, "provisions: [treaty/art-1]", "provisions: [treaty/art-9]")
    found = problems(content)
    assert any("unknown source 'src-c'" in p for p in found)
    assert any("to: unknown actor 'party-stat' (did you mean 'party-state'?)" in p
               for p in found)
    assert any("unknown provision 'treaty/art-9'" in p and "treaty/art-1" in p for p in found)


def test_fact_and_timeline_need_sources(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "    status: confirmed\n    sources: [src-a, src-b]\n",
         "    status: confirmed\n")
    edit(content / CASE, "    event: They set out.\n    sources: [src-a]\n",
         "    event: They set out.\n")
    found = problems(content)
    assert any("facts[1].sources: is missing" in p for p in found)
    assert any("timeline[1].sources: is missing" in p for p in found)


def test_disputed_fact_needs_two_accounts(project: Make) -> None:
    content = project("minimal")
    text = (content / CASE).read_text()
    start = text.index("      - id: second")
    end = text.index("timeline:")
    (content / CASE).write_text(text[:start] + text[end:])
    assert any("a disputed fact has 1 account(s)" in p for p in problems(content))


def test_duplicate_ids_across_files(project: Make) -> None:
    content = project("minimal")
    write(content / "sources/more.yaml",
          "sources:\n  - id: src-a\n    outlet: X\n    title: Y\n    author: not stated\n"
          "    date: not stated\n    language: en\n")
    found = problems(content)
    assert ("content/sources/sources.yaml:2: id: duplicate source id 'src-a' (first defined "
            "at content/sources/more.yaml:2; ids must be unique across all files, rename one)"
            in found)


def test_precision_must_agree_with_date(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "    date: 2015-10\n", "    date: 2015-10\n    precision: day\n")
    assert any("precision: says day but the date 2015-10 is written to the month" in p
               for p in problems(content))


def test_yes_is_not_a_boolean(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "approximate: true", "approximate: yes")
    assert any("'yes' is not true or false" in p for p in problems(content))


def test_timeline_out_of_order_is_a_warning(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "    date: 2015-10\n", "    date: 2015-11\n")
    loaded = load_content(content)
    assert len(loaded.warnings) == 1
    assert "comes after 'earlier'" in str(loaded.warnings[0])


@pytest.mark.parametrize(("as_of", "warned", "entry_warned"), [
    ("2015-12-02", False, False), ("2015-11", False, False), ("2015", False, False),
    ("2015-11-17", True, False), ("2015-10", True, False), ("2015-10-21", True, True),
    ("2014", True, True)])
def test_material_dated_after_as_of_is_a_warning(project: Make, as_of: str, warned: bool,
                                                 entry_warned: bool) -> None:
    # src-a is of 18 November 2015; the last timeline entry of 22 October.
    content = project("minimal")
    edit(content / CASE, "as_of: 2015-12-02", f"as_of: {as_of}")
    found = [str(w) for w in load_content(content).warnings]
    source = (f"content/{CASE}:3: as_of: source 'src-a', which the case cites, was "
              f"published (2015-11-18) after the case's as_of ({as_of}), which every brief "
              "prints as the date its material is current to (move as_of on to the date "
              "the material was last brought up to date)")
    assert (source in found) is warned, found
    assert any("timeline entry 'stop' (2015-10-22) is dated after" in w
               for w in found) is entry_warned, found


def test_block_markdown_in_text_is_a_warning_naming_its_line(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "    text: Release them.\n",
         "    text: |-\n      # Demands\n      - release them\n      - now\n")
    (warning,) = load_content(content).warnings
    line = next(number for number, text in enumerate(
        (content / CASE).read_text().splitlines(), start=1) if text == "    text: |-")
    assert str(warning).startswith(
        f"content/{CASE}:{line}: asks[1].text: a heading (#) and a bulleted list prints "
        "as typed: content text is inline Markdown")


@pytest.mark.parametrize(("text", "found"), [
    ("2015. Nine were arrested.", []),  # one line: meant as written
    ("- 3 degrees", []),
    ("They were held\nfor 30 days.", []),
    ("They were held\n- first in Lao Cai\n- then in Dandong", ["a bulleted list"]),
    ("Where:\n\n1. Lao Cai", ["a numbered list"]),
    ("> said one\nof them", ["a quotation (>)"]),
    ("See [1].\n\n[1]: https://example.org", ["a link reference definition ([label]: "
                                                "address)"]),
    ("[1]: https://example.org", ["a link reference definition ([label]: address)"]),
])
def test_block_syntax_is_found_where_it_would_be_laid_out(text: str, found: list[str]
                                                         ) -> None:
    from briefgen.markup import block_syntax

    assert block_syntax(text) == found


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_one_line_without_a_reference_is_never_block_syntax(text: str) -> None:
    from briefgen.markup import block_syntax

    line = text.replace("\n", " ").replace("\r", " ")
    if "]:" not in line:
        assert block_syntax(line) == []


def test_an_audience_no_ask_is_addressed_to_is_a_warning(project: Make) -> None:
    content = project("minimal")
    assert load_content(content).warnings == ()
    edit(content / CASE, "    to: [other-state]\n", "    to: [party-state]\n")
    (warning,) = load_content(content).warnings
    assert str(warning).startswith(
        f"{'content/' + CASE}:5: audiences: no ask is addressed to 'other-state'")
    # An ask to several actors counts for each.
    edit(content / CASE, "    to: [party-state]\n    priority: low",
         "    to: [party-state, other-state]\n    priority: low")
    assert load_content(content).warnings == ()


def test_case_directory_must_match_id(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "id: sample-case", "id: other-case")
    assert any("'other-case' does not match its directory 'sample-case'" in p
               for p in problems(content))


def test_bad_id_and_count(project: Make) -> None:
    content = project("minimal")
    edit(content / CASE, "      count: 2\n", "      count: two\n")
    edit(content / CASE, "  - id: stopped\n", "  - id: Stopped Fact\n")
    found = problems(content)
    assert any("'two' is not a whole number" in p for p in found)
    assert any("'Stopped Fact' is not a valid id" in p for p in found)


def test_signature_does_not_bind(project: Make) -> None:
    content = load_content(project("minimal"))
    party = content.actors["party-state"].participation[0]
    assert party.kind.binds


def test_participation_needs_sources_and_no_contradiction(project: Make) -> None:
    content = project("minimal")
    actors = content / "actors/actors.yaml"
    edit(actors, "        date: 1982-09-24\n        sources: [src-a]\n",
         "        date: 1982-09-24\n      - instrument: treaty\n        kind: not-party\n"
         "        sources: [src-b]\n")
    edit(actors, "        kind: not-party\n        sources: [src-a]\n",
         "        kind: not-party\n        date: 2001-01-01\n        sources: [nowhere]\n")
    found = problems(content)
    assert any("actors/actors.yaml:7: actors[1].participation[1].sources: is missing" in p
               for p in found), found
    assert any("says both not-party and accession for treaty" in p for p in found), found
    assert any("participation[1].date: a state is not a party on a date" in p
               for p in found), found
    assert any("'nowhere'" in p and "source" in p for p in found), found


@given(st.from_regex(r"\A[0-9]{3,5}(-[0-9]{1,3}(-[0-9]{1,3})?)?\Z"))
def test_a_date_is_read_or_refused_with_a_message_never_a_crash(text: str) -> None:
    result = parse_date(text)
    if isinstance(result, PartialDate):
        assert result.earliest.year == result.year  # a real calendar date
        assert parse_date(result.iso()) == result
    else:
        assert text in result


def test_dates_outside_the_calendar_are_content_errors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO / "content", content)
    case = content / "cases/vietnam-nine-2015/case.yaml"
    edit(case, "as_of: 2015-12-02", "as_of: 0000-12-02")
    edit(case, "start: 2015-11-21T13:00", "start: 9999-12-31T23:00")
    found = problems(content)
    at = "content/cases/vietnam-nine-2015/case.yaml"
    assert any(p.startswith(f"{at}:6: as_of: '0000-12-02' is in year 0") for p in found), found
    assert any(".start: 9999-12-31T23:00 is out of the range of dates" in p
               for p in found), found


def test_yaml_files_are_found_whatever_the_case_of_their_extension(project: Make) -> None:
    content = project("minimal")
    (content / "sources/sources.yaml").rename(content / "sources/SOURCES.YAML")
    assert "src-a" in load_content(content).sources


def test_a_reference_listed_twice_is_refused_at_its_line(project: Make) -> None:
    content = project("minimal")
    edit(content / "project.yaml", "locales: [en]", "locales: [en, en]")
    assert any(p.startswith("content/project.yaml:3: locales: 'en' is listed twice")
               for p in problems(content)), problems(content)


def test_a_summary_names_its_sources_or_is_warned_about(project: Make) -> None:
    content = project("minimal")
    assert load_content(content).cases["sample-case"].summary_sources == ("src-a",)
    edit(content / CASE, "summary_sources: [src-a]\n", "")
    (warning,) = load_content(content).warnings
    assert str(warning) == (f"content/{CASE}:6: summary: cites no source (list the sources its "
                            "statements come from under summary_sources:)")
    edit(content / CASE, "summary: Two people", "summary_sources: [src-z]\nsummary: Two people")
    assert any(p.startswith(f"content/{CASE}:6: summary_sources: unknown source 'src-z'")
               for p in problems(content))


def test_a_handout_summary_names_its_own_sources(project: Make) -> None:
    content = project("minimal")
    case = content / CASE
    case.write_text(case.read_text() + """handout:
  summary: By the day of the vigil, two were held.
  call_to_action: Come.
  link: https://example.org/x
  link_is_placeholder: true
  facts: [stopped]
  asks: [release]
""")
    warnings = [str(w) for w in load_content(content).warnings]
    assert (f"content/{CASE}:68: handout.summary: cites no source (list the sources its "
            "statements come from under handout.summary_sources:)") in warnings
    edit(case, "  call_to_action: Come.", "  summary_sources: [src-b]\n  call_to_action: Come.")
    loaded = load_content(content).cases["sample-case"]
    assert loaded.handout_summary_sources == ("src-b",)
    # Its summary's sources come first in what a handout cites; the case's are not cited.
    assert loaded.handout_citations(()) == ["src-b", "src-a"]
    # Without a summary of its own, the handout prints the case's, and cites its sources.
    edit(case, "  summary: By the day of the vigil, two were held.\n", "")
    loaded_content = load_content(content)
    assert loaded_content.cases["sample-case"].handout_summary_sources == ("src-a",)
    assert any("handout.summary_sources: the handout has no summary of its own, so these "
               "sources are not cited" in str(w) for w in loaded_content.warnings)


@pytest.mark.parametrize(("time", "problem"), [
    ("17:29", "'17:29' is not a time with its offset from UTC"),
    ("5:29 pm EST", "'5:29 pm EST' is not a time with its offset from UTC"),
    ("24:00-05:00", "'24:00-05:00' is not a time with its offset from UTC"),
    ("17:29+14:30", "'17:29+14:30' is not a time with its offset from UTC"),
    ("", "is empty (expected HH:MM+HH:MM"),
])
def test_a_source_time_is_written_with_its_offset(project: Make, time: str,
                                                  problem: str) -> None:
    content = project("minimal")
    sources = content / "sources/sources.yaml"
    lines = sources.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("date: 2"))
    lines.insert(at + 1, f"    time: \"{time}\"")
    sources.write_text("\n".join(lines) + "\n")
    assert any(f"time: {problem}" in p for p in problems(content)), problems(content)


def test_a_source_time_gives_the_moment_it_was_published(project: Make) -> None:
    import datetime as dt

    content = project("minimal")
    sources = content / "sources/sources.yaml"
    lines = sources.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("date: 2"))
    day = lines[at].split(":", 1)[1].strip()
    lines.insert(at + 1, "    time: 17:29-05:00")
    sources.write_text("\n".join(lines) + "\n")
    loaded = load_content(content)
    (source,) = [s for s in loaded.sources.values() if s.published]
    assert source.published == dt.datetime.fromisoformat(f"{day}T22:29+00:00")


def test_an_inferred_date_needs_a_date(project: Make) -> None:
    content = project("minimal")
    sources = content / "sources/sources.yaml"
    edit(sources, "    date: not stated\n", "    date: not stated\n    date_inferred: true\n")
    assert any("date_inferred: there is no date to have inferred" in p
               for p in problems(content))
    edit(sources, "    date: not stated\n", "    date: 2015-11\n")
    loaded = load_content(content)
    assert [s.id for s in loaded.sources.values() if s.date_inferred] == ["src-b"]


def test_yaml_files_nothing_reads_are_warned_about(project: Make) -> None:
    # A case written as a file of cases/, notes beside case.yaml, a folder in sources/:
    # what they hold would be left out of every document without a word.
    content = project("minimal")
    shutil.copy(content / CASE, content / "cases/second-case.yml")
    (content / "cases/sample-case/notes.yaml").write_text("todo: ask the desk\n")
    (content / "sources/old").mkdir()
    (content / "sources/old/more.yaml").write_text("sources: []\n")
    (content / "cases/sample-case/.draft.yaml").write_text("hidden: an editor's\n")
    found = sorted(str(w) for w in load_content(content).warnings)
    assert found == [
        "content/cases/sample-case/notes.yaml: is not read: only case.yaml is read in a "
        "case's folder (move what it holds into case.yaml, or give notes another extension)",
        "content/cases/second-case.yml: is not read: a case is read from "
        "cases/<id>/case.yaml (move it to cases/second-case/case.yaml)",
        "content/sources/old/more.yaml: is not read: the content is read from project.yaml, "
        "sources/*.yaml, law/*.yaml, actors/*.yaml and cases/<id>/case.yaml (move it where "
        "its kind is read)"], found
