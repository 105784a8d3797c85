"""The compiled block writer (``_kernels.term_blocks``) writes the same bytes as the
Python one (``segments._term_blocks``): the same postings file and terms file, for
positions kept in the blocks or beside them, with and without Whoosh's compression,
and with blocks short enough that long lists take many."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest
from test_bulkwrite import _documents
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage

from searchtui import kernels
from searchtui.schema import make_schema
from searchtui.whooshext import segments
from searchtui.whooshext.segments import BulkWriter

loops = kernels.loops
pytestmark = pytest.mark.skipif(loops is None, reason="the loops are not compiled here")


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _documents(160)


def _files(folder: Path, docs: list[dict], *, positions: bool, compression: int,
           blocklimit: int) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    ix = FileStorage(str(folder)).create_index(make_schema(body_positions=positions))
    codec = W3Codec(compression=compression, blocklimit=blocklimit)
    writer = BulkWriter(ix, codec=codec, compound=False)
    for i, doc in enumerate(docs):
        # a field boost on some documents, so weights differ within a block
        writer.add_document(**doc, **({"_boost": 1.5} if i % 7 == 3 else {}))
    writer.commit(merge=False)
    written = {}
    for path in folder.iterdir():
        if path.suffix in (".pst", ".trm"):
            written[path.suffix] = path.read_bytes()
    assert set(written) == {".pst", ".trm"}
    return written


@pytest.mark.parametrize("positions", [False, True])
@pytest.mark.parametrize("compression", [0, 3])
@pytest.mark.parametrize("blocklimit", [128, 5])
def test_same_bytes_either_way(docs, tmp_path, monkeypatch, positions, compression, blocklimit):
    args = {"positions": positions, "compression": compression, "blocklimit": blocklimit}
    calls = []
    compiled = loops.term_blocks

    def counted(*a):
        calls.append(1)
        return compiled(*a)

    monkeypatch.setattr(loops, "term_blocks", counted)
    fast = _files(tmp_path / "compiled", docs, **args)
    assert calls, "the compiled writer was not used"
    monkeypatch.setattr(kernels, "loops", None)
    slow = _files(tmp_path / "python", docs, **args)
    assert fast[".trm"] == slow[".trm"]
    assert fast[".pst"] == slow[".pst"]


def _helpers():
    return segments._BLOCK_HELPERS


def test_postings_that_do_not_fit_are_refused():
    base = (False, 0, 128)
    rows_bad_type = [(b"a", [array("l", [1]), array("d", [1.0]), None])]
    with pytest.raises(TypeError):
        loops.term_blocks(rows_bad_type, *base, None, None, b"\0\0", 0, [], 0, print, [], [],
                          _helpers())
    rows_uneven = [(b"a", [array("I", [1, 2]), array("d", [1.0]), None])]
    with pytest.raises(ValueError):
        loops.term_blocks(rows_uneven, *base, None, None, b"\0\0", 0, [], 0, print, [], [],
                          _helpers())
    rows_past = [(b"a", [array("I", [9]), array("d", [1.0]), None])]
    with pytest.raises(ValueError):  # a document the lengths do not reach
        loops.term_blocks(rows_past, *base, array("B", [1, 2]), None, b"\0\0", 0, [], 0,
                          print, [], [], _helpers())
