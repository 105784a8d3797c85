"""No index yet (or an unusable one): say what is missing and offer to build it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, ProgressBar, Static
from textual.worker import Worker

from searchtui.text import printable

from ..workers import report_worker_error

if TYPE_CHECKING:
    from searchtui.indexer import Progress

    from ..app import SearchtuiApp


class NoIndexScreen(Screen):
    BINDINGS = [
        Binding("escape", "cancel_build", "Cancel build", show=True),
    ]

    def __init__(self, reason: str, incompatible: bool = False) -> None:
        super().__init__()
        self.reason = reason
        self.incompatible = incompatible
        self.corpus: list[str] = []  # the folders offered, filled in when composed
        self._one_line_status = False

    @property
    def searchtui_app(self) -> SearchtuiApp:
        return cast("SearchtuiApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.searchtui_app
        self.corpus = app.default_corpus()
        title = "The index must be rebuilt" if self.incompatible else "No index yet"
        with Vertical(id="noindex-box"):
            yield Static(Content.styled(title, "bold"), id="noindex-title")
            yield Static(Content(printable(self.reason)), id="noindex-reason")
            yield Static(
                Content.assemble(
                    "The index goes to ",
                    (printable(str(app.index_dir)), "bold"),
                    ". Build it now from:",
                ),
                id="noindex-where",
            )
            yield Input(" ".join(shlex.quote(p) for p in self.corpus), id="corpus-path")
            with Horizontal(id="noindex-buttons"):
                yield Button("Build index", id="build", variant="primary")
                yield Button("Cancel", id="cancel", disabled=True)
                yield Button("Quit", id="quit")
            # No percentage: its label is re-laid out on every tick; the status line counts files.
            yield ProgressBar(id="build-progress", show_eta=False, show_percentage=False)
            yield Label("", id="build-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#corpus-path", Input).focus()
        missing = [p for p in self.corpus if not Path(p).exists()]
        if missing:
            self.query_one("#build-status", Label).update(
                Content(
                    f"{printable(missing[0])} does not exist: "
                    "type the folder of your articles, then Enter."
                )
            )
        self.query_one(ProgressBar).display = False
        self.watch(self.app, "build_progress", self._progress, init=False)
        status_known = bool(self.searchtui_app.build_status)
        self.watch(self.app, "build_status", self._status, init=status_known)
        self.watch(self.app, "building", self._building)

    @on(Button.Pressed, "#build")
    @on(Input.Submitted, "#corpus-path")
    def _build(self) -> None:
        text = self.query_one("#corpus-path", Input).value
        try:
            paths = shlex.split(text)
        except ValueError as exc:
            message = printable(f"Cannot read the paths: {exc}")
            self.query_one("#build-status", Label).update(Content(message))
            return
        if not paths:
            self.query_one("#build-status", Label).update("Type the folder of articles to index.")
            return
        self.searchtui_app.start_build(paths, rebuild=self.incompatible)

    @on(Button.Pressed, "#cancel")
    def action_cancel_build(self) -> None:
        self.searchtui_app.action_cancel_build()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_build":
            return True if self.searchtui_app.building else False
        return True

    @on(Button.Pressed, "#quit")
    async def _quit(self) -> None:
        await self.searchtui_app.action_quit()

    def _building(self, building: bool) -> None:
        self.refresh_bindings()
        self.query_one("#build", Button).disabled = building
        self.query_one("#cancel", Button).disabled = not building
        bar = self.query_one(ProgressBar)
        if building:
            bar.display = True
            bar.update(total=None, progress=0)
            self.query_one("#cancel", Button).focus()
        elif self.app.focused is None or self.app.focused.id == "cancel":
            self.query_one("#build", Button).focus()

    def _progress(self, progress: Progress | None) -> None:
        if progress is None:
            return
        bar = self.query_one(ProgressBar)
        bar.update(total=progress.total or None, progress=progress.done)

    def _status(self, status: str) -> None:
        # A line that keeps its height is repainted, not laid out again: progress ticks often.
        label = self.query_one("#build-status", Label)
        one_line = len(status) <= label.content_size.width
        label.update(Content(printable(status)), layout=not (one_line and self._one_line_status))
        self._one_line_status = one_line

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_worker_error(self, event)
