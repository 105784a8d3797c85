"""Questions about Whoosh query objects that its public API answers only indirectly."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.reading import IndexReader

#: Whoosh's query that matches nothing is a single instance of a private class.
_NULL_TYPE = type(wq.NullQuery)


def is_null_query(q: wq.Query) -> bool:
    """True for Whoosh's query that matches nothing (what a query of stop words normalises to)."""
    return isinstance(q, _NULL_TYPE)


def expanded_texts(q: wq.Query, reader: IndexReader) -> list[bytes]:
    """The terms (as bytes) of the query's own field that a multi-term query (prefix,
    wildcard, fuzzy, range...) stands for in ``reader``."""
    return [text for _field, text in q.expanded_terms(reader)]
