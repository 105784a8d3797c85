"""The copies of the article in the reader, and what a chosen copy changed against it.

The list on the left holds the story's other copies (title, outlet, date);
the one highlighted is compared with the article word by word: words only
in the copy are shown as insertions, words only in the article as
deletions, struck through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from searchtui.models import Article, Copy, byline
from searchtui.stories import DiffPart, word_diff
from searchtui.text import printable

from ..widgets.render import shown
from ..workers import report_worker_error

if TYPE_CHECKING:
    from searchtui.search import SearchEngine

    from ..app import SearchtuiApp

INSERT_STYLE = "bold $text-success on $success-muted"
DELETE_STYLE = "strike $text-error on $error-muted"


def diff_content(parts: list[DiffPart]) -> Content:
    """The diff as styled text: insertions and deletions marked, the rest plain."""
    pieces = []
    for part in parts:
        text = printable(part.text, "\n")
        if part.kind == "insert":
            pieces.append(Content.styled(text, INSERT_STYLE))
        elif part.kind == "delete":
            pieces.append(Content.styled(text, DELETE_STYLE))
        else:
            pieces.append(Content(text))
    return Content("").join(pieces)


class CopiesLoaded(Message):
    def __init__(self, copies: list[Copy]) -> None:
        super().__init__()
        self.copies = copies


class DiffLoaded(Message):
    def __init__(self, copy: Copy, parts: list[DiffPart], problem: str | None = None) -> None:
        super().__init__()
        self.copy = copy
        self.parts = parts
        #: why the two texts cannot be compared (one's file changed since it was indexed)
        self.problem = problem


class CopiesScreen(Screen):
    """The story's other copies, and the word diff of the highlighted one."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("question_mark,f1", "app.help", "Help"),
    ]

    def __init__(self, article: Article) -> None:
        super().__init__()
        self.article = article
        self.copies: list[Copy] = []

    @property
    def searchtui_app(self) -> SearchtuiApp:
        return cast("SearchtuiApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="copies-head"):
            yield Static(shown(self.article.title or self.article.key, "bold"), id="copies-title")
            yield Static(
                Content.assemble(
                    "Copies of this story. Against this article, a copy's ",
                    ("added words", INSERT_STYLE), " and ", ("removed words", DELETE_STYLE), ".",
                ),
                id="copies-legend",
            )
        with Horizontal(id="copies-main"):
            yield OptionList(id="copies-list")
            yield VerticalScroll(Static("Loading…", id="copies-diff"), id="copies-diff-box")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#copies-list", OptionList).focus()
        engine = self.searchtui_app.engine
        if engine is not None:
            self.load_copies(engine, self.article.key)

    @work(thread=True, exclusive=True, group="copies", exit_on_error=False)
    def load_copies(self, engine: SearchEngine, key: str) -> None:
        self.post_message(CopiesLoaded(engine.copies(key)))

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def load_diff(self, engine: SearchEngine, copy: Copy) -> None:
        other = engine.document(copy.key)
        problem = self.article.text_problem or other.text_problem
        if problem:
            self.post_message(DiffLoaded(copy, [], problem))
            return
        self.post_message(DiffLoaded(copy, word_diff(self.article.body, other.body)))

    def on_copies_loaded(self, message: CopiesLoaded) -> None:
        self.copies = message.copies
        options = self.query_one("#copies-list", OptionList)
        options.clear_options()
        if not self.copies:
            self.query_one("#copies-diff", Static).update("This article has no copies.")
            return
        for i, c in enumerate(self.copies):
            line = byline([], c.publication, c.date)
            options.add_option(Option(
                Content("\n").join([shown(c.title or c.key, "bold"), shown(line, "$text-muted")]),
                id=f"copy-{i}",
            ))
        options.highlighted = 0

    @on(OptionList.OptionHighlighted, "#copies-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        engine = self.searchtui_app.engine
        if engine is None or event.option_index >= len(self.copies):
            return
        self.query_one("#copies-diff", Static).update("Comparing…")
        self.load_diff(engine, self.copies[event.option_index])

    def on_diff_loaded(self, message: DiffLoaded) -> None:
        if message.problem:
            self.query_one("#copies-diff", Static).update(
                Content.styled(f"Cannot compare: {message.problem}", "$text-muted")
            )
            return
        added = sum(len(p.text.split()) for p in message.parts if p.kind == "insert")
        removed = sum(len(p.text.split()) for p in message.parts if p.kind == "delete")
        head = Content.styled(
            f"{message.copy.publication or 'unknown outlet'}: {added} words added, "
            f"{removed} removed\n\n",
            "$text-muted",
        )
        self.query_one("#copies-diff", Static).update(head + diff_content(message.parts))

    def action_back(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
