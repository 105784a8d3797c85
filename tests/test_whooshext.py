"""searchtui.whooshext: the stock paths on any other Whoosh, and the durable commit.

On a Whoosh that is not the release the fast paths are written for (a fork,
pretended here by changing ``whoosh.__version__``), indexing and reading take
Whoosh's own writer, matchers and readers, and give the same answers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import whoosh
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from searchtui import indexer, store, whooshext
from searchtui.arrays import IndexData
from searchtui.cli import main
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import FacetFilter, SearchRequest
from searchtui.schema import make_schema
from searchtui.search import SearchEngine
from searchtui.texts import indexed_text
from searchtui.whooshext import postings, storage, writers
from searchtui.whooshext.segments import BulkWriter

OTHER_WHOOSH = (2, 7, 5)
CONFIG = Config(extractor="none")

ARTICLES = {
    "a.txt": "Putin meets Trump\n\nAnna Smith, Bo Lee — Daily Planet Nov 15, 2016\n\n\n"
    "The white house said putin and trump met. The house was busy.",
    "b.txt": "Budget talks stall\n\nBo Lee — Morning Post Mar 02, 2017\n\n\n"
    "The house budget is late; the white paper is out.",
    "c.txt": "Undated notes\n\nMorning Post\n\n\n"
    "Notes without a date about the budget and the house.",
    "d.txt": "Harbour bridge opens\n\nCy Young — Daily Planet Jan 01, 2018\n\n\n"
    "The bridge over the harbour opened; the mayor said the white house sent a note.",
    "e.txt": "Rail strike\n\nAnna Smith — Morning Post Feb 10, 2018\n\n\n"
    "Rail workers strike over budget cuts. Budgets, budgeting and the budget office.",
}

REQUESTS = [
    SearchRequest(query=""),
    SearchRequest(query="house", sort="oldest"),
    SearchRequest(query="budget OR bridge"),
    SearchRequest(query='"white house"'),
    SearchRequest(query="budg*"),
    SearchRequest(query="house -budget"),
    SearchRequest(query="", filters={"authors": FacetFilter({"Bo Lee"})}),
]


def _write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _build_and_update(corpus: Path, root: Path, workers: int) -> None:
    """A build, then an update that deletes and changes documents (so there are deletions)."""
    build_index([str(corpus)], root, config=CONFIG, workers=workers)
    (corpus / "c.txt").unlink()
    (corpus / "b.txt").write_text(ARTICLES["b.txt"] + " A bridge too.", encoding="utf-8")
    (corpus / "f.txt").write_text(
        "Late story\n\nCy Young — Daily Planet Mar 03, 2019\n\n\nA white house story, late.",
        encoding="utf-8",
    )
    build_index([str(corpus)], root, config=CONFIG, workers=workers)


def _live_dir(root: Path) -> Path:
    ixdir = store.current_dir(root)
    assert ixdir is not None
    return ixdir


def _answers(root: Path) -> list[dict]:
    """Whole search results, decoded from the index (not from the cached arrays)."""
    for cache in _live_dir(root).glob("cache-*.npz"):
        cache.unlink()
    out = []
    with SearchEngine.open(root) as engine:
        for request in REQUESTS:
            d = engine.search(request).to_dict()
            d.pop("elapsed_ms")
            out.append(d)
    return out


def _arrays(root: Path) -> dict:
    """What IndexData decodes from the index, as plain lists."""
    ix, _ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        data = IndexData(reader)
        out: dict[object, object] = {
            "live": data.live.tolist(),
            "lengths": {f: a.tolist() for f, a in data.lengths.items()},
            "days": data.dates.days.tolist(),
            "facets": {n: (f.values, f.pair_doc.tolist(), f.pair_val.tolist())
                       for n, f in data.facets.items()},
        }
        for field, text in (("body", "hous"), ("body", "budget"), ("title", "bridg")):
            docs, weights = data.postings(field, text)
            pdocs, poses = data.positions(field, text)
            out[field, text] = (docs.tolist(), weights.tolist(), pdocs.tolist(), poses.tolist())
    return out


def _pretend_other_whoosh(monkeypatch) -> None:
    """Another Whoosh release; any fast path taken fails the test."""
    monkeypatch.setattr(whoosh, "__version__", OTHER_WHOOSH)

    def fast_path(*args, **kwargs):
        raise AssertionError("a fast path was taken on another Whoosh")

    for name in ("_raw_blocks", "_raw_lengths", "_raw_deleted"):
        monkeypatch.setattr(postings, name, fast_path)
    monkeypatch.setattr(writers, "BulkWriter", fast_path)
    monkeypatch.setattr(indexer, "_index_parallel", fast_path)
    # Enough files for worker processes, were they allowed.
    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD", 1)


def test_the_version_line(monkeypatch, capsys):
    assert whooshext.fast_paths()
    assert whooshext.describe() == "whoosh: 2.7.4 (fast paths)"
    monkeypatch.setattr(whoosh, "__version__", OTHER_WHOOSH)
    assert not whooshext.fast_paths()
    line = "whoosh: 2.7.5 (not the release searchtui was written for: stock paths)"
    assert whooshext.describe() == line
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.splitlines()[-1] == line


def test_another_whoosh_takes_the_stock_paths_with_the_same_answers(tmp_path, monkeypatch):
    _build_and_update(_write_corpus(tmp_path / "corpus-fast"), tmp_path / "fast", workers=1)
    fast_answers, fast_arrays = _answers(tmp_path / "fast"), _arrays(tmp_path / "fast")
    assert fast_answers[3]["total"] == 3  # the phrase, from positions
    assert not all(fast_arrays["live"])  # the update left deletions

    with monkeypatch.context() as m:
        _pretend_other_whoosh(m)
        ix = whooshext.open_index(_live_dir(tmp_path / "fast"), store.INDEX_NAME)
        writer = indexer.new_writer(ix, lock=True)
        assert type(writer) is SegmentWriter
        writer.cancel()
        # Reading an index the fast paths wrote, and building one, with the stock paths.
        assert _arrays(tmp_path / "fast") == fast_arrays
        _build_and_update(_write_corpus(tmp_path / "corpus-stock"), tmp_path / "stock", workers=2)
        stock_answers, stock_arrays = _answers(tmp_path / "stock"), _arrays(tmp_path / "stock")
        token = f"{_live_dir(tmp_path / 'stock').name}:2"
        assert store.generation_token(tmp_path / "stock") == token

    assert stock_arrays == fast_arrays
    # The corpus folders differ in name only.
    as_fast = repr(stock_answers).replace("corpus-stock", "corpus-fast")
    assert as_fast == repr(fast_answers)


def test_segment_files_reach_the_disk_before_the_table_of_contents(tmp_path, monkeypatch):
    events: list[tuple[str, str]] = []
    real_fsync, real_rename = storage.fsync_file, os.rename

    def fsync_file(path):
        events.append(("fsync", os.path.basename(path)))
        real_fsync(path)

    def rename(src, dst):
        events.append(("rename", os.path.basename(dst)))
        real_rename(src, dst)

    monkeypatch.setattr(storage, "fsync_file", fsync_file)
    monkeypatch.setattr(os, "rename", rename)
    root = tmp_path / "index"
    build_index([str(_write_corpus(tmp_path / "corpus"))], root, config=CONFIG, workers=1)
    ixdir = _live_dir(root)
    toc = f"_{store.INDEX_NAME}_1.toc"
    at = events.index(("rename", toc))
    flushed = {name for kind, name in events[:at] if kind == "fsync"}
    prefix = f"{store.INDEX_NAME}_"
    segment_files = {p.name for p in ixdir.iterdir() if p.name.startswith(prefix)}
    assert segment_files and segment_files <= flushed
    assert any(name.startswith(toc + ".") for name in flushed)  # the TOC's own temporary file
    assert ("fsync", ixdir.name) in events[at + 1:]  # the rename itself


def test_commit_needs_a_durable_index(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    from searchtui.schema import make_schema

    ix = FileStorage(str(tmp_path)).create_index(make_schema(), indexname=store.INDEX_NAME)
    writer = indexer.new_writer(ix, lock=True)
    try:
        with pytest.raises(ValueError, match="open_index"):
            whooshext.commit(writer)
    finally:
        writer.cancel()


def test_positions_decoded_together_are_those_whoosh_decodes(tmp_path, wikinews_dir, counting):
    """Every posting's positions, read by Whoosh's matcher one posting at a time, are
    what the positions of all postings of a term decoded together give (the fields
    whose blocks keep positions: the title, and the body of an index made so)."""

    root = tmp_path / "ix"
    build_index([wikinews_dir], root, config=CONFIG, workers=1)
    ix, _ixdir, _meta = store.open_index(root)
    assert not ix.schema["body"].format.supports("positions")  # see test_positions_beside
    stock = FileStorage(str(tmp_path)).create_index(make_schema(), indexname="positions")
    writer = BulkWriter(stock, codec=W3Codec(compression=0), compound=False)
    with ix.reader() as reader:
        for _docnum, fields in reader.iter_docs():
            writer.add_document(**{k: v for k, v in fields.items() if k in ("key", "title")},
                                body=indexed_text(fields))
    writer.commit(merge=False)
    checked = 0
    with stock.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            for field in ("title", "body"):
                for tbytes in list(leaf.lexicon(field))[::23]:
                    docs, poses = postings.term_positions(leaf, field, tbytes)
                    want_docs, want_poses = [], []
                    m = leaf.postings(field, tbytes)
                    while m.is_active():
                        for p in m.value_as("positions"):
                            want_docs.append(m.id())
                            want_poses.append(p)
                        m.next()
                    assert docs.tolist() == want_docs, tbytes
                    assert poses.tolist() == want_poses, tbytes
                    checked += 1
    assert checked > 500


@pytest.mark.parametrize(
    "value",
    [b"\x00\x00\x00\x02not a pickle", b"\x00\x00\x00\x01\x80\x02]q\x00J\xff\xff\xff\xffa.", b""],
)
def test_positions_that_do_not_decode_are_damage(value, counting):
    from searchtui.whooshext.damage import Damaged

    with pytest.raises(Damaged, match="positions that do not decode"):
        postings._positions(object(), "body", b"word", [0], [value])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 2**33), max_size=1200).map(sorted), min_size=1, max_size=6
    ),
    st.booleans(),
)
def test_positions_decode_as_whoosh_decodes_them(poslists, strip_stop):
    """Whoosh's own encoding of any position lists (a gap past 32 bits included, which
    the compiled loop leaves to pickle) decodes to what Whoosh reads."""
    from whoosh.formats import Positions

    from searchtui import kernels

    fmt = Positions()
    values = [fmt.encode(p) for p in poslists]
    if strip_stop:
        values = [v[:-1] for v in values]
    want = [fmt.decode_positions(v) for v in values]
    ids = list(range(len(values)))
    for loops in {kernels.loops, None}:
        saved, kernels.loops = kernels.loops, loops
        try:
            docs, poses = postings._positions(object(), "body", b"w", ids, values)
        finally:
            kernels.loops = saved
        assert docs.tolist() == [i for i, p in enumerate(want) for _ in p]
        assert poses.tolist() == [x for p in want for x in p]
