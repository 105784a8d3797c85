"""Stories: copies of one article (syndicated, lightly edited) grouped together.

Each article's body gets a MinHash signature over its word shingles when it
is indexed (:func:`signature`: ``PERMS`` 32-bit minima; the index keeps the
low 8 bits of each, :func:`sketch`, in a fixed-width column). Each index
generation then groups its live articles (:func:`group`): LSH banding
(``BANDS`` bands of ``ROWS`` minima) proposes pairs whose bodies may be
alike, and a pair is kept when the share of equal minima, an estimate of the
Jaccard similarity of the two bodies' shingle sets, is at least
``THRESHOLD``. Articles joined by kept pairs, directly or
through others, are one story, named by its lowest document number.

The words are the body's letters and digits, lower-cased, so case and
punctuation edits change nothing; headlines, bylines and dates are not part
of the body and are not compared. ``THRESHOLD`` and the shingle size were
chosen by measurement (``benchmarks/bench_stories.py``; see the README).

:class:`Stories` answers the questions searching asks: one article per story
in a set of hits, the copies of an article, the distinct stories carrying
each facet value. Pure numpy and the standard library, no I/O.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from searchtui import kernels
from searchtui.schema import SKETCH_BYTES, SKETCH_BYTES_V3, SKETCH_BYTES_V4

#: Words per shingle.
SHINGLE = 3
#: Minima in a signature.
PERMS = 128
#: LSH banding: BANDS bands of ROWS minima each (BANDS * ROWS == PERMS).
BANDS = 32
ROWS = 4
#: The bytes kept of each minimum, by the width of a signature as the index keeps it.
_KEPT = {SKETCH_BYTES: "u1", SKETCH_BYTES_V4: "<u2", SKETCH_BYTES_V3: "<u4"}
assert all(w == PERMS * np.dtype(k).itemsize for w, k in _KEPT.items())
#: The least estimated Jaccard similarity of the shingles of two copies.
THRESHOLD = 0.55
#: Bodies with fewer shingles than this get no signature (and join no story).
MIN_SHINGLES = 8

_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], np.uint64)
_FINAL = np.uint64(0xFF51AFD7ED558CCD)
_BAND_MIX = np.array(
    [0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3], np.uint64
)
#: Bits of a shingle hash that choose its bin (PERMS bins).
_BIN_BITS = PERMS.bit_length() - 1
#: Bytes that are not part of a word (ASCII other than letters and digits) -> space.
_SPACES = bytes(
    c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256)
)
#: Punctuation outside ASCII that editors swap for the ASCII kind (quotes, dashes).
_PUNCTUATION = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb"

#: A random 64-bit number for each byte value at each place in a word (the 16th and
#: later places share one): a word's hash is the sum of its bytes' numbers.
_TABLE = np.random.default_rng(20240611).integers(0, 2**63, (256, 16), dtype=np.uint64) * 2 + 1


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, in order: what ``np.unique`` gives, by one sort (numpy 2's
    ``unique`` hashes plain values first, several times slower on large arrays)."""
    out = np.sort(values, axis=None)
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def spans(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Every position of the runs that start at ``starts`` and are ``lens`` long, run
    after run: where the pairs of some documents lie in an array of all pairs."""
    shift = np.repeat(starts - (np.cumsum(lens) - lens), lens)
    return shift + np.arange(int(lens.sum()))


def _text_bytes(text: str) -> bytes:
    text = text.lower()
    if not text.isascii():
        for c in _PUNCTUATION:
            if c in text:
                text = text.replace(c, " ")
    return text.encode("utf-8", "replace").translate(_SPACES)


def words(text: str) -> list[bytes]:
    """The words a signature is made of: runs of letters and digits, lower case, as UTF-8."""
    return _text_bytes(text).split()


def word_hash(word: bytes) -> int:
    """The hash of one word (as :func:`word_hashes` gives it, one word at a time)."""
    total = 0
    for i, c in enumerate(word):
        total = (total + int(_TABLE[c, min(i, 15)])) & 0xFFFFFFFFFFFFFFFF
    return total


def word_hashes(text: str) -> np.ndarray:
    """The hash of each of the :func:`words` of ``text``, in order, computed over its bytes
    at once."""
    b = np.frombuffer(_text_bytes(text), np.uint8)
    inword = b != 32
    idx = np.flatnonzero(inword)
    if not len(idx):
        return np.zeros(0, np.uint64)
    first = np.ones(len(idx), dtype=bool)
    first[1:] = idx[1:] != idx[:-1] + 1
    starts = np.flatnonzero(first)  # into idx
    pos = np.arange(len(idx)) - np.repeat(starts, np.diff(np.append(starts, len(idx))))
    vals = _TABLE[b[idx], np.minimum(pos, 15)]
    with np.errstate(over="ignore"):
        return np.add.reduceat(vals, starts)


def signature(text: str, shingle: int = SHINGLE) -> np.ndarray | None:
    """The signature (``PERMS`` uint32) of a body, or None if it is too short.

    One-permutation MinHash: each shingle is hashed once, the hash's top bits
    choose one of ``PERMS`` bins and each bin keeps its least hash; an empty
    bin takes the least hash of the next bin that has one (and the distance),
    so two bodies agree on a bin about as often as their shingle sets overlap
    (the Jaccard similarity). Compiled where the counting loops are (the same
    signature in one pass, a good part of indexing an article otherwise)."""
    loops = kernels.loops
    if loops is not None:
        return loops.story_signature(
            _text_bytes(text), _TABLE, _MIX, int(_FINAL), shingle, MIN_SHINGLES, PERMS
        )
    return _signature_numpy(text, shingle)


def _signature_numpy(text: str, shingle: int) -> np.ndarray | None:
    """:func:`signature` with numpy (without the compiled loops)."""
    h = word_hashes(text)
    n = len(h) - shingle + 1
    if n < MIN_SHINGLES:
        return None
    with np.errstate(over="ignore"):
        s = h[:n] * _MIX[0]
        for k in range(1, shingle):
            s = (s ^ (s >> np.uint64(29))) + h[k : k + n] * _MIX[k % len(_MIX)]
        s = (s ^ (s >> np.uint64(33))) * _FINAL
        s = distinct(s >> np.uint64(32))
    starts = np.searchsorted(s >> np.uint64(32 - _BIN_BITS), np.arange(PERMS + 1))
    full = np.flatnonzero(starts[1:] > starts[:-1])
    # each bin's own least hash, or the next full bin's (around the end), shifted by
    # the distance
    nxt = np.searchsorted(full, np.arange(PERMS)) % len(full)
    source = full[nxt]
    distance = (source - np.arange(PERMS)) % PERMS
    sig = (s[starts[source]] + distance.astype(np.uint64) * np.uint64(0x9E3779B1)).astype(
        np.uint32
    )
    sig[sig == 0] = 1  # an all-zero row stands for "no signature"
    return sig


def sketch(text: str, width: int = SKETCH_BYTES) -> bytes | None:
    """The signature as the index keeps it (None: no signature): the low 8 bits of
    each minimum (``width`` SKETCH_BYTES_V4: 16, as indexes of version 4 keep;
    SKETCH_BYTES_V3: all 32, as those of version 3 do).

    Two bodies agree on a minimum's low bits whenever they agree on the minimum, and
    otherwise by chance, once in 256 times (b-bit minwise hashing): the share of
    equal minima, the Jaccard estimate, rises by at most 0.004, a tenth of what the
    estimate of 128 minima itself varies by, and a band of ``ROWS`` of them still
    has 32 bits. On real articles and their edited copies the stories are those of
    the whole minima but for a pair in some thousands, one at the threshold. A
    quarter of the bytes, in the index and in memory while grouping."""
    sig = signature(text)
    if sig is None:
        return None
    kind = _KEPT.get(width)
    if kind is None:
        raise ValueError(f"no signature is kept in {width} bytes")
    kept = (sig & np.uint32((1 << (8 * np.dtype(kind).itemsize)) - 1)).astype(kind)
    kept[kept == 0] = 1  # an all-zero row stands for "no signature"
    return kept.tobytes()


def signatures_from_bytes(raw: np.ndarray) -> np.ndarray:
    """(n, width) uint8 column values -> (n, PERMS) signatures: uint8 (SKETCH_BYTES),
    uint16 (SKETCH_BYTES_V4) or uint32 (SKETCH_BYTES_V3)."""
    return np.ascontiguousarray(raw).view(_KEPT[raw.shape[1]]).reshape(len(raw), PERMS)


# ---------------------------------------------------------------------------
# Grouping


def _band_keys(sigs: np.ndarray, rows: np.ndarray, band: int, width: int) -> np.ndarray:
    """One number for each row's minima in ``band`` (rows agreeing on the band agree on it)."""
    part = sigs[rows, band * width : (band + 1) * width].astype(np.uint64)
    with np.errstate(over="ignore"):
        key = part[:, 0] * _BAND_MIX[0]
        for j in range(1, width):
            key = (key ^ (key >> np.uint64(31))) + part[:, j] * _BAND_MIX[j % len(_BAND_MIX)]
    return key


def _bucket_pairs(key: np.ndarray, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each row (ascending) paired with the first row of its bucket of equal ``key`` and
    with the row before it there, as (lower, higher) rows."""
    order = np.argsort(key, kind="stable")
    k = key[order]
    same = k[1:] == k[:-1]
    if not same.any():
        return []
    idx = np.flatnonzero(same) + 1
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    first = starts[np.searchsorted(starts, idx, side="right") - 1]
    right = rows[order[idx]]
    out = []
    for left in (rows[order[first]], rows[order[idx - 1]]):
        low, high = np.minimum(left, right), np.maximum(left, right)
        keep = low != high
        out.append((low[keep], high[keep]))
    return out


def candidate_pairs(sigs: np.ndarray, rows: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """Pairs (k, 2) of row numbers whose signatures agree on a whole band.

    In each band, each row is paired with the first row of its bucket and
    with the row before it, so the pairs stay at most two per row and band
    however large a bucket is."""
    width = sigs.shape[1] // bands
    # each pair as one number (lower row * span + higher row), made distinct every few
    # bands: the pairs of all bands at once took a gigabyte at a million articles
    span = np.int64(max(int(rows.max()) + 1, 1)) if len(rows) else np.int64(1)
    held = np.zeros(0, np.int64)
    found: list[np.ndarray] = []
    for b in range(bands):
        for low, high in _bucket_pairs(_band_keys(sigs, rows, b, width), rows):
            found.append(low.astype(np.int64) * span + high)
        if len(found) >= 8:
            held = distinct(np.concatenate([held, *found]))
            found = []
    key_all = distinct(np.concatenate([held, *found])) if found else held
    return np.stack([key_all // span, key_all % span], axis=1)


#: The bits of a band's first minima that a first look-up of ``candidate_pairs_after``
#: compares.
_LOOKUP_BITS = 20
_LOOKUP_MASK = np.uint64((1 << _LOOKUP_BITS) - 1)


def _lookup_keys(sigs: np.ndarray, rows: np.ndarray, band: int, width: int) -> np.ndarray:
    """The low ``_LOOKUP_BITS`` bits of the first minima of each row's ``band``, as many
    minima as make them (three of 8 bits, two of 16, one of 32)."""
    bits = 8 * sigs.dtype.itemsize
    take = min(width, -(-_LOOKUP_BITS // bits))
    part = sigs[rows, band * width : band * width + take].astype(np.uint64)
    key = part[:, 0].copy()
    for j in range(1, take):
        key |= part[:, j] << np.uint64(bits * j)
    return key & _LOOKUP_MASK


def candidate_pairs_after(
    sigs: np.ndarray, rows: np.ndarray, first_new: int, bands: int = BANDS
) -> np.ndarray:
    """The pairs of :func:`candidate_pairs` whose higher row is ``first_new`` or later.

    Rows after ``first_new`` come last in each bucket (rows ascending, sorted
    stably), so the pairs among earlier rows are the same with or without them;
    only the buckets holding a new row are sorted, not every row again."""
    cut = int(np.searchsorted(rows, first_new))
    old, new = rows[:cut], rows[cut:]
    if not len(new):
        return np.zeros((0, 2), np.int64)
    width = sigs.shape[1] // bands
    span = np.int64(int(rows.max()) + 1)
    found: list[np.ndarray] = [np.zeros(0, np.int64)]
    for b in range(bands):
        new_keys = _band_keys(sigs, new, b, width)
        # the earlier rows that may share a new row's bucket: those whose first minima
        # in the band have the low bits of a new row's (one look-up a row; a key takes
        # a few passes, a binary search ten steps)
        seen = np.zeros(1 << _LOOKUP_BITS, dtype=bool)
        seen[_lookup_keys(sigs, new, b, width)] = True
        maybe = old[seen[_lookup_keys(sigs, old, b, width)]]
        maybe_keys = _band_keys(sigs, maybe, b, width)
        wanted = np.unique(new_keys)
        at = np.minimum(np.searchsorted(wanted, maybe_keys), len(wanted) - 1)
        shared = wanted[at] == maybe_keys
        sub_rows = np.concatenate([maybe[shared], new])
        sub_keys = np.concatenate([maybe_keys[shared], new_keys])
        for low, high in _bucket_pairs(sub_keys, sub_rows):
            late = high >= first_new
            found.append(low[late].astype(np.int64) * span + high[late])
    key_all = distinct(np.concatenate(found))
    return np.stack([key_all // span, key_all % span], axis=1)


def similarity(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """The estimated Jaccard similarity of each pair (the share of equal minima)."""
    if not len(pairs):
        return np.zeros(0, np.float32)
    if kernels.loops is not None and sigs.dtype in (np.uint8, np.uint16, np.uint32):
        return kernels.loops.equal_shares(
            np.ascontiguousarray(sigs), np.ascontiguousarray(pairs, dtype=np.int64)
        )
    out = np.empty(len(pairs), np.float32)
    step = 65536
    for i in range(0, len(pairs), step):
        p = pairs[i : i + step]
        out[i : i + step] = (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1)
    return out


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Each of ``n`` items labelled with the lowest item joined to it by ``pairs``."""
    label = np.arange(n, dtype=np.int64)
    if not len(pairs):
        return label
    a, b = pairs[:, 0], pairs[:, 1]
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        while True:  # point each item at its label's label
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            return label


def group(
    sigs: np.ndarray, live: np.ndarray | None = None, threshold: float = THRESHOLD,
    bands: int = BANDS,
) -> np.ndarray:
    """The story of each row of ``sigs`` (n, PERMS): the lowest row it is grouped with.

    Rows without a signature (all zero) and rows not ``live`` are their own story."""
    rows = _usable_rows(sigs, live)
    pairs = candidate_pairs(sigs, rows, bands) if len(rows) > 1 else np.zeros((0, 2), np.int64)
    return components(len(sigs), _alike(sigs, pairs, threshold))


def _usable_rows(sigs: np.ndarray, live: np.ndarray | None) -> np.ndarray:
    """The rows that can join a story: those with a signature (and ``live``)."""
    usable = sigs.any(axis=1)
    if live is not None:
        usable &= live
    return np.flatnonzero(usable)


def _alike(sigs: np.ndarray, pairs: np.ndarray, threshold: float) -> np.ndarray:
    """The candidate pairs whose estimated similarity reaches ``threshold``."""
    return pairs[similarity(sigs, pairs) >= threshold] if len(pairs) else pairs


#: What a grouping depends on besides the signatures (the last number: this way of
#: grouping): grouped by other values, an earlier generation's stories are not carried over.
GROUPING = (SHINGLE, PERMS, BANDS, ROWS, round(THRESHOLD * 1000), MIN_SHINGLES, 1)


def group_more(
    sigs: np.ndarray, live: np.ndarray, earlier: np.ndarray, threshold: float = THRESHOLD,
    bands: int = BANDS,
) -> np.ndarray:
    """:func:`group` of all rows of ``sigs``, given ``earlier``: what it gave for the
    first ``len(earlier)`` rows alone, with the same signatures and the same ``live``.

    The new rows' pairs are found and checked; the stories they join are joined
    by their names (each the lowest row of its story), so the result is the
    same as grouping every row again."""
    n, first_new = len(sigs), len(earlier)
    label = np.concatenate([earlier.astype(np.int64), np.arange(first_new, n, dtype=np.int64)])
    pairs = _alike(sigs, candidate_pairs_after(sigs, _usable_rows(sigs, live), first_new, bands),
                   threshold)
    if not len(pairs):
        return label
    joined = components(n, np.stack([label[pairs[:, 0]], label[pairs[:, 1]]], axis=1))
    return joined[label]


# ---------------------------------------------------------------------------
# Stories of an index generation, for searching


class _FacetPairs(NamedTuple):
    """The (story, value) pairs of the grouped documents in one facet."""

    key: np.ndarray  #: each pair's (story, value) number (int32), document after document
    val: np.ndarray  #: each pair's value
    starts: np.ndarray  #: where each grouped document's pairs start
    lens: np.ndarray  #: and how many it has
    owners: np.ndarray  #: the grouped document (0, 1, ...) of each pair
    value_of: np.ndarray  #: each number's value (int32)
    distinct: np.ndarray  #: each value's stories among all grouped documents
    whole: np.ndarray  #: the correction when every grouped document matches
    holders: np.ndarray  #: each number's holders
    # for the compiled loop (see _for_loop)
    members32: np.ndarray
    story_members32: np.ndarray
    story_keys32: np.ndarray
    holder_bits: np.ndarray
    pair_bounds32: np.ndarray


class Stories:
    """The story of each document of an index generation (its lowest document number)."""

    #: Below this share of matching grouped documents, counting by story gathers their
    #: pairs one document at a time instead of sweeping the pairs of all of them.
    SPARSE = 0.2

    def __init__(self, story: np.ndarray, live: np.ndarray):
        n = len(story)
        self.story = story.astype(np.int32, copy=False)
        sizes = np.bincount(self.story[live], minlength=n) if n else np.zeros(0, np.int64)
        #: live documents that have a copy
        self.grouped = live & (sizes[self.story] > 1) if n else live.copy()
        members = np.flatnonzero(self.grouped)
        order = np.argsort(self.story[members], kind="stable")
        #: the grouped documents, by story then document number
        self._members = members[order]
        self._member_story = self.story[self._members]
        #: each grouped document's story numbered 0, 1, ... (-1: not grouped)
        firsts = np.ones(len(self._members), dtype=bool)
        firsts[1:] = self._member_story[1:] != self._member_story[:-1]
        self._dense = np.full(n, -1, dtype=np.int64)
        self._dense[self._members] = np.cumsum(firsts) - 1
        self.size = int(firsts.sum())  # stories with copies
        self.any = bool(len(members))
        self._ungrouped = ~self.grouped
        self._facet_pairs: dict[int, _FacetPairs] = {}

    def members(self, docnum: int) -> np.ndarray:
        """The live documents of ``docnum``'s story (itself included), by document number."""
        if not self.grouped[docnum]:
            return np.array([docnum], dtype=np.int64)
        s = self.story[docnum]
        lo, hi = np.searchsorted(self._member_story, [s, s + 1])
        return self._members[lo:hi]

    def count(self, mask: np.ndarray) -> int:
        """The number of distinct stories among the documents of ``mask``."""
        if not self.any:
            return int(np.count_nonzero(mask))
        single = int(np.count_nonzero(mask & ~self.grouped))
        return single + len(distinct(self.story[mask & self.grouped]))

    def collapse(
        self, mask: np.ndarray, keys: Callable[[np.ndarray], list[np.ndarray]]
    ) -> np.ndarray:
        """``mask`` with one document per story: the best of its members there.

        ``keys(docs)`` gives arrays over ``docs`` that rank them, the first deciding
        most, a larger value better; the last must tell any two documents apart."""
        if not self.any:
            return mask
        cand = self._members[mask[self._members]]
        if not len(cand):
            return mask
        ranks = keys(cand)
        if kernels.loops is not None:
            # members are in story order: the best of each run of one story
            best = kernels.loops.best_in_groups(
                self._dense[cand], np.array(ranks, dtype=np.float64)
            )
            out = mask & self._ungrouped
            out[cand[best]] = True
            return out
        for i in range(len(ranks)):
            key = ranks[i]
            dense = self._dense[cand]
            floats = key.dtype.kind == "f"
            best = np.full(
                self.size, -np.inf if floats else np.iinfo(np.int64).min,
                dtype=np.float64 if floats else np.int64,
            )
            np.maximum.at(best, dense, key)
            kept = key == best[dense]
            cand = cand[kept]
            ranks = [r[kept] for r in ranks]
        out = mask & self._ungrouped
        out[cand] = True
        return out

    def _table(
        self,
        facet_id: int,
        nvals: int,
        doc_lens: np.ndarray,
        doc_values: Callable[[np.ndarray], np.ndarray],
    ) -> _FacetPairs:
        """The pairs of the grouped documents in a facet, numbered by (story, value),
        made once per facet (see :meth:`correction`)."""
        table = self._facet_pairs.get(facet_id)
        if table is None:
            vals = doc_values(self._members).astype(np.int64)
            lens = doc_lens[self._members].astype(np.int64)
            owners = np.repeat(np.arange(len(self._members)), lens)
            uniq, inverse = np.unique(
                self._dense[self._members][owners] * (1 << 31) + vals, return_inverse=True
            )
            value_of = (uniq % (1 << 31)).astype(np.int64)
            distinct = np.bincount(value_of, minlength=nvals)
            table = _FacetPairs(
                key=inverse.astype(np.int32),
                val=vals,
                starts=np.cumsum(lens) - lens,
                lens=lens,
                owners=owners,
                value_of=value_of.astype(np.int32),
                distinct=distinct,
                whole=distinct - np.bincount(vals, minlength=nvals),
                holders=np.bincount(inverse, minlength=len(uniq)).astype(np.int32),
                **self._for_loop(lens, owners, inverse, uniq >> 31),
            )
            self._facet_pairs[facet_id] = table
        return table

    def _for_loop(
        self, lens: np.ndarray, owners: np.ndarray, key: np.ndarray, uniq_story: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The grouped documents' pairs as the compiled loop reads them (int32): the
        members and keys of each story, and which of its first 64 members hold each key."""
        bounds = np.arange(self.size + 1)
        story_members = np.searchsorted(self._dense[self._members], bounds)
        place = owners - story_members[self._dense[self._members]][owners]
        early = place < 64
        holders = np.zeros(len(uniq_story), dtype=np.uint64)
        np.bitwise_or.at(
            holders, key[early], np.left_shift(np.uint64(1), place[early].astype(np.uint64))
        )
        return {
            "members32": self._members.astype(np.int32),
            "story_members32": story_members.astype(np.int32),
            "story_keys32": np.searchsorted(uniq_story, bounds).astype(np.int32),
            "holder_bits": holders,
            "pair_bounds32": np.concatenate(([0], np.cumsum(lens))).astype(np.int32),
        }

    def add_story_pairs(
        self,
        mask: np.ndarray,
        facet_id: int,
        nvals: int,
        doc_lens: np.ndarray,
        doc_values: Callable[[np.ndarray], np.ndarray],
        out: np.ndarray,
    ) -> None:
        """Add to ``out`` (a facet's counts over the ungrouped documents of ``mask``)
        each distinct (story, value) pair among its grouped documents, with the
        compiled loop: the same counts as adding :meth:`correction` to a count of all
        of ``mask``."""
        loops = kernels.loops
        assert loops is not None
        t = self._table(facet_id, nvals, doc_lens, doc_values)
        loops.count_story_values(
            mask.view(np.uint8), t.members32, t.story_members32, t.story_keys32,
            t.holder_bits, t.value_of, t.pair_bounds32, t.key, t.distinct, out,
        )

    @property
    def ungrouped(self) -> np.ndarray:
        """The documents that are no live document's copy (a mask; not to be changed)."""
        return self._ungrouped

    @property
    def ungrouped_count(self) -> int:
        """How many documents :attr:`ungrouped` holds."""
        return len(self._ungrouped) - len(self._members)

    def correction(
        self,
        mask: np.ndarray,
        facet_id: int,
        nvals: int,
        doc_lens: np.ndarray,
        doc_values: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray | None:
        """What turns a facet's count of the documents of ``mask`` into its count of
        their stories (None: nothing to change): each grouped document's values are
        taken off, and each distinct (story, value) pair among them counted instead.

        ``doc_lens`` is the facet's number of values of each document, ``doc_values(docs)``
        the value ids of the pairs of ``docs``. The pairs of the grouped
        documents are copied and numbered by (story, value) once per facet
        (``facet_id``), so a query reads only these small arrays."""
        picked = mask[self._members]
        hits = int(np.count_nonzero(picked))
        if not hits:
            return None
        t = self._table(facet_id, nvals, doc_lens, doc_values)
        pair_key, pair_val, starts, lens, owners = t.key, t.val, t.starts, t.lens, t.owners
        value_of, whole, holders = t.value_of, t.whole, t.holders

        def pairs_of(members: np.ndarray) -> np.ndarray:
            return spans(starts[members], lens[members])

        if hits == len(self._members):
            # every grouped document matches (browsing, a broad query)
            return whole
        if hits > (1 - self.SPARSE) * len(self._members):
            # most do: start from all of them, and put back what the others change
            at = pairs_of(np.flatnonzero(~picked))
            gone = np.bincount(pair_key[at], minlength=len(value_of)) == holders
            return (
                whole + np.bincount(pair_val[at], minlength=nvals)
                - np.bincount(value_of[gone], minlength=nvals)
            )
        if hits < self.SPARSE * len(self._members):
            at = pairs_of(np.flatnonzero(picked))  # few do: their pairs alone
        else:
            at = np.flatnonzero(picked[owners])  # sweep the pairs of all of them
        held = np.zeros(len(value_of), dtype=bool)
        held[pair_key[at]] = True
        return np.bincount(value_of[held], minlength=nvals) - np.bincount(
            pair_val[at], minlength=nvals
        )


# ---------------------------------------------------------------------------
# What one copy changed against another


@dataclass(frozen=True)
class DiffPart:
    """A run of text: the same in both copies (``kind`` "same"), only in the other
    copy ("insert") or only in this one ("delete")."""

    kind: str
    text: str


_token = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[DiffPart]:
    """Word-level differences from ``old`` to ``new`` (white space kept as in ``new``,
    or ``old`` for deleted runs)."""
    a = _token.findall(old)
    b = _token.findall(new)
    # compared as words: white space differences are no edit
    ka = [t if not t.isspace() else " " for t in a]
    kb = [t if not t.isspace() else " " for t in b]
    parts: list[DiffPart] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if parts and parts[-1].kind == kind:
            parts[-1] = DiffPart(kind, parts[-1].text + text)
        else:
            parts.append(DiffPart(kind, text))

    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("same", "".join(b[j1:j2]))
            continue
        if op in ("delete", "replace"):
            add("delete", "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            add("insert", "".join(b[j1:j2]))
    return parts
