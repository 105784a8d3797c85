"""Dates as people type them: one period (``2016``, ``2016-11``, ``2016-11-15``) or a
range of two (``2016-11..2017-02``, ``2019-05-01 to 2019-05-31``, ``2016–2017``).

One reading for every place a date is typed: ``date:`` and its kin in a query,
the CLI's ``--from`` and ``--to``, and the app's date box.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from searchtui.errors import DateRangeError

_PERIOD = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")
# Between the two ends of a range: "..", "to", an en or em dash.
_RANGE_SEP = re.compile(r"\s*(?:\.\.|\bto\b|–|—)\s*")


def parse_date_period(text: str) -> tuple[dt.date, dt.date]:
    """A year, month or day as (first day, last day), both included.

    ``2016``, ``2016-11`` or ``2016-11-15``; ``/`` or ``.`` may stand for ``-``.
    """
    t = text.strip()
    m = _PERIOD.fullmatch(t)
    if not m:
        raise DateRangeError(f"{t!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year = int(m.group(1))
    if year < dt.MINYEAR:
        raise DateRangeError(f"no such date {t!r}: there was no year {year}")
    if m.group(2) is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(m.group(2))
    if not 1 <= month <= 12:
        raise DateRangeError(f"no such date {t!r}: month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if m.group(3) is None:
        return dt.date(year, month, 1), dt.date(year, month, last)
    day = int(m.group(3))
    if not 1 <= day <= last:
        raise DateRangeError(
            f"no such date {t!r}: {day} is not a real day of {calendar.month_name[month]} {year}"
        )
    d = dt.date(year, month, day)
    return d, d


def parse_date_range(text: str) -> tuple[dt.date | None, dt.date | None]:
    """(from, to), both included; an open end is None, and empty text is no range.

    One period stands for all its days; two, joined by ``..``, ``to`` or a dash,
    run from the first day of the one to the last day of the other.
    """
    t = text.strip()
    if not t:
        return None, None
    parts = _RANGE_SEP.split(t, maxsplit=1)
    if len(parts) == 1:
        return parse_date_period(t)
    left, right = parts[0].strip(), parts[1].strip()
    start = parse_date_period(left)[0] if left else None
    end = parse_date_period(right)[1] if right else None
    if start and end and end < start:
        raise DateRangeError(f"the range {t} ends before it starts")
    return start, end


def format_date_range(start: dt.date | None, end: dt.date | None) -> str:
    """The range as :func:`parse_date_range` reads it back: ``2019-01-01..2019-01-31``."""
    if start is None and end is None:
        return ""
    if start == end and start is not None:
        return start.isoformat()
    return f"{start.isoformat() if start else ''}..{end.isoformat() if end else ''}"
