"""What the arrays of a generation need from one segment, decoded once and kept beside it.

A segment never changes once written (only its deleted documents grow), so what
decoding it gives (each facet, date and stamp term with its documents, and each
document's field lengths) holds for every generation that keeps the segment. The
indexer saves it as ``seg-<segment id>.npz`` beside the index, and the arrays of
a new generation are put together from these files: an update decodes only the
segments it wrote or merged, not the whole index again.

A file here is derived data, trusted as the array cache is (see ``arrays``): it
is used only if a verified manifest lists it with its size and checksum, and
only if it says it was made from this very segment (its id and document count)
by this layout; anything else is decoded from the segment again. The
documents held are those live when it was decoded: a term's documents are
narrowed to the generation's live ones when they are put together.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from searchtui.schema import EVIDENCE_FIELD, FACET_INDEX_FIELDS, FIRST_INDEXED, TEXT_FIELDS
from searchtui.whooshext import field_lengths, field_term_docs, segment_id

#: The layout of the files; one of another layout is decoded again.
LAYOUT = 2
PREFIX = "seg-"
SUFFIX = ".npz"
#: The fields whose terms and documents are kept (the others are read when needed).
TERM_FIELDS = (*FACET_INDEX_FIELDS, EVIDENCE_FIELD, "date", FIRST_INDEXED)
#: The fields whose words alone are kept (for spelling and fuzzy words: ``lexicon``).
WORD_FIELDS = TEXT_FIELDS
_NEWLINE = ord("\n")


def file_name(segment_id: str) -> str:
    return f"{PREFIX}{segment_id}{SUFFIX}"


def is_file_name(name: str) -> bool:
    return name.startswith(PREFIX) and name.endswith(SUFFIX)


_NO_DOCS = np.zeros(0, np.int32)


class Unusable(Exception):
    """The file is not one made from this segment by this layout."""


class _Terms:
    """One field's terms in one segment, each with its documents (segment numbering)."""

    __slots__ = ("blob", "ends", "starts", "docs")

    def __init__(self, blob: np.ndarray, ends: np.ndarray, starts: np.ndarray, docs: np.ndarray):
        self.blob = blob  # the terms' UTF-8 bytes, one after the other
        self.ends = ends  # where each term's bytes end in blob
        self.starts = starts  # where each term's documents start in docs (and the end)
        self.docs = docs

    @classmethod
    def of(cls, pairs: Iterator[tuple[bytes, np.ndarray]]) -> _Terms:
        terms, lists = [], []
        for tbytes, ids in pairs:
            terms.append(tbytes)
            lists.append(ids)
        ends = np.cumsum([len(t) for t in terms], dtype=np.int64)
        starts = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in lists], out=starts[1:])
        docs = np.concatenate(lists).astype(np.int32) if lists else np.zeros(0, np.int32)
        blob = np.frombuffer(b"".join(terms), dtype=np.uint8)
        return cls(blob, ends, starts, docs)

    def names(self) -> list[str]:
        """The terms, in order."""
        return split_words(self.blob, self.ends)

    def check(self, ndocs: int) -> None:
        n = len(self.ends)
        if len(self.starts) != n + 1 or self.starts[0] != 0 or self.starts[-1] != len(self.docs):
            raise Unusable("its term lists do not add up")
        if n and (self.ends[-1] != len(self.blob) or np.any(np.diff(self.ends) < 0)):
            raise Unusable("its terms do not add up")
        if np.any(np.diff(self.starts) < 0):
            raise Unusable("its term lists do not add up")
        if len(self.docs) and (int(self.docs.min()) < 0 or int(self.docs.max()) >= ndocs):
            raise Unusable("it names documents the segment does not have")


class SegmentArrays:
    """The decoded terms and lengths of one segment."""

    def __init__(self, segment: str, ndocs: int, lengths: dict[str, np.ndarray],
                 terms: dict[str, _Terms], words: dict[str, _Terms] | None = None):
        self.segment = segment
        self.ndocs = ndocs
        self.lengths = lengths
        self.terms = terms
        #: the words of the text fields (their documents are not kept)
        self.words = words or {}

    @classmethod
    def decode(cls, leaf) -> SegmentArrays:
        """Decode what the arrays need from the segment ``leaf`` reads."""
        indexed = set(leaf.indexed_field_names())
        terms = {
            field: _Terms.of(field_term_docs(leaf, field) if field in indexed else iter(()))
            for field in TERM_FIELDS
        }
        lengths = {field: field_lengths(leaf, field) for field in TEXT_FIELDS}
        words = {
            field: _Terms.of(
                (t, _NO_DOCS) for t in (leaf.lexicon(field) if field in indexed else ())
            )
            for field in WORD_FIELDS
        }
        return cls(segment_id(leaf) or "", leaf.doc_count_all(), lengths, terms, words)

    def to_bytes(self) -> bytes:
        # Any: numpy's stub of savez would take a typed value for its allow_pickle keyword.
        arrays: dict[str, Any] = {
            "layout": np.array([LAYOUT]), "ndocs": np.array([self.ndocs]),
            "segment": np.frombuffer(self.segment.encode("utf-8"), dtype=np.uint8),
        }
        for field in TEXT_FIELDS:
            arrays[f"len_{field}"] = self.lengths[field]
        for field, t in self.terms.items():
            arrays[f"{field}_blob"] = t.blob
            arrays[f"{field}_ends"] = t.ends
            arrays[f"{field}_starts"] = t.starts
            arrays[f"{field}_docs"] = t.docs
        for field, t in self.words.items():
            arrays[f"words_{field}_blob"] = t.blob
            arrays[f"words_{field}_ends"] = t.ends
        out = io.BytesIO()
        np.savez(out, **arrays)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes, segment: str, ndocs: int) -> SegmentArrays:
        """The arrays in ``raw``, if they were made from ``segment`` of ``ndocs``
        documents by this layout (else :class:`Unusable`)."""
        try:
            with np.load(io.BytesIO(raw), allow_pickle=False) as z:
                if int(z["layout"][0]) != LAYOUT:
                    raise Unusable("it was made by another version of searchtui")
                made_for = (z["segment"].tobytes().decode("utf-8"), int(z["ndocs"][0]))
                if made_for != (segment, ndocs):
                    raise Unusable("it was made for another segment")
                lengths = {}
                for field in TEXT_FIELDS:
                    lengths[field] = z[f"len_{field}"].astype(np.float32, copy=False)
                    if lengths[field].shape != (ndocs,):
                        raise Unusable("its lengths do not match the segment")
                terms = {}
                for field in TERM_FIELDS:
                    t = _Terms(
                        z[f"{field}_blob"].astype(np.uint8, copy=False),
                        z[f"{field}_ends"].astype(np.int64, copy=False),
                        z[f"{field}_starts"].astype(np.int64, copy=False),
                        z[f"{field}_docs"].astype(np.int32, copy=False),
                    )
                    t.check(ndocs)
                    terms[field] = t
                words = {}
                for field in WORD_FIELDS:
                    ends = z[f"words_{field}_ends"].astype(np.int64, copy=False)
                    t = _Terms(
                        z[f"words_{field}_blob"].astype(np.uint8, copy=False), ends,
                        np.zeros(len(ends) + 1, np.int64), _NO_DOCS,
                    )
                    t.check(ndocs)
                    words[field] = t
        except (KeyError, ValueError, EOFError, OSError, UnicodeDecodeError,
                zipfile.BadZipFile) as exc:
            raise Unusable(f"it cannot be read: {type(exc).__name__}") from None
        return cls(segment, ndocs, lengths, terms, words)


def split_words(blob: np.ndarray, ends: np.ndarray) -> list[str]:
    """The words of ``blob`` (UTF-8 bytes, one word after the other), each ending where
    ``ends`` says."""
    if not len(ends):
        return []
    if int(ends[-1]) == len(blob) and not np.any(blob == _NEWLINE):
        # a newline after each word, and one split in C (slicing word by word took
        # seconds for the millions of words of a large index)
        joined = np.insert(blob, ends[:-1], _NEWLINE).tobytes()
        return joined.decode("utf-8").split("\n")
    raw = blob.tobytes()
    cuts = ends.tolist()
    begins = [0, *cuts[:-1]]
    if raw.isascii():  # a byte is a character: cut the text where the bytes end
        text = raw.decode("ascii")
        return [text[a:b] for a, b in zip(begins, cuts, strict=True)]
    return [raw[a:b].decode("utf-8") for a, b in zip(begins, cuts, strict=True)]
