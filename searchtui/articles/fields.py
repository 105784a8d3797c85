"""An article's fields from a mapping: a table row or a front matter block.

Columns are found by their usual names (``_ALIASES``), case and ``_``/``-``/space
insensitive, or named by the ``columns`` mapping (our field -> their column).
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from searchtui.models import Article, Problem

from .byline import _BY_PREFIX, Byline, parse_byline, split_authors
from .dates import _to_date

#: Our field names, as used by the ``columns`` mapping.
COLUMN_FIELDS = ("title", "authors", "publication", "date", "body", "url", "tags", "id")

_FALLBACK_TITLE_LEN = 100

#: Deepest nesting of lists read from a field (in a JSON row, in front matter,
#: or written as a literal in a text cell); a deeper value is not read.
MAX_NESTING = 8


class NestedTooDeep(ValueError):
    """A field value nested deeper than :data:`MAX_NESTING`: its row or file is skipped."""

    def __init__(self) -> None:
        super().__init__(f"a value nested more than {MAX_NESTING} levels deep")

#: Caps on what one article's fields may hold: characters for text fields,
#: items for lists. Past a cap the article is kept, cut, with a warning.
FIELD_CAPS = {
    "title": 1000,
    "author_raw": 1000,
    "publication": 300,
    "url": 2000,
    "authors": 50,
    "tags": 100,
    "entities": 500,
    "name": 200,  # one author, tag or entity name
}

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


def _as_text(v: Any, sep: str = " ", depth: int = 0) -> str | None:
    if depth > MAX_NESTING:
        raise NestedTooDeep()
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
                return _as_text(v[k], sep, depth + 1)
        return None
    if isinstance(v, (list, tuple)):
        parts = [t for t in (_as_text(x, sep, depth + 1) for x in v) if t]
        return sep.join(parts) or None
    return str(v).strip() or None


def _nesting(t: str) -> int:
    """How deep the brackets of ``t`` go (quotes not considered: an upper bound)."""
    depth = deepest = 0
    for ch in t:
        if ch in "[{(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]})":
            depth -= 1
    return deepest


def _maybe_list(s: str) -> Any:
    """A list written as a literal in a text cell ("['a', 'b']"), else the text.

    Only short literals are parsed; one nested more than ``MAX_NESTING`` deep
    raises :class:`NestedTooDeep`.
    """
    t = s.strip()
    if len(t) >= 2 and t[0] == "[" and t[-1] == "]" and len(t) < 10000:
        if _nesting(t) > MAX_NESTING:
            raise NestedTooDeep()
        try:
            v = json.loads(t)
        except (ValueError, RecursionError):
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
                _warn_date(b.date_text, b.date_problem or "no such day", path, line, problems)

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
        if _nesting(v) > MAX_NESTING:
            raise NestedTooDeep()
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
    _cap_fields(f, path, line, problems)
    return f


def _cap_text(value: str | None, cap: int) -> str | None:
    if value is None or len(value) <= cap:
        return value
    return value[: cap - 1].rstrip() + "…"


def _cap_names(names: list[str], cap: int) -> list[str]:
    name_cap = FIELD_CAPS["name"]
    return [n if len(n) <= name_cap else _cap_text(n, name_cap) or "" for n in names[:cap]]


def _cap_fields(f: _Fields, path: str, line: int | None, problems: list[Problem]) -> None:
    """Cut fields past :data:`FIELD_CAPS`, with one warning naming what was cut."""
    cut: list[str] = []
    for name in ("title", "author_raw", "publication", "url"):
        value = getattr(f, name)
        if value is not None and len(value) > FIELD_CAPS[name]:
            setattr(f, name, _cap_text(value, FIELD_CAPS[name]))
            label = "author" if name == "author_raw" else name
            cut.append(f"{label} ({len(value)} characters, cap {FIELD_CAPS[name]})")
    lists = [("authors", f.authors, FIELD_CAPS["authors"]), ("tags", f.tags, FIELD_CAPS["tags"])]
    lists += [(kind, names, FIELD_CAPS["entities"]) for kind, names in f.entities.items()]
    name_cap = FIELD_CAPS["name"]
    for label, names, cap in lists:
        if len(names) > cap or any(len(n) > name_cap for n in names):
            capped = _cap_names(names, cap)
            if len(names) > cap:
                cut.append(f"{label} ({len(names)} names, cap {cap})")
            else:
                cut.append(f"{label} (a name over {name_cap} characters)")
            names[:] = capped
    if cut:
        problems.append(
            Problem(path, f"{_at(line)}field(s) too long, cut: {', '.join(cut)}", skipped=False)
        )


def _shorten(s: str, limit: int = _FALLBACK_TITLE_LEN) -> str:
    s = " ".join(s.split())
    if len(s) <= limit:
        return s
    cut = s.rfind(" ", 0, limit)
    return (s[: cut if cut > limit // 2 else limit]).rstrip(" ,;:") + "…"
