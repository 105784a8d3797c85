"""A Whoosh segment writer for bulk indexing.

Whoosh's ``SegmentWriter`` sends every posting through a sorting pool (one
tuple per posting, sorted as a whole when the segment is written) and then
through a per-posting call chain that fills the posting blocks one entry at a
time. For a news corpus that is several hundred postings per article, and it
was most of the cost of an index run.

``BulkWriter`` keeps the postings in memory instead, grouped by field and
term: documents arrive in increasing number, so each term's list is sorted
already. When the segment is written, the terms are walked in order and each
posting list is cut into blocks of the codec's block size by slicing.

The files are Whoosh 3 (W3 codec) postings, read by Whoosh's own readers: the
same block layout, block statistics and term statistics, and the same
per-posting values (the positions of a term are encoded exactly as
``whoosh.formats.Positions.encode`` does). Three things differ, all read by
Whoosh's reader as they are:
- a block's data tuple is pickled with protocol 4 instead of 2 (protocol 2
  turns every value in a block into a call to ``codecs.encode``; protocol 4
  stores the bytes as they are, so blocks are about half the size and ten
  times faster to write and read);
- blocks of ``COMPRESS_FROM`` bytes or more are zlib-compressed, as Whoosh
  compresses every block when its codec is given a level, and smaller ones
  are not (their header says which);
- the weights of a block of counts (see below), whole numbers, are pickled as
  integers (two bytes each where a float takes nine): Whoosh's matcher hands a
  block's weights out as they are, and scores with them as numbers.

The text fields' documents, weights and positions are also written as plain
arrays into a file beside the segment (``docfile``), which queries read
instead of decoding the blocks. A text field of Whoosh's ``Frequency`` format
(or of ``schema.Counts``, the body of an index ``searchtui index`` makes)
keeps its positions only there: each posting's count and positions are
collected as arrays (``_add_counted``), the blocks get the counts (as weights,
and for ``Frequency`` also as values, as it encodes them), and the file the
positions as they are.

Memory is bounded: once the collected postings pass ``limit_mb``, the segment
is written out and a new one is started; ``finished_segments`` then holds the
segments written so far (``commit`` includes them, and ``writers.hand_over``
hands them over with the last one).

Schemas with spelling or vector fields, segments that Whoosh's merge policy
fed other segments into (``add_reader``), and any Whoosh but the release this
is written for (see ``version``) take Whoosh's own pool path.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from functools import partial
from itertools import compress, islice, repeat
from operator import add, itemgetter, mul, ne, sub
from pathlib import Path
from pickle import dumps
from typing import Any

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher, W3TermInfo
from whoosh.columns import CompressedBytesColumn, PickleColumn
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.formats import Existence, Frequency
from whoosh.reading import SegmentReader
from whoosh.system import emptybytes, pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import GrowableArray
from whoosh.writing import PostingPool, SegmentWriter

from searchtui import kernels
from searchtui.schema import (
    SENTENCE_STEP,
    Counts,
    NewsText,
    analyse_positions,
    normalise_word,
    scan,
)
from searchtui.texts import field_text
from searchtui.whooshext import docfile
from searchtui.whooshext.damage import Damaged
from searchtui.whooshext.postings import length_bytes, segment_id
from searchtui.whooshext.version import fast_paths

#: Formats of text fields whose blocks keep counts, their positions kept only beside
#: the segment: Whoosh's ``Frequency`` (indexes of schema version 3) and ``Counts``.
_COUNTED = (Frequency, Counts)

#: Pickle protocol of a block's data tuple (see the module's doc).
DATA_PROTOCOL = 4
#: Pickle protocol and zlib level of the stored fields column (Whoosh: 2 and 3).
#: Most articles' bodies are not stored (``texts``), and a stored one is compressed
#: already (``schema.compress_body``); level 1 takes a quarter off the rest (a title,
#: a path written twice, names) as level 3 does, faster.
STORED_PROTOCOL = 4
STORED_LEVEL = 1
#: A term of one posting keeps it in its term info, not in a block of the postings
#: file (a block's header, block info and term offset were three quarters of its
#: bytes): Whoosh reads such an "inlined" term info as it reads one its own writer
#: makes with an inline limit above 1, as (documents, weights, values) unpickled
#: (``inline_pickle`` writes them). A weight that is a whole number (a count, or 1)
#: is kept as an integer.
_INT_OPS = ((0x100, b"K", "<B"), (0x10000, b"M", "<H"))


def _pickled_int(n: int) -> bytes | None:
    """``n`` as pickle's opcode for a small integer (None past 32 bits)."""
    if n >= 0:
        for bound, op, fmt in _INT_OPS:
            if n < bound:
                return op + struct.pack(fmt, n)
    if -0x80000000 <= n < 0x80000000:
        return b"J" + struct.pack("<i", n)
    return None


def inline_pickle(doc: int, weight: float | int, value: Any) -> bytes:
    """The pickle of ``((doc,), (weight,), (value,))``: an inlined term's postings.

    What ``pickle.dumps`` makes at protocol 3 with the memo left out: about 15 bytes
    where protocol 2 took 45 (it spells an empty bytes value as a call to
    ``__builtin__ bytes``, and memoizes every tuple). Any unpickler reads it; a value
    this does not spell is pickled by ``pickle`` itself.
    """
    d = _pickled_int(doc)
    if type(weight) is int:
        w = _pickled_int(weight)
    else:
        w = b"G" + struct.pack(">d", weight)
    if d is None or w is None or type(value) is not bytes or len(value) > 0xFFFFFFFF:
        return dumps(((doc,), (weight,), (value,)), 3)
    n = len(value)
    v = (b"C" + bytes((n,)) if n < 0x100 else b"B" + struct.pack("<I", n)) + value
    return b"\x80\x03" + d + b"\x85" + w + b"\x85" + v + b"\x85\x87."


#: The value of an inlined posting that has none: empty bytes, one of them (Whoosh's
#: ``ListMatcher`` gives ``""``, not bytes, for an empty values tuple, which its own
#: merge then refuses).
_NO_VALUE = b""
#: Posting blocks whose pickled data is at least this many bytes are written
#: zlib-compressed at ``BLOCK_LEVEL``, marked so in the block's header as
#: Whoosh's own compressed blocks are (Whoosh's reader decompresses them). Long
#: posting lists with positions shrink about threefold; the many small blocks
#: (most terms have one posting) would not shrink, and compressing them would
#: cost more than all the rest.
COMPRESS_FROM = 256
BLOCK_LEVEL = 1
#: A 4 KiB window: as small as blocks are, and about half the cost per block of
#: zlib's default 32 KiB (setting up the window is most of the work on a small
#: input). Any zlib reader takes it; the window size is in the stream's header.
BLOCK_WBITS = 12


def _compressed(data: bytes, level: int) -> bytes:
    """``data`` zlib-compressed at ``level`` with the window of ``BLOCK_WBITS``."""
    z = zlib.compressobj(level, zlib.DEFLATED, BLOCK_WBITS)
    return z.compress(data) + z.flush()

#: Default bound on the estimated memory of one segment's collected postings.
DEFAULT_LIMIT_MB = 160

_pack_uint = struct.Struct("!I").pack
_ONE = _pack_uint(1)
_single_positions: dict[int, bytes] = {}
_SINGLE_CACHE_MAX = 1 << 16

# Rough sizes (bytes) used to estimate memory: a posting in the term's arrays,
# a value of its own (not shared through the single-position cache), a term.
_POSTING_BYTES = 20
_VALUE_BYTES = 56
_TERM_BYTES = 420
# ... and a position kept for the file beside the segment (``_new_counted``).
_PLACE_BYTES = 4

_term_struct = W3TermInfo._struct


def encode_positions(poslist) -> bytes:
    """``Positions.encode(poslist)``, byte for byte, faster.

    The value of a single position is the same bytes object each time, taken
    from a cache.
    """
    if len(poslist) == 1:
        p = poslist[0]
        value = _single_positions.get(p)
        if value is None:
            value = _ONE + dumps([p], 2)
            if 0 <= p < _SINGLE_CACHE_MAX:
                _single_positions[p] = value
        return value
    deltas = [poslist[0]]
    deltas.extend(map(sub, islice(poslist, 1, None), poslist))
    return _pack_uint(len(deltas)) + dumps(deltas, 2)


def _whole(w: float) -> bool:
    """A weight kept as an integer: a whole number that float32 holds exactly."""
    return 0 <= w < 16777216 and w.is_integer()


def _term_blocks(
    rows: list, counted: bool, compression: int, blocklimit: int, lenbytes, fixedsize,
    fieldkey: bytes, offset: int, chunk: list, chunk_bytes: int, write, tkeys: list,
    tvalues: list,
) -> tuple[int, int]:
    """Write one field's terms (``rows``: each term's bytes and postings, in order) as
    Whoosh's ``W3FieldWriter`` would: each term's blocks go onto ``chunk`` (handed to
    ``write`` a megabyte at a time), its key and term info onto ``tkeys`` and
    ``tvalues`` (a term of one posting has no block: ``inline_pickle``). Returns
    the offset after the last term, and the bytes left in ``chunk``. Compiled where
    the counting loops are (``_kernels.term_blocks``)."""
    loops = kernels.loops
    if loops is not None:
        return loops.term_blocks(
            rows, counted, compression, blocklimit, lenbytes, fixedsize, fieldkey,
            offset, chunk, chunk_bytes, write, tkeys, tvalues, _BLOCK_HELPERS,
        )
    tkey_add = tkeys.append
    tvalue_add = tvalues.append
    term_pack = _term_struct.pack
    magic = WHOOSH3_HEADER_MAGIC
    for tbytes, entry in rows:
        docs, weights, values = entry[0], entry[1], entry[2]
        n = len(docs)
        start = offset
        if counted and fixedsize != 0:
            # each posting's count, four bytes each, as Frequency.encode makes it
            values = _pack_uint(values[0]) if n == 1 else count_values(values)
        if n == 1 and not compression:
            # One posting (most terms): inlined into its term info (see
            # ``inline_pickle``), no block in the postings file.
            d = docs[0]
            w = weights[0]
            wf = array("f", weights)[0]
            lb = lenbytes[d] if lenbytes is not None else 0
            one: bytes = (
                _NO_VALUE if values is None or fixedsize == 0
                else values if counted else values[0]
            )
            maxweight = w if w > 0 else 0
            tkey_add(fieldkey + tbytes)
            tvalue_add(
                term_pack(True, wf, 1, lb, lb, maxweight, d, d)
                + inline_pickle(d, int(wf) if _whole(wf) else wf, one)
            )
            continue
        out = [magic]
        size = len(magic)
        tweight = 0
        tmaxweight = 0
        tminlen = None
        tmaxlen = 0
        for b in range(0, n, blocklimit):
            e = b + blocklimit
            last = e >= n
            ids = docs[b:e]
            dw = weights[b:e]
            ws = array("f", dw)
            count = len(ids)
            # Block statistics, as W3PostingsWriter.add_posting keeps them.
            maxweight = max(dw)
            if not maxweight > 0:
                maxweight = 0
            if lenbytes is not None:
                if count == 1:
                    lens = (lenbytes[ids[0]],)
                else:
                    lens = itemgetter(*ids)(lenbytes)
                minlen = min(lens)
                if minlen == 0:
                    nonzero = [x for x in lens if x]
                    minlen = min(nonzero) if nonzero else None
                maxlen = max(lens)
            else:
                minlen = None
                maxlen = 0
            # The block's data, minified as W3PostingsWriter does.
            if count == 1:
                mini_ids = (ids[0],)
            else:
                mini_ids = (ids[0], *map(sub, islice(ids, 1, None), ids))
            if ws.count(1.0) == count:
                mini_weights = None
            elif ws.count(ws[0]) == count:
                mini_weights = ws[0]
            elif counted and all(map(_whole, ws)):
                mini_weights = tuple(map(int, ws))
            else:
                mini_weights = tuple(ws)
            if values is None or fixedsize == 0:
                vs = None
            elif counted:
                vs = values[4 * b : 4 * e]
            else:
                vals = values[b:e]
                if not all(vals):
                    vals = [v for v in vals if v]
                if fixedsize is None or fixedsize < 0:
                    vs = tuple(vals)
                else:
                    vs = emptybytes.join(vals)
            data = dumps((mini_ids, mini_weights, vs), DATA_PROTOCOL)
            level = compression
            if not level and len(data) >= COMPRESS_FROM:
                level = BLOCK_LEVEL
            if level:
                data = _compressed(data, level)
            info = dumps((count, ids[-1], maxweight, level, minlen or 0, maxlen), 2)
            blocklength = len(info) + len(data)
            out.append(pack_int(-blocklength if last else blocklength))
            out.append(info)
            out.append(data)
            size += 4 + blocklength
            # Term statistics, as W3TermInfo.add_block keeps them.
            tweight += sum(ws)
            if tminlen is None:
                tminlen = minlen
            elif minlen is not None:
                tminlen = min(tminlen, minlen)
            if maxlen > tmaxlen:
                tmaxlen = maxlen
            if maxweight > tmaxweight:
                tmaxweight = maxweight
        chunk += out
        chunk_bytes += size
        offset += size
        if chunk_bytes > CHUNK_BYTES:
            write(b"".join(chunk))
            chunk.clear()
            chunk_bytes = 0
        terminfo = term_pack(
            False, tweight, n, tminlen or 0, tmaxlen, tmaxweight, docs[0], docs[n - 1]
        ) + pack_long(start) + pack_int(size)
        tkey_add(fieldkey + tbytes)
        tvalue_add(terminfo)
    return offset, chunk_bytes


class LengthsOnce:
    """A per-document reader whose field lengths are read once per field.

    Whoosh asks for the length of a posting's document once per posting while
    writing a segment; reading the column each time is a large part of the
    cost of that path.
    """

    def __init__(self, reader):
        self._reader = reader
        self._lengths: dict[str, list] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            get = self._reader.doc_field_length
            lengths = [get(d, fieldname, default) for d in range(self._reader.doc_count_all())]
            self._lengths[fieldname] = lengths
        return lengths[docnum]

    def __getattr__(self, name):
        return getattr(self._reader, name)


_array_append = array.append
_list_append = list.append
_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)


def _new_entry() -> list:
    """A text term's postings as collected: documents, weights, encoded values."""
    return [array("I"), array("d"), []]


def _new_counted() -> list:
    """A term's postings as collected for a text field whose positions are kept only
    beside the segment (see ``docfile``): documents, weights, each posting's count of
    positions, and all its positions one posting after the other."""
    return [array("I"), array("d"), array("I"), array("I")]


def _add_counted(terms: dict, poses: dict, docnum: int, fb: float, fieldboost: float):
    """``_add_text`` for a field whose positions are kept beside the segment: each
    posting's count and positions are appended to the term's (``_new_counted``).
    Where the loops are compiled, documents are collected flat instead
    (``_FlatField``), to the same entries. Returns the field length, postings and
    new terms."""
    if not poses:
        return 0, 0, 0
    length = nterms = 0
    for term, pl in poses.items():
        entry = terms.get(term)
        if entry is None:
            entry = terms[term] = _new_counted()
            nterms += 1
        n = len(pl)
        weight = n * fb
        if fieldboost != 1.0:
            weight *= fieldboost
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(n)
        entry[3].extend(pl)
        length += n
    return length, len(poses), nterms


def count_values(counts: array) -> bytes:
    """Each posting's count as Whoosh's ``Frequency`` format keeps it (four bytes,
    big-endian), one after the other."""
    return np.frombuffer(counts, np.uint32).astype(">u4").tobytes()


#: The posting blocks are written out once this many bytes of them are made.
CHUNK_BYTES = 1 << 20
#: What ``_kernels.term_blocks`` makes the blocks with, as ``_term_blocks`` does.
_BLOCK_HELPERS = (
    dumps, _compressed, _term_struct.pack, pack_long, pack_int, _pack_uint, count_values,
    WHOOSH3_HEADER_MAGIC, COMPRESS_FROM, BLOCK_LEVEL, DATA_PROTOCOL, CHUNK_BYTES,
    inline_pickle,
)


def _add_text(terms: dict, poses: dict, docnum: int, fb: float, fieldboost: float):
    """Add one document's postings of a text field, from its term -> positions.

    Compiled where the counting loops are (``_kernels.add_text_postings``);
    otherwise the work per posting is done by ``map`` over C functions, and only
    new terms and values that are not cached take a Python loop. Returns the
    field length, postings, new values and new terms.
    """
    if not poses:
        return 0, 0, 0, 0
    loops = kernels.loops
    if loops is not None:
        return loops.add_text_postings(
            terms, poses, docnum, fb, fieldboost, _single_positions, encode_positions, _new_entry
        )
    keys = list(poses)
    pls = list(poses.values())
    ns = list(map(len, pls))
    count = len(keys)
    entries: list[Any] = list(map(terms.get, keys))
    nterms = 0
    if None in entries:
        for i, e in enumerate(entries):
            if e is None:
                entries[i] = terms[keys[i]] = _new_entry()
                nterms += 1
    # Weights as SegmentWriter makes them: (freq * format boost) * field boost.
    if fb == 1.0 and fieldboost == 1.0:
        weights = ns
    else:
        weights = list(map(mul, ns, repeat(fb)))
        if fieldboost != 1.0:
            weights = list(map(mul, weights, repeat(fieldboost)))
    # Values: a single position from the cache, anything else encoded.
    values = list(map(_single_positions.get, map(_first, pls)))
    multi = list(compress(range(count), map(ne, ns, repeat(1))))
    for i in multi:
        # encode_positions, inline
        pl = pls[i]
        deltas = [pl[0]]
        deltas.extend(map(sub, islice(pl, 1, None), pl))
        values[i] = _pack_uint(len(deltas)) + dumps(deltas, 2)
    if None in values:
        for i, v in enumerate(values):
            if v is None:
                values[i] = encode_positions(pls[i])
    any(map(_array_append, map(_first, entries), repeat(docnum, count)))
    any(map(_array_append, map(_second, entries), weights))
    any(map(_list_append, map(_third, entries), values))
    return sum(ns), count, len(multi), nterms


#: The formats whose postings ``_plain_postings`` makes as Whoosh does: a term is present
#: (weight the field boost, no value), or present so many times (its count as the value).
_EXISTENCE, _FREQUENCY = "existence", "frequency"


def _plain_kind(field) -> str | None:
    """How the postings of a field with a format of Whoosh's own are made from a list
    of values (Whoosh takes each value of a list as a term, unanalysed), or None."""
    kind = type(field.format)
    if kind is Existence:
        return _EXISTENCE
    if kind is Frequency:
        return _FREQUENCY
    return None


def _plain_postings(values, kind: str, fb: float) -> list[tuple[bytes, int, float, bytes]]:
    """``field.index(values)`` for a field of ``_plain_kind`` ``kind`` and format boost
    ``fb``, ``values`` a list of strings (or one string, for an ``IDTokenizer``
    field): each distinct value is a term, with its count, weight and value as Whoosh's
    format gives them, without its token objects and generators."""
    if type(values) is str:
        values = (values,)
    if kind == _EXISTENCE:
        return [(v.encode("utf-8"), 1, fb, emptybytes) for v in set(values)]
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return [(v.encode("utf-8"), n, float(n) * fb, _pack_uint(n)) for v, n in counts.items()]


_row_head = struct.Struct("!ii").pack  # a row of a hash file: key and value lengths


def add_terms(tindex, keys: list[bytes], values: list[bytes]) -> None:
    """``tindex.add(key, value)`` for each row, keys in increasing order, in one write:
    the same bytes, positions and hash buckets as Whoosh's ``OrderedHashWriter`` (the
    terms table), without three writes and a ``tell`` for each term. Any other writer
    is given its rows one by one."""
    if type(tindex) is not OrderedHashWriter or type(tindex.index) is not GrowableArray:
        for key, value in zip(keys, values, strict=True):
            tindex.add(key, value)
        return
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    last = tindex.lastkey
    buckets = tindex.buckets
    hashfn = tindex.hashfn
    index_add = tindex.index.append
    parts: list[bytes] = []
    part = parts.append
    for key, value in zip(keys, values, strict=True):
        if key <= last:
            raise ValueError(f"Keys must increase: {last!r}..{key!r}")
        last = key
        index_add(pos)
        part(_row_head(len(key), len(value)))
        part(key)
        part(value)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        pos += 8 + len(key) + len(value)
    dbfile.write(b"".join(parts))
    tindex.lastkey = last


def _copyable(reader) -> bool:
    """Whether ``add_reader`` can copy this reader's postings block by block."""
    terms = getattr(reader, "_terms", None)
    return (
        isinstance(reader, SegmentReader)
        and isinstance(reader.codec(), W3Codec)
        and hasattr(terms, "_postfile")
        and hasattr(terms, "_codec")
    )


def _all_postings(m, with_values: bool) -> tuple[list, list, list | None]:
    """The documents, weights and (if wanted) encoded values of a term's postings."""
    ids: list = []
    weights: list = []
    values: list | None = [] if with_values else None
    if isinstance(m, W3LeafMatcher):
        while not m._atend and m._blocklength:
            m._read_ids()
            m._read_weights()
            block = m._ids
            if values is not None:
                m._read_values()
                if len(m._values) != len(block):  # empty values left out: walk the term
                    return _walked_postings(m, with_values)
                values.extend(m._values)
            ids.extend(block)
            weights.extend(m._weights)
            if m._lastblock:
                break
            m._goto(m._nextoffset)
        return ids, weights, values
    return _walked_postings(m, with_values)


def _block_lists(postings_reader, postfile, terminfo, fmt, term) -> tuple[list, list]:
    """A term's documents and weights, read from its posting blocks."""
    m = postings_reader(postfile, terminfo, fmt, term=term)
    ids, weights, _values = _all_postings(m, False)
    return ids, weights


def _walked_postings(m, with_values: bool) -> tuple[list, list, list | None]:
    """``_all_postings`` through Whoosh's posting-by-posting walk, from the first posting."""
    if isinstance(m, W3LeafMatcher):
        m.reset()
    ids: list = []
    weights: list = []
    values: list | None = [] if with_values else None
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if values is not None:
            values.append(m.value() or emptybytes)
        m.next()
    return ids, weights, values


class _StoredWriter(PickleColumn.Writer):
    """The stored fields column, pickled with protocol 4.

    Whoosh's protocol 2 pickles a ``bytes`` value (the compressed body) as a
    Latin-1 string, which is then written as UTF-8: half as large again, and
    slow to compress and to read. Whoosh's reader loads either.

    Where each document's value starts is written too, in every segment: Whoosh
    writes it only past 32,768 documents and otherwise adds up the lengths one
    document at a time in Python when a segment's first stored article is read
    (5 ms a segment of 10,000, on the way to the first results of every start).
    """

    def add(self, docnum, v):
        self._child.add(docnum, emptybytes if v is None else dumps(v, STORED_PROTOCOL))


def _tune_stored_column(perdocwriter) -> None:
    writers = getattr(perdocwriter, "_colwriters", None)
    if not writers:
        return
    w = writers.get("_stored")
    if type(w) is PickleColumn.Writer and isinstance(w._child, CompressedBytesColumn.Writer):
        w._child._level = STORED_LEVEL
        w._child.cutoff = 0  # where each value starts, written whatever the count
        writers["_stored"] = _StoredWriter(w._child)


class _FlatField:
    """A text field's words collected flat, for a field whose positions are kept beside
    the segment: each kept word's term number and position one after the other, in
    the order the documents came, with each document's number, end in the lists,
    and weight factors. Adding a document is then a look-up per word and no work
    per term (where most of the time of ``_add_counted`` went: a term's four lists
    are spread over memory). ``settle`` turns the lists into the entries
    ``_add_counted`` would have made (``_kernels.flat_entries``), all at once.
    Used only where the loops are compiled."""

    __slots__ = ("word_ids", "terms", "term_ids", "ids", "places", "npos", "nposts",
                 "mark", "doc_nums", "doc_ends", "fbs", "boosts", "serial")

    def __init__(self) -> None:
        self.word_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.term_ids: dict[str, int] = {}
        # per term number: positions and documents not settled yet, and the last
        # document that had it
        self.npos = array("I")
        self.nposts = array("I")
        self.mark = array("I")
        self.serial = 0
        self._clear()

    def _clear(self) -> None:
        self.ids = array("I")
        self.places = array("I")
        self.doc_nums = array("I")
        self.doc_ends = array("Q")
        self.fbs = array("d")
        self.boosts = array("d")

    def add(self, text: str, docnum: int, fb: float, fieldboost: float, table: dict):
        """One document's text; returns (field length, postings, new terms: in neither
        these lists nor ``table``)."""
        loops = kernels.loops
        assert loops is not None
        self.serial += 1
        result = loops.add_flat_words(
            scan(text), self.word_ids, self.terms, self.term_ids, normalise_word,
            SENTENCE_STEP, self.ids, self.places, self.npos, self.nposts, self.mark,
            self.serial, table,
        )
        if result[0]:
            self.doc_nums.append(docnum)
            self.doc_ends.append(len(self.ids))
            self.fbs.append(fb)
            self.boosts.append(fieldboost)
        return result

    def settle(self, table: dict) -> None:
        """Append the documents collected so far to ``table``'s entries."""
        if not self.doc_nums:
            return
        loops = kernels.loops
        assert loops is not None
        loops.flat_entries(
            self.terms, self.ids, self.places, self.doc_nums, self.doc_ends, self.fbs,
            self.boosts, self.npos, self.nposts, table, _new_counted,
        )
        self._clear()


class _FieldPostings:
    """One field's postings in a segment, by term.

    ``text`` holds the terms of the fast path (keys are ``str``), ``raw`` the
    ones from the field's own ``index()`` (keys are ``bytes``). Each entry is
    ``[docnums array('I'), weights array('d'), values list or None]``. ``flat``
    holds documents not in ``text`` yet (see ``_FlatField``).
    """

    __slots__ = ("text", "raw", "values", "flat")

    def __init__(self, has_values: bool):
        self.text: dict = {}
        self.raw: dict = {}
        self.values = has_values
        self.flat: _FlatField | None = None

    def add_counted(self, text: str, docnum: int, fb: float, fieldboost: float):
        """One document's text of a field whose positions are kept beside the segment:
        collected flat where the loops are compiled, else added to ``text`` at once.
        Returns (field length, postings, new terms)."""
        if kernels.loops is None:
            return _add_counted(self.text, analyse_positions(text), docnum, fb, fieldboost)
        if self.flat is None:
            self.flat = _FlatField()
        return self.flat.add(text, docnum, fb, fieldboost, self.text)

    def settle(self) -> None:
        """The documents collected flat, moved into ``text``."""
        if self.flat is not None:
            self.flat.settle(self.text)

    def sorted_terms(self) -> list:
        self.settle()
        items = [(t.encode("utf-8"), e) for t, e in self.text.items()]
        if self.raw:
            if items and len(items[0][1]) == 4:
                # counted entries (``_new_counted``) beside ones from the field's own
                # ``index()``: as those, with Whoosh's values; the positions are not kept
                # beside the segment then, and are read from the stored text
                items = [
                    (t, [e[0], e[1], _count_list(e[2]) if self.values else None])
                    for t, e in items
                ]
            if items:
                by_bytes = dict(items)
                for tb, e in self.raw.items():
                    mine = by_bytes.get(tb)
                    by_bytes[tb] = e if mine is None else _merge_entries(mine, e)
                items = list(by_bytes.items())
            else:
                items = list(self.raw.items())
        items.sort(key=itemgetter(0))
        return items


def _count_list(counts: array) -> list[bytes]:
    """Each count as Whoosh's ``Frequency`` format encodes it."""
    values = count_values(counts)
    return [values[i : i + 4] for i in range(0, len(values), 4)]


def _merge_entries(a, b):
    """Two entries of one term, merged in document order."""
    rows = sorted(
        zip(list(a[0]) + list(b[0]), list(a[1]) + list(b[1]),
            (a[2] or [None] * len(a[0])) + (b[2] or [None] * len(b[0])), strict=True),
        key=itemgetter(0),
    )
    values = [r[2] for r in rows] if a[2] is not None else None
    return [array("I", [r[0] for r in rows]), array("d", [r[1] for r in rows]), values]


def _counted_entry(table: dict, tbytes: bytes) -> tuple[list, bool]:
    """The term's entry (``_new_counted``) in a field's ``table``, and whether it is new."""
    key = tbytes.decode("utf-8")
    entry = table.get(key)
    if entry is None:
        entry = table[key] = _new_counted()
        return entry, True
    return entry, False


class _MergedField:
    """One field of a segment being merged (``BulkWriter.add_reader``) whose positions
    are kept only beside the segments: every term's lists read at once from the
    segment's file (``docfile``), renumbered and without the deleted documents, to be
    copied a term at a time. A term the file does not hold soundly (or every term,
    when the file is missing or unusable) is copied from the segment's blocks, its
    positions made again from the segment's stored text."""

    def __init__(self, reader, folder, fieldname: str, renumber: np.ndarray | None,
                 basedoc: int, docmap: dict | None):
        self.reader = reader
        self.fieldname = fieldname
        self.renumber = renumber
        self.basedoc = basedoc
        self.docmap = docmap
        self._text: dict[str, dict[int, list[int]]] | None = None
        self.lists = None
        sid = segment_id(reader)
        if folder is not None and sid:
            path = Path(folder) / docfile.file_name(sid)
            try:
                held = docfile.DocsFile(path, sid, reader.doc_count_all(), path.stat().st_size)
                self.lists = held.field_lists(fieldname)
            except (docfile.Unusable, Damaged, OSError):
                self.lists = None
        lists = self.lists
        if lists is None:
            return
        docs = lists.docs.astype(np.int64)
        new = docs + basedoc if renumber is None else renumber[docs]
        keep = new >= 0
        counts = lists.counts[keep]
        self.docs = array("I", new[keep].astype(np.uint32).tobytes())
        self.weights = array("d", lists.weights[keep].astype(np.float64).tobytes())
        self.counts = array("I", counts.astype(np.uint32).tobytes())
        self.places = array(
            "I", lists.positions[np.repeat(keep, lists.counts)].astype(np.uint32).tobytes()
        )
        # each term's postings kept, and their positions, as bounds into the lists above
        kept = np.concatenate(([0], np.cumsum(keep)))[lists.starts]
        self.bounds = kept.tolist()
        self.pbounds = np.concatenate(([0], np.cumsum(counts)))[kept].tolist()

    def copy(self, tbytes: bytes, blocks, table: dict) -> tuple[int, int, int]:
        """Append the term's postings to the writer's ``table``; ``blocks()`` reads its
        documents and weights from the segment's blocks, when the file cannot give them.
        Returns (postings, positions, new terms) added."""
        lists = self.lists
        i = lists.number.get(tbytes) if lists is not None else None
        if lists is None or i is None or not lists.sound[i]:
            ids, weights = blocks()
            return self._copy_from_text(tbytes, ids, weights, table)
        a, b = self.bounds[i], self.bounds[i + 1]
        if a == b:
            return 0, 0, 0
        pa, pb = self.pbounds[i], self.pbounds[i + 1]
        entry, new = _counted_entry(table, tbytes)
        entry[0].extend(self.docs[a:b])
        entry[1].extend(self.weights[a:b])
        entry[2].extend(self.counts[a:b])
        entry[3].extend(self.places[pa:pb])
        return b - a, pb - pa, int(new)

    def _copy_from_text(self, tbytes: bytes, ids: list, weights: list,
                        table: dict) -> tuple[int, int, int]:
        text = self._stored_text().get(tbytes.decode("utf-8"), {})
        lists = [text.get(d, ()) for d in ids]
        counts = np.fromiter(map(len, lists), np.int64, count=len(lists))
        places = np.fromiter((p for pl in lists for p in pl), np.int64, count=int(counts.sum()))
        docs = np.asarray(ids, np.int64)
        ws = np.asarray(weights, np.float64)
        docs = docs + self.basedoc if self.renumber is None else self.renumber[docs]
        keep = docs >= 0
        if not keep.all():
            places = places[np.repeat(keep, counts)]
            docs, ws, counts = docs[keep], ws[keep], counts[keep]
        if not len(docs):
            return 0, 0, 0
        entry, new = _counted_entry(table, tbytes)
        entry[0].frombytes(docs.astype(np.uint32).tobytes())
        entry[1].frombytes(ws.tobytes())
        entry[2].frombytes(counts.astype(np.uint32).tobytes())
        entry[3].frombytes(places.astype(np.uint32).tobytes())
        return len(docs), len(places), int(new)

    def _stored_text(self) -> dict[str, dict[int, list[int]]]:
        """Each term's positions in each live document, from the stored text (once)."""
        if self._text is None:
            self._text = {}
            reader = self.reader
            docs = range(reader.doc_count_all()) if self.docmap is None else self.docmap
            for d in docs:
                text = field_text(reader.stored_fields(d), self.fieldname)
                if text is None:
                    raise Damaged(
                        f"segment {segment_id(reader) or '?'}: its {self.fieldname} word lists"
                        " are damaged, and an article's file changed since it was indexed;"
                        " rebuild the index (searchtui index --rebuild)"
                    )
                for term, pl in analyse_positions(text).items():
                    self._text.setdefault(term, {})[d] = pl
        return self._text


class BulkWriter(SegmentWriter):
    """A ``SegmentWriter`` that writes postings in bulk (see the module's doc)."""

    # Set by SegmentWriter (untyped), and again for each new segment.
    perdocwriter: Any
    fieldwriter: Any
    newsegment: Any
    pool: PostingPool
    docnum: int
    compound: bool

    def __init__(self, ix, *, limit_mb: float = DEFAULT_LIMIT_MB, **kwargs):
        super().__init__(ix, **kwargs)
        self._limitmb = kwargs.get("limitmb", 128)
        self.limit_bytes = int(limit_mb * 2**20)
        self.finished_segments: list = []
        codec = self.codec
        schema = self.schema
        self._stock = (
            not fast_paths()
            or not isinstance(codec, W3Codec)
            or codec._inlinelimit > 1
            or any(f.separate_spelling() or f.vector for _n, f in schema.items())
        )
        # Text fields of the fast path: with positions in their postings, or counts
        # (``_COUNTED``), their positions then kept only beside the segment (``docfile``).
        self._fast = {
            name for name, f in schema.items()
            if isinstance(f, NewsText)
            and (f.format.supports("positions") or type(f.format) in _COUNTED)
        }
        self._beside = {n for n in self._fast if type(schema[n].format) in _COUNTED}
        # Fields whose terms are their values as given: a list of strings always (Whoosh
        # does not analyse a list), one string where the analyzer takes it whole.
        self._plain = {
            name: (kind, type(f.analyzer) is IDTokenizer)
            for name, f in schema.items()
            if f.indexed and (kind := _plain_kind(f)) is not None
        }
        self._scorable = sorted(name for name, f in schema.items() if f.indexed and f.scorable)
        self._reset_postings()
        if not self._stock:
            _tune_stored_column(self.perdocwriter)

    # -- collecting

    def _reset_postings(self) -> None:
        self._postings: dict[str, _FieldPostings] = {}
        # Per scorable field, each document's length as Whoosh stores it (a byte).
        self._lenbytes = {name: array("B") for name in self._scorable}
        self._estimate = 0

    def _field_postings(self, fieldname, field) -> _FieldPostings:
        fp = self._postings.get(fieldname)
        if fp is None:
            fp = self._postings[fieldname] = _FieldPostings(field.format.fixed_value_size() != 0)
        return fp

    def per_document_reader(self):
        return LengthsOnce(super().per_document_reader())

    def add_document(self, **fields):
        if self._stock:
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        npost = nfresh = nterms = nplaces = 0
        lengths = {}
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]

            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                fp = self._field_postings(fieldname, field)
                if fieldname in self._fast and isinstance(value, str):
                    # NewsText.index, without a tuple per term.
                    fb = field.format.field_boost
                    if fieldname in self._beside:  # positions kept for the file beside
                        length, n, new = fp.add_counted(value, docnum, fb, fieldboost)
                        nplaces += length
                    else:
                        length, n, fresh, new = _add_text(
                            fp.text, analyse_positions(value), docnum, fb, fieldboost
                        )
                        nfresh += fresh
                    npost += n
                    nterms += new
                    if not field.scorable:
                        length = 0
                else:
                    terms = fp.raw
                    keep_values = fp.values
                    scorable = field.scorable
                    plain = self._plain.get(fieldname)
                    if plain is not None and (
                        (type(value) is list and all(type(v) is str for v in value))
                        or (plain[1] and type(value) is str)
                    ):
                        postings = _plain_postings(value, plain[0], field.format.field_boost)
                    else:
                        postings = field.index(value)
                    for tbytes, freq, weight, vbytes in postings:
                        weight *= fieldboost
                        if scorable:
                            length += freq
                        entry = terms.get(tbytes)
                        if entry is None:
                            entry = [array("I"), array("d"), [] if keep_values else None]
                            terms[tbytes] = entry
                            nterms += 1
                        entry[0].append(docnum)
                        entry[1].append(weight)
                        if keep_values:
                            entry[2].append(vbytes if vbytes is not None else emptybytes)
                            nfresh += 1
                        npost += 1

            customval = fields.get(f"_stored_{fieldname}", value)
            sv = customval if field.stored else None
            perdocwriter.add_field(fieldname, field, sv, length)
            if length:
                lengths[fieldname] = length

            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))

        perdocwriter.finish_doc()
        for name, lb in self._lenbytes.items():
            lb.append(length_to_byte(lengths[name]) if name in lengths else 0)
        self._added = True
        self.docnum += 1
        self._estimate += (
            npost * _POSTING_BYTES + nfresh * _VALUE_BYTES + nterms * _TERM_BYTES
            + nplaces * _PLACE_BYTES
        )
        if self._estimate > self.limit_bytes:
            self._next_segment()

    # -- merging

    def add_reader(self, reader):
        """Copy the live documents of another segment into this one, postings included.

        Whoosh's ``add_reader`` sends every posting through the sorting pool;
        here each term's postings are read a block at a time, renumbered, and
        appended to the terms collected in memory, to be written in bulk with
        the rest. The copied documents come after every document added before,
        so each term's list stays sorted. Stored fields, columns and lengths
        are copied by Whoosh's own per-document loop.
        """
        if self._stock or not _copyable(reader):
            super().add_reader(reader)
            return
        self._check_state()
        schema = self.schema
        basedoc = self.docnum
        indexed = [name for name in reader.indexed_field_names() if name in schema]
        docmap = self.write_per_doc(set(schema.names()) | set(indexed), LengthsOnce(reader))
        self._added = True
        live = None if docmap is None else list(docmap)
        for name, lb in self._lenbytes.items():
            raw = length_bytes(reader, name)
            lb.frombytes(raw if live is None else bytes(map(raw.__getitem__, live)))
        if docmap is None:
            renumber = None
        else:
            renumber = [-1] * reader.doc_count_all()
            for old, new in docmap.items():
                renumber[old] = new
        terms = reader._terms
        postings_reader = terms._codec.postings_reader
        postfile = terms._postfile
        # Per field: its format, its postings, and the table its terms go in.
        targets: dict[str, tuple[Any, _FieldPostings, dict]] = {}
        for name in indexed:
            fp = self._field_postings(name, schema[name])
            fp.settle()  # the documents added before come first
            targets[name] = (schema[name].format, fp, fp.text if name in self._fast else fp.raw)
        # The fields whose positions are kept beside the segments: read from the
        # reader's file (or its stored text) and carried into this segment's.
        folder = getattr(self.storage, "folder", None)
        renumbered = None if renumber is None else np.asarray(renumber, np.int64)
        placed = {
            name: _MergedField(reader, folder, name, renumbered, basedoc, docmap)
            for name in indexed if name in self._beside
        }
        npost = nvalues = nterms = nplaces = 0
        for (fname, tbytes), terminfo in terms.items():
            target = targets.get(fname)
            if target is None:
                continue
            fmt, fp, table = target
            source = placed.get(fname)
            if source is not None:
                n = source.copy(
                    tbytes, partial(_block_lists, postings_reader, postfile, terminfo, fmt,
                                    (fname, tbytes)), table,
                )
                npost += n[0]
                nplaces += n[1]
                nterms += n[2]
                continue
            m = postings_reader(postfile, terminfo, fmt, term=(fname, tbytes))
            ids, weights, values = _all_postings(m, fp.values)
            if renumber is None:
                ids = list(map(add, ids, repeat(basedoc)))
            else:
                ids = list(map(renumber.__getitem__, ids))
                if -1 in ids:
                    keep = list(map(ne, ids, repeat(-1)))
                    ids = list(compress(ids, keep))
                    weights = list(compress(weights, keep))
                    if values is not None:
                        values = list(compress(values, keep))
                    if not ids:
                        continue
            key = tbytes.decode("utf-8") if table is fp.text else tbytes
            entry: list[Any] | None = table.get(key)
            if entry is None:
                entry = table[key] = [array("I"), array("d"), [] if fp.values else None]
                nterms += 1
            entry[0].fromlist(ids)
            entry[1].fromlist(weights)
            if values is not None:
                entry[2].extend(values)
                nvalues += len(values)
            npost += len(ids)
        self._estimate += (
            npost * _POSTING_BYTES + nvalues * _VALUE_BYTES + nterms * _TERM_BYTES
            + nplaces * _PLACE_BYTES
        )

    # -- segments

    def _next_segment(self) -> None:
        """Write out the segment so far and go on in a new one."""
        self.finished_segments.append(self._finalize_segment())
        storage = self.storage
        codec = self.codec
        self.newsegment = codec.new_segment(storage, self.indexname)
        self.compound = self.compound and self.newsegment.should_assemble()
        self.pool = PostingPool(self._tempstorage, self.newsegment, limitmb=self._limitmb)
        self.perdocwriter = codec.per_document_writer(storage, self.newsegment)
        _tune_stored_column(self.perdocwriter)
        self.fieldwriter = codec.field_writer(storage, self.newsegment)
        self.docnum = self.docbase
        self._added = False
        self._reset_postings()

    def _merge_segments(self, mergetype, optimize, merge):
        # The segments already written out join the ones the merge policy keeps.
        return super()._merge_segments(mergetype, optimize, merge) + self.finished_segments

    def _pool_used(self) -> bool:
        return bool(self.pool.current or self.pool.runs)

    def _flush_segment(self):
        if self._stock:
            return super()._flush_segment()
        if self._pool_used():
            # Other segments were merged in through the pool: hand it ours too.
            self._postings_to_pool()
            return super()._flush_segment()
        self.perdocwriter.close()
        self._write_postings()
        self.fieldwriter.close()

    def _postings_to_pool(self) -> None:
        add = self.pool.add
        for fieldname in sorted(self._postings):
            has_values = self.schema[fieldname].format.fixed_value_size() != 0
            for tbytes, entry in self._postings[fieldname].sorted_terms():
                docs, weights, values = entry[:3]
                if len(entry) == 4:
                    # counted: Whoosh's values are the counts, if its format keeps
                    # them (the positions are read from the stored text, there being
                    # no file beside this segment)
                    values = _count_list(values) if has_values else None
                if values is None:
                    values = [emptybytes] * len(docs)
                for docnum, weight, vbytes in zip(docs, weights, values, strict=True):
                    add((fieldname, tbytes, docnum, weight, vbytes))
        self._reset_postings()

    def _write_postings(self) -> None:
        fw = self.fieldwriter
        codec = self.codec
        blocklimit = codec._blocklimit
        compression = codec._compression
        schema = self.schema
        postfile = fw._postfile
        # Written in chunks; each term's offset is counted, not asked for.
        chunk: list = []
        chunk_bytes = 0
        offset = postfile.tell()
        # The term table's rows, written a field at a time (``add_terms``).
        tkeys: list[bytes] = []
        tvalues: list[bytes] = []

        # The text fields' lists, for the file beside the segment (``docfile``).
        doc_lists: dict[str, list] = {}
        for fieldname in sorted(self._postings):
            fieldobj = schema[fieldname]
            fw.start_field(fieldname, fieldobj)
            fieldkey = pack_ushort(fw._fieldid)
            fixedsize = fieldobj.format.fixed_value_size()
            lenbytes = self._lenbytes.get(fieldname)
            rows = self._postings[fieldname].sorted_terms()
            # counted (``_new_counted``): the blocks keep counts, the file the positions
            counted = bool(rows) and len(rows[0][1]) == 4
            if fieldname in self._fast:
                # (a field whose blocks keep counts, not counted here: no positions)
                nothing = fieldname in self._beside
                doc_lists[fieldname] = [
                    (tb, e[0], e[1], (e[2], e[3]) if counted else None if nothing else e[2])
                    for tb, e in rows
                ]
            offset, chunk_bytes = _term_blocks(
                rows, counted, compression, blocklimit, lenbytes, fixedsize, fieldkey,
                offset, chunk, chunk_bytes, postfile.write, tkeys, tvalues,
            )
            add_terms(fw._tindex, tkeys, tvalues)
            tkeys.clear()
            tvalues.clear()
            fw.finish_field()
        if chunk:
            postfile.write(b"".join(chunk))
        assert postfile.tell() == offset
        folder = getattr(self.storage, "folder", None)
        if folder is not None and doc_lists:
            docfile.write(folder, self.newsegment.segment_id(), self.docnum, doc_lists)
        self._reset_postings()
