"""Segment writers, segments handed from one writer to another, and the commit.

A run indexes into one writer, or into several writers in worker processes
that each hand their finished segments to the parent's writer, which makes
them all live in one commit. The commit is Whoosh's own
(``SegmentWriter.commit`` with a merge function): small existing segments are
merged as ``merge_tiered`` decides, the handed-over segments join the list,
and the table of contents is written; on an index opened with
``storage.open_index`` or ``storage.create_index`` every file is on disk
before that, and the generation is signed first when the storage has a seal
(see ``storage``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from whoosh.codec.whoosh3 import W3Codec
from whoosh.index import Index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from searchtui.whooshext.segments import BulkWriter
from searchtui.whooshext.storage import DurableStorage
from searchtui.whooshext.version import fast_paths

#: A segment of an index, as Whoosh's codec describes it (pickled into the TOC).
Segment = Any
#: The writer of an index run (``new_writer``).
Writer = SegmentWriter


def new_writer(ix: Index, *, lock: bool, limit_mb: float, pool_mb: int) -> SegmentWriter:
    """A writer for an index run.

    With the fast paths, the bulk writer (see ``segments``): posting blocks are
    not zlib-compressed (faster to write and to decode; the stored bodies, the
    bulk of an index, are compressed by the schema), each segment is bounded by
    ``limit_mb`` of collected postings, and segments are left as separate files
    instead of being copied into one compound file. Otherwise Whoosh's own
    writer with its defaults. ``lock`` False (a worker process, whose parent
    holds the index's lock) needs the fast paths.
    """
    if fast_paths():
        return BulkWriter(
            ix, _lk=lock, limitmb=pool_mb, codec=W3Codec(compression=0), compound=False,
            limit_mb=limit_mb,
        )
    if not lock:
        raise ValueError("writers in worker processes need the fast paths (Whoosh 2.7.4)")
    writer: SegmentWriter = ix.writer(limitmb=pool_mb)
    return writer


def hand_over(writer: SegmentWriter) -> list[Segment]:
    """Finish the segments ``writer`` wrote, for another writer's ``commit`` to make live.

    The writer is closed without committing; nothing is live until that commit.
    """
    segments = list(getattr(writer, "finished_segments", ()))
    if writer._added:
        segments.append(writer._finalize_segment())
    else:
        discard(writer)
    return segments


def read_segment(ix: Index, segment: Segment) -> SegmentReader:
    """A reader of one segment of ``ix`` (handed over, or live), to be closed by the caller."""
    return SegmentReader(ix.storage, ix.schema, segment)


def discard(writer: SegmentWriter) -> None:
    """Close a writer that takes no part in a commit, leaving its files to the next commit.

    Not with ``writer.cancel()``: that empties the index's temporary folder,
    which other writers on the same index (in other processes) share, and fails
    them. The few files of the unused segment are removed by the next commit.
    """
    writer._close_segment()
    writer.is_closed = True


#: Segments of about the same size that are merged together once there are this many
#: of them (and each tier of sizes spans this factor).
MERGE_FACTOR = 10
#: A segment with more live documents than this is never merged by a commit: what a
#: commit merges is bounded by ``MERGE_FACTOR`` times this, whatever the index's size.
MERGE_MAX_DOCS = 2_000


def _tier(docs: int) -> int:
    """The tier of a segment of ``docs`` live documents: 1-9 -> 0, 10-99 -> 1, and so on."""
    tier = 0
    while docs >= MERGE_FACTOR:
        docs //= MERGE_FACTOR
        tier += 1
    return tier


def plan_merge(segments: list[Segment]) -> tuple[list[Segment], list[Segment]]:
    """(segments to merge, segments to keep as they are), for one commit.

    Segments whose documents are all deleted are dropped. Of the others, only
    small ones (at most ``MERGE_MAX_DOCS`` live documents) are ever merged,
    and only with segments of their own tier (live documents within a factor
    of ``MERGE_FACTOR``), once that tier holds ``MERGE_FACTOR`` of them: the
    smallest such tier, its ``MERGE_FACTOR`` smallest segments. So a commit
    merges a bounded number of documents whatever the size of the index, and
    big segments (a build's, or earlier merges') are left alone. A segment
    with many deletions counts by its live documents, so it is merged (and its
    deleted documents dropped) once few are left.
    """
    live = [s for s in segments if s.doc_count() > 0]
    tiers: dict[int, list[Segment]] = {}
    for s in live:
        if s.doc_count() <= MERGE_MAX_DOCS:
            tiers.setdefault(_tier(s.doc_count()), []).append(s)
    for tier in sorted(tiers):
        members = tiers[tier]
        if len(members) >= MERGE_FACTOR:
            chosen = sorted(members, key=lambda s: s.doc_count())[:MERGE_FACTOR]
            ids = {s.segment_id() for s in chosen}
            return chosen, [s for s in live if s.segment_id() not in ids]
    return [], live


def merge_tiered(writer: SegmentWriter, segments: list[Segment]) -> list[Segment]:
    """A merge policy for ``SegmentWriter.commit``: merges what ``plan_merge`` chooses.

    The chosen segments are copied into the writer's own new segment (on the
    fast paths, through ``BulkWriter.add_reader``, without Whoosh's sorting
    pool); the segments returned stay as they are.
    """
    merge, keep = plan_merge(list(segments))
    #: the segments whose documents the writer's own segment holds, in their order
    writer.merged_from = [seg.segment_id() for seg in merge]
    _copy_into(writer, merge)
    return keep


def _copy_into(writer: SegmentWriter, segments: Iterable[Segment]) -> None:
    """Copy the live documents of ``segments``, in turn, into ``writer``'s segment."""
    for seg in segments:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()


#: The merge policy of ``commit``.
MERGE_POLICY = merge_tiered

#: What identifies a segment as a merge found it: its id, its documents (deleted
#: included) and how many of them were deleted.
Mark = tuple[str, int, int]


def _marks(segments: Iterable[Segment]) -> tuple[Mark, ...]:
    return tuple((s.segment_id(), s.doc_count_all(), s.deleted_count()) for s in segments)


def merge_plan(ix: Index) -> tuple[tuple[Mark, ...], int]:
    """What the next commit to ``ix`` merges when the run deletes nothing from the
    segments it chooses (see ``plan_merge``): those segments, in the order their
    documents are copied, and their live documents."""
    chosen, _keep = plan_merge(list(ix._segments()))
    return _marks(chosen), sum(s.doc_count() for s in chosen)


class MergedAhead(NamedTuple):
    """A merge made before the commit (by ``merge_ahead``, in another process, while
    the run read its files): the segments it copied, as they were then, and the
    segment that holds their live documents, which ``commit`` makes live in their
    place if they are still what it would merge, and as they were."""

    sources: tuple[Mark, ...]
    segment: Segment


def merge_ahead(ix: Index, writer: SegmentWriter, sources: tuple[Mark, ...]) -> MergedAhead | None:
    """Copy the segments ``sources`` (see ``merge_plan``) of ``ix`` into ``writer``'s
    segment, which is handed over. None when ``ix`` does not hold them as they were
    (nothing is written), or when the copy made more than one segment (its files go
    with the next commit's clean-up)."""
    by_id = {s.segment_id(): s for s in ix._segments()}
    chosen = [by_id.get(mark[0]) for mark in sources]
    if any(s is None for s in chosen) or _marks(chosen) != tuple(sources):
        discard(writer)
        return None
    _copy_into(writer, chosen)
    segments = hand_over(writer)
    if len(segments) != 1:
        return None
    return MergedAhead(tuple(sources), segments[0])


class Merged:
    """What a commit merged: the segments whose documents it copied, in that order,
    and the segment that holds them now (with what the writer added itself)."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.into: str | None = None


def commit(
    writer: SegmentWriter, segments: Iterable[Segment] = (), merged: Merged | None = None,
    ahead: MergedAhead | None = None,
) -> int:
    """Make what ``writer`` wrote live, with ``segments`` handed over by other writers.

    The writer's own segment comes before those handed over, so the documents the
    generation before held come first. ``merged``, when given, is told what was
    merged. ``ahead``: a merge made beforehand (see ``merge_ahead``), taken instead of
    merging here when the merge policy chooses the same segments and none of them
    lost a document since (otherwise its segment is not used, and its files go with
    the commit's clean-up). Returns the new generation's number. Durable when the
    writer's index was opened with ``storage.open_index`` or
    ``storage.create_index``; a writer on any other storage is refused.
    """
    storage = writer.storage
    if not isinstance(storage, DurableStorage):
        raise ValueError("commit() needs an index opened with searchtui.whooshext.open_index")
    handed = list(segments)
    into: list[str] = []  # the segment of the merge made ahead, when it is taken

    def merge_and_hand_over(w: SegmentWriter, existing: list[Segment]) -> list[Segment]:
        if ahead is not None and MERGE_POLICY is merge_tiered:
            chosen, keep = plan_merge(list(existing))
            if chosen and _marks(chosen) == ahead.sources:
                w.merged_from = [mark[0] for mark in ahead.sources]
                into.append(ahead.segment.segment_id())
                return [*keep, ahead.segment, *handed]
        return list(MERGE_POLICY(w, existing)) + handed

    # The TOC is written from the final segment list; the storage's seal names
    # their files from it (see ``storage.DurableStorage``).
    write_toc = writer._commit_toc

    def commit_toc(final: list[Segment]) -> None:
        handed_ids = {s.segment_id() for s in handed}
        final = [s for s in final if s.segment_id() not in handed_ids] + [
            s for s in final if s.segment_id() in handed_ids
        ]
        if merged is not None:
            merged.sources = list(getattr(writer, "merged_from", []))
            own = [s.segment_id() for s in final[: len(final) - len(handed)]]
            mine = writer.newsegment.segment_id() if writer._added else None
            if into:  # the merge made ahead was taken
                merged.into = into[0]
            else:
                merged.into = mine if mine in own else None
        storage.committing = [s.segment_id() for s in final]
        write_toc(final)

    writer._commit_toc = commit_toc
    try:
        writer.commit(mergetype=merge_and_hand_over)
    finally:
        storage.committing = None
    return int(writer.generation)
