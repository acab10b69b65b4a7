"""Fuzzing: mutated content ends in a build or a clean content error, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from briefgen.cli import app
from briefgen.pdfcheck import contains

from .conftest import REPO, SAMPLES

ODD = ["\u200f", "\u200d", "\u0301", "\U0001f600", "\ud800", "\u202e", "\ufeff", "\x00",
       "\u00a0", "\u3000", "한", "漢", "'", '"', ":", "- ", "#", "&a", "*a", "!!int "]


def load(path: Path) -> Any:
    # "base": every scalar stays a string, so the dump writes back what was read.
    return YAML(typ="base", pure=True).load(path.read_text(encoding="utf-8"))


def dump(path: Path, data: Any) -> None:
    # JSON is YAML 1.2; json.dumps escapes lone surrogates, so they reach the reader.
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*prefix, index))
    return found


def mutate(data: Any, path: tuple[Any, ...], how: str, odd: str) -> Any:
    if not path:
        return {"dropped": True} if how == "drop" else data
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    value = parent[key]
    if how == "drop":
        del parent[key]
    elif how == "list":
        parent[key] = [value]
    elif how == "map":
        parent[key] = {"value": value}
    elif how == "number":
        parent[key] = 12
    elif how == "empty":
        parent[key] = ""
    elif how == "odd":
        parent[key] = f"{value}{odd}" if isinstance(value, str) else odd
    return data


def run(command: str, content: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [command, "--content", str(content), *extra])
    return result.exit_code, result.stdout + result.stderr


mutations = st.tuples(st.sampled_from(["drop", "list", "map", "number", "empty", "odd"]),
                      st.sampled_from(ODD), st.integers(min_value=0, max_value=10_000))


def _apply(root: Path, rel: str, how: str, odd: str, pick: int) -> None:
    file = root / rel
    data = load(file)
    options = paths(data)
    dump(file, mutate(data, options[pick % len(options)], how, odd))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["cases/sample-case/case.yaml", "sources/sources.yaml",
                        "law/treaty.yaml", "actors/actors.yaml", "project.yaml"]), mutations)
def test_mutated_sample_validates_or_fails_cleanly(tmp_path: Path, rel: str,
                                                   mutation: tuple[str, str, int]) -> None:
    root = tmp_path / "fuzz"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(SAMPLES / "minimal", root / "content")
    _apply(root / "content", rel, *mutation)
    code, out = run("validate", root / "content")
    assert code in (0, 2), out
    assert "Traceback" not in out and "internal error" not in out, out


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutations)
def test_mutated_example_builds_or_fails_cleanly(tmp_path: Path,
                                                 mutation: tuple[str, str, int]) -> None:
    root = tmp_path / "fuzz"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "locales", root / "locales")
    _apply(root / "content", "cases/vietnam-nine-2015/case.yaml", *mutation)
    code, out = run("build", root / "content", "--locale", "en", "--audience", "china",
                    "--jobs", "1")
    assert code in (0, 2), out
    assert "Traceback" not in out and "internal error" not in out, out


# -- restricted text: never leaks, never a false alarm ---------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=9)


@given(words, words)
def test_a_restricted_word_inside_a_longer_public_word_is_no_leak(secret: str,
                                                                  prefix: str) -> None:
    assert not contains(f"The {prefix}{secret} was seen.", secret)
    assert not contains(f"The {secret}{prefix} was seen.", secret)
    assert contains(f"The {prefix} {secret} was seen.", secret)
    assert contains(f"The {prefix}\n{secret.upper()}.", secret)


@given(st.text(alphabet="가나다라마바사아자차카타파하대위", min_size=2, max_size=6),
       st.sampled_from(["가", "는", "의", "에게"]))
def test_korean_restricted_words_are_found_with_particles(secret: str, particle: str) -> None:
    assert contains(f"그 사람은 {secret}{particle} 되었다", secret)


def _contains_by_characters(haystack: str, needle: str) -> bool:
    """``contains`` spelled out one character at a time, to hold the real one to."""
    import unicodedata

    def squash(text: str) -> tuple[str, list[bool]]:
        chars, spaced, gap = [], [], True
        for char in unicodedata.normalize("NFKC", text).casefold():
            if not char.isalnum():  # spaces, punctuation and hyphens separate words
                gap = True
            else:
                chars.append(char)
                spaced.append(gap)
                gap = False
        return "".join(chars), spaced

    def word(char: str) -> bool:
        unspaced = unicodedata.name(char, "").startswith(("CJK", "HANGUL", "HIRAGANA",
                                                           "KATAKANA"))
        return char.isalnum() and not unspaced

    def hangul(char: str) -> bool:
        return unicodedata.name(char, "").startswith("HANGUL")

    def apart(text: str) -> set[int]:
        """Where the needle has a space between two letters of a spaced script."""
        joined, found, gap = "", set(), ""
        for char in unicodedata.normalize("NFKC", text).casefold():
            if not char.isalnum():
                gap += char
                continue
            if joined and any(c.isspace() for c in gap) and word(joined[-1]) and word(char):
                found.add(len(joined))
            joined, gap = joined + char, ""
        return found

    hay, spaced = squash(haystack)
    target, own_spaces = squash(needle)
    # A Korean text whose first word has three syllables may start inside a word, but
    # then not span a space of the public text that it does not have itself.
    first_word = next((at for at in range(1, len(target)) if own_spaces[at]), len(target))
    inside = sum(map(hangul, target[:first_word])) >= 3

    def started_inside(start: int) -> bool:
        return inside and all(own_spaces[at] or not spaced[start + at]
                              for at in range(1, len(target)))

    return bool(target) and any(
        hay[start:start + len(target)] == target
        and (spaced[start] or (started_inside(start) if hangul(target[0])
                               else not (word(target[0]) and word(hay[start - 1]))))
        and (start + len(target) == len(hay) or spaced[start + len(target)]
             or not (word(target[-1]) and word(hay[start + len(target)])))
        and all(spaced[start + at] for at in apart(needle))
        for start in range(len(hay) - len(target) + 1))


spaces = st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", "\u3000"])
tokens = st.text(alphabet="abAB.,-대위가리철호漢字ﬁ", min_size=1, max_size=5)


@given(st.lists(st.tuples(tokens, spaces), max_size=6), st.data())
def test_contains_agrees_with_a_character_by_character_reading(
        parts: list[tuple[str, str]], data: st.DataObject) -> None:
    haystack = "".join(token + space for token, space in parts)
    count = len(parts)
    first = data.draw(st.integers(0, count))
    words = " ".join(token for token, _space in parts[first:data.draw(st.integers(first, count))])
    # Whole words, a cut of them, a cut of the text and an unrelated string: the first
    # two are found often, so both sides of every boundary test are reached.
    needles = [words, words[data.draw(st.integers(0, 2)):], haystack[first:first + 4],
               data.draw(tokens)]
    for needle in needles:
        assert contains(haystack, needle) == _contains_by_characters(haystack, needle), needle


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(words, words)
def test_generated_restricted_text_never_reaches_a_public_pdf(tmp_path: Path, secret: str,
                                                             prefix: str) -> None:
    from briefgen.pdfcheck import pdf_strings

    root = tmp_path / "leak"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(SAMPLES / "minimal", root / "content")
    case = root / "content/cases/sample-case/case.yaml"
    text = case.read_text()
    text = text.replace("Their cousin lives in Springfield", f"Codeword {secret} applies")
    # A public fact carrying the secret inside a longer word must not raise an alarm.
    text = text.replace("The two were stopped at a checkpoint.",
                        f"The two were stopped at checkpoint {prefix}{secret}.")
    case.write_text(text)
    code, out = run("build", root / "content", "--audience", "party-state", "--jobs", "1")
    assert code == 0, out
    pdf = (root / "output/sample-case_brief_party-state_en.pdf").read_bytes()
    for _where, extracted in pdf_strings(pdf):
        assert not contains(extracted, f"Codeword {secret} applies")
