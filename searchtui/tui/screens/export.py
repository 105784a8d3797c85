"""The export dialog: where to write every hit, and in which format."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from searchtui.export import FORMATS, format_for_path, with_format


class ExportDialog(ModalScreen[tuple[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, total: int, default_path: str | None = None) -> None:
        super().__init__()
        self.total = total
        self.default_path = default_path or str(Path.cwd() / "searchtui-results.jsonl")

    def compose(self) -> ComposeResult:
        fmt = format_for_path(self.default_path) or "jsonl"
        with Vertical(id="export-box"):
            yield Label(f"Export all {self.total:,} hits", id="export-title")
            yield Label("To file:")
            yield Input(self.default_path, id="export-path")
            with RadioSet(id="export-format"):
                for key, name in FORMATS.items():
                    yield RadioButton(name, value=(key == fmt), id=f"fmt-{key}")
            yield Label("", id="export-error")
            with Horizontal(id="export-buttons"):
                yield Button("Export", id="export-ok", variant="primary")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def chosen_format(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed.id[4:] if pressed is not None and pressed.id else "jsonl"

    @on(RadioSet.Changed)
    def _format_changed(self, event: RadioSet.Changed) -> None:
        box = self.query_one("#export-path", Input)
        box.value = with_format(box.value, self.chosen_format)

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        fmt = format_for_path(event.value)
        if fmt and fmt != self.chosen_format:
            with self.query_one(RadioSet).prevent(RadioSet.Changed):
                self.query_one(f"#fmt-{fmt}", RadioButton).value = True

    @on(Button.Pressed, "#export-ok")
    @on(Input.Submitted, "#export-path")
    def _ok(self) -> None:
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        error = self.query_one("#export-error", Label)
        if not str(path) or path.is_dir():
            error.update("Give a file name.")
            return
        if not path.parent.is_dir():
            error.update(f"No such folder: {path.parent}")
            return
        self.dismiss((str(path), self.chosen_format))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
