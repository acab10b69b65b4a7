"""Turn the font pipeline's promises into checks against the real Debian font files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from briefgen.errors import FontError, ProblemReport
from briefgen.fonts import (
    CACHE_ENV,
    FontSet,
    default_cache_dir,
    load_fonts,
    prepare_fonts,
)
from briefgen.fontspec import (
    DEFAULT_SPEC,
    FaceSpec,
    load_spec,
    specs_serving,
    unserved_roles,
)

NOTO_SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTO_SANS_CJK_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
NOTO_SERIF = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
NOTO_SANS_ARABIC = "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"

# A spec small enough to prepare in about a second: the mechanics (extraction from a
# collection, subsetting, stamps, determinism) are the same as for the real one.
SMALL_SPEC = f"""\
ranges:
  latin: [U+0020-007E]
  hangul: [U+AC00-AC20, U+D55C, U+AD6D]
families:
  - family: Test Sans KR
    role: sans
    languages: [ko]
    package: fonts-noto-cjk
    collection_face: Noto Sans CJK KR
    subset: [latin, hangul]
    faces:
      - {{weight: 400, style: normal, file: {NOTO_SANS_CJK}}}
      - {{weight: 700, style: normal, file: {NOTO_SANS_CJK_BOLD}}}
  - family: Test Serif
    role: serif
    languages: [en]
    package: fonts-noto-core
    faces:
      - {{weight: 400, style: normal, file: {NOTO_SERIF}}}
"""


def shared_font_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache for the real fonts.yaml: $BRIEFGEN_FONT_CACHE, else one per session.

    Preparing every face from scratch takes a few minutes (the CJK subsets), so a
    developer or CI can point BRIEFGEN_FONT_CACHE at a persistent folder such as
    .cache/fonts. test_typesetter.py uses the same folder.
    """
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else tmp_path_factory.getbasetemp() / "fonts"


@pytest.fixture(scope="session")
def fonts(tmp_path_factory: pytest.TempPathFactory) -> FontSet:
    return load_fonts(shared_font_cache(tmp_path_factory))


@pytest.fixture
def small_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "fonts.yaml"
    spec.write_text(SMALL_SPEC, encoding="utf-8")
    return spec


# --- the configuration -------------------------------------------------------------


def test_project_spec_names_every_family_and_face() -> None:
    specs = load_spec(DEFAULT_SPEC)
    faces = {(s.family, s.weight, s.style) for s in specs}
    assert faces == {
        ("Brief Serif", 400, "normal"),
        ("Brief Serif", 700, "normal"),
        ("Brief Serif", 400, "italic"),
        ("Brief Serif", 700, "italic"),
        ("Brief Sans", 400, "normal"),
        ("Brief Sans", 700, "normal"),
        *((f"Brief {kind} {script}", weight, "normal")
          for kind in ("Serif", "Sans") for script in ("KR", "SC", "JP")
          for weight in (400, 700)),
    }  # fmt: skip
    by_family = {s.family: s for s in specs}
    assert by_family["Brief Serif KR"].collection_face == "Noto Serif CJK KR"
    assert by_family["Brief Sans SC"].collection_face == "Noto Sans CJK SC"
    assert by_family["Brief Serif JP"].collection_face == "Noto Serif CJK JP"
    assert by_family["Brief Sans JP"].collection_face == "Noto Sans CJK JP"
    assert by_family["Brief Serif"].unicodes is None  # Latin faces are kept whole


def _covers(ranges: tuple[tuple[int, int], ...] | None, start: int, end: int) -> bool:
    return ranges is not None and any(a <= start and end <= b for a, b in ranges)


def test_project_spec_subsets_cjk_faces_by_script() -> None:
    for spec in load_spec(DEFAULT_SPEC):
        if spec.family.endswith(" KR"):
            assert _covers(spec.unicodes, 0xAC00, 0xD7A3)
            assert _covers(spec.unicodes, 0x3130, 0x318F)
            assert not _covers(spec.unicodes, 0x4E00, 0x4E00)
        if spec.family.endswith(" SC"):
            assert _covers(spec.unicodes, 0x4E00, 0x9FFF)
            assert not _covers(spec.unicodes, 0xAC00, 0xAC00)
            assert not _covers(spec.unicodes, 0x3041, 0x3041)
        if spec.family.endswith(" JP"):
            assert _covers(spec.unicodes, 0x3040, 0x30FF)  # hiragana and katakana
            assert _covers(spec.unicodes, 0x4E00, 0x9FFF)
            assert _covers(spec.unicodes, 0x3000, 0x303F)  # 、。「」々〜
            assert _covers(spec.unicodes, 0xFF00, 0xFFEF)  # fullwidth forms, ｶﾀｶﾅ
            assert not _covers(spec.unicodes, 0xAC00, 0xAC00)
        if spec.unicodes is not None:
            for char in " ~é‘’“”•…→":
                assert _covers(spec.unicodes, ord(char), ord(char)), (spec.family, char)


def test_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    spec.write_text(SMALL_SPEC.replace("    role: sans\n", "    role: sans\n    colour: red\n"))
    with pytest.raises(FontError) as caught:
        load_spec(spec)
    assert "colour" in str(caught.value)
    assert caught.value.line == 7


def test_a_misspelt_key_is_reported_as_such_not_as_the_key_missing(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    assert "    package: fonts-noto-cjk\n" in SMALL_SPEC
    spec.write_text(SMALL_SPEC.replace("    package: fonts-noto-cjk\n",
                                       "    packge: fonts-noto-cjk\n", 1))
    with pytest.raises(FontError) as caught:
        load_spec(spec)
    assert "unknown key 'packge' (did you mean 'package'?)" in str(caught.value)
    assert "missing" not in str(caught.value)


def test_every_problem_of_the_spec_is_reported_in_one_pass(tmp_path: Path) -> None:
    spec = tmp_path / "templates/fonts.yaml"
    spec.parent.mkdir()
    text = (SMALL_SPEC.replace("U+D55C", "D55C")
            .replace("subset: [latin, hangul]", "subset: [latin, hanggul]")
            .replace("{weight: 700, style: normal", "{weight: 700, style: oblique")
            .replace("role: serif", "role: roman"))
    spec.write_text(text)
    with pytest.raises(ProblemReport) as caught:
        load_spec(spec)
    assert [(e.line, e.field) for e in caught.value.errors] == [
        (3, "ranges.hangul"),
        (10, "families[1].subset"),
        (13, "families[1].faces[2].style"),
        (15, "families[2].role"),
    ], caught.value.lines()
    assert all(e.path == "templates/fonts.yaml" for e in caught.value.errors)


def test_bad_range_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    spec.write_text(SMALL_SPEC.replace("U+0020-007E", "0020-007E"))
    with pytest.raises(FontError, match="U\\+XXXX"):
        load_spec(spec)


# --- preparation -------------------------------------------------------------------


def test_preparation_is_byte_identical_and_reused(tmp_path: Path, small_spec: Path) -> None:
    first = prepare_fonts(tmp_path / "a", spec_path=small_spec)
    second = prepare_fonts(tmp_path / "b", spec_path=small_spec)
    assert [f.path.name for f in first.faces] == [
        "test-sans-kr-400-normal.otf",
        "test-sans-kr-700-normal.otf",
        "test-serif-400-normal.ttf",
    ]
    for one, two in zip(first.faces, second.faces, strict=True):
        assert one.path.read_bytes() == two.path.read_bytes()

    messages: list[str] = []
    again = prepare_fonts(tmp_path / "a", spec_path=small_spec, progress=messages.append)
    assert again.report.built == ()
    assert messages == []
    assert [f.path for f in again.faces] == [f.path for f in first.faces]


def test_a_changed_spec_or_damaged_file_is_prepared_again(tmp_path: Path, small_spec: Path) -> None:
    prepare_fonts(tmp_path, spec_path=small_spec)
    (tmp_path / "test-sans-kr-700-normal.otf").write_bytes(b"truncated")
    again = prepare_fonts(tmp_path, spec_path=small_spec)
    assert [r.stem for r in again.report.built] == ["test-sans-kr-700-normal"]

    small_spec.write_text(SMALL_SPEC.replace("U+D55C,", "U+D55C, U+AE00,"))
    changed = prepare_fonts(tmp_path, spec_path=small_spec)
    assert {r.stem for r in changed.report.built} == {
        "test-sans-kr-400-normal",
        "test-sans-kr-700-normal",
    }
    assert ord("글") in changed.cmap(changed.faces[0])

    forced = prepare_fonts(tmp_path, spec_path=small_spec, force=True)
    assert len(forced.report.built) == 3


def test_before_preparing_hears_of_the_faces_to_build_and_can_stop_it(
        tmp_path: Path, small_spec: Path) -> None:
    heard: list[list[str]] = []

    def listen(faces: Sequence[FaceSpec]) -> None:
        heard.append([face.stem for face in faces])

    prepare_fonts(tmp_path, spec_path=small_spec, languages=["en"], before_preparing=listen)
    assert heard == [["test-serif-400-normal"]]
    prepare_fonts(tmp_path, spec_path=small_spec, languages=["en"], before_preparing=listen)
    assert len(heard) == 1, "nothing to build: not called"

    def refuse(faces: Sequence[FaceSpec]) -> None:
        raise FontError("stop")

    with pytest.raises(FontError, match="stop"):
        prepare_fonts(tmp_path, spec_path=small_spec, before_preparing=refuse)
    assert not list(tmp_path.glob("test-sans-kr-*")), "stopped before building any face"


def test_languages_are_matched_as_the_typesetter_matches_them(small_spec: Path) -> None:
    specs = load_spec(small_spec)
    # A region or script subtag is set in the language configured without it.
    assert [s.family for s in specs_serving(specs, ["ko-KR"])] == ["Test Sans KR"] * 2
    assert [s.family for s in specs_serving(specs, ["EN-gb"])] == ["Test Serif"]
    assert specs_serving(specs, ["vi"]) == []
    assert unserved_roles(specs, "en-GB") == ("sans",)
    assert unserved_roles(specs, "ko") == ("serif",)
    assert unserved_roles(specs, "vi") == ("serif", "sans")
    assert unserved_roles(load_spec(DEFAULT_SPEC), "ko-KR") == ()


def test_subset_keeps_exactly_the_configured_characters(tmp_path: Path, small_spec: Path) -> None:
    fonts = prepare_fonts(tmp_path, spec_path=small_spec)
    regular, bold, serif = fonts.faces
    wanted = {*range(0x20, 0x7F), *range(0xAC00, 0xAC21), 0xD55C, 0xAD6D}
    assert fonts.cmap(regular) == wanted
    assert fonts.cmap(bold) == wanted
    assert len(fonts.cmap(serif)) > 2000  # kept whole
    assert (regular.postscript_name, bold.postscript_name) == (
        "NotoSansCJKkr-Regular",
        "NotoSansCJKkr-Bold",
    )
    with TTFont(regular.path, lazy=True) as font:
        with TTFont(NOTO_SANS_CJK, fontNumber=1, lazy=True) as source:
            # No clock in the file: the head dates are the source's.
            assert font["head"].modified == source["head"].modified
        assert "vmtx" not in font
        features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
        assert "locl" in features


def test_missing_font_file_names_file_and_package(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    spec.write_text(SMALL_SPEC.replace(NOTO_SERIF, "/usr/share/fonts/none/Gone-Regular.ttf"))
    with pytest.raises(FontError) as caught:
        prepare_fonts(tmp_path / "cache", spec_path=spec)
    message = str(caught.value)
    assert "/usr/share/fonts/none/Gone-Regular.ttf" in message
    assert "(apt-get install fonts-noto-core), or correct the path" in message
    assert caught.value.line and caught.value.field and caught.value.field.endswith(".file")
    assert str(tmp_path) not in message.split(":")[0]  # fonts.yaml named from the project


def test_collection_face_is_chosen_by_name(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    spec.write_text(SMALL_SPEC.replace("Noto Sans CJK KR", "Noto Sans CJK XX"))
    with pytest.raises(ProblemReport) as caught:
        prepare_fonts(tmp_path / "cache", spec_path=spec)
    # Both faces of the family name the collection face: each file is reported.
    files = {file for e in caught.value.errors
             for file in (NOTO_SANS_CJK, NOTO_SANS_CJK_BOLD) if f" {file} " in e.message}
    assert files == {NOTO_SANS_CJK, NOTO_SANS_CJK_BOLD} and len(caught.value.errors) == 2
    for error in caught.value.errors:
        assert "has no face 'Noto Sans CJK XX'" in error.message
        assert error.hint and "Noto Sans CJK KR" in error.hint  # what is there


def test_face_of_the_wrong_weight_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "fonts.yaml"
    spec.write_text(SMALL_SPEC.replace(NOTO_SANS_CJK_BOLD, NOTO_SANS_CJK))
    with pytest.raises(FontError, match="is 400 normal"):
        prepare_fonts(tmp_path / "cache", spec_path=spec)


def test_default_cache_dir_honours_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert default_cache_dir(tmp_path) == tmp_path / ".cache" / "fonts"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    assert default_cache_dir(tmp_path) == tmp_path / "elsewhere"


# --- the prepared project fonts ----------------------------------------------------


@pytest.mark.slow
def test_family_stacks(fonts: FontSet) -> None:
    assert fonts.languages == ("en", "ko", "zh-Hans", "ja")
    assert fonts.family_stack("en", "serif") == ["Brief Serif"]
    assert fonts.family_stack("en", "sans") == ["Brief Sans"]
    assert fonts.family_stack("ko", "serif") == ["Brief Serif KR"]
    assert fonts.family_stack("ko-KR", "sans") == ["Brief Sans KR"]
    assert fonts.family_stack("zh-Hans", "serif") == ["Brief Serif SC"]
    assert fonts.family_stack("zh-hans-CN", "sans") == ["Brief Sans SC"]
    assert fonts.family_stack("ja", "serif") == ["Brief Serif JP"]
    assert fonts.family_stack("ja-JP", "sans") == ["Brief Sans JP"]
    with pytest.raises(FontError, match="'ar'"):
        fonts.family_stack("ar", "serif")


@pytest.mark.slow
def test_missing_chars(fonts: FontSet) -> None:
    korean = "대한민국 헌법 제1조 ① 대한민국은 민주공화국이다. “인용” — 끝… ㈜ ㄱ"
    assert fonts.missing_chars(korean, "ko", "serif") == []
    assert fonts.missing_chars(korean, "ko", "sans") == []
    assert fonts.missing_chars("中华人民共和国宪法，第一条。", "zh-Hans", "serif") == []
    japanese = "日本国憲法第9条「戦争の放棄」、キャッチャー々ゝ・〜ｶﾀｶﾅ（注）山﨑 UNHCR 2015年…"
    assert fonts.missing_chars(japanese, "ja", "serif") == []
    assert fonts.missing_chars(japanese, "ja", "sans") == []
    assert fonts.missing_chars("Straße, café, naïve — “quoted” … •", "en", "serif") == []
    # Reported once each, in order of appearance; Hanja is not in the KR subset.
    assert fonts.missing_chars("가☃나ا☃中", "ko", "serif") == ["☃", "ا", "中"]
    assert fonts.missing_chars("한국어", "zh-Hans", "sans") == ["한", "국", "어"]
    assert fonts.missing_chars("ひらがな한", "ja", "serif") == ["한"]
    # Layout characters that are never drawn are not reported.
    invisible = "가\n\t\r\u00ad\u200b\u200c\u200d\u2060\ufeff\ufe0f\u202f\u2009나"
    assert fonts.missing_chars(invisible, "ko", "serif") == []


@pytest.mark.slow
def test_soft_hyphen_needs_the_hyphen_glyph(fonts: FontSet) -> None:
    # Where a line breaks at U+00AD, WeasyPrint draws U+2010, so it must be covered.
    assert "\u2010" in {chr(cp) for cp in fonts.cmap(fonts.faces[0])}
    assert fonts.missing_chars("hy\u00adphen", "en", "serif") == []


@pytest.mark.slow
def test_face_css(fonts: FontSet) -> None:
    css = fonts.face_css(lambda path: f"fonts/{path.name}")
    assert css.count("@font-face") == 18
    assert (
        '@font-face {\n  font-family: "Brief Serif KR";\n'
        '  src: url("fonts/brief-serif-kr-700-normal.otf") format("opentype");\n'
        "  font-weight: 700;\n  font-style: normal;\n}\n"
    ) in css
    assert 'url("fonts/brief-serif-400-italic.ttf") format("truetype")' in css
    only_korean = fonts.face_css(lambda path: path.as_uri(), languages=["ko-KR"])
    assert only_korean.count("@font-face") == 4
    assert "Brief Serif SC" not in only_korean
    only_japanese = fonts.face_css(lambda path: path.as_uri(), languages=["ja"])
    assert only_japanese.count("@font-face") == 4
    assert "Brief Serif KR" not in only_japanese and "Brief Serif SC" not in only_japanese


@pytest.mark.slow
def test_prepared_faces_are_small_subsets(fonts: FontSet) -> None:
    sizes = {face.path.name: face.path.stat().st_size for face in fonts.faces}
    assert sizes["brief-sans-kr-400-normal.otf"] < 4_000_000  # the full face is 16 MB
    assert sizes["brief-serif-kr-400-normal.otf"] < 6_000_000  # the full face is 24 MB
    kr = next(face for face in fonts.faces if face.path.name == "brief-sans-kr-400-normal.otf")
    covered = fonts.cmap(kr)
    assert set(range(0xAC00, 0xD7A4)) <= covered
    assert not covered & set(range(0x4E00, 0xA000))
    jp = next(face for face in fonts.faces if face.path.name == "brief-serif-jp-400-normal.otf")
    assert jp.path.stat().st_size < 20_000_000  # han and kana are most of its glyphs
    covered = fonts.cmap(jp)
    assert set(range(0x3041, 0x3097)) <= covered  # every hiragana
    assert not covered & set(range(0xAC00, 0xD7A4))


@pytest.mark.slow
def test_face_for_font_program(fonts: FontSet) -> None:
    face = fonts.faces[0]
    assert fonts.face_for_font_program(face.path.read_bytes()) == face
    assert fonts.face_for_font_program(b"not a font") is None
    assert fonts.face_for_font_program(Path(NOTO_SANS_ARABIC).read_bytes()) is None


def test_spec_errors_count_from_one_and_name_the_file_from_the_project(tmp_path: Path) -> None:
    spec = tmp_path / "templates/fonts.yaml"
    spec.parent.mkdir()
    spec.write_text(SMALL_SPEC.replace("{weight: 400, style: normal, file: "
                                       f"{NOTO_SERIF}}}",
                                       f"{{weight: 750, style: normal, file: {NOTO_SERIF}}}"))
    with pytest.raises(FontError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(
        "templates/fonts.yaml:19: families[2].faces[1].weight: '750' is not one of 400, 700")


def test_a_font_cache_that_is_a_file_is_named_with_its_variable(
        tmp_path: Path, small_spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = tmp_path / "cache"
    taken.write_text("a file", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(taken))
    with pytest.raises(FontError) as caught:
        prepare_fonts(taken, spec_path=small_spec)
    assert str(caught.value).startswith(
        f"{taken}: cannot use the font cache ($BRIEFGEN_FONT_CACHE): it is a file, not a "
        "directory")
