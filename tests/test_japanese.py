"""A project with a Japanese audience: add ``ja`` to its locales, update and translate
its catalogs, and get a brief set in the JP faces, as Korean and Chinese briefs are."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader
from typer.testing import CliRunner

from briefgen.catalogs import catalog_bytes
from briefgen.cli import app
from briefgen.fonts import default_cache_dir, load_fonts
from briefgen.fontspec import DEFAULT_SPEC, load_spec, specs_serving
from briefgen.linebreak import JAPANESE_NO_LINE_END, JAPANESE_NO_LINE_START
from briefgen.stamps import font_digest

from .conftest import REPO, add_handout, edit

Make = Callable[[str], Path]
runner = CliRunner()

# The minimal sample's English, translated. "Protect them." is left out: under
# translation_policy mark it is printed in English, marked, inside the Japanese brief.
JAPANESE = {
    # case.sample-case.po
    "A sample case": "サンプル事案",
    "Two people were stopped and handed over.": "2人が拘束され、引き渡された。",
    "Two adults.": "成人2人。",
    "Two adults": "成人2人",
    "One is a retired harbour pilot": "1人は退職した水先案内人である",
    "The two were stopped at a checkpoint.": "2人は検問所で拘束された。",
    "Their cousin lives in Springfield": "いとこはスプリングフィールドに住んでいる",
    "Date of the stop": "拘束の日付",
    "The stop was on 22 October.": "拘束は10月22日だった。",
    "The stop was on 23 October.": "拘束は10月23日だった。",
    "They set out.": "2人は出発した。",
    "The stop.": "拘束。",
    "A checkpoint": "検問所",
    "The treaty forbids returning them.": "条約は2人の送還を禁じている。",
    "Release them.": "2人を釈放すること。",
    # shared.po
    "Test Desk": "テスト・デスク",
    "Customary rule": "慣習法上の規則",
    "No state returns a refugee to persecution.": "いかなる国も、難民を迫害の待つ地へ送還しない。",
    "Example Treaty": "例示条約",
    "Treaty": "条約",
    "Treaty, art. 1": "条約第1条",
    "No return to danger.": "危険な地への送還の禁止。",
    "Example Agency": "エグザンプル機関",
    # templates.po
    "untranslated": "未翻訳",
    "Page {page} of {pages}": "{page} / {pages} ページ",
    "Contains restricted material: do not circulate": "取扱注意の情報を含む：配布禁止",
    "Public": "公開",
    "Prepared by %(organisation)s": "作成：%(organisation)s",
    "Build %(stamp)s": "ビルド %(stamp)s",
    "as of %(date)s": "%(date)s現在",
    "Confirmed": "確認済み",
    "Reported": "報告あり",
    "Disputed": "異論あり",
    "Ongoing": "継続中",
    "Resolved": "解決済み",
    "Status unknown": "状況不明",
    "High priority": "優先度：高",
    "Medium priority": "優先度：中",
    "Low priority": "優先度：低",
    "Signature": "署名",
    "Ratification": "批准",
    "Accession": "加入",
    "Succession": "承継",
    "Brief for meetings with %(audience)s": "%(audience)sとの会談用資料",
    "Embassy brief": "大使館向け資料",
    "As of": "時点",
    "Case status": "事案の状況",
    "Prepared by": "作成",
    "Summary": "概要",
    "Requests to %(audience)s": "%(audience)sへの要請",
    "The people concerned": "当事者",
    "Restricted": "取扱注意",
    "Key facts": "主な事実",
    "Where the sources disagree": "情報源の食い違い",
    "Timeline": "経緯",
    "Date": "日付",
    "Event": "出来事",
    "Place": "場所",
    "(summary)": "（要約）",
    "Unofficial translation": "非公式訳",
    "Obligations of %(audience)s": "%(audience)sの義務",
    "%(audience)s is a party to this treaty.": "%(audience)sはこの条約の締約国である。",
    "%(audience)s has signed but not ratified this treaty, so it is not bound by it as a "
    "party.": "%(audience)sはこの条約に署名したが批准していないため、締約国としては拘束されない。",
    "%(audience)s is not a party to this treaty; its provisions do not bind it as treaty "
    "law.": "%(audience)sはこの条約の締約国ではなく、その規定は条約法としては適用されない。",
    "The sources of this brief do not say whether %(audience)s is a party to this treaty.":
        "本資料の情報源は、%(audience)sがこの条約の締約国であるかを示していない。",
    "Customary international law: a rule that rests on the general practice of states "
    "accepted as law, not on a treaty.":
        "慣習国際法：条約ではなく、法として認められた国家の一般慣行に基づく規則。",
    "National law of %(audience)s.": "%(audience)sの国内法。",
    "A bilateral agreement to which %(audience)s is a party.":
        "%(audience)sが当事国である二国間協定。",
    "%(kind)s: %(date)s": "%(kind)s：%(date)s",
    "date not recorded": "日付の記録なし",
    "Whatever its treaty status, the sources describe a customary rule as well:":
        "条約上の地位にかかわらず、情報源は慣習法上の規則も示している：",
    "Instead, the sources describe a customary rule:":
        "代わりに、情報源は慣習法上の規則を示している：",
    "(its text is given below)": "（本文は下記）",
    "(its text is given above)": "（本文は上記）",
    "Legal analysis": "法的分析",
    "; ": "、",
    "Concerns %(names)s": "対象：%(names)s",
    "Findings of international bodies": "国際機関の見解",
    "Requests to others": "その他への要請",
    ": ": "：",
    "Sources": "出典",
    "Outlet not stated": "媒体名の記載なし",
    "%(outlet)s, %(title)s.": "%(outlet)s「%(title)s」。",
    "Author: %(author)s.": "著者：%(author)s。",
    "not stated": "記載なし",
    "(inferred)": "（推定）",
    "Date: %(date)s.": "日付：%(date)s。",
    "Language: %(language)s.": "言語：%(language)s。",
    "%(source)s, %(date)s": "%(source)s、%(date)s",
    "Sources: %(sources)s": "出典：%(sources)s",
    "QR code: %(url)s": "QRコード：%(url)s",
    "placeholder address": "仮のアドレス",
    "on or about {date}": "{date}頃",
    "about {date}": "{date}ごろ",
}
LEFT_IN_ENGLISH = {"Protect them."}


def translate(locales: Path, locale: str, translations: dict[str, str]) -> set[str]:
    """Fill the msgstr of every entry of ``locales/<locale>/*.po`` whose English is in
    ``translations``, as a translator's editor would; returns the English left
    untranslated."""
    left: set[str] = set()
    for po in sorted((locales / locale).glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id:
                continue
            if message.id in translations:
                message.string = translations[message.id]
            else:
                left.add(str(message.id))
        po.write_bytes(catalog_bytes(catalog))
    return left


def japanese_project(project: Make) -> Path:
    """The minimal sample with ``ja`` added to its locales, updated and translated."""
    content = project("minimal")
    edit(content / "project.yaml", "locales: [en]",
         "locales: [en, ja]\ntranslation_policy: {ja: mark}")
    result = runner.invoke(app, ["i18n", "update", "--content", str(content)])
    assert result.exit_code == 0, result.stderr
    assert translate(content.parent / "locales", "ja", JAPANESE) == LEFT_IN_ENGLISH
    return content


def pdffonts(pdf: Path) -> list[str]:
    """The base names (subset tag removed) of the fonts embedded in ``pdf``."""
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                         text=True).stdout
    names = [line.split()[0] for line in out.splitlines()[2:] if line.strip()]
    return sorted({name.split("+", 1)[-1] for name in names})


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


# --- fonts only where Japanese is built ----------------------------------------------


def test_japanese_faces_are_prepared_only_for_a_project_with_japanese() -> None:
    specs = load_spec(DEFAULT_SPEC)
    japanese = {s.family for s in specs_serving(specs, ["ja-JP"])}
    assert japanese == {"Brief Serif JP", "Brief Sans JP"}
    example = {s.family for s in specs_serving(specs, ["en", "ko", "zh-Hans"])}
    assert not example & japanese


@pytest.mark.slow
def test_a_project_without_japanese_loads_no_jp_face() -> None:
    # The same cache the build uses (conftest points BRIEFGEN_FONT_CACHE at it).
    fonts = load_fonts(default_cache_dir(REPO), languages=["en", "ko", "zh-Hans"])
    assert not [face for face in fonts.faces if face.family.endswith(" JP")]
    # Yet the stylesheets' :lang(ja) rules name families that exist.
    assert {"Brief Serif JP", "Brief Sans JP"} <= fonts.declared_families


def test_adding_japanese_leaves_other_projects_font_digest_alone(tmp_path: Path) -> None:
    # The digest of the fonts a project's locales use is part of each of its documents'
    # stamps: the JP families must not change it for a project without Japanese.
    text = DEFAULT_SPEC.read_text(encoding="utf-8")
    before = tmp_path / "fonts.yaml"
    before.write_text(text[:text.index("  # The JP faces of the same collections")],
                      encoding="utf-8")
    assert {s.family for s in load_spec(before)} == {
        s.family for s in load_spec(DEFAULT_SPEC) if not s.family.endswith(" JP")}
    for languages in (["en", "ko", "zh-Hans"], ["en"], ["en", "ko"]):
        assert (font_digest(load_spec(before), languages)
                == font_digest(load_spec(DEFAULT_SPEC), languages)), languages
    assert font_digest(load_spec(DEFAULT_SPEC), ["en", "ja"]) != font_digest(
        load_spec(before), ["en"])


# --- a Japanese brief, built ---------------------------------------------------------


@pytest.fixture
def japanese_brief(project: Make, tmp_path: Path) -> Path:
    content = japanese_project(project)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "--content", str(content), "--out", str(out),
                                 "--locale", "ja", "--audience", "party-state",
                                 "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    (pdf,) = out.glob("*.pdf")
    return pdf


@pytest.mark.slow
def test_a_japanese_brief_is_set_in_the_jp_faces(japanese_brief: Path) -> None:
    fonts = pdffonts(japanese_brief)
    # Serif body, sans headings, both weights; Latin passages (the source titles, the
    # text left in English) in the Latin faces. No Korean or Chinese face.
    assert {"Brief-Serif-JP", "Brief-Sans-JP", "Brief-Sans-JP-Bold", "Brief-Serif"} <= set(
        fonts), fonts
    assert not [name for name in fonts if name.endswith(("-KR", "-SC", "-KR-Bold", "-SC-Bold"))]
    root = PdfReader(japanese_brief).trailer["/Root"]
    assert root["/Lang"] == "ja"


@pytest.mark.slow
def test_a_japanese_brief_reads_back_as_its_translations(japanese_brief: Path) -> None:
    text = pdftotext(japanese_brief)
    squashed = "".join(text.split())
    for japanese in ("大使館向け資料", "中国との会談用資料", "2人は検問所で拘束された。",
                     "危険な地への送還の禁止。", "テスト・デスク",
                     "2015年12月2日現在", "条約第1条"):
        assert japanese in squashed, japanese
    # The English left untranslated, and the source titles, are there as written.
    assert "Protect them." in text
    assert "First report" in text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert [line for line in lines[1:] if line[0] in JAPANESE_NO_LINE_START] == []
    assert [line for line in lines if line[-1] in JAPANESE_NO_LINE_END] == []
    assert not re.search("[\ufdd0-\ufdef]", text)  # no untranslated-text marks leak


@pytest.mark.slow
def test_a_japanese_handout_is_set_beside_english(project: Make, tmp_path: Path) -> None:
    content = japanese_project(project)
    add_handout(content)
    edit(content / "project.yaml", "documents: [brief, handout]",
         "documents: [brief, handout]\nhandout_pairs: [ja+en]")
    result = runner.invoke(app, ["i18n", "update", "--content", str(content)])
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "--content", str(content), "--out", str(out),
                                 "--doc", "handout", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    (pdf,) = out.glob("*_ja+en.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "ja"
    # The handout is set in sans: the Japanese column in the JP faces, the English one
    # in the Latin faces; no Korean or Chinese face.
    assert pdffonts(pdf) == ["Brief-Sans", "Brief-Sans-Bold", "Brief-Sans-JP",
                             "Brief-Sans-JP-Bold"]
    squashed = "".join(pdftotext(pdf).split())
    for japanese in ("サンプル事案", "2人は検問所で拘束された。", "2人を釈放すること。",
                     "2015年11月21日土曜日", "午後1時00分～2時00分米国東部標準時",
                     "出典：ExampleWire、2015年11月18日", "(仮のアドレス·placeholderaddress)"):
        assert japanese in squashed, japanese
    # The event's title, not translated, is printed in English, marked so in Japanese.
    assert "[未翻訳]Vigil" in squashed
    assert not re.search("[\ufdd0-\ufdef]", squashed)
