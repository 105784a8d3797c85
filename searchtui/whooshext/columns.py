"""Whoosh column types for the schema (Whoosh's ``columns`` module is not its public API).

Imported by ``schema.make_schema`` when it runs: this module imports nothing of
searchtui, so the schema can reach it without the package's other modules,
which import the schema.
"""

from __future__ import annotations

from whoosh.columns import FixedBytesColumn


def fixed_bytes(width: int) -> FixedBytesColumn:
    """A column of one ``width``-byte value per document (zeros where there is none)."""
    return FixedBytesColumn(width)
