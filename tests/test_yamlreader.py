"""The YAML reader: every scalar is the author's text, every node knows its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.errors import BriefgenError, ContentError, ProblemReport
from briefgen.files import STRAY_INVISIBLE_CHARS
from briefgen.yamlreader import MAX_FILE_BYTES, YMap, YScalar, YSeq, parse_yaml, read_yaml


def scalar(text: str, key: str) -> str:
    node = parse_yaml(text, "t.yaml")
    assert isinstance(node, YMap)
    value = node.get(key)
    assert isinstance(value, YScalar)
    return value.text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("country: NO", "NO"),
        ("answer: yes", "yes"),
        ("version: 1.10", "1.10"),
        ("code: 010", "010"),
        ("time: 1:20", "1:20"),
        ("date: 2015-10-22", "2015-10-22"),
        ("empty: ~", "~"),
    ],
)
def test_yaml_11_surprises_stay_text(source: str, expected: str) -> None:
    assert scalar(source, source.split(":")[0]) == expected


def test_nodes_carry_lines() -> None:
    node = parse_yaml("a: 1\nlist:\n  - x\n  - y\n", "t.yaml")
    assert isinstance(node, YMap)
    items = node.get("list")
    assert isinstance(items, YSeq)
    assert [i.line for i in items.items] == [3, 4]


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first given on line 1)"),
        ("a: &x 1\nb: *x\n", 1, "anchors and aliases"),
        ("a:\n\tb: 1\n", 2, "tab used for indentation"),
        ("a: [1,\n", 2, "YAML syntax error"),
        # The parser's own words are kept, after what they mean.
        ("a:\n  - id: x\n  to: [y]\n", 3, "YAML syntax error: this line is indented "
         "differently from the lines around it (the keys of one item, and the dashes of one "
         "list, must start in the same column) [YAML: expected <block end>"),
        ("a: b: c\n", 1, "a colon where none may be (a value that holds ': ' must be "
         "quoted) [YAML: mapping values are not allowed here]"),
        ('a: "open\n', 2, "the file ends inside a quote or a bracket"),
        ("a: !custom x\n", 1, "YAML tag !custom is not supported"),
        ("base: {x: 1}\nother:\n  <<: {y: 2}\n", 3, "merge keys"),
    ],
)
def test_refused_yaml(source: str, line: int, fragment: str) -> None:
    with pytest.raises(ContentError) as info:
        parse_yaml(source, "t.yaml")
    assert info.value.line == line
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"t.yaml:{line}: ")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    with pytest.raises(ContentError, match="anchors and aliases"):
        parse_yaml("\n".join(lines), "bomb.yaml")


def test_bom_is_accepted(tmp_path: Path) -> None:
    file = tmp_path / "bom.yaml"
    file.write_bytes(b"\xef\xbb\xbfname: value\n")
    node = read_yaml(file, "bom.yaml")
    assert isinstance(node, YMap)
    assert isinstance(node.get("name"), YScalar)


def test_non_utf8_names_line(tmp_path: Path) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes(b"a: 1\nname: caf\xe9\n")
    with pytest.raises(ContentError) as info:
        read_yaml(file, "latin1.yaml")
    assert info.value.line == 2
    assert "not valid UTF-8" in str(info.value)


def test_empty_file_is_none(tmp_path: Path) -> None:
    file = tmp_path / "empty.yaml"
    file.write_text("# only a comment\n")
    assert read_yaml(file, "empty.yaml") is None


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    file = tmp_path / "huge.yaml"
    file.write_bytes(b"a: " + b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ContentError, match="content files may be at most"):
        read_yaml(file, "huge.yaml")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"),
                                      blacklist_characters=STRAY_INVISIBLE_CHARS), max_size=80))
def test_any_quoted_text_round_trips(text: str) -> None:
    # JSON strings are valid YAML 1.2 double-quoted scalars.
    assert scalar(f"value: {json.dumps(text, ensure_ascii=False)}\n", "value") == text


@given(st.text(alphabet="abc 대위", max_size=10), st.sampled_from(STRAY_INVISIBLE_CHARS),
       st.text(alphabet="abc 대위", max_size=10))
def test_a_stray_invisible_character_is_refused_at_its_column(
        before: str, char: str, after: str) -> None:
    with pytest.raises(ContentError) as caught:
        scalar(f"value: x\nother: '{before}{char}{after}'\n", "value")
    assert caught.value.line == 2
    assert f"U+{ord(char):04X}" in str(caught.value)
    column = len("other: '") + len(before) + 1
    assert f"at column {column}" in str(caught.value)


def test_a_stray_invisible_character_is_collected_and_the_file_read_on(
        tmp_path: Path) -> None:
    # Reading on lets the loader report the file's other problems in the same pass.
    file = tmp_path / "case.yaml"
    file.write_text('title: A\u200b case\nsummary: "Two\\u2060 people"\nstatus: bad\n',
                    encoding="utf-8")
    cache = tmp_path / "cache"
    for _ in range(2):  # parsed, then from the cache: the problems come with the tree
        problems: list[BriefgenError] = []
        node = read_yaml(file, "case.yaml", cache, problems)
        assert isinstance(node, YMap)
        assert [key.text for key, _ in node.entries] == ["title", "summary", "status"]
        assert [(e.line, e.message) for e in problems] == [
            (1, "invisible character U+200B (zero width space) at column 9"),
            (2, "the value holds an invisible character U+2060 (word joiner) at column 4, "
                "written as an escape")]
        assert len(list(cache.iterdir())) == 1
        # Asked for the tree alone, they are raised.
        with pytest.raises(ProblemReport) as caught:
            read_yaml(file, "case.yaml", cache)
        assert [str(e) for e in caught.value.each()] == [str(e) for e in problems]


def test_an_invisible_character_that_breaks_the_syntax_is_named_with_the_error() -> None:
    with pytest.raises(ProblemReport) as caught:
        parse_yaml("status:\u200b ongoing\ntitle: x\n", "t.yaml", [])
    invisible, syntax = caught.value.each()
    assert (invisible.line, syntax.line) == (1, 2)
    assert invisible.message.startswith("invisible character U+200B (zero width space)")
    assert syntax.message.startswith("YAML syntax error")


def test_a_file_that_cannot_be_read_is_named_as_the_project_shows_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefgen.catalogs import read_catalog
    from briefgen.stamps import FileDigests

    case = tmp_path / "content/cases/c/case.yaml"
    po = tmp_path / "locales/ko/shared.po"
    for path in (case, po):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"")
    real = Path.read_bytes

    def refused(self: Path) -> bytes:
        if self in (case, po):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    # Root reads files whatever their mode, so the refusal is simulated.
    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(ContentError) as yaml_error:
        read_yaml(case, "content/cases/c/case.yaml")
    assert str(yaml_error.value) == "content/cases/c/case.yaml: cannot read file: " \
        "Permission denied (check the file's permissions)"
    with pytest.raises(ContentError) as po_error:
        read_catalog(po, "locales/ko/shared.po", "ko")
    assert str(po_error.value).startswith("locales/ko/shared.po: cannot read PO file: "
                                          "Permission denied")
    with pytest.raises(ContentError) as digest_error:
        FileDigests(tmp_path)(po)
    assert str(digest_error.value).startswith("locales/ko/shared.po: cannot read file")
