"""Dates, lists and numbers in each locale's own form, at the precision the content gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.formatting import (
    format_count,
    format_date_range,
    format_names,
    format_number,
    format_partial_date,
)
from briefgen.model import PartialDate

LOCALES = ("en", "ko", "zh-Hans")


@pytest.mark.parametrize(
    ("date", "locale", "expected"),
    [
        (PartialDate(2015, 10, 22), "en", "October 22, 2015"),
        (PartialDate(2015, 10), "en", "October 2015"),
        (PartialDate(2015), "en", "2015"),
        (PartialDate(2015, 10, 22), "ko", "2015년 10월 22일"),
        (PartialDate(2015, 10), "ko", "2015년 10월"),
        (PartialDate(2015), "ko", "2015년"),
        (PartialDate(2015, 10, 22), "zh-Hans", "2015年10月22日"),
        (PartialDate(2015, 10), "zh-Hans", "2015年10月"),
    ],
)
def test_dates_at_their_precision(date: PartialDate, locale: str, expected: str) -> None:
    assert format_partial_date(date, locale) == expected


def test_approximate_dates_use_the_translated_pattern() -> None:
    assert format_partial_date(PartialDate(2015, 10, 22), "en", approximate=True) == (
        "on or about October 22, 2015")
    assert format_partial_date(PartialDate(2015, 10), "en", approximate=True) == (
        "about October 2015")
    korean = {"on or about {date}": "{date}경", "about {date}": "{date}경"}
    assert format_partial_date(PartialDate(2015, 10), "ko", approximate=True,
                               gettext=korean.__getitem__) == "2015년 10월경"


dates = st.builds(
    lambda year, month, day, precision: PartialDate(
        year, month if precision != "year" else None,
        day if precision == "day" else None),
    st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 28),
    st.sampled_from(["day", "month", "year"]),
)


@given(dates, st.sampled_from(LOCALES))
def test_no_made_up_day(date: PartialDate, locale: str) -> None:
    text = format_partial_date(date, locale)
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    assert str(date.year) in text
    if date.day is None:
        # Only the year (and, for CJK locales, the month number) may appear.
        assert set(numbers) <= {date.year, date.month}
    else:
        assert date.day in numbers


@given(dates, st.sampled_from(LOCALES))
def test_month_name_or_number_present_when_known(date: PartialDate, locale: str) -> None:
    text = format_partial_date(date, locale)
    if date.month is None:
        assert text.strip("年년") == str(date.year) or text == str(date.year)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "China, Vietnam, and South Korea"), ("ko", "China, Vietnam 및 South Korea"),
     ("zh-Hans", "China、Vietnam和South Korea")],
)
def test_lists(locale: str, expected: str) -> None:
    assert format_names(["China", "Vietnam", "South Korea"], locale) == expected


def test_numbers() -> None:
    assert format_number(28000, "en") == "28,000"
    assert format_number(28000, "ko") == "28,000"


# --- date ranges ---------------------------------------------------------------------

THIN = "\u2009"


@pytest.mark.parametrize(
    ("start", "end", "locale", "expected"),
    [
        (PartialDate(2015, 10), PartialDate(2015, 11), "en", f"October{THIN}–{THIN}November 2015"),
        (PartialDate(2015, 10), PartialDate(2015, 11), "ko", "2015년 10월~11월"),
        (PartialDate(2015, 10), PartialDate(2015, 11), "zh-Hans", "2015年10月 – 11月"),
        (PartialDate(2015, 10, 22), PartialDate(2015, 10, 25), "en",
         f"October 22{THIN}–{THIN}25, 2015"),
        (PartialDate(2015, 10, 22), PartialDate(2015, 11, 3), "en",
         f"October 22{THIN}–{THIN}November 3, 2015"),
        (PartialDate(2015, 10, 22), PartialDate(2015, 10, 25), "ko", "2015년 10월 22일~25일"),
        (PartialDate(2015, 10, 22), PartialDate(2015, 11, 3), "zh-Hans",
         f"2015年10月22日{THIN}–{THIN}11月3日"),
        (PartialDate(2015), PartialDate(2016), "en", f"2015{THIN}–{THIN}2016"),
        (PartialDate(2015), PartialDate(2016), "ko", "2015년 ~ 2016년"),
        (PartialDate(2015), PartialDate(2016), "zh-Hans", "2015–2016年"),
        (PartialDate(2015, 10), PartialDate(2016, 1), "en",
         f"October 2015{THIN}–{THIN}January 2016"),
        # Ends of different precision: each in full, joined by the locale's range pattern.
        (PartialDate(2015, 10, 22), PartialDate(2015, 11), "en",
         f"October 22, 2015{THIN}–{THIN}November 2015"),
        (PartialDate(2015, 10, 22), PartialDate(2015, 11), "ko", "2015년 10월 22일 ~ 2015년 11월"),
        (PartialDate(2015, 10), PartialDate(2015, 10), "ko", "2015년 10월"),
    ],
)
def test_date_ranges(start: PartialDate, end: PartialDate, locale: str, expected: str) -> None:
    assert format_date_range(start, end, locale) == expected


def test_a_range_may_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends"):
        format_date_range(PartialDate(2015, 11), PartialDate(2015, 10), "en")
    # A month that contains the day is not "before" it.
    assert format_date_range(PartialDate(2015, 10, 22), PartialDate(2015, 10), "en")


def _later(date: PartialDate, years: int, months: int, days: int) -> PartialDate:
    """``date`` moved forward, at the same precision."""
    year = date.year + years
    if date.month is None:
        return PartialDate(year)
    month_index = date.month - 1 + months
    year, month = year + month_index // 12, month_index % 12 + 1
    if date.day is None:
        return PartialDate(year, month)
    return PartialDate(year, month, min(28, date.day + days))


@given(dates, st.sampled_from(LOCALES), st.integers(0, 3), st.integers(0, 14),
       st.integers(0, 27))
def test_range_properties(start: PartialDate, locale: str, years: int, months: int,
                          days: int) -> None:
    end = _later(start, years, months, days)
    text = format_date_range(start, end, locale)
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    # Both years are there (written once when they are the same), and no day appears
    # that neither end gave.
    assert {start.year, end.year} <= numbers
    given_numbers = {start.year, end.year, start.month, end.month, start.day, end.day}
    assert numbers <= given_numbers
    if start.day is not None:
        assert {start.day, end.day} <= numbers
    if locale != "en" and start.month is not None:
        # Korean and Chinese write months in digits, in ranges as in single dates
        # (never 十月).
        assert {start.month, end.month} <= numbers, text
    if start == end:
        assert text == format_partial_date(start, locale)
    else:
        # A range says so: a dash, a tilde or 至 stands between the two ends.
        assert re.search("[–~至]", text), text


@given(dates, st.sampled_from(LOCALES))
def test_a_range_of_one_date_is_that_date(date: PartialDate, locale: str) -> None:
    assert format_date_range(date, date, locale) == format_partial_date(date, locale)


# --- counts --------------------------------------------------------------------------


def test_counts_take_the_plural_form_of_their_locale() -> None:
    one, other = "%(count)s source", "%(count)s sources"
    assert format_count(1, one, other, "en") == "1 source"
    assert format_count(28000, one, other, "en") == "28,000 sources"
    assert format_count(0, one, other, "en") == "0 sources"
    korean = {"%(count)s source": "출처 %(count)s건"}

    def ngettext(singular: str, plural: str, n: int) -> str:
        return korean[singular]  # Korean has one form for every count

    assert format_count(1, one, other, "ko", ngettext=ngettext) == "출처 1건"
    assert format_count(28000, one, other, "ko", ngettext=ngettext) == "출처 28,000건"


@given(st.integers(0, 10**7), st.sampled_from(LOCALES))
def test_counts_show_the_number_in_the_locales_digits(count: int, locale: str) -> None:
    text = format_count(count, "%(count)s person", "%(count)s people", locale)
    assert text.replace(",", "").split()[0] == str(count)
    assert text.endswith("person" if count == 1 else "people")
