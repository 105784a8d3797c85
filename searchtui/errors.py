"""Errors the core raises for conditions a user can act on.

Each carries a one-line message fit to show as it is, in the CLI or the TUI.
"""


class SearchtuiError(Exception):
    """Base class: a problem a user can act on, with a message that says how."""


class IndexMissing(SearchtuiError):
    """There is no index at the given place yet."""


class IndexIncompatible(SearchtuiError):
    """The index was written by an incompatible version: it must be rebuilt."""


class IndexLocked(SearchtuiError):
    """Another process is updating the index."""


class CorpusMissing(SearchtuiError):
    """A corpus path that does not exist."""
