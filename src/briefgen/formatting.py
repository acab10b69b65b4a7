"""Turn dates, lists and numbers into text written the way each locale writes them.

All of it goes through Babel (CLDR data): a month-only date is "October 2015",
"2015년 10월" or "2015年10月", never a day that no source gave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from babel import Locale
from babel.dates import format_date, format_skeleton
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
    except ValueError:
        return language
