"""Every error searchtui raises for a condition a user can act on.

All derive from :class:`SearchtuiError`, so the CLI and the app catch one
class; each carries a one-line message fit to show as it is. The ones that a
caller may also treat as bad values (a query, a config file, a date range)
are ``ValueError`` as well.
"""

from __future__ import annotations


class SearchtuiError(Exception):
    """Base class: a problem a user can act on, with a message that says how."""


# -- the index


class IndexMissing(SearchtuiError):
    """There is no index at the given place yet."""


class IndexIncompatible(SearchtuiError):
    """The index was written by an incompatible version: it must be rebuilt."""


class IndexUntrusted(IndexIncompatible):
    """The index was not signed by this user's searchtui, so nothing of it is read.

    Whoosh keeps parts of an index as pickles, and loading a pickle can run
    code: an index from elsewhere is opened only once the user vouches for it
    (``searchtui trust``) or has rebuilt it.
    """


class IndexDamaged(IndexIncompatible):
    """Part of the index is missing, cut short or cannot be decoded: it must be rebuilt."""


class IndexLocked(SearchtuiError):
    """Another process is updating the index."""


class IndexUnwritable(SearchtuiError):
    """The index cannot be written (permissions, a full disk); it is as it was."""


class ArticleNotFound(SearchtuiError, KeyError):
    """No article with that key or path is in the index."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "no such article"


class Cancelled(SearchtuiError):
    """An index run was cancelled; the index is as it was before."""


class WouldDropArticles(SearchtuiError):
    """A run would remove most of the index (its folders moved, a drive not mounted).

    Nothing was changed; ``dropped`` of the index's ``articles`` would have gone.
    """

    def __init__(self, message: str, dropped: int, articles: int) -> None:
        super().__init__(message)
        self.dropped = dropped
        self.articles = articles


# -- what the user gave


class CorpusMissing(SearchtuiError):
    """A corpus path that does not exist."""


class ConfigError(SearchtuiError, ValueError):
    """A configuration file that cannot be used; the message names file and key."""


class DateRangeError(SearchtuiError, ValueError):
    """A date or date range that cannot be understood, or that ends before it starts."""


class QueryError(SearchtuiError, ValueError):
    """A query that cannot be understood; ``position`` points into the text."""

    def __init__(self, message: str, query: str = "", position: int | None = None):
        super().__init__(message)
        self.message = message
        self.query = query
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at column {self.position + 1})"


class SavedSearchError(SearchtuiError):
    """A saved search that cannot be added, found or run; or a saved-searches file that
    cannot be read (it is then left as it is, never written over)."""
