"""One article per file: the plain layout, Markdown headings, YAML front matter."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchtui.models import Article, FileResult, Problem
from searchtui.untrusted import YAMLBoundError, load_yaml, yaml_problem

from .byline import Byline, _as_byline
from .fields import NestedTooDeep, _Fields, _fields_from_mapping, _resolve, _shorten

_TITLE_MAX = 300  # a first line longer than this is text, not a title


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
    problem, line = yaml_problem(exc)
    return problem if line is None else f"{problem} at front matter line {line}"


class _Unreadable(Exception):
    """Front matter that is not to be read at all: the file is skipped with this reason."""


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
                    Problem(
                        path, "front matter has no closing '---'; read as plain text", skipped=False
                    )
                )
                text = text[first_end + 1 :]
            else:
                block = text[first_end + 1 : close.start()]
                rest = text[close.end() + 1 :]
                try:
                    meta, text = _front_matter(path, block, rest, problems)
                except _Unreadable as exc:
                    problems.append(Problem(path, str(exc)))
                    return None
    plain: _Plain | None = None
    if meta is not None:
        try:
            fields = _fields_from_mapping(meta, _resolve(tuple(meta), {}), path, None, problems)
        except NestedTooDeep as exc:
            problems.append(Problem(path, f"front matter: {exc}"))
            return None
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
    """(mapping or None, the text to read for the rest of the article).

    Raises :class:`_Unreadable` for front matter past the YAML bounds (an alias
    bomb, nesting too deep): such a file is not an article.
    """
    try:
        meta = load_yaml(block) if block.strip() else {}
    except YAMLBoundError as exc:
        raise _Unreadable(f"front matter: {_yaml_error(exc)}") from None
    except RecursionError:
        raise _Unreadable("front matter: nested too deeply") from None
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
            Problem(
                path, "front matter is not a mapping of fields; read as plain text", skipped=False
            )
        )
        return None, block + "\n\n" + rest
    # Scalars that YAML turned into other types ("title: 1984", "title: yes")
    # are taken as written.
    as_written: dict[str, Any] | None = None
    for k, v in list(meta.items()):
        if isinstance(v, (bool, int, float)) and not isinstance(v, _dt.date):
            if as_written is None:
                as_written = _loose_front_matter(block)
            if isinstance(as_written.get(k), str):
                meta[k] = as_written[k]
    meta = {str(k): v for k, v in meta.items()}
    return meta, rest
