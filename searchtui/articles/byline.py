"""Bylines taken apart: ``Author[, Author…] — Publication Mon DD, YYYY``."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from .dates import _BYLINE_DATE, _date_from_byline_match

_BYLINE_MAX = 300  # a longer line is text, not a byline


@dataclass
class Byline:
    """A byline line taken apart."""

    author_raw: str | None = None  # the author part as written (without a leading "By")
    authors: list[str] = field(default_factory=list)
    publication: str | None = None
    date: _dt.date | None = None
    #: the date part as written, or None when the byline has none; when it is
    #: set and ``date`` is None, the date did not parse
    date_text: str | None = None
    #: why ``date_text`` gave no date ("no such day", a relative date …)
    date_problem: str | None = field(default=None, compare=False)


#: ``Byline.date_problem`` of a relative date ("yesterday", "Monday").
RELATIVE_DATE = "a relative date"

_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
# A relative date at the very end of a byline ("Reuters yesterday", "AP
# Monday"): not part of the publication. Lower case only for the words that
# also end names ("USA Today"); a weekday after "on" belongs to the name
# ("The Mail on Sunday").
_RELATIVE_DATE = re.compile(
    r"(?<=\S)[\s,;|·•]+(?P<when>"
    r"(?:(?:earlier|later)\s+)?(?:yesterday|today|tonight|tomorrow)"
    rf"|(?:last|this|next)\s+(?:week|month|year|night|morning|afternoon|evening|weekend"
    rf"|{_WEEKDAYS})"
    r"|\d{1,3}\s+(?:minute|hour|day|week|month)s?\s+ago"
    rf"|(?<!\bon\s){_WEEKDAYS}(?:\s+(?:morning|afternoon|evening|night))?"
    r")$"
)


_AUTHOR_SEP = re.compile(r"\s*[,;&]\s*(?:(?i:and)\s+)?|\s+(?i:and)\s+")
_NAME_SUFFIX = re.compile(
    r"^(?:[JjSs]r|II|III|IV|V|VI|Ph\.?\s?D|M\.?D|Esq|D\.?D\.?S|CPA|RN)\.?$"
)
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_EN_DASH_SEP = re.compile(r"(?:^|\s)–(?:\s|$)")
_DOUBLE_HYPHEN_SEP = re.compile(r"(?:^|\s)--(?:\s|$)")
_HYPHEN_SEP = re.compile(r"(?:^|\s)-(?:\s|$)")
_PUB_TRAIL = " \t,;|·•"
_SENTENCE_END = (".", "?", "!", ":", ";", ",", '"', "”", "’")

#: A part after " - " that qualifies a publication name rather than follows an
#: author ("New York Times - News", "Guest Writer - Right", "CNN - Editorial").
_SECTIONS = frozenset(
    """news opinion opinions editorial editorials op-ed oped commentary analysis blog blogs
    left right center centre uk us usa world national international politics business
    online web print live local sport sports tech technology science health culture
    entertainment magazine review reviews letters features column columns""".split()
    + ["lean left", "lean right", "op ed"]
)


#: Words no name starts with, and words no name ends with, that a scraped byline
#: leaves around names: "In July Of", "Staff Writer At", "Follow Jill On",
#: "Updated Pm Est", "Posted - May". ("An", "To" and "The" are not among them:
#: "An Nguyen", "To Lam", "The Associated Press".)
_NOT_FIRST_IN_NAME = frozenset(
    "in on at of for from with and updated posted published follow".split()
)
_NOT_LAST_IN_NAME = frozenset("in on at of for from with and the".split())
_EDGE_PUNCT = ".,:;-–—"


def is_name_part(part: str) -> bool:
    """Whether one part of an author string can be a name (see ``_NOT_FIRST_IN_NAME``)."""
    words = part.split()
    return bool(words) and not (
        words[0].strip(_EDGE_PUNCT).lower() in _NOT_FIRST_IN_NAME
        or words[-1].strip(_EDGE_PUNCT).lower() in _NOT_LAST_IN_NAME
    )


def split_authors(raw: str | None, *, names_only: bool = True) -> list[str]:
    """Author names from an author string: split on ``,``, ``;``, ``&`` and
    `` and `` (in any case: "RIZZO AND DOMM"); a suffix after a comma
    (``King, Jr.``) stays with its name; a leading ``By`` (any case) goes;
    repeats are dropped, and so are parts that cannot be names (``is_name_part``)
    unless ``names_only`` is False."""
    if not raw:
        return []
    names: list[str] = []
    for part in _AUTHOR_SEP.split(raw.strip()):
        part = part.strip()
        if not part or (names_only and not is_name_part(part)):
            continue
        if names and _NAME_SUFFIX.match(part):
            names[-1] = f"{names[-1]}, {part}"
            continue
        if not names:
            part = _BY_PREFIX.sub("", part) or part
        names.append(part)
    seen: set[str] = set()
    out = []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def _names_like(authors: list[str]) -> bool:
    """Whether every name looks like a person's or a desk's name."""
    if not authors:
        return False
    for a in authors:
        if len(a) > 60 or len(a.split()) > 6:
            return False
        first = next((ch for ch in a if ch.isalpha()), "")
        if not first.isupper():
            return False
    return True


def _split_byline(rest: str) -> tuple[str, str] | None:
    """(author part, publication part) at the separator, or None without one.

    The em dash (or ``--``) is the separator whenever present, then a spaced
    en dash. A spaced hyphen separates only when the part before it reads like
    names and the part after it is not a mere section qualifier: "Guest
    Writer - Right" is one publication, "Jane Doe - Reuters" is author and
    publication.
    """
    i = rest.find("—")
    if i >= 0:
        return rest[:i], rest[i + 1 :]
    for rx in (_DOUBLE_HYPHEN_SEP, _EN_DASH_SEP):
        m = rx.search(rest)
        if m:
            return rest[: m.start()], rest[m.end() :]
    for m in _HYPHEN_SEP.finditer(rest):
        left, right = rest[: m.start()], rest[m.end() :]
        if not left.strip() or right.strip().lower() in _SECTIONS:
            continue
        if _names_like(split_authors(left, names_only=False)):
            return left, right
    return None


def parse_byline(line: str) -> Byline:
    """Take apart ``Author[, Author…] — Publication Mon DD, YYYY``.

    Any part may be missing: without a separator (em dash, en dash, or a
    hyphen as :func:`_split_byline` decides) the line has no author part and
    all of it, less the date, is the publication; a line starting with "By"
    and no separator is all author.
    """
    s = line.strip()
    if not s:
        return Byline()
    date = None
    date_text = None
    date_problem = None
    m = _BYLINE_DATE.search(s, max(0, len(s) - 48))
    if m:
        date_text = m.group(0).strip()
        date, why = _date_from_byline_match(m)
        date_problem = why or None
        rest = s[: m.start()].rstrip(_PUB_TRAIL)
    elif r := _RELATIVE_DATE.search(s, max(0, len(s) - 48)):
        date_text, date_problem = r.group("when"), RELATIVE_DATE
        rest = s[: r.start()].rstrip(_PUB_TRAIL)
    else:
        rest = s
    author_raw: str | None
    parts = _split_byline(rest)
    if parts is not None:
        author_raw = _BY_PREFIX.sub("", parts[0].strip()).strip() or None
        publication = parts[1].strip(_PUB_TRAIL) or None
    elif _BY_PREFIX.match(rest):
        author_raw = _BY_PREFIX.sub("", rest).strip() or None
        publication = None
    else:
        author_raw = None
        publication = rest.strip(_PUB_TRAIL) or None
    return Byline(
        author_raw, split_authors(author_raw), publication, date, date_text, date_problem
    )


def _as_byline(line: str, blanks_after: int, more_after: bool) -> Byline | None:
    """The byline, when the line after the title is one, else None.

    It is one when it ends in a date (not a relative one: "… yesterday" ends
    sentences too); or when it has an author separator with
    name-like authors and a short publication; or when the layout marks it (two
    or more blank lines follow it, as in the plain layout) and it is short and
    does not end like a sentence.
    """
    if not line or len(line) > _BYLINE_MAX:
        return None
    b = parse_byline(line)
    if b.date_text is not None and b.date_problem != RELATIVE_DATE:
        if b.author_raw is None and b.publication and len(b.publication.split()) > 10:
            return None
        return b
    pub = b.publication or ""
    ends_like_sentence = line.endswith(_SENTENCE_END)
    split = b.author_raw is not None
    if (
        split
        and _names_like(b.authors)
        and len(pub) <= 80
        and len(pub.split()) <= 10
        and not pub.endswith(_SENTENCE_END)
    ):
        return b
    if blanks_after >= 2 and more_after:
        if split or (len(line.split()) <= 12 and not ends_like_sentence):
            return b
    return None
