"""Dates, lists and numbers in each locale's own form, at the precision the content gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefgen.formatting import format_names, format_number, format_partial_date
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
