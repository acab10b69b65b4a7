"""The protest handout: one bilingual page, the event in its time zone, a QR code that
scans, pictures to share, public material only."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from briefgen.catalogs import Translator
from briefgen.cli import app
from briefgen.formatting import format_event_time
from briefgen.loader import load_content
from briefgen.pdfcheck import contains, pdf_strings

from .conftest import REPO, add_handout, edit

CASE = "vietnam-nine-2015"
URL = "https://example.org/vietnam-nine-2015"
Make = Callable[[str], Path]


def build(out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["build", "--content", str(REPO / "content"), "--out",
                                      str(out), "--doc", "handout", "--jobs", "1", *args])
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handouts")
    for paper in ("a4", "letter"):
        code, text = build(out / paper, "--paper", paper, "--pair", "ko+en",
                           "--pair", "zh-Hans+en")
        assert code == 0, text
    return out


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("pair", ["ko+en", "zh-Hans+en"])
def test_one_page_in_both_languages(handouts: Path, paper: str, pair: str) -> None:
    pdf = handouts / paper / f"{CASE}_handout_washington-protest_{pair}.pdf"
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    width = round(float(reader.pages[0].mediabox.width))
    assert width == (595 if paper == "a4" else 612)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Protest at the Chinese embassy in Washington" in " ".join(text.split())
    # The example writes its English dates as en-GB does (project.yaml formats).
    assert "Saturday, 21 November 2015" in text
    assert "1:00 – 2:00 pm Eastern Standard Time" in " ".join(text.split())
    first = pair.split("+")[0]
    if first == "ko":
        assert flat("2015년 11월 21일 토요일") in flat(text)
        assert "오후" in text and flat("워싱턴 중국 대사관 앞 항의 시위") in flat(text)
    else:
        assert flat("2015年11月21日星期六") in flat(text) and "下午" in text
    assert "3505 International Place NW, Washington DC 20008" in text
    assert URL in text
    # The footer's labels and organisation are in both languages of the page.
    label = {"ko": "임시 주소", "zh-Hans": "占位地址"}[first]
    assert flat(f"({label} · placeholder address)") in flat(text)
    assert flat("briefgen example content") in flat(text)
    # What the summary, facts, asks and event cite, in order of first citation, each
    # column in its language (the example's handout rests on reports from before the
    # protest: Human Rights Watch, whose asks it shares, published at 5:29 p.m. EST).
    assert flat("Sources: UPI, 18 November 2015 (inferred); “China arrests 10 N. Korean refugees, "
                "including a family with a baby; protest tomorrow at Chinese embassy”, 20 "
                "November 2015 (inferred)") in flat(text)
    assert "Human Rights Watch" not in text
    sources = {"ko": "출처: UPI, 2015년 11월 18일 (추정);",
               "zh-Hans": "来源：UPI，2015年11月18日（推定）；"}[first]
    assert flat(sources) in flat(text)
    assert "VICE" not in text


@pytest.mark.slow
def test_a_handout_built_with_pair_is_no_orphan_of_the_next_full_build(
        handouts: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(handouts / "a4", out)
    result = CliRunner().invoke(app, ["build", "--content", str(REPO / "content"), "--out",
                                      str(out), "--check"])
    assert result.exit_code == 3  # the briefs were never built
    assert "orphaned" not in result.stderr
    assert "zh-Hans+en" not in result.stderr


def test_pictures_and_qr_code(handouts: Path) -> None:
    stem = handouts / "a4" / f"{CASE}_handout_washington-protest_ko+en"
    page = Image.open(f"{stem}.png")
    square = Image.open(f"{stem}_square.png")
    assert square.size == (1080, 1080)
    assert page.size == (1241, 1754)  # A4 at 150 dpi
    assert [c.text for c in zxingcpp.read_barcodes(page)] == [URL]
    # The square is the top of the page, as wide as the picture (the event, summary,
    # facts and requests, large enough to read), not the whole page shrunk into it.
    top = page.crop((0, 0, 1241, 1241)).resize((1080, 1080), Image.Resampling.LANCZOS)
    assert _difference(square, top) < 6
    shrunk = Image.new("RGB", (1080, 1080), "white")
    shrunk.paste(page.resize((764, 1080), Image.Resampling.LANCZOS), (158, 0))
    assert _difference(square, shrunk) > 3 * _difference(square, top)
    manifest = json.loads((handouts / "a4" / "manifest.json").read_text())
    entry = next(e for e in manifest["outputs"] if e["path"].endswith("ko+en.pdf"))
    assert entry["locales"] == ["ko", "en"]
    assert sorted(entry["images"]) == [f"{stem.name}.png", f"{stem.name}_square.png"]


def test_a_handout_has_keywords_as_its_file_name_has(handouts: Path) -> None:
    pdf = handouts / "a4" / f"{CASE}_handout_washington-protest_ko+en.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    assert f"Keywords:        {CASE}, washington-protest, ko+en, handout" in info


@pytest.mark.slow
def test_no_restricted_text_anywhere(handouts: Path) -> None:
    content = load_content(REPO / "content")
    case = content.cases[CASE]
    restricted = [f.text for f in case.facts if f.sensitivity.value == "restricted"]
    assert case.group is not None
    restricted += [m.description for m in case.group.members
                   if m.sensitivity.value == "restricted"]
    for pdf in sorted(handouts.glob("*/*.pdf")):
        for where, text in [("file name", pdf.name), *pdf_strings(pdf.read_bytes())]:
            for item in restricted:
                assert not contains(text, item), (pdf.name, where, item)
            assert "captain" not in text.lower(), (pdf.name, where)


def test_event_time_follows_daylight_saving() -> None:
    zone = zoneinfo.ZoneInfo("America/New_York")
    before = dt.datetime(2015, 10, 31, 13, 0, tzinfo=zone)  # EDT
    after = dt.datetime(2015, 11, 1, 13, 0, tzinfo=zone)  # EST, the day the clocks change
    assert format_event_time(before, before + dt.timedelta(hours=1), "en")[1].endswith("EDT")
    assert format_event_time(after, after + dt.timedelta(hours=1), "en")[1].endswith("EST")
    date, times = format_event_time(after, after + dt.timedelta(hours=1), "ko")
    assert date == "2015년 11월 1일 일요일"
    assert times == "오후 1:00~2:00 미 동부 표준시"
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    start = dt.datetime(2015, 11, 21, 13, 0, tzinfo=seoul)
    assert format_event_time(start, start + dt.timedelta(hours=2), "ko")[1] == (
        "오후 1:00~3:00 한국 표준시")


def test_an_event_ending_on_another_day_names_both_days() -> None:
    zone = zoneinfo.ZoneInfo("America/New_York")
    start = dt.datetime(2015, 11, 21, 20, 0, tzinfo=zone)
    end = dt.datetime(2015, 11, 22, 6, 0, tzinfo=zone)
    assert format_event_time(start, end, "en") == (
        "Saturday, November 21, 2015\u2009–\u2009Sunday, November 22, 2015",
        "Sat 8:00 PM\u2009–\u2009Sun 6:00 AM EST")
    assert format_event_time(start, end, "ko") == (
        "2015년 11월 21일 토요일 ~ 2015년 11월 22일 일요일",
        "(토) 오후 8:00 ~ (일) 오전 6:00 미 동부 표준시")
    # Midnight is the next day: not "8:00 PM – 12:00 AM" on one date.
    date, times = format_event_time(start, start.replace(hour=23) + dt.timedelta(hours=1),
                                    "en")
    assert "Sunday" in date and "Sun 12:00" in times
    # The clocks go back during the event: both zones are named.
    night = dt.datetime(2015, 11, 1, 0, 30, tzinfo=zone)
    times = format_event_time(night, night.replace(hour=3), "en")[1]
    assert times.endswith("(EDT\u2009–\u2009EST)")


def _sample_with_event(project: Make, start: str, end: str) -> Path:
    content = project("minimal")
    add_handout(content, start, end)
    # Korean as a second language with no catalog: shown in English, marked as such.
    edit(content / "project.yaml", "locales: [en]",
         "locales: [en, ko]\ntranslation_policy: {ko: mark}\nhandout_pairs: [ko+en]")
    return content


def test_a_time_the_clocks_skip_is_an_error(project: Make) -> None:
    content = _sample_with_event(project, "2015-03-08T02:30", "2015-03-08T04:00")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    assert ("case.yaml:71: events[1].start: 2015-03-08T02:30 does not exist in "
            "America/New_York (the clocks skip it)") in result.stderr


@pytest.mark.parametrize(("zone", "hint"), [
    ("America/New_Yrok", "did you mean 'America/New_York'?"),
    ("Gotham/City", "expected an IANA name such as America/New_York or Asia/Seoul"),
])
def test_a_misspelt_time_zone_is_named_with_the_one_meant(project: Make, zone: str,
                                                          hint: str) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    edit(content / "cases/sample-case/case.yaml", "timezone: America/New_York",
         f"timezone: {zone}")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    assert f"events[1].timezone: {zone!r} is not a time zone ({hint})" in result.stderr, \
        result.stderr


@pytest.mark.parametrize(("start", "problem"), [
    # Python reads a bare date as midnight: the handout would print "12:00 AM".
    ("2015-11-21", "'2015-11-21' has no time of day"),
    ("2015-11-21 13:00", "'2015-11-21 13:00' is not written as YYYY-MM-DDTHH:MM"),
    ("2015-11-21T13:00:30", "'2015-11-21T13:00:30' is not written as YYYY-MM-DDTHH:MM"),
    ("2015-11-21T13:00-05:00", "'2015-11-21T13:00-05:00' carries an offset"),
    ("21 November, 1 pm", "'21 November, 1 pm' is not a date and time"),
])
def test_an_event_time_must_be_written_as_documented(project: Make, start: str,
                                                     problem: str) -> None:
    content = _sample_with_event(project, start, "2015-11-21T14:00")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2, result.stderr
    assert f"case.yaml:71: events[1].start: {problem}" in result.stderr
    assert "(expected YYYY-MM-DDTHH:MM" in result.stderr or "offset" in problem


def test_a_time_that_happens_twice_is_read_as_the_first_and_warned_about(
        project: Make) -> None:
    content = _sample_with_event(project, "2015-11-01T01:30", "2015-11-01T03:00")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 0, result.stderr
    assert ("warning: content/cases/sample-case/case.yaml:71: events[1].start: "
            "2015-11-01T01:30 happens twice in America/New_York (the clocks go back); it is "
            "read as the first, 01:30 EDT (UTC-0400)") in result.stderr
    result = CliRunner().invoke(app, ["validate", "--strict", "--content", str(content)])
    assert result.exit_code == 2


def test_a_handout_summary_is_printed_instead_of_the_cases(project: Make) -> None:
    from briefgen.messages import case_messages

    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    case = content / "cases/sample-case/case.yaml"
    edit(case, "handout:\n", "handout:\n  title: Two held (2015)\n"
         "  summary: By the day of the vigil, two were held.\n")
    result = CliRunner().invoke(app, ["build", "--content", str(content), "--doc", "handout",
                                      "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    (pdf,) = (content.parent / "output").glob("*handout*.pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "By the day of the vigil, two were held." in text
    assert "Two people were stopped and handed over." not in text
    assert "Two held (2015)" in text and "A sample case" not in text
    # Translated like the rest of the handout.
    loaded = load_content(content)
    assert {"case:sample-case:handout:summary", "case:sample-case:handout:title"} <= {
        m.context for m in case_messages(loaded.cases["sample-case"])}


def test_a_restricted_fact_on_a_handout_is_an_error(project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    edit(content / "cases/sample-case/case.yaml", "  facts: [stopped]",
         "  facts: [stopped, secret-fact]")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    assert ("handout.facts: refers to restricted fact 'secret-fact' (a handout is public "
            "material; choose public facts only)") in result.stderr


def test_handout_references_and_link_are_reported_once_each(project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    case = content / "cases/sample-case/case.yaml"
    edit(case, "  link: https://example.org/x", "  link: javascript:alert(1)")
    edit(case, "  facts: [stopped]", "  facts: [stoped, nowhere]")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    err = result.stderr
    assert "handout.link: 'javascript:alert(1)' is not a web address" in err
    assert "handout.link: is missing" not in err
    assert "unknown fact 'stoped' (did you mean 'stopped'?)" in err
    assert ("unknown fact 'nowhere' (define it under facts: in "
            "content/cases/sample-case/case.yaml or fix the reference)") in err
    assert "3 problems found" in err

    edit(case, "  link: javascript:alert(1)\n", "")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert "handout.link: is missing (the address the handout's QR code opens)" in result.stderr


@pytest.mark.slow
def test_overflow_fails_and_says_by_how_much(project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    long_summary = " ".join(["Two people were stopped and handed over."] * 120)
    edit(content / "cases/sample-case/case.yaml",
         "summary: Two people were stopped and handed over.", f"summary: {long_summary}")
    result = CliRunner().invoke(app, ["build", "--content", str(content), "--doc", "handout",
                                      "--jobs", "1"])
    assert result.exit_code == 2
    assert "does not fit on 1 page(s): at the smallest type size (8 pt) it takes" in \
        result.stderr
    case = "content/cases/sample-case/case.yaml"
    said = " ".join(result.stderr.split())
    assert (f"(its longest text is the case summary ({len(long_summary)} characters, at "
            f"{case}:6); shorten the case summary (at {case}:6) or the handout's "
            f"call_to_action (at "
            f"{case}:79), or list fewer of its facts (at {case}:82) or asks (at {case}:83)"
            ) in said
    # The Korean may be the longer text: its catalog is named too.
    assert "; its translation in locales/ko/case.sample-case.po)" in said
    assert not (content.parent / "output").exists()

    # A handout with a summary of its own prints that, not the case's.
    edit(content / "cases/sample-case/case.yaml", f"summary: {long_summary}",
         "summary: Two people were stopped and handed over.")
    edit(content / "cases/sample-case/case.yaml", "  call_to_action: Come.\n",
         f"  call_to_action: Come.\n  summary: {long_summary}\n  summary_sources: [src-a]\n")
    result = CliRunner().invoke(app, ["build", "--content", str(content), "--doc", "handout",
                                      "--jobs", "1"])
    assert result.exit_code == 2
    assert (f"(its longest text is the handout's summary ({len(long_summary)} characters, "
            f"at {case}:80); shorten the handout's summary (at {case}:80) or") in " ".join(
        result.stderr.split())


def _difference(a: Image.Image, b: Image.Image) -> float:
    """The mean difference of two pictures' grey levels (0 to 255), blurred so that the
    anti-aliasing of text at two resolutions does not count, only where things are."""
    from PIL import ImageChops, ImageFilter, ImageStat

    a, b = (i.convert("L").filter(ImageFilter.GaussianBlur(4)) for i in (a, b))
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def test_square_picture_is_deterministic() -> None:
    from briefgen.pictures import page_pictures

    buffer = io.BytesIO()
    Image.new("RGB", (100, 141), "white").save(buffer, format="PDF")
    data = buffer.getvalue()
    first, second = page_pictures(data), page_pictures(data)
    assert first == second
    assert Image.open(io.BytesIO(first["_square.png"])).size == (1080, 1080)


def test_the_square_is_cut_at_the_lowest_gap_between_blocks_in_its_lower_half() -> None:
    from briefgen.pictures import _cut_at_gap

    image = Image.new("L", (100, 100), 0)  # all ink: what is blanked shows
    page_height = 200  # the square is the top half of the page
    cut = _cut_at_gap(image, page_height, [(0.1, 0.15), (0.3, 0.32), (0.45, 0.47), (0.6, 0.7)])
    # 0.45 of the page is row 90: the lowest gap that starts inside the square.
    assert [cut.getpixel((50, y)) for y in (89, 90, 99)] == [0, 255, 255]
    # A gap only in the upper half would cut away too much: the picture is kept whole.
    kept = _cut_at_gap(image, page_height, [(0.1, 0.15), (0.6, 0.7)])
    assert kept.getextrema() == (0, 0)


@pytest.mark.slow
@pytest.mark.parametrize(("pair", "alt"), [("ko+en", f"QR 코드: {URL}"),
                                           ("zh-Hans+en", f"二维码：{URL}")])
def test_qr_code_has_alternative_text_in_the_document_language(
        handouts: Path, pair: str, alt: str) -> None:
    reader = PdfReader(handouts / "a4" / f"{CASE}_handout_washington-protest_{pair}.pdf")
    figures: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt")))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert figures == [alt]


def test_the_longest_link_allowed_fits_a_qr_code_of_version_10() -> None:
    import segno

    from briefgen.loader import MAX_QR_LINK

    longest = "https://example.org/" + "a" * (MAX_QR_LINK - len("https://example.org/"))
    assert segno.make(longest, error="m", micro=False).version == 10
    assert segno.make(longest + "a", error="m", micro=False).version == 11


@pytest.mark.slow
def test_a_link_too_long_for_the_qr_code_is_refused_and_the_longest_scans(
        project: Make) -> None:
    from briefgen.loader import MAX_QR_LINK

    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    case = content / "cases/sample-case/case.yaml"
    longest = "https://example.org/" + "a" * (MAX_QR_LINK - len("https://example.org/"))
    edit(case, "  link: https://example.org/x", f"  link: {longest}b")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    line = case.read_text(encoding="utf-8").splitlines().index(f"  link: {longest}b") + 1
    assert (f"case.yaml:{line}: handout.link: is {MAX_QR_LINK + 1} bytes long, too long for "
            f"the handout's QR code (at most {MAX_QR_LINK})") in result.stderr

    edit(case, f"  link: {longest}b", f"  link: {longest}")
    result = CliRunner().invoke(app, ["build", "--content", str(content), "--doc", "handout",
                                      "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    (png,) = (content.parent / "output").glob("*_handout_vigil_ko+en.png")
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(png))] == [longest]


def test_a_disputed_fact_on_a_handout_is_an_error(project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    edit(content / "cases/sample-case/case.yaml", "  facts: [stopped]", "  facts: [stopped, when]")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 2
    assert "handout.facts: refers to disputed fact 'when' (a handout prints a fact's text " \
           "alone" in result.stderr


def test_a_handout_without_events_is_warned_about(project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    case = content / "cases/sample-case/case.yaml"
    text = case.read_text(encoding="utf-8")
    case.write_text(text[:text.index("events:")] + text[text.index("handout:"):],
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "--content", str(content)])
    assert result.exit_code == 0, result.stderr
    assert ("handout: the case has a handout but no events, so no handout is made"
            in result.stderr)
    result = CliRunner().invoke(app, ["validate", "--strict", "--content", str(content)])
    assert result.exit_code == 2


@pytest.mark.parametrize(("time", "cited"), [("12:59-05:00", True), ("13:01-05:00", False),
                                             ("17:59+00:00", True), ("18:01+00:00", False)])
def test_a_source_published_after_the_event_started_is_not_on_its_handout(
        project: Make, time: str, cited: bool) -> None:
    from briefgen.view import build_handout_view

    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    edit(content / "sources/sources.yaml", "    date: 2015-11-18\n",
         f"    date: 2015-11-21\n    time: \"{time}\"\n")
    loaded = load_content(content)
    case = loaded.cases["sample-case"]
    translators = {x: Translator(x, "en", content.parent / "locales", content.parent)
                   for x in ("ko", "en")}
    view = build_handout_view(loaded, case, "vigil", ("ko", "en"), translators)
    outlets = [s.outlet for s in view.columns[1].sources]
    assert ("Example Wire" in outlets) is cited, outlets


def test_whatever_a_handout_prints_cited_only_to_later_sources_is_warned_about(
        project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    edit(content / "sources/sources.yaml", "    date: 2015-11-18\n", "    date: 2015-12-01\n")
    case = "content/cases/sample-case/case.yaml"
    warnings = [str(w) for w in load_content(content).warnings]
    later = ("the handout for event 'vigil' prints was published after the event started, "
             "so its handout cites none for it (cite what was reported by then)")
    lines = (content / "cases/sample-case/case.yaml").read_text().splitlines()
    asks = lines.index("  asks: [release]") + 1
    sources = max(n for n, line in enumerate(lines, start=1) if line == "    sources: [src-a]")
    assert f"{case}:{asks}: handout.asks: every source of ask 'release' {later}" in warnings
    assert f"{case}:{sources}: events[1].sources: every source of event 'vigil' {later}" \
        in warnings
    # One of its sources gives no date: it may have been out by then.
    assert not any("fact 'stopped'" in w for w in warnings), warnings


def test_a_handout_summary_cited_only_to_later_sources_is_warned_about(project: Make) -> None:
    content = _sample_with_event(project, "2015-11-21T13:00", "2015-11-21T14:00")
    case = content / "cases/sample-case/case.yaml"
    edit(case, "handout:\n", "handout:\n  summary: By the day of the vigil, two were held.\n"
         "  summary_sources: [src-a]\n")
    edit(content / "sources/sources.yaml", "    date: 2015-11-18\n",
         "    date: 2015-11-21\n    time: \"18:30+00:00\"\n")
    warnings = [str(w) for w in load_content(content).warnings]
    assert any("handout.summary_sources: every source of the summary the handout for event "
               "'vigil' prints was published after the event started" in w
               for w in warnings), warnings
