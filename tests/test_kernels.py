"""The compiled counting loops: the same numbers as numpy (see the brute-force tests
of facets and stories, run both ways), and arrays that do not fit together refused
rather than read out of bounds."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 4000),
    share=st.floats(0, 1),
    row_type=st.sampled_from([np.uint16, np.int32]),
    count_type=st.sampled_from([np.int32, np.int64]),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_count_values_counts_what_numpy_counts(seed, n, share, row_type, count_type, cut):
    """Counted in batches with their values asked for ahead (across many batches of
    selected documents, rows empty or long, any range of documents): numpy's count."""
    rng = np.random.default_rng(seed)
    lens = rng.integers(0, 40, n)
    lens[rng.random(n) < 0.1] = 0
    start = np.zeros(n + 1, np.int64)
    np.cumsum(lens, out=start[1:])
    nout = 300
    vals = rng.integers(0, nout, int(start[-1])).astype(row_type)
    select = (rng.random(n) < share).astype(np.uint8)
    first, last = sorted(int(c * n) for c in cut)
    out = np.zeros(nout, count_type)
    loops.count_values(select, start, vals, out, 1, first, last)
    chosen = [d for d in range(first, last) if select[d]]
    want = np.zeros(nout, np.int64)
    for d in chosen:
        np.add.at(want, vals[start[d] : start[d + 1]].astype(np.int64), 1)
    assert out.tolist() == want.tolist()


@needs_loops
def test_count_values_refuses_a_bad_value_far_into_the_documents():
    n = 3000
    start = np.arange(n + 1, dtype=np.int64)
    vals = np.zeros(n, np.int32)
    vals[2900] = 7  # no such value, in a late batch of selected documents
    out = np.zeros(5, np.int64)
    with pytest.raises(ValueError):
        loops.count_values(np.ones(n, np.uint8), start, vals, out, 1)
    bad_start = start.copy()
    bad_start[2901:] += 10**6  # rows past the end, late on
    with pytest.raises(ValueError):
        loops.count_values(np.ones(n, np.uint8), bad_start, vals, out, 1)


def _stories_table(story_of_member, docs, held):
    """The arrays count_story_values reads, for members (in story order) of the given
    stories and documents, each holding the values ``held[i]``."""
    story_of_member = np.asarray(story_of_member)
    nstories = int(story_of_member.max()) + 1
    story_members = np.searchsorted(story_of_member, np.arange(nstories + 1))
    pairs = zip(story_of_member, held, strict=True)
    keys = sorted({(int(s), v) for s, vals in pairs for v in vals})
    number = {k: i for i, k in enumerate(keys)}
    story_keys = np.searchsorted(np.array([s for s, _ in keys]), np.arange(nstories + 1))
    holders = np.zeros(len(keys), dtype=np.uint64)
    pair_key = []
    for i, (s, vals) in enumerate(zip(story_of_member, held, strict=True)):
        place = i - story_members[s]
        for v in vals:
            if place < 64:
                holders[number[(int(s), v)]] |= np.uint64(1) << np.uint64(place)
            pair_key.append(number[(int(s), v)])
    bounds = np.concatenate(([0], np.cumsum([len(v) for v in held])))
    value_of = np.array([v for _, v in keys], np.int32)
    table = (
        np.asarray(docs, np.int32), story_members.astype(np.int32),
        story_keys.astype(np.int32), holders, value_of, bounds.astype(np.int32),
        np.array(pair_key, np.int32),
    )
    return table, np.bincount(value_of, minlength=int(value_of.max()) + 1).astype(np.int64)


@needs_loops
def test_story_values_count_each_story_once_for_each_value():
    # story 0: documents 5 and 7; story 1: document 9
    table, everyone = _stories_table([0, 0, 1], [5, 7, 9], [[0, 1], [0, 1], [1]])
    mask = np.zeros(10, dtype=np.uint8)
    mask[[5, 7, 9]] = 1
    out = np.zeros(2, dtype=np.int64)
    loops.count_story_values(mask, *table, everyone, out)
    assert out.tolist() == [1, 2]
    mask[5] = 0  # document 7 alone holds story 0's values
    out[:] = 0
    loops.count_story_values(mask, *table, everyone, out)
    assert out.tolist() == [1, 2]
    mask[[7, 9]] = 0
    out[:] = 0
    loops.count_story_values(mask, *table, everyone, out)
    assert out.tolist() == [0, 0]


@needs_loops
def test_a_story_of_more_than_64_copies_counts_what_its_later_copies_add():
    n = 100
    held = [[0]] * n
    held[80] = [0, 1]  # only a late copy holds value 1
    table, everyone = _stories_table([0] * n, list(range(n)), held)
    mask = np.zeros(n, dtype=np.uint8)
    out = np.zeros(2, dtype=np.int64)
    mask[80] = 1
    loops.count_story_values(mask, *table, everyone, out)
    assert out.tolist() == [1, 1]
    mask[[3, 81, 90]] = 1
    out[:] = 0
    loops.count_story_values(mask, *table, everyone, out)
    assert out.tolist() == [1, 1]
    mask[80] = 0
    out[:] = 0
    loops.count_story_values(mask, *table, everyone, out)
    assert out.tolist() == [1, 0]


@needs_loops
def test_story_values_refuse_arrays_that_do_not_fit():
    table, everyone = _stories_table([0, 0, 1], [5, 7, 9], [[0, 1], [0, 1], [1]])
    members, story_members, story_keys, holders, value_of, bounds, keys = table
    mask = np.ones(10, dtype=np.uint8)
    mask[7] = 0  # not all of them: the pairs are read
    out = np.zeros(2, dtype=np.int64)
    with pytest.raises(ValueError):  # a value past the counts
        loops.count_story_values(mask, members, story_members, story_keys, holders,
                                 np.array([0, 1, 2], np.int32), bounds, keys, everyone, out)
    with pytest.raises(ValueError):  # document 9 is not in the mask
        loops.count_story_values(mask[:6], members, story_members, story_keys, holders,
                                 value_of, bounds, keys, everyone, out)
    with pytest.raises(ValueError):  # a story's keys past the end
        loops.count_story_values(mask, members, story_members, np.array([0, 2, 9], np.int32),
                                 holders, value_of, bounds, keys, everyone, out)


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


@needs_loops
def test_masked_span_and_bincount():
    mask = np.array([1, 1, 0, 1, 1], dtype=np.uint8)
    keys = np.array([7, -1, 2, 9, 7], dtype=np.int64)
    assert loops.masked_span(mask, keys, -1) == (7, 9, 3, 1)
    assert loops.masked_span(np.zeros(5, np.uint8), keys, -1) == (0, 0, 0, 0)
    out = np.zeros(3, dtype=np.int64)
    loops.masked_bincount(mask, keys, -1, 7, out)
    assert out.tolist() == [2, 0, 1]
    with pytest.raises(ValueError):  # 9 lies past the counts
        loops.masked_bincount(mask, keys, -1, 7, np.zeros(2, np.int64))
    with pytest.raises(ValueError):
        loops.masked_span(mask[:3], keys, -1)


@needs_loops
def test_equal_shares_are_numpys():
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 4, size=(300, 128)).astype(np.uint32)
    pairs = rng.integers(0, 300, size=(2000, 2))
    want = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1).astype(np.float32)
    assert np.array_equal(loops.equal_shares(sigs, pairs), want)
    with pytest.raises(ValueError):
        loops.equal_shares(sigs, np.array([[0, 300]]))


def _same_signature(text: str, shingle: int) -> None:
    from searchtui import stories

    want = stories._signature_numpy(text, shingle)
    got = stories.signature(text, shingle)
    if want is None:
        assert got is None
    else:
        assert got is not None and got.dtype == np.uint32 and np.array_equal(got, want)


SIGNATURE_TEXTS = [
    "",
    "one two three",
    "one two three four five six seven eight nine ten",  # just enough shingles
    "word " * 3000,  # one shingle again and again: one full bin, the rest from it
    "Zürich’s café — “naïve” façade… " * 20,
    "A" * 40 + " " + "b" * 5 + " 17 " * 30,  # words past the table's 16 places
    "\n\n  leading and trailing spaces, punctuation!!! and: more; words?  ",
]


@needs_loops
@pytest.mark.parametrize("shingle", [1, 2, 3, 4])
@pytest.mark.parametrize("text", SIGNATURE_TEXTS)
def test_story_signature_is_numpys(text, shingle):
    _same_signature(text, shingle)


@needs_loops
@settings(max_examples=300, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=400),
    st.integers(min_value=1, max_value=5),
)
def test_story_signature_of_any_text_is_numpys(text, shingle):
    _same_signature(text, shingle)


@needs_loops
def test_story_signature_on_real_articles():
    from conftest import shared_path

    folder = shared_path("corpora", "wikinews")
    if not folder.is_dir():
        pytest.skip("the shared corpora are not here")
    files = sorted(folder.glob("*.txt"))[:150]
    assert files
    for f in files:
        _same_signature(f.read_text(encoding="utf-8"), 3)


@needs_loops
def test_story_signature_refuses_what_does_not_fit():
    from searchtui import stories

    args = (stories._MIX, int(stories._FINAL), 3, 8)
    with pytest.raises(ValueError):
        loops.story_signature(b"a b c", stories._TABLE[:100], *args, 128)
    with pytest.raises(ValueError):
        loops.story_signature(b"a b c", stories._TABLE, *args, 100)  # not a power of two


def _python_positions(text: str) -> dict[str, list[int]]:
    """``schema.analyse_positions`` as plain Python, whatever is compiled."""
    from searchtui import schema

    saved = kernels.loops
    kernels.loops = None
    try:
        return dict(schema.analyse_positions(text))
    finally:
        kernels.loops = saved


TEXTS = [
    "",
    "One.",
    "The Fed cut rates. Markets rose; the dollar fell!\n\nU.S. stocks, up 3.5%, led.",
    "GOVERNMENT SAYS TALKS WILL RESUME. Officials said so... Then nothing.",
    "Zürich's café — naïve façade. Crème brûlée? Ja.",
    ". . . Leading dots, then words",
    "a b c d e f g the of and",  # stop words and one-letter words: positions, no terms
]


@needs_loops
@pytest.mark.parametrize("text", TEXTS)
def test_term_positions_are_the_analyzers(text):
    from searchtui import schema

    assert schema.analyse_positions(text) == _python_positions(text)


@needs_loops
def test_term_positions_on_real_articles():
    from conftest import shared_path

    from searchtui import schema

    folder = shared_path("corpora", "wikinews")
    if not folder.is_dir():
        pytest.skip("the shared corpora are not here")
    files = sorted(folder.glob("*.txt"))[:120]
    assert files
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert schema.analyse_positions(text) == _python_positions(text), f.name


@needs_loops
@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_term_positions_of_any_text_are_the_analyzers(text):
    from searchtui import schema

    assert schema.analyse_positions(text) == _python_positions(text)


@needs_loops
def test_positions_value_is_whooshs_encoding():
    import random

    from whoosh.formats import Positions

    encode = Positions().encode
    rnd = random.Random(5)
    cases = [[0], [255], [256], [65535], [65536], [2**31 - 1], [3, 3 + 2**31 - 1],
             [0, 1], list(range(999)), list(range(1000)), list(range(1001)),
             list(range(0, 3000, 3)), list(range(2000))]
    for _ in range(3000):
        n = rnd.choice([1, 2, 3, 10, 200, 999, 1000, 1001, 2500])
        cases.append(sorted(rnd.sample(range(200_000), n)))
    for positions in cases:
        assert loops.positions_value(positions) == encode(positions), positions[:5]
    # a gap pickle writes otherwise (past 32 bits) is left to the caller
    assert loops.positions_value([0, 2**31]) is None


@needs_loops
def test_text_postings_are_collected_as_in_python():
    from searchtui import schema
    from searchtui.whooshext import segments

    texts = [t for t in TEXTS if t] + ["Rates. " * 1200 + "rates rose", "word " * 5]
    for fb, fieldboost in [(1.0, 1.0), (2.0, 1.0), (1.0, 1.5), (2.0, 3.0)]:
        compiled: dict = {}
        plain: dict = {}
        got, want = [], []
        for docnum, text in enumerate(texts * 2):
            poses = _python_positions(text)
            got.append(segments._add_text(compiled, poses, docnum, fb, fieldboost))
            saved = kernels.loops
            kernels.loops = None
            try:
                want.append(segments._add_text(plain, poses, docnum, fb, fieldboost))
            finally:
                kernels.loops = saved
        assert got == want
        assert compiled.keys() == plain.keys()
        for term, (docs, weights, values) in plain.items():
            assert compiled[term][0] == docs and compiled[term][1] == weights
            assert compiled[term][2] == values, term
    assert schema.analyse_positions("") == {}


def _counted_both_ways(texts, boosts, settle_every: int, start: dict | None = None):
    """The entries (and each document's returned counts) of ``texts`` added flat
    (``_FlatField``, settled every ``settle_every`` documents and at the end) and by
    ``_add_counted`` from the Python positions, both onto copies of ``start``."""
    import copy

    from searchtui.whooshext import segments

    flat_table = copy.deepcopy(start or {})
    plain_table = copy.deepcopy(start or {})
    flat = segments._FlatField()
    got, want = [], []
    for docnum, (text, (fb, fieldboost)) in enumerate(zip(texts, boosts, strict=True)):
        got.append(flat.add(text, docnum, fb, fieldboost, flat_table))
        if settle_every and docnum % settle_every == settle_every - 1:
            flat.settle(flat_table)
        with mock.patch.object(kernels, "loops", None):
            want.append(segments._add_counted(
                plain_table, _python_positions(text), docnum, fb, fieldboost
            ))
    flat.settle(flat_table)
    return got, want, flat_table, plain_table


def _assert_same_entries(flat_table: dict, plain_table: dict) -> None:
    assert flat_table.keys() == plain_table.keys()
    for term, lists in plain_table.items():
        got = flat_table[term]
        assert [a.typecode for a in got] == [a.typecode for a in lists], term
        assert got == lists, term
        assert len(lists[3]) == sum(lists[2])


@needs_loops
@pytest.mark.parametrize("settle_every", [0, 1, 3])
def test_flat_words_make_the_entries_add_counted_makes(settle_every):
    """A field whose positions are kept beside the segment, collected flat and settled
    (once, after every document, or every third): the same documents, weights, counts
    and positions per term, and the same counts returned per document, as
    ``_add_counted`` from the analyzer's positions."""
    texts = [t for t in TEXTS] + [
        "Rates. " * 1200 + "rates rose", "word " * 5, "rates RATES Rates rated rating",
        "The the THE. Of of.", "Ärger über Öl: 12 345 6,7 ½ x²",
    ]
    texts = texts * 3
    cycle = [(1.0, 1.0), (2.0, 1.0), (1.0, 1.5), (2.0, 3.0), (0.5, 0.25)]
    boosts = [cycle[i % len(cycle)] for i in range(len(texts))]
    got, want, flat_table, plain_table = _counted_both_ways(texts, boosts, settle_every)
    assert got == want
    _assert_same_entries(flat_table, plain_table)


@needs_loops
def test_flat_words_extend_entries_already_there():
    """Entries made before (a merged segment's terms, say) are extended after their own
    postings, and a term they hold is not counted as new."""
    from array import array

    start = {
        "rate": [array("I", [0]), array("d", [2.0]), array("I", [2]), array("I", [3, 9])],
        "zzz": [array("I", [1]), array("d", [1.0]), array("I", [1]), array("I", [0])],
    }
    texts = ["Rates rose and rates fell.", "Nothing of the sort.", "rate rate rate"]
    got, want, flat_table, plain_table = _counted_both_ways(
        texts, [(1.0, 1.0)] * 3, 2, start=start
    )
    assert got == want
    _assert_same_entries(flat_table, plain_table)
    assert list(flat_table["rate"][0]) == [0, 0, 2]


@needs_loops
@settings(max_examples=150, deadline=None)
@given(st.lists(
    st.lists(st.sampled_from(list("abcAB .!?\n'é1") + [
        "rate", "Rates", "the", "U.S", "Fed", "cut", ". ", "word"]), max_size=60).map("".join),
    min_size=1, max_size=8,
), st.integers(0, 3))
def test_flat_words_on_random_texts(texts, settle_every):
    boosts = [(1.0, 1.0 + (i % 3) / 2) for i in range(len(texts))]
    got, want, flat_table, plain_table = _counted_both_ways(texts, boosts, settle_every)
    assert got == want
    _assert_same_entries(flat_table, plain_table)


@needs_loops
def test_flat_words_on_real_articles():
    from conftest import shared_path

    from searchtui.articles import read_file

    folder = shared_path("corpora", "wikinews")
    if not folder.is_dir():
        pytest.skip(f"{folder} is not available")
    texts = []
    for path in sorted(folder.glob("*.txt"))[:120]:
        for art in read_file(path).articles:
            texts.append(art.body)
    got, want, flat_table, plain_table = _counted_both_ways(
        texts, [(1.0, 1.0)] * len(texts), 50
    )
    assert got == want
    _assert_same_entries(flat_table, plain_table)


@needs_loops
def test_flat_lists_that_do_not_fit_are_refused():
    from array import array

    from searchtui.whooshext import segments

    flat = segments._FlatField()
    with pytest.raises(ValueError, match="serials"):
        loops.add_flat_words(["a"], {}, [], {}, str, 1, array("I"), array("I"), array("I"),
                             array("I"), array("I"), 0, {})
    with pytest.raises(TypeError):
        loops.add_flat_words(["a"], {}, [], {}, str, 1, array("i"), array("I"), array("I"),
                             array("I"), array("I"), 1, {})
    with pytest.raises(ValueError, match="32 bits"):
        loops.add_flat_words(["a", "", "b"], {}, [], {}, str, 2**32, flat.ids, flat.places,
                             flat.npos, flat.nposts, flat.mark, 1, {})
    assert len(flat.ids) == len(flat.places) == len(flat.npos) == 0  # nothing half-added
    flat.add("rates rose", 0, 1.0, 1.0, {})

    def failing(word):
        if word == "boom":
            raise RuntimeError("boom")
        return word.lower()

    # a document whose words fail half-way leaves nothing behind
    with pytest.raises(RuntimeError):
        loops.add_flat_words(["rates", "fell", "boom"], flat.word_ids, flat.terms,
                             flat.term_ids, failing, 1, flat.ids, flat.places, flat.npos,
                             flat.nposts, flat.mark, 2, {})
    assert list(flat.ids) == [0, 1] and list(flat.npos[:2]) == [1, 1]
    assert list(flat.nposts[:2]) == [1, 1]
    table: dict = {}
    flat.settle(table)
    assert sorted(table) == ["rate", "rose"]
    flat.add("rates rose", 0, 1.0, 1.0, {})
    flat.ids[0] = 99  # a term number past the terms
    with pytest.raises(ValueError, match="past the terms"):
        flat.settle({})
    flat = segments._FlatField()
    flat.add("rates rose", 0, 1.0, 1.0, {})
    flat.npos[0] += 1  # counts that do not fit
    table: dict = {}
    with pytest.raises(ValueError, match="do not fit"):
        flat.settle(table)


def _term_table(terms: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    blob = np.frombuffer(b"".join(terms), dtype=np.uint8)
    ends = np.cumsum([len(t) for t in terms]).astype(np.int64)
    return blob, ends


@needs_loops
@settings(max_examples=300, deadline=None)
@given(st.sets(st.binary(max_size=5), max_size=40), st.binary(max_size=6))
def test_find_term_finds_what_a_walk_finds(terms, needle):
    """Any sorted table (empty terms, terms that begin others, bytes past 127) and any
    needle: the term's number, or -1; as the plain Python search of the file says."""
    from searchtui.whooshext import docfile

    ordered = sorted(terms)
    blob, ends = _term_table(ordered)
    expected = ordered.index(needle) if needle in terms else -1
    if ordered:
        assert loops.find_term(blob, ends, needle) == expected
    field = docfile._Field(blob, ends, np.zeros(len(ends) + 1, np.int64), None, None,
                           np.zeros(len(ends), np.uint32))
    assert field.find(needle) == expected
    with mock.patch.object(kernels, "loops", None):  # the search in Python
        assert field.find(needle) == expected


@needs_loops
def test_find_term_refuses_a_table_that_points_outside():
    blob, ends = _term_table([b"alpha", b"beta", b"gamma"])
    assert loops.find_term(blob, ends, b"beta") == 1
    with pytest.raises(ValueError):
        loops.find_term(blob, np.array([5, 99, 14], np.int64), b"beta")
    with pytest.raises(ValueError):  # an end before its start
        loops.find_term(blob, np.array([5, 3, 14], np.int64), b"beta")


def _best_by_numpy(mask, score, k):
    docs = np.flatnonzero(mask)
    if len(docs) <= k:
        return docs
    s = score[docs]
    return docs[s >= s[np.argpartition(-s, k - 1)[:k]].min()]


@needs_loops
@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 3000),
    k=st.integers(1, 60),
    share=st.floats(0, 1),
    levels=st.integers(1, 50),
)
def test_best_scored_keeps_the_k_best_and_their_ties(seed, n, k, share, levels):
    """best_scored gives the documents whose score reaches the k-th best, ties kept."""
    rng = np.random.default_rng(seed)
    mask = rng.random(n) < share
    # few score levels: many ties at the cut
    score = (rng.integers(0, levels, n) / levels).astype(np.float32)
    got = loops.best_scored(mask.view(np.uint8), score, k)
    assert got.dtype == np.int64
    assert np.array_equal(got, _best_by_numpy(mask, score, k))


@needs_loops
@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 3000),
    k=st.integers(1, 60),
    share=st.floats(0, 1),
    newest=st.booleans(),
)
def test_first_by_day_is_the_order_by_day_then_document(seed, n, k, share, newest):
    rng = np.random.default_rng(seed)
    mask = rng.random(n) < share
    no_date, undated_last = -(2**62), 10**9
    days = rng.integers(730_000, 730_040, n)  # many documents a day
    days[rng.random(n) < 0.2] = no_date
    got = loops.first_by_day(mask.view(np.uint8), days, k, newest, no_date, undated_last)
    docs = np.flatnonzero(mask)
    d = days[docs]
    if newest:  # newest first, the later document first on a day, undated last
        order = np.lexsort((-docs, -np.where(d == no_date, -undated_last, d)))
    else:
        order = np.lexsort((docs, np.where(d == no_date, undated_last, d)))
    assert sorted(got.tolist()) == sorted(docs[order][:k].tolist())


@needs_loops
def test_best_loops_refuse_arrays_that_do_not_fit():
    mask = np.ones(5, np.uint8)
    with pytest.raises(ValueError):
        loops.best_scored(mask, np.zeros(4, np.float32), 3)
    with pytest.raises(ValueError):
        loops.best_scored(mask, np.zeros(5, np.float32), 0)
    with pytest.raises(ValueError):
        loops.first_by_day(mask, np.zeros(6, np.int64), 3, True, -1, 10**9)
    with pytest.raises(ValueError):
        loops.first_by_day(mask, np.zeros(5, np.int64), 0, True, -1, 10**9)


@needs_loops
@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 2000),
    share=st.floats(0, 1),
    boost=st.sampled_from([1.0, 2.5, 0.3, 1e-3]),
    count=st.integers(1, 10**6),
)
def test_scored_postings_are_numpys_bm25_to_the_bit(seed, n, share, boost, count):
    """The compiled BM25 gives the bits of the numpy formula over float32 arrays, so
    ranking does not depend on whether the loops are built."""
    from searchtui.arrays import K1, B

    rng = np.random.default_rng(seed)
    ids = np.flatnonzero(rng.random(n) < share).astype(np.int32)
    tf = rng.integers(1, 40, len(ids)).astype(np.float32)
    lengths = rng.integers(0, 3000, n).astype(np.float32)
    avg = float(lengths.mean()) or 1.0
    df = len(ids)
    idf = float(np.log(1 + (count - df + 0.5) / (df + 0.5)))
    mask = np.zeros(n, bool)
    score = np.zeros(n, np.float32)
    loops.scored_postings(ids, tf, lengths, idf, K1, B, avg, boost, mask.view(np.uint8), score)
    dl = lengths[ids]
    expected = np.zeros(n, np.float32)
    expected[ids] = (idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avg))).astype(
        np.float32
    ) * boost
    assert np.array_equal(mask, np.isin(np.arange(n), ids))
    assert np.array_equal(score.view(np.uint32), expected.view(np.uint32))
    # a second word over the same arrays: each document keeps its best score
    before = rng.random(n).astype(np.float32) * expected.max(initial=1.0)
    best = before.copy()
    mask[:] = False
    loops.scored_postings(ids, tf, lengths, idf, K1, B, avg, boost, mask.view(np.uint8), best,
                          True)
    kept = before.copy()
    kept[ids] = np.maximum(before[ids], expected[ids])
    assert np.array_equal(best.view(np.uint32), kept.view(np.uint32))
    assert np.array_equal(mask, np.isin(np.arange(n), ids))


@needs_loops
def test_scored_postings_refuse_documents_outside():
    mask, score = np.zeros(4, np.uint8), np.zeros(4, np.float32)
    lengths = np.ones(4, np.float32)
    with pytest.raises(ValueError):
        loops.scored_postings(np.array([1, 4], np.int32), np.ones(2, np.float32), lengths,
                              1.0, 1.2, 0.75, 1.0, 1.0, mask, score)
    with pytest.raises(ValueError):
        loops.scored_postings(np.array([1], np.int32), np.ones(2, np.float32), lengths,
                              1.0, 1.2, 0.75, 1.0, 1.0, mask, score)


@needs_loops
@settings(max_examples=200, deadline=None)
@given(
    a=st.lists(st.integers(-(2**62), 2**62), max_size=200),
    b=st.lists(st.integers(-(2**62), 2**62), max_size=200),
    shared=st.lists(st.integers(0, 2**40), max_size=50),
)
def test_intersect_sorted_is_intersect1d(a, b, shared):
    x = np.unique(np.array(a + shared, dtype=np.int64))
    y = np.unique(np.array(b + shared, dtype=np.int64))
    assert np.array_equal(loops.intersect_sorted(x, y), np.intersect1d(x, y))


@needs_loops
def test_intersect_sorted_refuses_values_out_of_order():
    with pytest.raises(ValueError):
        loops.intersect_sorted(np.array([1, 3, 2], np.int64), np.array([2], np.int64))
    with pytest.raises(ValueError):
        loops.intersect_sorted(np.array([1], np.int64), np.array([2, 2], np.int64))


@needs_loops
@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), ndocs=st.integers(0, 60), npairs=st.integers(0, 400),
)
def test_values_by_document_are_a_stable_sort_by_document(seed, ndocs, npairs):
    """Scattering the pairs to their documents' runs gives what numpy's stable sort of
    the pairs by document gives (each document's values in the pairs' order)."""
    rng = np.random.default_rng(seed)
    if ndocs == 0:
        npairs = 0
    pair_doc = rng.integers(0, max(ndocs, 1), size=npairs).astype(np.int32)
    pair_val = rng.integers(0, 1000, size=npairs).astype(np.int32)
    doc_start = np.zeros(ndocs + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_doc, minlength=ndocs), out=doc_start[1:])
    out = np.empty(npairs, dtype=np.int32)
    kernels.loops.values_by_document(pair_doc, pair_val, doc_start, out)
    assert np.array_equal(out, pair_val[np.argsort(pair_doc, kind="stable")])


@needs_loops
def test_values_by_document_refuses_runs_that_do_not_fit():
    pair_doc = np.array([0, 1, 1], dtype=np.int32)
    pair_val = np.array([5, 6, 7], dtype=np.int32)
    out = np.empty(3, dtype=np.int32)
    loops = kernels.loops
    for doc_start in ([0, 2, 3], [0, 1, 2], [1, 1, 3]):  # too short a run for 1; not covering
        with pytest.raises(ValueError):
            loops.values_by_document(pair_doc, pair_val, np.array(doc_start, np.int64), out)
    with pytest.raises(ValueError):  # a document past the runs
        loops.values_by_document(np.array([0, 1, 2], np.int32), pair_val,
                                 np.array([0, 1, 3], np.int64), out)


def _pairs_by_value_numpy(value_of, pair_term, pair_doc, ndocs):
    """What ``FacetIndex.from_pairs`` computes without the kernel: each (value,
    document) once, by value, then document."""
    width = np.int64(max(ndocs, 1))
    keys = np.unique(value_of[pair_term] * width + pair_doc)
    return (keys % width).astype(np.int32), (keys // width).astype(np.int32)


@needs_loops
@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), nterms=st.integers(0, 30), nvalues=st.integers(1, 12),
    ndocs=st.integers(1, 80), segments=st.integers(1, 5),
)
def test_pairs_by_value_is_the_sort_of_the_pairs_by_value(seed, nterms, nvalues, ndocs, segments):
    """Pairs as the segments give them (each segment's documents after the last one's,
    by term, then document), several terms shown as one value: the kernel gives what
    sorting the (value, document) keys and dropping repeats gives, and where each
    value's pairs start."""
    rng = np.random.default_rng(seed)
    value_of = rng.integers(0, nvalues, size=nterms).astype(np.int64)
    bounds = np.sort(rng.integers(0, ndocs + 1, size=segments - 1))
    terms, docs = [], []
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), ndocs], strict=True):
        for t in range(nterms):
            held = np.flatnonzero(rng.random(hi - lo) < 0.3) + lo
            terms.append(np.full(len(held), t, dtype=np.int64))
            docs.append(held.astype(np.int64))
    pair_term = np.concatenate(terms) if terms else np.zeros(0, np.int64)
    pair_doc = np.concatenate(docs) if docs else np.zeros(0, np.int64)
    got_docs, got_vals, starts = loops.pairs_by_value(
        value_of, pair_term, pair_doc, nvalues, ndocs
    )
    want_docs, want_vals = _pairs_by_value_numpy(value_of, pair_term, pair_doc, ndocs)
    assert np.array_equal(got_docs, want_docs) and np.array_equal(got_vals, want_vals)
    assert got_docs.dtype == got_vals.dtype == np.int32
    assert np.array_equal(starts, np.searchsorted(want_vals, np.arange(nvalues + 1)))


@needs_loops
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), npairs=st.integers(0, 300))
def test_pairs_by_value_takes_pairs_in_any_order(seed, npairs):
    """Pairs in no order at all, repeats included."""
    rng = np.random.default_rng(seed)
    value_of = rng.integers(0, 7, size=20).astype(np.int64)
    pair_term = rng.integers(0, 20, size=npairs).astype(np.int64)
    pair_doc = rng.integers(0, 50, size=npairs).astype(np.int64)
    got_docs, got_vals, _starts = loops.pairs_by_value(value_of, pair_term, pair_doc, 7, 50)
    want_docs, want_vals = _pairs_by_value_numpy(value_of, pair_term, pair_doc, 50)
    assert np.array_equal(got_docs, want_docs) and np.array_equal(got_vals, want_vals)


@needs_loops
def test_pairs_by_value_refuses_what_lies_outside():
    one = np.array([0], np.int64)
    for value_of, pair_term, pair_doc, nvalues, ndocs in [
        (np.array([3], np.int64), one, one, 3, 5),  # a value past the values
        (np.array([-1], np.int64), one, one, 3, 5),
        (one, np.array([1], np.int64), one, 3, 5),  # a term past the terms
        (one, one, np.array([5], np.int64), 3, 5),  # a document past the documents
        (one, one, np.array([-1], np.int64), 3, 5),
        (one, np.array([0, 0], np.int64), one, 3, 5),  # terms and documents differ
    ]:
        with pytest.raises(ValueError):
            loops.pairs_by_value(value_of, pair_term, pair_doc, nvalues, ndocs)


@needs_loops
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), ndocs=st.integers(1, 60))
def test_facets_from_pairs_are_the_same_with_and_without_the_kernel(seed, ndocs):
    """A facet built from a field's pairs, names joined by a table (two spellings
    shown as one): the same arrays by the counting kernel as by sorting the keys, and
    the same facet as one built from the values' posting lists."""
    from searchtui.facets import FacetIndex

    rng = np.random.default_rng(seed)
    terms = ["Ann Lee", "Lee", "Bo Diaz", "Diaz", "Cy Young", "Dee"]
    table = {"Lee": "Ann Lee", "Diaz": "Bo Diaz", "Dee": "Cy Young"}
    half = ndocs // 2
    pair_term, pair_doc = [], []
    for lo, hi in ((0, half), (half, ndocs)):  # two segments, each by term, then document
        for t in range(len(terms)):
            held = np.flatnonzero(rng.random(hi - lo) < 0.4) + lo
            pair_term.extend([t] * len(held))
            pair_doc.extend(held.tolist())
    args = ("people", terms, np.array(pair_term, np.int64), np.array(pair_doc, np.int64),
            ndocs, table)
    with_kernel = FacetIndex.from_pairs(*args)
    without = mock.Mock(wraps=loops, spec=[n for n in dir(loops) if n != "pairs_by_value"])
    with mock.patch.object(kernels, "loops", without):
        sorted_keys = FacetIndex.from_pairs(*args)
    postings: dict[str, np.ndarray] = {}
    for t, d in zip(pair_term, pair_doc, strict=True):
        postings.setdefault(terms[t], []).append(d)
    from_lists = FacetIndex.from_postings(
        "people", {k: np.array(v, np.int32) for k, v in postings.items()}, ndocs, table
    )
    # (from posting lists, only the values some document holds are listed)
    for other in (sorted_keys, from_lists) if len(postings) == len(terms) else (sorted_keys,):
        assert with_kernel.values == other.values
        for attr in ("pair_doc", "pair_val", "_val_start", "doc_start", "doc_vals"):
            a, b = getattr(with_kernel, attr), getattr(other, attr)
            assert a.dtype == b.dtype and np.array_equal(a, b), attr


def _lists_file(tmp_path, docs: np.ndarray, weights: np.ndarray) -> tuple[int, int, int]:
    """A file of some padding, the documents, then the weights: (fd, where each starts)."""
    path = tmp_path / "lists"
    pad = b"\xff" * 7
    path.write_bytes(pad + docs.tobytes() + weights.tobytes())
    fd = os.open(path, os.O_RDONLY)
    return fd, len(pad), len(pad) + docs.nbytes


def _term_lists(fd, table, starts, crcs, needle, docs_at, docs, weights_at, weights, ndocs):
    blob, ends = table
    return loops.term_lists(
        blob, ends, starts, crcs, needle, fd, docs_at,
        docs.dtype.itemsize, weights_at, weights.dtype.itemsize, weights.dtype.kind == "f",
        len(docs), ndocs,
    )


@needs_loops
@pytest.mark.parametrize("dtype", [np.uint16, np.uint32])
@pytest.mark.parametrize("wtype", [np.uint8, np.uint16, np.float32])
def test_term_lists_reads_and_checks_a_terms_lists(tmp_path, dtype, wtype):
    """Each term's documents and weights as int32 and float32, whatever their widths in
    the file; a term not in the table is (-1, None, None)."""
    terms = [b"alpha", b"beta", b"gamma"]
    docs = np.array([3, 9, 70000 % 65536, 1, 2, 5, 8, 13], dtype)
    weights = np.array([1, 2, 3, 4, 5, 6, 7, 250], wtype)
    if wtype is np.float32:
        weights = weights / np.float32(3)
    starts = np.array([0, 2, 3, 8], np.int64)
    fd, docs_at, weights_at = _lists_file(tmp_path, docs, weights)
    try:
        crcs = np.array([
            zlib.crc32(weights[a:b].tobytes(), zlib.crc32(docs[a:b].tobytes(), zlib.crc32(t)))
            for t, a, b in zip(terms, starts[:-1], starts[1:], strict=True)
        ], np.uint32)
        table = _term_table(terms)
        for i, term in enumerate(terms):
            a, b = starts[i], starts[i + 1]
            n, got_docs, got_weights = _term_lists(
                fd, table, starts, crcs, term, docs_at, docs, weights_at, weights, 70000)
            assert n == i
            assert got_docs.dtype == np.int32 and got_weights.dtype == np.float32
            assert got_docs.tolist() == docs[a:b].astype(np.int64).tolist()
            assert got_weights.tolist() == weights[a:b].astype(np.float32).tolist()
        assert _term_lists(fd, table, starts, crcs, b"delta", docs_at, docs, weights_at,
                           weights, 70000) == (-1, None, None)
        # what is wrong, said by name
        cases = [
            (b"gamma", starts, crcs, 13, "unsound"),  # a document past the last
            (b"beta", starts, crcs ^ np.uint32(1), 70000, "changed"),
            (b"gamma", np.array([0, 2, 3, 9], np.int64), crcs, 70000, "bounds"),
            (b"beta", np.array([0, 2, 2, 8], np.int64), crcs, 70000, "bounds"),  # empty
        ]
        for needle, st_, cr, ndocs, what in cases:
            with pytest.raises(ValueError, match=f"^{what}$"):
                _term_lists(fd, table, st_, cr, needle, docs_at, docs, weights_at, weights,
                            ndocs)
        # documents out of order, with a checksum that agrees
        shuffled = docs.copy()
        shuffled[3:8] = shuffled[3:8][::-1]
        fd2, docs_at2, weights_at2 = _lists_file(tmp_path, shuffled, weights)
        crcs2 = crcs.copy()
        crcs2[2] = zlib.crc32(weights[3:8].tobytes(),
                              zlib.crc32(shuffled[3:8].tobytes(), zlib.crc32(b"gamma")))
        with pytest.raises(ValueError, match="^unsound$"):
            _term_lists(fd2, table, starts, crcs2, b"gamma", docs_at2, shuffled, weights_at2,
                        weights, 70000)
        os.close(fd2)
        # lists said to run past the end of the file
        with pytest.raises(ValueError, match="^short$"):
            loops.term_lists(*table, starts, crcs, b"gamma", fd,
                             docs_at + 1000, docs.dtype.itemsize, weights_at + 1000,
                             weights.dtype.itemsize, weights.dtype.kind == "f", len(docs), 70000)
        # a table of terms that points outside itself
        blob, _ends = table
        with pytest.raises(ValueError, match="^table$"):
            loops.term_lists(blob, np.array([5, 99, 14], np.int64), starts, crcs, b"beta",
                             fd, docs_at, docs.dtype.itemsize, weights_at,
                             weights.dtype.itemsize, weights.dtype.kind == "f", len(docs), 70000)
    finally:
        os.close(fd)
