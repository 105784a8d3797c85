"""The reader: one article with every match highlighted and n/N between matches."""

from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from searchtui.models import (
    ENTITY_FIELDS,
    FACET_LABELS,
    Article,
    Copy,
    Hit,
    byline,
    copies_summary,
)
from searchtui.text import printable, printable_spans

from ..editor import line_in_file
from ..messages import DocumentLoaded
from ..widgets.render import CURRENT_MATCH_STYLE, MATCH_STYLE, highlighted, shown
from ..workers import report_worker_error

if TYPE_CHECKING:
    from searchtui.search import SearchEngine

    from ..app import SearchtuiApp

INDENT = 2  # columns before a name in the side panel
_PARAGRAPH = re.compile(r"\S(?:.*?)(?=\n\s*\n|\Z)", re.S)


def paragraphs(body: str) -> list[tuple[int, int]]:
    """(start, end) of each blank-line separated paragraph of ``body``."""
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(body)]


class ArticleBody(VerticalScroll):
    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("space", "page_down", "Page down", show=False),
    ]


class EntityList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "select", "Filter by it", show=True),
    ]

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != getattr(self, "_built_width", None):
            self._built_width = event.size.width
            screen = self.screen
            if isinstance(screen, ReaderScreen):
                screen.call_after_refresh(screen.refresh_entities)  # wrapped to fit


class ReaderScreen(Screen):
    """Dismissed with None (back), ("filter", facet, value) or ("similar", key, title)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        # the most useful first: a narrow footer shows only the first few
        Binding("escape", "back", "Back"),
        Binding("n", "next_match", "Next"),
        Binding("N", "previous_match", "Prev"),
        Binding("p", "people", "People & places"),
        Binding("o", "open_file", "Open file"),
        Binding("m", "more_like_this", "Similar"),
        Binding("c", "copies", "Copies"),
        Binding("question_mark,f1", "app.help", "Help"),
    ]

    def __init__(self, hit: Hit, query: str) -> None:
        super().__init__()
        self.hit = hit
        self.query_text = query
        self.article: Article | None = None
        self.spans: list[tuple[int, int]] = []
        self.paras: list[tuple[int, int]] = []
        self.match_para: list[int] = []  # paragraph of each match
        self.current = -1
        self.entity_values: list[tuple[str, str] | None] = []
        self.copies: list[Copy] = []

    @property
    def searchtui_app(self) -> SearchtuiApp:
        return cast("SearchtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="reader-head"):
            yield Static(shown(self.hit.title or self.hit.key, "bold"), id="reader-title")
            line = byline(self.hit.authors, self.hit.publication, self.hit.date)
            yield Static(shown(line, "$text-muted"), id="reader-byline")
            yield Static("", id="reader-matches")
            yield Static("", id="reader-copies")
        with Horizontal(id="reader-main"):
            yield ArticleBody(Static("Loading…", classes="para"), id="reader-body")
            yield EntityList(id="entities")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ArticleBody).focus()
        engine = self.searchtui_app.engine
        if engine is not None:
            self.load(engine, self.hit.key, self.query_text)
            self.load_copies(engine, self.hit.key)

    @work(thread=True, exclusive=True, group="reader-copies", exit_on_error=False)
    def load_copies(self, engine: SearchEngine, key: str) -> None:
        copies = engine.copies(key)
        self.app.call_from_thread(self._show_copies, copies)

    def _show_copies(self, copies: list[Copy]) -> None:
        self.copies = copies
        line = self.query_one("#reader-copies", Static)
        if not copies:
            line.display = False
            return
        line.display = True
        listed = "; ".join(
            byline([], c.publication, c.date) or c.title for c in copies[:6]
        ) + ("; …" if len(copies) > 6 else "")
        line.update(Content.assemble(
            (copies_summary([c.publication for c in copies]), "bold"),
            (f"  ({printable(listed)})", "$text-muted"),
            ("  c: compare", "$text-muted"),
        ))

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def load(self, engine: SearchEngine, key: str, query: str) -> None:
        article = engine.document(key)
        spans: list[tuple[int, int]] = []
        title_spans: list[tuple[int, int]] = []
        if query.strip():
            spans = engine.match_spans(article.body, query)
            title_spans = engine.match_spans(article.title or "", query)
        self.post_message(DocumentLoaded(article, spans, title_spans))

    async def on_document_loaded(self, message: DocumentLoaded) -> None:
        # the body as shown: printable, its line breaks kept, the matches moved to match
        given = message.article
        # A text that cannot be shown as indexed (its file changed): say why instead.
        raw = f"({given.text_problem})" if given.text_problem else given.body
        text, spans = printable_spans(raw, sorted(message.spans), keep="\n")
        article = replace(message.article, body=text)
        self.article = article
        self.spans = spans
        title = highlighted(article.title or article.key, message.title_spans, "bold reverse")
        self.query_one("#reader-title", Static).update(
            title.stylize("bold")
        )
        line = byline(article.authors, article.publication, article.date)
        if article.url:
            line = f"{line} · {article.url}" if line else article.url
        self.query_one("#reader-byline", Static).update(shown(line, "$text-muted"))
        self.paras = paragraphs(article.body) or [(0, len(article.body))]
        self.match_para = []
        for start, _end in self.spans:
            index = 0
            for i, (ps, pe) in enumerate(self.paras):
                if ps <= start < pe:
                    index = i
                    break
            self.match_para.append(index)
        body = self.query_one(ArticleBody)
        await body.remove_children()
        await body.mount_all(
            [
                Static(self._para_content(i), classes="para", id=f"para-{i}")
                for i in range(len(self.paras))
            ]
        )
        self._show_entities(article)
        self._update_match_status()

    def _para_content(self, index: int) -> Content:
        assert self.article is not None
        ps, pe = self.paras[index]
        text = self.article.body[ps:pe].replace("\n", " ")
        content = Content(text)
        for n, (s, e) in enumerate(self.spans):
            if s >= ps and s < pe:
                style = CURRENT_MATCH_STYLE if n == self.current else MATCH_STYLE
                content = content.stylize(style, s - ps, min(e, pe) - ps)
        return content

    def refresh_entities(self) -> None:
        if self.article is not None:
            self._show_entities(self.article)

    def _show_entities(self, article: Article) -> None:
        entities = self.query_one(EntityList)
        # names wrap under themselves (a hanging indent), not under their heading
        width = max(8, (entities.scrollable_content_region.width or 28) - INDENT - 2)
        at = entities.highlighted
        options: list[Option] = []
        self.entity_values = []
        for facet in ENTITY_FIELDS:
            values = article.entities.get(facet) or []
            if not values:
                continue
            heading = Content.styled(FACET_LABELS.get(facet, facet), "bold $text-accent")
            options.append(Option(heading, disabled=True))
            self.entity_values.append(None)
            for value in values:
                lines = textwrap.wrap(printable(value), width) or [printable(value)]
                indent = " " * INDENT
                prompt = Content("\n").join(
                    Content.assemble(indent, (line, "underline")) for line in lines
                )
                options.append(Option(prompt))
                self.entity_values.append((facet, value))
        if not options:
            none = Content.styled("No people, organisations or places found.", "$text-muted")
            options.append(Option(none, disabled=True))
            self.entity_values.append(None)
        entities.set_options(options)
        if at is not None and at < len(options):
            entities.highlighted = at

    @on(OptionList.OptionSelected, "#entities")
    def _entity_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        picked = self.entity_values[index] if index < len(self.entity_values) else None
        if picked:
            self.dismiss(("filter", picked[0], picked[1]))

    def _update_match_status(self) -> None:
        status = self.query_one("#reader-matches", Static)
        if self.article is not None and self.article.text_problem:
            status.update(Content.styled("the text as indexed cannot be shown", "$text-muted"))
        elif not self.query_text.strip():
            hint = "m: more like this · o: open the file · p: people & places"
            status.update(Content.styled(hint, "$text-muted"))
        elif not self.spans:
            status.update(Content.styled("no matches for the query in the text", "$text-muted"))
        else:
            where = (
                f"{len(self.spans)} matches"
                if self.current < 0
                else f"match {self.current + 1} of {len(self.spans)}"
            )
            status.update(
                Content.assemble((where, "bold"), ("  n/N: next/previous", "$text-muted"))
            )

    def _go(self, step: int) -> None:
        if not self.spans:
            self.notify("No matches in this article.", timeout=2)
            return
        old = self.current
        if old < 0:
            self.current = 0 if step > 0 else len(self.spans) - 1
        else:
            self.current = (old + step) % len(self.spans)
        touched = {self.match_para[self.current]}
        if old >= 0:
            touched.add(self.match_para[old])
        for index in touched:
            self.query_one(f"#para-{index}", Static).update(self._para_content(index))
        target = self.query_one(f"#para-{self.match_para[self.current]}", Static)
        self.query_one(ArticleBody).scroll_to_center(target, animate=False)
        self._update_match_status()

    def action_next_match(self) -> None:
        self._go(1)

    def action_previous_match(self) -> None:
        self._go(-1)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_more_like_this(self) -> None:
        self.dismiss(("similar", self.hit.key, self.hit.title or self.hit.key))

    def action_open_file(self) -> None:
        """The file in the editor, at the current match's line (the first match's
        before n is pressed) for editors that take +LINE."""
        line = None
        if self.article is not None and self.spans:
            start = self.spans[max(0, self.current)][0]
            line = line_in_file(self.current_path(), self.article.body, start)
        self.searchtui_app.open_external(self.current_path(), line)

    def action_people(self) -> None:
        entities = self.query_one(EntityList)
        if entities.has_focus:
            self.query_one(ArticleBody).focus()
        else:
            entities.focus()
            if entities.highlighted is None:
                entities.action_first()

    def action_copies(self) -> None:
        if self.article is None:
            return
        if not self.copies:
            self.notify("This article has no copies.", timeout=2)
            return
        from .copies import CopiesScreen

        self.app.push_screen(CopiesScreen(self.article))

    def current_path(self) -> str:
        return self.article.path if self.article else self.hit.path

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
