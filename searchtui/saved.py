"""Saved searches: a name for a query with its filters, and what is new since it was viewed.

They are kept per index, in ``saved-searches.json`` in the index folder (beside
``CURRENT``, so a rebuild keeps them). Each one holds its query, facet filters
and date range, when it was last viewed, and ``seen``: the first-indexed stamp
of the newest article in the index when it was saved or last viewed (see
``SearchEngine.newest_indexed``). Its new hits are those first indexed after
that; an article indexed again when its file changes keeps its first time, and
so does every article over a rebuild.

The file is changed under a lock (``flock`` on the index folder) and replaced in
one atomic rename. One that cannot be read is never written over: the error
names it. A saved query that no longer reads (after an upgrade changed the query
language) is kept, and reported as such where it is listed or run.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchtui import untrusted
from searchtui.errors import QueryError, SavedSearchError
from searchtui.models import FACET_FIELDS, FacetFilter, SearchRequest
from searchtui.whooshext.storage import write_durably

if TYPE_CHECKING:
    from searchtui.search import SearchEngine

FILE = "saved-searches.json"
VERSION = 1
MAX_BYTES = 16 * 2**20


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class SavedSearch:
    name: str
    query: str = ""
    filters: dict[str, FacetFilter] = field(default_factory=dict)
    date_from: _dt.date | None = None
    date_to: _dt.date | None = None
    created: str = ""
    #: when it was last shown (None: never)
    last_viewed: str | None = None
    #: the newest first-indexed stamp in the index when it was saved or last viewed
    seen: str | None = None

    def request(self, **options: Any) -> SearchRequest:
        """The search, with ``options`` for the rest of the request (page, sort...)."""
        return SearchRequest(
            query=self.query,
            filters={
                k: FacetFilter(set(v.include), set(v.exclude)) for k, v in self.filters.items()
            },
            date_from=self.date_from,
            date_to=self.date_to,
            **options,
        )

    def filters_dict(self) -> dict[str, Any]:
        """The facet filters and date range as shown: ``{facet: {"include", "exclude"},
        "from", "to"}``, each only when set."""
        out: dict[str, Any] = {
            name: {"include": sorted(f.include), "exclude": sorted(f.exclude)}
            for name, f in self.filters.items()
            if f
        }
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        return out

    def describe_filters(self) -> str:
        """The filters in a few words: ``authors: Ann Lee; not places: Paris; from 2016-01-01``."""
        parts = []
        for name, f in self.filters.items():
            parts += [f"{name}: {v}" for v in sorted(f.include)]
            parts += [f"not {name}: {v}" for v in sorted(f.exclude)]
        if self.date_from:
            parts.append(f"from {self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to {self.date_to.isoformat()}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "query": self.query,
            "filters": self.filters_dict(),
            "created": self.created,
            "last_viewed": self.last_viewed,
            "seen": self.seen,
        }

    @classmethod
    def from_dict(cls, data: Any) -> SavedSearch:
        """One entry of the file; ValueError (or KeyError, TypeError) if it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise ValueError("an entry without a name")
        raw = data.get("filters") or {}
        if not isinstance(raw, dict):
            raise ValueError(f"the filters of {data['name']!r} are not a mapping")
        filters = {}
        for name in FACET_FIELDS:
            if name in raw:
                f = raw[name]
                filters[name] = FacetFilter(
                    {str(v) for v in f.get("include", [])}, {str(v) for v in f.get("exclude", [])}
                )

        def day(key: str) -> _dt.date | None:
            return _dt.date.fromisoformat(raw[key]) if raw.get(key) else None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            name=data["name"],
            query=str(data.get("query") or ""),
            filters=filters,
            date_from=day("from"),
            date_to=day("to"),
            created=text("created") or "",
            last_viewed=text("last_viewed"),
            seen=text("seen"),
        )


@dataclass
class Summary:
    """A saved search with its counts now (``error`` instead when its query no longer reads)."""

    search: SavedSearch
    total: int | None = None
    new: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.search.name,
            "query": self.search.query,
            "filters": self.search.filters_dict(),
            "total": self.total,
            "new": self.new,
            "last_viewed": self.search.last_viewed,
        }
        if self.error is not None:
            out["error"] = self.error
        return out


def no_longer_reads(search: SavedSearch, error: QueryError) -> str:
    return (
        f"the saved search {search.name!r} no longer reads ({error}); it is kept: "
        f"save it again with: searchtui saved add --replace {search.name} QUERY, "
        f"or remove it with: searchtui saved rm {search.name}"
    )


class SavedSearches:
    """The saved searches of the index at ``root``."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.path = self.root / FILE

    # -- reading

    def load(self) -> list[SavedSearch]:
        try:
            raw = untrusted.read_regular(self.path, MAX_BYTES)
        except FileNotFoundError:
            return []
        except untrusted.TooLarge:
            raise self._unreadable("it is too large") from None
        except OSError as exc:
            raise self._unreadable(exc.strerror or str(exc)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            entries = data["searches"]
            if not isinstance(entries, list):
                raise ValueError("its searches are not a list")
            return [SavedSearch.from_dict(e) for e in entries]
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise self._unreadable(str(exc) or type(exc).__name__) from None

    def _unreadable(self, why: str) -> SavedSearchError:
        return SavedSearchError(
            f"cannot read the saved searches in {self.path} ({why}); the file is left as it "
            "is: repair or move it"
        )

    def get(self, name: str) -> SavedSearch:
        for search in self.load():
            if search.name == name:
                return search
        raise self._unknown(name)

    def _unknown(self, name: str) -> SavedSearchError:
        names = [s.name for s in self.load()]
        known = f" (saved: {', '.join(names)})" if names else " (none are saved)"
        return SavedSearchError(f"no saved search named {name!r}{known}")

    # -- changing

    def add(self, search: SavedSearch, *, replace_old: bool = False) -> SavedSearch:
        """Save ``search``; a name already saved is refused unless ``replace_old``."""
        name = search.name.strip()
        if not name or not name.isprintable():
            raise SavedSearchError("a saved search needs a name of printable characters")
        search = replace(search, name=name, created=search.created or now())

        def change(searches: list[SavedSearch]) -> None:
            for i, old in enumerate(searches):
                if old.name == name:
                    if not replace_old:
                        raise SavedSearchError(
                            f"a search named {name!r} is saved already (query: {old.query!r}); "
                            "choose another name, or replace it with --replace"
                        )
                    searches[i] = search
                    return
            searches.append(search)

        self._update(change)
        return search

    def remove(self, name: str) -> None:
        def change(searches: list[SavedSearch]) -> None:
            kept = [s for s in searches if s.name != name]
            if len(kept) == len(searches):
                raise self._unknown(name)
            searches[:] = kept

        self._update(change)

    def mark_viewed(self, name: str, seen: str | None) -> SavedSearch:
        """Record that ``name`` was viewed now, with the index's newest stamp then."""
        done: list[SavedSearch] = []

        def change(searches: list[SavedSearch]) -> None:
            for i, old in enumerate(searches):
                if old.name == name:
                    searches[i] = replace(old, last_viewed=now(), seen=seen or old.seen)
                    done.append(searches[i])
                    return
            raise self._unknown(name)

        self._update(change)
        return done[0]

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise SavedSearchError(
                f"cannot open the index folder {self.root}: {exc.strerror or exc}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # unlocks

    def _update(self, change: Callable[[list[SavedSearch]], None]) -> None:
        with self._locked():
            searches = self.load()
            change(searches)
            self._write(searches)

    def _write(self, searches: list[SavedSearch]) -> None:
        data = {"version": VERSION, "searches": [s.to_dict() for s in searches]}
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        try:
            write_durably(self.path, text.encode("utf-8"))
        except OSError as exc:
            raise SavedSearchError(
                f"cannot save to {self.path}: {exc.strerror or exc}; the saved searches are "
                "as they were"
            ) from None


# -- with the index


def check_query(engine: SearchEngine, search: SavedSearch) -> None:
    """Refuse a search whose query does not read (QueryError), before it is saved."""
    engine.search(search.request(page_size=1, facets=(), histogram=False, snippets=False,
                                 suggest=False))


def summarise(engine: SearchEngine, search: SavedSearch) -> Summary:
    """The search's total and new hits now."""
    request = search.request(
        page_size=1, facets=(), histogram=False, snippets=False, suggest=False,
        new_since=_since(search),
    )
    try:
        result = engine.search(request)
    except QueryError as exc:
        return Summary(search, error=no_longer_reads(search, exc))
    return Summary(search, total=result.total, new=result.new)


def _since(search: SavedSearch) -> str:
    # saved before the index held anything: every hit is new
    return search.seen or ""


def run(engine: SearchEngine, search: SavedSearch, *, only_new: bool = False, **options: Any):
    """The search's hits, the new ones first (or alone), each marked; a query that no
    longer reads raises SavedSearchError saying so."""
    request = search.request(new_since=_since(search), only_new=only_new, **options)
    try:
        return engine.search(request)
    except QueryError as exc:
        raise SavedSearchError(no_longer_reads(search, exc)) from None
