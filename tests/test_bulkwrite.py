"""The bulk segment writer against Whoosh's own SegmentWriter.

The same documents are written by both into temporary indexes, which must
hold the same documents, stored fields, field lengths, terms, term statistics,
posting blocks and postings (ids, weights, positions), and answer searches the
same. Documents are real Wikinews articles when the shared corpus is there,
generated ones otherwise.
"""

from __future__ import annotations

import datetime as dt
import pickle
import pickletools
import random
import shutil
import zlib
from pathlib import Path

import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.writing import SegmentWriter

from searchtui import articles as articles_mod
from searchtui import indexer, whooshext
from searchtui.config import Config
from searchtui.indexer import article_document, build_index
from searchtui.models import ENTITY_FIELDS, Article, SearchRequest
from searchtui.schema import make_schema
from searchtui.search import SearchEngine
from searchtui.whooshext.segments import (
    BLOCK_LEVEL,
    COMPRESS_FROM,
    BulkWriter,
    encode_positions,
    inline_pickle,
)

PEOPLE = ["Ann Lee", "Bo Diaz", "Cy Young", "Dee Ray", "Ed Wu", "Fay Ho"]
PLACES = ["Paris", "Lagos", "Lima", "Oslo", "Perth"]
WORDS = (
    "senate budget climate talks vote court census trade market energy oil vaccine "
    "election campaign harbour bridge river mayor strike rail port school water"
).split()


def _generated(n: int) -> list[Article]:
    rnd = random.Random(7)
    out = []
    for i in range(n):
        words = rnd.randint(5, 400)
        body = " ".join(
            rnd.choice(WORDS) + ("" if rnd.random() < 0.9 else f"{i}") for _ in range(words)
        )
        if i % 3 == 0:
            # phrases and common words the search comparison asks for
            body += " The prime minister said it was a good year for the united states."
        out.append(Article(
            key=f"gen-{i}", path=f"/corpus/gen-{i}.txt", title=f"Story {i} on {rnd.choice(WORDS)}",
            body=body, authors=rnd.sample(PEOPLE, rnd.randint(0, 2)),
            publication=rnd.choice(["Daily Post", "The Ledger", None]),
            date=dt.date(2019, 1, 1) + dt.timedelta(days=i),
        ))
    return out


def _documents(limit: int = 300) -> list[dict]:
    corpus = shared_path("corpora", "wikinews")
    arts: list[Article] = []
    if corpus.is_dir():
        files, _ = articles_mod.discover([corpus])
        for f in files:
            arts.extend(articles_mod.read_file(f).articles)
            if len(arts) >= limit:
                break
    arts = arts[:limit] or _generated(limit)
    rnd = random.Random(3)
    docs = []
    for a in arts:
        doc = article_document(a, "h" * 16, None)
        # Entity values, so the exact-value fields have postings of their own.
        for name in ENTITY_FIELDS:
            pool = PEOPLE if name == "people" else PLACES
            values = rnd.sample(pool, rnd.randint(0, 3))
            if values:
                doc[name] = sorted(values)
        docs.append(doc)
    return docs


def _write(folder: Path, docs: list[dict], writer_class, **kwargs):
    folder.mkdir(parents=True, exist_ok=True)
    ix = FileStorage(str(folder)).create_index(make_schema())
    writer = writer_class(ix, codec=W3Codec(compression=0), compound=False, **kwargs)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    return FileStorage(str(folder)).open_index()


def _blocks(m) -> list[tuple]:
    """(count, last id, max weight, min length, max length) of each posting block; a
    term of one posting is compared posting by posting only (the bulk writer inlines it
    into its term info, Whoosh's writes a block)."""
    if isinstance(m, ListMatcher) or (isinstance(m, W3LeafMatcher) and m._lastblock
                                      and m._blocklength == 1):
        assert len(list(m.all_ids())) == 1
        return []
    assert isinstance(m, W3LeafMatcher)
    out = []
    while True:
        out.append((m._blocklength, m._maxid, m._maxweight, m._minlength, m._maxlength))
        if m._lastblock:
            return out
        m._goto(m._nextoffset)


def _postings(reader, fieldname, tbytes) -> list[tuple]:
    m = reader.postings(fieldname, tbytes)
    positions = isinstance(reader.schema[fieldname].format, Positions)
    out = []
    while m.is_active():
        # no value: None from a block, b"" from an inlined posting
        value = m.value_as("positions") if positions else m.value() or None
        out.append((m.id(), m.weight(), value))
        m.next()
    return out


def _term_stats(reader, fieldname, tbytes) -> tuple:
    ti = reader.term_info(fieldname, tbytes)
    return (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight(),
            ti.min_id(), ti.max_id())


def assert_same_index(ix_a, ix_b, *, blocks: bool = True) -> int:
    """Everything a reader sees is the same in both; returns the postings compared."""
    compared = 0
    with ix_a.reader() as ra, ix_b.reader() as rb:
        assert ra.doc_count_all() == rb.doc_count_all()
        assert ra.doc_count() == rb.doc_count()
        assert list(ra.iter_docs()) == list(rb.iter_docs())
        schema = ra.schema
        indexed = [name for name, f in schema.items() if f.indexed]
        for name in indexed:
            assert ra.field_length(name) == rb.field_length(name), name
            if schema[name].scorable:
                assert ra.min_field_length(name) == rb.min_field_length(name), name
                assert ra.max_field_length(name) == rb.max_field_length(name), name
            for d in range(ra.doc_count_all()):
                assert ra.doc_field_length(d, name) == rb.doc_field_length(d, name), (name, d)
        terms = list(ra.all_terms())
        assert terms == list(rb.all_terms())
        for fieldname, tbytes in terms:
            assert _term_stats(ra, fieldname, tbytes) == _term_stats(rb, fieldname, tbytes)
            pa = _postings(ra, fieldname, tbytes)
            assert pa == _postings(rb, fieldname, tbytes), (fieldname, tbytes)
            compared += len(pa)
            if blocks:
                blocks_a = _blocks(ra.postings(fieldname, tbytes))
                assert blocks_a == _blocks(rb.postings(fieldname, tbytes))
    return compared


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _documents()


@pytest.fixture(scope="module")
def stock_ix(docs, tmp_path_factory):
    return _write(tmp_path_factory.mktemp("stock"), docs, SegmentWriter)


def test_encode_positions_is_whoosh_encoding():
    encode = Positions().encode
    rnd = random.Random(1)
    cases = [[0], [1], [255], [256], [65535], [65536], [70000], [0, 1], [3, 300, 70000, 70001]]
    for _ in range(2000):
        n = rnd.choice([1, 1, 2, 3, 10, 200, 1500])
        cases.append(sorted(rnd.sample(range(100_000), n)))
    for poslist in cases:
        assert encode_positions(poslist) == encode(poslist), poslist
        assert encode_positions(poslist) == encode(poslist)  # cached the second time


def test_same_index_as_whoosh(docs, stock_ix, tmp_path):
    bulk = _write(tmp_path / "bulk", docs, BulkWriter)
    assert len(bulk._segments()) == 1
    compared = assert_same_index(stock_ix, bulk)
    # Enough postings for many-block terms on the body.
    assert compared > 10 * len(docs)
    with bulk.reader() as r:
        assert max(r.doc_frequency("body", t) for t in r.lexicon("body")) > 128


_VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["Ann Lee", "Bo", "", "é, x", "Ann Lee "]) | _VALUES, max_size=8),
    st.sampled_from([1.0, 2.5]),
)
def test_plain_postings_are_whooshs(values, boost):
    """Each field whose terms are its values as given: the postings the bulk writer
    makes for a list of values (or a whole string, where the analyzer takes it whole)
    are those of Whoosh's own ``field.index``."""
    from whoosh import fields as wfields

    from searchtui.whooshext.segments import _plain_kind, _plain_postings

    schema = make_schema()
    fields = [schema[name] for name in schema.names() if schema[name].indexed]
    fields += [wfields.ID(field_boost=boost), wfields.KEYWORD(field_boost=boost, scorable=True)]
    plain = [f for f in fields if _plain_kind(f) is not None]
    assert {type(f.format).__name__ for f in plain} == {"Existence", "Frequency"}
    for field in plain:
        kind, fb = _plain_kind(field), field.format.field_boost
        assert sorted(_plain_postings(values, kind, fb)) == sorted(field.index(values))
        if type(field.analyzer).__name__ == "IDTokenizer" and values:
            whole = values[0]
            assert sorted(_plain_postings(whole, kind, fb)) == sorted(field.index(whole))


@given(
    st.integers(min_value=0, max_value=2**32),
    st.one_of(st.integers(min_value=-(2**33), max_value=2**33),
              st.floats(allow_nan=False, width=32)),
    st.one_of(st.binary(max_size=300), st.text(max_size=4)),
)
@settings(max_examples=300, deadline=None)
def test_an_inlined_posting_is_the_shortest_pickle_of_it(doc, weight, value):
    """``inline_pickle`` is what pickle makes of an inlined term's postings at protocol
    3 without the memo (Whoosh unpickles it), spelled by hand for speed."""
    made = inline_pickle(doc, weight, value)
    assert pickle.loads(made) == ((doc,), (weight,), (value,))
    shortest = pickletools.optimize(pickle.dumps(((doc,), (weight,), (value,)), 3))
    if type(value) is bytes and -(2**31) <= weight < 2**31 and doc < 2**31:
        assert made == shortest
    assert len(made) <= len(pickle.dumps(((doc,), (weight,), (value,)), 3))


def test_long_blocks_are_compressed_and_short_ones_not(docs, stock_ix, tmp_path):
    """Blocks of COMPRESS_FROM bytes or more are zlib-compressed (Whoosh reads them
    as its own compressed blocks); the postings are the same as Whoosh's writer's."""
    bulk = _write(tmp_path / "bulk", docs, BulkWriter)
    # per header level: (bytes on disk, bytes of the pickled data) of each block
    levels: dict[int, list[tuple[int, int]]] = {0: [], BLOCK_LEVEL: []}
    inlined = 0
    with bulk.reader() as r:
        for fieldname, tbytes in r.all_terms():
            m = r.postings(fieldname, tbytes)
            if r.doc_frequency(fieldname, tbytes) == 1:
                # a term of one posting keeps it in its term info: no block
                assert isinstance(m, ListMatcher) and r.term_info(fieldname, tbytes).is_inlined()
                inlined += 1
                continue
            assert isinstance(m, W3LeafMatcher)
            while True:
                stored = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
                data = zlib.decompress(stored) if m._compression else stored
                levels[m._compression].append((len(stored), len(data)))
                if m._lastblock:
                    break
                m._goto(m._nextoffset)
    plain, packed = levels[0], levels[BLOCK_LEVEL]
    assert plain and packed and inlined > len(docs)
    assert max(d for _s, d in plain) < COMPRESS_FROM <= min(d for _s, d in packed)
    # the compressed blocks take less than half their data's size
    assert sum(s for s, _d in packed) < 0.5 * sum(d for _s, d in packed)
    assert_same_index(stock_ix, bulk)


def test_memory_bound_starts_new_segments(docs, stock_ix, tmp_path):
    bulk = _write(tmp_path / "bulk", docs, BulkWriter, limit_mb=0.25)
    segments = bulk._segments()
    assert len(segments) > 2
    assert sum(s.doc_count_all() for s in segments) == len(docs)
    # Block boundaries differ with the segments; everything else is the same.
    assert_same_index(stock_ix, bulk, blocks=False)


def test_merged_segments_take_whoosh_path(docs, stock_ix, tmp_path):
    """A segment that the merge policy feeds other segments into is still right."""
    folder = tmp_path / "merged"
    half = len(docs) // 2
    ix = _write(folder, docs[:half], BulkWriter, limit_mb=0.1)
    assert len(ix._segments()) > 1
    writer = BulkWriter(ix, codec=W3Codec(compression=0), compound=False)
    for doc in docs[half:]:
        writer.add_document(**doc)
    writer.commit(optimize=True)
    ix = FileStorage(str(folder)).open_index()
    assert len(ix._segments()) == 1
    with ix.reader() as r, stock_ix.reader() as s:
        # Merging puts the older documents after the new ones: compare by key.
        ours = {f["key"]: f for _d, f in r.iter_docs()}
        assert ours == {f["key"]: f for _d, f in s.iter_docs()}
        assert list(r.all_terms()) == list(s.all_terms())
        for fieldname, tbytes in [t for t in s.all_terms() if t[0] == "body"][::50]:
            ids_r = r.postings(fieldname, tbytes).all_ids()
            ids_s = s.postings(fieldname, tbytes).all_ids()
            keys_r = sorted(r.stored_fields(d)["key"] for d in ids_r)
            keys_s = sorted(s.stored_fields(d)["key"] for d in ids_s)
            assert keys_r == keys_s


def _stored_column(leaf):
    from whoosh.codec.whoosh3 import STORED_COLUMN

    return leaf._perdoc._cached_reader("_stored", STORED_COLUMN)._child


def _assert_offsets_kept(ix) -> None:
    with ix.reader() as r:
        leaves = [leaf for leaf, _ in r.leaf_readers()]
        assert leaves and all(leaf.doc_count_all() < 100 for leaf in leaves)
        for leaf in leaves:
            column = _stored_column(leaf)
            assert column.had_stored_offsets
            # the offsets written are the sums of the lengths before them
            assert list(column._offsets) == [
                sum(column._lengths[:i]) for i in range(leaf.doc_count_all())
            ]


def test_stored_articles_are_found_without_adding_up_lengths(docs, tmp_path):
    """Every segment written or merged keeps where each stored article starts, however
    few it holds (Whoosh's own writer only past 32,768), and reads the same."""
    folder = tmp_path / "few"
    ix = _write(folder, docs[:40], BulkWriter, limit_mb=0.02)
    assert len(ix._segments()) > 1
    _assert_offsets_kept(ix)
    writer = BulkWriter(ix, codec=W3Codec(compression=0), compound=False)
    for doc in docs[40:60]:
        writer.add_document(**doc)
    writer.commit(optimize=True)
    ix = FileStorage(str(folder)).open_index()
    assert len(ix._segments()) == 1
    _assert_offsets_kept(ix)
    with ix.reader() as r:
        keys = sorted(f["key"] for _d, f in r.iter_docs())
    assert keys == sorted(d["key"] for d in docs[:60])


# ---------------------------------------------------------------------------
# Whole index runs: searches the same as with Whoosh's writer


def _stock_writer(ix, *, lock, limit_mb=None):
    return SegmentWriter(ix, _lk=lock, codec=W3Codec(compression=0), compound=False)


def _write_files(folder: Path, docs: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, d in enumerate(docs):
        (folder / f"a{i:04d}.txt").write_text(
            f"{d['title']}\n\n"
            f"{d.get('authors', ['Ann Lee'])[0] if d.get('authors') else 'Ann Lee'} — "
            f"Daily Post Jan 07, 2019\n\n{d['body']}\n", encoding="utf-8")
    return folder


QUERIES = ["said", "government", "president", "police OR court", "\"prime minister\"",
           "\"united states\"", "title:new", "water -river", "year", "people"]


def _answers(root: Path) -> dict:
    out = {}
    with SearchEngine.open(root) as engine:
        for q in QUERIES:
            res = engine.search(SearchRequest(query=q, page_size=100_000, facets=(),
                                              histogram=False, snippets=False))
            out[q] = [(h.title, round(h.score, 4)) for h in res.hits]
    return out


def test_search_results_same_as_whoosh_writer(docs, tmp_path, monkeypatch):
    corpus = _write_files(tmp_path / "corpus", docs[:120])
    config = Config(workers=1, extractor="none")
    build_index([corpus], tmp_path / "bulk", config=config)
    with monkeypatch.context() as m:
        m.setattr(indexer, "new_writer", _stock_writer)
        build_index([corpus], tmp_path / "stock", config=config)
    ours, theirs = _answers(tmp_path / "bulk"), _answers(tmp_path / "stock")
    assert ours == theirs
    assert ours["\"prime minister\""] or ours["\"united states\""]
    assert all(ours[q] for q in ("said", "year"))


@pytest.mark.parametrize("workers", [1, 2])
def test_update_after_bulk_build(docs, tmp_path, monkeypatch, workers):
    """Changed and deleted files after a multi-segment build; the answers match a fresh build."""
    n = indexer.PARALLEL_THRESHOLD + 20 if workers > 1 else 150
    many = (docs * (n // len(docs) + 1))[:n]
    corpus = _write_files(tmp_path / "corpus", many)
    config = Config(workers=workers, extractor="none")
    monkeypatch.setattr(indexer, "BULK_LIMIT_MB", 0.3)
    report = build_index([corpus], tmp_path / "ix", config=config, workers=workers)
    assert report.articles == n
    from searchtui import store

    ix, _d, _m = store.open_index(tmp_path / "ix")
    assert len(ix._segments()) > (2 if workers > 1 else 1)
    files = sorted(corpus.iterdir())
    for f in files[:10]:
        f.unlink()
    for f in files[10:20]:
        f.write_text(f.read_text(encoding="utf-8").replace("\n\n", "\n\nUpdated zebra text. ", 1)
                     + "\nzebra crossing\n", encoding="utf-8")
    report = build_index([corpus], tmp_path / "ix", config=config, workers=workers)
    assert (report.deleted, report.updated) == (10, 10)
    assert report.articles == n - 10
    shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
    build_index([corpus], tmp_path / "fresh", config=config, rebuild=True, workers=workers)

    def titles(root, q):
        with SearchEngine.open(root) as engine:
            res = engine.search(SearchRequest(query=q, page_size=100_000, facets=(),
                                              histogram=False, snippets=False))
            return sorted(h.title for h in res.hits)

    for q in ["zebra", "\"zebra crossing\"", "said", "\"prime minister\"", "government"]:
        assert titles(tmp_path / "ix", q) == titles(tmp_path / "fresh", q), q
    assert len(titles(tmp_path / "ix", "\"zebra crossing\"")) == 10


def test_default_writer_is_bulk(tmp_path):
    ix = FileStorage(str(tmp_path)).create_index(make_schema())
    w = indexer.new_writer(ix, lock=True)
    try:
        assert isinstance(w, BulkWriter)
        assert w.limit_bytes == int(whooshext.DEFAULT_LIMIT_MB * 2**20)
    finally:
        w.cancel()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.binary(min_size=1, max_size=12), max_size=40), max_size=4),
    st.binary(max_size=30),
)
def test_terms_added_at_once_are_the_bytes_whoosh_writes(batches, value_seed):
    """``add_terms`` writes the terms table Whoosh's ``OrderedHashWriter.add`` writes, row
    for row: the same file, byte for byte, after a few batches."""
    import io

    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    from searchtui.whooshext.segments import add_terms

    keys = sorted({k for batch in batches for k in batch})
    values = [value_seed[: i % (len(value_seed) + 1)] + bytes([i % 256]) for i in range(len(keys))]
    cuts = sorted({len(b) for b in batches if len(b) <= len(keys)} | {0, len(keys)})

    def written(at_once: bool) -> bytes:
        buf = io.BytesIO()
        buf.close = lambda: None  # keep the bytes after the writer closes its file
        writer = OrderedHashWriter(StructFile(buf))
        for a, b in zip(cuts, cuts[1:], strict=False):
            if at_once:
                add_terms(writer, keys[a:b], values[a:b])
            else:
                for k, v in zip(keys[a:b], values[a:b], strict=True):
                    writer.add(k, v)
        writer.close()
        return buf.getvalue()

    assert written(True) == written(False)


def test_terms_out_of_order_are_refused():
    import io

    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    from searchtui.whooshext.segments import add_terms

    writer = OrderedHashWriter(StructFile(io.BytesIO()))
    with pytest.raises(ValueError):
        add_terms(writer, [b"b", b"a"], [b"1", b"2"])
