# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Counting loops over the engine's arrays, compiled (see ``setup.py`` and ``kernels.py``).

Each loop reads its arrays once, where the same count in numpy takes several
passes and temporary arrays. Every index read from an array is checked against
the array it indexes, so arrays that do not fit together raise ``ValueError``
instead of reading or writing out of bounds.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc
from libc.string cimport memcmp
from cpython cimport array as carray
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.object cimport Py_SIZE
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ, PyUnicode_Substring


cdef extern from "Python.h":
    bytes PyUnicode_EncodeFSDefault(object unicode)

import os
import zlib
import sys

import numpy as np


cdef inline bint _outside(int64_t lo, int64_t hi, int64_t size) noexcept nogil:
    """Whether the run from ``lo`` to ``hi`` is not a run of an array ``size`` long."""
    return lo < 0 or hi > size or lo > hi


ctypedef fused row_t:
    uint16_t
    int32_t

ctypedef fused count_t:
    int32_t
    int64_t


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define SEARCHTUI_PREFETCH(p) __builtin_prefetch((const void *)(p))
    #else
    #define SEARCHTUI_PREFETCH(p) ((void)0)
    #endif
    """
    void SEARCHTUI_PREFETCH(const void *p) noexcept nogil


#: Documents gathered from the selection before their values are counted, and how far
#: ahead of the one counted a document's values are asked for (see count_values).
cdef enum:
    _BATCH = 512
    _AHEAD = 16


def count_values(
    const uint8_t[::1] select,
    const int64_t[::1] start,
    const row_t[::1] vals,
    count_t[::1] out,
    int64_t step,
    Py_ssize_t first=0,
    Py_ssize_t last=-1,
):
    """Add ``step`` to ``out[v]`` for each document ``d`` with ``select[d]`` set and
    each value ``v`` it holds: ``vals[start[d]:start[d + 1]]``; only the documents
    from ``first`` to ``last`` (not included; -1: to the end). A facet's values, or
    a row of every facet's values side by side (see ``FacetRows``).

    The selected documents of a large index lie far apart, each one's values a
    cache miss: counted one after the other, the loop waits for memory at each. So
    the selected documents are gathered a batch at a time, and each one's values
    are asked for (prefetched) while those of documents a little before it are
    counted, which keeps many misses under way at once."""
    cdef Py_ssize_t n = select.shape[0]
    cdef Py_ssize_t nvals = vals.shape[0]
    cdef Py_ssize_t nout = out.shape[0]
    cdef Py_ssize_t d, i, m
    cdef int64_t j, lo, hi, v
    cdef int bad = 0
    cdef Py_ssize_t batch[_BATCH]
    if start.shape[0] != n + 1:
        raise ValueError("count_values: start must have one more entry than select")
    if last == -1:
        last = n
    if first < 0 or last > n or first > last:
        raise ValueError("count_values: the documents to count lie outside select")
    with nogil:
        d = first
        while d < last and not bad:
            m = 0
            while d < last and m < _BATCH:
                if select[d]:
                    batch[m] = d
                    m += 1
                    SEARCHTUI_PREFETCH(&start[d])
                d += 1
            for i in range(m):
                if i + _AHEAD < m:
                    lo = start[batch[i + _AHEAD]]
                    hi = start[batch[i + _AHEAD] + 1]
                    if 0 <= lo < hi <= nvals:
                        SEARCHTUI_PREFETCH(&vals[lo])
                        SEARCHTUI_PREFETCH(&vals[hi - 1])
                lo = start[batch[i]]
                hi = start[batch[i] + 1]
                if _outside(lo, hi, nvals):
                    bad = 1
                    break
                for j in range(lo, hi):
                    v = vals[j]
                    if v < 0 or v >= nout:
                        bad = 1
                        break
                    out[v] += <count_t> step
                if bad:
                    break
    if bad:
        raise ValueError("count_values: a document's values lie outside the arrays")


def place_rows(
    int64_t[::1] at,
    const int64_t[::1] start,
    const int32_t[::1] values,
    int64_t offset,
    row_t[::1] vals,
):
    """Copy each document ``d``'s values ``values[start[d]:start[d + 1]]``, plus
    ``offset``, into ``vals`` from ``at[d]`` on, and move ``at[d]`` past them."""
    cdef Py_ssize_t n = at.shape[0]
    cdef Py_ssize_t nvalues = values.shape[0]
    cdef Py_ssize_t nvals = vals.shape[0]
    cdef Py_ssize_t d
    cdef int64_t j, lo, hi, to, v
    cdef int64_t top
    cdef int bad = 0
    if start.shape[0] != n + 1:
        raise ValueError("place_rows: start must have one more entry than at")
    if row_t is uint16_t:
        top = 65535
    else:
        top = 2147483647
    with nogil:
        for d in range(n):
            lo = start[d]
            hi = start[d + 1]
            to = at[d]
            if _outside(lo, hi, nvalues) or _outside(to, to + hi - lo, nvals):
                bad = 1
                break
            for j in range(lo, hi):
                v = values[j] + offset
                if v < 0 or v > top:
                    bad = 1
                    break
                vals[to] = <row_t> v
                to += 1
            if bad:
                break
            at[d] = to
    if bad:
        raise ValueError("place_rows: a document's values do not fit its row")


cdef int _cmp_int32(const void *a, const void *b) noexcept nogil:
    cdef int32_t x = (<const int32_t *>a)[0]
    cdef int32_t y = (<const int32_t *>b)[0]
    return (x > y) - (x < y)


def pairs_by_value(
    const int64_t[::1] value_of,
    const int64_t[::1] pair_term,
    const int64_t[::1] pair_doc,
    Py_ssize_t nvalues,
    Py_ssize_t ndocs,
):
    """The (term, document) pairs ``(pair_term[j], pair_doc[j])`` as (value, document)
    pairs, each term ``t`` standing for the value ``value_of[t]``: each pair once, by
    value, then document. Returns (documents, values, where each value's pairs start:
    ``nvalues + 1`` offsets). A counting sort by value, then each value's documents
    sorted where they are not in order already (several terms shown as one value) and
    repeats dropped."""
    cdef Py_ssize_t npairs = pair_term.shape[0]
    cdef Py_ssize_t nterms = value_of.shape[0]
    cdef Py_ssize_t j, v, k, w, lo, hi
    cdef int64_t t, val, d
    cdef int bad = 0
    if pair_doc.shape[0] != npairs:
        raise ValueError("pairs_by_value: the pairs' terms and documents differ in length")
    if nvalues < 0 or ndocs < 0 or ndocs > 2147483647:
        raise ValueError("pairs_by_value: bad counts")
    start_arr = np.zeros(nvalues + 1, dtype=np.int64)
    docs_arr = np.empty(npairs, dtype=np.int32)
    vals_arr = np.empty(npairs, dtype=np.int32)
    cdef int64_t[::1] start = start_arr
    cdef int32_t[::1] docs = docs_arr
    cdef int32_t[::1] vals = vals_arr
    cdef int64_t *at = <int64_t *>calloc(nvalues + 1, sizeof(int64_t))
    if at == NULL:
        raise MemoryError()
    try:
        with nogil:
            for j in range(nterms):
                if value_of[j] < 0 or value_of[j] >= nvalues:
                    bad = 1
                    break
            if not bad:
                for j in range(npairs):
                    t = pair_term[j]
                    d = pair_doc[j]
                    if t < 0 or t >= nterms or d < 0 or d >= ndocs:
                        bad = 2
                        break
                    at[value_of[t] + 1] += 1
            if not bad:
                for v in range(nvalues):
                    at[v + 1] += at[v]
                for j in range(npairs):
                    val = value_of[pair_term[j]]
                    docs[at[val]] = <int32_t>pair_doc[j]
                    at[val] += 1
                # at[v] is now where value v's pairs end; they start at at[v - 1]
                w = 0
                lo = 0
                for v in range(nvalues):
                    hi = at[v]
                    for k in range(lo + 1, hi):
                        if docs[k] <= docs[k - 1]:
                            qsort(&docs[lo], hi - lo, sizeof(int32_t), _cmp_int32)
                            break
                    start[v] = w
                    for k in range(lo, hi):
                        if k == lo or docs[k] != docs[k - 1]:
                            docs[w] = docs[k]
                            vals[w] = <int32_t>v
                            w += 1
                    lo = hi
                start[nvalues] = w
    finally:
        free(at)
    if bad == 1:
        raise ValueError("pairs_by_value: a term's value lies outside the values")
    if bad == 2:
        raise ValueError("pairs_by_value: a pair's term or document lies outside them")
    return docs_arr[:w], vals_arr[:w], start_arr


def values_by_document(
    const int32_t[::1] pair_doc,
    const int32_t[::1] pair_val,
    const int64_t[::1] doc_start,
    int32_t[::1] out,
):
    """The values of the pairs (``pair_doc[j]``, ``pair_val[j]``) by document: each
    document ``d``'s values into ``out[doc_start[d]:doc_start[d + 1]]``, in the order
    of the pairs (what a stable sort of the pairs by document gives). Each document
    must hold as many pairs as its run in ``doc_start`` is long."""
    cdef Py_ssize_t npairs = pair_doc.shape[0]
    cdef Py_ssize_t ndocs = doc_start.shape[0] - 1
    cdef Py_ssize_t j
    cdef int64_t d, to
    cdef int bad = 0
    if pair_val.shape[0] != npairs or out.shape[0] != npairs or ndocs < 0:
        raise ValueError("values_by_document: the pairs and out differ in length")
    if doc_start[0] != 0 or doc_start[ndocs] != npairs:
        raise ValueError("values_by_document: doc_start does not cover the pairs")
    cdef int64_t *at = <int64_t *>malloc(max(ndocs, 1) * sizeof(int64_t))
    if at == NULL:
        raise MemoryError()
    try:
        with nogil:
            for j in range(ndocs):
                at[j] = doc_start[j]
            for j in range(npairs):
                d = pair_doc[j]
                if d < 0 or d >= ndocs:
                    bad = 1
                    break
                to = at[d]
                if to >= doc_start[d + 1]:
                    bad = 1
                    break
                out[to] = pair_val[j]
                at[d] = to + 1
    finally:
        free(at)
    if bad:
        raise ValueError("values_by_document: a document holds more pairs than its run")


cdef Py_ssize_t _find_term(
    const uint8_t* terms, int64_t size, const int64_t* ends, Py_ssize_t nterms,
    const uint8_t* needle, int64_t n
) noexcept nogil:
    """``find_term``'s search in a table of ``nterms`` terms (``size`` bytes): the
    term's number, -1 when there is none, -2 when a term looked at lies outside
    ``terms``."""
    cdef Py_ssize_t lo = 0, hi = nterms, mid
    cdef int64_t a, b, m, k
    cdef int c
    while lo < hi:
        mid = lo + (hi - lo) // 2
        a = ends[mid - 1] if mid else 0
        b = ends[mid]
        if _outside(a, b, size):
            return -2
        m = b - a
        k = m if m < n else n
        c = memcmp(&terms[a], needle, k) if k > 0 else 0
        if c == 0:
            c = (m > n) - (m < n)
        if c < 0:
            lo = mid + 1
        elif c > 0:
            hi = mid
        else:
            return mid
    return -1


def find_term(const uint8_t[::1] terms, const int64_t[::1] ends, const uint8_t[::1] needle):
    """The number of the term equal to ``needle`` in a sorted table of terms (term
    ``i`` is ``terms[ends[i - 1]:ends[i]]``, the first from 0), or -1 when there is
    none. ``ValueError`` when a term looked at lies outside ``terms``."""
    cdef Py_ssize_t found
    cdef int64_t n = needle.shape[0]
    cdef const uint8_t* at = &needle[0] if n > 0 else NULL
    cdef const uint8_t* table = &terms[0] if terms.shape[0] > 0 else NULL
    cdef const int64_t* stops = &ends[0] if ends.shape[0] > 0 else NULL
    with nogil:
        found = _find_term(table, terms.shape[0], stops, ends.shape[0], at, n)
    if found == -2:
        raise ValueError("find_term: a term lies outside the table")
    return found


def count_story_values(
    const uint8_t[::1] mask,
    const int32_t[::1] members,
    const int32_t[::1] story_members,
    const int32_t[::1] story_keys,
    const uint64_t[::1] holders,
    const int32_t[::1] value_of,
    const int32_t[::1] pair_bounds,
    const int32_t[::1] pair_key,
    const int64_t[::1] everyone,
    int64_t[::1] out,
):
    """Add to ``out[v]`` the number of stories with a member in ``mask`` that holds
    value ``v``: each story counted once for each value any of its matching members holds.

    Story ``s``'s members are ``members[story_members[s]:story_members[s + 1]]``, and
    its (story, value) pairs are the keys ``story_keys[s]`` to ``story_keys[s + 1]``,
    of value ``value_of[key]``. ``holders[key]`` has bit ``p`` set when the story's
    ``p``-th member holds the key (``p`` < 64). The members past the 64th hold the keys
    ``pair_key[pair_bounds[i]:pair_bounds[i + 1]]`` (member ``i``), walked one by one.
    ``everyone`` is the count when every member matches (added as it is then)."""
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t g = members.shape[0]
    cdef Py_ssize_t nstories = story_members.shape[0] - 1
    cdef Py_ssize_t nkeys = value_of.shape[0]
    cdef Py_ssize_t npairs = pair_key.shape[0]
    cdef Py_ssize_t nout = out.shape[0]
    cdef Py_ssize_t s, i
    cdef int64_t m0, m1, k0, k1, key, j, lo, hi, doc, v, matched = 0
    cdef uint64_t bits
    cdef int bad = 0
    cdef uint8_t *seen = NULL
    cdef uint64_t *story_bits = NULL
    cdef uint8_t *late = NULL
    if nstories < 0 or story_keys.shape[0] != nstories + 1:
        raise ValueError("count_story_values: story_members and story_keys differ in length")
    if holders.shape[0] != nkeys or pair_bounds.shape[0] != g + 1:
        raise ValueError("count_story_values: the keys' or members' arrays differ in length")
    if everyone.shape[0] != nout:
        raise ValueError("count_story_values: everyone and out differ in length")
    story_bits = <uint64_t *> calloc(nstories if nstories else 1, sizeof(uint64_t))
    late = <uint8_t *> calloc(nstories if nstories else 1, 1)
    if story_bits == NULL or late == NULL:
        free(story_bits)
        free(late)
        raise MemoryError()
    try:
        with nogil:
            # which members of each story match
            for s in range(nstories):
                m0 = story_members[s]
                m1 = story_members[s + 1]
                if _outside(m0, m1, g):
                    bad = 1
                    break
                bits = 0
                for i in range(m0, m1):
                    doc = members[i]
                    if doc < 0 or doc >= n:
                        bad = 1
                        break
                    if mask[doc]:
                        matched += 1
                        if i - m0 < 64:
                            bits |= (<uint64_t> 1) << (i - m0)
                        else:
                            late[s] = 1
                if bad:
                    break
                story_bits[s] = bits
            if not bad and matched == g:
                for v in range(nout):
                    out[v] += everyone[v]
            elif not bad and matched:
                for s in range(nstories):
                    bits = story_bits[s]
                    if bits == 0 and not late[s]:
                        continue
                    k0 = story_keys[s]
                    k1 = story_keys[s + 1]
                    if _outside(k0, k1, nkeys):
                        bad = 1
                        break
                    for key in range(k0, k1):
                        v = value_of[key]
                        if v < 0 or v >= nout:
                            bad = 1
                            break
                        out[v] += (holders[key] & bits) != 0  # branch-free: unpredictable
                    if bad or not late[s]:
                        continue
                    # a story of more than 64 copies: the keys its later members add, once each
                    if seen == NULL:
                        seen = <uint8_t *> calloc(nkeys if nkeys else 1, 1)
                        if seen == NULL:
                            bad = 2
                            break
                    m0 = story_members[s]
                    m1 = story_members[s + 1]
                    for i in range(m0 + 64, m1):
                        if not mask[members[i]]:
                            continue
                        lo = pair_bounds[i]
                        hi = pair_bounds[i + 1]
                        if _outside(lo, hi, npairs):
                            bad = 1
                            break
                        for j in range(lo, hi):
                            key = pair_key[j]
                            if key < k0 or key >= k1:
                                bad = 1
                                break
                            if (holders[key] & bits) or seen[key]:
                                continue
                            seen[key] = 1
                            out[value_of[key]] += 1
                        if bad:
                            break
                    if bad:
                        break
    finally:
        free(seen)
        free(story_bits)
        free(late)
    if bad == 2:
        raise MemoryError()
    if bad:
        raise ValueError("count_story_values: a member or pair lies outside the arrays")


def best_in_groups(const int64_t[::1] group, const double[:, ::1] keys):
    """The position of the best item of each run of equal ``group`` values: the one
    with the largest ``keys[0]``, then ``keys[1]``..., compared in turn (items are
    columns of ``keys``; the last key should tell any two apart, else the first of
    equals is kept). Returns an int64 array of positions, one for each run."""
    cdef Py_ssize_t c = group.shape[0]
    cdef Py_ssize_t nkeys = keys.shape[0]
    cdef Py_ssize_t i, k, best = 0, runs = 0
    cdef bint better
    if keys.shape[1] != c:
        raise ValueError("best_in_groups: keys must have one column for each item")
    if nkeys == 0 and c:
        raise ValueError("best_in_groups: no keys to rank by")
    import numpy as np
    out = np.empty(c, dtype=np.int64)
    cdef int64_t[::1] found = out
    with nogil:
        for i in range(c):
            if i == 0 or group[i] != group[i - 1]:
                if i:
                    found[runs] = best
                    runs += 1
                best = i
                continue
            better = False
            for k in range(nkeys):
                if keys[k, i] != keys[k, best]:
                    better = keys[k, i] > keys[k, best]
                    break
            if better:
                best = i
        if c:
            found[runs] = best
            runs += 1
    return out[:runs]


def masked_span(const uint8_t[::1] mask, const int64_t[::1] keys, int64_t missing):
    """(smallest, largest, how many) of ``keys[d]`` over the documents with ``mask[d]``
    set, leaving out ``missing`` keys, and how many of those there were:
    ``(lo, hi, found, left_out)``; ``lo`` and ``hi`` are 0 when nothing was found."""
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t d
    cdef int64_t k, lo = 0, hi = 0, found = 0, left_out = 0
    if keys.shape[0] != n:
        raise ValueError("masked_span: keys and mask differ in length")
    with nogil:
        for d in range(n):
            if not mask[d]:
                continue
            k = keys[d]
            if k == missing:
                left_out += 1
                continue
            if found == 0 or k < lo:
                lo = k
            if found == 0 or k > hi:
                hi = k
            found += 1
    return lo, hi, found, left_out


ctypedef fused heap_t:
    float
    int64_t


cdef inline void _sift_down(heap_t *heap, Py_ssize_t size) noexcept nogil:
    """Restore the least-first order of ``heap`` after its top was replaced."""
    cdef Py_ssize_t i = 0, child
    cdef heap_t v = heap[0]
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= v:
            break
        heap[i] = heap[child]
        i = child
    heap[i] = v


cdef inline void _sift_up(heap_t *heap, Py_ssize_t i) noexcept nogil:
    """Restore the least-first order of ``heap`` after ``heap[i]`` was added last."""
    cdef heap_t v = heap[i]
    cdef Py_ssize_t parent
    while i > 0:
        parent = (i - 1) // 2
        if heap[parent] <= v:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = v


def best_scored(const uint8_t[::1] mask, const float[::1] score, Py_ssize_t k):
    """The documents with ``mask[d]`` set whose score is at least the ``k``-th best of
    theirs (ties at the cut all kept; every one of them when they are ``k`` or fewer),
    in document order. One pass keeps the ``k`` best scores in a heap, a second
    gathers the documents: no copy of the matching documents' scores is sorted.
    The score is tested before the mask: a branch on the mask of a random set of
    documents is guessed wrong half the time, one on a score above the cut seldom."""
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t d = 0, size = 0, found = 0
    cdef float v, top = 0
    cdef float *heap
    if score.shape[0] != n:
        raise ValueError("best_scored: score and mask differ in length")
    if k < 1:
        raise ValueError("best_scored: k must be at least 1")
    heap = <float *> malloc(k * sizeof(float))
    if heap == NULL:
        raise MemoryError()
    try:
        with nogil:
            while d < n and size < k:
                if mask[d]:
                    heap[size] = score[d]
                    _sift_up(heap, size)
                    size += 1
                d += 1
            if size == k:
                top = heap[0]
                while d < n:
                    v = score[d]
                    if v > top:  # seldom, once the heap holds good scores
                        if mask[d]:
                            heap[0] = v
                            _sift_down(heap, size)
                            top = heap[0]
                    d += 1
    finally:
        free(heap)
    if size < k:
        return np.flatnonzero(np.asarray(mask)).astype(np.int64, copy=False)
    # One more pass gathers them, into room that grows (ties at the cut are few, but
    # may be many: every matching document, when their scores are all alike).
    cdef Py_ssize_t room = 2 * k + 64
    cdef int64_t *kept = <int64_t *> malloc(room * sizeof(int64_t))
    cdef int64_t *grown
    cdef bint short = False
    cdef int64_t[::1] o
    if kept == NULL:
        raise MemoryError()
    try:
        with nogil:
            for d in range(n):
                if score[d] >= top:
                    if mask[d]:
                        if found == room:
                            grown = <int64_t *> realloc(kept, 2 * room * sizeof(int64_t))
                            if grown == NULL:
                                short = True
                                break
                            kept = grown
                            room *= 2
                        kept[found] = d
                        found += 1
        if short:
            raise MemoryError()
        out = np.empty(found, dtype=np.int64)
        o = out
        with nogil:
            for d in range(found):
                o[d] = kept[d]
    finally:
        free(kept)
    return out


def first_by_day(
    const uint8_t[::1] mask, const int64_t[::1] days, Py_ssize_t k, bint newest,
    int64_t no_date, int64_t undated_last,
):
    """The ``k`` documents with ``mask[d]`` set that come first by day, newest or
    oldest first, undated ones last, ties by document number (the later first when
    newest): each document's rank is its day times 2**32 plus its number (negated when
    oldest first), and the ``k`` greatest ranks are kept in a heap in one pass.
    Returned in no particular order."""
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t d, size = 0
    cdef int64_t rank, day
    cdef int64_t *heap
    cdef int64_t shift = (<int64_t> 1) << 32
    if days.shape[0] != n:
        raise ValueError("first_by_day: days and mask differ in length")
    if k < 1:
        raise ValueError("first_by_day: k must be at least 1")
    heap = <int64_t *> malloc(k * sizeof(int64_t))
    if heap == NULL:
        raise MemoryError()
    try:
        with nogil:
            for d in range(n):
                day = days[d]
                if newest:
                    rank = (-undated_last if day == no_date else day) * shift + d
                else:
                    rank = -((undated_last if day == no_date else day) * shift + d)
                # the heap holds the k greatest ranks, the least of them on top; the
                # rank is tested before the mask (see best_scored)
                if size < k:
                    if mask[d]:
                        heap[size] = rank
                        _sift_up(heap, size)
                        size += 1
                elif rank > heap[0]:
                    if mask[d]:
                        heap[0] = rank
                        _sift_down(heap, size)
        out = np.empty(size, dtype=np.int64)
        for d in range(size):
            out[d] = (heap[d] if newest else -heap[d]) & (shift - 1)
    finally:
        free(heap)
    return out


def scored_postings(
    const int32_t[::1] ids, const float[::1] tf, const float[::1] lengths, double idf,
    double k1, double b, double avg, double boost, uint8_t[::1] mask, float[::1] score,
    bint keep_best=False,
):
    """Mark each document of a term's postings in ``mask`` and set its BM25 score
    (times ``boost``) in ``score``: ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b *
    dl / avg))``, in single precision, step by step as numpy computes it over the
    same float32 arrays (the same bits), in one pass with no temporary arrays. With
    ``keep_best``, a score already there that is higher stays (a word of several:
    each document scored by its best)."""
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t i, m = ids.shape[0]
    cdef int32_t d
    cdef float t, dl, v
    cdef float f_idf = <float> idf, f_k1p1 = <float> (k1 + 1), f_k1 = <float> k1
    cdef float f_1mb = <float> (1 - b), f_b = <float> b, f_avg = <float> avg
    cdef float f_boost = <float> boost
    cdef int bad = 0
    if tf.shape[0] != m or score.shape[0] != n or lengths.shape[0] != n:
        raise ValueError("scored_postings: arrays differ in length")
    with nogil:
        for i in range(m):
            d = ids[i]
            if d < 0 or d >= n:
                bad = 1
                break
            t = tf[i]
            dl = lengths[d]
            v = ((f_idf * t) * f_k1p1) / (t + f_k1 * (f_1mb + (f_b * dl) / f_avg))
            mask[d] = 1
            v = v * f_boost
            if not keep_best or v > score[d]:
                score[d] = v
    if bad:
        raise ValueError("scored_postings: a document lies outside the arrays")


def intersect_sorted(const int64_t[::1] a, const int64_t[::1] b):
    """The values found in both ``a`` and ``b``, each strictly increasing, in order: one
    merge of the two (numpy's intersect1d sorts them together again)."""
    cdef Py_ssize_t i = 0, j = 0, found = 0, na = a.shape[0], nb = b.shape[0]
    cdef int64_t x, y
    cdef int bad = 0
    out = np.empty(min(na, nb), dtype=np.int64)
    cdef int64_t[::1] o = out
    with nogil:
        for i in range(1, na):
            if a[i] <= a[i - 1]:
                bad = 1
                break
        for j in range(1, nb):
            if b[j] <= b[j - 1]:
                bad = 1
                break
        i = 0
        j = 0
        while not bad and i < na and j < nb:
            x = a[i]
            y = b[j]
            if x < y:
                i += 1
            elif y < x:
                j += 1
            else:
                o[found] = x
                found += 1
                i += 1
                j += 1
    if bad:
        raise ValueError("intersect_sorted: the values are not strictly increasing")
    return out[:found]


def masked_bincount(
    const uint8_t[::1] mask, const int64_t[::1] keys, int64_t missing, int64_t first,
    int64_t[::1] out,
):
    """Add one to ``out[keys[d] - first]`` for each document with ``mask[d]`` set and
    a key other than ``missing``."""
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t nout = out.shape[0]
    cdef Py_ssize_t d
    cdef int64_t k
    cdef int bad = 0
    if keys.shape[0] != n:
        raise ValueError("masked_bincount: keys and mask differ in length")
    with nogil:
        for d in range(n):
            if not mask[d]:
                continue
            k = keys[d]
            if k == missing:
                continue
            k -= first
            if k < 0 or k >= nout:
                bad = 1
                break
            out[k] += 1
    if bad:
        raise ValueError("masked_bincount: a key lies outside the counts")


cdef inline int64_t _le(const uint8_t[::1] b, int64_t at, int width) noexcept nogil:
    cdef int64_t v = 0
    cdef int k
    for k in range(width - 1, -1, -1):
        v = (v << 8) | b[at + k]
    return v


def decode_int_lists(const uint8_t[::1] blob, const int64_t[::1] bounds, int64_t skip):
    """The lists of integers pickled in ``blob``: value ``i`` runs from ``bounds[i]``
    to ``bounds[i + 1]``, its first ``skip`` bytes left out, then a list that
    ``pickle.dumps(list_of_ints, 2)`` wrote (its closing "." may be missing).

    Returns ``(counts, items)``: each list's length, and their items one after the
    other; or None when a value holds anything else (an integer past 32 bits, say),
    for the caller to unpickle in full."""
    cdef Py_ssize_t nvalues = bounds.shape[0] - 1
    cdef Py_ssize_t size = blob.shape[0]
    cdef Py_ssize_t i
    cdef int64_t at, end, n = 0
    cdef uint8_t op
    cdef int bad = 0
    cdef bint listed
    cdef int width
    cdef int64_t v
    cdef int64_t two31 = 1 << 31, two32 = (<int64_t> 1) << 32
    import numpy as np
    if nvalues < 0:
        raise ValueError("decode_int_lists: no bounds")
    counts_arr = np.zeros(nvalues, dtype=np.int64)
    items_arr = np.empty(size // 2 + 1, dtype=np.int64)  # an item takes 2 bytes or more
    cdef int64_t[::1] counts = counts_arr
    cdef int64_t[::1] items = items_arr
    with nogil:
        for i in range(nvalues):
            at = bounds[i] + skip
            end = bounds[i + 1]
            if bounds[i] < 0 or end > size or at > end:
                bad = 1
                break
            listed = False
            while at < end and not bad:
                op = blob[at]
                at += 1
                if op == 0x80:  # PROTO
                    at += 1
                elif op == 0x5D:  # "]": EMPTY_LIST
                    if listed:
                        bad = 1
                    listed = True
                elif op == 0x71:  # "q": BINPUT
                    at += 1
                elif op == 0x72:  # "r": LONG_BINPUT
                    at += 4
                elif op == 0x28 or op == 0x61 or op == 0x65:  # MARK, APPEND, APPENDS
                    if not listed:
                        bad = 1
                elif op == 0x4B or op == 0x4D or op == 0x4A:  # BININT1, BININT2, BININT
                    width = 1 if op == 0x4B else 2 if op == 0x4D else 4
                    if not listed or at + width > end:
                        bad = 1
                        break
                    v = _le(blob, at, width)
                    if width == 4 and v >= two31:
                        v -= two32  # BININT is signed
                    items[n] = v
                    n += 1
                    counts[i] += 1
                    at += width
                elif op == 0x2E:  # ".": STOP
                    if at != end:
                        bad = 1
                    break
                else:
                    bad = 1
            if at > end or not listed:
                bad = 1
            if bad:
                break
    if bad:
        return None
    return counts_arr, items_arr[:n]


ctypedef fused sig_t:
    uint8_t
    uint16_t
    uint32_t


def equal_shares(const sig_t[:, ::1] sigs, const int64_t[:, ::1] pairs):
    """For each pair of rows (``pairs[k] = (i, j)``), the share of the columns where
    ``sigs[i]`` and ``sigs[j]`` agree, as float32."""
    cdef Py_ssize_t n = sigs.shape[0]
    cdef Py_ssize_t width = sigs.shape[1]
    cdef Py_ssize_t npairs = pairs.shape[0]
    cdef Py_ssize_t k, c
    cdef int64_t a, b, same
    cdef int bad = 0
    import numpy as np
    if pairs.shape[1] != 2:
        raise ValueError("equal_shares: pairs must have two columns")
    shares = np.empty(npairs, dtype=np.float32)
    cdef float[::1] out = shares
    with nogil:
        for k in range(npairs):
            a = pairs[k, 0]
            b = pairs[k, 1]
            if a < 0 or a >= n or b < 0 or b >= n:
                bad = 1
                break
            same = 0
            for c in range(width):
                same += sigs[a, c] == sigs[b, c]
            out[k] = <float> (<double> same / <double> width) if width else 0
    if bad:
        raise ValueError("equal_shares: a pair names a row past the signatures")
    return shares


def edit_distances(const uint32_t[::1] query, const uint32_t[:, ::1] words, int maxdist):
    """The edit distance from ``query`` to each row of ``words`` (code points, all of
    one length), counting insertions, deletions, substitutions and swaps of
    neighbouring letters (restricted Damerau-Levenshtein, as Whoosh counts it); a
    word found to be more than ``maxdist`` away gets ``maxdist + 1``. Returns int32."""
    cdef Py_ssize_t n = query.shape[0]
    cdef Py_ssize_t count = words.shape[0]
    cdef Py_ssize_t m = words.shape[1]
    cdef Py_ssize_t w, i, j
    cdef int v, cost, rowmin
    cdef int *rows
    cdef int *prev2
    cdef int *prev
    cdef int *cur
    cdef int *swap
    import numpy as np
    if maxdist < 0:
        raise ValueError("edit_distances: maxdist must not be negative")
    dist_arr = np.empty(count, dtype=np.int32)
    cdef int32_t[::1] dist = dist_arr
    rows = <int *> malloc(3 * (m + 1) * sizeof(int))
    if rows == NULL:
        raise MemoryError()
    try:
        with nogil:
            for w in range(count):
                prev2 = rows
                prev = rows + (m + 1)
                cur = rows + 2 * (m + 1)
                for j in range(m + 1):
                    prev[j] = <int> j
                v = <int> m
                for i in range(1, n + 1):
                    cur[0] = <int> i
                    rowmin = cur[0]
                    for j in range(1, m + 1):
                        cost = query[i - 1] != words[w, j - 1]
                        v = prev[j] + 1
                        if cur[j - 1] + 1 < v:
                            v = cur[j - 1] + 1
                        if prev[j - 1] + cost < v:
                            v = prev[j - 1] + cost
                        if (i > 1 and j > 1 and cost
                                and query[i - 1] == words[w, j - 2]
                                and query[i - 2] == words[w, j - 1]
                                and prev2[j - 2] + 1 < v):
                            v = prev2[j - 2] + 1
                        cur[j] = v
                        if v < rowmin:
                            rowmin = v
                    if rowmin > maxdist:  # a row's least value never falls
                        v = maxdist + 1
                        break
                    v = cur[m]
                    swap = prev2
                    prev2 = prev
                    prev = cur
                    cur = swap
                dist[w] = v if v <= maxdist else maxdist + 1
    finally:
        free(rows)
    return dist_arr


cdef inline bint _is_word(Py_UCS4 c) noexcept:
    """``re``'s ``\\w`` for a str pattern: a letter, a digit or any numeric, or "_"."""
    if c < 128:
        return (c >= u'a' and c <= u'z') or (c >= u'A' and c <= u'Z') \
            or (c >= u'0' and c <= u'9') or c == u'_'
    return c.isalnum()


def scan_words(str text, object match):
    """``findall`` of the tokenizer's pattern over ``text``, ``match`` being that
    pattern's ``match`` method: each word, and an empty string for each sentence end.

    A run of word characters not followed by a dot and another word character is a
    word as it stands, and a character that is neither a word character nor one that
    can begin a sentence end begins no match: those are read here. Everything else
    (a word with a dot inside, a sentence end) is matched by the pattern itself at
    that place, where its look-behinds see the text before it, so the words are the
    pattern's, character for character."""
    cdef list out = []
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t i = 0, j
    cdef unsigned int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    cdef Py_UCS4 c
    cdef object m, word
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if _is_word(c):
            j = i + 1
            while j < n and _is_word(PyUnicode_READ(kind, data, j)):
                j += 1
            if j + 1 < n and PyUnicode_READ(kind, data, j) == u'.' \
                    and _is_word(PyUnicode_READ(kind, data, j + 1)):
                m = match(text, i)
                out.append(m.group(1))
                i = m.end()
            else:
                out.append(PyUnicode_Substring(text, i, j))
                i = j
        elif c == u'.' or c == u'!' or c == u'?' or c == u';' or c == u':' or c == u'\n':
            m = match(text, i)
            if m is None:
                i += 1
            else:
                word = m.group(1)
                out.append(u'' if word is None else word)
                i = m.end()
        else:
            i += 1
    return out


cdef inline bint _count_position(object word, Py_ssize_t *pos, bint *brk, Py_ssize_t step):
    """Advance the position over one of the tokenizer's words: every word counts one,
    a sentence end (an empty string) ``step - 1`` more, given to the next word.
    Returns whether ``word`` is a word."""
    if not word:
        brk[0] = pos[0] >= 0
        return False
    pos[0] += step if brk[0] else 1
    brk[0] = False
    return True


def term_positions(list words, dict cache, object missing, object normalise, Py_ssize_t step):
    """Each term of a text's ``words`` (the tokenizer's, an empty string at each
    sentence end) with its positions: a word's term is ``cache[word]``, or
    ``normalise(word)`` when the cache does not have it (``missing``), None for a
    word left out. Every word counts a position, a sentence end ``step - 1`` more."""
    cdef dict poses = {}
    cdef Py_ssize_t pos = -1
    cdef bint brk = False
    cdef object word, term, found
    for word in words:
        if not _count_position(word, &pos, &brk, step):
            continue
        term = cache.get(word, missing)
        if term is missing:
            term = normalise(word)
        if term is None:
            continue
        found = poses.get(term)
        if found is None:
            poses[term] = [pos]
        else:
            (<list>found).append(pos)
    return poses


cdef inline Py_ssize_t _pickled_int_size(int64_t v) noexcept nogil:
    """Bytes pickle protocol 2 writes for ``v`` (BININT1, BININT2, BININT), 0 beyond."""
    if 0 <= v < 256:
        return 2
    if 0 <= v < 65536:
        return 3
    if -2147483648 <= v <= 2147483647:
        return 5
    return 0


cdef bytes _positions_value(list positions):
    """``whoosh.formats.Positions.encode`` of increasing positions, byte for byte: their
    count (4 bytes, big-endian), then their gaps pickled with protocol 2 (pickle
    writes a list's items in batches of 1000). None for a gap pickle would write
    otherwise (past 32 bits)."""
    cdef Py_ssize_t n = len(positions), i, size, k
    cdef int64_t prev = 0, v, gap
    cdef Py_ssize_t batches = (n + 999) // 1000
    size = 4 + 2 + 1 + 2 + 1  # count, PROTO 2, EMPTY_LIST, BINPUT 0, STOP
    size += 1 if n == 1 else 2 * batches  # APPEND, or MARK ... APPENDS per batch
    for i in range(n):
        v = positions[i]
        k = _pickled_int_size(v - prev)
        if k == 0:
            return None
        size += k
        prev = v
    cdef bytes out = PyBytes_FromStringAndSize(NULL, size)
    cdef unsigned char* p = <unsigned char*>PyBytes_AS_STRING(out)
    cdef uint32_t count = <uint32_t>n
    p[0] = (count >> 24) & 0xFF
    p[1] = (count >> 16) & 0xFF
    p[2] = (count >> 8) & 0xFF
    p[3] = count & 0xFF
    p[4] = 0x80
    p[5] = 2
    p[6] = 93  # "]"
    p[7] = 113  # "q"
    p[8] = 0
    cdef Py_ssize_t at = 9
    prev = 0
    for i in range(n):
        if n > 1 and i % 1000 == 0:
            p[at] = 40  # "(" MARK
            at += 1
        v = positions[i]
        gap = v - prev
        prev = v
        if 0 <= gap < 256:
            p[at] = 75  # "K"
            p[at + 1] = <unsigned char>gap
            at += 2
        elif 0 <= gap < 65536:
            p[at] = 77  # "M"
            p[at + 1] = gap & 0xFF
            p[at + 2] = (gap >> 8) & 0xFF
            at += 3
        else:
            p[at] = 74  # "J"
            p[at + 1] = gap & 0xFF
            p[at + 2] = (gap >> 8) & 0xFF
            p[at + 3] = (gap >> 16) & 0xFF
            p[at + 4] = (gap >> 24) & 0xFF
            at += 5
        if n > 1 and (i % 1000 == 999 or i == n - 1):
            p[at] = 101  # "e" APPENDS
            at += 1
    if n == 1:
        p[at] = 97  # "a" APPEND
        at += 1
    p[at] = 46  # "." STOP
    return out


def positions_value(list positions):
    """``_positions_value`` for Python callers (and tests)."""
    return _positions_value(positions)


def add_text_postings(
    dict terms, dict poses, object docnum, double fb, double fieldboost, dict singles,
    object encode, object new_entry,
):
    """Add one document's postings of a text field to ``terms`` (term -> [documents,
    weights, values]) from its ``poses`` (term -> increasing positions), as
    ``segments._add_text`` does: weight ``(count * fb) * fieldboost``, value the
    encoded positions (a single position's from ``singles``, else ``encode``'s).
    ``new_entry()`` makes a new term's lists. Returns (field length, postings,
    values encoded here, new terms)."""
    cdef Py_ssize_t length = 0, count = 0, multi = 0, nterms = 0, n, size
    cdef object term, pl, entry, value
    cdef double weight
    cdef unsigned int doc = docnum
    cdef list lists
    cdef carray.array ids, weights
    for term, pl in poses.items():
        if type(pl) is not list:
            raise TypeError("add_text_postings: positions must be lists")
        n = len(<list>pl)
        if n == 0:
            raise ValueError("add_text_postings: a term without positions")
        entry = terms.get(term)
        if entry is None:
            entry = new_entry()
            terms[term] = entry
            nterms += 1
        lists = <list>entry
        if n == 1:
            value = singles.get((<list>pl)[0])
            if value is None:
                value = encode(pl)
        else:
            value = _positions_value(<list>pl)
            if value is None:
                value = encode(pl)
            multi += 1
        weight = n * fb
        if fieldboost != 1.0:
            weight = weight * fieldboost
        ids = lists[0]
        weights = lists[1]
        if ids.ob_descr.typecode != 73 or weights.ob_descr.typecode != 100:  # "I", "d"
            raise TypeError("add_text_postings: documents must be array('I'), weights array('d')")
        size = Py_SIZE(ids)
        carray.resize_smart(ids, size + 1)
        ids.data.as_uints[size] = doc
        size = Py_SIZE(weights)
        carray.resize_smart(weights, size + 1)
        weights.data.as_doubles[size] = weight
        (<list>lists[2]).append(value)
        length += n
        count += 1
    return length, count, multi, nterms



cdef inline bint _uint_array(carray.array a) noexcept:
    return a.ob_descr.typecode == 73  # "I"


def add_flat_words(
    list words, dict word_ids, list terms, dict term_ids, object normalise, Py_ssize_t step,
    carray.array ids, carray.array places, carray.array npos, carray.array nposts,
    carray.array mark, unsigned int serial, dict table,
):
    """One document's words of a field whose positions are kept beside the segment,
    added to a segment's flat lists (see ``segments._FlatField``): each kept word's
    term number onto ``ids`` and its position onto ``places``, in text order. A word's
    term is numbered the first time the segment meets it (``word_ids``: word -> its
    term's number, or -1 for a word left out; ``terms`` and ``term_ids``: each term
    by number and back); ``normalise(word)`` gives the term of a word not met yet.
    Positions count as in ``term_positions``. Per term number: its positions so far
    (``npos``), its documents so far (``nposts``) and the last document that had it
    (``mark``, as ``serial``, which must grow from document to document and not be
    0). Returns (field length, postings, new terms), as ``segments._add_counted``: a
    term is new when neither these lists nor ``table`` (the segment's entries) have it."""
    cdef Py_ssize_t pos = -1, n0, k, nwords = len(words), length, count = 0, nterms = 0
    cdef Py_ssize_t tid, ntids, i
    cdef bint brk = False
    cdef object word, found, term
    if not (_uint_array(ids) and _uint_array(places) and _uint_array(npos)
            and _uint_array(nposts) and _uint_array(mark)):
        raise TypeError("add_flat_words: lists must be array('I')")
    if serial == 0:
        raise ValueError("add_flat_words: document serials start at 1")
    if nwords * (step if step > 1 else 1) > 0xFFFFFFFF:
        raise ValueError("add_flat_words: a position outside 32 bits")
    n0 = Py_SIZE(ids)
    if Py_SIZE(places) != n0:
        raise ValueError("add_flat_words: ids and places differ in length")
    carray.resize_smart(ids, n0 + nwords)
    carray.resize_smart(places, n0 + nwords)
    k = n0
    try:
        for word in words:
            if not _count_position(word, &pos, &brk, step):
                continue
            found = word_ids.get(word)
            if found is None:
                term = normalise(word)
                if term is None:
                    tid = -1
                else:
                    found = term_ids.get(term)
                    if found is None:
                        tid = len(terms)
                        if tid >= 0xFFFFFFFF:
                            raise ValueError("add_flat_words: too many terms in one segment")
                        terms.append(term)
                        term_ids[term] = tid
                        if term not in table:
                            nterms += 1
                    else:
                        tid = found
                word_ids[word] = tid
            else:
                tid = found
            if tid < 0:
                continue
            ntids = Py_SIZE(npos)
            if tid >= ntids:
                carray.resize_smart(npos, tid + 1)
                carray.resize_smart(nposts, tid + 1)
                carray.resize_smart(mark, tid + 1)
                while ntids <= tid:
                    npos.data.as_uints[ntids] = 0
                    nposts.data.as_uints[ntids] = 0
                    mark.data.as_uints[ntids] = 0
                    ntids += 1
            if mark.data.as_uints[tid] != serial:
                mark.data.as_uints[tid] = serial
                nposts.data.as_uints[tid] += 1
                count += 1
            npos.data.as_uints[tid] += 1
            ids.data.as_uints[k] = <unsigned int>tid
            places.data.as_uints[k] = <unsigned int>pos
            k += 1
    except BaseException:
        # nothing of this document is kept (normalise failed, say)
        for i in range(n0, k):
            tid = ids.data.as_uints[i]
            npos.data.as_uints[tid] -= 1
            if mark.data.as_uints[tid] == serial:
                mark.data.as_uints[tid] = 0
                nposts.data.as_uints[tid] -= 1
        carray.resize(ids, n0)
        carray.resize(places, n0)
        raise
    carray.resize(ids, k)
    carray.resize(places, k)
    length = k - n0
    return length, count, nterms


def flat_entries(
    list terms, carray.array ids, carray.array places, carray.array doc_nums,
    carray.array doc_ends, carray.array fbs, carray.array boosts, carray.array npos,
    carray.array nposts, dict table, object new_entry,
):
    """Append the postings of the flat lists (``add_flat_words``) to the entries of
    ``table`` (term -> [documents, weights, counts, positions]: ``array`` of "I", "d",
    "I" and "I"; ``new_entry()`` makes a new term's), as ``segments._add_counted``
    would have added them document by document: each document's number
    (``doc_nums``), its words up to ``doc_ends``, the weight ``(count * fbs) *
    boosts`` (the boost when not 1.0). The counts of ``npos`` and ``nposts`` are used
    up (set to 0)."""
    cdef Py_ssize_t nt = Py_SIZE(npos), ndocs = Py_SIZE(doc_nums), n = Py_SIZE(ids)
    cdef Py_ssize_t t, k, i, s, e, size, post, wanted
    cdef unsigned int tid, c
    cdef double weight, fb, boost
    cdef object entry
    cdef list lists
    cdef carray.array a_docs, a_weights, a_counts, a_places
    cdef unsigned int **p_docs = NULL
    cdef double **p_weights = NULL
    cdef unsigned int **p_counts = NULL
    cdef unsigned int **p_places = NULL
    cdef unsigned int **end_places = NULL
    cdef unsigned int *dmark = NULL
    if not (_uint_array(ids) and _uint_array(places) and _uint_array(doc_nums)
            and _uint_array(npos) and _uint_array(nposts)):
        raise TypeError("flat_entries: lists must be array('I')")
    if doc_ends.ob_descr.typecode != 81 or fbs.ob_descr.typecode != 100 \
            or boosts.ob_descr.typecode != 100:  # "Q", "d", "d"
        raise TypeError("flat_entries: doc_ends must be array('Q'), fbs and boosts array('d')")
    if (Py_SIZE(places) != n or Py_SIZE(doc_ends) != ndocs or Py_SIZE(fbs) != ndocs
            or Py_SIZE(boosts) != ndocs or Py_SIZE(nposts) != nt or len(terms) < nt
            or (ndocs and doc_ends.data.as_ulonglongs[ndocs - 1] != <unsigned long long>n)):
        raise ValueError("flat_entries: lists that do not fit together")
    for i in range(n):
        if ids.data.as_uints[i] >= nt:
            raise ValueError("flat_entries: a term number past the terms")
    wanted = 0
    for t in range(nt):
        wanted += npos.data.as_uints[t]
    if wanted != n:
        raise ValueError("flat_entries: counts that do not fit the lists")
    try:
        p_docs = <unsigned int **>calloc(nt if nt else 1, sizeof(unsigned int *))
        p_weights = <double **>calloc(nt if nt else 1, sizeof(double *))
        p_counts = <unsigned int **>calloc(nt if nt else 1, sizeof(unsigned int *))
        p_places = <unsigned int **>calloc(nt if nt else 1, sizeof(unsigned int *))
        end_places = <unsigned int **>calloc(nt if nt else 1, sizeof(unsigned int *))
        dmark = <unsigned int *>calloc(nt if nt else 1, sizeof(unsigned int))
        if (p_docs == NULL or p_weights == NULL or p_counts == NULL or p_places == NULL
                or end_places == NULL or dmark == NULL):
            raise MemoryError()
        # every term's lists made as long as they will be, once
        seen = set()
        for t in range(nt):
            if npos.data.as_uints[t] == 0:
                continue
            term = terms[t]
            if term in seen:
                raise ValueError("flat_entries: a term numbered twice")
            seen.add(term)
            entry = table.get(term)
            if entry is None:
                entry = new_entry()
                table[term] = entry
            lists = <list>entry
            a_docs = lists[0]
            a_weights = lists[1]
            a_counts = lists[2]
            a_places = lists[3]
            if (not _uint_array(a_docs) or a_weights.ob_descr.typecode != 100
                    or not _uint_array(a_counts) or not _uint_array(a_places)):
                raise TypeError("flat_entries: lists must be array('I'), array('d'), "
                                "array('I') and array('I')")
            post = nposts.data.as_uints[t]
            size = Py_SIZE(a_docs)
            carray.resize(a_docs, size + post)
            p_docs[t] = a_docs.data.as_uints + size
            size = Py_SIZE(a_weights)
            carray.resize(a_weights, size + post)
            p_weights[t] = a_weights.data.as_doubles + size
            size = Py_SIZE(a_counts)
            carray.resize(a_counts, size + post)
            p_counts[t] = a_counts.data.as_uints + size
            size = Py_SIZE(a_places)
            carray.resize(a_places, size + npos.data.as_uints[t])
            p_places[t] = a_places.data.as_uints + size
            end_places[t] = p_places[t] + npos.data.as_uints[t]
        # then filled document by document, as the documents came
        s = 0
        for k in range(ndocs):
            e = <Py_ssize_t>doc_ends.data.as_ulonglongs[k]
            if e < s or e > n:
                raise ValueError("flat_entries: document ends out of order")
            for i in range(s, e):
                tid = ids.data.as_uints[i]
                if dmark[tid] != <unsigned int>(k + 1):
                    dmark[tid] = <unsigned int>(k + 1)
                    p_docs[tid][0] = doc_nums.data.as_uints[k]
                    p_docs[tid] += 1
                    p_counts[tid][0] = 0
                    p_counts[tid] += 1
                    p_weights[tid] += 1
                if p_places[tid] >= end_places[tid]:
                    raise ValueError("flat_entries: counts that do not fit the lists")
                (p_counts[tid] - 1)[0] += 1
                p_places[tid][0] = places.data.as_uints[i]
                p_places[tid] += 1
            fb = fbs.data.as_doubles[k]
            boost = boosts.data.as_doubles[k]
            for i in range(s, e):
                tid = ids.data.as_uints[i]
                c = (p_counts[tid] - 1)[0]
                weight = c * fb
                if boost != 1.0:
                    weight = weight * boost
                (p_weights[tid] - 1)[0] = weight
            s = e
        for t in range(nt):
            if p_places[t] != end_places[t]:
                raise ValueError("flat_entries: counts that do not fit the lists")
            npos.data.as_uints[t] = 0
            nposts.data.as_uints[t] = 0
    finally:
        free(p_docs)
        free(p_weights)
        free(p_counts)
        free(p_places)
        free(end_places)
        free(dmark)


#: An empty bin of a story signature (the hashes are below 2**32).
cdef uint64_t _NO_HASH = (<uint64_t> 1) << 32
#: What an empty bin adds per bin to the hash it takes from a later bin.
cdef uint64_t _BIN_STEP = 0x9E3779B1


def story_signature(
    const uint8_t[::1] text, const uint64_t[:, ::1] table, const uint64_t[::1] mix,
    uint64_t final, Py_ssize_t shingle, Py_ssize_t min_shingles, Py_ssize_t perms,
):
    """A body's one-permutation MinHash signature, as ``stories.signature`` makes it
    with numpy, in one pass and without sorting: ``text`` is the body's bytes with
    every byte outside a word turned into a space (``stories._text_bytes``).

    A word's hash is the sum of ``table[byte, min(place, width - 1)]``; each run of
    ``shingle`` words is mixed into a 32-bit hash whose top bits choose one of
    ``perms`` bins (a power of two), and each bin keeps its least hash; an empty bin
    takes the next full bin's (around the end), plus the distance times a constant.
    Returns ``perms`` uint32, or None when there are fewer than ``min_shingles``
    shingles."""
    cdef Py_ssize_t size = text.shape[0]
    cdef Py_ssize_t width = table.shape[1]
    cdef Py_ssize_t nmix = mix.shape[0]
    cdef Py_ssize_t i, k, nwords = 0, place = 0, n, p
    cdef int bits = 0
    cdef uint64_t h = 0, s, b
    cdef uint64_t *hashes
    cdef uint64_t *least
    cdef bint inword = False
    cdef uint32_t[::1] out_view
    import numpy as np
    if table.shape[0] != 256 or width < 1 or nmix < 1 or shingle < 1 or perms < 1:
        raise ValueError("story_signature: a table of 256 rows, a mix, a shingle and bins")
    if perms & (perms - 1) or perms > (1 << 31):
        raise ValueError("story_signature: the bins must be a power of two")
    while (1 << bits) < perms:
        bits += 1
    hashes = <uint64_t *> malloc((size // 2 + 2) * sizeof(uint64_t))
    least = <uint64_t *> malloc(perms * sizeof(uint64_t))
    if hashes == NULL or least == NULL:
        free(hashes)
        free(least)
        raise MemoryError()
    try:
        with nogil:
            for i in range(size):
                b = text[i]
                if b == 32:
                    if inword:
                        hashes[nwords] = h
                        nwords += 1
                        inword = False
                    continue
                if not inword:
                    inword = True
                    h = 0
                    place = 0
                h += table[b, place if place < width else width - 1]
                place += 1
            if inword:
                hashes[nwords] = h
                nwords += 1
        n = nwords - shingle + 1
        if n < min_shingles or n < 1:
            return None
        sig = np.empty(perms, dtype=np.uint32)
        out_view = sig
        with nogil:
            for p in range(perms):
                least[p] = _NO_HASH
            for i in range(n):
                s = hashes[i] * mix[0]
                for k in range(1, shingle):
                    s = (s ^ (s >> 29)) + hashes[i + k] * mix[k % nmix]
                s = ((s ^ (s >> 33)) * final) >> 32
                p = <Py_ssize_t> (s >> (32 - bits))
                if s < least[p]:
                    least[p] = s
        _fill_bins(least, perms, out_view)
        return sig
    finally:
        free(hashes)
        free(least)


cdef void _fill_bins(uint64_t *least, Py_ssize_t perms, uint32_t[::1] out) noexcept nogil:
    """Each bin's least hash, or the next full bin's (around the end) plus the distance
    times a constant; 0 becomes 1 (a row of zeros stands for no signature)."""
    cdef Py_ssize_t p, q, src
    cdef uint32_t v
    for p in range(perms):
        src = -1
        for q in range(perms):
            if least[(p + q) % perms] != _NO_HASH:
                src = q
                break
        if src < 0:
            out[p] = 1
            continue
        v = <uint32_t> (least[(p + src) % perms] + <uint64_t> src * _BIN_STEP)
        out[p] = v if v != 0 else 1


cdef extern from *:
    """
    #if defined(_WIN32)
    static int stui_open_folder(const char *path) { (void)path; return -1; }
    static int stui_close_folder(int fd) { (void)fd; return 0; }
    static int stui_lstat_at(int fd, const char *name, unsigned int *mode, long long *size,
                             long long *sec, long long *nsec) {
        (void)fd; (void)name; (void)mode; (void)size; (void)sec; (void)nsec;
        return 38;  /* ENOSYS: the caller stats each file itself */
    }
    #else
    #include <errno.h>
    #include <fcntl.h>
    #include <sys/stat.h>
    #include <unistd.h>
    #ifndef O_DIRECTORY
    #define O_DIRECTORY 0
    #endif
    #ifndef O_CLOEXEC
    #define O_CLOEXEC 0
    #endif
    static int stui_open_folder(const char *path) {
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    static int stui_close_folder(int fd) { return close(fd); }
    static int stui_lstat_at(int fd, const char *name, unsigned int *mode, long long *size,
                             long long *sec, long long *nsec) {
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno ? errno : -1;
        *mode = (unsigned int)st.st_mode;
        *size = (long long)st.st_size;
    #if defined(__APPLE__)
        *sec = (long long)st.st_mtimespec.tv_sec; *nsec = (long long)st.st_mtimespec.tv_nsec;
    #else
        *sec = (long long)st.st_mtim.tv_sec; *nsec = (long long)st.st_mtim.tv_nsec;
    #endif
        return 0;
    }
    #endif
    """
    int stui_open_folder(const char *path) nogil
    int stui_close_folder(int fd) nogil
    int stui_lstat_at(int fd, const char *name, unsigned int *mode, long long *size,
                      long long *sec, long long *nsec) nogil


def lstat_names(
    bytes folder,
    list names,
    Py_ssize_t first,
    Py_ssize_t last,
    uint32_t[::1] mode,
    int64_t[::1] size,
    int64_t[::1] mtime_ns,
    int32_t[::1] error,
):
    """The status of the entries ``names[first:last]`` of the folder ``folder`` (links
    not followed), as ``os.lstat`` gives it, in the same places of the arrays: the
    type and permissions, the size, the modification time in nanoseconds (the
    largest int64 when it does not fit one), and 0, or the error number when an
    entry has no status (then the caller asks ``os.lstat`` for its error). Names
    are ``str`` as ``os.listdir`` gives them. Raises ``OSError`` when the folder
    cannot be opened; on a system without ``fstatat`` every entry has error 38."""
    cdef Py_ssize_t n = len(names)
    if first < 0 or last > n or first > last:
        raise ValueError("lstat_names: the entries lie outside names")
    if mode.shape[0] != n or size.shape[0] != n or mtime_ns.shape[0] != n or error.shape[0] != n:
        raise ValueError("lstat_names: the arrays must be as long as names")
    # as os.fsencode spells them (the file system's encoding, surrogates escaped)
    cdef list encoded = [PyUnicode_EncodeFSDefault(name) for name in names[first:last]]
    cdef Py_ssize_t count = last - first
    cdef const char **ptrs = <const char **>malloc(max(count, 1) * sizeof(char *))
    if ptrs == NULL:
        raise MemoryError()
    cdef Py_ssize_t i
    cdef bytes b
    for i in range(count):
        b = encoded[i]
        if b"\0" in b:
            free(ptrs)
            raise ValueError("lstat_names: a name holds a null byte")
        ptrs[i] = PyBytes_AS_STRING(b)
    cdef int fd = stui_open_folder(folder)
    if fd < 0 and not sys.platform.startswith("win"):
        free(ptrs)
        raise OSError(f"cannot open the folder {os.fsdecode(folder)!r}")
    cdef unsigned int m = 0
    cdef long long sz = 0, sec = 0, nsec = 0
    cdef int err
    cdef long long limit = 9223372036854775807
    try:
        with nogil:
            for i in range(count):
                err = stui_lstat_at(fd, ptrs[i], &m, &sz, &sec, &nsec)
                error[first + i] = err
                if err != 0:
                    continue
                mode[first + i] = m
                size[first + i] = sz
                if sec > (limit - nsec) // 1000000000 or sec < -(limit // 1000000000) + 1:
                    mtime_ns[first + i] = limit
                else:
                    mtime_ns[first + i] = sec * 1000000000 + nsec
    finally:
        free(ptrs)
        if fd >= 0:
            stui_close_folder(fd)


cdef bint _whole(carray.array ws):
    """Every weight of a block a whole number (a count)."""
    cdef Py_ssize_t i
    cdef float x
    for i in range(Py_SIZE(ws)):
        x = ws.data.as_floats[i]
        if not (x >= 0 and x < 16777216) or x != <float><long long>x:
            return False
    return True


def term_blocks(
    list rows, bint counted, int compression, Py_ssize_t blocklimit, object lenbytes,
    object fixedsize, bytes fieldkey, int64_t offset, list chunk, int64_t chunk_bytes,
    object write, list tkeys, list tvalues, tuple helpers,
):
    """``segments._term_blocks``, the same bytes: one field's terms written as
    Whoosh's field writer writes them. ``helpers`` are what it writes them with (see
    ``segments._BLOCK_HELPERS``). A term of one posting, most of them, is inlined here
    from typed values; longer lists are cut into blocks with the same steps as there."""
    (dumps, compressed, term_pack, pack_long, pack_int, pack_uint, count_values,
     magic, compress_from, block_level, data_protocol, flush_at, inline_pickle) = helpers
    cdef Py_ssize_t compress_min = compress_from, flush_bytes = flush_at
    cdef Py_ssize_t n, b, e, count, i, blocklength, size
    cdef int64_t start
    cdef double w
    cdef float wf32
    cdef bint has_lens = lenbytes is not None
    cdef bint no_values
    cdef carray.array docs, weights, lens_arr
    cdef unsigned int d
    cdef object tbytes, entry, values, vs, v, data, info, maxweight, wf, lb, level, iw
    cdef object dw, ws, lens, minlen, maxlen, mini_ids, mini_weights, vals
    cdef object tminlen, tmaxlen, tmaxweight, tweight
    cdef list out, lens_nonzero
    if has_lens:
        lens_arr = lenbytes
        if lens_arr.ob_descr.typecode != 66:  # "B"
            raise TypeError("term_blocks: the lengths must be array('B')")
    for tbytes, entry in rows:
        docs = entry[0]
        weights = entry[1]
        values = entry[2]
        if docs.ob_descr.typecode != 73 or weights.ob_descr.typecode != 100:  # "I", "d"
            raise TypeError("term_blocks: postings must be array('I') and array('d')")
        n = Py_SIZE(docs)
        if n == 0 or Py_SIZE(weights) != n:
            raise ValueError("term_blocks: a term's documents and weights do not match")
        start = offset
        if counted and fixedsize != 0:
            values = pack_uint(values[0]) if n == 1 else count_values(values)
        no_values = values is None or fixedsize == 0
        if n == 1 and not compression:
            # one posting: inlined into the term info (``segments.inline_pickle``)
            d = docs.data.as_uints[0]
            w = weights.data.as_doubles[0]
            wf32 = <float>w
            wf = <double>wf32
            if has_lens:
                if d >= <unsigned int>Py_SIZE(lens_arr):
                    raise ValueError("term_blocks: a document past the lengths")
                lb = lens_arr.data.as_uchars[d]
            else:
                lb = 0
            if no_values:
                v = b""  # one empty value (``segments._NO_VALUE``)
            elif counted:
                v = values
            else:
                v = values[0]
            if wf32 >= 0 and wf32 < 16777216 and wf32 == <float><long long>wf32:
                iw = <long long>wf32
            else:
                iw = wf
            maxweight = weights[0] if w > 0 else 0
            tkeys.append(fieldkey + tbytes)
            tvalues.append(
                term_pack(True, wf, 1, lb, lb, maxweight, d, d)
                + inline_pickle(d, iw, v)
            )
            continue
        out = [magic]
        size = len(magic)
        tweight = 0
        tmaxweight = 0
        tminlen = None
        tmaxlen = 0
        for b in range(0, n, blocklimit):
            e = b + blocklimit
            if e > n:
                e = n
            count = e - b
            dw = weights[b:e]
            ws = carray.array("f", dw)
            maxweight = max(dw)
            if not maxweight > 0:
                maxweight = 0
            if has_lens:
                lens = []
                for i in range(b, e):
                    d = docs.data.as_uints[i]
                    if d >= <unsigned int>Py_SIZE(lens_arr):
                        raise ValueError("term_blocks: a document past the lengths")
                    lens.append(lens_arr.data.as_uchars[d])
                minlen = min(lens)
                if minlen == 0:
                    lens_nonzero = [x for x in lens if x]
                    minlen = min(lens_nonzero) if lens_nonzero else None
                maxlen = max(lens)
            else:
                minlen = None
                maxlen = 0
            if count == 1:
                mini_ids = (docs.data.as_uints[b],)
            else:
                mini_ids = tuple([docs.data.as_uints[b]] + [
                    <int64_t>docs.data.as_uints[i] - <int64_t>docs.data.as_uints[i - 1]
                    for i in range(b + 1, e)
                ])
            if ws.count(1.0) == count:
                mini_weights = None
            elif ws.count(ws[0]) == count:
                mini_weights = ws[0]
            elif counted and _whole(ws):
                mini_weights = tuple([<long long>x for x in ws])
            else:
                mini_weights = tuple(ws)
            if no_values:
                vs = None
            elif counted:
                vs = values[4 * b : 4 * e]
            else:
                vals = values[b:e]
                if not all(vals):
                    vals = [v for v in vals if v]
                if fixedsize is None or fixedsize < 0:
                    vs = tuple(vals)
                else:
                    vs = b"".join(vals)
            data = dumps((mini_ids, mini_weights, vs), data_protocol)
            level = compression
            if not level and len(data) >= compress_min:
                level = block_level
            if level:
                data = compressed(data, level)
            info = dumps((count, docs.data.as_uints[e - 1], maxweight, level, minlen or 0, maxlen), 2)
            blocklength = len(info) + len(data)
            out.append(pack_int(-blocklength if e >= n else blocklength))
            out.append(info)
            out.append(data)
            size += 4 + blocklength
            tweight = tweight + sum(ws)  # Python's sum, block by block, as there
            if tminlen is None:
                tminlen = minlen
            elif minlen is not None:
                tminlen = min(tminlen, minlen)
            if maxlen > tmaxlen:
                tmaxlen = maxlen
            if maxweight > tmaxweight:
                tmaxweight = maxweight
        chunk.extend(out)
        chunk_bytes += size
        offset += size
        if chunk_bytes > flush_bytes:
            write(b"".join(chunk))
            del chunk[:]
            chunk_bytes = 0
        tvalues.append(
            term_pack(
                False, tweight, n, tminlen or 0, tmaxlen, tmaxweight,
                docs.data.as_uints[0], docs.data.as_uints[n - 1],
            ) + pack_long(start) + pack_int(size)
        )
        tkeys.append(fieldkey + tbytes)
    return offset, chunk_bytes


cdef extern from "<unistd.h>" nogil:
    ssize_t c_pread "pread" (int fd, void* buf, size_t count, int64_t offset)


cdef extern from "<errno.h>" nogil:
    int c_errno "errno"


cdef struct _Tables:
    # one segment's table of a field's terms, and where its lists lie
    const uint8_t* terms
    int64_t terms_size
    const int64_t* ends
    int64_t nterms
    const int64_t* starts
    const uint32_t* crcs
    int fd
    int64_t docs_at
    int dsize
    int64_t weights_at
    int wsize
    bint wfloat
    int64_t count
    int64_t ndocs
    int64_t offset
    bint deletions


cdef bytes _read_at(int fd, int64_t size, int64_t at):
    """``size`` bytes of ``fd`` from ``at``: fewer only where the file ends."""
    raw = PyBytes_FromStringAndSize(NULL, size)
    cdef char* buf = PyBytes_AS_STRING(raw)
    cdef int64_t done = 0
    cdef ssize_t got
    cdef int err = 0
    with nogil:
        while done < size:
            got = c_pread(fd, buf + done, <size_t>(size - done), at + done)
            if got < 0:
                err = c_errno
                break
            if got == 0:
                break
            done += got
    if err:
        raise OSError(err, os.strerror(err))
    return raw if done == size else raw[:done]


cdef int _look_up(const _Tables* t, const uint8_t* needle, int64_t n, Py_ssize_t* i,
                  int64_t* k) noexcept nogil:
    """Find the term in ``t``'s table: 0 with its number in ``i`` (-1: none) and its
    lists' length in ``k``; 1 when the table points outside itself, 2 when the
    term's lists lie outside the lists."""
    cdef int64_t start, end
    i[0] = _find_term(t.terms, t.terms_size, t.ends, t.nterms, needle, n)
    k[0] = 0
    if i[0] == -2:
        return 1
    if i[0] >= 0:
        start, end = t.starts[i[0]], t.starts[i[0] + 1]
        if not (0 <= start < end <= t.count):
            return 2
        k[0] = end - start
    return 0


cdef int64_t _read_lists(const _Tables* t, Py_ssize_t i, bytes needle, object base,
                         const uint8_t* live, int64_t nlive, int32_t* d, float* w) except -1:
    """Read term ``i``'s lists of ``t`` (found by ``_look_up``), check them against its
    checksum (``base``: the term's own) and its segment, and put its documents
    (numbered in the index: plus ``t.offset``) and weights at ``d`` and ``w``,
    leaving out the documents not ``live`` in a segment with deletions. Returns how
    many were put; ``ValueError`` "short", "changed" or "unsound" (as ``term_lists``
    says), ``OSError`` when the file cannot be read."""
    cdef int64_t start = t.starts[i], k = t.starts[i + 1] - t.starts[i]
    raw_docs = _read_at(t.fd, k * t.dsize, t.docs_at + start * t.dsize)
    raw_weights = _read_at(t.fd, k * t.wsize, t.weights_at + start * t.wsize)
    if len(raw_docs) != k * t.dsize or len(raw_weights) != k * t.wsize:
        raise ValueError("short")
    crc32 = zlib.crc32
    if crc32(raw_weights, crc32(raw_docs, base)) != t.crcs[i]:
        raise ValueError("changed")
    cdef const uint8_t* rd = <const uint8_t*>PyBytes_AS_STRING(raw_docs)
    cdef const uint8_t* rw = <const uint8_t*>PyBytes_AS_STRING(raw_weights)
    cdef int64_t j, v, last = -1, place = 0
    cdef bint unsound = 0
    with nogil:
        for j in range(k):
            v = (<const uint16_t*>rd)[j] if t.dsize == 2 else (<const uint32_t*>rd)[j]
            if v <= last or v >= t.ndocs or (live != NULL and t.offset + v >= nlive):
                unsound = 1
                break
            last = v
            if t.deletions and not live[t.offset + v]:
                continue
            d[place] = <int32_t>(t.offset + v)
            if t.wfloat:
                w[place] = (<const float*>rw)[j]
            elif t.wsize == 1:
                w[place] = rw[j]
            else:
                w[place] = (<const uint16_t*>rw)[j]
            place += 1
    if unsound:
        raise ValueError("unsound")
    return place


cdef int _set_tables(_Tables* t, terms, ends, starts, crcs, int fd, int64_t docs_at,
                     int dsize, int64_t weights_at, int wsize, bint wfloat, int64_t count,
                     int64_t ndocs, int64_t offset, bint deletions) except -1:
    """Fill ``t`` from a table's four arrays (uint8, int64, int64, uint32) and where its
    lists lie; the arrays must stay as they are for as long as ``t`` is used."""
    cdef const uint8_t[::1] tv = terms
    cdef const int64_t[::1] ev = ends
    cdef const int64_t[::1] sv = starts
    cdef const uint32_t[::1] cv = crcs
    if dsize not in (2, 4) or (wfloat and wsize != 4) or (not wfloat and wsize not in (1, 2)):
        raise ValueError("lists of another width")
    if sv.shape[0] != ev.shape[0] + 1 or cv.shape[0] != ev.shape[0]:
        raise ValueError("table")
    t.terms = &tv[0] if tv.shape[0] else NULL
    t.terms_size = tv.shape[0]
    t.ends = &ev[0] if ev.shape[0] else NULL
    t.nterms = ev.shape[0]
    t.starts = &sv[0]
    t.crcs = &cv[0] if cv.shape[0] else NULL
    t.fd, t.docs_at, t.dsize = fd, docs_at, dsize
    t.weights_at, t.wsize, t.wfloat = weights_at, wsize, wfloat
    t.count, t.ndocs, t.offset, t.deletions = count, ndocs, offset, deletions
    return 0


def term_lists(
    terms, ends, starts, crcs, bytes needle, int fd, int64_t docs_at, int dsize,
    int64_t weights_at, int wsize, bint wfloat, int64_t count, int64_t ndocs,
):
    """One term's lists in a segment's file of word lists, read and checked in one
    call: (its number, its documents as int32, its weights as float32), or (-1,
    None, None) when the table has no such term.

    ``terms``, ``ends``, ``starts`` and ``crcs`` are the field's table (uint8, int64,
    int64, uint32); its lists of documents (``dsize`` bytes each: 2 or 4) and
    weights (``wsize`` bytes: 1 or 2, or a float32 when ``wfloat``) lie at
    ``docs_at`` and ``weights_at`` in the file ``fd``, ``count`` entries each. The
    checksum (zlib's CRC-32) covers the term and both lists as read. Raises
    ``ValueError`` whose one argument says what is wrong: "table" (a term lies
    outside the table), "bounds" (the term's lists lie outside the lists), "short"
    (the file ends before them), "changed" (the checksum differs), "unsound" (the
    documents are not rising, or one lies past ``ndocs``); ``OSError`` when the
    file cannot be read."""
    cdef _Tables t
    cdef Py_ssize_t i
    cdef int64_t k
    cdef int found
    cdef const uint8_t* at = <const uint8_t*>PyBytes_AS_STRING(needle)
    cdef int64_t n = len(needle)
    _set_tables(&t, terms, ends, starts, crcs, fd, docs_at, dsize, weights_at, wsize,
                wfloat, count, ndocs, 0, False)
    with nogil:
        found = _look_up(&t, at, n, &i, &k)
    if found:
        raise ValueError("table" if found == 1 else "bounds")
    if i < 0:
        return -1, None, None
    docs = np.empty(k, dtype=np.int32)
    weights = np.empty(k, dtype=np.float32)
    cdef int32_t[::1] d = docs
    cdef float[::1] w = weights
    _read_lists(&t, i, needle, zlib.crc32(needle), NULL, 0, &d[0], &w[0])
    return i, docs, weights


cdef class SegmentTables:
    """One field's tables of terms in the files of word lists of an index's segments,
    held to look a term up in all of them in one call (:meth:`lists`).

    Made from one entry a segment, in the order of the segments' documents: None
    (the segment is left out) or (keep, terms, ends, starts, crcs, fd, docs_at,
    dsize, weights_at, wsize, wfloat, count, ndocs, offset, deletions): a table and
    its lists as ``term_lists`` takes them, the segment's first document's number
    in the index, and whether it has deleted documents; ``keep`` is held for as
    long as this is (what keeps the arrays mapped and the file open)."""

    cdef _Tables* segs
    cdef Py_ssize_t n
    cdef list held

    def __cinit__(self, list entries):
        cdef Py_ssize_t s
        self.n = len(entries)
        self.held = []
        self.segs = <_Tables*> calloc(self.n if self.n else 1, sizeof(_Tables))
        if self.segs == NULL:
            raise MemoryError()
        for s in range(self.n):
            entry = entries[s]
            if entry is None:
                self.segs[s].fd = -1
                continue
            (keep, terms, ends, starts, crcs, fd, docs_at, dsize, weights_at, wsize, wfloat,
             count, ndocs, offset, deletions) = entry
            # the arrays held here keep their buffers (and so their pages) in place
            self.held.append((keep, terms, ends, starts, crcs))
            _set_tables(&self.segs[s], terms, ends, starts, crcs, fd, docs_at, dsize,
                        weights_at, wsize, wfloat, count, ndocs, offset, deletions)

    def __dealloc__(self):
        free(self.segs)

    def __len__(self):
        return self.n

    def lists(self, bytes needle, const uint8_t[::1] live):
        """A term's documents (int32, numbered in the index) and weights (float32) in
        every segment held, in order, the deleted documents (not ``live``) left out;
        and the segments whose table does not have the term, for the caller to
        confirm. Raises ``ValueError(what, segment)`` for the first segment found
        wrong (``what`` as ``term_lists`` says it), ``OSError`` when a file cannot be
        read."""
        cdef int64_t n = len(needle)
        cdef const uint8_t* at = <const uint8_t*>PyBytes_AS_STRING(needle)
        cdef Py_ssize_t s, i, bad_seg = -1
        cdef int bad = 0
        cdef int64_t total = 0, k, place = 0
        found = np.empty(self.n if self.n else 1, dtype=np.int64)
        cdef int64_t[::1] idx = found
        with nogil:
            for s in range(self.n):
                idx[s] = -1
                if self.segs[s].fd < 0:
                    continue
                bad = _look_up(&self.segs[s], at, n, &i, &k)
                if bad:
                    bad_seg = s
                    break
                idx[s] = i
                total += k
        if bad:
            raise ValueError("table" if bad == 1 else "bounds", bad_seg)
        docs = np.empty(total, dtype=np.int32)
        weights = np.empty(total, dtype=np.float32)
        cdef int32_t[::1] d = docs
        cdef float[::1] w = weights
        cdef int32_t* dp = &d[0] if total else NULL
        cdef float* wp = &w[0] if total else NULL
        cdef const uint8_t* alive = &live[0] if live.shape[0] else NULL
        absent = []
        base = zlib.crc32(needle)
        for s in range(self.n):
            if self.segs[s].fd < 0:
                continue
            if idx[s] < 0:
                absent.append(s)
                continue
            try:
                place += _read_lists(&self.segs[s], idx[s], needle, base, alive,
                                     live.shape[0], dp + place, wp + place)
            except ValueError as exc:
                raise ValueError(exc.args[0], s) from None
        return docs[:place], weights[:place], absent
