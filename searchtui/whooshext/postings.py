"""Postings, positions, field lengths and deletions of one segment, as arrays.

On the Whoosh release the fast paths are written for, posting blocks are
decoded whole from the W3 codec's leaf matcher and field lengths read from
the lengths column in one pass; otherwise (another release, another codec)
Whoosh's own matcher is walked posting by posting and its reader asked
document by document, which gives the same arrays, more slowly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.util.numeric import byte_to_length

from searchtui.whooshext.version import fast_paths

#: A field length as Whoosh stores it (one byte) -> the length it stands for.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def _blocks(
    leaf, fieldname: str, tbytes: bytes, values: bool
) -> Iterator[tuple[Sequence, Sequence]]:
    """(ids, weights), or (ids, encoded values), of each posting block of a term in one segment."""
    try:
        m = leaf.postings(fieldname, tbytes)
    except Exception:  # term absent in this segment (Whoosh raises TermNotFound)
        return
    if fast_paths() and isinstance(m, W3LeafMatcher):
        yield from _raw_blocks(m, values)
        return
    ids: list[int] = []
    other: list[Any] = []
    while m.is_active():
        ids.append(m.id())
        other.append(m.value() if values else m.weight())
        m.next()
    if ids:
        yield ids, other


def _raw_blocks(m: W3LeafMatcher, values: bool) -> Iterator[tuple[Sequence, Sequence]]:
    """The blocks of a W3 matcher whole, instead of Whoosh's posting-by-posting walk."""
    while not m._atend and m._blocklength:
        m._read_ids()
        if values:
            m._read_values()
            yield m._ids, m._values
        else:
            m._read_weights()
            yield m._ids, m._weights
        if m._lastblock:
            break
        m._goto(m._nextoffset)


def term_postings(leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All (document, weight) postings of a term in one segment, as two arrays."""
    ids_parts, w_parts = [], []
    for ids, weights in _blocks(leaf, fieldname, tbytes, values=False):
        ids_parts.append(np.asarray(ids, dtype=np.int32))
        w_parts.append(np.asarray(weights, dtype=np.float32))
    if not ids_parts:
        return np.zeros(0, np.int32), np.zeros(0, np.float32)
    return np.concatenate(ids_parts), np.concatenate(w_parts)


def term_positions(leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Every (document, position) of a term in one segment, as two arrays."""
    decode = leaf.schema[fieldname].format.decode_positions
    ids: list[int] = []
    lists: list[list[int]] = []
    for block_ids, block_values in _blocks(leaf, fieldname, tbytes, values=True):
        ids.extend(block_ids)
        lists.extend(map(decode, block_values))
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    docs = np.repeat(np.asarray(ids, dtype=np.int64), counts)
    poses = np.fromiter((p for x in lists for p in x), dtype=np.int64, count=int(counts.sum()))
    return docs, poses


def field_lengths(leaf, fieldname: str) -> np.ndarray:
    """The length of a field in each document of one segment (0 where it has none)."""
    if fast_paths() and hasattr(leaf, "_perdoc"):
        return _raw_lengths(leaf, fieldname)
    n = leaf.doc_count_all()
    get = leaf.doc_field_length
    return np.fromiter((get(d, fieldname, 0) for d in range(n)), dtype=np.float32, count=n)


def _raw_lengths(leaf, fieldname: str) -> np.ndarray:
    """The lengths column of a field, read in one pass (Whoosh reads it per document)."""
    n = leaf.doc_count_all()
    column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(n, dtype=np.float32)
    return _LENGTHS[np.fromiter(column, dtype=np.uint8, count=n)]


def deleted_docs(leaf) -> np.ndarray:
    """The deleted documents of one segment, in its own numbering."""
    if not leaf.has_deletions():
        return np.zeros(0, dtype=np.int64)
    if fast_paths() and hasattr(leaf, "_perdoc"):
        return _raw_deleted(leaf)
    deleted = np.ones(leaf.doc_count_all(), dtype=bool)
    deleted[np.fromiter(leaf.all_doc_ids(), dtype=np.int64)] = False
    return np.flatnonzero(deleted).astype(np.int64)


def _raw_deleted(leaf) -> np.ndarray:
    """The segment's set of deleted documents, as the codec keeps it."""
    return np.fromiter(leaf._perdoc.deleted_docs(), dtype=np.int64)
