"""Arrays decoded from one index generation, which queries are computed over.

Posting lists of the terms queries meet (documents and weights, and on demand
positions) are read from the word lists kept beside each segment (``docfile``),
or decoded from Whoosh's blocks where a segment has none, and kept in LRU caches; facet
values, dates, field lengths, deleted documents and the words of the text fields
are decoded when the index is opened and saved beside it (``cache-<generation>.npz``),
so a later open maps them in place (see ``mapped``) instead of decoding them. The
indexer prepares that file after each commit.

The cache is derived data, tied to its generation and content: it holds the
digest of the generation's signed manifest (see ``trust``) and is listed
there with its checksum. One that is missing, cut short, damaged, or made for
another index is not used: the arrays are decoded again and the cache
written anew (by whoever can take the index's lock at that moment).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as _dt
import functools
import math
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from whoosh.index import Index

from searchtui import canonical, kernels, lexicon, mapped, segarrays, store, stories, trust
from searchtui.errors import SearchtuiError
from searchtui.facets import NO_DATE, DateIndex, FacetIndex, FacetRows
from searchtui.schema import (
    EVIDENCE_FIELD,
    FACET_INDEX_FIELDS,
    FIRST_INDEXED,
    SKETCH_BYTES,
    SKETCH_FIELD,
    TEXT_FIELDS,
    sketch_bytes,
    stamp_micros,
)
from searchtui.segarrays import SegmentArrays
from searchtui.stories import Stories
from searchtui.whooshext import (
    Damaged,
    DocsFile,
    Merged,
    deleted_docs,
    docfile,
    fixed_column,
    read_segment,
    segment_id,
    term_positions,
    term_postings,
)
from searchtui.whooshext.storage import write_durably

POSTINGS_CACHE = 4096  # terms kept decoded
POSITIONS_CACHE = 20_000_000  # (document, position) pairs kept decoded
PHRASES_CACHE = 256  # phrase answers kept
SEP = "\x1f"  # between facet values in the cache file
#: The fields whose terms the cache keeps with their numbers of live documents: what
#: the tables of names shown as others are made from (see ``IndexData._build_on``).
NAMED_FIELDS = (*canonical.RULES, EVIDENCE_FIELD)
K1 = 1.2  # BM25 term frequency saturation
B = 0.75  # BM25 length normalisation


def cache_path(ixdir: Path, generation: int) -> Path:
    return Path(ixdir) / f"cache-{generation}.npz"


#: What reading a cache file that is not a sound npz file may raise.
_UNREADABLE = (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile)


def prepare(
    ix: Index, ixdir: Path, decoded: Mapping[str, trust.Entry] | None = None,
    merged: Merged | None = None,
) -> dict[str, trust.Entry | None]:
    """Decode and save the arrays of the generation ``ix`` just committed.

    For the indexer, which holds the index's lock and lists the files in the
    manifest itself: the cache, and the decoded segments (see ``segarrays``), of
    which only the new ones are decoded. ``decoded``: the files of new segments
    that the run's worker processes decoded already (``decode_segments``), with
    the entries they wrote them with; each is read only if it still has those
    bytes. ``merged``: what the commit merged (see ``_earlier``). Segment files of
    segments the generation no longer has are removed.
    Returns the names of the files written or kept, each with its entry when it
    is known (None: to be checksummed).
    """
    with ix.reader() as reader:
        data = IndexData(reader, ixdir, write_cache=False, decoded=decoded, merged=merged)
        files: dict[str, trust.Entry | None] = dict(data.save_segments(prune=True))
        path = cache_path(ixdir, reader.generation())
        if data._write(path):
            files[path.name] = None
        return files


def decode_segments(ix: Index, segments: Sequence[Any], ixdir: Path) -> dict[str, trust.Entry]:
    """Decode the arrays of segments a worker process wrote and handed over, and save
    each beside the index (see ``segarrays``), for ``prepare`` in the parent to read
    instead of decoding them itself, one after the other. Returns the files written,
    with their entries (a file that cannot be written is left out: the parent decodes
    its segment)."""
    written: dict[str, trust.Entry] = {}
    for segment in segments:
        sid = segment.segment_id()
        reader = read_segment(ix, segment)
        try:
            raw = SegmentArrays.decode(reader).to_bytes()
        finally:
            reader.close()
        name = segarrays.file_name(sid)
        if _write_durably(Path(ixdir) / name, raw):
            written[name] = trust.Entry(len(raw), trust.sha256_bytes(raw))
    return written


def _write_durably(path: Path, write: Callable[[Any], object] | bytes) -> bool:
    """Write a file whole or not at all; False if it cannot be (a read-only index
    folder, a full disk: what it holds is decoded again when needed)."""
    try:
        write_durably(path, write)
    except OSError:
        return False
    return True


class CacheUnusable(Exception):
    """The cache file is absent, damaged, or made for another index or generation."""


class CacheOutdated(CacheUnusable):
    """The cache file was made by other rules for joining names (another searchtui)."""


#: The rules for joining names the facet arrays were built with (see ``canonical``):
#: a cache made by others is made again.
NAME_RULES = trust.sha256_bytes(Path(canonical.__file__).read_bytes())[:16]


def _generation_number(generation: int | None) -> int:
    """A generation as the cache records it: -1 for an index without segments."""
    return -1 if generation is None else generation


def open_cache(
    path: Path, manifest: trust.Manifest, ndocs: int | None, generation: int | None
):
    """The cache file of ``generation``, its arrays mapped in place (see ``mapped``),
    once it is known to belong.

    It must be listed in the generation's manifest with its checksum, and hold
    the manifest's digest, the generation and the document count (``ndocs``;
    None: any), and have been made by these rules for joining names.
    """
    entry = manifest.derived.get(path.name)
    if entry is None:
        raise CacheUnusable("it is not listed in the signed manifest")
    try:
        z = mapped.MappedArrays(path)
    except FileNotFoundError:
        raise CacheUnusable("it is missing") from None
    except OSError as exc:
        raise CacheUnusable(f"it cannot be read: {exc.strerror}") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise CacheUnusable(f"it cannot be read: {type(exc).__name__}") from None
    whole = z.buffer()
    try:
        if len(whole) != entry.size or trust.sha256_bytes(whole) != entry.sha256:
            raise CacheUnusable("it has changed since it was written")
    finally:
        whole.release()
    try:
        made_for = (int(z["ndocs"][0]), int(z["generation"][0]), str(z["digest"][0]))
        made_by = str(z["rules"][0]) if "rules" in z else ""
    except _UNREADABLE as exc:
        raise CacheUnusable(f"it cannot be read: {type(exc).__name__}") from None
    if ndocs is None:
        ndocs = made_for[0]
    if made_for != (ndocs, _generation_number(generation), manifest.digest):
        raise CacheUnusable("it was made for another index or generation")
    if made_by != NAME_RULES:
        raise CacheOutdated("it was made by another version of searchtui")
    return z


def check_cache(ixdir: Path, manifest: trust.Manifest, ndocs: int) -> str | None:
    """What is wrong with the cache of the manifest's generation (None: it agrees, or is
    not made yet, or was made by another version: such a file is made again when the
    index is opened)."""
    path = cache_path(ixdir, manifest.generation)
    if path.name not in manifest.derived:
        return None
    try:
        with open_cache(path, manifest, ndocs, manifest.generation) as z:
            for name in z.files:
                z[name]  # every array reads back
    except CacheOutdated:
        return None
    except CacheUnusable as exc:
        return f"{path.name}: {exc}"
    except _UNREADABLE as exc:
        return f"{path.name}: it cannot be read: {type(exc).__name__}"
    return None


def _day_ordinal(value: str) -> int:
    try:
        return _dt.date.fromisoformat(value).toordinal()
    except ValueError:
        return NO_DATE


class FieldTerms:
    """One field's terms over an index generation, each once (``terms``), and the
    (term id, document) pair of each live document holding one."""

    def __init__(self, terms: list[str], pair_term: np.ndarray, pair_doc: np.ndarray):
        self.terms = terms
        self.pair_term = pair_term
        self.pair_doc = pair_doc

    def counts(self) -> dict[str, int]:
        """Each term with its number of live documents (those with none left out)."""
        n = np.bincount(self.pair_term, minlength=len(self.terms))
        return {self.terms[i]: int(n[i]) for i in np.flatnonzero(n).tolist()}

    def spread(self, out: np.ndarray, value: Callable[[str], int]) -> None:
        """``out[document] = value(term)`` for each pair (a field of one term a document)."""
        if len(self.pair_doc):
            of_term = np.fromiter(map(value, self.terms), dtype=out.dtype, count=len(self.terms))
            out[self.pair_doc] = of_term[self.pair_term]


class _LRU:
    """A thread-safe least-recently-used cache bounded by a total size."""

    def __init__(self, limit: int, size=lambda value: 1):
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit
        self._size = size
        self._total = 0

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= self._size(old)
            self._items[key] = value
            self._total += self._size(value)
            while self._total > self._limit and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._total -= self._size(dropped)


class _Earlier(NamedTuple):
    """What the generation before holds that the next one can take on (see
    ``IndexData._earlier``): its stories and its words, when they carry over, and
    the segments of the next one whose words it holds."""

    story: np.ndarray | None
    words: dict[str, list[str]] | None
    segments: frozenset[str]


class _Before(NamedTuple):
    """The cache of the generation before this one (its arrays mapped in place, once
    found to belong: see ``open_cache``), and how its documents lie in this one (see
    ``IndexData._before``)."""

    z: Any
    #: where each of its documents is now (see ``IndexData._carried_rows``), or None
    rows: np.ndarray | None
    #: the segments of this generation it holds all of (see ``IndexData._segments_held``)
    held: frozenset[str] | None


def _spans(ids: list[str], docs: list[int]) -> tuple[dict[str, int], dict[str, int]]:
    """Where each of the segments ``ids`` (of ``docs`` documents each, in turn) starts
    in its generation's rows, and how many rows it has."""
    starts = np.cumsum([0, *docs]).tolist()
    return dict(zip(ids, starts, strict=False)), dict(zip(ids, docs, strict=True))


def _renamed(story: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The stories ``story`` of a generation's rows, their rows now ``rows``: each story
    named by its lowest row now, in the order of the new rows."""
    n = len(rows)
    lowest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(lowest, story, rows)  # story names are rows of the old generation
    out = np.empty(n, dtype=np.int64)
    out[rows] = lowest[story]
    return out


def _carried_story(z, rows: np.ndarray) -> np.ndarray | None:
    """The stories the cache ``z`` of the generation before holds, its documents now at
    ``rows`` (see ``_renamed``), when they were grouped as stories are now (None: not)."""
    if (
        "story_params" in z
        and tuple(int(v) for v in z["story_params"]) == stories.GROUPING
        and len(z["story"]) == len(rows)
    ):
        return _renamed(np.asarray(z["story"], dtype=np.int64), rows)
    return None


def _holds(words: list[str], word: str) -> bool:
    """Whether the sorted list ``words`` holds ``word``."""
    at = bisect.bisect_left(words, word)
    return at < len(words) and words[at] == word


class _Regroup(NamedTuple):
    """How a facet's values change when the terms it was made of are shown by another
    table (see ``_regroup``)."""

    #: values some of whose terms are shown as others now: value -> the terms shown as
    #: it now, whose documents make it up (read whole)
    redo: dict[str, list[str]]
    #: terms shown as another value now: term -> that value (its documents are added)
    moved: dict[str, str]
    #: values no term is shown as any more
    gone: set[str]


def _regroup(
    before: FacetIndex, old_counts: Mapping[str, int], counts: Mapping[str, int],
    table: Mapping[str, str], is_term: Callable[[str], bool],
) -> _Regroup:
    """How the facet of the generation before (``before``, with its table and values;
    ``old_counts``, its terms with live documents then) changes when its terms are
    shown as ``table`` says (made from ``counts``, the terms with live documents now;
    ``is_term``: whether a text is a term of the field in the index, live or not).

    A term without live documents was shown as itself; one that has some now may be
    shown as another value, which may then be shown for no term any more."""
    old = before.table
    moved: dict[str, str] = {}
    losing: set[str] = set()
    for term in set(old).union(table):
        if term in old_counts:
            was, now = old.get(term, term), table.get(term, term)
            if was != now:
                moved[term] = now
                losing.add(was)
        elif term in table and term in before.ids:
            losing.add(term)
    members: dict[str, list[str]] = {value: [] for value in losing}
    for term, value in table.items():
        if value in members:
            members[value].append(term)
    for value in losing:
        if value in counts and value not in table:
            members[value].append(value)
    gone = {
        value for value, terms in members.items()
        if not terms and (value in counts or not is_term(value))
    }
    redo = {value: sorted(terms) for value, terms in members.items() if value not in gone}
    return _Regroup(redo, moved, gone)


def _regrouped(
    regroup: _Regroup, docs_of: Callable[[str], np.ndarray]
) -> tuple[dict[str, np.ndarray], set[str], set[str]]:
    """What ``FacetIndex.grown`` is given for a facet whose values change as ``regroup``
    says: the documents of values (``docs_of``: a term's live documents; a document may
    come twice), the values whose pairs are left out, and the values gone."""
    parts: dict[str, list[np.ndarray]] = {
        value: [docs_of(t) for t in terms] for value, terms in regroup.redo.items()
    }
    for term, value in regroup.moved.items():
        if value not in regroup.redo:
            parts.setdefault(value, []).append(docs_of(term))
    extra = {
        value: np.concatenate(held) if held else np.zeros(0, np.int64)
        for value, held in parts.items()
    }
    return extra, set(regroup.redo), regroup.gone


class IndexData:
    """Everything decoded from one index generation that queries use."""

    def __init__(
        self, reader, ixdir: Path | None = None, *, write_cache: bool = True,
        decoded: Mapping[str, trust.Entry] | None = None, merged: Merged | None = None,
    ):
        self.reader = reader
        #: what the commit that made this generation merged, when told (see ``_earlier``)
        self._merged = merged
        self.leaves = reader.leaf_readers()
        self.ndocs = reader.doc_count_all()
        self.generation = reader.generation()
        self._postings = _LRU(POSTINGS_CACHE)
        self._positions = _LRU(POSITIONS_CACHE, size=lambda value: len(value[0]))
        self._phrases = _LRU(PHRASES_CACHE)
        #: each segment's file of word lists, by segment (None: read its blocks)
        self._docfiles: dict[str, DocsFile | None] = {}
        #: each field's tables of terms in every segment's file, for looking a term
        #: up in all of them in one compiled call (None: term by term)
        self._tables: dict[str, Any] = {}
        self.ixdir = Path(ixdir) if ixdir is not None else None
        manifest = self._manifest()
        self._signed = manifest
        #: segment files the index run that made this generation decoded (see ``prepare``)
        self._decoded = dict(decoded or {})
        #: decoded segments: those read from their files (name -> entry), and those
        #: decoded from the segment here (name -> arrays)
        self._segments_read: dict[str, trust.Entry] = {}
        self._segments_decoded: dict[str, SegmentArrays] = {}
        #: the files of segments the generation before had, listed as its manifest lists
        #: them, not read (see ``_build_on``)
        self._segments_kept: dict[str, trust.Entry] = {}
        #: each named field's terms with their numbers of live documents, when built here
        #: (see ``NAMED_FIELDS``)
        self._name_counts: dict[str, dict[str, int]] | None = None
        #: those arrays as the cache read holds them, mapped in place
        self._cached_names: dict[str, np.ndarray] = {}
        #: the newest verified manifest before this generation's (read on first need)
        self._older: trust.Manifest | None = None
        self._older_read = False
        #: the words of each segment's text fields, when _build has the segments at hand
        self._segment_words: list[dict] | None = None
        #: the words of the text fields, read from the segments' files on first need
        self._words: dict[str, list[str]] | None = None
        self._words_lock = threading.Lock()
        #: the words of the text fields as the cache holds them (see _words_from_cache)
        self._cached_words: dict[str, tuple[np.ndarray, int]] | None = None
        #: the digest of the generation's signed manifest (None: not signed)
        self.digest = manifest.digest if manifest is not None else None
        cache = cache_path(self.ixdir, self.generation) if self.ixdir is not None else None
        loaded = manifest is not None and cache is not None and self._load(cache, manifest)
        if not loaded:
            self._build()
            if cache is not None and manifest is not None and write_cache:
                self._save(cache)
        if self.rows is not None:
            self.rows.lend_totals(self.facets)
        self.stories = Stories(self.story, self.live)
        lexicon.provide(reader, self.words)
        self.count = int(self.live.sum())
        self.avg_length = {}
        for field in TEXT_FIELDS:
            total = float(self.lengths[field][self.live].sum())
            self.avg_length[field] = total / self.count if self.count else 1.0

    # -- building from the index, and the cache of what was built

    def _manifest(self) -> trust.Manifest | None:
        if self.ixdir is None:
            return None
        try:
            return trust.read_manifest(self.ixdir, self.generation)
        except (trust.NotSigned, SearchtuiError):
            return None

    def _build(self) -> None:
        live = np.ones(self.ndocs, dtype=bool)
        for leaf, offset in self.leaves:
            live[deleted_docs(leaf) + offset] = False
        self.live = live
        before = self._before()
        if before is not None and self._build_on(before):
            return
        segments = [self._segment(leaf) for leaf, _offset in self.leaves]
        self._segment_words = [seg.words for seg in segments]
        self.lengths = {}
        for field in TEXT_FIELDS:
            arr = np.zeros(self.ndocs, dtype=np.float32)
            for seg, (_leaf, offset) in zip(segments, self.leaves, strict=True):
                arr[offset : offset + seg.ndocs] = seg.lengths[field]
            self.lengths[field] = arr

        fields = {name: self._field_terms(segments, name) for name in segarrays.TERM_FIELDS}
        self._name_counts = {name: fields[name].counts() for name in NAMED_FIELDS}
        tables = self._tables_of(self._name_counts)
        self.facets = {
            name: FacetIndex.from_pairs(
                name, fields[name].terms, fields[name].pair_term, fields[name].pair_doc,
                self.ndocs, tables.get(name),
            )
            for name in FACET_INDEX_FIELDS
        }
        days = np.full(self.ndocs, NO_DATE, dtype=np.int64)
        fields["date"].spread(days, _day_ordinal)
        self.dates = DateIndex(days)
        self.rows = FacetRows.build(self.facets, self.dates.days)
        #: when each document was first indexed, in microseconds since 1970 (0: not known)
        self.first_indexed = np.zeros(self.ndocs, dtype=np.int64)
        fields[FIRST_INDEXED].spread(self.first_indexed, stamp_micros)
        # the pairs of every field and the segments' terms go before the signatures come
        # (half a gigabyte each at a million articles); the segments' words stay
        del fields, segments, tables
        earlier = self._earlier(before)
        del before
        self.story = self._group(earlier.story if earlier is not None else None)
        if earlier is not None and earlier.words is not None:
            ids = self._layout()[0]
            self._words = self._words_after(
                earlier.words, earlier.segments, dict(zip(ids, self._segment_words, strict=True))
            )

    @staticmethod
    def _tables_of(counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, str]]:
        """The tables of names shown as others (see ``canonical``), from each named
        field's terms with their numbers of live documents (``NAMED_FIELDS``)."""
        return canonical.corpus_names(
            {name: counts[name] for name in canonical.RULES},
            {
                pair: n
                for term, n in counts[EVIDENCE_FIELD].items()
                if (pair := canonical.parse_evidence(term)) is not None
            },
        )

    def _build_on(self, before: _Before) -> bool:
        """Build this generation's arrays on the cache of the generation before, when
        this one only added documents after its own (each of its documents alive as it
        was, its segments kept or merged whole: see ``_carried_rows``). Only the new
        segments are read: at a million articles, the terms of every segment take
        seconds to put together. The tables of names shown as others are made again
        from all the terms, with their numbers of documents, which the cache keeps (see
        ``NAMED_FIELDS``); where they show a term of the generation before as another
        value than it did, the values concerned are made again from their terms'
        documents (see ``_regroup``). The arrays are those ``_build`` makes from every
        segment (False: not done; ``_build`` makes them from every segment)."""
        z, rows, held = before.z, before.rows, before.held
        if rows is None or held is None:
            return False
        ids, docs = self._layout()
        first_new = 0
        while first_new < len(ids) and ids[first_new] in held:
            first_new += 1
        if sum(docs[:first_new]) != len(rows) or any(i in held for i in ids[first_new:]):
            return False
        try:
            carried = self._carried_arrays(z)
        except _UNREADABLE:
            return False
        if carried is None:
            return False
        old_counts, old_facets = carried
        new_leaves = self.leaves[first_new:]
        segments = [self._segment(leaf) for leaf, _offset in new_leaves]
        fields = {
            name: self._field_terms(segments, name, new_leaves) for name in segarrays.TERM_FIELDS
        }
        counts: dict[str, dict[str, int]] = {}
        for name in NAMED_FIELDS:
            joined = dict(old_counts[name])
            for term, n in fields[name].counts().items():
                joined[term] = joined.get(term, 0) + n
            counts[name] = joined
        tables = self._tables_of(counts)
        try:
            regrouped = {
                name: _regrouped(
                    _regroup(
                        old_facets[name], old_counts[name], counts[name], tables[name],
                        functools.partial(self._is_term, name),
                    ),
                    functools.partial(self._term_docs, name),
                )
                for name in canonical.RULES
            }
        except Damaged:
            return False
        # the segments of the generation before: their files stay listed as its manifest
        # lists them, once found to hold those bytes still (checked in a thread while
        # the arrays are put together: hashing lets go of the interpreter); a segment
        # without a sound file (one the commit merged, say) is decoded, and its file
        # written again
        listed: dict[str, tuple[trust.Entry, Any]] = {}
        for leaf, _offset in self.leaves[:first_new]:
            sid = segment_id(leaf)
            name = segarrays.file_name(sid) if sid else ""
            entry = self._segment_entry(name) if name else None
            if entry is not None:
                listed[name] = (entry, leaf)
            else:
                self._segment(leaf)
        with ThreadPoolExecutor(1) as pool:
            changed = pool.submit(self._changed_files, {n: e for n, (e, _l) in listed.items()})
            self._grow(
                before, old_facets, counts, tables, fields, segments, new_leaves, regrouped
            )
            for name, (entry, leaf) in listed.items():
                if name in changed.result():
                    self._segment(leaf)
                else:
                    self._segments_kept[name] = entry
        return True

    def _changed_files(self, files: Mapping[str, trust.Entry]) -> set[str]:
        """The files of ``files`` (in the index's folder) that do not hold the bytes
        their entries say (or cannot be read)."""
        assert self.ixdir is not None
        changed = set()
        for name, entry in files.items():
            path = self.ixdir / name
            try:
                if path.stat().st_size != entry.size or trust.sha256_file(path) != entry.sha256:
                    changed.add(name)
            except OSError:
                changed.add(name)
        return changed

    def _is_term(self, fieldname: str, text: str) -> bool:
        """Whether a field has the term in some segment (its documents live or not)."""
        return (fieldname, text) in self.reader

    def _term_docs(self, fieldname: str, text: str) -> np.ndarray:
        """The live documents of a term, over every segment (read from its blocks)."""
        tbytes = text.encode("utf-8")
        parts = []
        for leaf, offset in self.leaves:
            docs = term_postings(leaf, fieldname, tbytes)[0].astype(np.int64) + offset
            if len(docs):
                parts.append(docs[self.live[docs]])
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def _grow(
        self, before: _Before, old_facets: dict[str, FacetIndex],
        counts: dict[str, dict[str, int]], tables: dict[str, dict[str, str]],
        fields: dict[str, FieldTerms], segments: list[SegmentArrays], new_leaves: list,
        regrouped: dict[str, tuple[dict[str, np.ndarray], set[str], set[str]]],
    ) -> None:
        """This generation's arrays: those of the generation before (``before``, with
        its facets ``old_facets``), its documents moved to their rows, and those of the
        new segments (``segments``, of the readers ``new_leaves``, with their terms
        ``fields``); the named fields' terms ``counts`` and the tables of names made
        from them. See ``_build_on``."""
        z, rows, held = before.z, before.rows, before.held
        assert rows is not None and held is not None
        n_old = len(rows)
        self._name_counts = counts
        self.lengths = {}
        for field in TEXT_FIELDS:
            arr = np.zeros(self.ndocs, dtype=np.float32)
            arr[rows] = z[f"len_{field}"]
            for seg, (_leaf, offset) in zip(segments, new_leaves, strict=True):
                arr[offset : offset + seg.ndocs] = seg.lengths[field]
            self.lengths[field] = arr
        # (None: each document before keeps its row; the commit merged none of them)
        moved = None if np.array_equal(rows, np.arange(n_old)) else rows
        self.facets = {
            name: old_facets[name].grown(
                fields[name].terms, fields[name].pair_term, fields[name].pair_doc,
                moved, self.ndocs, tables.get(name), *regrouped.get(name, ({}, (), ())),
            )
            for name in FACET_INDEX_FIELDS
        }
        days = np.full(self.ndocs, NO_DATE, dtype=np.int64)
        days[rows] = z["days"]
        fields["date"].spread(days, _day_ordinal)
        self.dates = DateIndex(days)
        self.rows = FacetRows.build(self.facets, self.dates.days)
        self.first_indexed = np.zeros(self.ndocs, dtype=np.int64)
        self.first_indexed[rows] = z["first_indexed"]
        fields[FIRST_INDEXED].spread(self.first_indexed, stamp_micros)
        self.story = self._group(_carried_story(z, rows))
        words = self._cached_words_of(z, held)
        if words is not None:
            self._words = self._words_after(
                words, held, {
                    segment_id(leaf) or "": seg.words
                    for (leaf, _offset), seg in zip(new_leaves, segments, strict=True)
                },
            )

    def _carried_arrays(self, z) -> tuple[dict[str, dict[str, int]], dict[str, FacetIndex]] | None:
        """What of the cache ``z`` of the generation before ``_build_on`` builds on: the
        terms of the named fields with their documents, and the facets (None: it holds
        none, or not whole)."""
        counts = {}
        for name in NAMED_FIELDS:
            if f"names_{name}" not in z:
                return None
            text = z[f"names_{name}"].tobytes().decode("utf-8")
            ends = np.asarray(z[f"names_{name}_ends"], dtype=np.int64).tolist()
            n = np.asarray(z[f"names_{name}_n"], dtype=np.int64).tolist()
            whole = (ends[-1] if ends else 0) == len(text) and ends == sorted(ends)
            if len(ends) != len(n) or not whole:
                return None
            terms = [text[a:b] for a, b in zip([0, *ends], ends, strict=False)]
            counts[name] = dict(zip(terms, n, strict=True))
        facets = self._cached_facets(z, len(z["live"]))
        return (counts, facets) if facets is not None else None

    def _group(self, earlier: np.ndarray | None = None) -> np.ndarray:
        """The story of each document (see ``stories``), from the signatures in the index.

        ``earlier``: the stories of the generation before, when this one only added
        documents to it (see ``_earlier``): only the new documents' pairs are then
        looked for, and the stories are the same, in a tenth of the time at a million
        documents."""
        width = sketch_bytes(self.leaves[0][0].schema) if self.leaves else SKETCH_BYTES
        raw = np.zeros((self.ndocs, width), dtype=np.uint8)
        for leaf, offset in self.leaves:
            if SKETCH_FIELD in leaf.schema:
                part = fixed_column(leaf, SKETCH_FIELD, width)
                raw[offset : offset + len(part)] = part
        sigs = stories.signatures_from_bytes(raw)
        if earlier is not None:
            return stories.group_more(sigs, self.live, earlier).astype(np.int32)
        return stories.group(sigs, self.live).astype(np.int32)

    def _layout(self) -> tuple[list[str], list[int]]:
        """The generation's segments, in order, and their documents (deleted included)."""
        ids = [segment_id(leaf) or "" for leaf, _offset in self.leaves]
        return ids, [leaf.doc_count_all() for leaf, _offset in self.leaves]

    def _before(self) -> _Before | None:
        """The cache of the generation before this one, when there is a sound one: listed,
        with its checksum, in its signed manifest, and saying which segments it was made
        from (None: no such cache)."""
        older = self._older_manifest() if self._signed is not None else None
        if older is None or self.ixdir is None:
            return None
        try:
            z = open_cache(cache_path(self.ixdir, older.generation), older, None,
                           older.generation)
            if "segments" not in z:
                return None
            joined = z["segments"].tobytes().decode("utf-8")
            their_ids = joined.split(SEP) if joined else []
            their_docs = [int(n) for n in z["segment_docs"]]
            if "" in their_ids or len(their_docs) != len(their_ids):
                return None
            their_live = np.asarray(z["live"], dtype=bool)
            if len(their_live) != sum(their_docs):
                return None
            merge = self._merge_of(their_ids, their_docs, their_live)
            rows = self._carried_rows(their_ids, their_docs, their_live, merge)
            return _Before(z, rows, self._segments_held(their_ids, merge))
        except (CacheUnusable, *_UNREADABLE):
            return None

    def _earlier(self, before: _Before | None) -> _Earlier | None:
        """What the cache of the generation before this one (``before``) holds that this
        one can take on (None: nothing).

        Its stories, when each of its documents is one of this generation's first
        documents (see ``_carried_rows``), alive as it was, and grouping them again
        would group them the same way: stories do not depend on the documents'
        order, only their names (each story's lowest row) are made anew. Its words,
        when each of its segments is one of this one's, or was merged whole into
        one (the words of a segment are those of its documents)."""
        if before is None:
            return None
        z, rows = before.z, before.rows
        try:
            story = None
            if rows is not None and all(
                np.array_equal(np.asarray(z[f"len_{f}"]), self.lengths[f][rows])
                for f in TEXT_FIELDS
            ):
                story = _carried_story(z, rows)
            words = self._cached_words_of(z, before.held)
            return _Earlier(story, words, before.held or frozenset())
        except _UNREADABLE:
            return None

    def _cached_words_of(self, z, held: frozenset[str] | None) -> dict[str, list[str]] | None:
        """The words of the text fields the cache ``z`` of the generation before holds,
        when this generation holds all of its segments (``held``); else None."""
        if held is None or not all(f"words_{f}" in z for f in segarrays.WORD_FIELDS):
            return None
        return self._words_from_cache({
            f: (z[f"words_{f}"], int(z[f"words_{f}_count"][0])) for f in segarrays.WORD_FIELDS
        })

    def _merge_of(
        self, their_ids: list[str], their_docs: list[int], their_live: np.ndarray
    ) -> tuple[list[str], str] | None:
        """(the segments of the generation before that the commit merged, the segment
        of this one that holds their documents), when that segment holds all of their
        documents and nothing else: none was deleted, then or since. ([], "") when
        nothing was merged; None when what was merged is not known to be that."""
        if self._merged is None or not self._merged.sources:
            return [], ""
        sources, into = list(self._merged.sources), self._merged.into
        ids, docs = self._layout()
        if into is None or into not in ids or not set(sources) <= set(their_ids):
            return None
        start, size = _spans(their_ids, their_docs)
        if not all(their_live[start[s] : start[s] + size[s]].all() for s in sources):
            return None
        if sum(size[s] for s in sources) != docs[ids.index(into)]:
            return None
        return sources, into

    def _segments_held(
        self, their_ids: list[str], merge: tuple[list[str], str] | None
    ) -> frozenset[str] | None:
        """The segments of this generation whose words the generation before (its
        segments ``their_ids``) held all of: each of its segments this one kept, and
        the one it merged some of them into whole (``merge``, see ``_merge_of``); None
        when one of its segments is neither."""
        if merge is None:
            return None
        sources, into = merge
        ids = set(self._layout()[0])
        if any(i not in ids and i not in sources for i in their_ids):
            return None
        return frozenset([*their_ids, into]) if into else frozenset(their_ids)

    def _carried_rows(
        self, their_ids: list[str], their_docs: list[int], their_live: np.ndarray,
        merge: tuple[list[str], str] | None,
    ) -> np.ndarray | None:
        """Where each document of the generation before is in this one, when they are
        all this generation's first documents, each alive as it was then (None
        otherwise: a document deleted since, or another layout).

        Its segments this generation kept come first, in their order, each document
        where it was in its segment; then, when the commit merged some of them, the
        segment it merged them into (``merge``, see ``_merge_of``), their documents
        segment after segment."""
        if merge is None:
            return None
        sources, into = merge
        ids, docs = self._layout()
        kept = [i for i in their_ids if i not in set(sources)]
        order = kept + sources
        if ids[: len(kept)] != kept or (into and ids[len(kept) : len(kept) + 1] != [into]):
            return None
        start, size = _spans(their_ids, their_docs)
        if any(size[i] != n for i, n in zip(kept, docs, strict=False)):
            return None
        rows = np.empty(len(their_live), dtype=np.int64)
        at = 0
        for sid in order:
            rows[start[sid] : start[sid] + size[sid]] = np.arange(at, at + size[sid])
            at += size[sid]
        if not np.array_equal(self.live[rows], their_live):
            return None
        return rows

    def _words_after(
        self, earlier: dict[str, list[str]], their_segments: frozenset[str],
        segment_words: Mapping[str, dict],
    ) -> dict[str, list[str]] | None:
        """The words of the text fields (see :meth:`words`): those of the generation
        before, ``earlier``, which had the segments ``their_segments``, and the words
        of this generation's other segments (``segment_words``, by segment: None when
        one of those holds no word lists)."""
        ids, _docs = self._layout()
        added: dict[str, set[str]] = {f: set() for f in earlier}
        for sid in ids:
            if sid in their_segments:
                continue
            words = segment_words.get(sid)
            if words is None or any(f not in words for f in added):
                return None
            for field, held in added.items():
                held.update(words[field].names())
        merged = {}
        for field, old in earlier.items():
            new = sorted(w for w in added[field] if not _holds(old, w))
            # two sorted runs: sorting them together is one merge
            merged[field] = sorted(old + new) if new else old
        return merged

    def _arrays(self) -> dict[str, Any]:
        # Any: numpy's stub of savez would take a typed value for its allow_pickle keyword.
        arrays: dict[str, Any] = {
            "ndocs": np.array([self.ndocs]), "live": self.live, "days": self.dates.days,
            "generation": np.array([_generation_number(self.generation)]),
            "digest": np.array([self.digest or ""]),
            "rules": np.array([NAME_RULES]), "first_indexed": self.first_indexed,
            "story": self.story,
        }
        ids, docs = self._layout()
        arrays["segments"] = np.frombuffer(SEP.join(ids).encode("utf-8"), dtype=np.uint8)
        arrays["segment_docs"] = np.array(docs, dtype=np.int64)
        arrays["story_params"] = np.array(stories.GROUPING, dtype=np.int64)
        for field in TEXT_FIELDS:
            arrays[f"len_{field}"] = self.lengths[field]
        for field in segarrays.WORD_FIELDS:
            # the words of the fields, sorted, one a line (what spelling and completion
            # read on their first need: seconds to merge from the segments of a large index)
            words = self.words(field)
            if words is None:
                continue
            blob = "\n".join(words).encode("utf-8")
            if blob.count(b"\n") == max(0, len(words) - 1):  # no word holds a newline
                arrays[f"words_{field}"] = np.frombuffer(blob, dtype=np.uint8)
                arrays[f"words_{field}_count"] = np.array([len(words)])
        for name, counts in (self._name_counts or {}).items():
            # the terms one after the other, with where each ends (a term may hold any
            # character), and the number of live documents of each
            terms = sorted(counts)
            arrays[f"names_{name}"] = np.frombuffer("".join(terms).encode("utf-8"), np.uint8)
            arrays[f"names_{name}_ends"] = np.cumsum([len(t) for t in terms], dtype=np.int64)
            arrays[f"names_{name}_n"] = np.array([counts[t] for t in terms], dtype=np.int64)
        if self._name_counts is None:  # read from a cache: written as it holds them
            arrays.update(self._cached_names)
        for name, fidx in self.facets.items():
            joined = SEP.join(fidx.values).encode("utf-8")
            arrays[f"{name}_values"] = np.frombuffer(joined, dtype=np.uint8)
            arrays[f"{name}_count"] = np.array([len(fidx.values)])
            arrays[f"{name}_doc"] = fidx.pair_doc
            # the pairs are in value order: where each value's start says all of their
            # values (a number a value, not one a pair)
            arrays[f"{name}_valstart"] = fidx.val_start
            arrays[f"{name}_docvals"] = fidx.doc_vals
            arrays[f"{name}_docstart"] = fidx.doc_start
            table = SEP.join(f"{raw}{SEP}{shown}" for raw, shown in sorted(fidx.table.items()))
            arrays[f"{name}_table"] = np.frombuffer(table.encode("utf-8"), dtype=np.uint8)
        if self.rows is not None:
            arrays["rows_offsets"] = self.rows.offsets
            arrays["rows_with_days"] = np.array([self.rows.days is not None])
            arrays["rows_days"] = (
                self.rows.days if self.rows.days is not None else np.zeros(0, np.int64)
            )
            arrays["rows_start"] = self.rows.start
            arrays["rows_vals"] = self.rows.vals
            arrays["rows_totals"] = self.rows.totals()
        return arrays

    def _write(self, path: Path) -> bool:
        """Write the cache file durably; False if it cannot be."""
        if not _write_durably(path, lambda fh: mapped.save(fh, self._arrays())):
            return False
        for old in path.parent.glob("cache-*.npz"):
            # only older generations' caches go: a searcher still on an older
            # generation must not delete the cache a newer one has written
            number = old.name[len("cache-") : -len(".npz")]
            mine = self.generation
            if old != path and (mine is None or (number.isdecimal() and int(number) < mine)):
                with contextlib.suppress(OSError):
                    old.unlink()
        return True

    def _save(self, path: Path) -> None:
        """Write the cache (and the decoded segments) and list them in the manifest, if
        the index's lock is free."""
        try:
            with store.IndexLock(path.parent.parent):
                known: dict[str, trust.Entry | None] = dict(self.save_segments())
                if self._write(path):
                    known[path.name] = None
                trust.add_derived(path.parent, self.generation, list(known), known)
        except (SearchtuiError, trust.NotSigned, OSError):
            pass  # being updated, or not writable: decoded again on the next open

    def _load(self, path: Path, manifest: trust.Manifest) -> bool:
        try:
            with open_cache(path, manifest, self.ndocs, self.generation) as z:
                self.live = z["live"]
                self.dates = DateIndex(z["days"])
                self.first_indexed = z["first_indexed"]
                if "story" not in z:  # made before stories were grouped
                    return False
                self.story = z["story"]
                if len(self.story) != self.ndocs:
                    return False
                self.lengths = {field: z[f"len_{field}"] for field in TEXT_FIELDS}
                if all(f"words_{field}" in z for field in segarrays.WORD_FIELDS):
                    self._cached_words = {
                        field: (z[f"words_{field}"], int(z[f"words_{field}_count"][0]))
                        for field in segarrays.WORD_FIELDS
                    }
                facets = self._cached_facets(z, self.ndocs)
                if facets is None:
                    return False
                self.facets = facets
                self._cached_names = {
                    key: z[key] for name in NAMED_FIELDS
                    for key in (f"names_{name}", f"names_{name}_ends", f"names_{name}_n")
                    if key in z
                }
                self.rows = self._cached_rows(z)
        except (CacheUnusable, *_UNREADABLE):
            return False
        return True

    @staticmethod
    def _cached_facets(z, ndocs: int) -> dict[str, FacetIndex] | None:
        """The facets as the cache ``z`` holds them (None: not whole)."""
        facets = {}
        for name in FACET_INDEX_FIELDS:
            raw_values = z[f"{name}_values"].tobytes().decode("utf-8")
            count = int(z[f"{name}_count"][0])
            values = raw_values.split(SEP) if count else []
            if len(values) != count:
                return None
            pairs = z[f"{name}_table"].tobytes().decode("utf-8")
            cells = pairs.split(SEP) if pairs else []
            if len(cells) % 2:
                return None
            starts = f"{name}_valstart"
            facets[name] = FacetIndex(
                name, values, z[f"{name}_doc"],
                None if starts in z else z[f"{name}_val"], ndocs,
                z[f"{name}_docvals"], table=dict(zip(cells[::2], cells[1::2], strict=True)),
                doc_start=z[f"{name}_docstart"] if f"{name}_docstart" in z else None,
                val_start=z[starts] if starts in z else None,
            )
        return facets

    def _cached_rows(self, z) -> FacetRows | None:
        """The facets' rows as the cache holds them, or made anew from the facets (a
        cache made before they were, or made without the compiled loops)."""
        if kernels.loops is not None and "rows_vals" in z:
            rows = FacetRows(
                list(self.facets), z["rows_offsets"],
                z["rows_days"] if bool(z["rows_with_days"][0]) else None,
                z["rows_start"], z["rows_vals"],
                [len(f.doc_vals) for f in self.facets.values()],
                z["rows_totals"] if "rows_totals" in z else None,
            )
            if rows.fits(self.facets, self.ndocs):
                return rows
        return FacetRows.build(self.facets, self.dates.days)

    def _field_terms(
        self, segments: list[SegmentArrays], fieldname: str, leaves: list | None = None
    ) -> FieldTerms:
        """A field's terms over the segments (all of them; or ``leaves``, their readers
        with their offsets), each once, with their live documents."""
        names_of = [seg.terms[fieldname].names() for seg in segments]
        # each term numbered where first met, segment after segment (in C loops: a
        # Python step per term and segment took seconds at a few hundred thousand)
        ids = {name: i for i, name in enumerate(dict.fromkeys(chain.from_iterable(names_of)))}
        terms_of, docs_of = [], []
        every = self.leaves if leaves is None else leaves
        for seg, names, (_leaf, offset) in zip(segments, names_of, every, strict=True):
            t = seg.terms[fieldname]
            if not names:
                continue
            gid = np.fromiter(map(ids.__getitem__, names), dtype=np.int64, count=len(names))
            keep = self.live[offset : offset + seg.ndocs][t.docs]
            terms_of.append(np.repeat(gid, np.diff(t.starts))[keep])
            docs_of.append(t.docs[keep].astype(np.int64) + offset)
        if not terms_of:
            return FieldTerms([], np.zeros(0, np.int64), np.zeros(0, np.int64))
        return FieldTerms(list(ids), np.concatenate(terms_of), np.concatenate(docs_of))

    # -- the decoded segments (see ``segarrays``)

    def _segment(self, leaf) -> SegmentArrays:
        """The decoded arrays of one segment: from its file when a verified manifest
        lists it and it was made from this segment, else decoded from the segment."""
        found = self._segment_file(leaf)
        if found is not None:
            return found
        seg = SegmentArrays.decode(leaf)
        sid = segment_id(leaf)
        if sid and self.ixdir is not None:
            self._segments_decoded[segarrays.file_name(sid)] = seg
        return seg

    def _segment_file(self, leaf) -> SegmentArrays | None:
        """One segment's arrays from its file, if a verified manifest lists it with the
        bytes it holds and it says it was made from this segment (else None)."""
        sid = segment_id(leaf)
        if not sid or self.ixdir is None:
            return None
        name = segarrays.file_name(sid)
        entry = self._segment_entry(name)
        if entry is None:
            return None
        try:
            raw = (self.ixdir / name).read_bytes()
        except OSError:
            return None
        if len(raw) != entry.size or trust.sha256_bytes(raw) != entry.sha256:
            return None
        try:
            seg = SegmentArrays.from_bytes(raw, sid, leaf.doc_count_all())
        except segarrays.Unusable:
            return None
        self._segments_read[name] = entry
        return seg

    def words(self, fieldname: str) -> list[str] | None:
        """The words of a text field over all segments, from the segments' files (None:
        one of them cannot be used; the index's lexicon is walked instead). The words of
        every text field are read together, once."""
        if fieldname not in segarrays.WORD_FIELDS:
            return None
        with self._words_lock:
            if self._words is None and self._cached_words is not None:
                self._words = self._words_from_cache(self._cached_words)
            if self._words is None:
                found: dict[str, set[str]] | None = {f: set() for f in segarrays.WORD_FIELDS}
                for i, (leaf, _offset) in enumerate(self.leaves):
                    if self._segment_words is not None:  # the segments _build had
                        words = self._segment_words[i]
                    else:
                        seg = self._segment_file(leaf)
                        words = seg.words if seg is not None else {}
                    if found is None or any(f not in words for f in found):
                        found = None
                        break
                    for field, held in found.items():
                        held.update(words[field].names())
                self._words = (
                    {f: sorted(w) for f, w in found.items()} if found is not None else {}
                )
            return self._words.get(fieldname)

    @staticmethod
    def _words_from_cache(held: dict[str, tuple[np.ndarray, int]]) -> dict[str, list[str]] | None:
        """The words of the text fields as the cache holds them (None: it holds no sound
        list of them)."""
        words = {}
        for field, (blob, count) in held.items():
            try:
                words[field] = blob.tobytes().decode("utf-8").split("\n") if count else []
            except UnicodeDecodeError:
                return None
            if len(words[field]) != count:
                return None
        return words

    def _segment_entry(self, name: str) -> trust.Entry | None:
        """How a verified manifest lists a decoded segment's file: this generation's,
        else the newest older one's (segments outlive generations); for the index run
        that made the generation, also the files its workers decoded."""
        if self.ixdir is None:
            return None
        if name in self._decoded:
            return self._decoded[name]
        if self._signed is None:
            return None
        entry = self._signed.derived.get(name)
        if entry is None:
            older = self._older_manifest()
            if older is not None:
                entry = older.derived.get(name)
        return entry

    def _older_manifest(self) -> trust.Manifest | None:
        if not self._older_read and self.ixdir is not None:
            self._older = trust.latest_manifest(self.ixdir, self.generation)
            self._older_read = True
        return self._older

    def save_segments(self, *, prune: bool = False) -> dict[str, trust.Entry]:
        """Write the files of the segments decoded here (temporary file, flush,
        rename); with ``prune``, remove those of segments this generation has not.
        For a writer holding the index's lock. Returns every segment file of the
        generation that is in place, with its entry."""
        kept = {**self._segments_kept, **self._segments_read}
        if self.ixdir is None:
            return kept
        for name, seg in self._segments_decoded.items():
            raw = seg.to_bytes()
            if _write_durably(self.ixdir / name, raw):
                kept[name] = trust.Entry(len(raw), trust.sha256_bytes(raw))
        if prune:
            mine = {segarrays.file_name(sid) for leaf, _o in self.leaves
                    if (sid := segment_id(leaf))}
            with contextlib.suppress(OSError):
                for name in os.listdir(self.ixdir):
                    if segarrays.is_file_name(name) and name not in mine:
                        with contextlib.suppress(OSError):
                            (self.ixdir / name).unlink()
        return kept

    def _gather(self, cache: _LRU, leaf_arrays, fieldname: str, text: str, empty, batch=None):
        """A term's arrays over all segments (live documents only), cached; ``batch``,
        when given, reads them all at once (None: it cannot)."""
        key = (fieldname, text)
        value = cache.get(key)
        if value is not None:
            return value
        words = lexicon.made(self.reader, fieldname)
        if words is not None and text not in words:
            # no segment has it (the field's words, once read, say so at once): asking
            # each segment costs a few milliseconds a field on a large index, for each
            # word still being typed
            return empty
        tbytes = text.encode("utf-8")
        value = batch(fieldname, tbytes) if batch is not None else None
        if value is not None:
            cache.put(key, value)
            return value
        docs_parts, other_parts = [], []
        for leaf, offset in self.leaves:
            docs, other = leaf_arrays(leaf, fieldname, tbytes)
            if not len(docs):
                continue
            if not leaf.has_deletions():  # nothing of the segment to leave out
                docs_parts.append(docs + offset)
                other_parts.append(other)
            else:
                keep = self.live[docs + offset]
                docs_parts.append(docs[keep] + offset)
                other_parts.append(other[keep])
        value = (np.concatenate(docs_parts), np.concatenate(other_parts)) if docs_parts else empty
        cache.put(key, value)
        return value

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents, weights) of a term."""
        return self._gather(
            self._postings, self._term_postings, fieldname, text,
            (np.zeros(0, np.int32), np.zeros(0, np.float32)), self._all_postings,
        )

    def _all_postings(self, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """A term's documents and weights in every segment read in one compiled call
        (a prefix typed on a large index stands for words each looked up in hundreds of
        segments); None where that cannot be done (no compiled loops, a segment
        without a sound file) or a file is found wrong: then term by term, as
        ``_term_postings`` reads them, which tells which file and stops reading it."""
        tables = self._segment_tables(fieldname)
        if tables is None:
            return None
        try:
            docs, weights, absent = tables.lists(tbytes, self.live.view(np.uint8))
            for s in absent:
                leaf = self.leaves[s][0]
                held = self._docs_file(leaf)
                if held is None:  # found wrong since the tables were made
                    raise Damaged("no longer read")
                held.absent(leaf, fieldname, tbytes)
        except (ValueError, OSError, Damaged):
            self._tables.clear()  # made again without the file found wrong
            return None
        return docs, weights

    def _segment_tables(self, fieldname: str):
        """The field's ``SegmentTables`` (made on first need), or None."""
        try:
            return self._tables[fieldname]
        except KeyError:
            pass
        loops = kernels.loops
        tables = None
        if loops is not None and self.live.dtype == np.bool_:
            entries: list[tuple | None] = []
            every = True  # whether each segment with documents has a file with the field
            for leaf, offset in self.leaves:
                if not leaf.doc_count_all():
                    entries.append(None)
                    continue
                held = self._docs_file(leaf)
                f = held.fields.get(fieldname) if held is not None else None
                if held is None or f is None or f.docs.fd != f.weights.fd:
                    every = False
                    break
                docs, weights = f.docs, f.weights
                entries.append((
                    held, f.terms, f.ends, f.starts, f.crc, docs.fd, docs.offset,
                    docs.dtype.itemsize, weights.offset, weights.dtype.itemsize,
                    weights.dtype.kind == "f", len(docs), held.ndocs, offset,
                    leaf.has_deletions(),
                ))
            if every:  # each file's lists are of the widths it takes (see DocsFile)
                tables = loops.SegmentTables(entries)
        self._tables[fieldname] = tables
        return tables

    def _term_postings(self, leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's documents and weights in one segment: from the file beside it
        (see ``docfile``) when there is a sound one, else from its posting blocks."""
        return self._from_docs_file(leaf, DocsFile.postings, term_postings, fieldname, tbytes)

    def _term_positions(self, leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's (document, position) pairs in one segment, read as ``_term_postings``."""
        return self._from_docs_file(leaf, DocsFile.positions, term_positions, fieldname, tbytes)

    def _from_docs_file(self, leaf, read, decode, fieldname: str, tbytes: bytes):
        held = self._docs_file(leaf)
        if held is not None:
            try:
                found = read(held, leaf, fieldname, tbytes)
            except Damaged:
                # Not to be read wrong: this segment is read from its blocks from now on.
                self._docfiles[held.segment_id] = None
                self._tables.clear()
                found = None
            if found is not None:
                return found
        return decode(leaf, fieldname, tbytes)

    def open_docs_files(self) -> None:
        """Open every segment's file of word lists now (a query opens them when first
        needed: about 2 ms each, which a large index has hundreds of), and read their
        tables of terms (see ``DocsFile.read_tables``)."""
        for leaf, _offset in self.leaves:
            held = self._docs_file(leaf)
            if held is not None:
                held.read_tables()

    def _docs_file(self, leaf) -> DocsFile | None:
        """The segment's file of word lists (see ``docfile``), if the verified manifest
        lists it at its size and it was made for this segment (opened once)."""
        sid = segment_id(leaf)
        if not sid or self.ixdir is None or self._signed is None:
            return None
        try:
            return self._docfiles[sid]
        except KeyError:
            pass
        name = docfile.file_name(sid)
        entry = self._signed.files.get(name)
        found = None
        if entry is not None:
            try:
                found = DocsFile(self.ixdir / name, sid, leaf.doc_count_all(), entry.size)
            except docfile.Unusable:
                found = None
        self._docfiles[sid] = found
        return found

    def positions(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) pairs of every occurrence of a term, as two arrays."""
        return self._gather(
            self._positions, self._term_positions, fieldname, text,
            (np.zeros(0, np.int64), np.zeros(0, np.int64)),
        )

    def phrase_mask(
        self, fieldname: str, words: tuple[str, ...], candidates: np.ndarray,
        offsets: tuple[int, ...] | None = None, slop: int = 1,
    ) -> np.ndarray:
        """Documents where each of ``words`` stands at its offset from the first
        (by default: next to each other, in order). With ``slop`` above 1, each word
        may stand anywhere from just after the word before it to ``slop - 1``
        positions past its offset from that word (a sloppy phrase, as Whoosh's
        ordered ``SpanNear2`` matches it)."""
        if offsets is None:
            offsets = tuple(range(len(words)))
        key = (fieldname, words, offsets, slop)
        hit = self._phrases.get(key)
        if hit is not None:
            return hit
        if slop != 1:
            mask = self._sloppy_mask(fieldname, words, candidates, offsets, slop)
            self._phrases.put(key, mask)
            return mask
        shift = np.int64(1 << 24)
        common = None
        span = max(offsets)  # keeps every key's position part at 0 or more
        loops = kernels.loops
        for w, offset in zip(words, offsets, strict=True):
            docs, poses = self.positions(fieldname, w)
            keep = candidates[docs]
            # a (document, position) of a word is there once, and they come in order
            # (documents ascending, each one's positions ascending): the keys are
            # strictly increasing, unless a segment lists them otherwise
            k = docs[keep] * shift + (poses[keep] - offset + span)
            if len(k) > 1 and bool(np.any(k[1:] <= k[:-1])):
                k = np.unique(k)
            if common is None:
                common = k
            elif loops is not None:
                common = loops.intersect_sorted(common, np.ascontiguousarray(k, dtype=np.int64))
            else:
                common = np.intersect1d(common, k, assume_unique=True)
            if not len(common):
                break
        mask = np.zeros(self.ndocs, dtype=bool)
        if common is not None and len(common):
            mask[common // shift] = True
        # The candidates are every live document holding all the words, so the
        # answer is complete and can be kept for this generation.
        self._phrases.put(key, mask)
        return mask

    def _sloppy_mask(
        self, fieldname: str, words: tuple[str, ...], candidates: np.ndarray,
        offsets: tuple[int, ...], slop: int,
    ) -> np.ndarray:
        """``phrase_mask`` with a slop: the places where a chain of the words so far
        can end, word by word. A word's place continues a chain when the nearest
        chain end before it, in its document, is close enough (the nearest is the
        one that can be)."""
        shift = np.int64(1 << 32)
        ends = None
        before = offsets[0]
        for w, offset in zip(words, offsets, strict=True):
            docs, poses = self.positions(fieldname, w)
            keep = candidates[docs]
            k = docs[keep] * shift + poses[keep]
            if len(k) > 1 and bool(np.any(k[1:] <= k[:-1])):
                k = np.unique(k)
            if ends is not None:
                reach = offset - before + slop - 1
                at = np.searchsorted(ends, k, side="left") - 1
                near = ends[np.maximum(at, 0)]
                k = k[(at >= 0) & (near // shift == k // shift) & (k - near <= reach)]
            ends = k
            before = offset
            if not len(ends):
                break
        mask = np.zeros(self.ndocs, dtype=bool)
        if ends is not None and len(ends):
            mask[ends // shift] = True
        return mask

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.count - df + 0.5) / (df + 0.5))

    def bm25(self, fieldname: str, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        idf = self._idf(len(ids))
        dl = self.lengths[fieldname][ids]
        avg = self.avg_length[fieldname] or 1.0
        tf = weights
        return (idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avg))).astype(np.float32)

    def score_postings(
        self, fieldname: str, ids: np.ndarray, weights: np.ndarray, boost: float,
        mask: np.ndarray, score: np.ndarray, keep_best: bool = False,
    ) -> None:
        """Mark a term's documents in ``mask`` and set their BM25 scores (times ``boost``)
        in ``score``, or with ``keep_best`` only where higher than the score there: in
        one compiled pass where the loops are built (the same bits as :meth:`bm25`),
        else with numpy."""
        loops = kernels.loops
        lengths = self.lengths[fieldname]
        if (
            loops is not None and ids.dtype == np.int32 and weights.dtype == np.float32
            and lengths.dtype == np.float32 and mask.dtype == np.bool_
            and score.dtype == np.float32
        ):
            loops.scored_postings(
                np.ascontiguousarray(ids), np.ascontiguousarray(weights),
                np.ascontiguousarray(lengths), self._idf(len(ids)), K1, B,
                self.avg_length[fieldname] or 1.0, boost, mask.view(np.uint8), score, keep_best,
            )
            return
        mask[ids] = True
        scored = self.bm25(fieldname, ids, weights) * boost
        score[ids] = np.maximum(score[ids], scored) if keep_best else scored


