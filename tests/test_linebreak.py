"""Line breaking Korean, Chinese and Japanese readers accept, checked on the HTML and on
real PDFs."""

from __future__ import annotations

import html as htmllib
import itertools
import re
import statistics
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.catalogs import mark_untranslated
from briefgen.fonts import FontSet, load_fonts
from briefgen.linebreak import (
    CSS,
    INLINE,
    JAPANESE_NO_LINE_END,
    JAPANESE_NO_LINE_START,
    NO_LINE_END,
    NO_LINE_START,
    korean_word_spans,
    transform,
)
from briefgen.typesetter import typeset

from .test_typesetter import shared_font_cache

# --- the HTML transform --------------------------------------------------------------


def text_of(html: str) -> str:
    """The text content of ``html``: tags removed, entities decoded."""
    return htmllib.unescape(re.sub(r"<[^>]*>", "", html))


class _Nesting(HTMLParser):
    VOID = frozenset({"br", "img", "meta", "link", "hr", "wbr", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def assert_well_nested(html: str) -> None:
    parser = _Nesting()
    parser.feed(html)
    assert parser.errors == [] and parser.stack == [], (parser.errors, parser.stack)


def body(inner: str) -> str:
    return f"<html><head><title>t</title></head><body>{inner}</body></html>"


def test_korean_words_inside_one_text_node_are_left_to_the_typesetter() -> None:
    # The typesetter keeps them whole (a Pango attribute); a span per word would only
    # slow the layout down.
    source = body("<p>유엔 자유권위원회는 2015년 10월 22일 결정에서 판단하였다.</p>")
    assert transform(source) == source


def test_korean_words_are_runs_of_text_between_breaking_spaces() -> None:
    text = "유엔 자유권위원회는\u00a02015년 (UNHCR)가 a 끝. 가\u200b나 " + "가" * 31
    words = [text[start:end] for start, end in korean_word_spans(text)]
    # A no-break space joins; a zero-width space separates; Latin-only runs and
    # one-letter runs need no keeping; a run longer than MAX_WORD is left to Pango.
    assert words == ["유엔", "자유권위원회는\u00a02015년", "(UNHCR)가", "끝."]
    assert korean_word_spans(["가", "&", "나", " ", "끝"]) == [(0, 3)]


def test_words_run_through_inline_elements() -> None:
    out = transform(body('<p>이를 <em>강조</em>했다.<sup class="notes"><a href="#s-1">1</a>'
                         "</sup> 끝</p>"))
    # The word is 강조했다.1: emphasis and note reference stay on its line.
    assert ('<span class="nobreak"><em>강조</em>했다.<sup class="notes"><a href="#s-1">1</a>'
            "</sup></span>") in out
    assert_well_nested(out)


def test_a_word_ending_inside_an_element_takes_the_whole_element() -> None:
    out = transform(body("<p>난민(refugees <em>sur place</em>)으로 본다</p>"))
    assert '<span class="nobreak"><em>sur place</em>)으로</span>' in out
    assert_well_nested(out)


def test_a_word_in_a_long_element_is_kept_whole_piece_by_piece() -> None:
    source = body(f"<p>앞쪽<em>{'아주 ' * 30}끝</em>말</p>")
    out = transform(source)
    # "앞쪽아주" starts outside the <em> and ends inside it. Widening the span to the
    # whole <em> would keep 31 words on one line: instead each piece is kept whole and
    # only the element boundary may break.
    assert '<p><span class="nobreak">앞쪽</span><em><span class="nobreak">아주</span> ' in out
    assert text_of(out) == text_of(source)
    assert_well_nested(out)


def test_chinese_note_references_stay_with_the_text_before_them() -> None:
    out = transform(body("<p>人权观察称<sup>1</sup>：“中国有义务。”</p>"))
    assert '人权观察<span class="nobreak">称<sup>1</sup></span>：' in out
    # Punctuation is left to Pango, which already keeps it off the start of a line; the
    # span at the end keeps the last line from holding one character.
    assert out.count("nobreak") == 2


def test_a_chinese_paragraph_keeps_two_characters_on_its_last_line() -> None:
    out = transform(body("<p>中国将他们视为非法经济移民。这是判断。<sup>1</sup>,<sup>2</sup></p>"
                         "<li>中国拒绝承认他们的难民<em>身份</em>。</li><p>截至</p>"
                         "<p>한국어 문단은 그대로 둔다.</p><p>Left as it is, 2015.</p>"))
    assert '这是<span class="nobreak">判断。<sup>1</sup>,<sup>2</sup></span></p>' in out
    # Across an element, the span takes the whole element; a label is left alone.
    assert '的难民<span class="nobreak"><em>身份</em>。</span></li><p>截至</p>' in out
    assert out.count("nobreak") == 2
    assert text_of(out) == text_of(body(
        "<p>中国将他们视为非法经济移民。这是判断。<sup>1</sup>,<sup>2</sup></p>"
        "<li>中国拒绝承认他们的难民<em>身份</em>。</li><p>截至</p><p>한국어 문단은 그대로 둔다.</p>"
        "<p>Left as it is, 2015.</p>"))


def test_japanese_note_references_stay_with_the_text_before_them() -> None:
    out = transform(body("<p>ヒューマン・ライツ・ウォッチによれば<sup>1</sup>、"
                         "「中国には義務がある。」</p>"))
    assert 'ウォッチによれ<span class="nobreak">ば<sup>1</sup></span>、' in out
    assert out.count("nobreak") == 2  # and the paragraph's last two characters


def test_a_japanese_paragraph_keeps_two_characters_on_its_last_line() -> None:
    source = body("<p>2人は検問所で拘束された。<sup>1</sup></p>"
                  "<p>国連難民高等弁務官事務所のインタビュー</p>"
                  "<p>ジャーナリストのジョー・スミス</p><p>送還された人々。</p><p>ヒューマン</p>")
    out = transform(source)
    assert '拘束さ<span class="nobreak">れた。<sup>1</sup></span></p>' in out
    # Small kana and ー cannot start a line: they stay with the letters before them.
    assert 'イン<span class="nobreak">タビュー</span></p>' in out
    assert 'ジョー・ス<span class="nobreak">ミス</span></p>' in out
    # 々 goes with the ideograph it repeats, like ー; a label is left alone.
    assert 'され<span class="nobreak">た人々。</span></p><p>ヒューマン</p>' in out
    assert out.count("nobreak") == 4
    assert text_of(out) == text_of(source)
    assert_well_nested(out)


def test_a_katakana_middle_dot_is_not_one_of_the_last_two_characters() -> None:
    # A separator between names is no letter of the last line; nor is a Chinese
    # paragraph that ends in one changed by the Japanese rules.
    source = body("<p>ヒューマン・ライツ・ウォッチ・ア</p><p>中华人民共和国外交部发言人・</p>")
    assert transform(source) == source


def test_latin_text_without_notes_is_left_alone() -> None:
    source = body("<p>The Committee found the <em>detention</em> arbitrary (UPI).</p>")
    assert transform(source) == source


def test_latin_note_references_stay_with_the_word_before_them() -> None:
    source = body('<p>The detention was arbitrary.<sup class="notes"><a href="#s-1">1</a>,'
                  '<a href="#s-2">2</a></sup> It was <sup>not</sup> lawful.</p>')
    out = transform(source)
    # The full stop and the whole run of numbers: no break before the note, none after
    # its comma. A superscript after a space may start a line.
    assert ('arbitrary<span class="nobreak">.<sup class="notes"><a href="#s-1">1</a>,'
            '<a href="#s-2">2</a></sup></span> It was <sup>not</sup>') in out
    assert text_of(out) == text_of(source)
    assert_well_nested(out)


def test_a_korean_word_with_a_long_note_run_stays_whole() -> None:
    # The word starts in a long text node and ends in the fifth link of the note: only
    # the word and the note count towards MAX_EXTENDED, not the whole text node.
    notes = ",".join(f'<a href="#s-{n}">{n}</a>' for n in range(1, 6))
    source = body("<li>영아 1명으로, 생후 11개월(휴먼라이츠워치, 바이스 뉴스, 날짜 미상의 기사) "
                  f'또는 1세(UPI)로 보도되었다.<sup class="notes">{notes}</sup></li>')
    out = transform(source)
    assert (f'로<span> </span><span class="nobreak">보도되었다.<sup class="notes">{notes}</sup>'
            "</span>") in out
    assert out.count("nobreak") == 1
    assert_well_nested(out)


def test_only_body_text_is_touched() -> None:
    source = ('<html lang="ko"><head><title>사건 개요</title><style>p::before { content: '
              '"한국어 내용" }</style><meta name="description" content="중국 대사관"></head>'
              '<body><p title="속성 값"><em>본문</em>내용</p><!-- 주석 내용 --><script>var 한국 = 1'
              "</script></body></html>")
    out = transform(source)
    assert out.startswith(source[:source.index("<body>")])
    assert '<p title="속성 값"><span class="nobreak"><em>본문</em>내용</span></p>' \
        "<!-- 주석 내용 --><script>var 한국 = 1</script>" in out


def test_svg_and_math_text_is_left_alone() -> None:
    source = body('<p>그림 설명</p><svg viewBox="0 0 9 9"><text>한국어 글자</text></svg>'
                  f"<math><mi>{mark_untranslated('변수 이름', 'en')}</mi></math>")
    out = transform(source)
    assert '<svg viewBox="0 0 9 9"><text>한국어 글자</text></svg><math><mi>변수 이름</mi></math>' \
        in out


def test_entities_are_never_split() -> None:
    source = body("<p>가&amp;나 &#34;인용&#34;했다 &lt;꺽쇠&gt;</p>")
    out = transform(source)
    assert text_of(out) == text_of(source)
    assert out == source  # one text node: the typesetter keeps its words whole
    source = body("<p>가&amp;<em>나</em> 끝</p>")
    assert '<span class="nobreak">가&amp;<em>나</em></span>' in transform(source)


def test_untranslated_text_becomes_marked_spans() -> None:
    marked = mark_untranslated("English *text*\n\nSecond paragraph", "en")
    source = (f"<html><head><title>{mark_untranslated('Title', 'en')}</title></head><body>"
              f'<meta content="{mark_untranslated("Audience", "en")}">'
              f"<p>{marked.replace(chr(10) * 2, '</p><p>')}</p></body></html>")
    out = transform(source)
    assert "<title>Title</title>" in out
    assert '<meta content="Audience">' in out
    assert ('<p><span class="untranslated untranslated-start" lang="en">English *text*</span>'
            '</p><p><span class="untranslated" lang="en">Second paragraph</span></p>') in out
    assert not re.search("[\ufdd0-\ufdef]", out)
    assert_well_nested(out)


@given(st.text(st.sampled_from("가나 a\u00a0\u2007\u202f\u200b\t\n\u3000\u2028.(한ᄀㄱ\ua960")))
def test_korean_words_are_found_alike_in_strings_and_character_lists(text: str) -> None:
    # The typesetter passes strings (a fast path), keep_words lists of characters.
    assert korean_word_spans(text) == korean_word_spans(list(text))


WORDS = st.sampled_from([
    "유엔", "자유권위원회는", "2015년", "결정에서", "(Article", "33)", "UNHCR가", "끝.",
    "중", "“인용”했다", "人权观察称", "：", "中国", "refugees", "&amp;", "가&lt;나",
])
TAGS = st.sampled_from(["em", "strong", "a", "sup", "span"])


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    """Paragraphs of words and spaces with properly nested inline elements."""
    out: list[str] = []
    open_tags: list[str] = []
    for _ in range(draw(st.integers(1, 25))):
        action = draw(st.sampled_from(["word", "word", "space", "open", "close"]))
        if action == "word":
            out.append(draw(WORDS))
        elif action == "space":
            out.append(" ")
        elif action == "open":
            tag = draw(TAGS)
            open_tags.append(tag)
            out.append(f"<{tag}>")
        elif open_tags:
            out.append(f"</{open_tags.pop()}>")
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "<p>" + "".join(out) + "</p>"


@settings(max_examples=300, deadline=None)
@given(st.lists(paragraphs(), min_size=1, max_size=3))
def test_transform_keeps_text_and_nesting(paragraph_list: list[str]) -> None:
    source = body("".join(paragraph_list))
    out = transform(source)
    assert text_of(out) == text_of(source)
    assert_well_nested(out)


# --- real PDFs ---------------------------------------------------------------------------

slow = pytest.mark.slow

BASE_CSS = """
@page { size: A4; margin: 15mm }
body { font-family: "Brief Serif KR"; font-size: 11pt; line-height: 1.5 }
:lang(zh-Hans) { font-family: "Brief Serif SC" }
:lang(ja) { font-family: "Brief Serif JP" }
:lang(en) { font-family: "Brief Serif" }
p { margin: 0; break-after: page }
sup { font-size: 6pt; vertical-align: super; line-height: 0 }
"""

KOREAN = (
    "유엔 자유권위원회는 2015년 10월 22일 결정에서 체포와 구금이 자의적이었다고 "
    "<em>판단</em>하였다.<sup>1</sup> 허가 없이 출국한 북한 주민은 송환 시 가혹한 처벌을 "
    "받을 것이 확실하므로, 휴먼라이츠워치는 이들을 현지 체류 중 난민(refugees "
    "<em>sur place</em>)으로 본다.<sup>2</sup> 중국은 고문방지협약(Convention against "
    "Torture) 제3조에 따라 “고문을 받을 위험이 있다고 믿을 만한 상당한 근거가 있는 "
    "국가”로 누구도 송환하여서는 아니 된다. 베트남 당국은 일행을 중국 경찰에 인계했으며, "
    "유엔난민기구(UNHCR)는 일행에 대한 접근을 요청했다."
)
CHINESE = (
    "越南警方于2015年10月22日在中越边境附近拦截了这<em>九人</em>，并将他们移交给"
    "<a href=\"https://example.org/\">中国警方</a>。人权观察称<sup>1</sup>："
    "<em>“中国有义务不将他们遣返，就是这么简单。”</em>联合国难民署（UNHCR）表示关切；"
    "《<em>禁止酷刑公约</em>》第三条规定<sup>2</sup>，任何缔约国不得将任何人驱逐、遣返"
    "或引渡至另一国家！他们是否会被遣返？「尚不清楚」，『有关方面』〈未予置评〉【据报道】"
    "（其中包括一名婴儿）。"
)


@pytest.fixture(scope="module")
def fonts(tmp_path_factory: pytest.TempPathFactory) -> FontSet:
    return load_fonts(shared_font_cache(tmp_path_factory))


@dataclass(frozen=True)
class Glyph:
    char: str
    left: float
    bottom: float
    right: float
    top: float
    generated: bool  # a space or line end the reader inferred, not a drawn glyph


def pdf_pages(pdf: bytes) -> list[list[list[Glyph]]]:
    """Each page's lines, each a list of glyphs, read back with PDFium."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    for page in document:
        textpage = page.get_textpage()
        lines: list[list[Glyph]] = []
        current: list[Glyph] = []
        for index in range(textpage.count_chars()):
            char = textpage.get_text_range(index, 1)
            if char in "\r\n":
                continue
            # Loose boxes: the glyph's advance and the font's height, not its ink.
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            glyph = Glyph(char, left, bottom, right, top,
                          bool(pdfium_c.FPDFText_IsGenerated(textpage, index)))
            # A new line starts where the text goes back to the left, or lower down
            # (a line of one letter); superscripts, which sit higher, stay on their line.
            drawn = [g for g in current if not g.generated]
            if drawn and not glyph.generated and (glyph.right <= drawn[-1].left + 0.5
                                                  or glyph.top <= drawn[-1].bottom):
                lines.append(current)
                current = []
            current.append(glyph)
        if current:
            lines.append(current)
        pages.append([line for line in lines if "".join(g.char for g in line).strip()])
    return pages


def line_text(line: list[Glyph]) -> str:
    return "".join(g.char for g in line).strip()


def squash(text: str) -> str:
    return " ".join(text.split())


def render(fonts: FontSet, tmp_path: Path, lang: str, paragraphs: list[str],
           *, keep: bool = True) -> bytes:
    inner = "".join(paragraphs)
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>줄 바꿈 行</title></head><body>{inner}</body></html>")
    if keep:
        html = transform(html)
    return typeset(html, base_url=tmp_path.as_uri() + "/", stylesheets=(BASE_CSS, CSS),
                   fonts=fonts, allowed_roots=[tmp_path], origin="test.html",
                   keep_all=keep).pdf


def columns(text: str, widths: range, lang: str = "") -> list[str]:
    attribute = f' lang="{lang}"' if lang else ""
    return [f'<p{attribute} style="width: {w}mm">{text}</p>' for w in widths]


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "lines.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def assert_only_the_source_drawn(pdf: bytes, pages: list[list[list[Glyph]]], source: str,
                                 copies: int, tmp_path: Path) -> None:
    """Nothing invisible was added: every drawn character is in the source, and an
    independent reader (Poppler) reads back exactly the source's characters, once for
    each of its ``copies``."""
    drawn = {g.char for lines in pages for line in lines for g in line if not g.generated}
    assert drawn <= set(source)
    extracted = "".join(pdftotext(pdf, tmp_path).split())
    assert extracted == "".join(source.split()) * copies


KOREAN_WIDTHS = range(30, 70, 3)  # narrow columns: 5 to 12 syllables a line


@slow
def test_korean_lines_end_only_between_words(fonts: FontSet, tmp_path: Path) -> None:
    source = squash(text_of(KOREAN))
    words = set(source.split())
    pdf = render(fonts, tmp_path, "ko", columns(KOREAN, KOREAN_WIDTHS))
    pages = pdf_pages(pdf)
    assert len(pages) == len(KOREAN_WIDTHS)
    breaks = 0
    for width, lines in zip(KOREAN_WIDTHS, pages, strict=True):
        texts = [line_text(line) for line in lines]
        for text in texts:
            line_words = text.split()
            assert line_words[0] in words and line_words[-1] in words, (
                f"{width}mm: broken word in {text!r}")
        # Joined at spaces, the lines are the source text: every break was at a space,
        # and nothing was added or lost.
        assert " ".join(texts) == source, f"{width}mm"
        breaks += len(texts) - 1
    assert breaks > 100  # the columns are narrow enough to break often

    assert_only_the_source_drawn(pdf, pages, source, len(KOREAN_WIDTHS), tmp_path)


@slow
def test_without_keep_all_weasyprint_breaks_inside_korean_words(
        fonts: FontSet, tmp_path: Path) -> None:
    # Why the transform exists, and proof that the check above can fail: WeasyPrint
    # (Pango) breaks between any two Hangul syllables.
    source = squash(text_of(KOREAN))
    pdf = render(fonts, tmp_path, "ko", columns(KOREAN, range(30, 40, 3)), keep=False)
    texts = [line_text(line) for line in pdf_pages(pdf)[0]]
    assert " ".join(texts) != source


# A paragraph that ends in a word kept whole with its note reference, as facts do.
ENDS_IN_A_NOTE = (
    "미 국무부 대변인은 바이스 뉴스에 미국이 “관련 보도를 인지하고 있다”고 밝혔으나 중국 "
    "외교관들과 접촉했는지 여부는 밝히지 않았으며, 역내 모든 국가에 자국 영토 내의 북한 "
    "난민과 비호 신청자를 보호할 것을 촉구했다.<sup>2</sup>"
)


@slow
def test_a_word_kept_with_its_note_does_not_leave_a_word_alone_on_a_line(
        fonts: FontSet, tmp_path: Path) -> None:
    # WeasyPrint 70 broke the text before such a word after its first word when only
    # the space before the word did not fit ("접촉했는지" alone on a line of a brief).
    widths = range(60, 160, 1)
    pdf = render(fonts, tmp_path, "ko", columns(ENDS_IN_A_NOTE, widths))
    lone = []
    for width, lines in zip(widths, pdf_pages(pdf), strict=True):
        texts = [line_text(line) for line in lines]
        if any(len(text.split()) < 3 for text in texts[:-1]):
            lone.append((width, texts))
    assert lone == []


CHINESE_WIDTHS = range(20, 62, 2)


def assert_cjk_lines(pages: list[list[list[Glyph]]], source: str, widths: range,
                     no_start: str, no_end: str) -> list[list[str]]:
    """Each column (one a page) holds the whole source, no line starts with a character
    of ``no_start`` or ends with one of ``no_end``, and no note reference (set small)
    begins a line; each column's lines, as text."""
    assert len(pages) == len(widths)
    columns_text = []
    for width, lines in zip(widths, pages, strict=True):
        texts = [line_text(line) for line in lines]
        assert "".join("".join(texts).split()) == "".join(source.split()), f"{width}mm"
        heights = statistics.median(g.top - g.bottom for line in lines for g in line
                                    if not g.generated and g.top > g.bottom)
        for number, (line, text) in enumerate(zip(lines, texts, strict=True)):
            if number:
                assert text[0] not in no_start, f"{width}mm: line starts {text!r}"
            assert text[-1] not in no_end, f"{width}mm: line ends {text!r}"
            first = next(g for g in line if not g.generated)
            assert number == 0 or first.top - first.bottom > 0.7 * heights, (
                f"{width}mm: line starts with a note reference: {text!r}")
        columns_text.append(texts)
    return columns_text


@slow
def test_chinese_punctuation_never_starts_or_ends_a_line_wrongly(
        fonts: FontSet, tmp_path: Path) -> None:
    source = text_of(CHINESE)
    pdf = render(fonts, tmp_path, "zh-Hans", columns(CHINESE, CHINESE_WIDTHS, "zh-Hans"))
    pages = pdf_pages(pdf)
    assert_cjk_lines(pages, source, CHINESE_WIDTHS, NO_LINE_START, NO_LINE_END)
    drawn = {g.char for lines in pages for line in lines for g in line if not g.generated}
    assert drawn <= set(source)


def test_a_number_is_kept_with_the_ideograph_beside_it() -> None:
    from briefgen.linebreak import number_unit_spans

    text = "九名朝鲜人（2015年）于2015年10月16日离开，共11人；第3条。English 2015"
    assert [text[a:b] for a, b in number_unit_spans(text)] == [
        "2015年", "于2015年", "10月", "16日", "共11人", "第3条"]
    assert number_unit_spans("In 2015, 11 people") == []
    assert number_unit_spans("2015년 10월") == []  # Korean words are kept whole anyway


UNITS = "越南警方于2015年10月22日拦截了这11人，中国警方于2015年11月18日称共有9人。" * 3


def _number_split_from_its_unit(pdf: bytes) -> list[str]:
    lines = [line_text(line) for page in pdf_pages(pdf) for line in page]
    return [f"{before!r} / {after!r}" for before, after in itertools.pairwise(lines)
            if before[-1:].isdigit() and after[:1] in "年月日人"]


@slow
def test_a_number_never_ends_a_line_that_its_unit_starts(
        fonts: FontSet, tmp_path: Path) -> None:
    widths = range(20, 62, 1)
    pdf = render(fonts, tmp_path, "zh-Hans", columns(UNITS, widths, "zh-Hans"))
    assert _number_split_from_its_unit(pdf) == []
    # Without the typesetter's spans UAX #14 allows the break, and some width takes it.
    loose = render(fonts, tmp_path, "zh-Hans", columns(UNITS, widths, "zh-Hans"),
                   keep=False)
    assert _number_split_from_its_unit(loose)


@slow
def test_without_the_transform_a_note_reference_can_start_a_chinese_line(
        fonts: FontSet, tmp_path: Path) -> None:
    # Pango keeps punctuation in place on its own, but allows a break between an
    # ideograph and the digit of a note reference: the one thing added for Chinese.
    pdf = render(fonts, tmp_path, "zh-Hans", columns(CHINESE, range(20, 24, 2), "zh-Hans"),
                 keep=False)
    starts = [line_text(line)[:2] for page in pdf_pages(pdf) for line in page]
    assert "1：" in starts


JAPANESE = (
    "ベトナム警察は2015年10月22日、中越国境付近の検問所で<em>9人</em>を拘束し、"
    '<a href="https://example.org/">中国警察</a>に引き渡した。ヒューマン・ライツ・ウォッチによれば'
    "<sup>1</sup>、「中国には彼らを送還しない義務がある。それだけのことだ」。"
    "国連難民高等弁務官事務所（UNHCR）は懸念を表明し、ジュネーヴのスポークスパーソンはインタビューで"
    "グループへのアクセスを求めた。『<em>拷問等禁止条約</em>』第3条は<sup>2</sup>、拷問が行われる"
    "おそれがあると信ずるに足りる実質的な根拠がある国へ、いかなる者も追放し、送還し、又は引き渡して"
    "はならないと定めている！彼らは送還されるのだろうか？〈詳細は不明〉【報道による】、関係者は"
    "「ちょっと待ってほしい」と述べ、人々の安否についてのコメントを控えた（うち1人は乳児だった）。"
)
JAPANESE_WIDTHS = range(34, 76, 2)  # 8 to 19 characters a line


@slow
def test_japanese_kinsoku_holds_on_every_line(fonts: FontSet, tmp_path: Path) -> None:
    source = text_of(JAPANESE)
    pdf = render(fonts, tmp_path, "ja", columns(JAPANESE, JAPANESE_WIDTHS, "ja"))
    pages = pdf_pages(pdf)
    lines = assert_cjk_lines(pages, source, JAPANESE_WIDTHS, JAPANESE_NO_LINE_START,
                             JAPANESE_NO_LINE_END)
    for width, texts in zip(JAPANESE_WIDTHS, lines, strict=True):
        # The last line holds more than one letter before its punctuation.
        assert len(texts[-1].rstrip("。）")) >= 2, f"{width}mm: last line {texts[-1]!r}"
    starts = {text[0] for texts in lines for text in texts[1:]}
    assert len(starts) > 40  # the lines break in many different places
    assert_only_the_source_drawn(pdf, pages, source, len(JAPANESE_WIDTHS), tmp_path)


@slow
def test_without_the_transform_a_note_reference_can_start_a_japanese_line(
        fonts: FontSet, tmp_path: Path) -> None:
    # Pango keeps kana punctuation and small kana in place on its own (the first test
    # would fail for them without the transform too), but not a note's digit.
    pdf = render(fonts, tmp_path, "ja", columns(JAPANESE, JAPANESE_WIDTHS, "ja"), keep=False)
    starts = [line_text(line)[:2] for page in pdf_pages(pdf) for line in page[1:]]
    assert [start for start in starts if start[0] in JAPANESE_NO_LINE_START] == []
    assert {"1、", "2、"} & set(starts)


LATIN = (
    "The Committee found the detention arbitrary and the transfer unlawful under the "
    'Convention.<sup class="notes"><a>1</a>,<a>2</a>,<a>3</a>,<a>4</a></sup> Human Rights '
    "Watch urged China to let the group travel to a country of their choice."
    '<sup class="notes"><a>2</a>,<a>3</a></sup> The group was returned.'
)
LATIN_WIDTHS = range(30, 90, 2)


def note_breaks(pdf: bytes) -> list[str]:
    """Lines that start with a note reference or end inside one (LATIN has no other
    numbers)."""
    found = []
    for page in pdf_pages(pdf):
        texts = [line_text(line) for line in page]
        for number, text in enumerate(texts):
            if re.search(r"\d,$", text) or (number and re.match(r"[\d,]+(\s|$)", text)):
                found.append(text)
    return found


@slow
def test_note_references_stay_whole_with_the_word_before_them(
        fonts: FontSet, tmp_path: Path) -> None:
    pdf = render(fonts, tmp_path, "en", columns(LATIN, LATIN_WIDTHS))
    pages = pdf_pages(pdf)
    assert len(pages) == len(LATIN_WIDTHS)
    assert sum(len(lines) for lines in pages) > 3 * len(LATIN_WIDTHS)
    assert note_breaks(pdf) == []
    source = squash(text_of(LATIN))
    for width, lines in zip(LATIN_WIDTHS, pages, strict=True):
        assert " ".join(line_text(line) for line in lines) == source, f"{width}mm"


@slow
def test_without_the_transform_a_note_reference_can_start_or_split_a_line(
        fonts: FontSet, tmp_path: Path) -> None:
    pdf = render(fonts, tmp_path, "en", columns(LATIN, LATIN_WIDTHS), keep=False)
    found = note_breaks(pdf)
    assert any(text.endswith(",") for text in found)
    assert any(text[0].isdigit() for text in found)


MIXED = {
    "ko": "고문방지협약(Convention against Torture) 제3조와 UNHCR가 2015년에 밝힌 입장",
    "zh-Hans": "中国于2015年10月22日拘留了9人，UNHCR表示关切（refugees sur place）",
    "ja": "ベトナムは2015年10月22日に9人を拘束し、UNHCRは懸念を表明した（refugees sur place）",
}


@slow
@pytest.mark.parametrize("lang", sorted(MIXED))
def test_mixed_script_lines_keep_their_spacing(
        fonts: FontSet, tmp_path: Path, lang: str) -> None:
    source = MIXED[lang]
    pdf = render(fonts, tmp_path, lang, [f'<p lang="{lang}">{source}</p>'])
    (line,) = pdf_pages(pdf)[0]
    assert line_text(line) == source  # no space added between scripts, none lost
    drawn = [g for g in line if not g.generated and not g.char.isspace()]
    # Each drawn glyph with whether the source has a space before it.
    spaced_before = [bool(re.match(r"\s", source[i - 1])) if i else False
                     for i, char in enumerate(source) if not char.isspace()]
    assert "".join(g.char for g in drawn) == "".join(source.split())
    size = 11.0
    for before, after, spaced in zip(drawn[:-1], drawn[1:], spaced_before[1:], strict=True):
        gap = after.left - before.right
        # Neighbours never overlap, a space is about a space wide, and no extra gap
        # opens (or closes) where scripts meet.
        assert gap > -0.12 * size, (before.char, after.char, gap)  # kerning: To, fu
        assert gap < (0.6 if spaced else 0.3) * size, (before.char, after.char, gap)


# --- the example's briefs ----------------------------------------------------------------

HANGUL_RUN = re.compile("[\uac00-\ud7a3]+")


@slow
@pytest.mark.parametrize("locale", ["ko", "zh-Hans"])
def test_the_example_brief_breaks_where_its_readers_expect(
        fonts: FontSet, tmp_path: Path, locale: str) -> None:
    from briefgen.build import Paths
    from briefgen.catalogs import Translator
    from briefgen.loader import load_content
    from briefgen.renderer import Renderer
    from briefgen.view import build_brief_view

    from .conftest import REPO

    paths = Paths.for_content(REPO / "content")
    content = load_content(paths.content)
    translator = Translator(locale, "en", paths.locales, paths.content.parent)
    view = build_brief_view(content, content.cases["vietnam-nine-2015"], "china", locale,
                            translator)
    rendered = Renderer(paths.templates).render("brief", view, translator, paper="a4",
                                                build_stamp="test")
    pdf = typeset(rendered.html, base_url=paths.templates.as_uri() + "/",
                  stylesheets=[rendered.css], fonts=fonts, allowed_roots=[paths.templates],
                  origin="brief.html").pdf
    document = pdfium.PdfDocument(pdf)
    text = "\n".join(page_text(page) for page in document)
    # Every run of Hangul syllables in the PDF is one the brief's text has: a word broken
    # across two lines would show up as two runs that the source never has.
    shown = re.sub(r"<(/?)([a-z0-9]+)[^>]*>",
                   lambda m: "" if m.group(2) in INLINE else " ", rendered.html)
    source_runs = set(HANGUL_RUN.findall(htmllib.unescape(shown) + rendered.css))
    runs = HANGUL_RUN.findall(text)
    if locale == "ko":
        assert len(runs) > 300
    assert [run for run in runs if run not in source_runs] == []
    # And no line starts with closing punctuation or ends with opening punctuation.
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    assert [line for line in lines if line[0] in NO_LINE_START] == []
    assert [line for line in lines if line[-1] in NO_LINE_END] == []


@slow
def test_the_example_handout_keeps_korean_words_whole(fonts: FontSet, tmp_path: Path) -> None:
    # The Korean column of the bilingual handout, in an English-and-Korean document.
    from briefgen.build import HANDOUT_SCALES, Paths
    from briefgen.catalogs import Translator
    from briefgen.loader import load_content
    from briefgen.renderer import Renderer
    from briefgen.view import build_handout_view

    from .conftest import REPO

    paths = Paths.for_content(REPO / "content")
    content = load_content(paths.content)
    translators = {locale: Translator(locale, "en", paths.locales, paths.content.parent)
                   for locale in ("ko", "en")}
    view = build_handout_view(content, content.cases["vietnam-nine-2015"],
                              "washington-protest", ("ko", "en"), translators)
    rendered = Renderer(paths.templates).render("handout", view, translators["ko"],
                                                paper="a4", build_stamp="test",
                                                scale=HANDOUT_SCALES[0],
                                                others=[translators["en"]])
    pdf = typeset(rendered.html, base_url=paths.templates.as_uri() + "/",
                  stylesheets=[rendered.css], fonts=fonts, allowed_roots=[paths.templates],
                  origin="handout.html").pdf
    text = "\n".join(page_text(page) for page in pdfium.PdfDocument(pdf))
    shown = re.sub(r"<(/?)([a-z0-9]+)[^>]*>",
                   lambda m: "" if m.group(2) in INLINE else " ", rendered.html)
    source_runs = set(HANGUL_RUN.findall(htmllib.unescape(shown) + rendered.css))
    runs = HANGUL_RUN.findall(text)
    assert len(runs) > 100
    assert [run for run in runs if run not in source_runs] == []


def page_text(page: pdfium.PdfPage) -> str:
    # The text page must outlive the call: made and read in one expression, PDFium
    # returns nothing.
    textpage = page.get_textpage()
    return str(textpage.get_text_range())
