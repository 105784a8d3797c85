"""Stories: signatures, grouping, collapsed search, counting by story, the duplicates
listing, incremental updates and the word diff."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchtui import stories
from searchtui.cli import main
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest
from searchtui.schema import SKETCH_BYTES, SKETCH_BYTES_V3, SKETCH_BYTES_V4
from searchtui.search import SearchEngine

PARAGRAPHS = [
    "Lawmakers in the state capital voted late on Thursday to approve a budget that raises "
    "spending on schools and roads, ending a standoff that had lasted for most of the summer.",
    "The governor, who had threatened to veto an earlier version, said she would sign the bill "
    "within days, calling it a fair compromise that protects the state's credit rating.",
    "Opponents said the plan relies on optimistic revenue forecasts and leaves a hole in the "
    "pension fund that future legislatures will have to fill with cuts or new taxes.",
    "The vote followed weeks of closed-door talks between party leaders, and several members "
    "crossed the aisle in the final hours to secure the majority the measure needed.",
]
ORIGINAL = "\n\n".join(PARAGRAPHS)
UNRELATED = (
    "A new budget for the city's parks department was presented on Monday, with money for "
    "playgrounds, tree planting and longer opening hours at public swimming pools.\n\n"
    "Council members will debate the plan next month, and residents may comment online until "
    "the end of the year, the parks commissioner told reporters at a briefing downtown."
)


def article(title: str, publication: str, date: str, body: str) -> str:
    return textwrap.dedent(
        f"""\
        ---
        title: {title}
        publication: {publication}
        date: {date}
        ---
        """
    ) + body + "\n"


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "original.md").write_text(
        article("State passes budget", "Capital Times", "2020-07-02", ORIGINAL)
    )
    # another outlet's copy: recased headline, last paragraph cut, a note added
    copy = "\n\n".join(PARAGRAPHS[:-1] + ["The Associated Press contributed to this report."])
    (folder / "copy.md").write_text(
        article("STATE PASSES BUDGET", "Wire Daily", "2020-07-03", copy)
    )
    (folder / "parks.md").write_text(
        article("City parks budget presented", "Capital Times", "2020-07-02", UNRELATED)
    )
    return folder


@pytest.fixture()
def index(tmp_path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus")
    ixdir = tmp_path / "index"
    build_index([corpus], ixdir, config=Config(extractor="none"))
    return corpus, ixdir


# ---------------------------------------------------------------------------
# Signatures and grouping


def test_signature_ignores_case_and_punctuation():
    a = stories.signature(ORIGINAL)
    b = stories.signature(ORIGINAL.upper().replace(",", " ;").replace("'", "\u2019"))
    assert a is not None and b is not None
    assert np.array_equal(a, b)


def test_short_bodies_have_no_signature():
    assert stories.signature("Too short to say.") is None
    assert stories.sketch("") is None


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_word_hashes_agree_with_one_word_at_a_time(text):
    got = stories.word_hashes(text)
    want = np.array([stories.word_hash(w) for w in stories.words(text)], dtype=np.uint64)
    assert np.array_equal(got, want)


def test_group_joins_copies_and_nothing_else():
    cut = "\n\n".join(PARAGRAPHS[:-1])
    added = ORIGINAL + "\n\nEditor's note: this story has been updated."
    bodies = [ORIGINAL, UNRELATED, cut, added, "tiny"]
    sigs = np.zeros((len(bodies), stories.PERMS), np.uint32)
    for i, b in enumerate(bodies):
        s = stories.signature(b)
        if s is not None:
            sigs[i] = s
    assert stories.group(sigs).tolist() == [0, 1, 0, 0, 4]
    # the original gone (not live), its copies stay one story
    live = np.array([False, True, True, True, True])
    assert stories.group(sigs, live).tolist() == [0, 1, 2, 2, 4]


@pytest.mark.parametrize("density", [0.0, 0.002, 0.05, 0.15, 0.3, 0.7, 0.85, 0.95, 1.0])
def test_counting_by_story_agrees_with_a_brute_force_count(density, counting):
    """Each value counts the distinct stories among the matching documents that carry
    it, whether few grouped documents match (gathered) or most (swept)."""
    from searchtui.facets import FacetIndex

    rng = np.random.default_rng(int(density * 1000) + 3)
    n, nvals = 3000, 40
    story = np.arange(n, dtype=np.int32)
    grouped_docs = rng.choice(n, size=n // 2, replace=False)
    story[grouped_docs] = np.sort(rng.choice(n // 2, size=n // 2)).astype(np.int32)
    story = np.minimum(story, np.arange(n, dtype=np.int32))  # a story is its lowest document
    live = rng.random(n) > 0.05
    per_doc = rng.integers(0, 5, size=n)
    pair_doc = np.repeat(np.arange(n), per_doc)
    pair_val = rng.integers(0, nvals, size=len(pair_doc))
    keep = np.unique(pair_doc * nvals + pair_val)  # a document holds a value once
    fidx = FacetIndex("people", [f"v{i:02d}" for i in range(nvals)], keep // nvals,
                      keep % nvals, n)
    held = stories.Stories(story, live)
    for trial in range(3):
        mask = (rng.random(n) < density) & live
        want = np.zeros(nvals, dtype=np.int64)
        for v in range(nvals):
            docs = (keep // nvals)[keep % nvals == v]
            want[v] = len({int(story[d]) for d in docs if mask[d]})
        assert fidx.counts(mask, held).tolist() == want.tolist(), trial
        assert fidx.counts(mask).tolist() == np.bincount(
            (keep % nvals)[mask[keep // nvals]], minlength=nvals).tolist()


@pytest.mark.parametrize("density", [0.0, 0.01, 0.3, 0.9, 1.0])
def test_collapse_keeps_the_best_copy_of_each_story(density, counting):
    """One document per story: the best ranked of its matching copies, ties in the first
    key settled by the next; documents in no story stay as they are."""
    rng = np.random.default_rng(int(density * 100) + 11)
    n = 2000
    story = np.minimum(rng.integers(0, n, size=n), np.arange(n)).astype(np.int32)
    story[rng.random(n) < 0.5] = np.arange(n, dtype=np.int32)[rng.random(n) < 0.5][:1]
    story = np.minimum(story, np.arange(n, dtype=np.int32))
    live = rng.random(n) > 0.05
    held = stories.Stories(story, live)
    score = rng.integers(0, 4, size=n).astype(np.float64)  # many ties
    days = rng.integers(700000, 700010, size=n)

    def keys(docs):
        return [score[docs], days[docs], -docs.astype(np.int64)]

    for trial in range(3):
        mask = (rng.random(n) < density) & live
        best: dict[int, tuple] = {}
        for d in np.flatnonzero(mask):
            if not held.grouped[d]:
                continue
            rank = (score[d], days[d], -d)
            s = int(story[d])
            if s not in best or rank > best[s][0]:
                best[s] = (rank, d)
        want = mask & ~held.grouped
        want[[d for _, d in best.values()]] = True
        assert held.collapse(mask, keys).tolist() == want.tolist(), trial


def test_components_follow_chains():
    pairs = np.array([[3, 4], [1, 3], [5, 6]])
    assert stories.components(7, pairs).tolist() == [0, 1, 2, 1, 1, 5, 5]


def test_word_diff_marks_insertions_and_deletions():
    parts = stories.word_diff("The cat sat on the mat.", "The black cat sat on a mat.")
    assert [(p.kind, p.text) for p in parts] == [
        ("same", "The"),
        ("insert", " black"),
        ("same", " cat sat on "),
        ("delete", "the"),
        ("insert", "a"),
        ("same", " mat."),
    ]
    assert stories.word_diff("same words", "same  words") == [
        stories.DiffPart("same", "same  words")
    ]


# ---------------------------------------------------------------------------
# Searching


def test_collapsed_search(index, counting):
    corpus, ixdir = index
    with SearchEngine.open(ixdir) as engine:
        plain = engine.search(SearchRequest(query="budget"))
        assert plain.total == 3 and plain.stories is None
        assert all(h.copies is None for h in plain.hits)
        result = engine.search(SearchRequest(query="budget", collapse=True))
        assert result.total == 3 and result.stories == 2
        assert len(result.hits) == 2
        grouped = next(h for h in result.hits if h.copies)
        assert {grouped.path, grouped.copies[0].path} == {
            str((corpus / "original.md").resolve()), str((corpus / "copy.md").resolve())
        }
        other = grouped.copies[0]
        assert other.publication in {"Capital Times", "Wire Daily"}
        data = result.to_dict()
        assert data["stories"] == 2 and data["total"] == 3
        assert sum(1 + len(h["copies"]) for h in data["hits"]) == 3
        # a filter keeps only the matching copies
        only = engine.search(SearchRequest(
            query="budget", collapse=True,
            filters={"publication": FacetFilter({"Wire Daily"})},
        ))
        assert only.total == 1 and only.stories == 1 and only.hits[0].copies == []


def test_facets_count_stories(index, counting):
    _, ixdir = index
    with SearchEngine.open(ixdir) as engine:
        articles = engine.search(SearchRequest(query="budget"))
        by_story = engine.search(SearchRequest(query="budget", count="stories"))
    pubs = {b.value: b.count for b in articles.facets["publication"].buckets}
    assert pubs == {"Capital Times": 2, "Wire Daily": 1}
    # the story ran in both outlets; the parks story in one
    pubs = {b.value: b.count for b in by_story.facets["publication"].buckets}
    assert pubs == {"Capital Times": 2, "Wire Daily": 1}
    assert by_story.stories == 2 and len(by_story.hits) == 3
    assert by_story.histogram is not None
    assert sum(b.count for b in by_story.histogram.buckets) == 2
    assert sum(b.count for b in articles.histogram.buckets) == 3


def test_copies_and_duplicates(index):
    corpus, ixdir = index
    with SearchEngine.open(ixdir) as engine:
        original = str((corpus / "original.md").resolve())
        assert [c.title for c in engine.copies(original)] == ["STATE PASSES BUDGET"]
        assert engine.copies(str((corpus / "parks.md").resolve())) == []
        found = engine.duplicates()
        assert [len(s.copies) for s in found] == [2]
        assert engine.duplicates(min_copies=3) == []
        assert engine.stats()["stories"] == 2


def test_incremental_updates_keep_stories(index):
    corpus, ixdir = index
    config = Config(extractor="none")
    extra = "\n\n".join(PARAGRAPHS + ["Reporting by the statehouse bureau."])
    (corpus / "third.md").write_text(
        article("State Passes Budget, Ending Standoff", "Yahoo News", "2020-07-03", extra)
    )
    build_index([corpus], ixdir, config=config)
    with SearchEngine.open(ixdir) as engine:
        assert [len(s.copies) for s in engine.duplicates()] == [3]
    (corpus / "original.md").unlink()
    build_index([corpus], ixdir, config=config)
    with SearchEngine.open(ixdir) as engine:
        found = engine.duplicates()
        assert [sorted(Path(c.path).name for c in s.copies) for s in found] == [
            ["copy.md", "third.md"]
        ]
        result = engine.search(SearchRequest(query="budget", collapse=True))
        assert result.total == 3 and result.stories == 2


# ---------------------------------------------------------------------------
# The commands


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_collapse_command(index, capsys):
    _, ixdir = index
    code, out, err = run(capsys, "search", "budget", "--collapse", "--index", str(ixdir))
    assert code == 0 and err == ""
    assert out.splitlines()[0].startswith("3 articles in 2 stories")
    assert "+1 copy: " in out
    code, out, err = run(
        capsys, "search", "budget", "--collapse", "--json", "--index", str(ixdir)
    )
    data = json.loads(out)
    assert data["total"] == 3 and data["stories"] == 2
    assert sorted(len(h["copies"]) for h in data["hits"]) == [0, 1]
    code, out, err = run(
        capsys, "search", "budget", "--count", "stories", "--facets", "--index", str(ixdir)
    )
    assert code == 0 and "stories" in out.splitlines()[0]


def test_stats_command_counts_stories(index, capsys):
    _, ixdir = index
    code, out, err = run(capsys, "stats", "--index", str(ixdir))
    assert code == 0 and err == ""
    stories_line = [line for line in out.splitlines() if line.startswith("Stories:")]
    code, js, _ = run(capsys, "stats", "--json", "--index", str(ixdir))
    count = json.loads(js)["stories"]
    assert stories_line == [f"{'Stories:':<15}{count:,} (an article and its copies count once)"]


def test_duplicates_command(index, capsys):
    _, ixdir = index
    code, out, err = run(capsys, "duplicates", "--index", str(ixdir))
    assert code == 0 and err == ""
    assert out.splitlines()[0] == "1 story with 2 or more copies (2 articles)"
    assert "STATE PASSES BUDGET" in out and "Wire Daily" in out
    code, out, err = run(capsys, "duplicates", "--json", "--index", str(ixdir))
    data = json.loads(out)
    assert [s["size"] for s in data["stories"]] == [2]
    code, out, err = run(capsys, "duplicates", "--min-copies", "3", "--index", str(ixdir))
    assert code == 0 and out.splitlines()[0] == "No story with 3 or more copies."


def test_collapse_setting(tmp_path):
    from searchtui.config import load_config
    from searchtui.errors import ConfigError

    path = tmp_path / "searchtui.yaml"
    path.write_text("collapse: false\n")
    assert load_config(str(path)).collapse is False
    assert Config().collapse is True
    path.write_text("collapse: 1\n")
    with pytest.raises(ConfigError, match="'collapse' must be bool"):
        load_config(str(path))
    path.write_text("workers: true\n")
    with pytest.raises(ConfigError, match="'workers' must be int"):
        load_config(str(path))


def test_grouping_is_the_same_either_way(counting):
    """Candidate pairs each once and in order, and the same stories from the compiled
    similarity as from numpy's (many near copies, a few bands apart)."""
    rng = np.random.default_rng(9)
    base = rng.integers(0, 2**32, size=(60, stories.PERMS), dtype=np.uint64).astype(np.uint32)
    sigs = base[rng.integers(0, 60, size=600)].copy()
    noise = rng.random(sigs.shape) < 0.3
    sigs[noise] = rng.integers(0, 2**32, size=int(noise.sum()), dtype=np.uint64)
    rows = np.arange(len(sigs))
    pairs = stories.candidate_pairs(sigs, rows)
    assert len(pairs) and np.all(pairs[:, 0] < pairs[:, 1])
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    assert np.array_equal(pairs, np.unique(pairs, axis=0))
    shares = stories.similarity(sigs, pairs)
    want = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1).astype(np.float32)
    assert np.array_equal(shares, want)
    story = stories.group(sigs)
    assert len(np.unique(story)) < len(sigs)  # copies were grouped


def test_distinct_is_numpys_unique():
    rng = np.random.default_rng(4)
    for values in (rng.integers(0, 50, size=300), rng.integers(0, 2**40, size=1000),
                   np.zeros(0, np.int64), np.array([7]), rng.random(100)):
        assert np.array_equal(stories.distinct(values), np.unique(values))


def _pairs_by_hand(sigs: np.ndarray, rows: np.ndarray, bands: int) -> set[tuple[int, int]]:
    """candidate_pairs as its doc says it: in each band, each row of a bucket with the
    bucket's first row and with the row before it (rows in the order given)."""
    width = sigs.shape[1] // bands
    out = set()
    for b in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for r in rows.tolist():
            buckets.setdefault(sigs[r, b * width : (b + 1) * width].tobytes(), []).append(r)
        for members in buckets.values():
            for i in range(1, len(members)):
                for a in (members[0], members[i - 1]):
                    if a != members[i]:
                        out.add((min(a, members[i]), max(a, members[i])))
    return out


def _noisy_copies(rng: np.random.Generator) -> np.ndarray:
    """400 signatures, copies of 40 with a share of their minima changed: buckets in many
    bands."""
    base = rng.integers(0, 2**32, size=(40, stories.PERMS), dtype=np.uint32)
    sigs = base[rng.integers(0, 40, 400)].copy()
    noise = rng.random(sigs.shape) < 0.15
    sigs[noise] = rng.integers(0, 2**32, size=int(noise.sum()), dtype=np.uint32)
    return sigs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_pairs_are_the_bands_buckets(seed):
    rng = np.random.default_rng(seed)
    sigs = _noisy_copies(rng)
    rows = np.flatnonzero(rng.random(400) < 0.9)
    pairs = stories.candidate_pairs(sigs, rows)
    assert pairs.dtype == np.int64 and pairs.shape[1] == 2
    got = [tuple(p) for p in pairs.tolist()]
    assert got == sorted(set(got))  # each pair once, in order
    assert set(got) == _pairs_by_hand(sigs, rows, stories.BANDS)
    assert len(got) > 400  # many buckets were met


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pairs_of_new_rows_are_the_bands_buckets(seed):
    """candidate_pairs_after finds what candidate_pairs does for rows from a cut on."""
    rng = np.random.default_rng(seed)
    sigs = _noisy_copies(rng)
    # minima sharing their low bits with others', not their value: the first look-up
    # lets them through, the keys tell them apart
    sigs[390:, :] = (sigs[:10, :] ^ np.uint32(1 << 25))
    rows = np.flatnonzero(rng.random(400) < 0.9)
    for cut in (0, 1, 200, 350, 399, 400):
        after = [tuple(p) for p in stories.candidate_pairs_after(sigs, rows, cut).tolist()]
        assert after == sorted(set(after))
        everything = _pairs_by_hand(sigs, rows, stories.BANDS)
        assert set(after) == {p for p in everything if p[1] >= cut}


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    share_new=st.floats(0, 1),
    copies=st.floats(0, 0.8),
)
def test_grouping_more_rows_is_grouping_them_all(seed, n, share_new, copies):
    """group_more, given the stories of the first rows, gives what group gives for all:
    chains through new rows join earlier stories, named by their lowest row."""
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, size=(n, stories.PERMS), dtype=np.uint32)
    for i in range(1, n):
        if rng.random() < copies:  # a copy of an earlier row, some minima changed
            sigs[i] = sigs[int(rng.integers(0, i))]
            changed = rng.random(stories.PERMS) < rng.random() * 0.6
            sigs[i, changed] = rng.integers(0, 2**32, size=int(changed.sum()), dtype=np.uint32)
    sigs[rng.random(n) < 0.1] = 0  # no signature
    live = rng.random(n) < 0.9
    cut = int(n * (1 - share_new))
    earlier = stories.group(sigs[:cut], live[:cut])
    assert np.array_equal(stories.group_more(sigs, live, earlier), stories.group(sigs, live))


def _spy_on_grouping(monkeypatch) -> list[str]:
    """What grouping runs from now on, in turn: "all" (every row) or "more" (new rows)."""
    calls: list[str] = []
    real_group, real_more = stories.group, stories.group_more
    monkeypatch.setattr(stories, "group",
                        lambda *a, **k: calls.append("all") or real_group(*a, **k))
    monkeypatch.setattr(stories, "group_more",
                        lambda *a, **k: calls.append("more") or real_more(*a, **k))
    return calls


def test_an_update_that_only_adds_groups_only_the_new_articles(index, monkeypatch):
    """Adding articles to an index reads the stories of its last generation and looks for
    the new articles' pairs alone; any other change groups every article again. Both give
    what grouping all of them does."""
    from searchtui import arrays

    corpus, ixdir = index
    config = Config(extractor="none")
    calls = _spy_on_grouping(monkeypatch)

    def stories_now():
        with SearchEngine.open(ixdir) as engine:
            return sorted(sorted(Path(c.path).name for c in s.copies)
                          for s in engine.duplicates())

    def by_grouping_all():
        from searchtui.store import open_index

        ix, _ixdir, _meta = open_index(ixdir)
        with ix.reader() as reader:
            story = arrays.IndexData(reader, None).story  # no folder: nothing earlier read
        assert calls.pop() == "all"
        return story

    extra = "\n\n".join(PARAGRAPHS + ["Reporting by the statehouse bureau."])
    (corpus / "third.md").write_text(
        article("State Passes Budget, Ending Standoff", "Yahoo News", "2020-07-03", extra)
    )
    (corpus / "fourth.md").write_text(article("Parks, again", "Daily", "2020-07-04", UNRELATED))
    build_index([corpus], ixdir, config=config)
    assert calls == ["more"]
    assert stories_now() == [["copy.md", "original.md", "third.md"], ["fourth.md", "parks.md"]]
    calls.clear()
    with SearchEngine.open(ixdir) as engine:
        incremental = engine._data.story.copy()
    assert np.array_equal(incremental, by_grouping_all())
    # a changed article deletes its old copy: every article is grouped again
    (corpus / "parks.md").write_text(article("Parks", "Daily", "2020-07-05", ORIGINAL))
    calls.clear()
    build_index([corpus], ixdir, config=config)
    assert calls == ["all"]
    assert stories_now() == [["copy.md", "original.md", "parks.md", "third.md"]]


def test_stories_and_words_carry_over_a_merge_of_small_segments(tmp_path, monkeypatch):
    """Updates whose new articles worker processes write hand their segments over, and
    every few updates the commit merges the small segments: the articles of the
    generation before then come first still, in another order, and their stories (named
    anew) and words are taken on, not made again. Each update gives what grouping every
    article and walking the lexicon give."""
    from searchtui import arrays, indexer, store
    from searchtui.whooshext import writers

    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(indexer, "BATCH_FILES", 2)
    monkeypatch.setattr(writers, "MERGE_MAX_DOCS", 40)
    config = Config(extractor="none", workers=2)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(30):
        body = ORIGINAL if i % 3 == 0 else f"{UNRELATED}\n\nItem {i} of the series, part {i * 7}."
        (corpus / f"a{i:03d}.md").write_text(article(f"Budget {i}", "Daily", "2020-07-01", body))
    root = tmp_path / "index"
    build_index([corpus], root, config=config)
    calls = _spy_on_grouping(monkeypatch)
    merges = 0
    # one or two segments an update (a worker may read all the files): a merge by the end
    for step in range(writers.MERGE_FACTOR + 2):
        folder = corpus / f"u{step}"
        folder.mkdir()
        for k in range(4):
            body = ORIGINAL if k == 0 else f"Update {step} note {k}: zephyr{step}x{k} arrived."
            (folder / f"n{k}.md").write_text(article(f"New {step}.{k}", "Post", "2021-01-02", body))
        ix, _ixdir, _meta = store.open_index(root)
        before = {seg.segment_id() for seg in ix._segments()}
        calls.clear()
        build_index([corpus], root, config=config)
        ix, ixdir, _meta = store.open_index(root)
        after = {seg.segment_id() for seg in ix._segments()}
        merges += not before <= after
        assert calls == ["more"], step
        with ix.reader() as reader:
            data = arrays.IndexData(reader, ixdir)
            story = data.story.copy()
            words = {f: data.words(f) for f in ("title", "body")}
            walked = {f: sorted(b.decode("utf-8") for b in reader.lexicon(f))
                      for f in ("title", "body")}
            calls.clear()
            assert np.array_equal(story, arrays.IndexData(reader, None).story)
        assert words == walked and any(w.startswith(f"zephyr{step}") for w in words["body"])
        assert np.any(story != np.arange(len(story)))  # copies were grouped
    assert merges >= 1  # some update merged the small segments


def _kept(bodies: list[str], width: int) -> np.ndarray:
    """The signatures of ``bodies`` as an index of that signature width holds them."""
    raw = np.zeros((len(bodies), width), np.uint8)
    for i, body in enumerate(bodies):
        kept = stories.sketch(body, width)
        if kept is not None:
            raw[i] = np.frombuffer(kept, np.uint8)
    return stories.signatures_from_bytes(raw)


def test_the_index_keeps_8_bits_of_each_minimum():
    full = stories.signature(ORIGINAL)
    assert full is not None
    kept = stories.sketch(ORIGINAL)
    assert kept is not None and len(kept) == SKETCH_BYTES == stories.PERMS
    low = np.frombuffer(kept, np.uint8)
    assert np.array_equal(low, np.where(full & 0xFF == 0, 1, full & 0xFF))
    v4 = stories.sketch(ORIGINAL, SKETCH_BYTES_V4)
    assert v4 == np.where(full & 0xFFFF == 0, 1, full & 0xFFFF).astype("<u2").tobytes()
    assert stories.sketch(ORIGINAL, SKETCH_BYTES_V3) == full.astype("<u4").tobytes()
    with pytest.raises(ValueError):
        stories.sketch(ORIGINAL, 100)
    # a signature whose low bits are all zero is still a signature
    for width, kind in ((SKETCH_BYTES, np.uint8), (SKETCH_BYTES_V4, np.uint16),
                        (SKETCH_BYTES_V3, np.uint32)):
        raw = np.zeros((1, width), np.uint8)
        assert stories.signatures_from_bytes(raw).dtype == kind


@pytest.mark.parametrize("bits", [8, 16])
def test_low_bits_of_the_minima_group_as_whole_ones(counting, bits):
    """The stories of the examples, and of noisy copies, are the same from the 8 bits
    the index keeps (16 in an index of version 4) as from the whole minima; the
    compiled share counts them alike, and an update finds the same new pairs."""
    width = SKETCH_BYTES if bits == 8 else SKETCH_BYTES_V4
    kind = np.uint8 if bits == 8 else np.uint16
    cut = "\n\n".join(PARAGRAPHS[:-1])
    added = ORIGINAL + "\n\nEditor's note: this story has been updated."
    bodies = [ORIGINAL, UNRELATED, cut, added, "tiny"]
    sigs_low, sigs32 = _kept(bodies, width), _kept(bodies, SKETCH_BYTES_V3)
    assert sigs_low.dtype == kind and sigs32.dtype == np.uint32
    assert stories.group(sigs_low).tolist() == stories.group(sigs32).tolist() == [0, 1, 0, 0, 4]
    rng = np.random.default_rng(5)
    sigs = _noisy_copies(rng)
    low = (sigs & ((1 << bits) - 1)).astype(kind)
    low[low == 0] = 1
    rows = np.arange(len(sigs))
    whole = {tuple(p) for p in stories.candidate_pairs(sigs, rows).tolist()}
    pairs = stories.candidate_pairs(low, rows)
    found = {tuple(p) for p in pairs.tolist()}
    # a band may also agree by chance on its low bits, which puts a row in a bucket
    # and so pairs another with it: a few pairs differ, the stories do not
    assert len(found ^ whole) <= len(whole) // 100
    shares = stories.similarity(low, pairs)
    want = (low[pairs[:, 0]] == low[pairs[:, 1]]).mean(axis=1).astype(np.float32)
    assert np.array_equal(shares, want)
    assert np.array_equal(stories.group(low), stories.group(sigs))
    first_new = len(rows) * 3 // 4
    after = stories.candidate_pairs_after(low, rows, first_new)
    assert np.array_equal(after, pairs[pairs[:, 1] >= first_new])


def test_low_bits_of_the_minima_group_real_articles_as_whole_ones(allsides_dir):
    """On 1,500 real articles and 500 edited copies of them (paragraphs dropped, moved
    or taken from another article, many near the threshold), the stories are the same
    from the 8 bits the index keeps (16 in an index of version 4) as from the whole
    minima."""
    paths = sorted(allsides_dir.glob("*.txt"))[:1500]
    bodies = [p.read_text(encoding="utf-8").split("\n", 3)[-1] for p in paths]
    rng = np.random.default_rng(11)
    for i in rng.choice(len(bodies), 500, replace=False).tolist():
        paras = [p for p in bodies[i].split("\n\n") if p.strip()]
        other = [p for p in bodies[int(rng.integers(len(bodies)))].split("\n\n") if p.strip()]
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(len(paras) + 1))
            if rng.random() < 0.5 and len(paras) > 1:
                paras.pop(min(at, len(paras) - 1))
            elif other:
                paras.insert(at, other[int(rng.integers(len(other)))])
        bodies.append("\n\n".join(paras))
    story32 = stories.group(_kept(bodies, SKETCH_BYTES_V3))
    assert len(np.unique(story32)) < len(bodies) - 300  # the copies were grouped
    assert np.array_equal(stories.group(_kept(bodies, SKETCH_BYTES_V4)), story32)
    assert np.array_equal(stories.group(_kept(bodies, SKETCH_BYTES)), story32)
