"""Dates as written in bylines and in fields: many layouts, never guessed."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip


def _month_re(name: str) -> str:
    return (
        rf"(?P<{name}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
        rf"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
    )


_ORD = r"(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,\s+)?"

# A date at the very end of a byline: "Nov 5, 2016", "November 5 2016",
# "Sept. 5, 2016", "5 November 2016", "2016-11-05", optionally after a
# full weekday name and a comma. Preceded by the start, a space or a comma.
_BYLINE_DATE = re.compile(
    rf"(?<![^\s,]){_WEEKDAY}(?:"
    rf"{_month_re('m1')}\s+(?P<d1>\d{{1,2}}){_ORD},?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}}){_ORD}\s+{_month_re('m2')},?\s+(?P<y2>\d{{4}})"
    rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{1,2}})-(?P<d3>\d{{1,2}})"
    rf")\s*$",
    re.IGNORECASE,
)
_DATE_ISO = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DATE_COMPACT = re.compile(r"\s*(\d{4})(\d{2})(\d{2})(?:[T\s]|$)")
_DATE_MDY = re.compile(
    rf"(?<![a-z]){_month_re('m')}\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})(?!\d)", re.IGNORECASE
)
_DATE_DMY = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_month_re('m')},?\s+(?P<y>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_DATE_NUMERIC = re.compile(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")


#: Article dates before this year are taken for mistakes (kept undated, with a warning).
EARLIEST_YEAR = 1800
#: ... and so are dates more than this far in the future.
LATEST_AHEAD = _dt.timedelta(days=366)


def latest_plausible_date() -> _dt.date:
    """The last date an article may carry: a year from today."""
    return _dt.date.today() + LATEST_AHEAD


def _plausible(d: _dt.date | None, why: str) -> tuple[_dt.date | None, str]:
    """``(d, why)``, or None and the reason when ``d`` is outside the plausible window."""
    if d is None:
        return None, why
    latest = latest_plausible_date()
    if d.year < EARLIEST_YEAR or d > latest:
        return None, f"outside the plausible dates, {EARLIEST_YEAR} to {latest.isoformat()}"
    return d, ""


def _make_date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def _date_from_byline_match(m: re.Match[str]) -> tuple[_dt.date | None, str]:
    """The date of a byline match, or None and why not."""
    for n in ("1", "2"):
        if m.group(f"y{n}"):
            month = _MONTHS[m.group(f"m{n}")[:3].lower()]
            d = _make_date(int(m.group(f"y{n}")), month, int(m.group(f"d{n}")))
            break
    else:
        d = _make_date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3")))
    return _plausible(d, "no such day")


def _parse_date_text(text: str) -> tuple[_dt.date | None, str]:
    """A date from free text, and why not when there is none."""
    s = text.strip()
    if not s:
        return None, "empty"
    m = _DATE_ISO.match(s)
    if m:
        d = _make_date(int(m[1]), int(m[2]), int(m[3]))
        return d, "" if d else "no such day"
    m = _DATE_MDY.search(s) or _DATE_DMY.search(s)
    if m:
        d = _make_date(int(m["y"]), _MONTHS[m["m"][:3].lower()], int(m["d"]))
        return d, "" if d else "no such day"
    m = _DATE_NUMERIC.match(s)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            y += 2000 if y < 70 else 1900
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a or a == b:
            month, day = a, b
        else:
            return None, "day and month could be either way round"
        d = _make_date(y, month, day)
        return d, "" if d else "no such day"
    m = _DATE_COMPACT.match(s)
    if m:
        d = _make_date(int(m[1]), int(m[2]), int(m[3]))
        return d, "" if d else "no such day"
    return None, "not a date"


def parse_date(value: Any) -> _dt.date | None:
    """A calendar date from a field value, or None.

    Understands date and datetime objects, ISO dates and timestamps
    (``2016-11-15``, ``2016-11-15T10:00:00Z``; the date part as written),
    ``Nov 15, 2016``, ``November 15 2016``, ``Sept. 5, 2016``,
    ``15 November 2016``, RFC 2822 (``Tue, 15 Nov 2016 10:00:00 GMT``),
    numeric day/month orders when they are unambiguous (``11/15/2016``,
    ``15/11/2016``), and Unix timestamps (seconds or milliseconds) given as
    numbers. Dates outside the plausible window (from ``EARLIEST_YEAR`` to a
    year from today) give None.
    """
    return _to_date(value)[0]


def _to_date(value: Any) -> tuple[_dt.date | None, str]:
    """A plausible date from a field value, or None and why not."""
    return _plausible(*_read_date(value))


def _read_date(value: Any) -> tuple[_dt.date | None, str]:
    if value is None:
        return None, "empty"
    if isinstance(value, _dt.datetime):
        return value.date(), ""
    if isinstance(value, _dt.date):
        return value, ""
    if isinstance(value, bool):
        return None, "not a date"
    if isinstance(value, (int, float)):
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            return None, "not a date"
        if 1e11 <= abs(v) < 1e14:  # milliseconds
            v /= 1000.0
        if 1e8 <= abs(v) < 1e11:
            try:
                return _dt.datetime.fromtimestamp(v, _dt.timezone.utc).date(), ""
            except (OverflowError, OSError, ValueError):
                return None, "not a date"
        return None, "not a date"
    if isinstance(value, str):
        return _parse_date_text(value)
    return None, "not a date"
