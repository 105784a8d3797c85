"""The compiled counting loops: the same numbers as numpy (see the brute-force tests
of facets and stories, run both ways), and arrays that do not fit together refused
rather than read out of bounds."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from searchtui import kernels

loops = kernels.loops
needs_loops = pytest.mark.skipif(loops is None, reason="the loops are not compiled here")


@needs_loops
def test_count_values_adds_and_takes_off():
    select = np.array([1, 0, 1], dtype=np.uint8)
    start = np.array([0, 2, 3, 5], dtype=np.int64)
    vals = np.array([0, 1, 1, 1, 2], dtype=np.int32)
    out = np.zeros(3, dtype=np.int64)
    loops.count_values(select, start, vals, out, 1)
    assert out.tolist() == [1, 2, 1]
    loops.count_values(select, start, vals, out, -1)
    assert out.tolist() == [0, 0, 0]


@needs_loops
def test_count_values_refuses_arrays_that_do_not_fit():
    select = np.ones(2, dtype=np.uint8)
    out = np.zeros(2, dtype=np.int64)
    vals = np.array([0, 5], dtype=np.int32)  # 5: no such value
    with pytest.raises(ValueError):
        loops.count_values(select, np.array([0, 1, 2], np.int64), vals, out, 1)
    with pytest.raises(ValueError):  # a document's values past the end
        loops.count_values(select, np.array([0, 1, 9], np.int64), vals[:1], out, 1)
    with pytest.raises(ValueError):  # one start too few
        loops.count_values(select, np.array([0, 1], np.int64), vals, out, 1)
    with pytest.raises(ValueError):  # the wrong type is refused, not reinterpreted
        loops.count_values(select, np.array([0, 1, 2], np.int32), vals, out, 1)


@needs_loops
def test_story_pairs_count_each_pair_once_either_way():
    # two stories: members 0, 1 (story A) and 2 (story B); pairs numbered by (story, value)
    members = np.array([5, 7, 9], dtype=np.int32)
    bounds = np.array([0, 2, 4, 5], dtype=np.int32)
    key = np.array([0, 1, 0, 1, 2], dtype=np.int32)  # A: (A, v0) (A, v1); B: (B, v1)
    val = np.array([0, 1, 0, 1, 1], dtype=np.int32)
    mask = np.zeros(10, dtype=np.uint8)
    mask[[5, 7, 9]] = 1
    out = np.zeros(2, dtype=np.int64)
    loops.count_story_pairs(mask, members, bounds, key, val, 3, out)
    assert out.tolist() == [1, 2]
    # taking off member 7 and 9 from all: (A, v0) and (A, v1) are still held by 5
    mask[[7, 9]] = 0
    out = np.array([1, 2], dtype=np.int64)
    holders = np.array([2, 2, 1], dtype=np.int32)
    loops.count_story_pairs(mask, members, bounds, key, val, 3, out, holders)
    assert out.tolist() == [1, 1]
    mask[[7, 9]] = 1
    with pytest.raises(ValueError):
        loops.count_story_pairs(mask, members, bounds, key, val, 2, out)  # key 2 too big
    with pytest.raises(ValueError):
        loops.count_story_pairs(mask[:6], members, bounds, key, val, 3, out)  # doc 9 missing


@needs_loops
def test_best_in_groups():
    group = np.array([0, 0, 0, 3, 4, 4], dtype=np.int64)
    keys = np.array([[1.0, 2.0, 2.0, 0.0, 5.0, 5.0],
                     [9.0, 1.0, 3.0, 0.0, 1.0, 1.0]])
    assert loops.best_in_groups(group, keys).tolist() == [2, 3, 4]
    assert loops.best_in_groups(group[:0], keys[:, :0]).tolist() == []
    with pytest.raises(ValueError):
        loops.best_in_groups(group, keys[:, :3])


def test_the_build_in_use_is_reported():
    assert kernels.build() in {"compiled", "numpy"}
    env = dict(os.environ, SEARCHTUI_PURE_PYTHON="1")
    proc = subprocess.run(
        [sys.executable, "-c", "from searchtui import kernels; print(kernels.build())"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.stdout.strip() == "numpy", proc.stderr
