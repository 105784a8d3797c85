"""Postings, positions, field lengths and deletions of one segment, as arrays.

On the Whoosh release the fast paths are written for, posting blocks are
decoded whole from the W3 codec's leaf matcher and field lengths read from
the lengths column in one pass; otherwise (another release, another codec)
Whoosh's own matcher is walked posting by posting and its reader asked
document by document, which gives the same arrays, more slowly.

A posting list that decodes but cannot be right (documents out of order or
out of the segment, weights that are not numbers) raises ``Damaged``;
``check_leaf`` decodes everything of a segment, for ``searchtui check``.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import FixedBytesColumn
from whoosh.formats import Positions
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length, length_to_byte

from searchtui import kernels
from searchtui.whooshext.damage import DECODE_ERRORS, Damaged, is_damage
from searchtui.whooshext.version import fast_paths

#: A field length as Whoosh stores it (one byte) -> the length it stands for.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def _blocks(
    leaf, fieldname: str, tbytes: bytes, values: bool
) -> Iterator[tuple[Sequence, Sequence]]:
    """(ids, weights), or (ids, encoded values), of each posting block of a term in one segment."""
    try:
        m = leaf.postings(fieldname, tbytes)
    except TermNotFound:  # the term is not in this segment
        return
    except Exception as exc:  # Whoosh raises a bare Exception for a bad block header
        if is_damage(exc) or type(exc) is Exception:
            raise Damaged(f"{_term(leaf, fieldname, tbytes)}: {exc}") from None
        raise
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
        if m._byteids:
            m._read_ids()
        else:
            # the block's ids are stored as gaps: summed at once (Whoosh sums them in
            # a Python loop); an unreadable block raises one of DECODE_ERRORS
            if m._data is None:
                m._read_data()
            m._ids = np.cumsum(np.asarray(m._data[0], dtype=np.int64))
        if values:
            m._read_values()
            yield m._ids, m._values
        else:
            m._read_weights()
            yield m._ids, m._weights
        if m._lastblock:
            break
        m._goto(m._nextoffset)


def segment_id(leaf) -> str | None:
    """The id of the segment ``leaf`` reads (None: a reader of no single segment)."""
    segment = getattr(leaf, "segment", None)
    found = segment() if callable(segment) else None
    return found.segment_id() if found is not None else None


def _term(leaf, fieldname: str, tbytes: bytes) -> str:
    sid = segment_id(leaf)
    where = f" in segment {sid}" if sid else ""
    return f"the postings of {fieldname}:{tbytes.decode('utf-8', 'replace')!r}{where}"


def _checked(leaf, fieldname: str, tbytes: bytes, ids: np.ndarray, weights: np.ndarray) -> None:
    """Documents in increasing order within the segment, weights finite and not negative."""
    if not len(ids):
        return
    sound = (
        int(ids[0]) >= 0
        and int(ids[-1]) < leaf.doc_count_all()
        and bool(np.all(ids[1:] > ids[:-1]))
        and bool(np.all(np.isfinite(weights)))
        and not bool(np.any(weights < 0))
    )
    if not sound:
        raise Damaged(f"{_term(leaf, fieldname, tbytes)} do not decode to a sound list")


def term_postings(leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All (document, weight) postings of a term in one segment, as two arrays."""
    ids_parts, w_parts = [], []
    try:
        with np.errstate(over="ignore"):  # a damaged weight becomes inf, and is caught below
            for ids, weights in _blocks(leaf, fieldname, tbytes, values=False):
                ids_parts.append(np.asarray(ids, dtype=np.int64))
                w_parts.append(np.asarray(weights, dtype=np.float32))
    except DECODE_ERRORS as exc:
        if not is_damage(exc):
            raise
        raise Damaged(f"{_term(leaf, fieldname, tbytes)}: {type(exc).__name__}") from None
    if not ids_parts:
        return np.zeros(0, np.int32), np.zeros(0, np.float32)
    ids_all, weights_all = np.concatenate(ids_parts), np.concatenate(w_parts)
    _checked(leaf, fieldname, tbytes, ids_all, weights_all)
    return ids_all.astype(np.int32), weights_all


def field_term_docs(leaf, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """Each term of a field in one segment with its live documents (possibly none).

    On the fast paths the terms file is walked once, in order: a term in one
    document (most facet values) is read from its term info alone, and any
    other's documents are decoded from its blocks without its weights. It
    gives what ``term_postings`` gives term by term, without a lookup per term.
    """
    terms: Any = getattr(leaf, "_terms", None)
    if not (fast_paths() and hasattr(terms, "items_from") and hasattr(terms, "_postfile")):
        for tbytes in leaf.lexicon(fieldname):
            yield tbytes, term_postings(leaf, fieldname, tbytes)[0]
        return
    n = leaf.doc_count_all()
    dead = deleted_docs(leaf)
    deleted = None
    if len(dead):
        deleted = np.zeros(n, dtype=bool)
        deleted[dead] = True
    fmt = leaf.schema[fieldname].format
    postings_reader = terms._codec.postings_reader
    for (fname, tbytes), info in terms.items_from(fieldname, b""):
        if fname != fieldname:
            return
        if info.doc_frequency() == 1:
            ids = np.array([info.min_id()], dtype=np.int64)
        else:
            m = postings_reader(terms._postfile, info, fmt, term=(fname, tbytes))
            if isinstance(m, W3LeafMatcher):
                parts = [np.asarray(block, dtype=np.int64) for block, _w in _raw_blocks(m, False)]
            else:
                parts = [np.asarray(list(m.all_ids()), dtype=np.int64)]
            ids = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        if len(ids) and not (
            0 <= int(ids[0]) and int(ids[-1]) < n
            and (len(ids) == 1 or bool(np.all(ids[1:] > ids[:-1])))
        ):
            raise Damaged(f"{_term(leaf, fieldname, tbytes)} do not decode to a sound list")
        if deleted is not None:
            ids = ids[~deleted[ids]]
        yield tbytes, ids.astype(np.int32)


def term_positions(leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Every (document, position) of a term in one segment, as two arrays: from its
    posting blocks, or, for a field whose blocks keep no positions (see
    ``schema.make_schema``), from each of its documents' stored text."""
    fmt = leaf.schema[fieldname].format
    if not fmt.supports("positions"):
        return text_positions(leaf, fieldname, tbytes)
    plain = fast_paths() and type(fmt) is Positions
    id_parts: list[np.ndarray] = []
    values: list = []
    for block_ids, block_values in _blocks(leaf, fieldname, tbytes, values=True):
        id_parts.append(np.asarray(block_ids, dtype=np.int64))
        values.extend(block_values if plain else map(fmt.decode_positions, block_values))
    if not id_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ids = np.concatenate(id_parts)
    if plain:
        return _positions(leaf, fieldname, tbytes, ids, values)
    counts = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    docs = np.repeat(ids, counts)
    poses = np.fromiter((p for x in values for p in x), dtype=np.int64, count=int(counts.sum()))
    return docs, poses


def text_positions(leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``term_positions`` of a text field, found again in the text (``texts``) of each
    document the term's postings list, analysed as it was when indexed: what a
    segment without its file of word lists (``docfile``) falls back on, or one whose
    file is damaged. A common word costs a pass over many documents."""
    from searchtui.schema import analyse_positions
    from searchtui.texts import field_text

    ids, _weights = term_postings(leaf, fieldname, tbytes)
    term = tbytes.decode("utf-8")
    lists: list[Sequence[int]] = []
    deleted = leaf.is_deleted if leaf.has_deletions() else None
    for d in ids.tolist():
        if deleted is not None and deleted(d):
            lists.append(())  # no article's positions: it is no longer searched
            continue
        try:
            text = field_text(leaf.stored_fields(d), fieldname)
        except DECODE_ERRORS as exc:
            raise Damaged(f"{_term(leaf, fieldname, tbytes)}: a stored text does not read") \
                from exc
        if text is None:
            raise Damaged(
                f"{_term(leaf, fieldname, tbytes)}: an article's file changed since it was"
                " indexed, and its positions are read from its text"
            )
        lists.append(analyse_positions(text).get(term, ()))
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    docs = np.repeat(ids.astype(np.int64), counts)
    poses = np.fromiter((p for pl in lists for p in pl), dtype=np.int64, count=int(counts.sum()))
    return docs, poses


def _positions(
    leaf, fieldname: str, tbytes: bytes, ids: np.ndarray, values: list[bytes]
) -> tuple[np.ndarray, np.ndarray]:
    """Whoosh's ``Positions`` values decoded together: each is a count, then the
    pickled list of the gaps between positions (what ``decode_positions`` reads one
    at a time); the gaps of all postings are summed in one pass. The compiled loop
    reads the pickled lists of small integers Whoosh writes without unpickling them;
    a value it does not know is unpickled as Whoosh would."""
    try:
        counts, poses = decode_positions(values)
    except DECODE_ERRORS as exc:
        raise Damaged(f"{_term(leaf, fieldname, tbytes)} have positions that do not decode") \
            from exc
    docs = np.repeat(np.asarray(ids, dtype=np.int64), counts)
    return docs, poses


def decode_positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Whoosh ``Positions`` values decoded together: how many positions each has,
    and all their positions one value after the other. One of ``DECODE_ERRORS``
    when a value does not decode (ValueError: to negative positions)."""
    found = _int_lists(values) if kernels.loops is not None else None
    if found is not None:
        counts, flat = found
    else:
        gaps = [
            pickle.loads(v[_INT_SIZE:] if v.endswith(b".") else v[_INT_SIZE:] + b".")
            for v in values
        ]
        counts = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
        flat = np.fromiter(chain.from_iterable(gaps), dtype=np.int64, count=int(counts.sum()))
    if len(flat) and int(flat.min()) < 0:
        raise ValueError("a position before the start")
    total = np.cumsum(flat)
    # each value's positions start again from 0: take off what came before it
    before = np.cumsum(counts) - counts
    base = np.zeros(len(counts), dtype=np.int64)
    has = (counts > 0) & (before > 0)
    base[has] = total[before[has] - 1]
    return counts, total - np.repeat(base, counts)


def _int_lists(values: list[bytes]) -> tuple[np.ndarray, np.ndarray] | None:
    """Each value's count of gaps and all the gaps, by the compiled loop (None: a
    value it does not read)."""
    assert kernels.loops is not None
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    bounds = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lens, out=bounds[1:])
    blob = np.frombuffer(b"".join(values), dtype=np.uint8)
    return kernels.loops.decode_int_lists(blob, bounds, _INT_SIZE)


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


def fixed_column(leaf, fieldname: str, width: int) -> np.ndarray:
    """A fixed-width bytes column of one segment as a (documents, width) uint8 array
    (zeros where a document has no value, or the segment no column)."""
    n = leaf.doc_count_all()
    out = np.zeros((n, width), dtype=np.uint8)
    if not leaf.has_column(fieldname):
        return out
    reader = leaf.column_reader(fieldname, translate=False)
    if fast_paths() and isinstance(reader, FixedBytesColumn.Reader):
        # the values lie one after the other; those past the last one are the default
        count = min(reader._count, n)
        raw = reader._dbfile.get(reader._basepos, count * width)
        if len(raw) != count * width:
            raise Damaged(f"the {fieldname} column is cut short")
        out[:count] = np.frombuffer(raw, dtype=np.uint8).reshape(count, width)
        return out
    for d in range(n):
        value = reader[d]
        if len(value) == width:
            out[d] = np.frombuffer(value, dtype=np.uint8)
    return out


def length_bytes(leaf, fieldname: str) -> bytes:
    """Each document's length of a field in one segment, as the byte Whoosh stores."""
    n = leaf.doc_count_all()
    if fast_paths() and hasattr(leaf, "_perdoc"):
        column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return bytes(n)
        return bytes(np.fromiter(column, dtype=np.uint8, count=n))
    get = leaf.doc_field_length
    return bytes(length_to_byte(get(d, fieldname, 0)) for d in range(n))


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


def _decode_all(leaf, fieldname: str, tbytes: bytes) -> None:
    """Decode every block of a term once: documents, weights and values."""
    try:
        m = leaf.postings(fieldname, tbytes)
    except TermNotFound:
        raise Damaged(f"{_term(leaf, fieldname, tbytes)}: listed but not found") from None
    if fast_paths() and isinstance(m, W3LeafMatcher):
        ids_parts, w_parts = [], []
        while not m._atend and m._blocklength:
            m._read_ids()
            m._read_weights()
            m._read_values()
            if len(m._ids) != m._blocklength or len(m._weights) != m._blocklength:
                raise Damaged(f"{_term(leaf, fieldname, tbytes)}: a block's length is wrong")
            ids_parts.append(np.asarray(m._ids, dtype=np.int64))
            with np.errstate(over="ignore"):  # a damaged weight becomes inf: caught below
                w_parts.append(np.asarray(m._weights, dtype=np.float32))
            if m._lastblock:
                break
            m._goto(m._nextoffset)
        if ids_parts:
            _checked(
                leaf, fieldname, tbytes, np.concatenate(ids_parts), np.concatenate(w_parts)
            )
        return
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.value()
        m.next()
    _checked(
        leaf, fieldname, tbytes, np.asarray(ids, dtype=np.int64),
        np.asarray(weights, dtype=np.float32),
    )


def check_leaf(leaf) -> list[str]:
    """Decode every posting block, field length and stored document of one segment.

    Returns what could not be decoded (empty when the segment is sound).
    """
    problems: list[str] = []
    for fieldname in leaf.indexed_field_names():
        try:
            terms = list(leaf.lexicon(fieldname))
        except Exception as exc:  # the terms file: Whoosh raises assorted types
            problems.append(f"the terms of {fieldname}: {type(exc).__name__}: {exc}")
            continue
        for tbytes in terms:
            try:
                _decode_all(leaf, fieldname, tbytes)
            except Damaged as exc:
                problems.append(str(exc))
            except Exception as exc:  # a damaged block may raise anything
                problems.append(f"{_term(leaf, fieldname, tbytes)}: {type(exc).__name__}: {exc}")
        try:
            field_lengths(leaf, fieldname)
        except Exception as exc:
            problems.append(f"the lengths of {fieldname}: {type(exc).__name__}: {exc}")
    try:
        deleted_docs(leaf)
        for docnum in range(leaf.doc_count_all()):
            leaf.stored_fields(docnum)
    except Exception as exc:
        problems.append(f"the stored fields: {type(exc).__name__}: {exc}")
    return problems
