"""The query input, with Up/Down walking earlier queries."""

from __future__ import annotations

from typing import Any

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
        super().__init__(**kwargs)
        self.history = history if history is not None else []
        self._pos: int | None = None  # index into history, None: the draft
        self._draft = ""
        self.recalled_value: str | None = None  # the value the history walk put in

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
