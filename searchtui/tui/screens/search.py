"""The search screen: query, facets, histogram, results, preview and status."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input
from textual.worker import Worker, get_current_worker

from searchtui.dates import format_date_range
from searchtui.errors import QueryError
from searchtui.models import (
    FACET_FIELDS,
    FACET_LABELS,
    SORTS,
    FacetFilter,
    SearchRequest,
    SearchResult,
)
from searchtui.text import printable

from ..messages import (
    DocumentLoaded,
    ExportDone,
    FacetValuesDone,
    SearchDone,
    SearchFailed,
    SuggestionFound,
)
from ..widgets.chips import Chip, ChipSpec, FilterChips
from ..widgets.daterange import DateRangeInput
from ..widgets.facets import FacetPanel
from ..widgets.histogram import DateHistogram
from ..widgets.preview import PreviewPane
from ..widgets.query import QueryInput
from ..widgets.results import ResultList
from ..widgets.sizing import SizedVerticalScroll
from ..widgets.status import StatusLine, Suggestion
from ..workers import report_worker_error

if TYPE_CHECKING:
    from searchtui.search import SearchEngine

    from ..app import SearchtuiApp

DEBOUNCE = 0.15  # seconds of quiet typing before a search
TYPING_PAUSE = 3.0  # seconds after the last key before the index may be reloaded by itself
PAGE_SIZE = 20
END_CHUNK = 1280  # most hits asked for at once on the way to the last (End)
PREVIEW_DELAY = 0.12  # seconds the cursor rests on a hit before its text is loaded
FACET_LIMIT = 8
FACET_FILTER_LIMIT = 50

QUERY_PLACEHOLDER = 'Search: words, "a phrase", -exclude, title:word…  (F1: help)'

#: the order Tab visits the parts of the screen in (ids of the parts)
FOCUS_ORDER = ("query", "results", "dates", "histogram", "sidebar", "chips", "status")

SORT_LABELS = {
    "relevance": "relevance",
    "newest": "newest first",
    "oldest": "oldest first",
    "similar": "most similar first",
}


class Sidebar(SizedVerticalScroll, can_focus=False):
    """Facet panels and the date box; its lists take the focus, not the column."""


class SearchScreen(Screen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("slash", "focus_query", "Search", show=True),
        Binding("s", "cycle_sort", "Sort", show=True),
        Binding("x", "clear_filters", "Clear filters", show=True),
        Binding("ctrl+s", "save_search", "Save search", show=False),
        Binding("ctrl+o", "saved_searches", "Saved searches", show=False),
        Binding("c", "toggle_collapse", "Copies", show=False),
        Binding("escape", "escape", "Back to query", show=False),
        Binding("question_mark,f1", "app.help", "Help", show=True),
    ]

    # the search state; ``var``, not ``reactive``: a change starts a search, it
    # does not repaint the whole screen (the widgets repaint when results come)
    search_text: var[str] = var("", init=False)
    filters: var[dict[str, FacetFilter]] = var(dict, init=False, always_update=True)
    date_range: var[tuple[dt.date | None, dt.date | None]] = var((None, None), init=False)
    sort: var[str] = var("relevance", init=False)
    #: one hit per story, its copies under it (the default), or every copy a hit
    collapse: var[bool] = var(True, init=False)
    #: (key, title) of the article whose look-alikes are shown, instead of the query's hits
    similar: var[tuple[str, str] | None] = var(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.result: SearchResult | None = None  # the result on screen
        self.generation = 0  # bumped per search; stale answers are dropped
        self.painted_generation = 0  # the search whose results were last painted
        self.loaded = 0  # hits asked for so far: the next page starts there
        self._pending = False
        self._debounce: Timer | None = None
        self._preview_timer: Timer | None = None
        self._last_fired = 0.0
        self._last_typed = 0.0
        #: the query box was typed in since Enter or a query was put in it whole: its
        #: last word may be unfinished (see SearchRequest.typing)
        self._typing = False
        #: the saved search opened, as (its search state, its first-indexed stamp when it was
        #: viewed before): while the state is unchanged, hits indexed after it are new
        self.saved_view: tuple[tuple, str] | None = None

    @property
    def searchtui_app(self) -> SearchtuiApp:
        return cast("SearchtuiApp", self.app)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="query-bar"):
            yield QueryInput(
                history=self.searchtui_app.history.entries,
                placeholder=QUERY_PLACEHOLDER,
                id="query",
            )
        yield FilterChips(id="chips")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                # the dates box stays put beside its bars while the facets scroll
                yield DateRangeInput(id="dates")
                with Sidebar(id="sidebar"):
                    for name in FACET_FIELDS:
                        yield FacetPanel(name, id=f"facet-{name}", classes="facet")
            with Vertical(id="centre"):
                yield ResultList(id="results")
                yield DateHistogram(id="histogram")
            yield PreviewPane(id="preview")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def focus_chain(self) -> list[Widget]:
        """Tab follows the screen with the results second: query, results, the dates box,
        the date bars, the facets, then the filter chips and the suggestion."""
        chain = super().focus_chain

        def place(widget: Widget) -> int:
            for node in widget.ancestors_with_self:
                if node.id in FOCUS_ORDER:
                    return FOCUS_ORDER.index(node.id)
            return len(FOCUS_ORDER)

        return sorted(chain, key=place)

    def on_mount(self) -> None:
        self.set_reactive(SearchScreen.collapse, self.searchtui_app.config.collapse)
        self.query_one(FilterChips).display = False
        self.query_one(ResultList).show_message("Opening the index…")
        self.query_one("#query", QueryInput).focus()
        self.watch(self.app, "engine_version", self._engine_ready, init=False)
        self.watch(self.app, "index_stale", self._stale_changed, init=False)
        self.watch(self.app, "build_status", self._build_status, init=False)
        if self.searchtui_app.engine is not None:
            self._schedule()

    # ------------------------------------------------------------------ state -> search

    def watch_search_text(self) -> None:
        self._schedule()

    def watch_filters(self) -> None:
        self._schedule()

    def watch_date_range(self) -> None:
        self._schedule()

    def watch_sort(self) -> None:
        self._schedule()

    def watch_collapse(self) -> None:
        self._schedule()

    def watch_similar(self) -> None:
        box = self.query_one("#query", QueryInput)
        if self.similar:
            box.placeholder = f"similar to: {self.similar[1]}  (type to search instead)"
        else:
            box.placeholder = QUERY_PLACEHOLDER
        self.refresh_bindings()
        self._schedule()

    def _engine_ready(self) -> None:
        self._schedule()

    def _schedule(self) -> None:
        """Search once for any number of state changes made in one go."""
        if not self._pending:
            self._pending = True
            self.call_later(self._fire)

    def _state(self) -> tuple:
        """What a saved search holds of the search on screen."""
        filters = tuple(
            sorted((k, tuple(sorted(v.include)), tuple(sorted(v.exclude)))
                   for k, v in self.filters.items() if v)
        )
        return (self.search_text, filters, self.date_range)

    def build_request(self, page: int = 1) -> SearchRequest:
        view = self.saved_view
        new_since = view[1] if view is not None and view[0] == self._state() else None
        return SearchRequest(
            query=self.search_text,
            filters={
                k: FacetFilter(set(v.include), set(v.exclude)) for k, v in self.filters.items() if v
            },
            date_from=self.date_range[0],
            date_to=self.date_range[1],
            sort=self.sort,
            page=page,
            page_size=PAGE_SIZE,
            facet_limit=FACET_LIMIT,
            suggest=False,  # looked for after the results are shown (see run_search)
            new_since=new_since,
            collapse=self.collapse,
            typing=self._typing,
        )

    def _fire(self) -> None:
        self._pending = False
        self._update_chips()
        engine = self.searchtui_app.engine
        if engine is None:
            return
        self.generation += 1
        self._last_fired = time.monotonic()
        request = self.build_request()
        wide = self.has_class("-wide")
        self.run_search(engine, request, self.generation, self.similar, wide)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(
        self,
        engine: SearchEngine,
        request: SearchRequest,
        generation: int,
        similar: tuple[str, str] | None,
        preview: bool,
    ) -> None:
        try:
            if similar:
                result = engine.more_like_this(similar[0], request)
            else:
                result = engine.search(request)
        except QueryError as exc:
            self.post_message(SearchFailed(exc, generation))
            return
        if get_current_worker().is_cancelled:
            return
        first = None
        if preview and result.hits:
            # the preview of the first hit comes with the results: one repaint, not two
            article = engine.document(result.hits[0].key)
            query = "" if similar else result.completed or request.query
            spans = engine.match_spans(article.body, query) if query.strip() else []
            first = DocumentLoaded(article, spans, [])
        self.post_message(SearchDone(result, generation, preview=first))
        if not similar and not result.completed and not get_current_worker().is_cancelled:
            # The spelling check is slowest for words still being typed: it comes second.
            suggestion = engine.suggest(request.query)
            if not get_current_worker().is_cancelled:
                self.post_message(SuggestionFound(suggestion, generation))

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def run_page(
        self,
        engine: SearchEngine,
        request: SearchRequest,
        generation: int,
        similar: tuple[str, str] | None,
    ) -> None:
        if similar:
            result = engine.more_like_this(similar[0], request)
        else:
            result = engine.search(request)
        self.post_message(SearchDone(result, generation, more=True))

    def on_search_done(self, message: SearchDone) -> None:
        if message.generation != self.generation:
            return
        result = message.result
        results = self.query_one(ResultList)
        if message.more:
            request = result.request
            self.loaded = max(self.loaded, request.page * request.page_size)
            results.append_result(result)
            return
        keep = None
        if self.result is not None and self.result.request == result.request:
            keep = results.highlighted_hit_index  # same search again (a reload): keep the place
        self.result = result
        self.loaded = result.request.page_size
        preview = self.query_one(PreviewPane)
        if message.preview is not None and result.hits:
            preview.show_hit(result.hits[0])
            preview.show_article(message.preview.article, message.preview.spans)
        results.show_result(result)
        if keep is not None:
            results.select_hit(keep)
        for name in FACET_FIELDS:
            panel = self.query_one(f"#facet-{name}", FacetPanel)
            if panel.filter_text:
                self._facet_values(name, panel.filter_text)
            else:
                panel.update_facet(result.facets.get(name), self.filters.get(name))
        self.query_one(DateHistogram).show(result.histogram, self.date_range)
        dates = self.query_one(DateRangeInput)
        dates.show_range(*self.date_range)
        span = None if self.similar else _whole_span(result)
        if span is not None:
            dates.show_span(*span)
        self._update_status()
        if not result.hits:
            self.query_one(PreviewPane).clear()
        gen = message.generation
        self.call_after_refresh(self._painted, gen)

    def _painted(self, generation: int) -> None:
        self.painted_generation = generation
        self.searchtui_app.results_shown()

    def on_suggestion_found(self, message: SuggestionFound) -> None:
        if message.generation != self.generation or self.result is None:
            return
        self.result.suggestion = message.suggestion
        self.query_one(StatusLine).set_suggestion(message.suggestion)

    def on_search_failed(self, message: SearchFailed) -> None:
        if message.generation != self.generation:
            return
        err = message.error
        text = Content.assemble(("Query error: ", "bold $text-error"), printable(str(err)))
        self.query_one(StatusLine).set_text(text)
        self.query_one(StatusLine).set_suggestion(None)
        if err.position is not None:
            box = self.query_one("#query", QueryInput)
            box.set_class(True, "-invalid-query")
        self.painted_generation = message.generation

    def _update_status(self) -> None:
        result = self.result
        status = self.query_one(StatusLine)
        box = self.query_one("#query", QueryInput)
        if box.has_class("-invalid-query"):
            box.remove_class("-invalid-query")
        if result is None:
            return
        hits = f"{result.total:,} hit{'' if result.total == 1 else 's'}"
        sort = SORT_LABELS[self.shown_sort]
        what = f" similar to: {self.similar[1]}" if self.similar else ""
        status.set_text(
            Content.assemble(
                (hits, "bold"),
                printable(what),
                (f" · {result.new:,} new", "bold $text-success") if result.new else "",
                f" · {result.elapsed_ms:,.0f} ms · sorted by {sort}",
                (f" · {printable(result.notice)}", "italic") if result.notice else "",
            )
        )
        status.set_suggestion(result.suggestion)

    def _update_chips(self) -> None:
        specs: list[ChipSpec] = []
        if self.similar:
            title = self.similar[1]
            short = title if len(title) <= 40 else title[:39] + "…"
            specs.append(ChipSpec("similar", f"similar to: {short}"))
        for name in FACET_FIELDS:
            filt = self.filters.get(name)
            if not filt:
                continue
            label = FACET_LABELS.get(name, name).lower()
            for value in sorted(filt.include):
                specs.append(ChipSpec("facet", f"{label}: {value}", name, value))
            for value in sorted(filt.exclude):
                specs.append(ChipSpec("facet", f"not {label}: {value}", name, value, excluded=True))
        if self.date_range != (None, None):
            specs.append(ChipSpec("date", f"dates: {format_date_range(*self.date_range)}"))
        self.run_worker(self.query_one(FilterChips).set_chips(specs), group="chips", exclusive=True)

    # ------------------------------------------------------------------ typing

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._last_typed = time.monotonic()
        box = self.query_one("#query", QueryInput)
        if event.value != box.recalled_value:
            box.reset_history_position()  # typed: the history walk starts again
        if self.similar:
            self.similar = None
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self._typing = True
        quiet = time.monotonic() - self._last_fired >= DEBOUNCE
        if quiet and not self._pending:
            # the first key after a pause searches at once; a burst is coalesced
            self.search_text = event.value
            self._last_fired = time.monotonic()
        else:
            self._debounce = self.set_timer(DEBOUNCE, self._debounced)

    def _debounced(self) -> None:
        self._debounce = None
        self.search_text = self.query_one("#query", QueryInput).value

    @on(Input.Submitted, "#query")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        value = event.value
        self.remember(value)
        # Enter: the query is as typed, its last word too
        completed = self.result is not None and self.result.completed is not None
        self._typing = False
        if self.search_text != value:
            self.search_text = value
        elif self.result is None or self.result.request.query != value or completed:
            self._schedule()
        self.query_one(ResultList).focus()

    def remember(self, query: str) -> None:
        if query.strip() and self.searchtui_app.history.add(query):
            self.query_one("#query", QueryInput).history = self.searchtui_app.history.entries
        if self.searchtui_app.history.error:
            self.notify(self.searchtui_app.history.error, severity="warning")
            self.searchtui_app.history.error = None

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, ResultList) and not self.similar:
            # moving on to the results is as good as Enter: the query is kept
            self.remember(self.query_one("#query", QueryInput).value)

    def on_key(self, event: events.Key) -> None:
        box = self.query_one("#query", QueryInput)
        if event.key == "down" and box.has_focus and not box.walking_history:
            event.stop()
            event.prevent_default()
            self.query_one(ResultList).focus()

    # ------------------------------------------------------------------ facets, dates, chips

    @on(FacetPanel.Toggled)
    def _facet_toggled(self, event: FacetPanel.Toggled) -> None:
        filters = {k: FacetFilter(set(v.include), set(v.exclude)) for k, v in self.filters.items()}
        filt = filters.setdefault(event.facet, FacetFilter())
        if event.exclude:
            if event.value in filt.exclude:
                filt.exclude.discard(event.value)
            else:
                filt.exclude.add(event.value)
                filt.include.discard(event.value)
        else:
            if event.value in filt.include:
                filt.include.discard(event.value)
            elif event.value in filt.exclude:
                filt.exclude.discard(event.value)
            else:
                filt.include.add(event.value)
        self.filters = {k: v for k, v in filters.items() if v}

    def add_filter(self, facet: str, value: str) -> None:
        filters = {k: FacetFilter(set(v.include), set(v.exclude)) for k, v in self.filters.items()}
        filt = filters.setdefault(facet, FacetFilter())
        filt.include.add(value)
        filt.exclude.discard(value)
        self.filters = filters

    @on(FacetPanel.FilterChanged)
    def _facet_filter(self, event: FacetPanel.FilterChanged) -> None:
        panel = self.query_one(f"#facet-{event.facet}", FacetPanel)
        if not event.text:
            if self.result is not None:
                facet = self.result.facets.get(event.facet)
                panel.update_facet(facet, self.filters.get(event.facet))
            return
        self._facet_values(event.facet, event.text)

    def _facet_values(self, facet: str, text: str) -> None:
        engine = self.searchtui_app.engine
        if engine is None:
            return
        request = self.build_request()
        gen = self.generation

        def job() -> None:
            result = engine.facet_values(facet, request, text, limit=FACET_FILTER_LIMIT)
            if not get_current_worker().is_cancelled:
                self.post_message(FacetValuesDone(result, text, gen))

        self.run_worker(
            job,
            name="facet values",
            group=f"facet-{facet}",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def on_facet_values_done(self, message: FacetValuesDone) -> None:
        if message.generation != self.generation:
            return
        panel = self.query_one(f"#facet-{message.facet.name}", FacetPanel)
        if panel.filter_text == message.text:
            panel.update_facet(message.facet, self.filters.get(message.facet.name))

    @on(DateHistogram.RangeSelected)
    def _bar_selected(self, event: DateHistogram.RangeSelected) -> None:
        new = (event.start, event.end)
        self.date_range = (None, None) if new == self.date_range else new

    @on(DateRangeInput.Changed)
    def _range_typed(self, event: DateRangeInput.Changed) -> None:
        self.date_range = (event.start, event.end)

    @on(Chip.Removed)
    def _chip_removed(self, event: Chip.Removed) -> None:
        spec = event.spec
        if spec.kind == "similar":
            self.similar = None
        elif spec.kind == "date":
            self.date_range = (None, None)
        elif spec.kind == "facet":
            filters = {
                k: FacetFilter(set(v.include), set(v.exclude)) for k, v in self.filters.items()
            }
            filt = filters.get(spec.facet)
            if filt:
                (filt.exclude if spec.excluded else filt.include).discard(spec.value)
            self.filters = {k: v for k, v in filters.items() if v}

    @on(Suggestion.Accepted)
    def _suggestion(self, event: Suggestion.Accepted) -> None:
        box = self.query_one("#query", QueryInput)
        with box.prevent(Input.Changed):
            box.value = event.query
        self.remember(event.query)
        self.similar = None
        self._typing = False
        self.search_text = event.query
        self.query_one(ResultList).focus()

    # ------------------------------------------------------------------ results, preview, reader

    @on(ResultList.NeedMore)
    def _more(self, event: ResultList.NeedMore) -> None:
        engine = self.searchtui_app.engine
        if engine is None or self.result is None:
            return
        # Pages start where the last ended: at a multiple of PAGE_SIZE (a page is
        # PAGE_SIZE, or on the way to the end as many as are loaded, up to END_CHUNK,
        # without snippets: a snippet costs more than the rest of a hit).
        offset = self.loaded
        size = PAGE_SIZE
        while event.to_end and size * 2 <= END_CHUNK and offset % (size * 2) == 0:
            size *= 2
        page = offset // size + 1
        request = replace(
            self.result.request, page=page, page_size=size, facets=(), histogram=False,
            snippets=not event.to_end,
        )
        self.run_page(engine, request, self.generation, self.similar)

    @on(ResultList.Moved)
    def _moved(self, event: ResultList.Moved) -> None:
        preview = self.query_one(PreviewPane)
        if event.hit is None or not self.has_class("-wide") or preview.key == event.hit.key:
            return
        preview.show_hit(event.hit)
        if self._preview_timer is not None:
            self._preview_timer.stop()
        key = event.hit.key
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self._load_preview(key))

    def _load_preview(self, key: str) -> None:
        self._preview_timer = None
        engine = self.searchtui_app.engine
        hit = self.query_one(ResultList).current_hit
        if engine is not None and hit is not None and hit.key == key:
            self.load_preview(engine, key, self._highlight_query())

    def _highlight_query(self) -> str:
        if self.similar:
            return ""
        result = self.result
        if result is not None and result.completed and result.request.query == self.search_text:
            return result.completed
        return self.search_text

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def load_preview(self, engine: SearchEngine, key: str, query: str) -> None:
        article = engine.document(key)
        spans = engine.match_spans(article.body, query) if query.strip() else []
        if not get_current_worker().is_cancelled:
            self.post_message(DocumentLoaded(article, spans, []))

    def on_document_loaded(self, message: DocumentLoaded) -> None:
        self.query_one(PreviewPane).show_article(message.article, message.spans)

    @on(ResultList.Opened)
    def _open(self, event: ResultList.Opened) -> None:
        from .reader import ReaderScreen

        self.remember(self.search_text)
        reader = ReaderScreen(event.hit, self._highlight_query())
        self.app.push_screen(reader, self._reader_closed)

    @on(ResultList.SimilarWanted)
    def _similar(self, event: ResultList.SimilarWanted) -> None:
        self.show_similar(event.hit.key, event.hit.title or event.hit.key)

    def show_similar(self, key: str, title: str) -> None:
        """List the articles like ``key`` instead of the query's hits; the query,
        which they ignore, leaves the box (it is in the history)."""
        box = self.query_one("#query", QueryInput)
        self.remember(box.value)
        if box.value:
            with box.prevent(Input.Changed):
                box.value = ""
        box.reset_history_position()
        self.search_text = ""
        self.similar = (key, title)

    def _reader_closed(self, outcome: tuple[str, str, str] | None) -> None:
        if not outcome:
            return
        kind = outcome[0]
        if kind == "filter":
            self.add_filter(outcome[1], outcome[2])
        elif kind == "similar":
            self.show_similar(outcome[1], outcome[2])
        self.query_one(ResultList).focus()

    def show_problem(self, text: str) -> None:
        self.query_one(ResultList).show_message(text)
        self.query_one(StatusLine).set_text(Content.styled(text, "$text-error"))

    def current_path(self) -> str | None:
        hit = self.query_one(ResultList).current_hit
        return hit.path if hit else None

    # ------------------------------------------------------------------ actions

    def action_focus_query(self) -> None:
        box = self.query_one("#query", QueryInput)
        box.focus()
        box.cursor_position = len(box.value)

    def action_escape(self) -> None:
        if not self.query_one("#query", QueryInput).has_focus:
            self.action_focus_query()

    @property
    def sorts(self) -> tuple[str, ...]:
        """The orders the list on screen can be put in (none for look-alikes)."""
        if self.similar:
            return ()
        if self.result is not None:
            ranked = self.result.ranked
        else:
            ranked = bool(self.search_text.strip())
        # with no words to rank by (an empty query, only filters), relevance means nothing
        return SORTS if ranked else tuple(s for s in SORTS if s != "relevance")

    @property
    def shown_sort(self) -> str:
        """The order of the list on screen, as the status line names it."""
        if self.similar:
            return "similar"
        sorts = self.sorts
        if self.sort in sorts:
            return self.sort
        return "newest" if self.sort == "relevance" else sorts[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cycle_sort" and not self.sorts:
            return None  # shown, greyed out: look-alikes are always most similar first
        return True

    def action_cycle_sort(self) -> None:
        sorts = self.sorts
        if not sorts:
            return
        shown = self.shown_sort
        self.sort = sorts[(sorts.index(shown) + 1) % len(sorts)] if shown in sorts else sorts[0]
        self.notify(f"Sorted by {SORT_LABELS[self.shown_sort]}", timeout=2)

    def action_toggle_collapse(self) -> None:
        self.collapse = not self.collapse
        self.notify(
            "Copies grouped: one hit per story" if self.collapse else "Every copy is a hit",
            timeout=2,
        )

    def action_clear_filters(self) -> None:
        self.filters = {}
        self.date_range = (None, None)
        self.similar = None

    @property
    def idle(self) -> bool:
        """Nothing selected or being typed: the screen is on top, the results do not have
        the focus, and no key went to the query box for a few seconds."""
        return (
            self.app.screen is self
            and not self.query_one(ResultList).has_focus
            and time.monotonic() - self._last_typed >= TYPING_PAUSE
        )

    def action_save_search(self) -> None:
        from searchtui.saved import SavedSearch

        from .saved import SaveSearchDialog

        engine = self.searchtui_app.engine
        if engine is None or self.similar:
            self.notify("Only a search can be saved (not a list of look-alikes).",
                        severity="warning")
            return
        search = SavedSearch(
            name="",
            query=self.search_text,
            filters={k: FacetFilter(set(v.include), set(v.exclude))
                     for k, v in self.filters.items() if v},
            date_from=self.date_range[0],
            date_to=self.date_range[1],
        )
        what = " ".join(x for x in (search.query or "(every article)",
                                    search.describe_filters()) if x)

        def named(name: str | None) -> None:
            from searchtui.errors import SearchtuiError

            if not name:
                return
            search.name = name
            search.seen = engine.newest_indexed()
            try:
                self._saved().add(search)
            except SearchtuiError as exc:
                self.notify(str(exc), title="Not saved", severity="error", timeout=10)
                return
            self.notify(f"Saved as {name!r}: Ctrl+O lists the saved searches")

        self.app.push_screen(SaveSearchDialog(what), named)

    def _saved(self):
        from searchtui.saved import SavedSearches

        return SavedSearches(self.searchtui_app.index_dir)

    def action_saved_searches(self) -> None:
        from .saved import SavedSearchesScreen

        def chosen(name: str | None) -> None:
            if name:
                self.open_saved(name)

        self.app.push_screen(SavedSearchesScreen(self._saved(), self.searchtui_app.engine), chosen)

    def open_saved(self, name: str) -> None:
        """Show a saved search, its new hits marked, and mark it viewed."""
        from searchtui.errors import SearchtuiError

        engine = self.searchtui_app.engine
        saved = self._saved()
        try:
            search = saved.get(name)
            saved.mark_viewed(name, engine.newest_indexed() if engine is not None else None)
        except SearchtuiError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        box = self.query_one("#query", QueryInput)
        with box.prevent(Input.Changed):
            box.value = search.query
        self.similar = None
        self._typing = False
        self.search_text = search.query
        self.filters = {k: FacetFilter(set(v.include), set(v.exclude))
                        for k, v in search.filters.items() if v}
        self.date_range = (search.date_from, search.date_to)
        self.saved_view = (self._state(), search.seen or "")
        self._schedule()
        self.query_one(ResultList).focus()

    def action_export(self) -> None:
        from .export import ExportDialog

        if self.result is None:
            self.notify("Nothing to export yet.", severity="warning")
            return
        total = self.result.total

        def chosen(answer: tuple[str, str] | None) -> None:
            engine = self.searchtui_app.engine
            if answer and engine is not None:
                path, fmt = answer
                self.notify(f"Exporting {total:,} hits to {path}…", timeout=3)
                similar = self.similar[0] if self.similar else None
                request = self.build_request()
                self.run_export(engine, request, similar, self.export_title(), path, fmt)

        self.app.push_screen(ExportDialog(total), chosen)

    def export_title(self) -> str:
        """The heading of an export: what the list is."""
        from searchtui.export import title_for

        if self.similar:
            return f"Articles similar to: {self.similar[1]}"
        return title_for(self.search_text)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def run_export(
        self,
        engine: SearchEngine,
        request: SearchRequest,
        similar: str | None,
        title: str,
        path: str,
        fmt: str,
    ) -> None:
        from searchtui.export import all_hits, write_file

        hits = list(all_hits(engine, request, similar))
        try:
            count = write_file(hits, path, fmt, title=title)
        except OSError as exc:
            error = f"cannot write {path}: {exc.strerror or exc}"
            self.post_message(ExportDone(path, 0, error=error))
            return
        self.post_message(ExportDone(path, count))

    def on_export_done(self, message: ExportDone) -> None:
        if message.error:
            self.notify(message.error, title="Export failed", severity="error", timeout=10)
        else:
            done = f"Exported {message.count:,} hits to {message.path}"
            self.notify(done, title="Export finished")

    # ------------------------------------------------------------------ app state

    def _stale_changed(self, stale: bool) -> None:
        self._refresh_notice()

    def _build_status(self, status: str) -> None:
        self._refresh_notice()

    def _refresh_notice(self) -> None:
        status = self.query_one(StatusLine)
        app = self.searchtui_app
        if app.building:
            status.set_notice(Content.styled(f"indexing: {app.build_status}", "$text-accent"))
        elif app.index_stale:
            notice = "index changed on disk: Ctrl+R reloads"
            status.set_notice(Content.styled(notice, "bold $text-warning"))
        else:
            status.set_notice("")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
        if event.worker.group == "page" and event.state.name in ("ERROR", "CANCELLED"):
            self.query_one(ResultList).loading_more = False


def _whole_span(result: SearchResult) -> tuple[str, dt.date, dt.date] | None:
    """(unit, first day of the first bucket, of the last) of the date histogram,
    when ``result`` lists the whole index."""
    request = result.request
    everything = not (
        request.query.strip() or request.filters or request.date_from or request.date_to
    )
    if not everything or result.histogram is None:
        return None
    dated = [b for b in result.histogram.buckets if b.start and b.end]
    if not dated:
        return None
    first, last = dated[0].start, dated[-1].start
    assert first is not None and last is not None
    return result.histogram.unit, first, last
