"""Reading a date range typed by the user: ``2019``, ``2019-05..2019-07``, ``2019-05-01 to 2019-05-31``."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from searchtui.errors import DateRangeError

_PART = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_SEP = re.compile(r"\s*(?:\.\.|\bto\b|–|—)\s*")


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    m = _PART.match(text.strip())
    if not m:
        raise DateRangeError(f"not a date: {text.strip()!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    year = int(m.group(1))
    try:
        if m.group(2) is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        month = int(m.group(2))
        if m.group(3) is None:
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last)
        day = dt.date(year, month, int(m.group(3)))
        return day, day
    except (ValueError, calendar.IllegalMonthError):
        raise DateRangeError(f"no such date: {text.strip()!r}") from None


def parse_date_range(text: str) -> tuple[dt.date | None, dt.date | None]:
    """(from, to), both inclusive; an open end is None. Empty text clears the range."""
    text = text.strip()
    if not text:
        return None, None
    parts = _SEP.split(text, maxsplit=1)
    if len(parts) == 1:
        return _bounds(parts[0])
    left, right = parts[0].strip(), parts[1].strip()
    start = _bounds(left)[0] if left else None
    end = _bounds(right)[1] if right else None
    if start and end and end < start:
        raise DateRangeError("the range ends before it starts")
    return start, end


def format_date_range(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return ""
    if start == end:
        return start.isoformat()  # type: ignore[union-attr]
    return f"{start.isoformat() if start else ''}..{end.isoformat() if end else ''}"
