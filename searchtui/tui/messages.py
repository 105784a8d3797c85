"""Messages that carry the results of background work back to the UI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from searchtui.errors import QueryError
from searchtui.models import Article, Facet, SearchResult

if TYPE_CHECKING:
    from searchtui.indexer import IndexReport
    from searchtui.search import SearchEngine


class EngineOpened(Message):
    def __init__(self, engine: SearchEngine, reloaded: bool = False) -> None:
        super().__init__()
        self.engine = engine
        self.reloaded = reloaded


class IndexUnavailable(Message):
    """There is no usable index: the reason, fit to show as it is."""

    def __init__(self, reason: str, incompatible: bool = False) -> None:
        super().__init__()
        self.reason = reason
        self.incompatible = incompatible


class IndexChanged(Message):
    """A newer index generation is on disk."""


class BuildFinished(Message):
    def __init__(
        self,
        report: IndexReport | None = None,
        error: str | None = None,
        cancelled: bool = False,
        refused: tuple[str, int, int] | None = None,
        retry: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.report = report
        self.error = error
        self.cancelled = cancelled
        #: the run would drop most of the index: (why, articles dropped, articles in the index)
        self.refused = refused
        #: the refused run's request, to send again once the user agrees
        self.retry = retry


class SearchDone(Message):
    def __init__(
        self,
        result: SearchResult,
        generation: int,
        more: bool = False,
        preview: DocumentLoaded | None = None,
    ) -> None:
        super().__init__()
        self.result = result
        self.generation = generation
        self.more = more  # a further page, to append
        self.preview = preview  # the first hit's text, for the preview pane


class SuggestionFound(Message):
    """A "did you mean" for the search of ``generation``, found after its results."""

    def __init__(self, suggestion: str | None, generation: int) -> None:
        super().__init__()
        self.suggestion = suggestion
        self.generation = generation


class SearchFailed(Message):
    def __init__(self, error: QueryError, generation: int) -> None:
        super().__init__()
        self.error = error
        self.generation = generation


class FacetValuesDone(Message):
    def __init__(self, facet: Facet, text: str, generation: int) -> None:
        super().__init__()
        self.facet = facet
        self.text = text
        self.generation = generation


class DocumentLoaded(Message):
    def __init__(
        self, article: Article, spans: list[tuple[int, int]], title_spans: list[tuple[int, int]]
    ) -> None:
        super().__init__()
        self.article = article
        self.spans = spans
        self.title_spans = title_spans


class ExportDone(Message):
    def __init__(self, path: str, count: int, error: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.error = error
