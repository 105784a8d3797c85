"""Each text term's documents, weights and positions in one segment, kept in a file beside it.

Whoosh keeps a term's documents, weights and positions together in posting
blocks, each pickled and (when large) compressed: reading a common word's
documents means decoding all of it, positions included, at about a
microsecond a posting. The bulk writer (``segments``) therefore writes them a
second time, as plain arrays, into ``<segment id>.docs.npz`` beside the
segment's other files: a term's documents and weights (what a query needs),
and apart from them its positions (what a phrase needs). A reader maps the
file's table of terms (``mapped``) and reads a term's lists with one read
each, decoding nothing; a query that needs no positions never reads them.

In an index whose body has Whoosh's ``Frequency`` format (what ``searchtui
index`` makes: see ``schema.make_schema``), the blocks keep each body
posting's count and the file is the only place of the body's positions; a
merge copies them from the merged segments' files (``field_lists``).

The file is one of the segment's files: Whoosh's file names give it to the
segment, so it is listed with the segment's files in the signed manifest of
every generation that holds the segment, and removed with them. A reader
(``DocsFile``) uses it only when the manifest lists it at its size and it says
it was made for this very segment by this layout, and each term's lists are
checked before they are used: a term found must match the checksums the file
keeps of it with its lists and with its positions, and a term not found must
be missing from Whoosh's own term table too. A segment without the file
(written by Whoosh's own writer, or by an older searchtui), or whose file fails
a check, is read from its posting blocks; positions its blocks do not keep are
found again in the stored text of the documents a term's postings list
(``postings.text_positions``: slow for a common word, never wrong).
"""

from __future__ import annotations

import mmap
import os
import struct
import weakref
import zipfile
import zlib
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from whoosh.reading import TermNotFound

from searchtui import kernels, mapped
from searchtui.whooshext.damage import DECODE_ERRORS, Damaged
from searchtui.whooshext.postings import (
    decode_positions,
    deleted_docs,
    segment_id,
    term_positions,
    term_postings,
)
from searchtui.whooshext.storage import write_durably

#: The layout of the files; a file of another layout is not read.
LAYOUT = 2
SUFFIX = ".docs.npz"
#: Documents numbered below this are kept in two bytes, others in four.
_SHORT_DOCS = 1 << 16
#: Postings whose positions are decoded at once when a file is written.
_DECODE_CHUNK = 1 << 16


#: What reading a damaged zip file or npy header raises (``mapped`` turns the rest
#: into ValueError).
_UNREADABLE = (
    KeyError, ValueError, OSError, EOFError, UnicodeDecodeError, NotImplementedError,
    struct.error, zipfile.BadZipFile,
)


class Unusable(Exception):
    """The file is not one made for this segment by this layout."""


def file_name(segment_id: str) -> str:
    return f"{segment_id}{SUFFIX}"


def _weights(values: array) -> np.ndarray:
    """Weights in the smallest type that holds them exactly (Whoosh's are float32)."""
    w = np.frombuffer(values, dtype=np.float64).astype(np.float32)
    if not len(w):
        return w.astype(np.uint8)
    if np.all(w >= 0) and np.all(w == np.floor(w)):
        top = float(w.max())
        if top <= 0xFF:
            return w.astype(np.uint8)
        if top <= 0xFFFF:
            return w.astype(np.uint16)
    return w


#: A term's row: its bytes, documents (``array('I')``), weights (``array('d')``) and,
#: for a field with positions, each posting's encoded positions, or each posting's
#: count of positions with all of them one posting after the other (two ``array('I')``),
#: or None.
Row = tuple[bytes, array, array, "list[bytes] | tuple[array, array] | None"]


def arrays_of(
    segment_id: str, ndocs: int, fields: Mapping[str, Sequence[Row]]
) -> dict[str, np.ndarray]:
    """The file's arrays: for each field, its terms (sorted, as bytes) with their
    documents and weights and, where every posting's positions are given, their
    positions (and each posting's count of them, when its weight is not that count)."""
    out: dict[str, np.ndarray] = {
        "layout": np.array([LAYOUT], np.int64),
        "ndocs": np.array([ndocs], np.int64),
        "segment": np.frombuffer(segment_id.encode("utf-8"), np.uint8),
    }
    doc_type = np.uint16 if ndocs <= _SHORT_DOCS else np.uint32
    for field, rows in fields.items():
        docs = array("I")
        weights = array("d")
        values: list[bytes] | None = []
        # the counted rows' counts and positions (all rows are counted, or none)
        counted = bool(rows) and all(type(r[3]) is tuple for r in rows)
        all_counts = array("I")
        all_places = array("I")
        sizes = np.zeros(len(rows) + 1, np.int64)
        lens = np.zeros(len(rows), np.int64)
        for i, (tbytes, ids, ws, vs) in enumerate(rows):
            docs.extend(ids)
            weights.extend(ws)
            sizes[i + 1] = len(ids)
            lens[i] = len(tbytes)
            if isinstance(vs, tuple):
                if counted:
                    all_counts.extend(vs[0])
                    all_places.extend(vs[1])
                values = None
            elif values is not None:
                if vs is None or len(vs) != len(ids):
                    values = None
                else:
                    values.extend(vs)
        starts = np.cumsum(sizes)
        doc_array = np.frombuffer(docs, np.uint32).astype(doc_type)
        weight_array = _weights(weights)
        terms = [r[0] for r in rows]
        out[f"{field}_terms"] = np.frombuffer(b"".join(terms), np.uint8)
        out[f"{field}_ends"] = np.cumsum(lens)
        out[f"{field}_starts"] = starts
        out[f"{field}_docs"] = doc_array
        out[f"{field}_weights"] = weight_array
        out[f"{field}_crc"] = np.fromiter(
            (_crc(t, doc_array[a:b].data, weight_array[a:b].data)
             for t, a, b in zip(terms, starts[:-1].tolist(), starts[1:].tolist(), strict=True)),
            np.uint32, count=len(rows),
        )
        if counted:
            counts = np.frombuffer(all_counts, np.uint32)
            places = np.frombuffer(all_places, np.uint32)
            found: tuple[np.ndarray, np.ndarray] | None = None
            if len(counts) == len(docs) and int(counts.sum()) == len(places):
                found = (counts, places.astype(_small(places)))
        else:
            found = _positions(values)
        if found is not None:
            counts, poses = found
            # where each term's positions start: its postings' counts summed (every
            # term has a posting, so reduceat sums each term's own)
            pstarts = np.zeros(len(rows) + 1, np.int64)
            if len(rows):
                np.cumsum(np.add.reduceat(counts, starts[:-1], dtype=np.int64), out=pstarts[1:])
            out[f"{field}_pstarts"] = pstarts
            out[f"{field}_positions"] = poses
            # A posting's weight is its count of positions, unless the field is boosted.
            pcounts = None
            if not np.array_equal(counts, np.frombuffer(weights, np.float64)):
                pcounts = out[f"{field}_pcounts"] = counts.astype(_small(counts))
            out[f"{field}_pcrc"] = np.fromiter(
                (_crc(t, poses[a:b].data, *(() if pcounts is None else (pcounts[c:d].data,)))
                 for t, a, b, c, d in zip(terms, pstarts[:-1].tolist(), pstarts[1:].tolist(),
                                          starts[:-1].tolist(), starts[1:].tolist(), strict=True)),
                np.uint32, count=len(rows),
            )
    return out


def _small(values: np.ndarray) -> type:
    """uint16 when it holds ``values`` (not negative), else uint32."""
    return np.uint16 if not len(values) or int(values.max()) <= 0xFFFF else np.uint32


def _positions(values: list[bytes] | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Each posting's count of positions, and all their positions one posting after
    the other (None: they do not decode; no positions are kept for the field).

    Decoded ``_DECODE_CHUNK`` postings at a time: decoding works in 64-bit integers,
    several times what is kept, and a segment holds millions of postings."""
    if not values:
        return None
    counts, poses = [], []
    for at in range(0, len(values), _DECODE_CHUNK):
        try:
            c, p = decode_positions(values[at : at + _DECODE_CHUNK])
        except DECODE_ERRORS:
            return None
        if len(p) and int(p.max()) > 0xFFFFFFFF:
            return None
        counts.append(c.astype(np.uint32))
        poses.append(p.astype(np.uint32))
    all_poses = np.concatenate(poses)
    return np.concatenate(counts), all_poses.astype(_small(all_poses))


def _crc(tbytes: bytes, *parts) -> int:
    """The checksum of one term with its parts of lists (bytes)."""
    crc = zlib.crc32(tbytes)
    for part in parts:
        crc = zlib.crc32(part, crc)
    return crc


def write(
    folder: str | Path, segment_id: str, ndocs: int, fields: Mapping[str, Sequence[Row]]
) -> None:
    """Write the file of one segment (see ``arrays_of``) whole or not at all."""
    arrays = arrays_of(segment_id, ndocs, fields)
    write_durably(Path(folder) / file_name(segment_id), lambda fh: mapped.save(fh, arrays))


class _Stored:
    """A list in the file, read a part at a time (``os.pread``): the documents,
    weights and positions of a large index are gigabytes, which mapping them would
    count as the process's own memory once read."""

    __slots__ = ("fd", "offset", "dtype", "count")

    def __init__(self, fd: int, place: tuple[int, np.dtype, int]):
        self.fd = fd
        self.offset, self.dtype, self.count = place

    def __len__(self) -> int:
        return self.count

    def read(self, start: int, end: int) -> bytes:
        size = self.dtype.itemsize
        want = (end - start) * size
        try:
            raw = os.pread(self.fd, want, self.offset + start * size)
        except OSError as exc:
            raise Damaged(f"the file cannot be read: {exc.strerror or exc}") from None
        if len(raw) != want:
            raise Damaged("the file is shorter than it says")  # cut short since it was opened
        return raw

    def array(self, raw: bytes) -> np.ndarray:
        return np.frombuffer(raw, self.dtype)


class _Field:
    __slots__ = ("terms", "ends", "starts", "docs", "weights", "crc", "pstarts", "positions",
                 "pcrc", "pcounts")

    def __init__(self, terms, ends, starts, docs, weights, crc, pstarts=None, positions=None,
                 pcrc=None, pcounts=None):
        # The table of terms is mapped (a lookup reads a few of its pages); as
        # memoryviews, an item is a Python int at once, for the search below.
        self.terms = np.ascontiguousarray(terms).data
        self.ends = np.ascontiguousarray(ends).data
        self.starts = np.ascontiguousarray(starts).data
        self.crc = np.ascontiguousarray(crc).data
        self.pstarts = np.ascontiguousarray(pstarts).data if pstarts is not None else None
        self.pcrc = np.ascontiguousarray(pcrc).data if pcrc is not None else None
        # The lists themselves are read a part at a time.
        self.docs: _Stored = docs
        self.weights: _Stored = weights
        self.positions: _Stored | None = positions
        #: each posting's count of positions, where its weight is not that count
        self.pcounts: _Stored | None = pcounts

    def find(self, tbytes: bytes) -> int:
        """The term's number, or -1 (``Damaged`` when the table is not sound)."""
        terms, ends = self.terms, self.ends
        loops = kernels.loops
        if loops is not None and len(ends):
            try:
                return int(loops.find_term(terms, ends, tbytes))
            except ValueError:
                raise Damaged("its table of terms is not sound") from None
        lo, hi = 0, len(ends)
        while lo < hi:
            mid = (lo + hi) // 2
            found = bytes(terms[ends[mid - 1] if mid else 0 : ends[mid]])
            if found < tbytes:
                lo = mid + 1
            elif found > tbytes:
                hi = mid
            else:
                return mid
        return -1


_FIELD_TYPES = {
    "terms": (np.uint8,), "ends": (np.int64,), "starts": (np.int64,),
    "docs": (np.uint16, np.uint32), "weights": (np.uint8, np.uint16, np.float32),
    "crc": (np.uint32,),
}
_POSITION_TYPES = {
    "pstarts": (np.int64,), "positions": (np.uint16, np.uint32), "pcrc": (np.uint32,),
}


class DocsFile:
    """The documents, weights and positions of one segment's text terms, as kept in
    its file."""

    def __init__(self, path: Path, segment_id: str, ndocs: int, size: int):
        """Map ``path``; :class:`Unusable` unless it is ``size`` bytes long and was
        made for the segment ``segment_id`` of ``ndocs`` documents by this layout."""
        try:
            z = mapped.MappedArrays(path)
            if len(z.buffer()) != size:
                raise Unusable("it is not the size its manifest says")
            fd = self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            weakref.finalize(self, os.close, fd)
            if os.fstat(fd).st_size != size:
                raise Unusable("it is not the size its manifest says")
            stored = {"docs", "weights", "positions", "pcounts"}
            if [int(v) for v in z["layout"]] != [LAYOUT]:
                raise Unusable("it was made by another version of searchtui")
            made_for = (z["segment"].tobytes().decode("utf-8"), [int(v) for v in z["ndocs"]])
            if made_for != (segment_id, [ndocs]):
                raise Unusable("it was made for another segment")
            self.fields: dict[str, _Field] = {}
            for name in z.files:
                if not name.endswith("_terms"):
                    continue
                field = name[: -len("_terms")]
                parts = {}
                for part, types in _FIELD_TYPES.items():
                    a = _part(z, fd, f"{field}_{part}", types, part in stored)
                    if a is None:
                        raise Unusable(f"its {field} {part} are not what they should be")
                    parts[part] = a
                n = len(parts["ends"])
                if (len(parts["starts"]) != n + 1 or len(parts["crc"]) != n
                        or len(parts["docs"]) != len(parts["weights"])
                        or (n and int(parts["ends"][-1]) != len(parts["terms"]))
                        or int(parts["starts"][-1]) != len(parts["docs"])):
                    raise Unusable(f"its {field} lists do not add up")
                if f"{field}_positions" in z:
                    for part, types in _POSITION_TYPES.items():
                        a = _part(z, fd, f"{field}_{part}", types, part in stored)
                        if a is None:
                            raise Unusable(f"its {field} {part} are not what they should be")
                        parts[part] = a
                    if (len(parts["pstarts"]) != n + 1 or len(parts["pcrc"]) != n
                            or int(parts["pstarts"][-1]) != len(parts["positions"])):
                        raise Unusable(f"its {field} positions do not add up")
                    if f"{field}_pcounts" in z:
                        a = _part(z, fd, f"{field}_pcounts", (np.uint16, np.uint32), True)
                        if a is None or len(a) != len(parts["docs"]):
                            raise Unusable(f"its {field} counts are not what they should be")
                        parts["pcounts"] = a
                self.fields[field] = _Field(**parts)
        except _UNREADABLE as exc:
            raise Unusable(f"it cannot be read: {type(exc).__name__}: {exc}") from None
        self.segment_id = segment_id
        self.ndocs = ndocs

    def read_tables(self) -> None:
        """Bring each field's table of terms (the terms, where each ends, where its lists
        start, their checksums) into memory, a byte a page. Looking a term up walks the
        table by halves, and each page first touched is a fault: at a million articles
        a first lookup cost about 30 us a segment, for every word a prefix expands to."""
        step = mmap.PAGESIZE
        for f in self.fields.values():
            for table in (f.terms, f.ends, f.starts, f.crc):
                raw = np.asarray(table).view(np.uint8)
                if len(raw):
                    int(raw[::step].sum())

    def postings(self, leaf, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """(documents, weights) of a term, as ``term_postings`` gives them; None when the
        file does not hold the field. ``Damaged`` when they disagree with the
        segment's term table (``leaf``)."""
        f = self.fields.get(fieldname)
        if f is None:
            return None
        _i, docs, weights = self._lists(leaf, f, fieldname, tbytes)
        return docs, weights

    def positions(
        self, leaf, fieldname: str, tbytes: bytes
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Every (document, position) of a term, as ``term_positions`` gives them; None
        when the file holds no positions of the field. ``Damaged`` as ``postings``."""
        f = self.fields.get(fieldname)
        if f is None or f.positions is None or f.pstarts is None or f.pcrc is None:
            return None
        i, docs, weights = self._lists(leaf, f, fieldname, tbytes)
        if i < 0:
            return _NO_POSITIONS
        start, end = f.pstarts[i], f.pstarts[i + 1]
        if not 0 <= start <= end <= len(f.positions):
            raise Damaged(f"{_where(leaf, fieldname, tbytes)}: its positions' bounds are wrong")
        raw = f.positions.read(start, end)
        if f.pcounts is None:
            counts = weights.astype(np.int64)
            crc = _crc(tbytes, raw)
        else:
            raw_counts = f.pcounts.read(f.starts[i], f.starts[i + 1])
            counts = f.pcounts.array(raw_counts).astype(np.int64)
            crc = _crc(tbytes, raw, raw_counts)
        if crc != f.pcrc[i] or int(counts.sum()) != end - start:
            raise Damaged(f"{_where(leaf, fieldname, tbytes)}: its positions have changed")
        return (np.repeat(docs.astype(np.int64), counts),
                f.positions.array(raw).astype(np.int64))

    def _lists(self, leaf, f: _Field, fieldname: str, tbytes: bytes):
        """(the term's number, its documents, its weights), checked; (-1, empty, empty)
        when the segment does not have the term."""
        loops = kernels.loops
        if loops is not None:
            # the same, in one compiled call: a prefix typed on a large index looks
            # up each of its words in each of hundreds of segments
            dlist, wlist = f.docs, f.weights
            try:
                i, found_docs, found_weights = loops.term_lists(
                    f.terms, f.ends, f.starts, f.crc, tbytes, dlist.fd, dlist.offset,
                    dlist.dtype.itemsize, wlist.offset, wlist.dtype.itemsize,
                    wlist.dtype.kind == "f", len(dlist), self.ndocs,
                )
            except OSError as exc:
                raise Damaged(f"the file cannot be read: {exc.strerror or exc}") from None
            except ValueError as exc:
                what = _WRONG.get(str(exc), str(exc))
                if exc.args and exc.args[0] == "table":
                    raise Damaged(what) from None
                raise Damaged(f"{_where(leaf, fieldname, tbytes)}: {what}") from None
            if i >= 0:
                return i, found_docs, found_weights
            return self.absent(leaf, fieldname, tbytes)
        i = f.find(tbytes)
        if i < 0:
            return self.absent(leaf, fieldname, tbytes)
        start, end = f.starts[i], f.starts[i + 1]
        if not 0 <= start < end <= len(f.docs):
            raise Damaged(f"{_where(leaf, fieldname, tbytes)}: its bounds are wrong")
        raw_docs, raw_weights = f.docs.read(start, end), f.weights.read(start, end)
        # The checksum covers the term found and its lists.
        if _crc(tbytes, raw_docs, raw_weights) != f.crc[i]:
            raise Damaged(f"{_where(leaf, fieldname, tbytes)}: they have changed")
        docs = f.docs.array(raw_docs).astype(np.int32)
        if int(docs[-1]) >= self.ndocs or (end - start > 1 and not np.all(docs[1:] > docs[:-1])):
            raise Damaged(f"{_where(leaf, fieldname, tbytes)}: they are not a sound list")
        return i, docs, f.weights.array(raw_weights).astype(np.float32)

    @staticmethod
    def absent(leaf, fieldname: str, tbytes: bytes):
        """A term not in the file: (-1, empty, empty) when the segment's own table of
        terms agrees (the file's terms may be what is damaged), else ``Damaged``."""
        try:
            leaf.term_info(fieldname, tbytes)
        except TermNotFound:
            return (-1, *_EMPTY)
        raise Damaged(f"{_where(leaf, fieldname, tbytes)}: the term is missing")

    def field_lists(self, fieldname: str) -> FieldLists | None:
        """Every term's lists of a field with positions, read whole (for a merge, which
        copies them all), each term's checked against its checksums; None when the
        file holds no positions of the field. ``Damaged`` when its lists do not add up."""
        f = self.fields.get(fieldname)
        if f is None or f.positions is None or f.pstarts is None or f.pcrc is None:
            return None
        starts = np.frombuffer(f.starts, np.int64)
        pstarts = np.frombuffer(f.pstarts, np.int64)
        ends = np.frombuffer(f.ends, np.int64)
        n = len(ends)
        raw_docs = f.docs.read(0, len(f.docs))
        raw_weights = f.weights.read(0, len(f.weights))
        raw_places = f.positions.read(0, len(f.positions))
        raw_counts = f.pcounts.read(0, len(f.pcounts)) if f.pcounts is not None else None
        docs = f.docs.array(raw_docs)
        weights = f.weights.array(raw_weights)
        counts = (f.pcounts.array(raw_counts) if f.pcounts is not None and raw_counts is not None
                  else weights).astype(np.int64)
        if (len(starts) != n + 1 or int(starts[0]) != 0 or bool(np.any(np.diff(starts) <= 0))
                or len(pstarts) != n + 1 or int(pstarts[0]) != 0
                or not np.array_equal(pstarts, np.concatenate(([0], np.cumsum(counts)))[starts])):
            raise Damaged(f"{self.segment_id}{SUFFIX}: the {fieldname} lists do not add up")
        terms = bytes(f.terms)
        sound = np.zeros(n, dtype=bool)
        dsize, wsize, psize = docs.itemsize, weights.itemsize, f.positions.dtype.itemsize
        csize = f.pcounts.dtype.itemsize if f.pcounts is not None else 0
        ends_l, starts_l, pstarts_l = ends.tolist(), starts.tolist(), pstarts.tolist()
        crc, pcrc = f.crc, f.pcrc
        crc32 = zlib.crc32
        at = 0
        for i in range(n):
            tbytes = terms[at : ends_l[i]]
            at = ends_l[i]
            a, b = starts_l[i], starts_l[i + 1]
            c = crc32(raw_weights[a * wsize : b * wsize], crc32(raw_docs[a * dsize : b * dsize],
                                                                 crc32(tbytes)))
            if c != crc[i]:
                continue
            pc = crc32(raw_places[pstarts_l[i] * psize : pstarts_l[i + 1] * psize], crc32(tbytes))
            if raw_counts is not None:
                pc = crc32(raw_counts[a * csize : b * csize], pc)
            sound[i] = pc == pcrc[i]
        return FieldLists(
            terms, ends, starts, docs, weights, counts, f.positions.array(raw_places), sound
        )

    def terms(self, fieldname: str) -> int:
        """How many terms of the field the file holds."""
        f = self.fields.get(fieldname)
        return len(f.ends) if f is not None else 0


class FieldLists:
    """A field's lists as ``DocsFile.field_lists`` reads them: the terms (their bytes, one
    after the other, and where each ends), where each term's postings start, every
    posting's document, weight and count of positions, all the positions, and whether
    each term's lists match their checksums."""

    def __init__(self, terms: bytes, ends: np.ndarray, starts: np.ndarray, docs: np.ndarray,
                 weights: np.ndarray, counts: np.ndarray, positions: np.ndarray,
                 sound: np.ndarray):
        self.starts, self.docs, self.weights = starts, docs, weights
        self.counts, self.positions, self.sound = counts, positions, sound
        bounds = [0, *ends.tolist()]
        self.number = {
            terms[a:b]: i for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
        }


def _part(z: mapped.MappedArrays, fd: int, name: str, types: tuple, stored: bool):
    """A one-dimensional list of one of ``types``: mapped, or with ``stored`` read a part
    at a time (None: it is not such a list)."""
    if stored:
        place = z.place(name)
        return _Stored(fd, place) if place[1].type in types else None
    a = z[name]
    return a if a.ndim == 1 and a.dtype.type in types else None


_EMPTY = (np.zeros(0, np.int32), np.zeros(0, np.float32))
#: What ``term_lists`` found wrong, said as the checks in Python say it.
_WRONG = {
    "table": "its table of terms is not sound",
    "bounds": "its bounds are wrong",
    "short": "the file is shorter than it says",
    "changed": "they have changed",
    "unsound": "they are not a sound list",
}
_NO_POSITIONS = (np.zeros(0, np.int64), np.zeros(0, np.int64))


def _where(leaf, fieldname: str, tbytes: bytes) -> str:
    return f"{segment_id(leaf) or ''}{SUFFIX}, {fieldname}:{tbytes.decode('utf-8', 'replace')!r}"


def check_file(leaf, path: Path) -> list[str]:
    """The segment's file (at ``path``) against its posting blocks: every term of
    each field it holds, its documents, weights and positions. What disagrees
    (empty when it all agrees). The file keeps deleted documents, which the blocks
    leave out: they are left out here too."""
    try:
        held = DocsFile(path, segment_id(leaf) or "", leaf.doc_count_all(), path.stat().st_size)
    except (Unusable, OSError) as exc:
        return [f"{path.name}: {exc}"]
    dead = np.zeros(leaf.doc_count_all(), dtype=bool)
    dead[deleted_docs(leaf)] = True
    problems: list[str] = []
    for fieldname in sorted(held.fields):
        terms = list(leaf.lexicon(fieldname))
        if held.terms(fieldname) != len(terms):
            problems.append(
                f"{path.name}: {held.terms(fieldname):,} terms of {fieldname}, "
                f"the segment {len(terms):,}"
            )
        # Positions the blocks do not keep are checked against the stored text of
        # some of the documents (their checksums guard them all against damage).
        sample = None
        if not leaf.schema[fieldname].format.supports("positions"):
            sample = _sampled_positions(leaf, fieldname, np.flatnonzero(~dead))
            if held.fields[fieldname].positions is None:
                problems.append(f"{path.name}: it keeps no positions of {fieldname}")
            elif sample[1].keys() - set(terms):
                problems.append(f"{path.name}: words of the stored {fieldname} are not terms")
        for tbytes in terms:
            try:
                docs, weights = held.postings(leaf, fieldname, tbytes) or _EMPTY
                keep = ~dead[docs]
                same = _same((docs[keep], weights[keep]), term_postings(leaf, fieldname, tbytes))
                found = held.positions(leaf, fieldname, tbytes)
                if same and found is not None and sample is None:
                    keep = ~dead[found[0]]
                    same = _same((found[0][keep], found[1][keep]),
                                 term_positions(leaf, fieldname, tbytes))
                elif same and found is not None and sample is not None:
                    keep = np.isin(found[0], sample[0])
                    expect = sample[1].get(tbytes, _NO_POSITIONS)
                    same = _same((found[0][keep], found[1][keep]), expect)
            except Damaged as exc:
                problems.append(str(exc))
                continue
            if not same:
                problems.append(f"{_where(leaf, fieldname, tbytes)}: not what the segment holds")
            if len(problems) >= 20:
                return problems
    return problems


#: Documents of a segment whose stored text ``check_file`` compares with the positions
#: kept for them, where the blocks keep none.
CHECK_SAMPLE = 200


def _sampled_positions(
    leaf, fieldname: str, live: np.ndarray
) -> tuple[np.ndarray, dict[bytes, tuple[np.ndarray, np.ndarray]]]:
    """(the documents sampled: up to ``CHECK_SAMPLE`` live ones, evenly spread; each
    term's (document, position) pairs in their text, as indexed). A document whose
    text cannot be had as indexed (its file changed since) is left out."""
    from searchtui.schema import analyse_positions
    from searchtui.texts import field_text

    if len(live) > CHECK_SAMPLE:
        live = live[np.linspace(0, len(live) - 1, CHECK_SAMPLE).astype(np.int64)]
    pairs: dict[bytes, tuple[list[int], list[int]]] = {}
    sampled = []
    for d in live.tolist():
        text = field_text(leaf.stored_fields(d), fieldname)
        if text is None:
            continue
        sampled.append(d)
        for term, pl in analyse_positions(text).items():
            docs, poses = pairs.setdefault(term.encode("utf-8"), ([], []))
            docs.extend([d] * len(pl))
            poses.extend(pl)
    return np.asarray(sampled, np.int64), {
        t: (np.asarray(d, np.int64), np.asarray(p, np.int64)) for t, (d, p) in pairs.items()
    }


def _same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    return bool(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]))
