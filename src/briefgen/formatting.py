"""Turn dates, lists and numbers into text written the way each locale writes them.

All of it goes through Babel (CLDR data): a month-only date is "October 2015",
"2015년 10월" or "2015年10月", never a day that no source gave; a range of months is
"October – November 2015", "2015년 10월~11월" or "2015年10月 – 11月".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    get_timezone_name,
    parse_pattern,
)
from babel.lists import format_list
from babel.numbers import format_decimal

from briefgen.model import PartialDate, Precision

# How "about <date>" is written is a template label (translated in templates.po); these
# are the English source strings, looked up through the translator passed in.
APPROXIMATE_DAY = "on or about {date}"
APPROXIMATE_OTHER = "about {date}"
# Labels used from code rather than templates; extracted into templates.po with them.
CODE_LABELS = (APPROXIMATE_DAY, APPROXIMATE_OTHER)


def babel_locale(tag: str) -> Locale:
    return Locale.parse(tag.replace("-", "_"))


def format_partial_date(
    date: PartialDate,
    locale: str,
    *,
    approximate: bool = False,
    gettext: Callable[[str], str] | None = None,
) -> str:
    loc = babel_locale(locale)
    day = date.earliest
    if date.precision is Precision.DAY:
        text = format_date(day, format="long", locale=loc)
    elif date.precision is Precision.MONTH:
        text = format_skeleton("yMMMM", day, locale=loc)
    else:
        text = format_skeleton("y", day, locale=loc)
    if approximate:
        pattern = APPROXIMATE_DAY if date.precision is Precision.DAY else APPROXIMATE_OTHER
        translated = gettext(pattern) if gettext else pattern
        text = translated.format(date=text)
    return text


# The CLDR interval skeleton for each precision; day ranges use the long month name, like
# single dates (format_date's "long").
_RANGE_SKELETONS = {Precision.DAY: "yMMMd", Precision.MONTH: "yMMMM", Precision.YEAR: "y"}
_RANGE_FIELDS = ("y", "M", "d")  # largest first, as CLDR's greatest difference is chosen


def format_date_range(start: PartialDate, end: PartialDate, locale: str) -> str:
    """A period from ``start`` to ``end``, each at its own precision, in the locale's form.

    What both ends share is written once ("October 22 – 25, 2015", "2015년 10월~11월",
    "2015年10月 – 11月"). Ends of different precision ("October 22, 2015 – November 2015")
    have no CLDR pattern: each is written in full, joined by the locale's range pattern.
    """
    if end.latest < start.earliest:
        raise ValueError(f"date range ends ({end.iso()}) before it starts ({start.iso()})")
    loc = babel_locale(locale)
    if start == end:
        return format_partial_date(start, locale)
    if start.precision is end.precision:
        patterns = loc.interval_formats.get(_RANGE_SKELETONS[start.precision])
        differing = [f for f in _RANGE_FIELDS
                     if patterns and f in patterns and _field(start, f) != _field(end, f)]
        if patterns and differing:
            first, second = patterns[differing[0]]
            return (parse_pattern(_long_month(first, loc)).apply(start.earliest, loc)
                    + parse_pattern(_long_month(second, loc)).apply(end.earliest, loc))
    joined = str(loc.interval_formats.get(None) or "{0} – {1}")
    return (joined.replace("{0}", format_partial_date(start, locale))
            .replace("{1}", format_partial_date(end, locale)))


def _field(date: PartialDate, field: str) -> int | None:
    return {"y": date.year, "M": date.month, "d": date.day}[field]


def _long_month(pattern: str, loc: Locale) -> str:
    # CLDR's day intervals use the abbreviated month ("Oct 22 – 25"); our single dates
    # use the month as the locale's long date format writes it, and a range must read
    # like them. Only where that format spells the month out (English "October", Korean
    # "10월"): Chinese writes "10月" (MMM), and its MMMM is "十月".
    if "MMMM" not in str(loc.date_formats["long"].pattern):
        return pattern
    return re.sub(r"(?<!M)MMM(?!M)", "MMMM", pattern)


def format_count(
    count: int,
    singular: str,
    plural: str,
    locale: str,
    *,
    ngettext: Callable[[str, str, int], str] | None = None,
) -> str:
    """A label with a count, in the plural form the locale uses for that count.

    ``singular`` and ``plural`` are the English labels with ``%(count)s`` where the
    number goes ("%(count)s source", "%(count)s sources"); ``ngettext`` (the translator's)
    picks the translated form by the catalog's plural rule, so Korean and Chinese, which
    have one form, get it for every count. The number is written in the locale's digits.
    """
    if ngettext is None:
        def ngettext(one: str, other: str, n: int) -> str:
            return one if babel_locale("en").plural_form(n) == "one" else other
    return ngettext(singular, plural, count) % {"count": format_number(count, locale)}


def format_names(names: Sequence[str], locale: str) -> str:
    """"China, Vietnam and South Korea" in the locale's own list form."""
    if not names:
        return ""
    return format_list(list(names), style="standard", locale=babel_locale(locale))


def format_number(value: int, locale: str) -> str:
    return format_decimal(value, locale=babel_locale(locale))


def territory_name(country: str, locale: str) -> str | None:
    name = babel_locale(locale).territories.get(country)
    return str(name) if name else None


def language_name(language: str, locale: str) -> str:
    try:
        return str(babel_locale(language).get_display_name(babel_locale(locale)))
    except (UnknownLocaleError, ValueError):
        return language


def format_event_time(start: dt.datetime, end: dt.datetime, locale: str) -> tuple[str, str]:
    """(date, time range with zone) of an event, in its own time zone, in ``locale``.

    "Saturday, November 21, 2015" and "1:00 – 2:00 PM EST"; "2015년 11월 21일 토요일" and
    "오후 1:00~2:00 미 동부 표준시". The zone is the one in force at the start, so a date
    across a daylight-saving change is named correctly; an event that ends on another
    day (an overnight vigil) names both days, and the day of each time: "Sat 8:00 PM –
    Sun 6:00 AM EST".
    """
    loc = babel_locale(locale)
    zone = start.tzinfo
    joined = str(loc.interval_formats.get(None) or "{0} – {1}")
    if end.astimezone(zone).date() == start.date():
        date = format_date(start, format="full", locale=loc)
        times = format_interval(start, end, "hm", tzinfo=zone, locale=loc)
    else:
        date = joined.format(format_date(start, format="full", locale=loc),
                             format_date(end.astimezone(zone), format="full", locale=loc))
        times = joined.format(format_skeleton("Ehm", start, tzinfo=zone, locale=loc),
                              format_skeleton("Ehm", end, tzinfo=zone, locale=loc))
    times = _korean_day_periods(times, loc)
    name = _zone_name(start, loc)
    end_name = _zone_name(end.astimezone(zone), loc)
    if end_name != name:  # daylight saving began or ended during the event
        return date, f"{times} ({joined.format(name, end_name)})"
    return date, f"{times} {name}"


def _korean_day_periods(times: str, loc: Locale) -> str:
    # CLDR's abbreviated day periods for Korean are the Latin "AM"/"PM"; Korean readers
    # expect 오전/오후, which CLDR gives as the wide form.
    if loc.language == "en":
        return times
    abbreviated = loc.day_periods["format"]["abbreviated"]
    wide = loc.day_periods["format"]["wide"]
    for period in ("am", "pm"):
        short, full = abbreviated.get(period), wide.get(period)
        if short and full and short.isascii() and not full.isascii():
            times = times.replace(short, full)
    return times


def _zone_name(moment: dt.datetime, loc: Locale) -> str:
    name = str(get_timezone_name(moment, width="short", locale=loc))
    if not name or name[0] in "+-" or name.startswith("GMT"):
        name = str(get_timezone_name(moment, width="long", locale=loc))
    return name
