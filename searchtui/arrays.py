"""Arrays decoded from one index generation, which queries are computed over.

Posting lists of the terms queries meet (documents and weights, and on demand
positions) are decoded from Whoosh's blocks once and kept in LRU caches; facet
values, dates, field lengths and deleted documents are decoded when the index
is opened and saved beside it (``cache-<generation>.npz``), so a later open
loads them in milliseconds. The indexer prepares that file after each commit.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.filedb.filestore import FileStorage

from searchtui.facets import NO_DATE, DateIndex, FacetIndex
from searchtui.schema import FACET_INDEX_FIELDS, TEXT_FIELDS
from searchtui.store import INDEX_NAME
from searchtui.whooshext import deleted_docs, field_lengths, term_positions, term_postings

POSTINGS_CACHE = 4096  # terms kept decoded
POSITIONS_CACHE = 20_000_000  # (document, position) pairs kept decoded
PHRASES_CACHE = 256  # phrase answers kept
SEP = "\x1f"  # between facet values in the cache file
K1 = 1.2  # BM25 term frequency saturation
B = 0.75  # BM25 length normalisation


def cache_path(ixdir: Path, generation: int) -> Path:
    return Path(ixdir) / f"cache-{generation}.npz"


def prepare(ixdir: Path) -> None:
    """Decode and save the arrays of the live generation of the index in ``ixdir``."""
    ix = FileStorage(str(ixdir)).open_index(INDEX_NAME)
    with ix.reader() as reader:
        IndexData(reader, ixdir)


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


class IndexData:
    """Everything decoded from one index generation that queries use."""

    def __init__(self, reader, ixdir: Path | None = None):
        self.reader = reader
        self.leaves = reader.leaf_readers()
        self.ndocs = reader.doc_count_all()
        self._postings = _LRU(POSTINGS_CACHE)
        self._positions = _LRU(POSITIONS_CACHE, size=lambda value: len(value[0]))
        self._phrases = _LRU(PHRASES_CACHE)
        cache = cache_path(ixdir, reader.generation()) if ixdir is not None else None
        loaded = cache is not None and self._load(cache)
        if not loaded:
            self._build()
            if cache is not None:
                self._save(cache)
        self.count = int(self.live.sum())
        self.avg_length = {}
        for field in TEXT_FIELDS:
            total = float(self.lengths[field][self.live].sum())
            self.avg_length[field] = total / self.count if self.count else 1.0

    # -- building from the index, and the cache of what was built

    def _build(self) -> None:
        live = np.ones(self.ndocs, dtype=bool)
        for leaf, offset in self.leaves:
            live[deleted_docs(leaf) + offset] = False
        self.live = live
        self.lengths = {}
        for field in TEXT_FIELDS:
            arr = np.zeros(self.ndocs, dtype=np.float32)
            for leaf, offset in self.leaves:
                lengths = field_lengths(leaf, field)
                arr[offset : offset + len(lengths)] = lengths
            self.lengths[field] = arr
        self.facets = {
            name: FacetIndex.from_postings(name, self._all_term_docs(name), self.ndocs)
            for name in FACET_INDEX_FIELDS
        }
        days = np.full(self.ndocs, NO_DATE, dtype=np.int64)
        for value, docs in self._all_term_docs("date").items():
            try:
                days[docs] = _dt.date.fromisoformat(value).toordinal()
            except ValueError:
                continue
        self.dates = DateIndex(days)

    def _save(self, path: Path) -> None:
        # Any: numpy's stub of savez would take a typed value for its allow_pickle keyword.
        arrays: dict[str, Any] = {
            "ndocs": np.array([self.ndocs]), "live": self.live, "days": self.dates.days,
        }
        for field in TEXT_FIELDS:
            arrays[f"len_{field}"] = self.lengths[field]
        for name, fidx in self.facets.items():
            joined = SEP.join(fidx.values).encode("utf-8")
            arrays[f"{name}_values"] = np.frombuffer(joined, dtype=np.uint8)
            arrays[f"{name}_count"] = np.array([len(fidx.values)])
            arrays[f"{name}_doc"] = fidx.pair_doc
            arrays[f"{name}_val"] = fidx.pair_val
            arrays[f"{name}_docvals"] = fidx.doc_vals
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
            for old in path.parent.glob("cache-*.npz"):
                if old != path:
                    old.unlink()
        except OSError:
            # A read-only index folder: the arrays are rebuilt on every open.
            try:
                tmp.unlink()
            except OSError:
                pass

    def _load(self, path: Path) -> bool:
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["ndocs"][0]) != self.ndocs:
                    return False
                self.live = z["live"]
                self.dates = DateIndex(z["days"])
                self.lengths = {field: z[f"len_{field}"] for field in TEXT_FIELDS}
                self.facets = {}
                for name in FACET_INDEX_FIELDS:
                    raw = z[f"{name}_values"].tobytes().decode("utf-8")
                    count = int(z[f"{name}_count"][0])
                    values = raw.split(SEP) if count else []
                    if len(values) != count:
                        return False
                    self.facets[name] = FacetIndex(
                        name, values, z[f"{name}_doc"], z[f"{name}_val"], self.ndocs,
                        z[f"{name}_docvals"],
                    )
        except (OSError, KeyError, ValueError, UnicodeDecodeError):
            return False
        return True

    def _all_term_docs(self, fieldname: str) -> dict[str, np.ndarray]:
        found: dict[str, list] = {}
        for leaf, offset in self.leaves:
            if fieldname not in leaf.indexed_field_names():
                continue
            for tbytes in leaf.lexicon(fieldname):
                ids, _ = term_postings(leaf, fieldname, tbytes)
                found.setdefault(tbytes.decode("utf-8"), []).append(ids + offset)
        return {k: (np.concatenate(v) if len(v) > 1 else v[0]) for k, v in found.items()}

    def _gather(self, cache: _LRU, leaf_arrays, fieldname: str, text: str, empty):
        """A term's arrays over all segments (live documents only), cached."""
        key = (fieldname, text)
        value = cache.get(key)
        if value is not None:
            return value
        tbytes = text.encode("utf-8")
        docs_parts, other_parts = [], []
        for leaf, offset in self.leaves:
            docs, other = leaf_arrays(leaf, fieldname, tbytes)
            if len(docs):
                keep = self.live[docs + offset]
                docs_parts.append(docs[keep] + offset)
                other_parts.append(other[keep])
        value = (np.concatenate(docs_parts), np.concatenate(other_parts)) if docs_parts else empty
        cache.put(key, value)
        return value

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents, weights) of a term."""
        return self._gather(
            self._postings, term_postings, fieldname, text,
            (np.zeros(0, np.int32), np.zeros(0, np.float32)),
        )

    def positions(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) pairs of every occurrence of a term, as two arrays."""
        return self._gather(
            self._positions, term_positions, fieldname, text,
            (np.zeros(0, np.int64), np.zeros(0, np.int64)),
        )

    def phrase_mask(
        self, fieldname: str, words: tuple[str, ...], candidates: np.ndarray
    ) -> np.ndarray:
        """Documents where ``words`` stand next to each other, in order."""
        key = (fieldname, words)
        hit = self._phrases.get(key)
        if hit is not None:
            return hit
        shift = np.int64(1 << 24)
        common = None
        for i, w in enumerate(words):
            docs, poses = self.positions(fieldname, w)
            keep = candidates[docs]
            k = docs[keep] * shift + (poses[keep] - i)
            if common is None:
                common = np.unique(k)
            else:
                common = np.intersect1d(common, k, assume_unique=False)
            if not len(common):
                break
        mask = np.zeros(self.ndocs, dtype=bool)
        if common is not None and len(common):
            mask[np.unique(common // shift)] = True
        # The candidates are every live document holding all the words, so the
        # answer is complete and can be kept for this generation.
        self._phrases.put(key, mask)
        return mask

    def bm25(self, fieldname: str, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        df = len(ids)
        idf = math.log(1 + (self.count - df + 0.5) / (df + 0.5))
        dl = self.lengths[fieldname][ids]
        avg = self.avg_length[fieldname] or 1.0
        tf = weights
        return (idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avg))).astype(np.float32)


