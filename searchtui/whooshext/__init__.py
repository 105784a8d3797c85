"""Everything of searchtui that reaches into Whoosh's private modules and attributes.

The rest of searchtui uses Whoosh's public API (``whoosh.index``,
``whoosh.fields``, ``whoosh.query``, ``whoosh.qparser``, ``whoosh.analysis``,
``whoosh.searching``, ``FileStorage``) and this package. Its fast paths are
written for the stock Whoosh 2.7.4 release; on any other Whoosh (forks
install the same package name) the stock paths are taken (see ``version``).

Writing and committing (``writers``, ``storage``):

- ``create_index(folder, schema, name, seal=)`` / ``open_index(folder, name,
  seal=)``: an index whose commits reach the disk in order (segment files,
  then the TOC), each new ``Generation`` handed to ``seal`` (to be signed)
  just before its TOC is renamed into place.
- ``new_writer(ix, lock=, limit_mb=, pool_mb=)``: the bulk segment writer
  (``segments.BulkWriter``; a segment per ``limit_mb``, by default
  ``DEFAULT_LIMIT_MB``, of collected postings), or Whoosh's own writer on the
  stock paths; ``Writer`` is their type.
- ``hand_over(writer)``: finish a worker's segments for the parent's commit.
- ``merge_plan(ix)`` / ``merge_ahead(ix, writer, sources)``: the segments the next
  commit merges, and that merge made beforehand in another process, for
  ``commit(..., ahead=)`` to take (``MergedAhead``).
- ``read_segment(ix, segment)``: a reader of one such segment (or a live one).
- ``discard(writer)``: close a writer that takes no part in a commit.
- ``commit(writer, segments)``: make a writer's and handed-over segments live
  (``SegmentWriter.commit`` with a merge function), durably; the generation.
- ``latest_generation(folder, name)``: the live generation's number, from file
  names alone; ``toc_name(name, generation)``: its TOC's file name;
  ``holds_whoosh_index(folder)``: whether a folder holds any Whoosh index;
  ``segment_files(ix)``: the segment files of the generation an index reads.
- ``fsync_file(path)`` / ``fsync_folder(path)``: flush a file / a folder's files.

Reading (``storage``): ``open_generation(folder, name, generation, toc)``: one
generation, read-only, its TOC unpickled from bytes checked beforehand.

Damage (``damage``): ``DECODE_ERRORS``, ``Damaged``, ``is_damage(exc)`` (an
error from decoding damaged files, not a bug), ``what_is_damaged(exc)``.

Each text term's documents and weights in one segment (``docfile``), written
beside the segment by the bulk writer: ``DocsFile(path, segment id, documents,
size)`` reads them in place, checked against the segment's term table.

Reading one segment (``postings``), as numpy arrays:

- ``term_postings(leaf, field, text)``: (documents, weights) of a term.
- ``field_term_docs(leaf, field)``: each term of a field with its live documents.
- ``term_positions(leaf, field, text)``: (document, position) pairs of a term.
- ``field_lengths(leaf, field)``: each document's length of a field.
- ``deleted_docs(leaf)``: the deleted documents.
- ``segment_id(leaf)``: the id of the segment a leaf reader reads.
- ``fixed_column(leaf, field, width)``: a fixed-width bytes column, as a 2-D array.
- ``check_leaf(leaf)``: decode everything in it; what could not be decoded.

Queries (``query``): ``is_null_query(q)``, ``expanded_texts(q, reader)``;
``OffsetPhrase``, a phrase whose words keep their distances (a stop word or a
sentence end inside it leaves its gap), and ``PhrasePositionsPlugin``, the
parser plugin that makes quoted phrases into one.

Columns (``columns``): ``fixed_bytes(width)``, the column type of the schema's
signature field (imported by the schema itself, on its own).

Version (``version``): ``fast_paths()``, ``describe()`` (for ``--version``).
"""

from __future__ import annotations

from searchtui.whooshext import docfile
from searchtui.whooshext.damage import DECODE_ERRORS, Damaged, is_damage, what_is_damaged
from searchtui.whooshext.docfile import DocsFile
from searchtui.whooshext.postings import (
    check_leaf,
    deleted_docs,
    field_lengths,
    field_term_docs,
    fixed_column,
    segment_id,
    term_positions,
    term_postings,
)
from searchtui.whooshext.query import (
    OffsetPhrase,
    PhrasePositionsPlugin,
    expanded_texts,
    is_null_query,
)
from searchtui.whooshext.segments import DEFAULT_LIMIT_MB
from searchtui.whooshext.storage import (
    Generation,
    create_index,
    fsync_file,
    fsync_folder,
    holds_whoosh_index,
    latest_generation,
    open_generation,
    open_index,
    segment_files,
    toc_name,
)
from searchtui.whooshext.version import describe, fast_paths
from searchtui.whooshext.writers import (
    Merged,
    MergedAhead,
    Writer,
    commit,
    discard,
    hand_over,
    merge_ahead,
    merge_plan,
    new_writer,
    read_segment,
)

__all__ = [
    "DECODE_ERRORS",
    "DEFAULT_LIMIT_MB",
    "Damaged",
    "DocsFile",
    "Generation",
    "Merged",
    "MergedAhead",
    "OffsetPhrase",
    "PhrasePositionsPlugin",
    "Writer",
    "check_leaf",
    "commit",
    "create_index",
    "deleted_docs",
    "describe",
    "discard",
    "docfile",
    "expanded_texts",
    "fast_paths",
    "field_lengths",
    "fixed_column",
    "field_term_docs",
    "fsync_file",
    "fsync_folder",
    "hand_over",
    "holds_whoosh_index",
    "is_damage",
    "is_null_query",
    "latest_generation",
    "merge_ahead",
    "merge_plan",
    "new_writer",
    "open_generation",
    "open_index",
    "read_segment",
    "segment_files",
    "segment_id",
    "term_positions",
    "term_postings",
    "toc_name",
    "what_is_damaged",
]
