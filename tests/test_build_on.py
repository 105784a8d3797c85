"""An update that only adds articles builds the new generation's arrays on the cache of
the one before, reading only its new segments (and the documents of the names now
shown otherwise); any other update decodes every segment. Either way the arrays are
those that decoding the whole index gives."""

from __future__ import annotations

import numpy as np
import pytest

from searchtui import arrays, store
from searchtui.config import Config
from searchtui.facets import FacetIndex
from searchtui.indexer import build_index


def _article(title: str, authors: str, body: str, date: str = "Mar 01, 2020") -> str:
    return f"{title}\n\n{authors} — Daily Post {date}\n\n\n{body}\n"


def _body(i: int) -> str:
    return (
        f"Angela Merkel met Olaf Scholz in Berlin on day {i} to talk about the budget of "
        f"the European Union (EU). Merkel said the EU would decide. Report {i * 7919}."
    )


def _arrays_of(data: arrays.IndexData) -> dict:
    got = data._arrays()
    got.pop("digest")
    return got


def _same(a: dict, b: dict) -> bool:
    return sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)


def _cached_and_whole(root) -> tuple[dict, dict]:
    """The arrays the update wrote to the cache, and those decoded from every segment."""
    ix, ixdir, _meta = store.open_index(root)
    with ix.reader() as reader:
        cached = arrays.IndexData(reader, ixdir, write_cache=False)
        assert cached._cached_names, "the cache does not hold the named fields' terms"
        return _arrays_of(cached), _arrays_of(arrays.IndexData(reader, None, write_cache=False))


@pytest.fixture()
def built_on(monkeypatch):
    """Each update's outcome: True when its arrays were built on the cache before."""
    outcomes: list[bool] = []
    real = arrays.IndexData._build_on

    def spy(self, before):
        done = real(self, before)
        outcomes.append(done)
        return done

    monkeypatch.setattr(arrays.IndexData, "_build_on", spy)
    return outcomes


def _built(tmp_path, count: int, config: Config) -> tuple:
    """A corpus of ``count`` articles by one author, indexed: (corpus, index root)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(count):
        (corpus / f"a{i:02d}.txt").write_text(_article(f"Budget {i}", "Ana Smith", _body(i)))
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=config)
    return corpus, root


def _update(corpus, root, config) -> None:
    build_index([str(corpus)], root, config=config)


def test_additions_build_on_the_cache_and_names_shown_anew_are_regrouped(
    tmp_path, built_on, monkeypatch
):
    regroups: list[arrays._Regroup] = []
    real = arrays._regroup
    monkeypatch.setattr(
        arrays, "_regroup", lambda *a: regroups.append(real(*a)) or regroups[-1]
    )
    config = Config(workers=1)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        who = "Ana Gonzalez" if i < 3 else ("Ana González" if i == 3 else "Bo Lee, Cy Ode")
        (corpus / f"a{i}.txt").write_text(_article(f"Budget {i}", who, _body(i)))
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=config)

    def step(names: dict[str, str]) -> bool:
        for name, who in names.items():
            (corpus / name).write_text(_article(f"More {name}", who, _body(len(name))))
        built_on.clear()
        regroups.clear()
        _update(corpus, root, config)
        cached, whole = _cached_and_whole(root)
        assert _same(cached, whole)
        assert len(built_on) == 1
        return built_on[0]

    def authors() -> list[str]:
        ix, ixdir, _meta = store.open_index(root)
        with ix.reader() as reader:
            return arrays.IndexData(reader, ixdir).facets["authors"].values

    # new authors and more articles by known ones: the names shown stay
    assert step({"b1.txt": "Di Vu", "b2.txt": "Ana Gonzalez, Di Vu", "b3.txt": "BO LEE"})
    assert not any(r.redo or r.moved or r.gone for r in regroups)
    assert "Ana Gonzalez" in authors() and "BO LEE" not in authors()
    # "Ana González" outnumbers "Ana Gonzalez" now: her articles before are shown anew
    assert step({f"c{k}.txt": "Ana González" for k in range(4)})
    assert any(r.moved.get("Ana Gonzalez") == "Ana González" for r in regroups)
    assert any(r.gone == {"Ana Gonzalez"} for r in regroups)
    assert "Ana Gonzalez" not in authors() and "Ana González" in authors()
    # and back, with one more spelling that folds to hers
    assert step({f"d{k}.txt": "Ana Gonzalez, ANA GONZALEZ" for k in range(6)})
    assert "Ana Gonzalez" in authors() and "Ana González" not in authors()
    # a changed article: its old copy is deleted
    (corpus / "a5.txt").write_text(_article("Budget 5", "Eve Roe", _body(55)))
    assert not step({})
    assert step({"e1.txt": "Eve Roe, Fay Poe"})
    assert {"Bo Lee", "Fay Poe"} <= set(authors())


def _revive(tmp_path, config) -> tuple:
    """An index whose only spelling "BEA NUNEZ" belongs to a deleted article (the term
    stays in its segment, shown as itself), then an update adding it again, which the
    table now shows as "Bea Nunez"."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a1.txt").write_text(_article("One", "BEA NUNEZ", _body(1)))
    (corpus / "a2.txt").write_text(_article("Two", "Bea Nunez", _body(2)))
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=config)
    (corpus / "a1.txt").write_text(_article("One", "Cy Ode", _body(1)))
    build_index([str(corpus)], root, config=config)
    (corpus / "a3.txt").write_text(_article("Three", "BEA NUNEZ", _body(3)))
    build_index([str(corpus)], root, config=config)
    return _cached_and_whole(root)


def test_a_deleted_articles_name_shown_as_another_when_it_comes_back(tmp_path, built_on):
    cached, whole = _revive(tmp_path, Config(workers=1, extractor="none"))
    assert built_on[-1] is True
    assert _same(cached, whole)
    assert b"BEA NUNEZ" not in cached["authors_values"].tobytes()


def test_without_the_values_gone_the_arrays_would_differ(tmp_path, monkeypatch):
    """What telling the values gone guards against, so the test above covers it: a name
    whose articles were all deleted stays a value of its own."""
    real = arrays._regroup
    monkeypatch.setattr(arrays, "_regroup", lambda *a: real(*a)._replace(gone=set()))
    cached, whole = _revive(tmp_path, Config(workers=1, extractor="none"))
    assert not _same(cached, whole)


def test_additions_build_on_the_cache_across_merges(tmp_path, monkeypatch, built_on):
    """Worker processes write the new articles' segments, and every few updates the
    commit merges the small ones: the documents before come first still (in another
    order when the merged segments were not the last: ``grown`` is checked for any order
    below). Each update builds on the cache, and gives what decoding every segment does."""
    from searchtui import indexer
    from searchtui.whooshext import writers

    monkeypatch.setattr(indexer, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(indexer, "BATCH_FILES", 2)
    monkeypatch.setattr(writers, "MERGE_MAX_DOCS", 40)
    config = Config(workers=2)
    corpus, root = _built(tmp_path, 20, config)
    merges = 0
    for step in range(writers.MERGE_FACTOR + 2):
        folder = corpus / f"u{step}"
        folder.mkdir()
        for k in range(4):
            body = f"{_body(step * 10 + k)} Jacinda Ardern{step} visited Wellington{k}."
            (folder / f"n{k}.txt").write_text(
                _article(f"New {step}.{k}", f"Writer {step}{k}", body, f"Jan 0{k + 1}, 2021")
            )
        ix, _ixdir, _meta = store.open_index(root)
        before = {seg.segment_id() for seg in ix._segments()}
        built_on.clear()
        _update(corpus, root, config)
        ix, _ixdir, _meta = store.open_index(root)
        merges += not before <= {seg.segment_id() for seg in ix._segments()}
        assert built_on == [True], step
        cached, whole = _cached_and_whole(root)
        assert _same(cached, whole), step
    assert merges >= 1


@pytest.mark.parametrize("seed", range(80))
def test_a_grown_facet_is_the_facet_of_all_the_pairs(seed):
    """``FacetIndex.grown``, told by ``_regroup`` what a new table changes, gives what
    ``from_pairs`` gives for the old and the new documents' terms together, the old
    documents moved to new rows: whatever the tables (chains, names shown as terms of
    others), with terms whose documents were all deleted."""
    rng = np.random.default_rng(seed)
    words = [f"v{k}" for k in range(int(rng.integers(1, 16)))]
    shown = [*words, "S1", "S2"]
    n_old, n_new = int(rng.integers(0, 30)), int(rng.integers(0, 12))
    ndocs = n_old + n_new

    def pairs(lo: int, hi: int) -> list[tuple[str, int]]:
        if hi <= lo:
            return []
        got = {(str(rng.choice(words)), int(rng.integers(lo, hi)))
               for _ in range(int(rng.integers(0, 3 * (hi - lo) + 1)))}
        return sorted(got)

    old_pairs, new_pairs = pairs(0, n_old), pairs(n_old, ndocs)
    dead = {d for d in range(ndocs) if rng.random() < 0.2}
    # the documents before moved by a merge, or where they were
    rows = rng.permutation(n_old) if seed % 2 else np.arange(n_old)

    def live_counts(held) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t, d in held:
            if d not in dead:
                counts[t] = counts.get(t, 0) + 1
        return counts

    def table_for(counts) -> dict[str, str]:
        table = {t: str(rng.choice(shown)) for t in counts if rng.random() < 0.4}
        return {t: v for t, v in table.items() if t != v}

    old_counts = live_counts(old_pairs)
    counts = live_counts(old_pairs + new_pairs)
    old_table, table = table_for(old_counts), table_for(counts)
    old_terms = sorted({t for t, _d in old_pairs})
    new_terms = sorted({t for t, _d in new_pairs})

    def facet_pairs(held, terms, where):
        live = [(t, d) for t, d in held if d not in dead]
        return (np.array([terms.index(t) for t, _d in live], dtype=np.int64),
                np.array([where(d) for _t, d in live], dtype=np.int64))

    old = FacetIndex.from_pairs(
        "people", old_terms, *facet_pairs(old_pairs, old_terms, lambda d: d), n_old, old_table
    )
    moved_to = {d: int(rows[d]) for d in range(n_old)}

    def docs_of(term: str) -> np.ndarray:
        return np.array([moved_to.get(d, d) for t, d in old_pairs + new_pairs
                         if t == term and d not in dead], dtype=np.int64)

    terms_anywhere = set(old_terms) | set(new_terms)
    regroup = arrays._regroup(old, old_counts, counts, table, terms_anywhere.__contains__)
    grown = old.grown(
        new_terms, *facet_pairs(new_pairs, new_terms, lambda d: d),
        rows if seed % 2 else None, ndocs, table, *arrays._regrouped(regroup, docs_of),
    )
    every = sorted(terms_anywhere)
    live = [(t, moved_to.get(d, d)) for t, d in old_pairs + new_pairs if d not in dead]
    whole = FacetIndex.from_pairs(
        "people", every, np.array([every.index(t) for t, _d in live], dtype=np.int64),
        np.array([d for _t, d in live], dtype=np.int64), ndocs, table,
    )
    assert grown.values == whole.values
    for name in ("pair_doc", "pair_val", "val_start", "doc_start", "doc_vals"):
        assert np.array_equal(getattr(grown, name), getattr(whole, name)), name
    assert grown.table == whole.table


def test_a_damaged_segment_file_of_the_generation_before_is_written_again(tmp_path, built_on):
    """Building on the cache reads no segment of the generation before, but checks that
    each one's file still holds the bytes its manifest lists: one damaged in place (its
    size kept) is decoded from its segment and written again."""
    from searchtui import segarrays, trust

    config = Config(workers=1, extractor="none")
    corpus, root = _built(tmp_path, 8, config)
    ixdir = store.current_dir(root)
    (name,) = [p for p in ixdir.iterdir() if segarrays.is_file_name(p.name)]
    raw = bytearray(name.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    name.write_bytes(bytes(raw))
    (corpus / "b.txt").write_text(_article("More", "Bo Lee", _body(99)))
    built_on.clear()
    _update(corpus, root, config)
    assert built_on == [True]
    ixdir = store.current_dir(root)
    manifest = trust.read_manifest(ixdir, store.open_index(root)[0].latest_generation())
    files = [p for p in ixdir.iterdir() if segarrays.is_file_name(p.name)]
    assert name.name in {p.name for p in files} and len(files) == 2
    for path in files:
        assert manifest.derived[path.name].sha256 == trust.sha256_file(path)
    cached, whole = _cached_and_whole(root)
    assert _same(cached, whole)


def test_the_cache_keeps_any_term_of_the_named_fields(tmp_path):
    """The named fields' terms go to the cache whole, whatever they hold (an acronym's
    term holds the facets' separator; an entity found across a line break, a newline),
    and come back with their numbers of documents."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(_article("One", "Ana Smith", _body(1)))
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=Config(workers=1, extractor="none"))
    ix, ixdir, _meta = store.open_index(root)
    odd = {"": 1, "NRA.\u201d\n\nNational Rifle Association": 2, "EU\x1fEuropean Union": 3,
           "Zoë Ünal": 4, "a": 5}
    with ix.reader() as reader:
        data = arrays.IndexData(reader, None, write_cache=False)
        assert data._name_counts is not None
        data._name_counts = {name: dict(odd) for name in arrays.NAMED_FIELDS}
        held = data._arrays()
        counts, facets = data._carried_arrays(held)
    assert counts == {name: odd for name in arrays.NAMED_FIELDS}
    assert facets["authors"].values == ["Ana Smith"]
    cut = dict(held, names_people_ends=held["names_people_ends"][:-1])
    assert data._carried_arrays(cut) is None
