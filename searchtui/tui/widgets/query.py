"""The query input, with Up/Down walking earlier queries."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class QueryInput(Input):
    #: the box has a fixed size, so text growing inside it needs a repaint, not a
    #: new layout of the whole screen on every key
    virtual_size = Reactive(Size(0, 0), layout=False)

    BINDINGS = [
        Binding("up", "history(-1)", "Earlier query", show=False),
        Binding("down", "history(1)", "Later query", show=False),
    ]

    def __init__(self, history: list[str] | None = None, **kwargs: Any) -> None:
        # Tab into the box keeps the query: the next key edits it, it does not replace it
        kwargs.setdefault("select_on_focus", False)
        super().__init__(**kwargs)
        self.history = history if history is not None else []
        self._pos: int | None = None  # index into history, None: the draft
        self._draft = ""
        self.recalled_value: str | None = None  # the value the history walk put in

    async def _on_key(self, event: events.Key) -> None:
        if event.character == "/" and not self.value:
            # "/" is the key that comes to this box: here already, it is not the query's
            # first character (a slash inside a query, as in 9/11, is typed as usual)
            event.stop()
            event.prevent_default()

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._pos is None:
            if step > 0:
                return
            self._draft = self.value
            pos = len(self.history) - 1
        else:
            pos = self._pos + step
        if pos < 0:
            return
        if pos >= len(self.history):
            self._pos = None
            value = self._draft
        else:
            self._pos = pos
            value = self.history[pos]
        self.recalled_value = value
        self.value = value
        self.cursor_position = len(value)

    @property
    def walking_history(self) -> bool:
        return self._pos is not None

    def reset_history_position(self) -> None:
        self._pos = None
        self.recalled_value = None
