"""Merging segments: the commit's merge policy, and the bulk writer's copy of a segment.

``BulkWriter.add_reader`` (the fast path a merge takes) is checked against
Whoosh's own ``SegmentWriter.add_reader`` (the sorting pool it replaces): the
same segments, with the same deletions, merged by both, give the same index,
posting blocks included.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_bulkwrite import _documents, _write_files, assert_same_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from searchtui import arrays, indexer, store, whooshext
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.schema import make_schema, stored_path
from searchtui.search import SearchEngine
from searchtui.whooshext import postings, writers
from searchtui.whooshext.segments import BulkWriter
from searchtui.whooshext.writers import MERGE_FACTOR, MERGE_MAX_DOCS, plan_merge


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _documents(240)


def _segmented(folder: Path, docs: list[dict], deleted_keys: set[str]):
    """An index of ``docs`` in several bulk-written segments, with ``deleted_keys`` deleted."""
    folder.mkdir(parents=True)
    ix = FileStorage(str(folder)).create_index(make_schema())
    writer = BulkWriter(ix, codec=W3Codec(compression=0), compound=False, limit_mb=0.15)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    if deleted_keys:
        writer = BulkWriter(ix, codec=W3Codec(compression=0), compound=False)
        for key in sorted(deleted_keys):
            writer.delete_by_term("key", key)
        writer.commit(merge=False)
    return FileStorage(str(folder)).open_index()


def _merge(folder: Path, writer_class, new_docs: list[dict]):
    ix = FileStorage(str(folder)).open_index()
    writer = writer_class(ix, codec=W3Codec(compression=0), compound=False)
    for doc in new_docs:
        writer.add_document(**doc)
    writer.commit(optimize=True)
    return FileStorage(str(folder)).open_index()


@pytest.mark.parametrize(
    "deleted, new",
    [
        (set(), 0),  # segments copied as they are
        ({"every 7th"}, 0),  # deletions dropped in the copy
        ({"every 7th", "first segment"}, 30),  # a whole segment gone, new documents first
    ],
)
def test_bulk_merge_is_whoosh_merge(docs, tmp_path, deleted, new):
    old, fresh = docs[: len(docs) - new], docs[len(docs) - new :]
    keys: set[str] = set()
    if "every 7th" in deleted:
        keys |= {d["key"] for d in old[::7]}
    base = _segmented(tmp_path / "base", old, set())
    segments = base._segments()
    assert len(segments) > 3
    if "first segment" in deleted:
        with base.reader() as r:
            first = segments[0].doc_count_all()
            keys |= {r.stored_fields(d)["key"] for d in range(first)}
    shutil.rmtree(tmp_path / "base")
    _segmented(tmp_path / "stock", old, keys)
    shutil.copytree(tmp_path / "stock", tmp_path / "bulk")

    stock = _merge(tmp_path / "stock", SegmentWriter, fresh)
    bulk = _merge(tmp_path / "bulk", BulkWriter, fresh)
    assert len(bulk._segments()) == len(stock._segments()) == 1
    assert bulk.doc_count_all() == len(docs) - len(keys)
    compared = assert_same_index(stock, bulk)
    assert compared > 10 * len(docs)


@dataclass
class _Seg:
    """What the merge policy reads of a segment."""

    name: str
    docs: int
    deleted: int = 0

    def doc_count(self) -> int:
        return self.docs - self.deleted

    def segment_id(self) -> str:
        return self.name


def _names(segs) -> list[str]:
    return sorted(s.name for s in segs)


def test_big_segments_are_never_merged():
    big = [_Seg(f"big{i}", 7000) for i in range(40)]
    merge, keep = plan_merge([*big, _Seg("new", 1000)])
    assert merge == []
    assert _names(keep) == _names([*big, _Seg("new", 1000)])


def test_a_full_tier_of_small_segments_is_merged():
    big = [_Seg(f"big{i}", 7000) for i in range(40)]
    small = [_Seg(f"u{i}", 1000 + i) for i in range(MERGE_FACTOR)]
    merge, keep = plan_merge([*big, *small, _Seg("tiny", 5)])
    assert _names(merge) == _names(small)
    assert _names(keep) == _names([*big, _Seg("tiny", 5)])


def test_a_tier_not_yet_full_waits():
    small = [_Seg(f"u{i}", 1000) for i in range(MERGE_FACTOR - 1)]
    other = [_Seg(f"v{i}", 100) for i in range(MERGE_FACTOR - 1)]
    merge, keep = plan_merge([*small, *other])
    assert merge == []
    assert len(keep) == 2 * (MERGE_FACTOR - 1)


def test_the_smallest_full_tier_goes_first_and_a_merge_is_bounded():
    tens = [_Seg(f"t{i}", 10) for i in range(MERGE_FACTOR + 3)]
    hundreds = [_Seg(f"h{i}", 100) for i in range(MERGE_FACTOR)]
    merge, _keep = plan_merge([*hundreds, *tens])
    assert _names(merge) == _names(tens[:MERGE_FACTOR])
    # Whatever the index holds, a merge takes at most MERGE_FACTOR segments of MERGE_MAX_DOCS.
    many = [_Seg(f"m{i}", MERGE_MAX_DOCS) for i in range(5 * MERGE_FACTOR)]
    merge, keep = plan_merge(many)
    assert len(merge) == MERGE_FACTOR
    assert sum(s.doc_count() for s in merge) <= MERGE_FACTOR * MERGE_MAX_DOCS


def test_deleted_documents_count_against_a_segment():
    emptied = _Seg("emptied", 7000, deleted=7000)
    mostly = [_Seg(f"d{i}", 7000, deleted=6000) for i in range(MERGE_FACTOR)]
    merge, keep = plan_merge([emptied, *mostly, _Seg("big", 7000)])
    # A segment with nothing left is dropped; big ones with few documents left are merged.
    assert _names(merge) == _names(mostly)
    assert _names(keep) == ["big"]


# ---------------------------------------------------------------------------
# Through the indexer


def _titles(root: Path, q: str) -> list[str]:
    with SearchEngine.open(root) as engine:
        res = engine.search(SearchRequest(query=q, page_size=100_000, facets=(),
                                          histogram=False, snippets=False))
        return sorted(h.title for h in res.hits)


@pytest.mark.parametrize("ahead", [False, True])
def test_updates_leave_the_build_segments_and_merge_their_own(ahead, docs, tmp_path, monkeypatch):
    """Repeated small updates each add a segment; a full tier of them is merged (by the
    commit, or ahead of it), with changed and deleted files, and the answers match a
    fresh build."""
    config = Config(workers=1, extractor="none")
    monkeypatch.setattr(indexer, "BULK_LIMIT_MB", 1)  # segments of about 20 articles
    monkeypatch.setattr(writers, "MERGE_MAX_DOCS", 8)
    monkeypatch.setattr(indexer, "MERGE_AHEAD_DOCS", 1 if ahead else 10**9)
    taken = _spy_commits(monkeypatch)
    corpus = _write_files(tmp_path / "corpus", docs[:150])
    build_index([corpus], tmp_path / "ix", config=config)

    def segments():
        ix, _d, _m = store.open_index(tmp_path / "ix")
        return {s.segment_id(): s.doc_count_all() for s in ix._segments()}

    built = {seg: n for seg, n in segments().items() if n > writers.MERGE_MAX_DOCS}
    assert len(built) >= 2
    extra = tmp_path / "extra"
    for step in range(MERGE_FACTOR + 2):
        _write_files(extra / f"u{step}", docs[150 + 3 * step : 153 + 3 * step])
        files = sorted(corpus.iterdir())
        files[10 * step].unlink()
        changed = files[-1 - step]
        changed.write_text(
            changed.read_text(encoding="utf-8") + f"\nzebra crossing {step}\n", encoding="utf-8"
        )
        report = build_index([corpus, extra], tmp_path / "ix", config=config)
        assert (report.added, report.updated, report.deleted) == (3, 1, 1)
        now = segments()
        # The build's big segments are only ever dropped (once emptied), never rewritten.
        assert all(now.get(seg, n) == n for seg, n in built.items())
    assert len(now) < len(built) + MERGE_FACTOR + 2
    fresh = tmp_path / "fresh"
    build_index([corpus, extra], fresh, config=config, rebuild=True)
    for q in ["zebra", "\"zebra crossing\"", "said", "\"prime minister\"", "government", ""]:
        assert _titles(tmp_path / "ix", q) == _titles(fresh, q), q
    assert len(_titles(tmp_path / "ix", "\"zebra crossing\"")) == MERGE_FACTOR + 2
    assert any(made for made, _ in taken) == ahead


# ---------------------------------------------------------------------------
# Reading a field's terms in one walk (what the facet arrays are built from)


def test_field_term_docs_is_term_postings_term_by_term(docs, tmp_path, monkeypatch):
    keys = {d["key"] for d in docs[::5]}
    ix = _segmented(tmp_path / "ix", docs, keys)
    with ix.reader() as r:
        leaves = [leaf for leaf, _offset in r.leaf_readers()]
        assert len(leaves) > 3 and any(leaf.has_deletions() for leaf in leaves)
        for leaf in leaves:
            _same_term_docs(leaf, monkeypatch)


def _same_term_docs(leaf, monkeypatch) -> None:
    for field in ["people", "places", "authors", "publication", "date", "title", "body"]:
        expected = [(t, postings.term_postings(leaf, field, t)[0].tolist())
                    for t in leaf.lexicon(field)]
        got = [(t, ids.tolist()) for t, ids in postings.field_term_docs(leaf, field)]
        assert got == expected, field
        # Another Whoosh: term by term, the same.
        with monkeypatch.context() as m:
            m.setattr(postings, "fast_paths", lambda: False)
            slow = [(t, ids.tolist()) for t, ids in postings.field_term_docs(leaf, field)]
        assert slow == got, field


# ---------------------------------------------------------------------------
# The merge made ahead, in a process of its own, while an update scans and indexes


def _build_tier(folder: Path, docs: list[dict]) -> tuple[Path, Path]:
    """(corpus, index) in ``folder``: a build of 120 articles, one segment, then ten
    updates of ten articles, a segment each. With segments of up to 40 articles merged,
    the next commit merges the ten."""
    corpus = folder / "corpus"
    _write_files(corpus / "base", docs[:120])
    config = Config(workers=1, extractor="none")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writers, "MERGE_MAX_DOCS", 40)
        build_index([corpus], folder / "ix", config=config)
        for step in range(MERGE_FACTOR):
            _write_files(corpus / f"u{step}", docs[120 + 10 * step : 130 + 10 * step])
            build_index([corpus], folder / "ix", config=config)
    return corpus, folder / "ix"


@pytest.fixture(scope="module")
def tier(docs, tmp_path_factory) -> tuple[Path, Path]:
    return _build_tier(tmp_path_factory.mktemp("tier"), docs)


def _full_tier(built: Path, monkeypatch, root: Path) -> Path:
    """A copy at ``root`` of the index ``built`` (see ``_build_tier``), whose next commit
    merges ten small segments."""
    monkeypatch.setattr(writers, "MERGE_MAX_DOCS", 40)
    if built != root:
        shutil.copytree(built, root)
    ix, _d, _m = store.open_index(root)
    assert len(whooshext.merge_plan(ix)[0]) == MERGE_FACTOR
    return root


def _spy_commits(monkeypatch) -> list[tuple[bool, bool]]:
    """For each commit of a run: whether a merge was made ahead of it, and taken."""
    taken: list[tuple[bool, bool]] = []
    real = whooshext.commit

    def spy(writer, segments=(), merged=None, ahead=None):
        generation = real(writer, segments, merged, ahead)
        made = ahead is not None
        taken.append((made, made and merged.into == ahead.segment.segment_id()))
        return generation

    monkeypatch.setattr(indexer.whooshext, "commit", spy)
    return taken


def _contents(root: Path) -> list:
    """Each live document's stored fields (when it was first indexed left out), by path."""
    ix, _d, _m = store.open_index(root)
    with ix.reader() as reader:
        docs = [
            {k: v for k, v in reader.stored_fields(n).items() if k != "first_indexed"}
            for n in reader.all_doc_ids()
        ]
    return sorted(docs, key=stored_path)


def _answers(root: Path) -> list:
    out = []
    with SearchEngine.open(root) as engine:
        for q in ["said", "government", "\"prime minister\"", "people", ""]:
            res = engine.search(SearchRequest(query=q, page_size=1000))
            facets = {n: [(b.value, b.count) for b in f.buckets] for n, f in res.facets.items()}
            out.append((q, res.total, sorted(h.path for h in res.hits), facets))
    return out


def _segment_files(root: Path) -> tuple[set[str], set[str]]:
    """The segments the live generation lists, and those with files in its folder."""
    ix, ixdir, _m = store.open_index(root)
    listed = {s.segment_id() for s in ix._segments()}
    named = re.compile(r"(?:seg-)?(MAIN_[a-z0-9]+)\.")
    return listed, {m.group(1) for n in os.listdir(ixdir) if (m := named.match(n))}


def test_an_update_takes_the_merge_made_ahead_and_gets_the_same_index(docs, tier, tmp_path,
                                                                        monkeypatch):
    """The merge made in a process of its own holds what the commit's merge would
    have: the same documents, answers and facets. Its segment holds the merged
    documents alone, before the new ones (the commit's own merge, in a run without
    workers, puts them after the new documents), so the arrays' stories are carried
    over."""
    corpus, built = tier
    root = _full_tier(built, monkeypatch, tmp_path / "ix")
    twin = _full_tier(built, monkeypatch, tmp_path / "twin")
    extra = _write_files(tmp_path / "extra", docs[220:232])
    taken = _spy_commits(monkeypatch)
    config = Config(workers=1, extractor="none")

    monkeypatch.setattr(indexer, "MERGE_AHEAD_DOCS", 10**9)  # merged by the commit
    assert build_index([corpus, extra], twin, config=config).added == 12
    monkeypatch.setattr(indexer, "MERGE_AHEAD_DOCS", 1)  # merged ahead
    carried = []
    real_renamed = arrays._renamed
    monkeypatch.setattr(arrays, "_renamed", lambda *a: carried.append(1) or real_renamed(*a))
    assert build_index([corpus, extra], root, config=config).added == 12
    assert taken == [(False, False), (True, True)]
    assert carried, "the stories of the generation before were not carried over"
    assert _contents(root) == _contents(twin)
    assert _answers(root) == _answers(twin)
    ix, _d, _m = store.open_index(root)
    assert [s.doc_count_all() for s in ix._segments()] == [120, 10 * MERGE_FACTOR, 12]
    listed, on_disk = _segment_files(root)
    assert on_disk == listed


def test_a_merge_ahead_whose_segments_lost_documents_is_not_taken(docs, tmp_path, monkeypatch):
    """A file deleted from one of the segments merged ahead: the commit merges them
    itself (the article is gone), and the unused segment's files go with the commit."""
    corpus, built = _build_tier(tmp_path, docs)  # its own: a file of it is deleted
    root = _full_tier(built, monkeypatch, built)
    monkeypatch.setattr(indexer, "MERGE_AHEAD_DOCS", 1)
    taken = _spy_commits(monkeypatch)
    ix, _d, _m = store.open_index(root)
    first = whooshext.merge_plan(ix)[0][0][0]
    with ix.reader() as reader:
        leaf = next(r for r, _o in reader.leaf_readers() if postings.segment_id(r) == first)
        gone = Path(stored_path(leaf.stored_fields(0)))
    gone.unlink()
    report = build_index([corpus], root, config=Config(workers=1, extractor="none"))
    assert report.deleted == 1
    assert taken == [(True, False)]
    listed, on_disk = _segment_files(root)
    assert on_disk == listed
    fresh = tmp_path / "fresh"
    build_index([corpus], fresh, config=Config(workers=1, extractor="none"))
    assert _answers(root) == _answers(fresh)


def test_a_run_with_nothing_to_do_stops_the_merge_ahead(tier, tmp_path, monkeypatch):
    corpus, built = tier
    root = _full_tier(built, monkeypatch, tmp_path / "ix")
    monkeypatch.setattr(indexer, "MERGE_AHEAD_DOCS", 1)
    started = []
    real_start = indexer._MergeAhead.start
    monkeypatch.setattr(indexer._MergeAhead, "start",
                        classmethod(lambda cls, d: started.append(real_start(d)) or started[-1]))
    report = build_index([corpus], root, config=Config(workers=1, extractor="none"))
    assert report.nothing_to_do
    assert started and started[0] is not None
    assert not started[0]._proc.is_alive()
    ix, _d, _m = store.open_index(root)
    assert len(whooshext.merge_plan(ix)[0]) == MERGE_FACTOR  # nothing was committed


def test_a_merge_ahead_that_fails_leaves_the_merge_to_the_commit(tmp_path):
    """The process fails (here: no index where it looks): no merge, no error. Nor is
    one started where none can be planned."""
    assert indexer._MergeAhead.start(tmp_path / "nothing") is None
    ahead = indexer._MergeAhead(tmp_path / "nothing", (("MAIN_x", 3, 0),))
    assert ahead.result(lambda: False) == (None, {})
    assert not ahead._proc.is_alive()


def test_a_cancelled_run_stops_the_merge_ahead(tier, tmp_path, monkeypatch):
    root = _full_tier(tier[1], monkeypatch, tmp_path / "ix")
    ix, ixdir, _m = store.open_index(root)
    ahead = indexer._MergeAhead(ixdir, whooshext.merge_plan(ix)[0])
    with pytest.raises(indexer.Cancelled):
        ahead.result(lambda: True)
    ahead.close()
    assert not ahead._proc.is_alive()
