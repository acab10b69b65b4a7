"""The brief's view: obligations computed from participation, sensitivity applied."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefgen.catalogs import Translator
from briefgen.loader import load_content
from briefgen.view import BriefView, build_brief_view

from .conftest import REPO, edit

Make = Callable[[str], Path]


def view_for(content_dir: Path, audience: str, *, restricted: bool = False) -> BriefView:
    content = load_content(content_dir)
    translator = Translator("en", "en", content_dir.parent / "locales", content_dir.parent)
    return build_brief_view(content, content.cases["sample-case"], audience, "en", translator,
                            include_restricted=restricted)


def test_party_state_sees_its_treaty_duty(project: Make) -> None:
    view = view_for(project("minimal"), "party-state")
    assert view.audience == "China"  # CLDR name, not the content's spelling
    (treaty,) = view.obligations
    assert treaty.standing == "party"
    assert treaty.participation == (("accession", "September 24, 1982"),)
    assert treaty.customary_title is None


def test_non_party_gets_the_customary_rule_instead(project: Make) -> None:
    view = view_for(project("minimal"), "other-state")
    (treaty,) = view.obligations
    assert treaty.standing == "not-party"
    assert treaty.participation == ()
    assert treaty.customary_title == "Customary rule"
    assert [p.text for p in treaty.customary_provisions] == [
        "No state returns a refugee to persecution."]


def test_a_state_the_sources_are_silent_on_is_not_called_a_non_party(project: Make) -> None:
    content = project("minimal")
    edit(content / "actors/actors.yaml",
         "    participation:\n      - instrument: treaty\n        kind: not-party\n"
         "        sources: [src-a]\n", "")
    view = view_for(content, "other-state")
    (treaty,) = view.obligations
    assert treaty.standing == "not-stated"
    assert treaty.standing_notes == ()
    assert treaty.customary_title == "Customary rule"  # it binds whatever the status


def test_the_standing_cites_its_sources(project: Make) -> None:
    content = project("minimal")
    party = view_for(content, "party-state")
    other = view_for(content, "other-state")
    (party_treaty,) = party.obligations
    (other_treaty,) = other.obligations
    number_of = {s.id: s.number for s in party.sources}
    assert party_treaty.standing_notes == (number_of["src-a"],)
    number_of = {s.id: s.number for s in other.sources}
    assert other_treaty.standing_notes == (number_of["src-a"],)


def test_asks_to_the_audience_come_first(project: Make) -> None:
    view = view_for(project("minimal"), "other-state")
    assert [a.text for a in view.asks_to_audience] == ["Protect them."]
    assert [a.text for a in view.other_asks] == ["Release them."]
    assert view.other_asks[0].to == "China"


def test_public_view_has_no_restricted_items(project: Make) -> None:
    view = view_for(project("minimal"), "party-state")
    shown = " ".join(text for text, _ in view.texts)
    assert "harbour pilot" not in shown
    assert "Springfield" not in shown
    assert view.classification == "public"
    where = {r.text: r.where for r in view.restricted_texts}
    assert where["Their cousin lives in Springfield"] == (
        "content/cases/sample-case/case.yaml:25: fact:secret-fact")
    assert where["One is a retired harbour pilot"] == (
        "content/cases/sample-case/case.yaml:16: member:secret-member")
    assert [f.id for f in view.facts] == ["stopped"]


def test_restricted_view_includes_and_marks_them(project: Make) -> None:
    view = view_for(project("minimal"), "party-state", restricted=True)
    assert view.classification == "restricted"
    assert [f.id for f in view.facts] == ["stopped", "secret-fact"]
    assert view.facts[1].restricted


def test_sources_are_numbered_by_first_citation(project: Make) -> None:
    view = view_for(project("minimal"), "party-state")
    assert [s.id for s in view.sources] == ["src-a", "src-b"]
    assert view.facts[0].notes == (1, 2)
    assert view.disputed[0].accounts[1].notes == (2,)
    assert view.sources[1].outlet is None and view.sources[1].date is None


def test_public_view_does_not_cite_sources_only_restricted_items_use(project: Make) -> None:
    content = project("minimal")
    case = content / "cases/sample-case/case.yaml"
    text = case.read_text()
    # src-b is now cited only by restricted items and by the disputed account.
    text = text.replace("sources: [src-a, src-b]", "sources: [src-a]")
    text = text.replace("        sources: [src-b]\n", "        sources: [src-a]\n")
    case.write_text(text)
    view = view_for(content, "party-state")
    assert [s.id for s in view.sources] == ["src-a"]


def test_approximate_timeline_date(project: Make) -> None:
    view = view_for(project("minimal"), "party-state")
    assert [t.date for t in view.timeline] == ["October 2015", "on or about October 22, 2015"]


def test_a_name_that_takes_an_article_in_a_sentence(project: Make) -> None:
    content = project("minimal")
    edit(content / "actors/actors.yaml", "    name: China\n",
         "    name: China\n    in_sentence: the People's Republic of China\n")
    edit(content / "actors/actors.yaml", "    name: Example Agency\n",
         "    name: Example Agency\n    in_sentence: the Example Agency\n    short_name: EA\n")
    edit(content / "cases/sample-case/case.yaml", "    concerns: [party-state]\n",
         "    concerns: [party-state, agency]\n")
    view = view_for(content, "party-state")
    assert view.audience == "the People's Republic of China"
    assert view.audience_at_start == "The People's Republic of China"
    assert view.analysis[0].concerns == "the People's Republic of China and the Example Agency (EA)"
    # Listed on its own, as whom a request is addressed to, the name has no article.
    assert view.asks_to_audience[0].to == "China"
    # Written in the content's language: another language prints its own name.
    example = load_content(REPO / "content")
    case = example.cases["vietnam-nine-2015"]

    def us_brief(locale: str) -> BriefView:
        return build_brief_view(example, case, "united-states", locale,
                                Translator(locale, "en", REPO / "locales", REPO))

    assert us_brief("en").audience == "the United States"
    assert us_brief("ko").audience == us_brief("ko").audience_at_start == "미국"


def test_a_customary_rule_named_without_its_text_says_where_the_text_is() -> None:
    example = load_content(REPO / "content")
    view = build_brief_view(example, example.cases["vietnam-nine-2015"], "united-states",
                            "en", Translator("en", "en", REPO / "locales", REPO))
    named = {ob.instrument: ob.customary_text_at for ob in view.obligations
             if ob.customary_title}
    # The analysis cites the rule, so its text is under its own entry, after the
    # treaties that stand in for it.
    assert named == {"refugee-convention": "below", "refugee-protocol": "below"}
    assert [ob.instrument for ob in view.obligations][-1] == "customary-non-refoulement"
