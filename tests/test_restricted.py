"""Restricted text must not reach a public document, however it is written there: with
Markdown, in a translation (current, stale or of a disputed fact's account), in a
timeline place, in an id, on a handout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from briefgen.catalogs import Translator
from briefgen.cli import app
from briefgen.loader import load_content
from briefgen.model import RestrictedText
from briefgen.pdfcheck import needles
from briefgen.view import restricted_texts

from .conftest import edit, korean_example, own_templates

Make = Callable[[str], Path]
SAMPLE = "cases/sample-case/case.yaml"
CASE = "vietnam-nine-2015"
KO_PO = f"locales/ko/case.{CASE}.po"
KO_RESTRICTED_PO = f"locales/restricted/ko/case.{CASE}.po"  # its restricted items
LEAK = "restricted material found in a public document"


def build(content: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["build", "--content", str(content), "--jobs", "1",
                                      *args])
    return result.exit_code, result.stdout + result.stderr


def change_po(root: Path, change: Callable[[dict[str, Message]], None],
              catalog_file: str = KO_PO) -> None:
    """Edit a Korean case catalog as a PO editor would (Babel reads and writes it)."""
    path = root / catalog_file
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="ko")
    change({str(m.context): m for m in catalog if m.id})
    with path.open("wb") as handle:
        write_po(handle, catalog, width=88, include_previous=True)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """The example's content and catalogs in English and Korean; returns content/."""
    return korean_example(tmp_path / "project") / "content"


def ko_texts(content: Path) -> dict[str, str]:
    """Each restricted text a Korean document is checked for, with where it is written."""
    loaded = load_content(content)
    translator = Translator("ko", "en", content.parent / "locales", content.parent)
    return {r.text: r.where
            for r in restricted_texts(loaded, loaded.cases[CASE], [translator])}


# --- what is looked for ------------------------------------------------------------------


def test_the_same_leak_in_many_documents_is_one_error_naming_them() -> None:
    import pickle

    from briefgen.errors import LeakError, merged

    # As the workers send them back: pickled.
    errors = [pickle.loads(pickle.dumps(LeakError("repeats 'x'", documents=[f"d{i}.pdf"],
                                                  path="c.yaml", line=3)))
              for i in range(5)]
    errors.append(LeakError("repeats 'x'", documents=["e.pdf"], path="c.yaml", line=4))
    assert [str(e) for e in merged(errors)] == [
        "c.yaml:3: repeats 'x'; printed in d0.pdf, d1.pdf, d2.pdf and 2 other documents",
        "c.yaml:4: repeats 'x'; printed in e.pdf"]


def test_markdown_is_looked_for_as_written_and_as_read(project: Make) -> None:
    content = project("minimal")
    edit(content / SAMPLE, "text: Their cousin lives in Springfield",
         "text: Their cousin lives in *Springfield* & *Shelbyville*")
    edit(content / SAMPLE, "The two were stopped at a checkpoint.",
         "The two were stopped; their cousin lives in *Springfield* & *Shelbyville*.")
    code, out = build(content)
    assert code == 2
    # Named at the public text that repeats it, which reads as the restricted text does.
    assert (f"content/{SAMPLE}:21: {LEAK}: this text repeats restricted text (restricted: "
            "content/cases/sample-case/case.yaml:25: fact:secret-fact); printed in "
            "sample-case_brief_party-state_en.pdf") in " ".join(out.split())
    # Not the restricted text itself: CI logs are read more widely than the content.
    assert "Shelbyville" not in out


def test_every_translation_of_a_restricted_item_is_looked_for(example: Path) -> None:
    root = example.parent
    case = example / f"cases/{CASE}/case.yaml"
    account = "fact:reason-stopped:account:travel-documents"
    member = "member:army-captain"
    messages: dict[str, Message] = {}
    change_po(root, messages.update)
    change_po(root, messages.update, KO_RESTRICTED_PO)
    korean = {key: str(messages[f"case:{CASE}:{key}"].string)
              for key in (account, member)}
    assert korean[account] not in ko_texts(example)

    # The accounts of a restricted disputed fact, in English and in Korean.
    edit(case, "        sources: [upi-2015-11-18, blog-2015-11-20]\n    sensitivity: public\n\n"
               "  - id: infant-age",
         "        sources: [upi-2015-11-18, blog-2015-11-20]\n    sensitivity: restricted\n\n"
               "  - id: infant-age")
    # Found in the public catalog too, where its translation is until an update moves it.
    found = ko_texts(example)
    assert korean[account] in found
    assert found[korean[account]].startswith(f"{KO_PO}:")
    assert found[korean[account]].endswith(f": {account}")
    assert ("The group was detained because they lacked travel documents, according to an "
            "undated article.") in found

    # A stale translation still says what it said: before the catalog is updated, and
    # after, when it is marked fuzzy.
    assert korean[member] in found
    edit(case, "captain in the North Korean army", "captain in the Korean People's Army")
    assert korean[member] in ko_texts(example)
    result = CliRunner().invoke(app, ["i18n", "update", "--content", str(example)])
    assert result.exit_code == 0, result.stderr
    # Moved to the restricted catalog with the accounts' translations, one stale.
    line = next(line for line in result.stdout.splitlines()
                if line.startswith(f"{KO_RESTRICTED_PO}: "))
    assert ", 0 new, 1 stale, 0 obsolete" in line, result.stdout
    found = ko_texts(example)
    assert found[korean[member]].startswith(f"{KO_RESTRICTED_PO}:")
    assert found[korean[account]].startswith(f"{KO_RESTRICTED_PO}:")


def test_a_restricted_place_is_looked_for_by_its_telling_sentences() -> None:
    from briefgen.model import RestrictedText

    looked_for = needles([RestrictedText("Tumen", "a", whole=False),
                          RestrictedText("a garrison near Tumen, cell block 7", "b",
                                         whole=False),
                          RestrictedText("Moved north.", "c")])
    assert looked_for == {"a garrison near Tumen, cell block 7": "b", "Moved north": "c"}


@pytest.mark.parametrize("public", [
    "A man named Ri Chol Ho was in the group.",  # the ways sources romanise a name
    "A man named Ri Cholho was in the group.",
    "A man named Ri-Chol-ho was in the group.",
    "https://example.org/campaign/free-ri-chol-ho",  # a URL's slug
    "https://example.org/Ri_Chol-ho",
    "https://example.org/search?q=Ri+Chol-ho",
    "A man named Ri Ch\u043el-ho was in the group.",  # a Cyrillic o
    "A MAN NAMED RI CH\u041eL-HO WAS IN THE GROUP.",  # a Cyrillic capital O
    "A man named R\u0131 Chol-ho was in the group.",  # a dotless i
    "A man named Ri Cho\u200el-ho was in the group.",  # a direction mark
    "A man named Ri Cho\ufe00l-ho was in the group.",  # a variation selector
])
def test_a_name_is_found_however_its_words_are_joined_or_marked(public: str) -> None:
    from briefgen.pdfcheck import contains

    assert contains(public, "Ri Chol-ho")
    assert not contains(re.sub(r"(?i)ho\b", "hon", public), "Ri Chol-ho")


def test_a_percent_encoded_link_is_read_decoded() -> None:
    from briefgen.pdfcheck import find_leaks

    html = '<p><a href="https://example.org/Ri%20Chol-ho">the campaign</a></p>'
    leaks = find_leaks(None, ["Ri Chol-ho"], html=html)
    assert [leak.found_in for leak in leaks] == [("an HTML href attribute",)]


def test_a_korean_name_broken_by_a_hangul_filler_is_still_found() -> None:
    from briefgen.pdfcheck import contains

    # U+3164 prints as a gap ("리 철호"): the name is still read.
    assert contains("일행(리\u3164철호 포함)은 이동했다.", "리철호")
    assert contains("일행(리\uffa0철호 포함)은 이동했다.", "리철호")


@pytest.mark.parametrize(("restricted", "public"), [
    ("리철호", "남측 매체는 이철호가 일행에 있었다고 전했다."),  # North's spelling, South's print
    ("이철호", "북측 매체는 리철호가 일행에 있었다고 전했다."),
    ("로동당 간부", "그는 노동당 간부였다."),
])
def test_a_korean_word_is_found_as_the_other_korea_spells_its_first_sound(
        restricted: str, public: str) -> None:
    from briefgen.pdfcheck import find_leaks

    assert [leak.restricted_at for leak in find_leaks(
        None, [RestrictedText(restricted, "case.yaml:3")], html=f"<p>{public}</p>")] == [
            "case.yaml:3"]
    # Only the first sound: another name is another name.
    assert not find_leaks(None, [RestrictedText("김철호", "x")], html=f"<p>{public}</p>")


@pytest.mark.parametrize(("public", "needle"), [
    ("그는 북한주민리철호로 알려졌다.", "리철호"),  # a name run onto the word before it
    ("일행 중 조선인민군대위 1명이 있었다.", "인민군 대위"),
    ("주민이철호가 있었다.", "리철호"),  # and with its first sound as the South writes it
    ("북한주민리철호 대위가 있었다.", "리철호 대위"),  # with a space of its own
])
def test_a_korean_text_of_three_syllables_is_found_run_onto_the_word_before(
        public: str, needle: str) -> None:
    from briefgen.pdfcheck import find_leaks

    assert find_leaks(None, [needle], html=f"<p>{public}</p>")


@pytest.mark.parametrize(("public", "needle"), [
    ("현대위성 발사가 보도됐다.", "대위"),  # two syllables must still begin a word
    ("북한군대위 1명", "대위"),
    ("북한주민리 철호는 없었다.", "리철호"),  # not across a space the needle has not
    ("일행 중 북한군 대위는 없었다.", "한군대위"),
    ("주민리-철호", "리철호"),
])
def test_a_korean_text_started_inside_a_word_is_not_found_across_its_spaces(
        public: str, needle: str) -> None:
    from briefgen.pdfcheck import contains

    assert not contains(public, needle)


def test_two_character_cjk_names_are_looked_for_and_two_latin_letters_not() -> None:
    assert list(needles(["王军", "대위", "Ri", "A."])) == ["王军", "대위"]


@pytest.mark.parametrize(("public", "needle"), [
    ("Hanna was there.", "Han Na"),  # a space of the needle's parts the public words too
    ("Richol Ho was there.", "Ri Chol-ho"),
    ("부대 위치는 알려지지 않았다.", "대위"),  # a Korean word begins a word
    ("3대 위원회가 열렸다.", "대위"),
])
def test_words_are_not_found_across_the_words_of_other_text(public: str, needle: str) -> None:
    from briefgen.pdfcheck import contains

    assert not contains(public, needle)


@pytest.mark.parametrize(("clause", "looked_for"), [
    # Attributions, however they are worded: their sources are public.
    ("according to Phil Robertson of Human Rights Watch as reported by VICE News", None),
    ("Phil Robertson of Human Rights Watch", None),
    ("HRW said on 21 November", None),
    ("as VICE News reported", None),
    ("UPI가 인용한 한국 정부 소식통은", None),
    ("VICE 뉴스가 보도한 휴먼라이츠워치의 필 로버트슨에 따르면", None),
    ("此说法来自合众国际社", None),
    ("据VICE新闻转述人权观察的菲尔·罗伯逊", None),
    # A stock phrase says too little to be told apart from other text.
    ("near the North Korean border", None),
    # What is said, without the words that attribute or hedge it.
    ("says two members have relatives in Seoul", "two members have relatives in Seoul"),
    ("told VICE News that two members have relatives in Seoul",
     "two members have relatives in Seoul"),
    ("구성원 1명은 북한군 대위라고 밝혔다", "구성원 1명은 북한군 대위"),
    ("据说他是朝鲜军队的一名上尉军官", "他是朝鲜军队的一名上尉军官"),
    ("One member reported to be a captain in the North Korean army",
     "One member reported to be a captain in the North Korean army"),
])
def test_a_clause_is_looked_for_by_what_it_says_not_by_who_says_it(
        clause: str, looked_for: str | None) -> None:
    from briefgen.pdfcheck import _clause_needle

    assert _clause_needle(clause) == looked_for


def test_a_restricted_entry_at_a_public_entry_s_place_restricts_what_not_where(
        project: Make) -> None:
    content = project("minimal")
    edit(content / SAMPLE, "    place: A checkpoint\n    event: The stop.\n    sources: [src-a]\n",
         "    place: Dongxing, Guangxi, China\n    event: A search of their car.\n"
         "    sources: [src-a]\n    sensitivity: restricted\n")
    edit(content / SAMPLE, "    event: They set out.\n",
         "    event: They set out.\n    place: Dongxing, Guangxi, China\n")
    code, out = build(content)
    assert code == 0, out


def test_each_telling_clause_of_a_sentence_is_looked_for_but_not_its_attribution() -> None:
    # The example's restricted fact: the clause before the comma is what it restricts.
    text = ("Members of the group have two family members in Seoul, according to Phil "
            "Robertson of Human Rights Watch as reported by VICE News.")
    assert list(needles([text])) == [text.removesuffix("."),
                                     "Members of the group have two family members in Seoul"]
    assert list(needles(["一名成员据报道是朝鲜军队上尉；此说法来自合众国际社（UPI）援引的一名"
                         "韩国政府消息人士。"]))[1:] == ["一名成员据报道是朝鲜军队上尉"]


@pytest.mark.parametrize(("restricted", "public"), [
    ("Two of them are from Hoeryong and one was a soldier.",
     "Officials later confirmed that one was a soldier."),
    ("Nine were detained but the baby was released to relatives.",
     "Reports say the baby was released to relatives in China."),
    ("두 명은 회령 출신이고 한 명은 군인이었다.", "그중 한 명은 군인이었다고 한다."),
    ("일행은 선양으로 이송되었으며 아기는 친척에게 맡겨졌다.", "아기는 친척에게 맡겨졌다고 한다."),
])
def test_a_clause_joined_by_a_conjunction_is_looked_for_alone(restricted: str,
                                                               public: str) -> None:
    from briefgen.pdfcheck import CLAUSE, find_leaks

    assert [leak.part for leak in find_leaks(
        None, [RestrictedText(restricted, "x")], html=f"<p>{public}</p>")] == [CLAUSE]


@pytest.mark.parametrize(("restricted", "phrase"), [
    # A phrase joined by "and" is short of a clause, so of its length too.
    ("The nine were detained and handed over to China.", "handed over to China"),
    ("They face torture and possible execution.", "possible execution"),
    ("HRW reported it and VICE News was told so.", "VICE News was told so"),  # who says it
    ("미국은 관련 보도를 인지하고 있다고 밝혔다.", "있다고 밝혔다"),  # 하고 있다 is one verb
    ("该批人员被拘留但婴儿已获释放。", "婴儿已获释放"),  # Chinese is cut at commas only
])
def test_a_conjunction_does_not_make_a_phrase_a_clause(restricted: str, phrase: str) -> None:
    assert phrase in restricted
    assert phrase not in needles([restricted])


def test_html_is_read_element_by_element_with_its_attributes() -> None:
    from briefgen.pdfcheck import contains, html_strings

    found = dict(html_strings(
        "<style>p::before { content: 'Tumen' }</style><table><tr><td>Ri Chol</td>"
        "<td>Howon</td></tr></table><img alt='cell block 7' src='x.png'>"))
    text = found["the document text"]
    assert not contains(text, "Tumen")  # stylesheets are read from the PDF they print in
    # Without the cells apart, "Chol" would run into "Howon" and not be a word of its own.
    assert contains(text, "Ri Chol")
    assert found["an HTML alt attribute"] == "cell block 7"


# --- found in the finished document ----------------------------------------------------


def test_restricted_words_hyphenated_at_a_line_end_are_found(project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    edit(templates / "brief.css", "html {", "html { hyphens: auto; ")
    # Longer than a line: wherever it falls, it is hyphenated.
    word = "Chongjinprovincialsecuritybureauheadquarterscompoundbuildingsevendetention" * 2
    edit(content / SAMPLE, "text: Their cousin lives in Springfield",
         f"text: Their cousin works at {word}")
    edit(content / SAMPLE, "The two were stopped at a checkpoint.",
         f"The two were stopped at a checkpoint. Their cousin works at {word}.")
    code, out = build(content)
    assert code == 2
    # Found in the page's text, hyphen and all, not only in the HTML.
    assert "this text repeats restricted text (restricted: " in out
    assert "_en.pdf (page 1 text, the document text)" in out
    # A hyphen of the text's own that falls at a line end is read as the words it joins.
    from briefgen.pdfcheck import _page_readings, _squash

    assert _squash("Ri Chol-ho")[0] in _page_readings("Ri Chol‐\r\nho went")[0][0]
    assert "richolhowent" in _page_readings("Ri Chol‐\r\nho went")[0][0]


def test_no_template_is_given_the_restricted_texts(project: Make) -> None:
    from briefgen.pdfcheck import pdf_strings

    content = project("minimal")
    templates = own_templates(content)
    # Spelt out letter by letter, the texts would not be found by the leak check.
    edit(templates / "brief.html", "{{ view.summary|md }}",
         "{{ view.summary|md }} [{{ view.restricted_texts|map(attribute='text')"
         "|map('list')|map('join', '.')|join(' / ') }}|{{ view.texts|length }}]")
    code, out = build(content, "--audience", "party-state")
    assert code == 0, out
    pdf = (content.parent / "output/sample-case_brief_party-state_en.pdf").read_bytes()
    text = next(text for where, text in pdf_strings(pdf) if where == "page 1 text")
    assert "[|0]" in "".join(text.split())
    assert "p.i.l.o.t" not in text


def test_a_hyphen_of_the_text_at_a_line_end_is_read_as_written(project: Make) -> None:
    content = project("minimal")
    # Longer than a line and broken only at its hyphens: one of them ends a line, which
    # PDFium reads back as U+FFFE with the two lines joined.
    word = "-".join(["north", "eastern", "harbour", "district", "warehouse", "row"] * 6)
    edit(content / SAMPLE, "text: Their cousin lives in Springfield",
         f"text: Their cousin works at {word}")
    edit(content / SAMPLE, "The two were stopped at a checkpoint.",
         f"The two were stopped at a checkpoint. Their cousin works at {word}.")
    code, out = build(content)
    assert code == 2, out
    # Found in the page's text, hyphen and all, not only in the HTML.
    assert "this text repeats restricted text (restricted: " in out
    assert "_en.pdf (page 1 text, the document text)" in out


def test_a_restricted_place_repeated_in_public_fails_the_build(project: Make) -> None:
    content = project("minimal")
    edit(content / SAMPLE, "    place: A checkpoint\n    event: The stop.\n    sources: [src-a]\n",
         "    place: The border post at kilometre 14, cell 7\n    event: The stop.\n"
         "    sources: [src-a]\n    sensitivity: restricted\n")
    edit(content / SAMPLE, "    event: They set out.\n",
         "    event: They set out for the border post at kilometre 14, cell 7.\n")
    code, out = build(content)
    assert code == 2
    assert (f"content/{SAMPLE}:42: {LEAK}: this text repeats restricted text (restricted: "
            "content/cases/sample-case/case.yaml:47: timeline:stop:place); printed in "
            "sample-case_brief_party-state_en.pdf (page 1 "
            "text, the document text)") in " ".join(out.split()), out


def test_restricted_words_in_an_id_are_found_in_the_file_name(project: Make) -> None:
    content = project("minimal")
    # The file name spells the audience's id "other-state"; written "Other state" in the
    # restricted text, it is the same words.
    edit(content / SAMPLE, "description: One is a retired harbour pilot",
         "description: Other state")
    code, out = build(content, "--audience", "other-state")
    assert code == 2
    # And in the metadata and attributes that carry the id as the file name does.
    assert "restricted text in the file name, metadata /Keywords" in out, out
    assert ("(restricted: content/cases/sample-case/case.yaml:16: member:secret-member)"
            in out)
    assert "rename the id" in out


def test_a_clause_of_the_example_s_restricted_fact_copied_into_public_fails(
        example: Path) -> None:
    case = example / f"cases/{CASE}/case.yaml"
    edit(case, "      Activist groups protested for the group’s freedom",
         "      Members of the group have two family members in Seoul. Activist groups "
         "protested for the group’s freedom")
    code, out = build(example, "--doc", "brief", "--locale", "en", "--audience", "china")
    assert code == 2, out
    # The fact's text, named at its key.
    lines = case.read_text(encoding="utf-8").splitlines()
    at = lines.index("  - id: protests") + 2
    assert lines[at - 1].strip() == "text: >-"
    assert (f"content/cases/{CASE}/case.yaml:{at}: {LEAK}: this text repeats a clause of "
            f"restricted text (restricted: content/cases/{CASE}/case.yaml:") in out, out
    assert ": fact:relatives-in-seoul)" in out


@pytest.mark.slow
def test_a_handout_is_checked_for_korean_translations_of_restricted_facts(
        example: Path) -> None:
    root = example.parent
    restricted = f"case:{CASE}:fact:relatives-in-seoul"
    public = f"case:{CASE}:fact:seeking-asylum"  # on the handout

    def repeat(messages: dict[str, Message]) -> None:
        target = messages[public]
        target.string = f"{target.string} {messages[restricted].string}"

    messages: dict[str, Message] = {}
    change_po(root, messages.update, KO_RESTRICTED_PO)
    change_po(root, lambda public: repeat({**public, restricted: messages[restricted]}))
    code, out = build(example, "--doc", "handout")
    assert code == 2, out
    assert LEAK in out
    assert (f"(restricted: {KO_RESTRICTED_PO}:" in out
            and ": fact:relatives-in-seoul)" in out)
    # Named at the translation that repeats it: the catalog entry to reword.
    lines = (root / KO_PO).read_text(encoding="utf-8").splitlines()
    entry = lines.index(f'msgctxt "{public}"')
    line = next(n for n in range(entry, len(lines)) if lines[n].startswith("msgstr")) + 1
    assert f"{KO_PO}:{line}: {LEAK}: this text repeats " in out
    assert not (root / "output").exists() or not any((root / "output").glob("*.pdf"))


def test_a_restricted_sentence_cut_by_a_page_break_is_found(project: Make) -> None:
    content = project("minimal")
    templates = own_templates(content)
    # A page with room for about three lines of text: the sentence, seven lines long, is
    # on no one page.
    edit(templates / "brief.css", "@page {\n  margin: 20mm 19mm 22mm 19mm;",
         "@page {\n  margin: 20mm 19mm 22mm 19mm; size: 100mm 55mm !important;")
    secret = ("Their cousin, who has lived for eleven years in the house behind the old "
              "harbour market of Springfield, keeps the papers of both of them in a box "
              "under the stairs of the bakery on the corner")
    edit(content / SAMPLE, "text: Their cousin lives in Springfield", f"text: {secret}")
    edit(content / SAMPLE, "The two were stopped at a checkpoint.",
         f"The two were stopped at a checkpoint. {secret}.")
    code, out = build(content, "--audience", "party-state")
    assert code == 2, out
    # On no one page: found in the HTML only.
    assert "this text repeats restricted text (restricted: " in out
    assert "sample-case_brief_party-state_en.pdf (the document text)" in out


def test_a_public_brief_names_no_source_only_restricted_items_cite(project: Make) -> None:
    import json

    content = project("minimal")
    (content / "sources/sources.yaml").write_text(
        (content / "sources/sources.yaml").read_text(encoding="utf-8")
        + "  - id: cousin-interview-springfield\n    outlet: not stated\n"
          "    title: Interview\n    author: not stated\n    date: not stated\n"
          "    language: en\n", encoding="utf-8")
    edit(content / SAMPLE, "    status: reported\n    sources: [src-b]\n    sensitivity",
         "    status: reported\n    sources: [cousin-interview-springfield]\n    sensitivity")
    for args in ([], ["--include-restricted"]):
        code, out = build(content, "--audience", "party-state", *args)
        assert code == 0, out
    entries = {e["classification"]: e for e in
               json.loads((content.parent / "output/manifest.json").read_text())["outputs"]}
    assert "sources.yaml (source cousin-interview-springfield)" in " ".join(
        entries["restricted"]["inputs"])
    assert "cousin-interview" not in json.dumps(entries["public"])
    assert "src-b" in json.dumps(entries["public"])


def test_another_case_s_restricted_item_made_public_fails_the_build(project: Make) -> None:
    # Pasted from one case into another, a restricted fact stays restricted material.
    content = project("minimal")
    other = content / "cases/other-case/case.yaml"
    other.parent.mkdir()
    other.write_text((content / SAMPLE).read_text()
                     .replace("id: sample-case", "id: other-case", 1)
                     .replace("id: secret-fact", "id: cousin", 1)
                     .replace("sensitivity: restricted\n  - id: when",
                              "sensitivity: public\n  - id: when", 1))
    code, out = build(content)
    assert code == 2
    assert (f"content/cases/other-case/case.yaml:25: {LEAK}: this text repeats restricted "
            "text (restricted: content/cases/sample-case/case.yaml:25: "
            "fact:secret-fact); printed in other-case_brief_party-state_en.pdf") in " ".join(
                out.split())
    assert not (content.parent / "output").exists() or not any(
        (content.parent / "output").glob("*.pdf"))


@given(st.text(st.sampled_from("ab 대위 -\n"), max_size=60),
       st.lists(st.text(st.sampled_from("ab 대위-"), min_size=1, max_size=12), min_size=1,
                max_size=40))
def test_the_prefilter_keeps_every_restricted_text_a_full_search_finds(
        hay: str, texts: list[str]) -> None:
    # Enough needles for the prefilter to work; some are pieces of the haystack itself.
    from briefgen.pdfcheck import _candidates, _contains, _page_readings, _squash

    pieces = [hay[i:i + 9] for i in range(0, len(hay), 7)]
    targets = sorted(((t, _squash(t)[0]) for t in [*texts, *pieces, *texts]),
                     key=lambda pair: len(pair[1]))
    readings = _page_readings(hay)
    kept = set(_candidates(targets, [len(t) for _, t in targets], readings))
    for pair in targets:
        if any(_contains(reading, pair[1]) for reading in readings):
            assert pair in kept
