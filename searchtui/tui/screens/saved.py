"""Saved searches in the app: a dialog that names the current search, and a screen that
lists the saved ones with their total and new hits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from searchtui.text import printable

if TYPE_CHECKING:
    from searchtui.saved import SavedSearches, Summary
    from searchtui.search import SearchEngine

# Self-contained: the dialogs look the same on whichever screen they open.
_BOX_CSS = """
    {name} {{
        align: center middle;
    }}
    {name} > Vertical {{
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }}
    {name} Label {{
        margin: 1 0 0 0;
        text-style: bold;
    }}
    {name} .hint {{
        margin: 0;
        text-style: none;
        color: $text-muted;
    }}
"""


class SaveSearchDialog(ModalScreen[str | None]):
    """Asks for the name to save the current search under; dismissed with it (or None)."""

    DEFAULT_CSS = _BOX_CSS.format(name="SaveSearchDialog")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Save this search as")
            yield Label(printable(self.what), classes="hint", markup=False)
            yield Input(placeholder="a name", id="saved-name")
            yield Label("Enter saves, Escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#saved-name")
    def _named(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(event.value.strip())


class SavedSearchesScreen(ModalScreen[str | None]):
    """The saved searches with their counts; dismissed with the name of the one to open."""

    DEFAULT_CSS = _BOX_CSS.format(name="SavedSearchesScreen") + """
    SavedSearchesScreen OptionList {
        height: auto;
        max-height: 30;
        border: none;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("d,delete", "remove", "Remove"),
    ]

    class Counted(Message):
        def __init__(self, summaries: list[Summary] | None, error: str | None = None) -> None:
            super().__init__()
            self.summaries = summaries
            self.error = error

    def __init__(self, saved: SavedSearches, engine: SearchEngine | None) -> None:
        super().__init__()
        self.saved = saved
        self.engine = engine
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Saved searches")
            yield OptionList(id="saved-list")
            yield Label("Enter opens (and marks it viewed) · d removes · Escape closes",
                        classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.query_one(OptionList).add_option(Option("Counting…", disabled=True))
        self.count()

    @work(thread=True, exclusive=True, group="saved", exit_on_error=False)
    def count(self) -> None:
        from searchtui.errors import SearchtuiError
        from searchtui.saved import Summary, summarise

        try:
            searches = self.saved.load()
        except SearchtuiError as exc:
            self.post_message(self.Counted(None, str(exc)))
            return
        engine = self.engine
        summaries = [
            summarise(engine, s) if engine is not None else Summary(s) for s in searches
        ]
        self.post_message(self.Counted(summaries))

    def on_saved_searches_screen_counted(self, message: Counted) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if message.summaries is None:
            options.add_option(Option(printable(message.error or ""), disabled=True))
            return
        self.names = [s.search.name for s in message.summaries]
        if not message.summaries:
            options.add_option(Option("No saved searches yet: Ctrl+S saves the current search.",
                                      disabled=True))
        for s in message.summaries:
            options.add_option(Option(_summary_prompt(s), id=f"saved-{len(options.options)}"))
        if self.names:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#saved-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if 0 <= index < len(self.names):
            self.dismiss(self.names[index])

    def action_remove(self) -> None:
        from searchtui.errors import SearchtuiError

        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.names):
            return
        name = self.names[index]
        try:
            self.saved.remove(name)
        except SearchtuiError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Removed the saved search {name!r}")
        self.count()


def _summary_prompt(s: Summary) -> Content:
    search = s.search
    head = Content.assemble(
        (printable(search.name), "bold"), "  ", printable(search.query or "(every article)")
    )
    filters = search.describe_filters()
    if filters:
        head = Content.assemble(head, ("  [" + printable(filters) + "]", "$text-muted"))
    if s.error is not None:
        counts = Content.styled(printable(s.error), "$text-error")
    elif s.total is None:
        counts = Content("")
    else:
        new = Content.styled(f"{s.new:,} new", "bold $text-success") if s.new else "0 new"
        counts = Content.assemble(
            f"{s.total:,} hit{'' if s.total == 1 else 's'} · ", new,
            (f" · last viewed {search.last_viewed or 'never'}", "$text-muted"),
        )
    return Content("\n").join([head, counts])

