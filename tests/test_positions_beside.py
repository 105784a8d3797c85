"""The body's positions kept only in the word lists beside each segment.

An index that ``searchtui index`` builds keeps each body posting's count in
Whoosh's blocks (as its weight: ``schema.Counts``; as its weight and its value in
indexes of schema version 3: Whoosh's ``Frequency``) and its positions only in the
segment's file of word lists (``docfile``). These tests hold that what a reader finds is what an
index with positions in its blocks gives: written, merged (with deletions, and
with a damaged file), read back when the file is missing or damaged (from the
stored text), matched as sloppy phrases, and checked.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_bulkwrite import _documents, assert_same_index
from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Frequency, Positions
from whoosh.writing import SegmentWriter

from searchtui import arrays, mapped, store
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.models import SearchRequest
from searchtui.schema import (
    SKETCH_BYTES,
    SKETCH_BYTES_V3,
    SKETCH_BYTES_V4,
    SKETCH_FIELD,
    Counts,
    analyse_positions,
    make_schema,
    path_once,
    sketch_bytes,
    stored_body,
    stored_path,
)
from searchtui.search import SearchEngine
from searchtui.whooshext import OffsetPhrase, docfile, postings
from searchtui.whooshext.columns import fixed_bytes
from searchtui.whooshext.segments import BulkWriter

CONFIG = Config(extractor="none")


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _documents(240)


def _schema(body_positions: bool, counts: str = "Counts", whole: bool = False,
            v4: bool = False):
    """``make_schema``; ``counts`` "Frequency": the body's counts kept as values too, as
    in an index of schema version 3; ``whole`` also the rest of version 3 (the file
    hash indexed, 32-bit story minima, every path kept); ``v4``: what version 4 has
    that version 5 does not (every path kept, 16-bit story minima)."""
    schema = make_schema(body_positions=body_positions)
    if v4 or whole:
        schema.remove("path")
        schema.add("path", fields.ID(stored=True))
    if v4:
        schema.remove(SKETCH_FIELD)
        schema.add(SKETCH_FIELD, fields.COLUMN(fixed_bytes(SKETCH_BYTES_V4)))
    if counts == "Frequency":
        schema["body"].format = Frequency()
    if whole:
        schema.remove("hash")
        schema.add("hash", fields.ID(stored=True))
        schema.remove(SKETCH_FIELD)
        schema.add(SKETCH_FIELD, fields.COLUMN(fixed_bytes(SKETCH_BYTES_V3)))
    return schema


def _write(folder: Path, docs: list[dict], writer_class, *, body_positions: bool,
           counts: str = "Counts", **kwargs):
    folder.mkdir(parents=True, exist_ok=True)
    ix = FileStorage(str(folder)).create_index(_schema(body_positions, counts))
    writer = writer_class(ix, codec=W3Codec(compression=0), compound=False, **kwargs)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    return FileStorage(str(folder)).open_index()


def _delete(folder: Path, keys: set[str]):
    ix = FileStorage(str(folder)).open_index()
    writer = BulkWriter(ix, codec=W3Codec(compression=0), compound=False)
    for key in sorted(keys):
        writer.delete_by_term("key", key)
    writer.commit(merge=False)


def _merge(folder: Path, writer_class=BulkWriter):
    ix = FileStorage(str(folder)).open_index()
    writer_class(ix, codec=W3Codec(compression=0), compound=False).commit(optimize=True)
    return FileStorage(str(folder)).open_index()


def _held(folder: Path, leaf) -> docfile.DocsFile:
    sid = postings.segment_id(leaf)
    path = folder / docfile.file_name(sid)
    return docfile.DocsFile(path, sid, leaf.doc_count_all(), path.stat().st_size)


def _kept_positions(ix, folder: Path, field: str = "body") -> dict[str, list[tuple[str, int]]]:
    """Each term's (article key, position) pairs of live documents, as the files beside
    the segments keep them."""
    out: dict[str, list[tuple[str, int]]] = {}
    with ix.reader() as r:
        for leaf, _offset in r.leaf_readers():
            held = _held(folder, leaf)
            keys = {d: f["key"] for d, f in leaf.iter_docs()}  # live documents only
            for tbytes in leaf.lexicon(field):
                found = held.positions(leaf, field, tbytes)
                assert found is not None
                pairs = [(keys[d], p) for d, p in zip(*map(np.ndarray.tolist, found),
                                                     strict=True) if d in keys]
                if pairs:
                    out.setdefault(tbytes.decode(), []).extend(pairs)
    return {t: sorted(v) for t, v in out.items()}


def _text_positions(docs: list[dict]) -> dict[str, list[tuple[str, int]]]:
    """Each term's (article key, position) pairs, from the documents' text."""
    out: dict[str, list[tuple[str, int]]] = {}
    for doc in docs:
        text = stored_body(doc.get("_stored_body", doc["body"]))
        for term, pl in analyse_positions(text).items():
            out.setdefault(term, []).extend((doc["key"], p) for p in pl)
    return {t: sorted(v) for t, v in out.items()}


@pytest.mark.parametrize("counts", ["Counts", "Frequency"])
def test_blocks_keep_counts_and_the_file_keeps_positions(docs, tmp_path, counts):
    old = _write(tmp_path / "old", docs, BulkWriter, body_positions=True)
    new = _write(tmp_path / "new", docs, BulkWriter, body_positions=False, counts=counts)
    assert isinstance(old.schema["body"].format, Positions)
    assert type(new.schema["body"].format).__name__ == counts
    assert isinstance(new.schema["title"].format, Positions)  # small: kept in the blocks
    # Whoosh's own writer gives the same blocks for the counted body
    stock = _write(tmp_path / "stock", docs, SegmentWriter, body_positions=False, counts=counts)
    assert assert_same_index(stock, new) > 10 * len(docs)
    with old.reader() as ro, new.reader() as rn:
        terms = [t for f, t in ro.all_terms() if f == "body"]
        assert terms == [t for f, t in rn.all_terms() if f == "body"]
        for tbytes in terms[::7]:
            mo, mn = ro.postings("body", tbytes), rn.postings("body", tbytes)
            while mo.is_active():
                assert mn.id() == mo.id()
                assert mn.weight() == mo.weight() == len(mo.value_as("positions"))
                if counts == "Frequency":
                    assert mn.value_as("frequency") == len(mo.value_as("positions"))
                else:
                    assert not mn.value()  # the weight is the count
                mo.next()
                mn.next()
            assert not mn.is_active()
    kept = _kept_positions(new, tmp_path / "new")
    assert kept == _kept_positions(old, tmp_path / "old") == _text_positions(docs)

    def size(folder: Path, suffix: str) -> int:
        return sum(p.stat().st_size for p in folder.iterdir() if p.name.endswith(suffix))

    assert size(tmp_path / "new", ".pst") < 0.8 * size(tmp_path / "old", ".pst")
    if counts == "Counts":
        _write(tmp_path / "v3", docs, BulkWriter, body_positions=False,
                        counts="Frequency")
        assert size(tmp_path / "new", ".pst") < 0.9 * size(tmp_path / "v3", ".pst")


@pytest.mark.parametrize("damage", ["none", "file missing", "file damaged"])
def test_merges_carry_the_positions(docs, tmp_path, damage):
    """Merged segments' positions come from their files, or from their stored text
    when a file is missing or damaged; deleted documents are left out."""
    folder = tmp_path / "ix"
    ix = _write(folder, docs, BulkWriter, body_positions=False, limit_mb=0.15)
    segments = ix._segments()
    assert len(segments) > 3
    gone = {d["key"] for d in docs[::7]}
    _delete(folder, gone)
    stock_folder = tmp_path / "stock"
    shutil.copytree(folder, stock_folder)
    victim = folder / docfile.file_name(segments[1].segment_id())
    if damage == "file missing":
        victim.unlink()
    elif damage == "file damaged":
        offset, dtype, count = mapped.MappedArrays(victim).place("body_positions")
        raw = bytearray(victim.read_bytes())
        for i in range(0, count * dtype.itemsize, 97):  # same size: each term's check fails
            raw[offset + i] ^= 0x5A
        victim.write_bytes(bytes(raw))
    merged = _merge(folder)
    assert len(merged._segments()) == 1
    assert_same_index(_merge(stock_folder, SegmentWriter), merged, blocks=False)
    live = [d for d in docs if d["key"] not in gone]
    assert _kept_positions(merged, folder) == _text_positions(live)


def _corrupt_positions(path: Path) -> None:
    offset, dtype, count = mapped.MappedArrays(path).place("body_positions")
    raw = bytearray(path.read_bytes())
    for i in range(0, count * dtype.itemsize, 13):
        raw[offset + i] ^= 0xFF
    path.write_bytes(bytes(raw))


def _phrases(docs: list[dict], n: int, seed: int) -> list[str]:
    """Phrases of two or three words taken from the bodies, some sloppy."""
    rnd = random.Random(seed)
    out = []
    for doc in rnd.sample(docs, n):
        words = doc["body"].split()
        i = rnd.randrange(max(1, len(words) - 4))
        k = rnd.choice([2, 2, 3])
        phrase = " ".join(w.strip(".,;:\"'()") for w in words[i : i + k])
        out.append(f'"{phrase}"' + rnd.choice(["", "", "~2", "~4"]))
    return out


def _totals(root: Path, queries: list[str]) -> list[int]:
    engine = SearchEngine(root)
    try:
        return [engine.search(SearchRequest(query=q, facets=(), histogram=False, snippets=False,
                                            suggest=False)).total for q in queries]
    finally:
        engine.close()


def test_phrases_read_the_stored_text_when_the_file_is_damaged(docs, tmp_path):
    from test_bulkwrite import _write_files

    corpus = _write_files(tmp_path / "corpus", docs[:120])
    root = tmp_path / "index"
    build_index([corpus], root, config=CONFIG, workers=1)
    queries = _phrases(docs[:120], 40, seed=4)
    before = _totals(root, queries)
    assert sum(1 for t in before if t) > 30
    ix, ixdir, _meta = store.open_index(root)
    assert isinstance(ix.schema["body"].format, Counts)
    files = sorted(ixdir.glob(f"*{docfile.SUFFIX}"))
    assert files
    for path in files:
        _corrupt_positions(path)  # the manifest lists the size, which is unchanged
    assert _totals(root, queries) == before
    # and with no file at all
    with ix.reader() as reader:
        data = arrays.IndexData(reader, None, write_cache=False)
        whole = arrays.IndexData(reader, ixdir, write_cache=False)
        for q in queries:
            words = tuple(analyse_positions(q.split('"')[1]))
            if len(words) < 2:
                continue
            candidates = np.ones(data.ndocs, dtype=bool)
            assert np.array_equal(data.phrase_mask("body", words, candidates),
                                  whole.phrase_mask("body", words, candidates))


def test_sloppy_phrases_match_as_whoosh_matches_them(docs, tmp_path):
    """Sloppy phrases are matched from the positions arrays, as Whoosh's span query
    matches them over positions kept in its blocks."""
    ix = _write(tmp_path / "ix", docs, BulkWriter, body_positions=True)
    rnd = random.Random(11)
    checked = matched = 0
    with ix.searcher() as searcher:
        reader = searcher.reader()
        data = arrays.IndexData(reader, None, write_cache=False)
        everyone = np.ones(data.ndocs, dtype=bool)
        for doc in rnd.sample(docs, 60):
            words = list(analyse_positions(doc["body"]))
            for _ in range(3):
                k = rnd.choice([2, 3])
                i = rnd.randrange(max(1, len(words) - 8))
                picked = [words[i + j * rnd.choice([1, 2])] for j in range(k)]
                if rnd.random() < 0.2:
                    picked[-1] = picked[0]  # a word twice
                offsets = sorted(rnd.sample(range(0, 4), k))
                offsets = [o - offsets[0] for o in offsets]
                for slop in (1, 2, 3, 6):
                    q = OffsetPhrase("body", picked, slop=slop, offsets=offsets)
                    want = np.zeros(data.ndocs, dtype=bool)
                    want[list(searcher.docs_for_query(q))] = True
                    got = data.phrase_mask("body", tuple(picked), everyone, tuple(offsets), slop)
                    assert np.array_equal(got, want), (picked, offsets, slop)
                    checked += 1
                    matched += int(want.any())
    assert checked >= 600 and matched > 150


def test_check_compares_kept_positions_with_the_stored_text(docs, tmp_path):
    folder = tmp_path / "ix"
    ix = _write(folder, docs[:80], BulkWriter, body_positions=False)
    with ix.reader() as r:
        (leaf, _o), = list(r.leaf_readers())
        path = folder / docfile.file_name(postings.segment_id(leaf))
        assert docfile.check_file(leaf, path) == []
        # positions moved by one, their checksums made again: only the text tells
        with mapped.MappedArrays(path) as z:
            arrays_ = {name: np.array(z[name]) for name in z.files}
        term = next(i for i, n in enumerate(np.diff(arrays_["body_pstarts"])) if n > 3)
        a, b = arrays_["body_pstarts"][term], arrays_["body_pstarts"][term + 1]
        arrays_["body_positions"][a:b] += 1
        ends = arrays_["body_ends"]
        tbytes = arrays_["body_terms"][(ends[term - 1] if term else 0) : ends[term]].tobytes()
        arrays_["body_pcrc"][term] = docfile._crc(tbytes, arrays_["body_positions"][a:b].data)
        path.unlink()
        with open(path, "wb") as fh:
            mapped.save(fh, arrays_)
        problems = docfile.check_file(leaf, path)
    assert len(problems) == 1 and tbytes.decode() in problems[0]


def test_an_index_of_schema_version_3_is_searched_and_refreshed_as_before(
    docs, tmp_path, monkeypatch
):
    """Version 3 kept each body count as Whoosh's ``Frequency`` value too: such an
    index is read and refreshed as it is, and gives what a new one gives."""
    from test_bulkwrite import _write_files

    from searchtui import indexer

    corpus = _write_files(tmp_path / "corpus", docs[:100])
    copied = (corpus / "a0007.txt").read_text(encoding="utf-8")
    (corpus / "copy.txt").write_text("Another headline\n" + copied.split("\n", 1)[1])
    queries = _phrases(docs[:100], 30, seed=9) + ["government", "said OR told", "market"]
    new_root, old_root = tmp_path / "new", tmp_path / "v3"
    build_index([corpus], new_root, config=CONFIG, workers=1)
    with monkeypatch.context() as m:
        v3 = lambda **kw: _schema(counts="Frequency", whole=True, **kw)  # noqa: E731
        m.setattr(indexer, "make_schema", v3)
        m.setattr(store, "SCHEMA_VERSION", 3)
        build_index([corpus], old_root, config=CONFIG, workers=1)
    ix, ixdir, meta = store.open_index(old_root)
    assert meta["schema_version"] == 3
    assert type(ix.schema["body"].format) is Frequency
    assert sketch_bytes(ix.schema) == SKETCH_BYTES_V3
    for root in (new_root, old_root):  # stories from 16- and from 32-bit minima
        with SearchEngine(root) as engine:
            copies = engine.copies(str(corpus / "copy.txt"))
            assert [c.path for c in copies] == [str(corpus / "a0007.txt")]
    before = _totals(new_root, queries)
    assert sum(1 for t in before if t) > 25
    assert _totals(old_root, queries) == before
    # refreshed by this version: new articles take the index's own format
    more = _write_files(tmp_path / "more", docs[100:160])
    for path in more.iterdir():
        shutil.copy(path, corpus / f"b{path.name}")
    for root in (new_root, old_root):
        build_index([corpus], root, config=CONFIG, workers=1)
    ix, ixdir, meta = store.open_index(old_root)
    assert meta["schema_version"] == 3
    assert type(ix.schema["body"].format) is Frequency
    with ix.reader() as reader:
        leaves = [leaf for leaf, _o in reader.leaf_readers()]
        assert len(leaves) >= 1
        m = reader.postings("body", b"said")
        assert m.value_as("frequency") == m.weight() > 0
    queries += _phrases(docs[100:160], 20, seed=10)
    after = _totals(new_root, queries)
    assert sum(after[: len(before)]) > sum(before)
    assert _totals(old_root, queries) == after


def test_a_file_of_one_article_keeps_its_path_once_and_an_older_index_every_path(
    docs, tmp_path, monkeypatch
):
    """Version 5 keeps a path only where it is not the key (rows of a table share
    their file); an index of version 4 keeps every path, also when this version
    refreshes it. Either way a changed or deleted file's articles go, and each
    article's path reads back the same."""
    from test_bulkwrite import _write_files
    from test_indexer import stored

    from searchtui import indexer

    def _stored(root: Path) -> list[dict]:
        return list(stored(root).values())

    corpus = _write_files(tmp_path / "corpus", docs[:40])
    (corpus / "rows.csv").write_text(
        "title,body\nQuay tolls rise,The harbour board raised quay tolls.\n"
        "Ferry fares fall,The ferry company cut fares for the winter.\n",
        encoding="utf-8",
    )
    new_root, old_root = tmp_path / "v5", tmp_path / "v4"
    build_index([corpus], new_root, config=CONFIG, workers=1)
    with monkeypatch.context() as m:
        m.setattr(indexer, "make_schema", lambda **kw: _schema(v4=True, **kw))
        m.setattr(store, "SCHEMA_VERSION", 4)
        build_index([corpus], old_root, config=CONFIG, workers=1)
    ix, _ixdir, meta = store.open_index(old_root)
    assert meta["schema_version"] == 4 and not path_once(ix.schema)
    assert sketch_bytes(ix.schema) == SKETCH_BYTES_V4
    assert path_once(store.open_index(new_root)[0].schema)
    assert sketch_bytes(store.open_index(new_root)[0].schema) == SKETCH_BYTES

    def paths(root: Path) -> list[str]:
        return sorted(stored_path(d) for d in _stored(root))

    def check(root: Path, every: bool) -> None:
        for d in _stored(root):
            row = d["key"] != stored_path(d)
            assert ("path" in d) == (every or row)
            assert d["key"].startswith(stored_path(d))
            assert row == d["key"].startswith(str(corpus / "rows.csv#"))

    for root, every in ((new_root, False), (old_root, True)):
        check(root, every)
    assert paths(new_root) == paths(old_root)
    assert paths(new_root).count(str(corpus / "rows.csv")) == 2
    # a changed file, a deleted one, a new one and a changed table, refreshed
    changed = corpus / "a0003.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nQuillwort survey.\n")
    (corpus / "a0004.txt").unlink()
    shutil.copy(corpus / "a0005.txt", corpus / "new.txt")
    with (corpus / "rows.csv").open("a", encoding="utf-8") as fh:
        fh.write("Pier reopens,The pier reopened after repairs.\n")
    for root, every in ((new_root, False), (old_root, True)):
        report = build_index([corpus], root, config=CONFIG, workers=1)
        # updated: the changed file and the table's three rows
        assert (report.added, report.updated, report.deleted) == (1, 4, 1)
        check(root, every)
        with SearchEngine(root) as engine:
            assert engine.search(SearchRequest(query="quillwort")).total == 1
            assert engine.search(SearchRequest(query="pier")).total == 1
            assert engine.document(str(changed)).path == str(changed)
            assert engine.document(str(corpus / "new.txt")).path == str(corpus / "new.txt")
            # a copy added by the refresh joins its story, from 8- or 16-bit minima
            copies = engine.copies(str(corpus / "new.txt"))
            assert [c.path for c in copies] == [str(corpus / "a0005.txt")]
    expected = sorted([str(p) for p in corpus.glob("*.txt")] + [str(corpus / "rows.csv")] * 3)
    assert paths(new_root) == paths(old_root) == expected
