"""Arrays saved as an npz file with aligned members, and read in place."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pytest

from searchtui import arrays, mapped, store
from searchtui.facets import DateIndex, _month_index

ARRAYS = {
    "one": np.array([7]),
    "bools": np.array([True, False, True]),
    "ints": np.arange(1000, dtype=np.int32),
    "wide": np.arange(33, dtype=np.int64) * -3,
    "floats": np.linspace(0, 1, 17, dtype=np.float32),
    "text": np.array(["a digest"]),
    "empty": np.zeros(0, dtype=np.int64),
    "grid": np.arange(12, dtype=np.int16).reshape(3, 4),
}


def _save(path, values=ARRAYS):
    with open(path, "wb") as fh:
        mapped.save(fh, values)


def test_what_is_saved_reads_back_the_same_by_numpy_and_in_place(tmp_path):
    path = tmp_path / "a.npz"
    _save(path)
    with np.load(path) as z:
        assert sorted(z.files) == sorted(ARRAYS)
        for name, value in ARRAYS.items():
            np.testing.assert_array_equal(z[name], value)
    z = mapped.MappedArrays(path)
    assert z.files == list(ARRAYS)
    for name, value in ARRAYS.items():
        got = z[name]
        assert got.dtype == value.dtype and got.shape == value.shape
        np.testing.assert_array_equal(got, value)
        # a view of the file's pages, not a copy, and not to be written through
        assert got.flags.aligned and not got.flags.writeable
        if got.size:
            assert got.base is not None and not got.flags.owndata
        assert got.ctypes.data % mapped.ALIGN == 0 or not got.size


def test_a_file_numpy_wrote_is_read_too(tmp_path):
    path = tmp_path / "b.npz"
    np.savez(path, **ARRAYS)
    z = mapped.MappedArrays(path)
    for name, value in ARRAYS.items():
        np.testing.assert_array_equal(z[name], value)


@pytest.mark.parametrize("cut", [10, 200, 2000, 4000])
def test_a_file_cut_short_is_refused_not_read_past_its_end(tmp_path, cut):
    path = tmp_path / "c.npz"
    _save(path, {"ints": np.arange(1000, dtype=np.int64)})
    raw = path.read_bytes()
    # keep the central directory (the zip's end) but drop bytes from the member
    path.write_bytes(raw[:cut] + raw[cut + 4000 :] if cut + 4000 < len(raw) else raw[:cut])
    with pytest.raises((ValueError, zipfile.BadZipFile, KeyError)):
        z = mapped.MappedArrays(path)
        z["ints"]


def test_compressed_members_and_objects_are_refused(tmp_path):
    path = tmp_path / "d.npz"
    np.savez_compressed(path, ints=np.arange(100))
    with pytest.raises(ValueError, match="compressed"):
        mapped.MappedArrays(path)["ints"]
    path = tmp_path / "e.npz"
    np.savez(path, objs=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="objects"):
        mapped.MappedArrays(path)["objs"]


@pytest.mark.parametrize("damage", [b")", b"{", b"\x00", b"'", b"((("])
def test_a_header_that_is_not_a_header_is_refused(tmp_path, damage):
    """numpy reads a member's header as a Python literal: a changed byte there
    fails in many ways, each of them ValueError here."""
    path = tmp_path / "h.npz"
    _save(path, {"ints": np.arange(10, dtype=np.int64)})
    raw = bytearray(path.read_bytes())
    at = raw.index(b"'shape': (") + len(b"'shape': ")
    raw[at : at + len(damage)] = damage
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="ints"):
        mapped.MappedArrays(path)["ints"]


@pytest.mark.parametrize("dtype", ["u1", "u2", "u4", "i8", "f4", "f8", "?", ">u2"])
@pytest.mark.parametrize("length", [0, 1, 7, 10**12])
def test_plain_headers_are_read_as_numpy_reads_them(dtype, length):
    """The quick reading of a one-dimensional array's header agrees with numpy's, and
    leaves any other header to it."""
    out = io.BytesIO()
    header = {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (length,)}
    np.lib.format.write_array_header_1_0(out, header)
    raw = out.getvalue()
    quick = mapped._plain_header(raw)
    shape, fortran, found, used = mapped._numpy_header("x", raw)
    assert used == len(raw)
    if quick is not None:
        assert quick == (shape, fortran, found)
    else:
        assert np.dtype(dtype).str[1] in "b" or np.dtype(dtype).str[0] == ">"


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "f.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        mapped.MappedArrays(path)


def test_the_index_cache_is_read_in_place_and_says_where_documents_start(tmp_path):
    from searchtui.config import Config
    from searchtui.indexer import build_index
    from searchtui.models import SearchRequest
    from searchtui.search import SearchEngine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"{i}.txt").write_text(
            f"Title {i}\n\nAnn Lee, Bo Ray — Daily Planet Nov {i + 1:02d}, 2016\n\n\n"
            f"Body {i} text.",
            encoding="utf-8",
        )
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    ixdir = store.current_dir(root)
    assert ixdir is not None
    with SearchEngine.open(root) as engine:
        data = engine._data
        authors = data.facets["authors"]
        assert not authors.pair_doc.flags.writeable  # mapped from the file
        np.testing.assert_array_equal(authors.doc_lens, np.full(6, 2))
        result = engine.search(SearchRequest(query="body", facet_limit=5))
        assert {b.value: b.count for b in result.facets["authors"].buckets} == {
            "Ann Lee": 6, "Bo Ray": 6,
        }
    with np.load(arrays.cache_path(ixdir, 1)) as z:
        np.testing.assert_array_equal(z["authors_docstart"], np.arange(0, 13, 2))
        # the pairs are in value order: each value's start, not each pair's value
        np.testing.assert_array_equal(z["authors_valstart"], [0, 6, 12])
        assert "authors_val" not in z


def test_a_cache_with_each_pair_s_value_or_wrong_value_starts(tmp_path):
    """A cache an earlier version wrote (each pair's value) is read as it is; value
    starts that do not fit the pairs make the cache unusable, and it is made again."""
    import zipfile

    from searchtui import trust
    from searchtui.config import Config
    from searchtui.indexer import build_index
    from searchtui.models import SearchRequest
    from searchtui.search import SearchEngine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(8):
        names = ["Ann Lee", "Bo Ray", "Cy Fox"][: 1 + i % 3]
        (corpus / f"{i}.txt").write_text(
            f"Title {i}\n\n{', '.join(names)} — Daily Planet Nov {i + 1:02d}, 2016\n\n\n"
            f"Body {i} text.", encoding="utf-8",
        )
    root = tmp_path / "index"
    build_index([str(corpus)], root, config=Config(extractor="none"), workers=1)
    ixdir = store.current_dir(root)
    assert ixdir is not None
    want = {"Ann Lee": 8, "Bo Ray": 5, "Cy Fox": 2}

    def counts() -> dict[str, int]:
        with SearchEngine.open(root) as engine:
            result = engine.search(SearchRequest(query="body", facet_limit=5))
            return {b.value: b.count for b in result.facets["authors"].buckets}

    assert counts() == want
    path = arrays.cache_path(ixdir, 1)
    with np.load(path) as z:
        kept = {k: z[k] for k in z.files}
    starts = kept.pop("authors_valstart")
    for name, arrays_ in (
        ("old", {**kept, "authors_val": np.repeat(np.arange(3, dtype=np.int32), np.diff(starts))}),
        ("wrong", {**kept, "authors_valstart": np.array([0, 9, 16, 15])}),
    ):
        with open(path, "wb") as out:
            np.savez(out, **arrays_)
        # the manifest lists the cache's bytes: listed again, as its writer would
        trust.add_derived(ixdir, 1, [path.name])
        assert counts() == want, name
        assert zipfile.is_zipfile(path)
        with np.load(path) as z:
            if name == "old":  # read as it was, not made again
                assert "authors_val" in z and "authors_valstart" not in z
            else:  # made again
                np.testing.assert_array_equal(z["authors_valstart"], starts)


def test_months_and_years_are_the_calendar_s():
    edges = [dt.date(1, 1, 1), dt.date(1969, 12, 31), dt.date(1970, 1, 1), dt.date(2000, 2, 29),
             dt.date(2016, 11, 15), dt.date(9999, 12, 31)]
    rng = np.random.default_rng(7)
    ordinals = np.concatenate([
        [d.toordinal() for d in edges],
        rng.integers(1, dt.date.max.toordinal() + 1, 5000),
        [-1, 0, -1],
    ])
    index = DateIndex(ordinals)
    for o, month, year in zip(ordinals, index.months, index.years, strict=True):
        if o > 0:
            d = dt.date.fromordinal(int(o))
            assert (month, year) == (_month_index(d), d.year)
        else:
            assert (month, year) == (-1, -1)
