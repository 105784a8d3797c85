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

import os

from searchtui.models import FileResult, Problem
from searchtui.untrusted import TooLarge, open_regular, read_regular

from .byline import Byline, parse_byline, split_authors
from .dates import parse_date
from .decode import _decode, file_hash, file_hash_at
from .discover import (
    CSV_SUFFIXES,
    DOC_STEMS,
    JSONL_SUFFIXES,
    MARKDOWN_SUFFIXES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    FoundFiles,
    discover,
    discover_columns,
    discover_files,
    require_paths,
    shown_path,
)
from .fields import COLUMN_FIELDS, _one_line
from .tables import _mib, _read_csv, _read_jsonl, _Rows
from .text import _read_document

__all__ = [
    "COLUMN_FIELDS",
    "CSV_SUFFIXES",
    "DEFAULT_MAX_BYTES",
    "DOC_STEMS",
    "JSONL_SUFFIXES",
    "MARKDOWN_SUFFIXES",
    "SUPPORTED_SUFFIXES",
    "TEXT_SUFFIXES",
    "Byline",
    "FoundFiles",
    "discover",
    "discover_columns",
    "discover_files",
    "file_hash",
    "file_hash_at",
    "one_article_file",
    "parse_byline",
    "parse_date",
    "read_file",
    "require_paths",
    "shown_path",
    "split_authors",
]

DEFAULT_MAX_BYTES = 20 * 2**20


def one_article_file(path: str | os.PathLike) -> bool:
    """Whether :func:`read_file` reads ``path`` as one article (not as a table of rows)."""
    suffix = os.path.splitext(os.fsdecode(path))[1].lower()
    return suffix not in JSONL_SUFFIXES and suffix not in CSV_SUFFIXES


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
    table = not one_article_file(spath)
    if table:
        decided = _table_head_decides(spath, suffix, data, columns or {}, max_bytes)
        if decided is not None:
            return decided
    if data is None:
        try:
            data = read_regular(spath, None if table else max_bytes)
        except TooLarge as exc:
            limit = max_bytes or 0
            result.problems.append(
                Problem(spath, f"too large: {_mib(exc.size)} (limit {_mib(limit)})")
            )
            return result
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


#: How much of a table is read first to find whether it is an article table at all
#: (see ``tables.ROWS_TO_FIND_TEXT``).
TABLE_HEAD_BYTES = 4 * 2**20


def _table_head_decides(
    path: str, suffix: str, data: bytes | None, columns: dict[str, str], max_bytes: int | None
) -> FileResult | None:
    """The result of reading a table, when its head alone shows it is no article table.

    A manifest or a metadata export beside the articles can be hundreds of
    megabytes; reading and decoding it whole to find no text column in its first
    rows took several times its size in memory. Its head, cut after its last whole
    line, is read the same way; when no row of the first ``ROWS_TO_FIND_TEXT`` has
    a column for the text, that is the table's result. Anything else (fewer rows in
    the head, a text column, a head that decodes with warnings, UTF-16) returns
    None: the table is read whole, as before.
    """
    if data is not None and len(data) <= TABLE_HEAD_BYTES:
        return None
    if data is not None:
        head = data[:TABLE_HEAD_BYTES]
    else:
        try:
            fd = open_regular(path)
        except OSError:
            return None  # the whole read says why
        with os.fdopen(fd, "rb") as fh:
            head = fh.read(TABLE_HEAD_BYTES)
            if len(head) < TABLE_HEAD_BYTES:
                return None  # the whole file is small: read it as it is
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    cut = head.rfind(b"\n")
    if cut < 0:
        return None
    text, warnings, skip = _decode(head[: cut + 1])
    if text is None or warnings or skip is not None:
        return None
    peek = FileResult(path)
    # read until a text column settles it: an article table's rows are read once, below
    rows = _table_rows(peek, path, suffix, text, columns, max_bytes, probe=True)
    return peek if rows is not None and rows.done else None


def _table_rows(
    result: FileResult,
    path: str,
    suffix: str,
    text: str,
    columns: dict[str, str],
    max_bytes: int | None,
    probe: bool = False,
) -> _Rows | None:
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(result, path, text, columns, max_bytes, probe)
    return _read_csv(result, path, text, columns, max_bytes, tab=suffix == ".tsv", probe=probe)


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
    if suffix in JSONL_SUFFIXES or suffix in CSV_SUFFIXES:
        _table_rows(result, path, suffix, text, columns, max_bytes)
    else:
        article = _read_document(result, path, text, markdown=suffix in MARKDOWN_SUFFIXES)
        if article is not None:
            article.content_hash = file_hash(data)
            result.articles.append(article)
