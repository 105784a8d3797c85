"""Many articles per file: JSON Lines and CSV/TSV, one article per row."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from searchtui.models import Article, FileResult, Problem

from .decode import file_hash
from .fields import NestedTooDeep, _fields_from_mapping, _norm, _one_line, _resolve, _shorten
from .text import _line_end

_MAX_ROW_PROBLEMS = 20  # per file; the rest are summed up in one more problem
#: A table none of whose first rows has a column for the text (a manifest or a list of
#: metadata, say) is no article table: it is not read further. Reading a manifest of a
#: million rows to the end took half a minute and 2 GB, to find the same.
ROWS_TO_FIND_TEXT = 1000


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


class _Rows:
    """Turns the rows of one table into Articles, keeping the bookkeeping.

    Row problems are kept in line order and reported at the end, the first
    ``_MAX_ROW_PROBLEMS`` of them and then a count of the rest.
    """

    def __init__(
        self, result: FileResult, path: str, columns: dict[str, str], max_bytes: int | None,
        probe: bool = False,
    ) -> None:
        self.result = result
        self.path = path
        self.columns = columns
        self.max_bytes = max_bytes
        self.rows = 0
        self.with_body = 0
        #: whether a row had a column for the text (empty or not)
        self.body_column = False
        #: the table is no article table: read no further (see ``ROWS_TO_FIND_TEXT``)
        self.done = False
        #: only whether it is an article table is asked: a text column settles it too
        self.probe = probe
        #: read no further: the table is no article table, or (probing) it is one
        self.settled = False
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
        """Turn one row into an Article; a row that cannot be read is skipped alone."""
        self.rows += 1
        try:
            self._add(line, row)
        except (NestedTooDeep, RecursionError):
            self.problem(line, str(NestedTooDeep()))
        except Exception as exc:  # a reader bug must cost one row, not the file
            self.problem(
                line,
                f"internal error while reading ({type(exc).__name__}: {_one_line(str(exc))})",
            )

    def _add(self, line: int, row: dict[Any, Any]) -> None:
        keys = tuple(row)
        cols = self._resolved.get(keys)
        if cols is None:
            if len(self._resolved) > 256:
                self._resolved.clear()
            cols = self._resolved[keys] = _resolve(keys, self.columns)
            self.keys_seen.update(keys)
        if cols.get("body"):
            self.body_column = True
            if self.probe:
                self.settled = True
                return
        elif not self.body_column and self.rows >= ROWS_TO_FIND_TEXT:
            self.done = self.settled = True
            return
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
            first_keys = sorted(self.keys_seen, key=str)[:12]
            found = ", ".join(_one_line(str(k)) or "''" for k in first_keys)
            if body_col:
                why = f"no column {body_col!r} (columns.body) with text"
            else:
                why = "no body, content or text column"
            if self.done:
                why += f" in its first {ROWS_TO_FIND_TEXT:,} rows; not read further"
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
                    Problem(
                        self.path, f"column {col!r} (columns.{fname}) not found in this file", False
                    )
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


def _lines(text: str):
    """``text.split("\n")``, one line at a time (a table may be hundreds of megabytes)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _read_jsonl(
    result: FileResult, path: str, text: str, columns: dict[str, str], max_bytes: int | None,
    probe: bool = False,
) -> _Rows:
    rows = _Rows(result, path, columns, max_bytes, probe)
    for lineno, line in enumerate(_lines(text), 1):
        s = line.strip()
        if not s:
            continue
        if max_bytes is not None and len(s) > max_bytes // 4:
            if rows.too_big(lineno, len(s.encode("utf-8", "surrogatepass"))):
                continue
        try:
            obj = json.loads(s)
        except RecursionError:
            rows.problem(lineno, str(NestedTooDeep()))
            continue
        except ValueError as exc:
            msg = getattr(exc, "msg", None) or type(exc).__name__
            col = getattr(exc, "colno", None)
            rows.problem(lineno, f"not valid JSON ({msg}{f' at column {col}' if col else ''})")
            continue
        if not isinstance(obj, dict):
            rows.problem(lineno, f"not a JSON object (a {type(obj).__name__})")
            continue
        rows.add(lineno, obj)
        if rows.settled:
            break
    rows.finish("JSON Lines")
    return rows


_DELIMITERS = (",", ";", "\t", "|")
_CSV_FIELD_LIMIT = 2**31 - 1


def _read_csv(
    result: FileResult,
    path: str,
    text: str,
    columns: dict[str, str],
    max_bytes: int | None,
    tab: bool = False,
    probe: bool = False,
) -> _Rows | None:
    """The table's rows read into ``result``; None when it has no header to read."""
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    head = text[: _line_end(text, 0)]
    delimiter = "\t" if tab else max(_DELIMITERS, key=head.count)
    if not tab and head.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = _Rows(result, path, columns, max_bytes, probe)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                result.problems.append(
                    Problem(path, f"line {start}: cannot read the header ({exc})")
                )
                return None
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
        rows.add(start, dict(zip(header, rec, strict=True)))
        if rows.settled:
            break
    if header is None:
        result.problems.append(Problem(path, "no header row"))
        return None
    rows.keys_seen.update(header)
    rows.finish("CSV")
    return rows
