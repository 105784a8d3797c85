"""The documents and weights of text terms, kept beside each segment (``whooshext.docfile``).

Queries read a term's documents and weights from the file beside its segment
instead of decoding Whoosh's posting blocks. These tests hold the file to the
blocks it copies (every term, every segment, merged ones included), check
that queries read it, and that a file that is damaged, made for another
segment, or not signed is never read wrong: the answers are those of the blocks.
"""

from __future__ import annotations

import shutil
from array import array
from pathlib import Path

import numpy as np
import pytest
from test_bulkwrite import _documents
from test_merge import _write_files
from whoosh.reading import TermNotFound

from searchtui import arrays, check, indexer, kernels, segarrays, store, trust
from searchtui.config import Config
from searchtui.errors import IndexDamaged
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.search import SearchEngine
from searchtui.whooshext import (
    Damaged,
    DocsFile,
    deleted_docs,
    docfile,
    term_positions,
    term_postings,
    writers,
)
from searchtui.whooshext.segments import encode_positions

FAST = Config(workers=1, extractor="none")
QUERIES = ["", "said", "government", "zebra", '"prime minister"', "minist*", "echo echo",
           "title:zebra", "-said government"]


def _corpus(folder: Path, docs: list[dict]) -> Path:
    corpus = _write_files(folder, docs)
    # One word many times over: a weight that needs more than one byte.
    (corpus / "echo.txt").write_text(
        "Echo chamber\n\nAnn Lee — Daily Post Jan 02, 2020\n\n\n" + "echo " * 300 + "\n",
        encoding="utf-8",
    )
    (corpus / "zebra.txt").write_text(
        "Zebra crossing\n\nAnn Lee — Daily Post Jan 03, 2020\n\n\nA zebra crossed.\n",
        encoding="utf-8",
    )
    return corpus


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _documents(200)


@pytest.fixture(scope="module")
def segmented(docs, tmp_path_factory) -> Path:
    """An index of several segments, the last ones merged by later updates."""
    where = tmp_path_factory.mktemp("segmented")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(indexer, "BULK_LIMIT_MB", 1)
        m.setattr(writers, "MERGE_MAX_DOCS", 8)
        corpus = _corpus(where / "corpus", docs[:150])
        root = where / "ix"
        build_index([corpus], root, config=FAST)
        for step in range(writers.MERGE_FACTOR + 1):
            _write_files(corpus / f"u{step}", docs[150 + 3 * step : 153 + 3 * step])
            sorted(corpus.glob("*.txt"))[step].unlink()
            build_index([corpus], root, config=FAST)
    return root


@pytest.fixture
def built(segmented, tmp_path) -> Path:
    """A copy of the segmented index, to damage."""
    root = tmp_path / "ix"
    shutil.copytree(segmented, root)
    return root


def _files(root: Path):
    """(leaf, its DocsFile) of each segment of the live generation."""
    ix, ixdir, _meta = store.open_index(root)
    manifest = trust.read_manifest(ixdir, ix.latest_generation())
    reader = ix.reader()
    out = []
    for leaf, _offset in reader.leaf_readers():
        sid = segarrays.segment_id(leaf)
        name = docfile.file_name(sid)
        assert name in manifest.files, "each segment's file is signed with it"
        out.append((leaf, DocsFile(ixdir / name, sid, leaf.doc_count_all(),
                                   manifest.files[name].size)))
    return out


def _answers(root: Path) -> list[dict]:
    out = []
    with SearchEngine.open(root) as engine:
        for q in QUERIES:
            d = engine.search(SearchRequest(query=q, page_size=500)).to_dict()
            d.pop("elapsed_ms")
            out.append(d)
    return out


def test_every_terms_lists_are_those_of_its_blocks(built):
    files = _files(built)
    assert len(files) >= 3
    merged = [leaf for leaf, _f in files if leaf.doc_count_all() != 20]
    assert merged, "a segment made by a merge has its file too"
    wide = 0
    assert any(leaf.has_deletions() for leaf, _f in files)
    for leaf, held in files:
        # The file keeps deleted documents (the engine leaves them out, as it does
        # for the blocks of other segments); Whoosh's matcher skips them.
        dead = set(deleted_docs(leaf).tolist())
        for field in ("title", "body"):
            terms = list(leaf.lexicon(field))
            assert held.terms(field) == len(terms)
            for tbytes in terms:
                docs, weights = held.postings(leaf, field, tbytes)
                keep = np.array([d not in dead for d in docs.tolist()], dtype=bool)
                docs, weights = docs[keep], weights[keep]
                expected = term_postings(leaf, field, tbytes)
                assert docs.dtype == expected[0].dtype and weights.dtype == expected[1].dtype
                assert np.array_equal(docs, expected[0]) and np.array_equal(weights, expected[1])
                wide += bool(len(weights) and weights.max() > 255)
                pdocs, poses = held.positions(leaf, field, tbytes)
                keep = np.array([d not in dead for d in pdocs.tolist()], dtype=bool)
                expected = term_positions(leaf, field, tbytes)
                assert pdocs.dtype == expected[0].dtype and poses.dtype == expected[1].dtype
                assert np.array_equal(pdocs[keep], expected[0])
                assert np.array_equal(poses[keep], expected[1])
            for absent in (held.postings(leaf, field, b"no-such-term"),
                           held.positions(leaf, field, b"no-such-term")):
                assert absent is not None and len(absent[0]) == 0
        assert held.postings(leaf, "people", b"x") is None  # a field it does not hold
        assert held.positions(leaf, "people", b"x") is None
    assert wide, "the repeated word's weight (300) is kept whole"


def test_queries_read_the_file_not_the_blocks(built, monkeypatch):
    expected = _answers(built)

    def no_blocks(*args):
        raise AssertionError("a posting block was decoded")

    monkeypatch.setattr(arrays, "term_postings", no_blocks)
    monkeypatch.setattr(arrays, "term_positions", no_blocks)
    assert _answers(built) == expected
    assert expected[QUERIES.index('"prime minister"')]["total"] > 0
    assert expected[QUERIES.index("echo echo")]["total"] == 1


def _overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 3 : 2 * len(data) // 3] = b"\x01" * (2 * len(data) // 3 - len(data) // 3)
    path.write_bytes(bytes(data))


def _flip(seed: int):
    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        rng = np.random.default_rng(seed)
        for at in rng.integers(0, len(data), size=20):
            data[at] ^= 1 << int(rng.integers(0, 8))
        path.write_bytes(bytes(data))
    return flip


@pytest.mark.parametrize("damage", [_overwrite_middle, *(_flip(s) for s in range(5))])
def test_a_damaged_file_is_never_read_wrong(built, damage):
    """Same size, changed bytes: the answers are those of the posting blocks."""
    expected = _answers(built)
    for path in store.current_dir(built).glob(f"*{docfile.SUFFIX}"):
        damage(path)
    assert _answers(built) == expected


def test_a_file_cut_short_is_refused_as_any_segment_file(built):
    path = next(store.current_dir(built).glob(f"*{docfile.SUFFIX}"))
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexDamaged, match=rf"\({path.name} is 100 bytes long instead"):
        SearchEngine.open(built)


def test_a_file_not_signed_with_its_segment_is_not_read(docs, tmp_path, monkeypatch):
    """An index whose segments have no file (an older searchtui's) is read from its
    blocks; a file planted beside a segment afterwards is not read."""
    with monkeypatch.context() as m:
        m.setattr(docfile, "write", lambda *a, **k: None)
        root = tmp_path / "ix"
        build_index([_corpus(tmp_path / "corpus", docs[:60])], root, config=FAST)
    expected = _answers(root)
    assert expected[QUERIES.index("zebra")]["total"] >= 1
    ix, ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            sid = segarrays.segment_id(leaf)
            # Every term in every document, by the writer's own function.
            lists = [(t, array("I", range(leaf.doc_count_all())),
                      array("d", [1.0] * leaf.doc_count_all()),
                      [encode_positions([0])] * leaf.doc_count_all())
                     for t in leaf.lexicon("body")]
            docfile.write(ixdir, sid, leaf.doc_count_all(), {"body": lists})
    assert list(ixdir.glob(f"*{docfile.SUFFIX}"))
    assert _answers(root) == expected


class _Leaf:
    """A segment's term table holding ``terms``."""

    def __init__(self, terms: set[bytes]):
        self.terms = terms

    def term_info(self, fieldname, tbytes):
        if tbytes not in self.terms:
            raise TermNotFound(tbytes)
        return object()


def test_wide_segments_and_weights_that_are_not_whole(tmp_path):
    """Documents past 65,535 take four bytes, weights that are not whole numbers a float."""
    ndocs = 70_000
    rows = [
        (b"alpha", array("I", [3, 65_999, 69_999]), array("d", [1.0, 2.0, 1.0]), None),
        (b"beta", array("I", [7]), array("d", [0.5]), None),
        (b"gamma", array("I", [1, 2]), array("d", [70_000.0, 1.0]), None),
    ]
    docfile.write(tmp_path, "MAIN_wide", ndocs, {"body": rows})
    path = tmp_path / docfile.file_name("MAIN_wide")
    arrays_held = np.load(path)
    assert arrays_held["body_docs"].dtype == np.uint32
    assert arrays_held["body_weights"].dtype == np.float32
    held = DocsFile(path, "MAIN_wide", ndocs, path.stat().st_size)
    leaf = _Leaf({b"alpha", b"beta", b"gamma"})
    for tbytes, ids, ws, _values in rows:
        docs, weights = held.postings(leaf, "body", tbytes)
        assert docs.tolist() == list(ids) and weights.tolist() == list(ws)
    assert held.positions(leaf, "body", b"alpha") is None  # none given: none kept
    assert len(held.postings(leaf, "body", b"delta")[0]) == 0
    # A term the file lost but the segment has is damage, not an empty list.
    with pytest.raises(Damaged, match="the term is missing"):
        held.postings(_Leaf({b"delta"}), "body", b"delta")
    # Made for another segment, or of another size: not used at all.
    with pytest.raises(docfile.Unusable, match="another segment"):
        DocsFile(path, "MAIN_other", ndocs, path.stat().st_size)
    with pytest.raises(docfile.Unusable, match="size"):
        DocsFile(path, "MAIN_wide", ndocs, path.stat().st_size + 1)



def test_positions_past_two_bytes_and_weights_that_do_not_count_them(tmp_path):
    """Positions past 65,535 take four bytes; a field whose weights are not its
    counts of positions (the title's boost) keeps the counts too."""
    rows = [
        (b"far", array("I", [0, 5]), array("d", [2.0, 1.0]),
         [encode_positions([3, 70_000]), encode_positions([9])]),
        (b"near", array("I", [5]), array("d", [1.0]), [encode_positions([10])]),
    ]
    boosted = [(b"far", array("I", [0]), array("d", [2.0]), [encode_positions([3])])]
    docfile.write(tmp_path, "MAIN_far", 6, {"body": rows, "title": boosted})
    path = tmp_path / docfile.file_name("MAIN_far")
    kept = np.load(path)
    assert kept["body_positions"].dtype == np.uint32
    assert "body_pcounts" not in kept and kept["title_pcounts"].tolist() == [1]
    held = DocsFile(path, "MAIN_far", 6, path.stat().st_size)
    leaf = _Leaf({b"far", b"near"})
    docs, poses = held.positions(leaf, "body", b"far")
    assert docs.tolist() == [0, 0, 5] and poses.tolist() == [3, 70_000, 9]
    docs, poses = held.positions(leaf, "body", b"near")
    assert docs.tolist() == [5] and poses.tolist() == [10]
    assert held.postings(leaf, "title", b"far")[0].tolist() == [0]
    docs, poses = held.positions(leaf, "title", b"far")
    assert docs.tolist() == [0] and poses.tolist() == [3]


def test_check_holds_each_file_to_its_segment(built):
    """A file in good order that says something else than its segment's blocks
    (written whole by the writer, with its checksums) is reported by the check."""
    report = check.check_index(built)
    assert report.sound
    beside = next(c for c in report.checks if c.name == "word lists beside the segments")
    assert beside.ok and beside.detail.endswith("agree with the segments")
    ix, ixdir, _meta = store.open_index(built)
    with ix.reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        sid = segarrays.segment_id(leaf)
        wrong = [(t, array("I", [0]), array("d", [1.0]), [encode_positions([0])])
                 for t in leaf.lexicon("body")]
        docfile.write(ixdir, sid, leaf.doc_count_all(), {"body": wrong})
    report = check.check_index(built)
    assert not report.sound
    beside = next(c for c in report.checks if c.name == "word lists beside the segments")
    assert not beside.ok and "not what the segment holds" in beside.problems[0]
    assert any(f"{sid}.docs.npz" in p for c in report.checks for p in c.problems)


def test_warming_an_engine_opens_the_files_ahead(built, monkeypatch):
    with SearchEngine.open(built) as engine:
        engine.warm()

        def no_opening(*args, **kwargs):
            raise AssertionError("a file was opened by the query")

        monkeypatch.setattr(docfile.DocsFile, "__init__", no_opening)
        assert engine.search(SearchRequest(query='"prime minister" said')).total > 0


def test_warming_an_engine_reads_where_each_segments_stored_articles_start(built, monkeypatch):
    """The first hits' snippets then read their articles, not each segment's table of
    where its articles start (a few milliseconds a segment, on a large index)."""
    from whoosh import columns

    with SearchEngine.open(built) as engine:
        engine.warm()
        read = []
        table = columns.VarBytesColumn.Reader._read_offsets_and_lengths

        def reading(self):
            read.append(self)
            return table(self)

        monkeypatch.setattr(columns.VarBytesColumn.Reader, "_read_offsets_and_lengths", reading)
        result = engine.search(SearchRequest(query="minister", page_size=50))
        assert len({h.docnum for h in result.hits}) > 1 and result.hits[0].snippet
        assert not read


def test_a_large_index_is_checked_by_a_process_a_core_with_the_same_report(built, monkeypatch):
    """Past PARALLEL_DOCS documents each core's process decodes segments: the report is
    the one a check in this process gives, sound or not, and the check says how far it
    has got, through the checksums and then the documents."""
    seen = []
    serial = check.check_index(built)
    monkeypatch.setattr(check, "PARALLEL_DOCS", 1)
    parallel = check.check_index(built, seen.append)
    assert parallel.to_dict() == serial.to_dict() and parallel.sound
    for stage in ("checksums", "contents"):
        steps = [p for p in seen if p.stage == stage]
        assert steps and steps[-1].done == steps[-1].total > 0
        assert all(a.done <= b.done for a, b in zip(steps, steps[1:], strict=False))
    ix, _ixdir, _meta = store.open_index(built)
    assert [p.done for p in seen if p.stage == "contents"][-1] == ix.doc_count_all()
    # a segment's file that disagrees with its blocks, found by a process of the pool
    ix, ixdir, _meta = store.open_index(built)
    with ix.reader() as reader:
        leaf = reader.leaf_readers()[-1][0]
        sid = segarrays.segment_id(leaf)
        wrong = [(t, array("I", [0]), array("d", [1.0]), [encode_positions([0])])
                 for t in leaf.lexicon("body")]
        docfile.write(ixdir, sid, leaf.doc_count_all(), {"body": wrong})
    parallel = check.check_index(built)
    monkeypatch.setattr(check, "PARALLEL_DOCS", 10**12)
    assert parallel.to_dict() == check.check_index(built).to_dict() and not parallel.sound


def test_the_check_shows_how_far_it_has_got(built, capsys):
    from searchtui.cli import main

    code = main(["check", "--index", str(built)])
    err = capsys.readouterr().err
    assert code == 0
    assert "checking: checksums" in err and "checking: decoding" in err
    assert "documents (100%)" in err


def test_the_time_left_is_said_once_the_pace_is_known():
    early = check.CheckProgress("checksums", 1, 1000, 0.01)
    assert early.left is None  # a first file read fast says little of the rest
    later = check.CheckProgress("contents", 250, 1000, 10.0)
    assert later.left == pytest.approx(30.0)
    assert check.CheckProgress("contents", 0, 1000, 10.0).left is None


def test_a_word_no_article_has_is_not_looked_for_in_each_segment_once_the_words_are_read(
    built, monkeypatch
):
    """Before the words are read, each segment is asked; once they are, a word that is
    not among them has no articles at once, and every other word gives what asking
    each segment gives."""
    from searchtui.arrays import IndexData

    with SearchEngine.open(built) as engine:
        data = engine._data
        asked: list[bytes] = []
        ask = IndexData._term_postings

        def counted(self, leaf, fieldname, tbytes):
            asked.append(tbytes)
            return ask(self, leaf, fieldname, tbytes)

        ask_all = IndexData._all_postings

        def counted_all(self, fieldname, tbytes):  # every segment at once
            asked.append(tbytes)
            return ask_all(self, fieldname, tbytes)

        monkeypatch.setattr(IndexData, "_term_postings", counted)
        monkeypatch.setattr(IndexData, "_all_postings", counted_all)
        before = {w: data.postings("body", w) for w in ("minist", "zqxv", "prime")}
        assert b"zqxv" in asked and len(before["zqxv"][0]) == 0
        engine.warm()
        data._postings = arrays._LRU(arrays.POSTINGS_CACHE)  # nothing kept from before
        asked.clear()
        after = {w: data.postings("body", w) for w in ("minist", "zqxv", "prime")}
        assert b"zqxv" not in asked and b"prime" in asked
        for w in before:
            assert after[w][0].tolist() == before[w][0].tolist()
            assert after[w][1].tolist() == before[w][1].tolist()
        assert engine.search(SearchRequest(query="zqxv")).total == 0
        assert engine.search(SearchRequest(query='"prime minister" said')).total > 0


def test_warming_reads_every_segments_table_of_terms(built, monkeypatch):
    """Reading ahead brings each file's table of terms into memory (a first lookup
    then faults no page in); what is read from the files stays the same."""
    with SearchEngine.open(built) as engine:
        data = engine._data
        before = {w: data.postings("body", w) for w in ("minist", "prime", "zqxv")}
        read = []
        original = docfile.DocsFile.read_tables

        def counted(self):
            read.append(self.segment_id)
            return original(self)

        monkeypatch.setattr(docfile.DocsFile, "read_tables", counted)
        engine.warm()
        held = [f for f in data._docfiles.values() if f is not None]
        assert held and sorted(read) == sorted(f.segment_id for f in held)
        data._postings = arrays._LRU(arrays.POSTINGS_CACHE)
        for w, (docs, weights) in before.items():
            again = data.postings("body", w)
            assert again[0].tolist() == docs.tolist() and again[1].tolist() == weights.tolist()


@pytest.mark.skipif(kernels.loops is None, reason="the loops are not compiled here")
def test_every_segment_at_once_gives_what_each_segment_gives(built):
    """A term's lists read from every segment in one call (the index has deleted
    articles and segments of several sizes) are those read segment by segment."""
    from searchtui import lexicon

    with SearchEngine.open(built) as engine:
        data = engine._data
        assert any(leaf.has_deletions() for leaf, _offset in data.leaves)
        assert len(data.leaves) > 2
        for field in ("body", "title"):
            words = lexicon.lexicon(data.reader, field).sorted()
            assert words
            for word in [*words[:: max(1, len(words) // 300)], "zqxv"]:
                tbytes = word.encode("utf-8")
                at_once = data._all_postings(field, tbytes)
                assert at_once is not None
                one_by_one = [data._term_postings(leaf, field, tbytes) for leaf, _o in data.leaves]
                docs = [d + o for (d, _w), (_l, o) in zip(one_by_one, data.leaves, strict=True)]
                expected = np.concatenate(docs) if docs else np.zeros(0, np.int64)
                weights = np.concatenate([w for _d, w in one_by_one])
                keep = data.live[expected]
                assert at_once[0].tolist() == expected[keep].tolist(), word
                assert at_once[1].tolist() == weights[keep].tolist(), word
                assert at_once[0].dtype == np.int32 and at_once[1].dtype == np.float32


def test_a_file_found_wrong_reading_every_segment_is_read_no_more(built):
    """When the one call finds a segment's file wrong, the term is read segment by
    segment, which finds which file it is and reads that segment's blocks instead:
    the answers are those of an undamaged index."""
    paths = sorted(store.current_dir(built).glob(f"*{docfile.SUFFIX}"))
    expected = _answers(built)
    _flip(11)(paths[0])
    assert _answers(built) == expected
