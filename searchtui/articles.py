"""Read corpus files into Articles, and say what was skipped and why.

Layouts understood, chosen by the file's suffix:

``.txt``, ``.text``, ``.md``, ``.markdown``
    One article per file. Either the plain layout::

        Title line

        Author, Author — Publication Mon DD, YYYY


        Body paragraph.

        Body paragraph.

    or a YAML front matter block (``---`` ... ``---``) with title,
    author/authors, publication, date and optional url, tags and entities,
    followed by the body. Markdown files may give the title as a heading.

``.jsonl``, ``.ndjson``, ``.csv``, ``.tsv``
    One article per row. Columns are found by their usual names, case and
    ``_``/``-``/space insensitive (title or headline; author or authors;
    publication, source or outlet; date, published or published_at; body,
    content or text; url or link; tags; id), or named by the ``columns``
    mapping (our field -> their column). A table none of whose rows has any
    article text (a manifest of metadata) is skipped as a whole, with the
    columns it does have in the reason.

Dirty input never raises and never passes silently: every skipped file or row
and every degraded article gives a :class:`~searchtui.models.Problem`
(``skipped=False`` for an article kept with a warning). Problems about one row
keep the file's path in ``Problem.path`` and start the reason with
``line N:``.

Size caps: a one-article file over ``max_bytes`` is skipped unread. CSV and
JSON Lines files have no file cap (a corpus shipped as one big table is
normal); instead each row over ``max_bytes`` is skipped.

Dates are taken as written, in the writer's own time zone: the date part of
``2016-11-15T23:30:00-05:00`` is 2016-11-15.
"""

from __future__ import annotations

import ast
import csv
import datetime as _dt
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from searchtui.errors import CorpusMissing
from searchtui.models import Article, FileResult, Problem

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
CSV_SUFFIXES = frozenset({".csv", ".tsv"})
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES

DEFAULT_MAX_BYTES = 20 * 2**20

#: File names (without suffix, lower case) that describe a folder rather than
#: hold an article; skipped, with a note, when a folder is expanded.
DOC_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "changelog", "contributing", "code_of_conduct"}
)

#: Our field names, as used by the ``columns`` mapping.
COLUMN_FIELDS = ("title", "authors", "publication", "date", "body", "url", "tags", "id")

_TITLE_MAX = 300  # a first line longer than this is text, not a title
_BYLINE_MAX = 300
_FALLBACK_TITLE_LEN = 100
_MAX_ROW_PROBLEMS = 20  # per file; the rest are summed up in one more problem
_SNIFF = 8192


# ---------------------------------------------------------------------------
# Small public helpers


def file_hash(data: bytes) -> str:
    """The content hash of a file's bytes (hex SHA-1)."""
    return hashlib.sha1(data).hexdigest()


def file_hash_at(path: str | os.PathLike) -> str:
    """``file_hash`` of a file on disk, read in chunks (for files of any size)."""
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


# ---------------------------------------------------------------------------
# Dates

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


def _make_date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def _date_from_byline_match(m: re.Match[str]) -> _dt.date | None:
    if m.group("y1"):
        return _make_date(int(m.group("y1")), _MONTHS[m.group("m1")[:3].lower()], int(m.group("d1")))
    if m.group("y2"):
        return _make_date(int(m.group("y2")), _MONTHS[m.group("m2")[:3].lower()], int(m.group("d2")))
    return _make_date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3")))


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
    numbers.
    """
    return _to_date(value)[0]


def _to_date(value: Any) -> tuple[_dt.date | None, str]:
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


# ---------------------------------------------------------------------------
# Bylines

_AUTHOR_SEP = re.compile(r"\s*[,;&]\s*(?:and\s+)?|\s+and\s+")
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


def split_authors(raw: str | None) -> list[str]:
    """Author names from an author string: split on ``,``, ``;``, ``&`` and
    `` and ``; a suffix after a comma (``King, Jr.``) stays with its name; a
    leading ``By`` goes; repeats are dropped."""
    if not raw:
        return []
    names: list[str] = []
    for part in _AUTHOR_SEP.split(raw.strip()):
        part = part.strip()
        if not part:
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
        if _names_like(split_authors(left)):
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
    m = _BYLINE_DATE.search(s, max(0, len(s) - 48))
    if m:
        date_text = m.group(0).strip()
        date = _date_from_byline_match(m)
        rest = s[: m.start()].rstrip(_PUB_TRAIL)
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
    return Byline(author_raw, split_authors(author_raw), publication, date, date_text)


def _as_byline(line: str, blanks_after: int, more_after: bool) -> Byline | None:
    """The byline, when the line after the title is one, else None.

    It is one when it ends in a date; or when it has an author separator with
    name-like authors and a short publication; or when the layout marks it (two
    or more blank lines follow it, as in the plain layout) and it is short and
    does not end like a sentence.
    """
    if not line or len(line) > _BYLINE_MAX:
        return None
    b = parse_byline(line)
    if b.date_text is not None:
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


# ---------------------------------------------------------------------------
# Discovering files


def discover(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Problem]]:
    """The article files under ``paths``, sorted and without repeats.

    Folders are walked recursively (following links, each real folder once);
    hidden files and folders are passed over, and so are files of other types.
    A README, LICENSE or similar file inside a folder is skipped with a note:
    name it on its own to read it. A file named on its own is kept if its
    type is supported, else reported. A path that does not exist raises
    :class:`~searchtui.errors.CorpusMissing`.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    given = [Path(p) for p in paths]
    for p in given:
        if not p.exists():
            raise CorpusMissing(f"corpus path not found: {p}")
    found: dict[str, Path] = {}
    problems: list[Problem] = []

    def add(p: Path) -> None:
        key = os.path.realpath(p)
        found.setdefault(key, p)

    def onerror(exc: OSError) -> None:
        problems.append(Problem(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

    visited: set[str] = set()  # real folders walked, against link loops and repeats
    for top in given:
        if not top.is_dir():
            if top.suffix.lower() in SUPPORTED_SUFFIXES:
                add(top)
            else:
                problems.append(
                    Problem(
                        str(top),
                        f"unsupported file type {top.suffix or '(none)'!r}"
                        f" (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})",
                    )
                )
            continue
        for dirpath, dirnames, filenames in os.walk(top, onerror=onerror, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in visited:
                dirnames[:] = []
                continue
            visited.add(real)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(dirpath)
            for name in filenames:
                if name.startswith("."):
                    continue
                stem, dot, suffix = name.rpartition(".")
                if not dot or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
                    continue
                p = base / name
                if stem.lower() in DOC_STEMS:
                    problems.append(
                        Problem(
                            str(p),
                            "a documentation file, not an article (name it on its own to read it)",
                        )
                    )
                elif p.is_file():
                    add(p)
                elif not p.exists():
                    problems.append(Problem(str(p), "broken link: its target does not exist"))
    unique = list({(p.path, p.reason): p for p in problems}.values())
    return sorted(found.values()), unique


# ---------------------------------------------------------------------------
# Decoding bytes

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32)) + b"\x7f"
_NON_ASCII_OK = re.compile(r"[^\x00-\x7f\ufffd]")


def _mostly_not_text(bad: int, size: int) -> bool:
    return bad > max(1, size // 20)


def _decode(data: bytes) -> tuple[str | None, list[str], str | None]:
    """(text, warnings, skip reason). Newlines come out as ``\\n``."""
    warnings: list[str] = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            text = data.decode("utf-16", "replace")
            warnings.append(f"not valid UTF-16 (first bad byte at {exc.start}); bad bytes replaced")
        sample = text[:_SNIFF]
        if sample and _mostly_not_text(len(_CONTROL.findall(sample)), len(sample)):
            return None, warnings, "binary file (mostly not text)"
    else:
        head = data[:_SNIFF]
        if b"\x00" in head:
            return None, warnings, "binary file (contains NUL bytes)"
        bad = len(head) - len(head.translate(None, _CONTROL_BYTES))
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        nuls = data.count(b"\x00")
        if nuls:
            data = data.replace(b"\x00", b"")
            warnings.append(f"{nuls} NUL byte(s) removed")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            replaced = data.decode("utf-8", "replace")
            if _NON_ASCII_OK.search(replaced):
                # Real UTF-8 with a few damaged bytes: keep it, mark the damage.
                n = replaced.count("\ufffd")
                bad += replaced[:_SNIFF].count("\ufffd")
                text = replaced
                warnings.append(
                    f"not valid UTF-8: {n} bad byte sequence(s) replaced (first at byte {exc.start})"
                )
            else:
                # No UTF-8 at all beyond ASCII: an 8-bit legacy encoding.
                try:
                    text = data.decode("cp1252")
                    enc = "Windows-1252"
                except UnicodeDecodeError:
                    text = data.decode("latin-1")
                    enc = "Latin-1"
                warnings.append(f"not valid UTF-8 (first bad byte at {exc.start}); read as {enc}")
        if head and _mostly_not_text(bad, len(head)):
            return None, warnings, "binary file (mostly not text)"
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, warnings, None


# ---------------------------------------------------------------------------
# Reading files


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def read_file(
    path: str | os.PathLike,
    data: bytes | None = None,
    *,
    columns: dict[str, str] | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> FileResult:
    """Read one corpus file into Articles, with what went wrong.

    ``data`` is the file's bytes when the caller has already read them.
    ``columns`` maps our field names (title, authors, publication, date, body,
    url, tags, id) to column names of CSV and JSON Lines files. ``max_bytes``
    caps one-article files and each table row (None: no cap).

    The suffix chooses the layout; a file of any other suffix is read as a
    one-article text file. Bad content never raises; it gives Problems. Only a
    wrong ``columns`` key (a programming error) raises ValueError.
    """
    spath = os.fspath(path)
    if isinstance(spath, bytes):
        spath = os.fsdecode(spath)
    if columns:
        unknown = set(columns) - set(COLUMN_FIELDS)
        if unknown:
            raise ValueError(f"unknown column field(s): {', '.join(sorted(unknown))}")
    result = FileResult(spath)
    suffix = os.path.splitext(spath)[1].lower()
    table = suffix in JSONL_SUFFIXES or suffix in CSV_SUFFIXES
    if data is None:
        try:
            if not table and max_bytes is not None:
                size = os.stat(spath).st_size
                if size > max_bytes:
                    result.problems.append(
                        Problem(spath, f"too large: {_mib(size)} (limit {_mib(max_bytes)})")
                    )
                    return result
            with open(spath, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            result.problems.append(Problem(spath, f"cannot read: {exc.strerror or exc}"))
            return result
    if not table and max_bytes is not None and len(data) > max_bytes:
        result.problems.append(
            Problem(spath, f"too large: {_mib(len(data))} (limit {_mib(max_bytes)})")
        )
        return result
    if not data:
        result.problems.append(Problem(spath, "empty file"))
        return result
    try:
        _read_into(result, spath, suffix, data, columns or {}, max_bytes)
    except Exception as exc:  # a reader bug must not stop a whole run; report it
        result.articles = []
        result.problems.append(
            Problem(
                spath, f"internal error while reading ({type(exc).__name__}: {_one_line(str(exc))})"
            )
        )
    return result


def _read_into(
    result: FileResult,
    path: str,
    suffix: str,
    data: bytes,
    columns: dict[str, str],
    max_bytes: int | None,
) -> None:
    text, warnings, skip = _decode(data)
    for w in warnings:
        result.problems.append(Problem(path, w, skipped=False))
    if skip is not None or text is None:
        result.problems.append(Problem(path, skip or "cannot decode"))
        return
    if not text.strip():
        result.problems.append(Problem(path, "empty file (only blank space)"))
        return
    if suffix in JSONL_SUFFIXES:
        _read_jsonl(result, path, text, columns, max_bytes)
    elif suffix in CSV_SUFFIXES:
        _read_csv(result, path, text, columns, max_bytes, tab=suffix == ".tsv")
    else:
        article = _read_document(result, path, text, markdown=suffix in MARKDOWN_SUFFIXES)
        if article is not None:
            article.content_hash = file_hash(data)
            result.articles.append(article)


# ---------------------------------------------------------------------------
# One article per file


def _skip_blank(text: str, pos: int) -> tuple[int, int]:
    """(start of the next non-blank line at or after ``pos``, blank lines passed)."""
    n = len(text)
    blanks = 0
    while pos < n:
        eol = text.find("\n", pos)
        if eol < 0:
            eol = n
        if text[pos:eol].strip():
            return pos, blanks
        blanks += 1
        pos = eol + 1
    return n, blanks


def _line_end(text: str, pos: int) -> int:
    eol = text.find("\n", pos)
    return len(text) if eol < 0 else eol


_ATX = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^(?:=+|-+)\s*$")


def _shorten(s: str, limit: int = _FALLBACK_TITLE_LEN) -> str:
    s = " ".join(s.split())
    if len(s) <= limit:
        return s
    cut = s.rfind(" ", 0, limit)
    return (s[: cut if cut > limit // 2 else limit]).rstrip(" ,;:") + "…"


@dataclass
class _Plain:
    title: str | None
    byline: Byline | None
    body: str
    warning: str | None = None


def _split_plain(text: str, markdown: bool) -> _Plain:
    """Title line, optional byline, body."""
    pos, _ = _skip_blank(text, 0)
    if pos >= len(text):
        return _Plain(None, None, "")
    eol = _line_end(text, pos)
    first = text[pos:eol].strip()
    if len(first) > _TITLE_MAX:
        return _Plain(
            None,
            None,
            text[pos:].strip(),
            f"no title line (the first line has {len(first)} characters)",
        )
    title = first
    after = eol + 1
    if markdown:
        m = _ATX.match(first)
        if m:
            title = m.group(1).strip()
        else:
            nxt_end = _line_end(text, after) if after < len(text) else after
            if after < len(text) and _SETEXT.match(text[after:nxt_end]):
                after = nxt_end + 1
    p2, _ = _skip_blank(text, after)
    if p2 >= len(text):
        return _Plain(title or None, None, "")
    e2 = _line_end(text, p2)
    candidate = text[p2:e2].strip()
    p3, blanks_after = _skip_blank(text, e2 + 1)
    byline = _as_byline(candidate, blanks_after, p3 < len(text))
    body = text[p3:] if byline is not None else text[p2:]
    return _Plain(title or None, byline, body.strip())


_FM_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_LOOSE_KEY = re.compile(r"^([A-Za-z_][\w\- ]*?)\s*:(?:\s+(.*?))?\s*$")
_LOOSE_ITEM = re.compile(r"^\s+-\s+(.*?)\s*$")


def _unquote(s: str) -> str:
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _loose_front_matter(block: str) -> dict[str, Any]:
    """``key: value`` lines (and ``- item`` lists) of front matter that is not valid YAML."""
    out: dict[str, Any] = {}
    key = None
    for line in block.split("\n"):
        m = _LOOSE_KEY.match(line)
        if m:
            key = m.group(1).strip()
            value = m.group(2)
            out[key] = _unquote(value) if value else None
            continue
        m = _LOOSE_ITEM.match(line)
        if m and key is not None:
            cur = out.get(key)
            if not isinstance(cur, list):
                cur = [] if cur is None else [cur]
                out[key] = cur
            cur.append(_unquote(m.group(1)))
    return out


def _yaml_error(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    if mark is not None:
        return f"{problem} at front matter line {mark.line + 1}"
    return str(problem)


def _read_document(result: FileResult, path: str, text: str, markdown: bool) -> Article | None:
    """One article from a text file (plain layout or front matter)."""
    problems = result.problems
    meta: dict[str, Any] | None = None
    if text.lstrip().startswith("---"):
        text = text.lstrip()
        first_end = _line_end(text, 0)
        if text[:first_end].rstrip() == "---":
            close = _FM_CLOSE.search(text, first_end + 1)
            if close is None:
                problems.append(
                    Problem(path, "front matter has no closing '---'; read as plain text", skipped=False)
                )
                text = text[first_end + 1 :]
            else:
                block = text[first_end + 1 : close.start()]
                rest = text[close.end() + 1 :]
                meta, text = _front_matter(path, block, rest, problems)
    plain: _Plain | None = None
    if meta is not None:
        fields = _fields_from_mapping(meta, _resolve(tuple(meta), {}), path, None, problems)
    else:
        fields = _Fields()
    if fields.title is not None:
        # The front matter names the title: everything after it is the body.
        body = text.strip()
    else:
        plain = _split_plain(text, markdown)
        fields.title = plain.title
        if plain.byline is not None:
            fields.fill_from_byline(plain.byline, path, None, problems)
        body = plain.body
    if not body and fields.body:
        body = fields.body
    if fields.title is None:
        if plain is not None and plain.warning:
            reason = f"{plain.warning}; used its start as the title"
        elif body:
            reason = "no title; used the start of the text"
        else:
            reason = "no title; used the file name"
        fields.title = _shorten(body.split("\n", 1)[0]) if body else Path(path).stem
        problems.append(Problem(path, reason, skipped=False))
    if not body:
        problems.append(Problem(path, "no article text; indexed by its title only", skipped=False))
    return fields.article(path, path, body)


def _front_matter(
    path: str, block: str, rest: str, problems: list[Problem]
) -> tuple[dict[str, Any] | None, str]:
    """(mapping or None, the text to read for the rest of the article)."""
    try:
        meta = yaml.safe_load(block) if block.strip() else {}
    except Exception as exc:  # PyYAML raises ValueError etc. as well as YAMLError
        loose = _loose_front_matter(block)
        if loose:
            problems.append(
                Problem(
                    path,
                    f"front matter is not valid YAML ({_yaml_error(exc)}); read line by line",
                    skipped=False,
                )
            )
            return loose, rest
        problems.append(
            Problem(
                path,
                f"front matter is not valid YAML ({_yaml_error(exc)}); read as plain text",
                skipped=False,
            )
        )
        return None, block + "\n\n" + rest
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        problems.append(
            Problem(path, "front matter is not a mapping of fields; read as plain text", skipped=False)
        )
        return None, block + "\n\n" + rest
    # Scalars that YAML turned into other types ("title: 1984", "title: yes")
    # are taken as written.
    loose: dict[str, Any] | None = None
    for k, v in list(meta.items()):
        if isinstance(v, (bool, int, float)) and not isinstance(v, _dt.date):
            if loose is None:
                loose = _loose_front_matter(block)
            if isinstance(loose.get(k), str):
                meta[k] = loose[k]
    meta = {str(k): v for k, v in meta.items()}
    return meta, rest


# ---------------------------------------------------------------------------
# Mappings: front matter and table rows

_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "webtitle", "subject"),
    "authors": ("authors", "author", "creators", "creator", "writers", "writer", "bylines"),
    "byline": ("byline",),
    "publication": (
        "publication", "publisher", "source", "outlet", "newspaper", "publicationname",
        "sourcename", "site", "sitename", "media",
    ),
    "date": (
        "date", "published", "publishedat", "publishdate", "publicationdate", "datepublished",
        "pubdate", "publisheddate", "datetime", "timestamp", "created", "createdat",
    ),
    "body": (
        "body", "content", "text", "article", "articletext", "articlebody", "bodytext",
        "fulltext", "maintext", "story", "contentoriginal", "description", "summary", "abstract",
    ),
    "url": ("url", "link", "permalink", "weburl", "articleurl", "canonicalurl", "href", "uri"),
    "tags": ("tags", "keywords", "categories", "category", "topics", "topic", "labels"),
    "id": ("id", "uuid", "guid", "docid", "articleid"),
    "entities": ("entities",),
    "people": ("people", "persons", "person"),
    "organisations": (
        "organisations", "organizations", "organisation", "organization", "orgs", "org",
    ),
    "places": ("places", "place", "locations", "location", "gpe"),
}  # fmt: skip
_ENTITY_KEYS = {
    alias: name for name in ("people", "organisations", "places") for alias in _ALIASES[name]
}
_ENTITY_KEYS.update({"per": "people", "loc": "places"})

_NORM_RX = re.compile(r"[\s_\-.]+")
_norm_cache: dict[str, str] = {}


def _norm(key: str) -> str:
    n = _norm_cache.get(key)
    if n is None:
        n = _NORM_RX.sub("", key.lower())
        if len(_norm_cache) < 10000:
            _norm_cache[key] = n
    return n


def _resolve(keys: tuple[Any, ...], columns: dict[str, str]) -> dict[str, list[Any]]:
    """For each field, the keys of a row that may hold it, best first."""
    by_norm: dict[str, Any] = {}
    for k in keys:
        by_norm.setdefault(_norm(str(k)), k)
    out: dict[str, list[Any]] = {}
    for fname, aliases in _ALIASES.items():
        cands = []
        mapped = columns.get(fname)
        if mapped is not None:
            if mapped in keys:
                cands.append(mapped)
            elif _norm(mapped) in by_norm:
                cands.append(by_norm[_norm(mapped)])
        for a in aliases:
            k = by_norm.get(a)
            if k is not None and k not in cands:
                cands.append(k)
        out[fname] = cands
    return out


def _first(row: dict[Any, Any], keys: list[Any]) -> Any:
    for k in keys:
        v = row.get(k)
        if v is None or v == "" or v == [] or v == {}:
            continue
        return v
    return None


def _as_text(v: Any, sep: str = " ") -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        return s or None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        for k in ("name", "title", "text", "value", "label"):
            if k in v:
                return _as_text(v[k], sep)
        return None
    if isinstance(v, (list, tuple)):
        parts = [t for t in (_as_text(x, sep) for x in v) if t]
        return sep.join(parts) or None
    return str(v).strip() or None


def _maybe_list(s: str) -> Any:
    """A list written as a literal in a text cell ("['a', 'b']"), else the text."""
    t = s.strip()
    if len(t) >= 2 and t[0] == "[" and t[-1] == "]" and len(t) < 10000:
        try:
            v = json.loads(t)
        except ValueError:
            try:
                v = ast.literal_eval(t)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                return s
        if isinstance(v, list):
            return v
    return s


def _as_list(v: Any) -> list[str]:
    """Names or tags from a list, a literal list in text, or a separated string."""
    if v is None:
        return []
    if isinstance(v, str):
        v = _maybe_list(v)
        if isinstance(v, str):
            for sep in (";", ",", "|"):
                if sep in v:
                    return _dedupe(p.strip() for p in v.split(sep))
            return _dedupe([v.strip()])
    if isinstance(v, (list, tuple)):
        return _dedupe(_as_text(x) or "" for x in v)
    t = _as_text(v)
    return [t] if t else []


def _one_line(s: str | None) -> str | None:
    """Runs of blank space, line breaks included, as one space."""
    if s and ("\n" in s or "\t" in s):
        return " ".join(s.split())
    return s


def _dedupe(items: Iterable[str | None]) -> list[str]:
    """Non-empty items on one line each, first occurrence kept."""
    seen: set[str] = set()
    out = []
    for i in items:
        i = _one_line(i)
        if i and i not in seen:
            seen.add(i)
            out.append(i)
    return out


@dataclass
class _Fields:
    title: str | None = None
    author_raw: str | None = None
    authors: list[str] = field(default_factory=list)
    publication: str | None = None
    date: _dt.date | None = None
    date_text: str | None = None
    body: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    entities: dict[str, list[str]] = field(default_factory=dict)
    id: str | None = None

    def fill_from_byline(
        self, b: Byline, path: str, line: int | None, problems: list[Problem]
    ) -> None:
        if self.author_raw is None and b.author_raw is not None:
            self.author_raw, self.authors = b.author_raw, list(b.authors)
        if self.publication is None:
            self.publication = b.publication
        if self.date is None and self.date_text is None and b.date_text is not None:
            self.date, self.date_text = b.date, b.date_text
            if b.date is None:
                _warn_date(b.date_text, "no such day", path, line, problems)

    def article(self, key: str, path: str, body: str) -> Article:
        return Article(
            key=key,
            path=path,
            title=self.title or "",
            authors=self.authors,
            author_raw=self.author_raw,
            publication=self.publication,
            date=self.date,
            body=body,
            url=self.url,
            tags=self.tags,
            entities=self.entities,
        )


def _at(line: int | None) -> str:
    return f"line {line}: " if line is not None else ""


def _warn_date(text: str, why: str, path: str, line: int | None, problems: list[Problem]) -> None:
    problems.append(
        Problem(
            path,
            f"{_at(line)}date {text!r} not understood ({why}); kept without a date",
            skipped=False,
        )
    )


def _entities_from(
    v: Any, into: dict[str, list[str]], path: str, line: int | None, problems: list[Problem]
) -> None:
    """Entity names by type from a mapping (or a JSON object in a text cell)."""
    if isinstance(v, str) and v.lstrip().startswith("{"):
        try:
            v = json.loads(v)
        except (ValueError, RecursionError):
            pass
    if not isinstance(v, dict):
        problems.append(
            Problem(
                path, f"{_at(line)}entities is not a mapping of types to names; ignored", False
            )
        )
        return
    for k, names in v.items():
        name = _ENTITY_KEYS.get(_norm(str(k)))
        if name is None:
            problems.append(
                Problem(
                    path,
                    f"{_at(line)}unknown entity type {str(k)!r} ignored"
                    " (use people, organisations or places)",
                    False,
                )
            )
            continue
        values = names if isinstance(names, list) else [names]
        into[name] = _dedupe(into.get(name, []) + _as_list(values))


def _fields_from_mapping(
    row: dict[Any, Any],
    cols: dict[str, list[Any]],
    path: str,
    line: int | None,
    problems: list[Problem],
) -> _Fields:
    f = _Fields()
    f.title = _one_line(_as_text(_first(row, cols["title"])))
    a = _first(row, cols["authors"])
    if a is not None:
        if isinstance(a, str):
            v = _maybe_list(a)
            if isinstance(v, list):
                f.authors = _as_list(v)
                f.author_raw = ", ".join(f.authors) or None
            else:
                f.author_raw = _one_line(_BY_PREFIX.sub("", a.strip()).strip()) or None
                f.authors = split_authors(f.author_raw)
        else:
            f.authors = _as_list(a if isinstance(a, list) else [a])
            f.author_raw = ", ".join(f.authors) or None
    f.publication = _one_line(_as_text(_first(row, cols["publication"])))
    d = _first(row, cols["date"])
    if d is not None:
        f.date, why = _to_date(d)
        f.date_text = d.isoformat() if isinstance(d, _dt.date) else (_as_text(d) or str(d))
        if f.date is None:
            _warn_date(f.date_text, why, path, line, problems)
    f.body = _as_text(_first(row, cols["body"]), "\n\n")
    f.url = _one_line(_as_text(_first(row, cols["url"])))
    f.tags = _as_list(_first(row, cols["tags"]))
    i = _first(row, cols["id"])
    if i is not None and not isinstance(i, (dict, list)):
        f.id = _as_text(i)
    ents = _first(row, cols["entities"])
    if ents is not None:
        _entities_from(ents, f.entities, path, line, problems)
    for name in ("people", "organisations", "places"):
        v = _first(row, cols[name])
        if v is not None:
            f.entities[name] = _dedupe(f.entities.get(name, []) + _as_list(v))
    b = _first(row, cols["byline"])
    if isinstance(b, str) and b.strip() and (
        f.author_raw is None or f.publication is None or f.date_text is None
    ):
        pb = parse_byline(b)
        if (
            pb.author_raw is None
            and pb.date_text is None
            and f.author_raw is None
            and f.publication is not None
            and pb.publication
            and pb.publication != f.publication
        ):
            # A byline column beside a publication column holds the authors alone.
            f.author_raw, f.authors = pb.publication, split_authors(pb.publication)
        else:
            f.fill_from_byline(pb, path, line, problems)
    return f


# ---------------------------------------------------------------------------
# Tables: JSON Lines and CSV


class _Rows:
    """Turns the rows of one table into Articles, keeping the bookkeeping.

    Row problems are kept in line order and reported at the end, the first
    ``_MAX_ROW_PROBLEMS`` of them and then a count of the rest.
    """

    def __init__(self, result: FileResult, path: str, columns: dict[str, str], max_bytes: int | None):
        self.result = result
        self.path = path
        self.columns = columns
        self.max_bytes = max_bytes
        self.rows = 0
        self.with_body = 0
        self.keys_seen: set[Any] = set()
        self.article_keys: dict[str, int] = {}
        self.articles: list[Article] = []
        self.problems: list[Problem] = []
        self._resolved: dict[tuple[Any, ...], dict[str, list[Any]]] = {}

    def problem(self, line: int, reason: str, skipped: bool = True) -> None:
        self.problems.append(Problem(self.path, f"line {line}: {reason}", skipped))

    def too_big(self, line: int, size: int) -> bool:
        if self.max_bytes is not None and size > self.max_bytes:
            self.problem(line, f"row too large: {_mib(size)} (limit {_mib(self.max_bytes)})")
            return True
        return False

    def add(self, line: int, row: dict[Any, Any]) -> None:
        self.rows += 1
        keys = tuple(row)
        cols = self._resolved.get(keys)
        if cols is None:
            if len(self._resolved) > 256:
                self._resolved.clear()
            cols = self._resolved[keys] = _resolve(keys, self.columns)
            self.keys_seen.update(keys)
        f = _fields_from_mapping(row, cols, self.path, line, self.problems)
        body = f.body or ""
        if body:
            self.with_body += 1
        if f.title is None and not body:
            self.problem(line, "no title and no text")
            return
        if f.title is None:
            f.title = _shorten(body.split("\n", 1)[0])
            self.problem(line, "no title; used the start of the text", False)
        elif not body:
            self.problem(line, "no text; indexed by its title only", False)
        key = f"{self.path}#{f.id}" if f.id else f"{self.path}#{line}"
        if key in self.article_keys:
            first = self.article_keys[key]
            key = f"{self.path}#{line}"
            n = 1
            while key in self.article_keys:
                n += 1
                key = f"{self.path}#{line}.{n}"
            self.problem(line, f"id {f.id!r} repeats line {first}; keyed by line", False)
        self.article_keys[key] = line
        art = f.article(key, self.path, body)
        art.content_hash = file_hash(_canonical(art).encode("utf-8", "surrogatepass"))
        self.articles.append(art)

    def finish(self, kind: str) -> None:
        res = self.result
        if self.rows and not self.with_body:
            body_col = self.columns.get("body")
            found = ", ".join(_one_line(str(k)) or "''" for k in sorted(self.keys_seen, key=str)[:12])
            if body_col:
                why = f"no column {body_col!r} (columns.body) with text"
            else:
                why = "no body, content or text column"
            res.problems.append(
                Problem(self.path, f"not an article table: {why} (its columns: {found})")
            )
            return
        res.articles.extend(self.articles)
        res.problems.extend(self.problems[:_MAX_ROW_PROBLEMS])
        if len(self.problems) > _MAX_ROW_PROBLEMS:
            rest = self.problems[_MAX_ROW_PROBLEMS:]
            skipped = sum(p.skipped for p in rest)
            res.problems.append(
                Problem(
                    self.path,
                    f"{len(rest)} more row problem(s) not listed ({skipped} row(s) skipped)",
                    skipped=False,
                )
            )
        seen = {_norm(str(k)) for k in self.keys_seen}
        for fname, col in self.columns.items():
            if self.keys_seen and col not in self.keys_seen and _norm(col) not in seen:
                res.problems.append(
                    Problem(self.path, f"column {col!r} (columns.{fname}) not found in this file", False)
                )
        if not res.articles and not any(p.skipped for p in res.problems):
            what = f"no rows in this {kind} file" if not self.rows else "no articles in this file"
            res.problems.append(Problem(self.path, what))


def _canonical(a: Article) -> str:
    return json.dumps(
        [a.title, a.author_raw, a.authors, a.publication, a.date.isoformat() if a.date else None,
         a.body, a.url, a.tags, a.entities],
        ensure_ascii=False,
        sort_keys=True,
    )


def _read_jsonl(
    result: FileResult, path: str, text: str, columns: dict[str, str], max_bytes: int | None
) -> None:
    rows = _Rows(result, path, columns, max_bytes)
    for lineno, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if not s:
            continue
        if max_bytes is not None and len(s) > max_bytes // 4:
            if rows.too_big(lineno, len(s.encode("utf-8", "surrogatepass"))):
                continue
        try:
            obj = json.loads(s)
        except (ValueError, RecursionError) as exc:
            msg = getattr(exc, "msg", None) or type(exc).__name__
            col = getattr(exc, "colno", None)
            rows.problem(lineno, f"not valid JSON ({msg}{f' at column {col}' if col else ''})")
            continue
        if not isinstance(obj, dict):
            rows.problem(lineno, f"not a JSON object (a {type(obj).__name__})")
            continue
        rows.add(lineno, obj)
    rows.finish("JSON Lines")


_DELIMITERS = (",", ";", "\t", "|")
_CSV_FIELD_LIMIT = 2**31 - 1


def _read_csv(
    result: FileResult,
    path: str,
    text: str,
    columns: dict[str, str],
    max_bytes: int | None,
    tab: bool = False,
) -> None:
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    head = text[: _line_end(text, 0)]
    delimiter = "\t" if tab else max(_DELIMITERS, key=head.count)
    if not tab and head.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = _Rows(result, path, columns, max_bytes)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                result.problems.append(Problem(path, f"line {start}: cannot read the header ({exc})"))
                return
            why = str(exc)
            if "unexpected end of data" in why:
                why = "a quote opened here is never closed; the rest of the file is lost"
            rows.problem(start, f"not a valid CSV row ({why})")
            if reader.line_num < start:
                break
            continue
        if not rec or not any(c.strip() for c in rec):
            continue
        if header is None:
            header = []
            for i, name in enumerate(rec, 1):
                name = name.strip() or f"column {i}"
                while name in header:
                    name += "'"
                header.append(name)
            continue
        if len(rec) > len(header):
            rows.problem(start, f"{len(rec)} fields, the header has {len(header)}")
            continue
        size = sum(len(c) for c in rec)
        if max_bytes is not None and size > max_bytes // 4 and rows.too_big(
            start, sum(len(c.encode("utf-8", "surrogatepass")) for c in rec)
        ):
            continue
        if len(rec) < len(header):
            rec = rec + [""] * (len(header) - len(rec))
        rows.add(start, dict(zip(header, rec)))
    if header is None:
        result.problems.append(Problem(path, "no header row"))
        return
    rows.keys_seen.update(header)
    rows.finish("CSV")
