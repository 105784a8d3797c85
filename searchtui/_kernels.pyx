# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Counting loops over the engine's arrays, compiled (see ``setup.py`` and ``kernels.py``).

Each loop reads its arrays once, where the same count in numpy takes several
passes and temporary arrays. Every index read from an array is checked against
the array it indexes, so arrays that do not fit together raise ``ValueError``
instead of reading or writing out of bounds.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport calloc, free


def count_values(
    const uint8_t[::1] select,
    const int64_t[::1] start,
    const int32_t[::1] vals,
    int64_t[::1] out,
    int64_t step,
):
    """Add ``step`` to ``out[v]`` for each document ``d`` with ``select[d]`` set and
    each value ``v`` it holds: ``vals[start[d]:start[d + 1]]``."""
    cdef Py_ssize_t n = select.shape[0]
    cdef Py_ssize_t nvals = vals.shape[0]
    cdef Py_ssize_t nout = out.shape[0]
    cdef Py_ssize_t d
    cdef int64_t j, lo, hi
    cdef int32_t v
    cdef int bad = 0
    if start.shape[0] != n + 1:
        raise ValueError("count_values: start must have one more entry than select")
    with nogil:
        for d in range(n):
            if not select[d]:
                continue
            lo = start[d]
            hi = start[d + 1]
            if lo < 0 or hi > nvals or lo > hi:
                bad = 1
                break
            for j in range(lo, hi):
                v = vals[j]
                if v < 0 or v >= nout:
                    bad = 1
                    break
                out[v] += step
            if bad:
                break
    if bad:
        raise ValueError("count_values: a document's values lie outside the arrays")


def count_story_pairs(
    const uint8_t[::1] mask,
    const int32_t[::1] members,
    const int32_t[::1] bounds,
    const int32_t[::1] pair_key,
    const int32_t[::1] pair_val,
    Py_ssize_t nkeys,
    int64_t[::1] out,
    int32_t[::1] holders=None,
):
    """Count the distinct (story, value) pairs among the documents ``members[i]``
    that have ``mask`` set: add one to ``out[v]`` for each pair of value ``v``.

    Member ``i``'s pairs are ``pair_key[bounds[i]:bounds[i + 1]]``, each the number
    of a (story, value) pair whose value is ``value_of[key]``.

    With ``holders`` (each pair's number of members holding it, changed here),
    ``out`` holds the count over all members, and the members without ``mask``
    are taken off instead: a pair is gone when its last holder is."""
    cdef Py_ssize_t g = members.shape[0]
    cdef Py_ssize_t n = mask.shape[0]
    cdef Py_ssize_t npairs = pair_key.shape[0]
    cdef Py_ssize_t nout = out.shape[0]
    cdef Py_ssize_t i
    cdef int32_t doc, j, lo, hi, key, v
    cdef int bad = 0
    cdef bint taking_off = holders is not None
    cdef uint8_t want = 0 if taking_off else 1
    cdef uint8_t *seen = NULL
    if bounds.shape[0] != g + 1 or pair_val.shape[0] != npairs:
        raise ValueError("count_story_pairs: bounds must have one more entry than members")
    if taking_off:
        if holders.shape[0] != nkeys:
            raise ValueError("count_story_pairs: holders and value_of differ in length")
    else:
        seen = <uint8_t *> calloc(nkeys if nkeys else 1, 1)
        if seen == NULL:
            raise MemoryError()
    try:
        with nogil:
            for i in range(g):
                doc = members[i]
                if doc < 0 or doc >= n:
                    bad = 1
                    break
                if (mask[doc] != 0) != want:
                    continue
                lo = bounds[i]
                hi = bounds[i + 1]
                if lo < 0 or hi > npairs or lo > hi:
                    bad = 1
                    break
                for j in range(lo, hi):
                    key = pair_key[j]
                    if key < 0 or key >= nkeys:
                        bad = 1
                        break
                    v = pair_val[j]
                    if v < 0 or v >= nout:
                        bad = 1
                        break
                    # branch-free: whether a pair is new to the count is unpredictable
                    if taking_off:
                        holders[key] -= 1
                        out[v] -= holders[key] == 0
                    else:
                        out[v] += 1 - seen[key]
                        seen[key] = 1
                if bad:
                    break
    finally:
        free(seen)
    if bad:
        raise ValueError("count_story_pairs: a pair lies outside the arrays")


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
