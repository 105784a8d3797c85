"""Decoded segments kept beside the index: a new generation's arrays are put together
from them, and decode only the segments it wrote, with the same result as decoding
the whole index."""

from __future__ import annotations

import numpy as np
import pytest

from searchtui import arrays, segarrays, store, trust
from searchtui.config import Config
from searchtui.indexer import build_index
from searchtui.segarrays import SegmentArrays

PUBLICATIONS = ["Daily Planet", "Morning Post", "Island Times"]
AUTHORS = ["Anna Smith", "Bo Lee", "Cy Ode", "Di Vu"]
PEOPLE = ["Angela Merkel", "Jacinda Ardern", "Olaf Scholz", "Emmanuel Macron", "Joe Biden"]


def _article(i: int, edit: str = "") -> str:
    authors = ", ".join(AUTHORS[j % len(AUTHORS)] for j in range(i % 3 + 1))
    date = f"Mar {i % 27 + 1:02d}, {2015 + i % 6}" if i % 5 else ""
    who = PEOPLE[i % len(PEOPLE)]
    other = PEOPLE[(i * 7 + 2) % len(PEOPLE)]
    return (
        f"Talks number {i} {edit}\n\n{authors} — {PUBLICATIONS[i % 3]} {date}\n\n\n"
        f"{who} met {other} in Berlin on Tuesday to discuss the budget of the European "
        f"Union (EU). The EU said talks {i} would go on. {edit}\n"
    )


def _write(corpus, names) -> None:
    for i in names:
        (corpus / f"a{i:03d}.txt").write_text(_article(i), encoding="utf-8")


def _arrays_of(data: arrays.IndexData) -> dict:
    got = data._arrays()
    got.pop("digest")
    return got


def _same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        assert np.array_equal(a[name], b[name]), name


def _decoded_whole(root) -> dict:
    """The arrays of the live generation decoded from its segments, no file used."""
    ix, _ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        return _arrays_of(arrays.IndexData(reader, None, write_cache=False))


def _from_files(root) -> dict:
    """The arrays of the live generation put together again as an update does."""
    ix, ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        return _arrays_of(arrays.IndexData(reader, ixdir, write_cache=False))


def _segment_files(ixdir) -> set[str]:
    return {p.name for p in ixdir.iterdir() if segarrays.is_file_name(p.name)}


def _segment_ids(root) -> set[str]:
    ix, _ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        return {segarrays.segment_id(leaf) for leaf, _o in reader.leaf_readers()}


@pytest.fixture()
def built(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, range(40))
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=Config(), workers=1)
    return corpus, root


def _update(corpus, root) -> None:
    build_index([str(corpus)], root, config=Config(), workers=1)


def test_each_segment_of_the_generation_has_its_file_listed_in_the_manifest(built):
    _corpus, root = built
    ixdir = store.current_dir(root)
    files = _segment_files(ixdir)
    assert files == {segarrays.file_name(s) for s in _segment_ids(root)}
    manifest = trust.read_manifest(ixdir, store.open_index(root)[0].latest_generation())
    for name in files:
        entry = manifest.derived[name]
        assert entry.size == (ixdir / name).stat().st_size
        assert entry.sha256 == trust.sha256_file(ixdir / name)


def test_updates_decode_only_the_segments_they_write(built, monkeypatch):
    corpus, root = built
    decoded: list[str] = []
    real = SegmentArrays.decode.__func__  # type: ignore[attr-defined]

    def counting(cls, leaf):
        decoded.append(segarrays.segment_id(leaf))
        return real(cls, leaf)

    monkeypatch.setattr(SegmentArrays, "decode", classmethod(counting))
    before = _segment_ids(root)
    _write(corpus, [40, 41])
    _update(corpus, root)
    after = _segment_ids(root)
    assert decoded and set(decoded) == after - before
    assert _segment_files(store.current_dir(root)) == {segarrays.file_name(s) for s in after}


def test_arrays_from_the_files_equal_the_whole_index_decoded_over_many_updates(built):
    """Additions, changes and deletions, and enough small updates for segments to be
    merged: after each, the arrays put together from the files are those the index
    decodes to, and the files of merged segments are gone."""
    corpus, root = built
    merged = False
    for step in range(12):
        _write(corpus, [100 + step])
        if step % 3 == 0:  # a change: the old version is deleted from its segment
            (corpus / f"a{step:03d}.txt").write_text(_article(step, "revised"), encoding="utf-8")
        if step % 4 == 1:  # a deletion
            (corpus / f"a{20 + step:03d}.txt").unlink()
        before = _segment_ids(root)
        _update(corpus, root)
        after = _segment_ids(root)
        merged = merged or bool(before - after)
        _same(_from_files(root), _decoded_whole(root))
        assert _segment_files(store.current_dir(root)) == {segarrays.file_name(s) for s in after}
    assert merged, "no update merged segments: the test did not cover merges"


def test_a_damaged_or_swapped_segment_file_is_decoded_again_never_read(built):
    corpus, root = built
    _write(corpus, [40])
    _update(corpus, root)
    ixdir = store.current_dir(root)
    names = sorted(_segment_files(ixdir))
    assert len(names) >= 2
    expected = _decoded_whole(root)
    # one file damaged, another swapped for a file of another segment
    (ixdir / names[0]).write_bytes(b"PK\x03\x04 not a zip")
    (ixdir / names[1]).write_bytes((ixdir / names[-1]).read_bytes())
    _same(_from_files(root), expected)
    # the next update writes them again, as listed
    _write(corpus, [41])
    _update(corpus, root)
    _same(_from_files(root), _decoded_whole(root))
    ixdir = store.current_dir(root)
    manifest = trust.read_manifest(ixdir, store.open_index(root)[0].latest_generation())
    for name in _segment_files(ixdir):
        assert manifest.derived[name].sha256 == trust.sha256_file(ixdir / name)


def test_a_file_no_manifest_lists_is_not_read(built, monkeypatch):
    corpus, root = built
    ixdir = store.current_dir(root)
    name = next(iter(_segment_files(ixdir)))
    generation = store.open_index(root)[0].latest_generation()
    manifest = trust.read_manifest(ixdir, generation)
    del manifest.derived[name]
    trust.write_manifest(ixdir, manifest)
    read: list[bytes] = []
    real = SegmentArrays.from_bytes.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        SegmentArrays, "from_bytes",
        classmethod(lambda cls, raw, *a: read.append(raw) or real(cls, raw, *a)),
    )
    _same(_from_files(root), _decoded_whole(root))
    assert read == []


def test_a_file_a_worker_decoded_is_read_only_with_the_bytes_it_was_written_with(
    built, monkeypatch
):
    """``decoded`` (the files an index run's workers wrote, with their entries) stands in
    for the manifest: a file whose bytes are not those is decoded again, never read."""
    _corpus, root = built
    ix, ixdir, _meta = store.open_index(root)
    generation = ix.latest_generation()
    manifest = trust.read_manifest(ixdir, generation)
    names = sorted(_segment_files(ixdir))
    entries = {n: manifest.derived.pop(n) for n in names}
    manifest.derived.pop(arrays.cache_path(ixdir, generation).name)  # put together anew
    trust.write_manifest(ixdir, manifest)
    read: list[bytes] = []
    decoded: list[str] = []
    real_read = SegmentArrays.from_bytes.__func__  # type: ignore[attr-defined]
    real_decode = SegmentArrays.decode.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        SegmentArrays, "from_bytes",
        classmethod(lambda cls, raw, *a: read.append(raw) or real_read(cls, raw, *a)),
    )
    monkeypatch.setattr(
        SegmentArrays, "decode",
        classmethod(lambda cls, leaf: decoded.append(leaf) or real_decode(cls, leaf)),
    )
    expected = _decoded_whole(root)
    decoded.clear()
    with ix.reader() as reader:
        got = _arrays_of(arrays.IndexData(reader, ixdir, write_cache=False, decoded=entries))
    _same(got, expected)
    assert len(read) == len(names) and decoded == []
    read.clear()
    wrong = {n: trust.Entry(e.size, "0" * 64) for n, e in entries.items()}
    with ix.reader() as reader:
        got = _arrays_of(arrays.IndexData(reader, ixdir, write_cache=False, decoded=wrong))
    _same(got, expected)
    assert read == [] and len(decoded) == len(names)


def test_a_file_made_for_another_segment_or_layout_is_unusable(built):
    _corpus, root = built
    ix, _ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        seg = SegmentArrays.decode(leaf)
    raw = seg.to_bytes()
    sid, n = seg.segment, seg.ndocs
    assert SegmentArrays.from_bytes(raw, sid, n).ndocs == n
    with pytest.raises(segarrays.Unusable, match="another segment"):
        SegmentArrays.from_bytes(raw, "MAIN_someoneelse", n)
    with pytest.raises(segarrays.Unusable, match="another segment"):
        SegmentArrays.from_bytes(raw, sid, n + 1)
    with pytest.raises(segarrays.Unusable):
        SegmentArrays.from_bytes(raw[: len(raw) // 2], sid, n)
    # lists that name documents the segment does not have
    bad = SegmentArrays(sid, n, seg.lengths, dict(seg.terms))
    people = bad.terms["people"]
    bad.terms["people"] = type(people)(people.blob, people.ends, people.starts,
                                       people.docs + np.int32(n))
    with pytest.raises(segarrays.Unusable, match="documents"):
        SegmentArrays.from_bytes(bad.to_bytes(), sid, n)


def test_arrays_are_what_decoding_every_term_of_the_index_gives(built):
    """The facets, dates and stamps put together from the segment files equal those made
    the plain way: each term's live documents read from Whoosh's own postings, joined
    by value (``FacetIndex.from_postings``) with the same table of shown names."""
    import datetime as dt

    from searchtui import canonical
    from searchtui.facets import NO_DATE, FacetIndex
    from searchtui.schema import EVIDENCE_FIELD, FACET_INDEX_FIELDS, FIRST_INDEXED, stamp_micros
    from searchtui.whooshext import field_term_docs

    corpus, root = built
    (corpus / "a003.txt").write_text(_article(3, "revised"), encoding="utf-8")
    (corpus / "a007.txt").unlink()
    _write(corpus, [40, 41])
    _update(corpus, root)
    ix, ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        data = arrays.IndexData(reader, ixdir, write_cache=False)
        assert not data.live.all()  # the deleted versions are there to leave out

        def postings(field: str) -> dict[str, np.ndarray]:
            found: dict[str, list] = {}
            for leaf, offset in reader.leaf_readers():
                if field in leaf.indexed_field_names():
                    for tbytes, ids in field_term_docs(leaf, field):
                        found.setdefault(tbytes.decode("utf-8"), []).append(ids + offset)
            return {k: np.concatenate(v) for k, v in found.items()}

        def live_counts(p: dict[str, np.ndarray]) -> dict[str, int]:
            return {t: len(d) for t, d in p.items() if len(d)}

        plain = {name: postings(name) for name in FACET_INDEX_FIELDS}
        evidence = {
            pair: n for t, n in live_counts(postings(EVIDENCE_FIELD)).items()
            if (pair := canonical.parse_evidence(t)) is not None
        }
        tables = canonical.corpus_names(
            {name: live_counts(plain[name]) for name in canonical.RULES}, evidence
        )
        for name in FACET_INDEX_FIELDS:
            want = FacetIndex.from_postings(name, plain[name], data.ndocs, tables.get(name))
            got = data.facets[name]
            assert got.values == want.values, name
            assert got.table == want.table, name
            for attr in ("pair_doc", "pair_val", "doc_vals"):
                assert np.array_equal(getattr(got, attr), getattr(want, attr)), (name, attr)
        days = np.full(data.ndocs, NO_DATE, dtype=np.int64)
        for value, docs in postings("date").items():
            days[docs] = dt.date.fromisoformat(value).toordinal()
        assert np.array_equal(data.dates.days, days)
        stamps = np.zeros(data.ndocs, dtype=np.int64)
        for value, docs in postings(FIRST_INDEXED).items():
            stamps[docs] = stamp_micros(value)
        assert np.array_equal(data.first_indexed, stamps)
        assert len(data.facets["people"].values) > 3  # the facets were not empty


def test_the_words_of_the_text_fields_come_from_the_cache_or_the_segment_files(built):
    """Spelling and fuzzy words read the words of title and body from the generation's
    cache, else from the segments' files: the same words, sorted, as walking the index's
    lexicon; without a usable file, the lexicon is walked."""
    from searchtui import lexicon

    corpus, root = built
    (corpus / "a005.txt").unlink()
    _write(corpus, [40, 41])
    _update(corpus, root)
    ix, ixdir, _meta = store.open_index(root)
    walked = {}
    with ix.reader() as reader:
        data = arrays.IndexData(reader, ixdir)
        assert data._cached_words is not None  # the indexer saved them
        for field in ("title", "body"):
            walked[field] = sorted(b.decode("utf-8") for b in reader.lexicon(field))
            assert data.words(field) == walked[field] and len(walked[field]) > 20
            assert set(lexicon.lexicon(reader, field).sorted()) == set(walked[field])
    for cache in ixdir.glob("cache-*.npz"):
        cache.unlink()
    with ix.reader() as reader:
        data = arrays.IndexData(reader, ixdir, write_cache=False)
        assert data._cached_words is None
        for field in ("title", "body"):
            assert data.words(field) == walked[field]
    name = sorted(_segment_files(ixdir))[0]
    (ixdir / name).write_bytes(b"damaged")
    with ix.reader() as reader:
        data = arrays.IndexData(reader, ixdir, write_cache=False)
        # the damaged file is decoded again from its segment, whose words _build keeps
        assert data.words("body") == walked["body"]
    with ix.reader() as reader:
        data = arrays.IndexData(reader, ixdir, write_cache=False)
        data._segment_words = None  # as when the arrays came from a cache without words
        assert data.words("body") is None
        assert set(lexicon.lexicon(reader, "body").sorted()) == set(walked["body"])


@pytest.mark.parametrize(
    "words",
    [[], [""], ["a"], ["a", "", "bc"], ["naïve", "über", "日本", "x"], ["new\nline", "b"],
     [f"w{i}" for i in range(1000)]],
)
def test_split_words_gives_back_the_words(words):
    blob = np.frombuffer("".join(words).encode("utf-8"), dtype=np.uint8)
    ends = np.cumsum([len(w.encode("utf-8")) for w in words], dtype=np.int64)
    assert segarrays.split_words(blob, ends) == words


def test_an_update_takes_on_the_words_of_the_generation_before(built, monkeypatch):
    """An update whose generation keeps every segment of the one before takes that one's
    words from its cache and adds the new segments' own: the same words as walking the
    lexicon, after adding, after changing an article (its old copy deleted) and after
    enough updates that segments are merged."""
    corpus, root = built
    merged_with = []
    real_after = arrays.IndexData._words_after

    def spy(self, earlier, their_segments, segment_words):
        merged_with.append(len(their_segments))
        return real_after(self, earlier, their_segments, segment_words)

    monkeypatch.setattr(arrays.IndexData, "_words_after", spy)

    def words_now() -> tuple[dict, dict]:
        ix, ixdir, _meta = store.open_index(root)
        with ix.reader() as reader:
            data = arrays.IndexData(reader, ixdir)
            assert data._cached_words is not None
            got = {f: data.words(f) for f in ("title", "body")}
            walked = {f: sorted(b.decode("utf-8") for b in reader.lexicon(f))
                      for f in ("title", "body")}
        return got, walked

    (corpus / "a041.txt").write_text(_article(41) + "\nZygomorphic quokkas appeared.\n")
    _update(corpus, root)
    assert merged_with == [1]
    got, walked = words_now()
    assert got == walked and any(w.startswith("zygomorph") for w in got["body"])
    # a changed article: its old copy is deleted, its segment kept with its words
    _write(corpus, [42])
    (corpus / "a003.txt").write_text(_article(3, edit="Revised xylophonic"), encoding="utf-8")
    _update(corpus, root)
    got, walked = words_now()
    assert got == walked and any(w.startswith("xylophon") for w in got["body"])
    for i in range(43, 60):  # one article an update: the small segments are merged
        _write(corpus, [i])
        _update(corpus, root)
        got, walked = words_now()
        assert got == walked
    assert len(merged_with) < 19  # some updates merged segments, and read all words
